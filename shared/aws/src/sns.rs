//! SNS: `SnsPublisher` puts integration events on the project's topic, with the `event_type`
//! message attribute subscribers filter on; `send_sms` texts a staff member (for `AwsNotifier`).

use aws_sdk_sns::error::DisplayErrorContext;
use aws_sdk_sns::types::MessageAttributeValue;

use crate::sdk_error::classify;
use scl_core::ports::{ChannelError, EventPublisher, PublishError};
use scl_domain::events::PendingEvent;
use scl_domain::PhoneNumber;

#[derive(Clone, Debug)]
pub struct SnsPublisher {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsPublisher {
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        SnsPublisher {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

impl EventPublisher for SnsPublisher {
    async fn publish(&self, event: &PendingEvent) -> Result<(), PublishError> {
        let fail = |detail: String| PublishError {
            event_type: event.event_type.clone(),
            event_id: event.event_id.clone(),
            detail,
        };
        let attr = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| fail(e.to_string()))
        };
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(&event.payload)
            .message_attributes("event_type", attr(&event.event_type)?)
            .message_attributes("event_id", attr(&event.event_id)?)
            .send()
            .await
            .map_err(|e| fail(DisplayErrorContext(e).to_string()))?;
        Ok(())
    }
}

/// An SMS straight to a phone number, typed `Transactional` (SNS's type for critical,
/// non-marketing messages).
pub(super) async fn send_sms(
    sns: &aws_sdk_sns::Client,
    to: &PhoneNumber,
    text: &str,
) -> Result<(), ChannelError> {
    let sms_type = MessageAttributeValue::builder()
        .data_type("String")
        .string_value("Transactional")
        .build()
        .map_err(|e| ChannelError {
            channel: "sms",
            retryable: false,
            detail: e.to_string(),
        })?;
    sns.publish()
        .phone_number(to.as_str())
        .message(text)
        .message_attributes("AWS.SNS.SMS.SMSType", sms_type)
        .send()
        .await
        .map_err(|e| classify("sms", e))?;
    Ok(())
}
