//! The AWS adapters that implement the ports: DynamoDB (`dynamo`, with the key formats in
//! `keys` and the item shapes in `items`, docs/data-model.md), its stream records (`stream`),
//! SNS integration events (`sns`), and staff notifications by SES email and SNS SMS (`notify`).

pub mod dynamo;
pub mod items;
pub mod keys;
#[cfg(test)]
pub mod memory;
pub mod notify;
pub mod sns;
pub mod stream;

pub use dynamo::DynamoStore;
pub use notify::AwsNotifier;
pub use sns::SnsPublisher;
