//! The endpoints, one module each, and the router that ties them to paths, the token check,
//! and the JSON answers for unknown paths and wrong methods.

mod datoms;
mod health;
mod log;
mod params;
mod pull;
mod query;
mod stats;
mod transact;

use axum::http::{header, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::{auth, ApiError, AppState, Format};

/// Every route; all but `/health` behind the token check (a load balancer's probe carries no
/// secret, and the health answer tells nothing but that the server runs and its basis t).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/query", post(query::query))
        .route("/pull", post(pull::pull))
        .route("/transact", post(transact::transact))
        .route("/datoms", get(datoms::datoms))
        .route("/log", get(log::log))
        .route("/stats", get(stats::stats))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .route("/health", get(health::health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// A successful answer: `body` already written in `format`.
pub fn ok(format: Format, body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, format.content_type())],
        body,
    )
        .into_response()
}

/// 404 for a path no endpoint has.
async fn not_found(uri: Uri) -> Response {
    ApiError::NotFound(format!(
        "no endpoint {}: the endpoints are POST /query, /pull, /transact and GET /datoms, /log, \
         /stats, /health",
        uri.path()
    ))
    .into_response()
}

/// 405 for an endpoint called with a method it does not take.
async fn method_not_allowed(method: axum::http::Method, uri: Uri) -> Response {
    let wanted = match uri.path() {
        "/query" | "/pull" | "/transact" => "POST",
        _ => "GET",
    };
    ApiError::MethodNotAllowed(format!(
        "{method} {} is not an endpoint: use {wanted} {}",
        uri.path(),
        uri.path()
    ))
    .into_response()
}
