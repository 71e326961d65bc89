//! Integration events out through EventBridge: `EventBridgePublisher` puts each event on the
//! stack's events bus (`EVENTS_BUS_NAME`), signed for the business's webhook when it has one
//! (`scl_domain::webhook_out`); `EventBridgeWebhooks` registers a business's webhook as the AWS
//! engine delivers it: a rule on the events bus for the business's events, targeting an API
//! destination (through a connection) with EventBridge's retries and a dead-letter queue. Its
//! signing secret is kept in Secrets Manager (`<WEBHOOK_OUT_SECRET_PREFIX><tenant_id>`), where
//! the publisher reads it.

use aws_sdk_eventbridge::error::ProvideErrorMetadata;
use aws_sdk_eventbridge::types::{
    ConnectionAuthorizationType, CreateConnectionApiKeyAuthRequestParameters,
    CreateConnectionAuthRequestParameters, DeadLetterConfig, RetryPolicy, Target,
    UpdateConnectionApiKeyAuthRequestParameters, UpdateConnectionAuthRequestParameters,
};
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::webhook::{put_event, SecretsManagerSecrets};
use scl_core::ports::{
    BackendError, EventPublisher, PublishError, WebhookRegistry, WebhookSecrets,
};
use scl_domain::events::PendingEvent;
use scl_domain::webhook_out::{bus_detail, tenant_of, WebhookRegistration, EVENTS_SOURCE};
use scl_domain::TenantId;

fn failed(what: &'static str) -> impl FnOnce(String) -> BackendError {
    move |detail| BackendError {
        what,
        source: detail.into(),
    }
}

fn sdk_failed<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    what: &'static str,
) -> impl FnOnce(aws_sdk_eventbridge::error::SdkError<E>) -> BackendError {
    move |e| BackendError {
        what,
        source: Box::new(e),
    }
}

fn code_of<E: ProvideErrorMetadata>(e: &aws_sdk_eventbridge::error::SdkError<E>) -> Option<&str> {
    e.as_service_error().and_then(|s| s.code())
}

pub struct EventBridgePublisher {
    client: aws_sdk_eventbridge::Client,
    bus: String,
    /// The businesses' outbound signing secrets.
    secrets: SecretsManagerSecrets,
}

impl EventBridgePublisher {
    pub fn new(
        client: aws_sdk_eventbridge::Client,
        bus: String,
        secrets: SecretsManagerSecrets,
    ) -> Self {
        EventBridgePublisher {
            client,
            bus,
            secrets,
        }
    }
}

impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, event: &PendingEvent) -> Result<(), PublishError> {
        let fail = |detail: String| PublishError {
            event_type: event.event_type.clone(),
            event_id: event.event_id.clone(),
            detail,
        };
        let tenant =
            tenant_of(event).ok_or_else(|| fail("the payload names no business".into()))?;
        let secret = self
            .secrets
            .signing_secret(&tenant)
            .await
            .map_err(|e| fail(scl_core::telemetry::chain(&e)))?;
        let detail = bus_detail(event, &tenant, secret.as_ref(), Utc::now());
        let put = put_event(
            &self.client,
            &self.bus,
            EVENTS_SOURCE,
            &event.event_type,
            &detail,
        );
        put.await
            .map_err(|e| fail(scl_core::telemetry::chain(&e)))?;
        Ok(())
    }
}

/// What `EventBridgeWebhooks` needs from the stack.
pub struct WebhookTargets {
    /// The events bus the rules go on.
    pub bus: String,
    /// The role EventBridge assumes to invoke the API destinations.
    pub role_arn: String,
    /// Where deliveries that still fail after EventBridge's retries go.
    pub dead_letter_arn: String,
    /// Sets this stack's names apart (`${AWS::StackName}`).
    pub stack: String,
}

pub struct EventBridgeWebhooks {
    events: aws_sdk_eventbridge::Client,
    secrets: aws_sdk_secretsmanager::Client,
    /// `<stack>/webhook-out/`.
    secret_prefix: String,
    targets: WebhookTargets,
}

/// The rule's one target.
const TARGET_ID: &str = "webhook";

impl EventBridgeWebhooks {
    pub fn new(
        events: aws_sdk_eventbridge::Client,
        secrets: aws_sdk_secretsmanager::Client,
        secret_prefix: String,
        targets: WebhookTargets,
    ) -> Self {
        EventBridgeWebhooks {
            events,
            secrets,
            secret_prefix,
            targets,
        }
    }

    /// The business's connection, API destination and rule are all named this: `scl-` and a
    /// hash of the stack and the business (names allow only `[A-Za-z0-9._-]`, 64 at most).
    fn name(&self, tenant: &TenantId) -> String {
        let digest = Sha256::digest(format!("{}/{tenant}", self.targets.stack).as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("scl-{hex}")
    }

    /// A new secret, stored for the business (replacing any before).
    async fn new_secret(&self, tenant: &TenantId) -> Result<String, BackendError> {
        let secret = self
            .secrets
            .get_random_password()
            .password_length(64)
            .exclude_punctuation(true)
            .send()
            .await
            .map_err(|e| BackendError {
                what: "Secrets Manager GetRandomPassword",
                source: Box::new(e),
            })?
            .random_password
            .ok_or_else(|| failed("Secrets Manager GetRandomPassword")("no password".into()))?;
        let name = format!("{}{tenant}", self.secret_prefix);
        let put = self
            .secrets
            .put_secret_value()
            .secret_id(&name)
            .secret_string(&secret)
            .send()
            .await;
        match put {
            Ok(_) => Ok(secret),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                self.secrets
                    .create_secret()
                    .name(&name)
                    .description("Signs the integration events Second Chance Leads sends to a business's webhook")
                    .secret_string(&secret)
                    .send()
                    .await
                    .map_err(|e| BackendError {
                        what: "Secrets Manager CreateSecret",
                        source: Box::new(e),
                    })?;
                Ok(secret)
            }
            Err(e) => Err(BackendError {
                what: "Secrets Manager PutSecretValue",
                source: Box::new(e),
            }),
        }
    }

    /// The connection's ARN, created or updated. Its API key header names the business, so a
    /// receiver serving several can tell them apart before it checks the signature.
    async fn connection(&self, name: &str, tenant: &TenantId) -> Result<String, BackendError> {
        let created = self
            .events
            .create_connection()
            .name(name)
            .authorization_type(ConnectionAuthorizationType::ApiKey)
            .auth_parameters(
                CreateConnectionAuthRequestParameters::builder()
                    .api_key_auth_parameters(
                        CreateConnectionApiKeyAuthRequestParameters::builder()
                            .api_key_name("X-SCL-Business")
                            .api_key_value(tenant.as_str())
                            .build()
                            .map_err(|e| failed("EventBridge CreateConnection")(e.to_string()))?,
                    )
                    .build(),
            )
            .send()
            .await;
        match created {
            Ok(out) => out
                .connection_arn
                .ok_or_else(|| failed("EventBridge CreateConnection")("no ARN".into())),
            Err(e) if code_of(&e) == Some("ResourceAlreadyExistsException") => self
                .events
                .update_connection()
                .name(name)
                .authorization_type(ConnectionAuthorizationType::ApiKey)
                .auth_parameters(
                    UpdateConnectionAuthRequestParameters::builder()
                        .api_key_auth_parameters(
                            UpdateConnectionApiKeyAuthRequestParameters::builder()
                                .api_key_name("X-SCL-Business")
                                .api_key_value(tenant.as_str())
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .map_err(sdk_failed("EventBridge UpdateConnection"))?
                .connection_arn
                .ok_or_else(|| failed("EventBridge UpdateConnection")("no ARN".into())),
            Err(e) => Err(sdk_failed("EventBridge CreateConnection")(e)),
        }
    }

    /// The API destination's ARN, created or updated.
    async fn destination(
        &self,
        name: &str,
        connection_arn: &str,
        url: &str,
    ) -> Result<String, BackendError> {
        use aws_sdk_eventbridge::types::ApiDestinationHttpMethod::Post;
        let created = self
            .events
            .create_api_destination()
            .name(name)
            .connection_arn(connection_arn)
            .invocation_endpoint(url)
            .http_method(Post)
            .invocation_rate_limit_per_second(10)
            .send()
            .await;
        match created {
            Ok(out) => out
                .api_destination_arn
                .ok_or_else(|| failed("EventBridge CreateApiDestination")("no ARN".into())),
            Err(e) if code_of(&e) == Some("ResourceAlreadyExistsException") => self
                .events
                .update_api_destination()
                .name(name)
                .connection_arn(connection_arn)
                .invocation_endpoint(url)
                .http_method(Post)
                .invocation_rate_limit_per_second(10)
                .send()
                .await
                .map_err(sdk_failed("EventBridge UpdateApiDestination"))?
                .api_destination_arn
                .ok_or_else(|| failed("EventBridge UpdateApiDestination")("no ARN".into())),
            Err(e) => Err(sdk_failed("EventBridge CreateApiDestination")(e)),
        }
    }
}

impl WebhookRegistry for EventBridgeWebhooks {
    async fn register(
        &self,
        tenant: &TenantId,
        registration: &WebhookRegistration,
    ) -> Result<String, BackendError> {
        let name = self.name(tenant);
        let secret = self.new_secret(tenant).await?;
        let connection = self.connection(&name, tenant).await?;
        let destination = self
            .destination(&name, &connection, &registration.url)
            .await?;
        let pattern = json!({
            "source": [EVENTS_SOURCE],
            "detail-type": registration.events,
            "detail": {"tenant_id": [tenant.as_str()]},
        });
        self.events
            .put_rule()
            .name(&name)
            .event_bus_name(&self.targets.bus)
            .event_pattern(pattern.to_string())
            .description(format!(
                "Integration events of business {tenant} to its webhook"
            ))
            .send()
            .await
            .map_err(sdk_failed("EventBridge PutRule"))?;
        let target = Target::builder()
            .id(TARGET_ID)
            .arn(destination)
            .role_arn(&self.targets.role_arn)
            .retry_policy(
                RetryPolicy::builder()
                    .maximum_retry_attempts(185)
                    .maximum_event_age_in_seconds(86_400)
                    .build(),
            )
            .dead_letter_config(
                DeadLetterConfig::builder()
                    .arn(&self.targets.dead_letter_arn)
                    .build(),
            )
            .build()
            .map_err(|e| failed("EventBridge PutTargets")(e.to_string()))?;
        let out = self
            .events
            .put_targets()
            .rule(&name)
            .event_bus_name(&self.targets.bus)
            .targets(target)
            .send()
            .await
            .map_err(sdk_failed("EventBridge PutTargets"))?;
        if out.failed_entry_count() > 0 {
            return Err(failed("EventBridge PutTargets")(
                "the target was not taken".into(),
            ));
        }
        Ok(secret)
    }

    async fn registered(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<WebhookRegistration>, BackendError> {
        let name = self.name(tenant);
        let rule = self
            .events
            .describe_rule()
            .name(&name)
            .event_bus_name(&self.targets.bus)
            .send()
            .await;
        let rule = match rule {
            Ok(rule) => rule,
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(sdk_failed("EventBridge DescribeRule")(e)),
        };
        let pattern: Value = serde_json::from_str(rule.event_pattern().unwrap_or("{}"))
            .map_err(|e| failed("EventBridge DescribeRule")(e.to_string()))?;
        let events = pattern["detail-type"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let destination = self
            .events
            .describe_api_destination()
            .name(&name)
            .send()
            .await
            .map_err(sdk_failed("EventBridge DescribeApiDestination"))?;
        Ok(Some(WebhookRegistration {
            url: destination.invocation_endpoint.unwrap_or_default(),
            events,
        }))
    }

    async fn remove(&self, tenant: &TenantId) -> Result<bool, BackendError> {
        let name = self.name(tenant);
        let (bus, gone) = (&self.targets.bus, |code: Option<&str>| {
            code == Some("ResourceNotFoundException")
        });
        match self
            .events
            .remove_targets()
            .rule(&name)
            .event_bus_name(bus)
            .ids(TARGET_ID)
            .send()
            .await
        {
            Err(e) if gone(code_of(&e)) => return Ok(false),
            other => other.map_err(sdk_failed("EventBridge RemoveTargets"))?,
        };
        let rule = self
            .events
            .delete_rule()
            .name(&name)
            .event_bus_name(bus)
            .send()
            .await;
        rule.map_err(sdk_failed("EventBridge DeleteRule"))?;
        if let Err(e) = self
            .events
            .delete_api_destination()
            .name(&name)
            .send()
            .await
        {
            if !gone(code_of(&e)) {
                return Err(sdk_failed("EventBridge DeleteApiDestination")(e));
            }
        }
        if let Err(e) = self.events.delete_connection().name(&name).send().await {
            if !gone(code_of(&e)) {
                return Err(sdk_failed("EventBridge DeleteConnection")(e));
            }
        }
        let deleted = self
            .secrets
            .delete_secret()
            .secret_id(format!("{}{tenant}", self.secret_prefix))
            .force_delete_without_recovery(true)
            .send()
            .await;
        match deleted {
            Err(e)
                if !e
                    .as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Err(BackendError {
                    what: "Secrets Manager DeleteSecret",
                    source: Box::new(e),
                })
            }
            _ => Ok(true),
        }
    }
}
