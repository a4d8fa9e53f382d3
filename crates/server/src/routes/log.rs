//! `GET /log?from=POINT&to=POINT&limit=N`: transactions of the log in order, each as
//! `datolite log --format json` prints it ([`datolite::tx_entry_json`]), in
//! `{"transactions": […], "next": t}` — `next` is the t to pass as `from` for the following
//! page, `null` when the range is exhausted. `from` is inclusive, `to` exclusive, as the
//! command line's; `limit` defaults to [`DEFAULT_LIMIT`] transactions, at most [`MAX_LIMIT`].

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;

use crate::point::parse_text;
use crate::routes::{ok, params};
use crate::{blocking, ApiError, AppState, Format};

/// Transactions returned when the request gives no `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest `limit`.
pub const MAX_LIMIT: usize = 10_000;

/// Datoms after which a page ends (at a transaction's end): `limit` counts transactions, and a
/// transaction may hold many datoms.
pub const MAX_PAGE_DATOMS: usize = 100_000;

/// Reads the log of one snapshot.
pub async fn log(
    State(state): State<AppState>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let result = async {
        let Query(params) = params.map_err(|e| ApiError::bad(e.body_text()))?;
        params::check_known(
            &params,
            &["from", "to", "limit"],
            "/log takes from, to and limit",
        )?;
        let point = |name: &str| params.get(name).map(|t| parse_text(t, name)).transpose();
        let (from, to) = (point("from")?, point("to")?);
        let limit = params::limit(&params, DEFAULT_LIMIT, 1..=MAX_LIMIT)?;
        let database = state.database.clone();
        blocking::run(move || {
            let db = database.db()?;
            let mut entries = Vec::new();
            let mut next = None;
            let mut datoms = 0usize;
            // One past the limit tells whether there is a next page, and where it starts. A
            // page also ends past MAX_PAGE_DATOMS datoms (a bulk import's transactions hold
            // 10,000 each), after at least one transaction, so its size stays bounded.
            db.for_each_tx(from, to, |entry| {
                if entries.len() == limit || (datoms >= MAX_PAGE_DATOMS && !entries.is_empty()) {
                    next = Some(entry.t);
                    return false;
                }
                datoms += entry.datoms.len();
                entries.push(datolite::tx_entry_json(&db, &entry));
                true
            })?;
            let next = next.map_or_else(|| "null".to_string(), |t| t.to_string());
            Ok::<_, ApiError>(format!(
                "{{\"transactions\":[{}],\"next\":{next}}}",
                entries.join(",")
            ))
        })
        .await
    }
    .await;
    match result {
        Ok(json) => ok(Format::Json, json),
        Err(e) => e.into_response_as(Format::Json),
    }
}
