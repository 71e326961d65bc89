//! The DynamoDB adapter: implements the ports over one table (docs/data-model.md).

pub mod dynamo;
pub mod items;
pub mod keys;
pub mod sns;

pub use dynamo::DynamoStore;
pub use sns::SnsPublisher;
