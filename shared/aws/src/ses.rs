//! Staff email through SES: a text and an HTML part, from the configured sender, through the
//! stack's configuration set when there is one (its bounces and complaints put the recipient
//! on the account's suppression list, so a dead address stops costing reputation).

use scl_core::ports::ChannelError;
use scl_domain::notification::EmailContent;
use scl_domain::settings::EmailAddress;

use crate::sdk_error::classify;

pub(super) async fn send_email(
    ses: &aws_sdk_ses::Client,
    sender: &str,
    configuration_set: Option<&str>,
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
    ses.send_email()
        .source(sender)
        .set_configuration_set_name(configuration_set.map(str::to_owned))
        .destination(Destination::builder().to_addresses(to.as_str()).build())
        .message(message)
        .send()
        .await
        .map_err(|e| classify("email", e))?;
    Ok(())
}
