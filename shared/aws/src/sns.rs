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
/// non-marketing messages), from the account's origination number `from` when one is named
/// (US carriers refuse texts without a registered toll-free or 10DLC number).
pub(super) async fn send_sms(
    sns: &aws_sdk_sns::Client,
    from: Option<&str>,
    to: &PhoneNumber,
    text: &str,
) -> Result<(), ChannelError> {
    let attributes = sms_attributes(from).map_err(|e| ChannelError {
        channel: "sms",
        retryable: false,
        detail: e.to_string(),
    })?;
    sns.publish()
        .phone_number(to.as_str())
        .message(text)
        .set_message_attributes(Some(attributes))
        .send()
        .await
        .map_err(|e| classify("sms", e))?;
    Ok(())
}

/// The message attributes of a staff SMS.
fn sms_attributes(
    from: Option<&str>,
) -> Result<std::collections::HashMap<String, MessageAttributeValue>, aws_sdk_sns::error::BuildError>
{
    let text = |v: &str| {
        MessageAttributeValue::builder()
            .data_type("String")
            .string_value(v)
            .build()
    };
    let mut attributes = std::collections::HashMap::new();
    attributes.insert("AWS.SNS.SMS.SMSType".to_owned(), text("Transactional")?);
    if let Some(number) = from {
        attributes.insert("AWS.MM.SMS.OriginationNumber".to_owned(), text(number)?);
    }
    Ok(attributes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staff_text_is_transactional_and_from_the_origination_number_when_named() {
        let value = |a: &std::collections::HashMap<String, MessageAttributeValue>, k: &str| {
            a.get(k).and_then(|v| v.string_value()).map(str::to_owned)
        };
        let named = sms_attributes(Some("+18445550100")).unwrap();
        assert_eq!(
            value(&named, "AWS.SNS.SMS.SMSType").as_deref(),
            Some("Transactional")
        );
        assert_eq!(
            value(&named, "AWS.MM.SMS.OriginationNumber").as_deref(),
            Some("+18445550100")
        );
        let unnamed = sms_attributes(None).unwrap();
        assert_eq!(unnamed.len(), 1, "SNS picks the number when none is named");
    }
}
