//! The AWS adapters that implement the ports: DynamoDB (`dynamo`, with the key formats in
//! `keys` and the item shapes in `items`, docs/data-model.md), its stream records (`stream`),
//! SNS integration events and SMS (`sns`), SES email (`ses`), and the notifier that sends staff
//! notifications over both (`notify`).

pub mod dynamo;
pub mod items;
pub mod keys;
#[cfg(test)]
pub mod memory;
pub mod notify;
mod ses;
pub mod sns;
pub mod stream;

pub use dynamo::DynamoStore;
pub use notify::AwsNotifier;
pub use sns::SnsPublisher;
