//! `AwsNotifier`: the `Notifier` port over staff email through SES (`ses`) and SMS through an
//! SNS `Publish` to a phone number (`sns`); which failures are worth a retry is `sdk_error`'s rule.

use scl_core::ports::{ChannelError, Notifier};
use scl_domain::notification::EmailContent;
use scl_domain::settings::EmailAddress;
use scl_domain::PhoneNumber;

#[derive(Clone, Debug)]
pub struct AwsNotifier {
    ses: aws_sdk_ses::Client,
    sns: aws_sdk_sns::Client,
    sender: String,
    configuration_set: Option<String>,
    sms_origination: Option<String>,
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
            configuration_set: None,
            sms_origination: None,
        }
    }

    /// Texts go out from origination number `number` (E.164).
    pub fn with_sms_origination(mut self, number: impl Into<String>) -> Self {
        self.sms_origination = Some(number.into());
        self
    }

    /// Email goes through SES configuration set `name`.
    pub fn with_configuration_set(mut self, name: impl Into<String>) -> Self {
        self.configuration_set = Some(name.into());
        self
    }
}

impl Notifier for AwsNotifier {
    async fn send_email(
        &self,
        to: &EmailAddress,
        content: &EmailContent,
    ) -> Result<(), ChannelError> {
        let set = self.configuration_set.as_deref();
        super::ses::send_email(&self.ses, &self.sender, set, to, content).await
    }

    async fn send_sms(&self, to: &PhoneNumber, text: &str) -> Result<(), ChannelError> {
        let from = self.sms_origination.as_deref();
        super::sns::send_sms(&self.sns, from, to, text).await
    }
}
