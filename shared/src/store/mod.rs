//! The DynamoDB adapter: implements the ports over one table (docs/data-model.md).

pub mod dynamo;
pub mod items;
pub mod keys;
pub mod notify;
pub mod sns;
pub mod stream;

pub use dynamo::DynamoStore;
pub use notify::AwsNotifier;
pub use sns::SnsPublisher;
