//! `GET /health`: `{"status": "ok", "t": basis}` — the server runs and reads its database.

use axum::extract::State;
use axum::response::Response;

use crate::routes::ok;
use crate::{blocking, ApiError, AppState, Format};

/// Answers with the basis t of a fresh snapshot (which also proves the database reads).
pub async fn health(State(state): State<AppState>) -> Response {
    let database = state.database.clone();
    let t = blocking::run(move || Ok::<_, ApiError>(database.db()?.basis_t())).await;
    match t {
        Ok(t) => ok(Format::Json, format!("{{\"status\":\"ok\",\"t\":{t}}}")),
        Err(e) => e.into_response_as(Format::Json),
    }
}
