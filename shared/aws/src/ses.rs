//! Staff email through SES: a text and an HTML part, from the configured sender.

use scl_core::ports::ChannelError;
use scl_domain::notification::EmailContent;
use scl_domain::settings::EmailAddress;

use crate::sdk_error::classify;

pub(super) async fn send_email(
    ses: &aws_sdk_ses::Client,
    sender: &str,
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
        .destination(Destination::builder().to_addresses(to.as_str()).build())
        .message(message)
        .send()
        .await
        .map_err(|e| classify("email", e))?;
    Ok(())
}
