//! Configuration from the environment, read once per cold start. Every name (table, topic,
//! sender) comes from here; endpoints come from the SDK's standard `AWS_ENDPOINT_URL_*`
//! variables (read here, per client), which is how the local stack points functions at
//! DynamoDB Local and moto.

use aws_credential_types::{provider::SharedCredentialsProvider, Credentials};
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::{region::Region, SdkConfig};

use crate::DynamoStore;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("the HTTPS client's TLS settings")]
    Tls(#[source] aws_smithy_http_client::HttpClientError),
}

pub fn required(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing(name))
}

/// What every function builds once per cold start, before its own clients.
pub struct ColdStart {
    pub sdk: SdkConfig,
    /// The lead store over `TABLE_NAME`.
    pub store: DynamoStore,
}

/// JSON logs, the AWS configuration and the table: the start of every function's `main`.
pub async fn cold_start() -> Result<ColdStart, ConfigError> {
    let sdk = init()?;
    let store = dynamo_store(&sdk)?;
    Ok(ColdStart { sdk, store })
}

/// JSON logs and the AWS configuration: the start of a function that needs no table.
pub fn init() -> Result<SdkConfig, ConfigError> {
    scl_core::telemetry::init();
    sdk_config()
}

/// The AWS configuration from the variables Lambda sets in every execution environment:
/// `AWS_REGION`, and the execution role's `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN`, which stay valid for the environment's life. Read directly rather than
/// through aws-config's provider chains (profile files, SSO, web identity, container and
/// instance metadata), none of which applies to a function and which cost ~3 ms of init and
/// ~0.5 MB of binary (BENCHMARKS.md). Retries, timeouts and the sleep and time sources are the
/// SDK's defaults for the behaviour version, as aws-config would set them.
pub fn sdk_config() -> Result<SdkConfig, ConfigError> {
    let credentials = Credentials::new(
        required("AWS_ACCESS_KEY_ID")?,
        required("AWS_SECRET_ACCESS_KEY")?,
        optional("AWS_SESSION_TOKEN"),
        None,
        "lambda-environment",
    );
    Ok(SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(required("AWS_REGION")?))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(https_client()?)
        .build())
}

/// The roots the functions trust: Amazon Trust Services', which issue every AWS endpoint's
/// certificate. The functions talk to nothing else (DynamoDB, SNS, SES).
const AWS_TRUST_SERVICES_ROOTS: &[u8] = include_bytes!("../certs/aws-trust-services-roots.pem");

/// Hyper with rustls on ring, trusting the five Amazon Trust Services roots. Built here because
/// the SDK crates' default features would each link their own TLS stacks (Cargo.toml), and
/// because the default trust store, the system's, is read from disk when the first client is
/// built: ~2.7 ms of every cold start here for ~140 roots of which AWS needs these five
/// (BENCHMARKS.md). A connector, with this store, is built with the first client; connections
/// are made at the first request.
pub fn https_client() -> Result<SharedHttpClient, ConfigError> {
    use aws_smithy_http_client::tls::{
        rustls_provider::CryptoMode, Provider, TlsContext, TrustStore,
    };
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AWS_TRUST_SERVICES_ROOTS);
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(ConfigError::Tls)?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https())
}

/// `sdk` with a service's endpoint override, by the SDK's own variable names:
/// `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_DYNAMODB`), else `AWS_ENDPOINT_URL`.
/// Unset on AWS; the local stack sets them to point the functions at DynamoDB Local and moto.
fn for_service(sdk: &SdkConfig, service: &str) -> SdkConfig {
    match optional(&format!("AWS_ENDPOINT_URL_{service}")).or_else(|| optional("AWS_ENDPOINT_URL"))
    {
        Some(url) => sdk.to_builder().endpoint_url(url).build(),
        None => sdk.clone(),
    }
}

fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn dynamodb_client(sdk: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&for_service(sdk, "DYNAMODB"))
}

pub fn sns_client(sdk: &SdkConfig) -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::new(&for_service(sdk, "SNS"))
}

pub fn ses_client(sdk: &SdkConfig) -> aws_sdk_ses::Client {
    aws_sdk_ses::Client::new(&for_service(sdk, "SES"))
}

/// The signed webhook's secrets (`WEBHOOK_SECRET_PREFIX` + the business) and bus
/// (`INTEGRATION_BUS_NAME`, as `WEBHOOK_SOURCE`).
pub fn webhook_ports(
    sdk: &SdkConfig,
) -> Result<
    (
        crate::webhook::SecretsManagerSecrets,
        crate::webhook::EventBridgeBus,
    ),
    ConfigError,
> {
    let secrets = aws_sdk_secretsmanager::Client::new(&for_service(sdk, "SECRETS_MANAGER"));
    let bus = aws_sdk_eventbridge::Client::new(&for_service(sdk, "EVENTBRIDGE"));
    Ok((
        crate::webhook::SecretsManagerSecrets::new(secrets, required("WEBHOOK_SECRET_PREFIX")?),
        crate::webhook::EventBridgeBus::new(
            bus,
            required("INTEGRATION_BUS_NAME")?,
            required("WEBHOOK_SOURCE")?,
        ),
    ))
}

/// Integration events onto the events bus (`EVENTS_BUS_NAME`), signed with the businesses'
/// secrets (`WEBHOOK_OUT_SECRET_PREFIX` + the business).
pub fn events_bus_publisher(
    sdk: &SdkConfig,
) -> Result<crate::events_out::EventBridgePublisher, ConfigError> {
    let secrets = aws_sdk_secretsmanager::Client::new(&for_service(sdk, "SECRETS_MANAGER"));
    Ok(crate::events_out::EventBridgePublisher::new(
        aws_sdk_eventbridge::Client::new(&for_service(sdk, "EVENTBRIDGE")),
        required("EVENTS_BUS_NAME")?,
        crate::webhook::SecretsManagerSecrets::new(secrets, required("WEBHOOK_OUT_SECRET_PREFIX")?),
    ))
}

/// The businesses' webhooks for integration events: rules on `EVENTS_BUS_NAME` to API
/// destinations invoked as `WEBHOOK_ROLE_ARN`, dead letters to `WEBHOOK_DEAD_LETTER_ARN`,
/// secrets under `WEBHOOK_OUT_SECRET_PREFIX`, names set apart by `STACK_NAME`.
pub fn webhook_registry(
    sdk: &SdkConfig,
) -> Result<crate::events_out::EventBridgeWebhooks, ConfigError> {
    Ok(crate::events_out::EventBridgeWebhooks::new(
        aws_sdk_eventbridge::Client::new(&for_service(sdk, "EVENTBRIDGE")),
        aws_sdk_secretsmanager::Client::new(&for_service(sdk, "SECRETS_MANAGER")),
        required("WEBHOOK_OUT_SECRET_PREFIX")?,
        crate::events_out::WebhookTargets {
            bus: required("EVENTS_BUS_NAME")?,
            role_arn: required("WEBHOOK_ROLE_ARN")?,
            dead_letter_arn: required("WEBHOOK_DEAD_LETTER_ARN")?,
            stack: required("STACK_NAME")?,
        },
    ))
}

/// The stream's fan-out: each reader's queue (`Reader::queue_variable`) and the decide queue
/// (`DECIDE_QUEUE_URL`).
pub fn fanout(sdk: &SdkConfig) -> Result<crate::fanout::Fanout, ConfigError> {
    use crate::fanout::Reader;
    let readers = Reader::ALL
        .into_iter()
        .map(|r| required(r.queue_variable()).map(|url| (r, url)))
        .collect::<Result<_, _>>()?;
    Ok(crate::fanout::Fanout::new(
        sqs_client(sdk),
        readers,
        required("DECIDE_QUEUE_URL")?,
    ))
}

/// The decide queue alone (`DECIDE_QUEUE_URL`): where a waiting call's turn is put back.
pub fn decide_queue(sdk: &SdkConfig) -> Result<crate::fanout::Fanout, ConfigError> {
    Ok(crate::fanout::Fanout::new(
        sqs_client(sdk),
        Default::default(),
        required("DECIDE_QUEUE_URL")?,
    ))
}

pub fn sqs_client(sdk: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&for_service(sdk, "SQS"))
}

/// The lead store over `TABLE_NAME`.
pub fn dynamo_store(sdk: &SdkConfig) -> Result<DynamoStore, ConfigError> {
    let table = required("TABLE_NAME")?;
    Ok(DynamoStore::new(dynamodb_client(sdk), table))
}

/// The integration-event publisher over `EVENTS_TOPIC_ARN`.
pub fn sns_publisher(sdk: &SdkConfig) -> Result<crate::SnsPublisher, ConfigError> {
    let topic = required("EVENTS_TOPIC_ARN")?;
    Ok(crate::SnsPublisher::new(sns_client(sdk), topic))
}

/// SES (sender from `SES_SENDER`, through the configuration set `SES_CONFIGURATION_SET` when
/// set) and SNS SMS (from `SMS_ORIGINATION_NUMBER` when set).
pub fn aws_notifier(sdk: &SdkConfig) -> Result<crate::AwsNotifier, ConfigError> {
    let sender = required("SES_SENDER")?;
    let mut notifier = crate::AwsNotifier::new(ses_client(sdk), sns_client(sdk), sender);
    if let Some(set) = optional("SES_CONFIGURATION_SET") {
        notifier = notifier.with_configuration_set(set);
    }
    if let Some(number) = optional("SMS_ORIGINATION_NUMBER") {
        notifier = notifier.with_sms_origination(number);
    }
    Ok(notifier)
}

/// Where notification links point (`APP_URL`, the CSR app's base URL).
pub fn notify_config() -> Result<scl_core::service::notify::NotifyConfig, ConfigError> {
    Ok(scl_core::service::notify::NotifyConfig {
        app_url: required("APP_URL")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_roots_are_the_five_amazon_trust_services_certificates() {
        let pem = std::str::from_utf8(AWS_TRUST_SERVICES_ROOTS).unwrap();
        assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        for cn in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ] {
            assert!(pem.contains(&format!("CN = {cn}\n")), "{cn} missing");
        }
    }

    #[tokio::test]
    async fn a_client_over_the_pinned_store_builds() {
        // Building a client builds its connector, parsing every pinned root; a malformed
        // certificate would panic here rather than in a function's init.
        let sdk = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .http_client(https_client().unwrap())
            .build();
        let client = aws_sdk_dynamodb::Client::new(&sdk);
        assert_eq!(
            client.config().region().map(|r| r.as_ref()),
            Some("us-east-1")
        );
    }
}
