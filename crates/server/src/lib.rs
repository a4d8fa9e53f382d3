//! # datolite-server — one datolite database over HTTP
//!
//! The server behind `datolite serve`: Datalog queries, pulls, transactions, index scans, the
//! transaction log and statistics of one [`Database`], as JSON (or EDN, when a request says
//! `Content-Type: application/edn`). Every response body is the document the command line
//! prints for the same request (`docs/design.md`, §9 The CLI/JSON contract), wrapped in an
//! object: the two share the library's writers ([`datolite::result_json`],
//! [`datolite::stats_json`], …), so they cannot drift apart.
//!
//! | endpoint | body or parameters | answer |
//! |---|---|---|
//! | `POST /query` | `{"query", "args"?, "as_of"?, "since"?, "history"?, "timeout_ms"?}` | `{"result": …}` |
//! | `POST /pull` | `{"entity", "pattern", "as_of"?, "since"?, "history"?}` | `{"result": …}` |
//! | `POST /transact` | `{"tx_data"}` | `{"tx", "t", "datoms", "tempids"}` |
//! | `GET /datoms` | `index`, `e`, `a`, `v`, `limit` | `{"datoms": [[e, a, v, tx, added], …]}` |
//! | `GET /log` | `from`, `to`, `limit` | `{"transactions": […], "next": t or null}` |
//! | `GET /stats` | — | as `datolite stats --format json` |
//! | `GET /health` | — (no token needed) | `{"status": "ok", "t": …}` |
//!
//! Each request reads one snapshot (`database.db()` once), on tokio's blocking pool: the
//! database's work never blocks the async runtime. Errors are `{"error": "…"}` with 400 (bad
//! input), 401 (token), 403 (read-only), 404, 405, 413 (body too large), 503 (a query past its
//! time or row limit) or 500. The design: `docs/design.md`, §11 The HTTP server.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let database = datolite::Database::memory().expect("database");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8765").await?;
//! let options = datolite_server::ServerOptions::default();
//! datolite_server::serve(database, listener, options, std::future::pending()).await
//! # }
//! ```

#![warn(missing_docs)]

mod auth;
mod blocking;
mod body;
pub mod client;
mod error;
mod format;
mod point;
mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use datolite::Database;

pub use error::ApiError;
pub use format::Format;

/// The address the server binds unless told otherwise: loopback only, so a database is not
/// offered to the network by accident.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8765";
/// The largest request body by default (16 MiB): a big transaction fits, a runaway upload does
/// not take the memory.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// A query's time limit by default; a request's `timeout_ms` may only lower it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The most rows a query's step may make by default (as the command line's `--max-rows`): what
/// bounds the memory one request can take.
pub const DEFAULT_MAX_ROWS: u64 = 10_000_000;

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Where to listen (used by callers that bind the listener; [`serve`] takes one bound).
    pub addr: SocketAddr,
    /// When set, every request but `GET /health` needs `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Refuse `/transact` with 403.
    pub read_only: bool,
    /// Larger request bodies are refused with 413.
    pub max_body_bytes: usize,
    /// A query's time limit (`None`: none); a request's `timeout_ms` may only lower it.
    pub default_timeout: Option<Duration>,
    /// The most rows any step of a query may make (`None`: no limit); past it, 503.
    pub max_rows: Option<u64>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 8765)),
            token: None,
            read_only: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            default_timeout: Some(DEFAULT_TIMEOUT),
            max_rows: Some(DEFAULT_MAX_ROWS),
        }
    }
}

/// What every handler shares: the database and the options.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) database: Database,
    pub(crate) options: Arc<ServerOptions>,
}

/// The server's routes over `database`, for [`serve`] or for a test calling it in-process.
pub fn router(database: Database, options: ServerOptions) -> Router {
    let state = AppState {
        database,
        options: Arc::new(options),
    };
    routes::router(state)
}

/// Serves `database` on `listener` until `shutdown` completes; then stops accepting, lets the
/// requests in flight finish and returns.
pub async fn serve(
    database: Database,
    listener: tokio::net::TcpListener,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(database, options))
        .with_graceful_shutdown(shutdown)
        .await
}
