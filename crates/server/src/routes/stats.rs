//! `GET /stats`: what `datolite stats --format json` prints ([`datolite::stats_json`]).

use axum::extract::State;
use axum::response::Response;

use crate::routes::ok;
use crate::{blocking, ApiError, AppState, Format};

/// The statistics of one snapshot and the database's size on disk.
pub async fn stats(State(state): State<AppState>) -> Response {
    let database = state.database.clone();
    let json = blocking::run(move || {
        let db = database.db()?;
        Ok::<_, ApiError>(datolite::stats_json(&db, database.size_on_disk()?)?)
    })
    .await;
    match json {
        Ok(json) => ok(Format::Json, json),
        Err(e) => e.into_response_as(Format::Json),
    }
}
