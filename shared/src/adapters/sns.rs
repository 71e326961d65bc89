//! `SnsPublisher`: integration events on the project's SNS topic, with the `event_type`
//! message attribute subscribers filter on.

use aws_sdk_sns::error::DisplayErrorContext;
use aws_sdk_sns::types::MessageAttributeValue;

use crate::domain::events::IntegrationEvent;
use crate::ports::{EventPublisher, PublishError};

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
    async fn publish(&self, event: &IntegrationEvent) -> Result<(), PublishError> {
        let fail = |detail: String| PublishError {
            event_type: event.event_type(),
            detail,
        };
        let attr = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(event.event_type())
            .build()
            .map_err(|e| fail(e.to_string()))?;
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(event.payload().to_string())
            .message_attributes("event_type", attr)
            .send()
            .await
            .map_err(|e| fail(DisplayErrorContext(e).to_string()))?;
        Ok(())
    }
}
