//! Validation errors that name the offending field.

use std::fmt;

/// Bad input: which field, and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The error cut to a size any answer or record can carry: a parser's message may quote
    /// the offending value, and a field name comes from the input (both can be huge).
    pub fn bounded(self) -> Self {
        FieldError {
            field: cut(self.field, 200),
            message: cut(self.message, 500),
        }
    }

    /// The same error for a field nested under `prefix` (`detail.` + `from_number`).
    pub fn within(self, prefix: &str) -> Self {
        FieldError {
            field: format!("{prefix}{}", self.field),
            message: self.message,
        }
    }
}

/// `text` cut to at most `max` bytes, on a character boundary, marked when cut.
pub fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max.saturating_sub(3);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_errors_keep_their_start_and_fit() {
        let e = FieldError::new(
            "detail.".to_owned() + &"k".repeat(1000),
            "é".repeat(100_000),
        )
        .bounded();
        assert!(
            e.field.len() <= 200 && e.field.starts_with("detail.kkk"),
            "{}",
            e.field
        );
        assert!(e.message.len() <= 500 && e.message.ends_with("..."));
        let short = FieldError::new("text", "must not be empty").bounded();
        assert_eq!(short, FieldError::new("text", "must not be empty"));
    }
}
