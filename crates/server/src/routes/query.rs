//! `POST /query`: a Datalog query, answered `{"result": …}` with exactly what
//! `datolite query --format json` prints ([`datolite::result_json`]; EDN: `result_edn`).

use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use datolite::{Cancel, DbQueries, QueryOptions};
use serde::Deserialize;

use crate::blocking::{self, CancelOnDrop};
use crate::point::{Point, View};
use crate::routes::ok;
use crate::{body, ApiError, AppState, Format};

/// The body of `/query`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryRequest {
    /// The query as EDN text.
    query: String,
    /// One EDN text per non-source `:in` element, in order.
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    as_of: Option<Point>,
    #[serde(default)]
    since: Option<Point>,
    #[serde(default)]
    history: bool,
    /// Lowers the server's time limit for this query.
    #[serde(default)]
    timeout_ms: Option<u64>,
}

/// Runs the query on one snapshot within the server's limits.
pub async fn query(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let format = Format::of(&headers);
    match run(state, format, &headers, body).await {
        Ok(result) => ok(format, format.wrap("result", &result)),
        Err(e) => e.into_response_as(format),
    }
}

async fn run(
    state: AppState,
    format: Format,
    headers: &HeaderMap,
    body: Body,
) -> Result<String, ApiError> {
    let bytes = body::read(headers, body, state.options.max_body_bytes).await?;
    let request: QueryRequest = body::decode(format, &bytes)?;
    let timeout = timeout(state.options.default_timeout, request.timeout_ms)?;
    let cancel = Cancel::new();
    // Dropped with this future: a client that hangs up stops its query.
    let _guard = CancelOnDrop(cancel.clone());
    let limits = QueryOptions {
        timeout,
        max_rows: state.options.max_rows,
        cancel: Some(cancel),
    };
    let database = state.database.clone();
    blocking::run(move || {
        let view = View {
            as_of: request.as_of,
            since: request.since,
            history: request.history,
        };
        let db = view.apply(database.db()?)?;
        let args: Vec<&str> = request.args.iter().map(String::as_str).collect();
        let result = db.q_edn_limited(&request.query, &args, &[], &limits)?;
        Ok(match format {
            Format::Json => datolite::result_json(&result),
            Format::Edn => datolite::result_edn(&result),
        })
    })
    .await
}

/// The time limit of one query: the server's, lowered (never raised) by the request's
/// `timeout_ms`; a server without a limit takes the request's.
fn timeout(
    server: Option<Duration>,
    request_ms: Option<u64>,
) -> Result<Option<Duration>, ApiError> {
    let Some(ms) = request_ms else {
        return Ok(server);
    };
    if ms == 0 {
        return Err(ApiError::bad(
            "timeout_ms: must be at least 1 (it lowers the server's time limit; leave it out for the server's)",
        ));
    }
    let asked = Duration::from_millis(ms);
    Ok(Some(server.map_or(asked, |s| s.min(asked))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_may_lower_the_time_limit_but_not_raise_it() {
        let server = Some(Duration::from_secs(30));
        assert_eq!(timeout(server, None).ok(), Some(server));
        assert_eq!(
            timeout(server, Some(5)).ok(),
            Some(Some(Duration::from_millis(5)))
        );
        assert_eq!(timeout(server, Some(60_000)).ok(), Some(server));
        assert_eq!(
            timeout(None, Some(7)).ok(),
            Some(Some(Duration::from_millis(7)))
        );
        assert!(timeout(server, Some(0)).is_err());
    }
}
