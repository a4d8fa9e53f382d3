//! The query-string parameters of the GET endpoints (`/datoms`, `/log`): an unknown one is a
//! 400 naming it, and `limit` is a number within the endpoint's bounds — one reading for both.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use crate::ApiError;

/// Refuses a parameter not in `known`; `takes` lists them for the message
/// (`"/log takes from, to and limit"`).
pub fn check_known(
    params: &HashMap<String, String>,
    known: &[&str],
    takes: &str,
) -> Result<(), ApiError> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(ApiError::bad(format!(
            "unknown parameter {unknown:?}: {takes}"
        ))),
        None => Ok(()),
    }
}

/// The `limit` parameter: `default` when absent, otherwise a number in `range`.
pub fn limit(
    params: &HashMap<String, String>,
    default: usize,
    range: RangeInclusive<usize>,
) -> Result<usize, ApiError> {
    let Some(text) = params.get("limit") else {
        return Ok(default);
    };
    match text.parse::<usize>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ApiError::bad(format!(
            "limit: expected a number from {} to {}, got {text:?}",
            range.start(),
            range.end()
        ))),
    }
}
