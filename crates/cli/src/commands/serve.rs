//! `datolite --db DIR serve [--addr HOST:PORT] [--token-file FILE] [--read-only]
//! [--max-body BYTES] [--timeout-ms N]`: the database over HTTP (`datolite-server`; the
//! endpoints and their JSON: `docs/design.md`, §11 The HTTP server).
//!
//! Prints `listening on http://ADDR` on stderr once bound — with the port the system chose for
//! `--addr 127.0.0.1:0` — and serves until SIGTERM or Ctrl-C; then it stops accepting, lets the
//! requests in flight finish, and exits 0.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use datolite_server::{ServerOptions, DEFAULT_ADDR, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ROWS};

use crate::commands::{open_database, Create};
use crate::error::{CliError, Context, Result};

/// The server's default query time limit, in milliseconds (30 s).
const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 lets the system choose (the chosen one is printed).
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR)]
    addr: SocketAddr,

    /// Require `Authorization: Bearer <token>` on every request but /health; the token is the
    /// file's content, trimmed (an empty or unreadable file is an error).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,

    /// Refuse transactions (/transact answers 403); the database must exist.
    #[arg(long)]
    read_only: bool,

    /// Largest request body in bytes; larger ones are refused with 413.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    max_body: usize,

    /// A query's time limit in milliseconds (past it, 503); a request's timeout_ms may only
    /// lower it. 0: no limit.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TIMEOUT_MS)]
    timeout_ms: u64,
}

/// Runs `serve`.
pub fn run(db_path: Option<&Path>, args: ServeArgs) -> Result<()> {
    let token = args.token_file.as_deref().map(read_token).transpose()?;
    // A writable server starts a database where there is none, as `transact` does; a
    // read-only one would only serve an empty one, so a missing database is an error there.
    let create = if args.read_only {
        Create::Never
    } else {
        Create::IfMissing
    };
    let database = open_database(db_path, create)?;
    let options = ServerOptions {
        addr: args.addr,
        token,
        read_only: args.read_only,
        max_body_bytes: args.max_body,
        default_timeout: (args.timeout_ms > 0).then(|| Duration::from_millis(args.timeout_ms)),
        max_rows: Some(DEFAULT_MAX_ROWS),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context(|| "cannot start the server's runtime".to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .context(|| format!("cannot listen on {}", args.addr))?;
        let bound = listener.local_addr()?;
        eprintln!("listening on http://{bound}");
        datolite_server::serve(database, listener, options, shutdown_signal()).await?;
        eprintln!("stopped");
        Ok(())
    })
}

/// The token in `path`, trimmed; an unreadable or empty file is an error (a server that was
/// asked for a token must never run without one).
fn read_token(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .context(|| format!("cannot read --token-file {}", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(CliError::msg(format!(
            "--token-file {} is empty: put the token clients will send in it",
            path.display()
        )));
    }
    Ok(token.to_string())
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM, which starts the graceful shutdown.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    eprintln!("shutting down: finishing the requests in flight");
}
