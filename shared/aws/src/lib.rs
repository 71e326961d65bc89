//! Second Chance Leads' AWS adapters: `scl-core`'s ports over AWS services, and the clients a
//! function builds once per cold start.
//!
//! - `dynamo`: the stores over DynamoDB, with the key formats in `keys` and the item shapes in
//!   `items` (docs/data-model.md).
//! - `fanout`: the table's stream, read once and put in each reader's queue, and waiting calls'
//!   turns in the decide queue; `stream`: the stream's records, decoded.
//! - `sns`: integration events and SMS; `ses`: email; `notify`: the notifier that sends staff
//!   notifications over both; `sdk_error`: which SDK failures are worth retrying.
//! - `webhook`: the signed webhook's secrets (Secrets Manager) and bus (EventBridge);
//!   `events_out`: integration events on the events bus, and businesses' webhooks for them.
//! - `config`: the environment's names, the SDK configuration and the clients.

pub mod config;
pub mod dynamo;
pub mod events_out;
pub mod fanout;
pub mod items;
pub mod keys;
pub mod notify;
mod sdk_error;
mod ses;
pub mod sns;
pub mod stream;
pub mod webhook;

pub use dynamo::DynamoStore;
pub use notify::AwsNotifier;
pub use sns::SnsPublisher;
