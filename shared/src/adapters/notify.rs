//! `AwsNotifier`: the `Notifier` port over staff email through SES (`ses`) and SMS through an
//! SNS `Publish` to a phone number (`sns`), with one rule for which failures are worth a retry.

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
pub(super) fn classify<
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
>(
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
        super::ses::send_email(&self.ses, &self.sender, to, content).await
    }

    async fn send_sms(&self, to: &PhoneNumber, text: &str) -> Result<(), ChannelError> {
        super::sns::send_sms(&self.sns, to, text).await
    }
}
