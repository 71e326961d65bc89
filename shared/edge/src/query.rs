//! Query strings, parsed into typed requests. One rule for every route: only the parameters a
//! route knows, each at most once, the way an unknown or repeated JSON field is refused.

use scl_core::query::{ListRequest, NearMissRequest, PageCursor, DEFAULT_LIMIT, MAX_LIMIT};
use scl_domain::report::ReportQuery;
use scl_domain::status::{LeadStatus, Tab};
use scl_domain::FieldError;

/// Each of `known`'s values, in `known`'s order; any other parameter, or one given twice, is
/// refused naming it.
pub fn known_params<'a, const N: usize>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    known: [&str; N],
) -> Result<[Option<&'a str>; N], FieldError> {
    let mut values = [None; N];
    fill_known(params, &known, &mut values)?;
    Ok(values)
}

/// `known_params` for a list of names known only at run time (`api::reject_query_params`).
pub(crate) fn fill_known<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    known: &[&str],
    values: &mut [Option<&'a str>],
) -> Result<(), FieldError> {
    for (name, value) in params {
        let slot = known
            .iter()
            .position(|k| *k == name)
            .ok_or_else(|| FieldError::new(name, "is not a known parameter"))?;
        if values[slot].replace(value).is_some() {
            return Err(FieldError::new(name, "must be given at most once"));
        }
    }
    Ok(())
}

/// `GET /leads`: `tab` (default `open`), `status` (one of the tab's), `limit`, `cursor`.
pub fn list_request<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<ListRequest, FieldError> {
    let [tab, status, limit, cursor] = known_params(params, ["tab", "status", "limit", "cursor"])?;
    let tab = tab
        .map(|t| Tab::parse("tab", t))
        .transpose()?
        .unwrap_or(Tab::Open);
    let status = status.map(|s| LeadStatus::parse("status", s)).transpose()?;
    if let Some(s) = status {
        if !tab.holds(s) {
            return Err(FieldError::new(
                "status",
                format!(
                    "must be a status of the {} tab: {}",
                    tab.api_value(),
                    tab.statuses()
                        .iter()
                        .map(|s| s.api_value())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let limit = parse_limit(limit)?;
    let list = ListRequest::list_name(tab, status);
    let after = cursor.map(|c| cursor_of(c, &list)).transpose()?;
    Ok(ListRequest {
        tab,
        status,
        limit,
        after,
    })
}

/// `GET /calls/near-misses`: `limit`, `cursor`.
pub fn near_miss_request<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<NearMissRequest, FieldError> {
    let [limit, cursor] = known_params(params, ["limit", "cursor"])?;
    Ok(NearMissRequest {
        limit: parse_limit(limit)?,
        after: cursor
            .map(|c| cursor_of(c, NearMissRequest::LIST))
            .transpose()?,
    })
}

/// `GET /reports/summary`: `from`, `to`.
pub fn report_query<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<ReportQuery, FieldError> {
    let [from, to] = known_params(params, ["from", "to"])?;
    ReportQuery::parse(from, to)
}

/// `limit`: 1-100, default 25.
fn parse_limit(raw: Option<&str>) -> Result<u32, FieldError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| FieldError::new("limit", "must be a whole number from 1 to 100")),
    }
}

fn cursor_of(raw: &str, list: &str) -> Result<PageCursor, FieldError> {
    PageCursor::decode(raw, list)
        .ok_or_else(|| FieldError::new("cursor", "is not a cursor returned for this list"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &[(&str, &str)]) -> Result<ListRequest, FieldError> {
        list_request(q.iter().copied())
    }

    #[test]
    fn defaults_are_open_and_25() {
        let r = parse(&[]).unwrap();
        assert_eq!(
            (r.tab, r.status, r.limit, r.after),
            (Tab::Open, None, 25, None)
        );
    }

    #[test]
    fn bad_parameters_name_their_field() {
        assert_eq!(parse(&[("tab", "later")]).unwrap_err().field, "tab");
        assert_eq!(
            parse(&[("status", "not_a_lead")]).unwrap_err().field,
            "status"
        );
        assert_eq!(
            parse(&[("tab", "done"), ("status", "new")])
                .unwrap_err()
                .field,
            "status"
        );
        assert_eq!(parse(&[("limit", "0")]).unwrap_err().field, "limit");
        assert_eq!(parse(&[("limit", "101")]).unwrap_err().field, "limit");
        assert_eq!(parse(&[("cursor", "garbage")]).unwrap_err().field, "cursor");
        assert_eq!(parse(&[("sort", "asc")]).unwrap_err().field, "sort");
        let twice = parse(&[("limit", "5"), ("limit", "6")]).unwrap_err();
        assert_eq!(
            (twice.field.as_str(), twice.message.as_str()),
            ("limit", "must be given at most once")
        );
    }

    #[test]
    fn a_report_takes_from_and_to_once_each() {
        let report = |q: &[(&str, &str)]| report_query(q.iter().copied());
        assert!(report(&[("from", "2026-11-01"), ("to", "2026-11-02")]).is_ok());
        assert_eq!(
            report(&[("since", "2026-11-01")]).unwrap_err().field,
            "since"
        );
        assert_eq!(
            report(&[("to", "2026-11-01"), ("to", "2026-11-02")])
                .unwrap_err()
                .field,
            "to"
        );
        assert_eq!(report(&[("to", "yesterday")]).unwrap_err().field, "to");
    }

    #[test]
    fn cursors_only_work_for_their_own_list() {
        // The position inside a cursor is the store's to check; here only its list matters.
        let c = PageCursor {
            list: "open".into(),
            after: "a position in the open tab".into(),
        }
        .encode();
        assert!(parse(&[("cursor", &c)]).is_ok());
        assert_eq!(
            parse(&[("tab", "done"), ("cursor", &c)]).unwrap_err().field,
            "cursor"
        );
        // A lead-list cursor is not a near-miss cursor, and the reverse.
        let near = |q: &[(&str, &str)]| near_miss_request(q.iter().copied());
        assert_eq!(near(&[("cursor", &c)]).unwrap_err().field, "cursor");
        let n = PageCursor {
            list: NearMissRequest::LIST.into(),
            after: "a position among the near misses".into(),
        }
        .encode();
        assert!(near(&[("cursor", &n), ("limit", "5")]).is_ok());
        assert_eq!(parse(&[("cursor", &n)]).unwrap_err().field, "cursor");
        assert_eq!(near(&[("tab", "open")]).unwrap_err().field, "tab");
        assert_eq!(near(&[("limit", "x")]).unwrap_err().field, "limit");
    }
}
