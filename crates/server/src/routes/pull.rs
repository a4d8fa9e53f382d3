//! `POST /pull`: one entity shaped by a pull pattern, answered `{"result": …}` with what
//! `datolite pull --format json` prints ([`datolite::pull_json`]; EDN: `pull_edn`).

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use datolite::DbQueries;
use serde::Deserialize;

use crate::point::{Point, View};
use crate::routes::ok;
use crate::{blocking, body, ApiError, AppState, Format};

/// The body of `/pull`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PullRequest {
    /// An id, an ident or a lookup ref, as EDN text.
    entity: String,
    /// The pull pattern as EDN text.
    pattern: String,
    #[serde(default)]
    as_of: Option<Point>,
    #[serde(default)]
    since: Option<Point>,
    #[serde(default)]
    history: bool,
}

/// Pulls the entity from one snapshot.
pub async fn pull(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let format = Format::of(&headers);
    let result = async {
        let bytes = body::read(&headers, body, state.options.max_body_bytes).await?;
        let request: PullRequest = body::decode(format, &bytes)?;
        let database = state.database.clone();
        blocking::run(move || {
            let view = View {
                as_of: request.as_of,
                since: request.since,
                history: request.history,
            };
            let db = view.apply(database.db()?)?;
            let map = db.pull(&request.entity, &request.pattern)?;
            Ok::<_, ApiError>(match format {
                Format::Json => datolite::pull_json(map.as_ref()),
                Format::Edn => datolite::pull_edn(map.as_ref()),
            })
        })
        .await
    }
    .await;
    match result {
        Ok(text) => ok(format, format.wrap("result", &text)),
        Err(e) => e.into_response_as(format),
    }
}
