//! `AwsNotifier`: staff email through SES and SMS through SNS `Publish` to a phone number.

use aws_sdk_sns::types::MessageAttributeValue;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::domain::notification::EmailContent;
use crate::domain::settings::EmailAddress;
use crate::domain::PhoneNumber;
use crate::ports::{ChannelError, Notifier};

#[derive(Clone, Debug)]
pub struct AwsNotifier {
    ses: aws_sdk_ses::Client,
    sns: aws_sdk_sns::Client,
    sender: String,
}

impl AwsNotifier {
    pub fn new(
        ses: aws_sdk_ses::Client,
        sns: aws_sdk_sns::Client,
        sender: impl Into<String>,
    ) -> Self {
        AwsNotifier {
            ses,
            sns,
            sender: sender.into(),
        }
    }
}

/// Throttling, server-side trouble and transport failures are worth retrying.
fn classify<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    channel: &'static str,
    e: aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> ChannelError {
    use aws_smithy_runtime_api::client::result::SdkError;
    let retryable = match &e {
        SdkError::ServiceError(se) => matches!(
            se.err().code(),
            Some(
                "Throttling"
                    | "ThrottlingException"
                    | "ServiceUnavailable"
                    | "InternalFailure"
                    | "InternalError"
            )
        ),
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        _ => false,
    };
    ChannelError {
        channel,
        retryable,
        detail: aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
    }
}

impl Notifier for AwsNotifier {
    async fn send_email(
        &self,
        to: &EmailAddress,
        content: &EmailContent,
    ) -> Result<(), ChannelError> {
        use aws_sdk_ses::types::{Body, Content, Destination, Message};
        let text = |s: &str| Content::builder().data(s).charset("UTF-8").build();
        let build_err = |e: aws_sdk_ses::error::BuildError| ChannelError {
            channel: "email",
            retryable: false,
            detail: e.to_string(),
        };
        let message = Message::builder()
            .subject(text(&content.subject).map_err(build_err)?)
            .body(
                Body::builder()
                    .text(text(&content.text).map_err(build_err)?)
                    .html(text(&content.html).map_err(build_err)?)
                    .build(),
            )
            .build();
        self.ses
            .send_email()
            .source(&self.sender)
            .destination(Destination::builder().to_addresses(to.as_str()).build())
            .message(message)
            .send()
            .await
            .map_err(|e| classify("email", e))?;
        Ok(())
    }

    async fn send_sms(&self, to: &PhoneNumber, text: &str) -> Result<(), ChannelError> {
        let sms_type = MessageAttributeValue::builder()
            .data_type("String")
            .string_value("Transactional")
            .build()
            .map_err(|e| ChannelError {
                channel: "sms",
                retryable: false,
                detail: e.to_string(),
            })?;
        self.sns
            .publish()
            .phone_number(to.as_str())
            .message(text)
            .message_attributes("AWS.SNS.SMS.SMSType", sms_type)
            .send()
            .await
            .map_err(|e| classify("sms", e))?;
        Ok(())
    }
}
