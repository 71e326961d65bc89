//! IAM, played locally: every AWS call a function makes goes through a proxy that evaluates the
//! function's template policies (`Policies:` inline statements and the SAM policy templates we
//! use) the way IAM would, and answers `AccessDenied` in the service's own error format when
//! nothing allows the call. DynamoDB Local and moto accept anything; without this, a missing
//! permission or a too-narrow `dynamodb:LeadingKeys` condition would only show up after deploy.
//!
//! Modelled: Allow/Deny statements, `Resource` and `NotResource`, `*`/`?` wildcards in actions
//! and resources, and the `ForAllValues:StringLike|StringEquals` `dynamodb:LeadingKeys`
//! condition, evaluated per item for transactions and batches (as IAM authorises each item of a
//! `TransactWriteItems` as its own `PutItem`/`UpdateItem`/`ConditionCheckItem`). Anything else
//! in a policy is refused at start-up rather than silently ignored.

mod access;
mod names;
mod policy;
mod proxy;
#[cfg(test)]
mod tests;
mod usage;

pub use access::*;
pub use names::*;
pub use policy::*;
pub use proxy::*;
pub use usage::{changes_nothing, AwsUsage, OperationCount, OperationKey};

pub const REGION: &str = "us-east-1";
/// moto's default account, which the topic ARNs it hands out carry.
pub const ACCOUNT: &str = "123456789012";
