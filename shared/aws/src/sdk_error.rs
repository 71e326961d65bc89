//! Which failures of an SDK call are worth retrying, for the channels that send (SES, SNS).

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use scl_core::ports::ChannelError;

/// Throttling, server-side trouble and transport failures are worth retrying.
pub(crate) fn classify<
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
