//! Configuration from the environment, read once per cold start. Every name (table, topic,
//! sender) comes from here; endpoints come from the SDK's standard `AWS_ENDPOINT_URL_*`
//! variables, which is how the local stack points functions at DynamoDB Local and moto.

use crate::adapters::DynamoStore;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
}

pub fn required(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing(name))
}

/// What every function builds once per cold start, before its own clients.
pub struct ColdStart {
    pub sdk: aws_config::SdkConfig,
    /// The lead store over `TABLE_NAME`.
    pub store: DynamoStore,
}

/// JSON logs, the phone-number metadata every handler parses with, the AWS configuration and
/// the table: the start of every function's `main`.
pub async fn cold_start() -> Result<ColdStart, ConfigError> {
    let sdk = init().await;
    crate::domain::PhoneNumber::preload_metadata();
    let store = dynamo_store(&sdk).await?;
    Ok(ColdStart { sdk, store })
}

/// JSON logs and the AWS configuration: the start of a function that needs no table.
pub async fn init() -> aws_config::SdkConfig {
    crate::telemetry::init();
    aws_config().await
}

pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// The lead store over `TABLE_NAME`.
pub async fn dynamo_store(sdk: &aws_config::SdkConfig) -> Result<DynamoStore, ConfigError> {
    let table = required("TABLE_NAME")?;
    Ok(DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), table))
}

/// The integration-event publisher over `EVENTS_TOPIC_ARN`.
pub fn sns_publisher(
    sdk: &aws_config::SdkConfig,
) -> Result<crate::adapters::SnsPublisher, ConfigError> {
    let topic = required("EVENTS_TOPIC_ARN")?;
    Ok(crate::adapters::SnsPublisher::new(
        aws_sdk_sns::Client::new(sdk),
        topic,
    ))
}

/// SES (sender from `SES_SENDER`) and SNS SMS.
pub fn aws_notifier(
    sdk: &aws_config::SdkConfig,
) -> Result<crate::adapters::AwsNotifier, ConfigError> {
    let sender = required("SES_SENDER")?;
    Ok(crate::adapters::AwsNotifier::new(
        aws_sdk_ses::Client::new(sdk),
        aws_sdk_sns::Client::new(sdk),
        sender,
    ))
}

/// Where notification links point (`APP_URL`, the CSR app's base URL).
pub fn notify_config() -> Result<crate::service::notify::NotifyConfig, ConfigError> {
    Ok(crate::service::notify::NotifyConfig {
        app_url: required("APP_URL")?,
    })
}
