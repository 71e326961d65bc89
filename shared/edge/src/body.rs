//! Request bodies and headers, read into values the domain's parsers take (docs/api.md,
//! Errors): the body as a JSON object, `If-Match` as a lead version.

use serde_json::Value;

use scl_domain::FieldError;

/// Parses a request body as JSON; an empty body is `{}`.
pub fn parse_body(body: &[u8]) -> Result<Value, FieldError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|_| FieldError::new("body", "must be valid JSON"))?;
    if !v.is_object() {
        return Err(FieldError::new("body", "must be a JSON object"));
    }
    Ok(v)
}

/// Parses a body that must be there (`PUT /settings`): an empty body is an error, not `{}`.
pub fn parse_required_body(body: &[u8]) -> Result<Value, FieldError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(FieldError::new("body", "is required: a JSON object"));
    }
    parse_body(body)
}

/// `If-Match: "3"` (quotes optional, `W/` weak prefix tolerated).
pub fn parse_if_match(raw: Option<&str>) -> Result<Option<u64>, FieldError> {
    match raw {
        None => Ok(None),
        Some(v) => {
            let t = v.trim().trim_start_matches("W/").trim_matches('"');
            t.parse::<u64>()
                .map(Some)
                .map_err(|_| FieldError::new("If-Match", "must be the lead's version, e.g. \"3\""))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_optional_body_may_be_empty_a_required_one_may_not() {
        assert_eq!(parse_body(b" ").unwrap(), json!({}));
        assert_eq!(parse_required_body(b" \n").unwrap_err().field, "body");
        assert_eq!(parse_required_body(b"{}").unwrap(), json!({}));
        assert_eq!(parse_required_body(b"[]").unwrap_err().field, "body");
    }

    #[test]
    fn bodies_and_if_match() {
        assert_eq!(parse_body(b"{nope").unwrap_err().field, "body");
        assert_eq!(parse_body(b"[1]").unwrap_err().field, "body");
        assert_eq!(parse_body(b"").unwrap(), json!({}));
        assert_eq!(parse_if_match(Some("\"3\"")).unwrap(), Some(3));
        assert_eq!(parse_if_match(Some("W/\"4\"")).unwrap(), Some(4));
        assert_eq!(parse_if_match(None).unwrap(), None);
        assert_eq!(parse_if_match(Some("abc")).unwrap_err().field, "If-Match");
    }
}
