//! Throwaway schemas on a real PostgreSQL server, for test suites (this crate's and those of
//! the crates built on it) and for the benchmarks: where the test server is, and a fresh schema
//! that is dropped, with everything in it, afterwards.
//!
//! Tests find the server in `DATOLITE_PG_URL` (and its TLS setup in `DATOLITE_PG_TLS_URL` and
//! `DATOLITE_PG_TLS_ROOT`). Without it they are skipped, never silently:
//! [`test_url`] writes a line saying so straight to stderr (past the test harness's output
//! capture), and with `DATOLITE_PG_REQUIRED=1` (CI's PostgreSQL step) a missing URL fails the
//! test instead.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use super::conn::{Conn, Server, Target};
use crate::{EngineKind, EngineOptions, SyncMode};

/// The server to test against, or `None` (after saying once why the tests are skipped).
///
/// # Panics
/// When `DATOLITE_PG_REQUIRED` is set to `1` and `DATOLITE_PG_URL` is not.
pub fn test_url() -> Option<String> {
    static SAID: Once = Once::new();
    let url = variable("DATOLITE_PG_URL");
    if url.is_none() {
        skipped(
            &SAID,
            "the PostgreSQL engine tests",
            "DATOLITE_PG_URL is not set",
        );
    }
    url
}

/// The test server's TLS setup (`scripts/local-postgres.sh tls`): the URL of a role the server
/// admits only over TLS, without any `sslmode` (`DATOLITE_PG_TLS_URL`), and the file of the
/// certificate authority that signed the server's certificate, made out to `localhost` and
/// `127.0.0.1` (`DATOLITE_PG_TLS_ROOT`). `None` after saying once why the TLS tests are skipped.
///
/// # Panics
/// When `DATOLITE_PG_REQUIRED` is set to `1` and either variable is not.
pub fn test_tls() -> Option<(String, PathBuf)> {
    static SAID: Once = Once::new();
    let found = variable("DATOLITE_PG_TLS_URL").zip(variable("DATOLITE_PG_TLS_ROOT"));
    if found.is_none() {
        skipped(
            &SAID,
            "the PostgreSQL TLS tests",
            "DATOLITE_PG_TLS_URL or DATOLITE_PG_TLS_ROOT is not set",
        );
    }
    found.map(|(url, root)| (url, PathBuf::from(root)))
}

/// The non-blank value of the variable `name`.
fn variable(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// Says once, straight to stderr, that `tests` did not run and `why`; fails instead under
/// `DATOLITE_PG_REQUIRED=1`.
fn skipped(said: &Once, tests: &str, why: &str) {
    let required = std::env::var("DATOLITE_PG_REQUIRED").is_ok_and(|v| v.trim() == "1");
    assert!(
        !required,
        "DATOLITE_PG_REQUIRED=1 but {why}: {tests} cannot run"
    );
    said.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {tests} of this binary did not run: {why} (.ci/run's PostgreSQL step \
             starts a server and sets it; see the README, Shared storage)"
        );
    });
}

/// A schema of its own for one test or benchmark; dropped, with everything in it, when the guard drops.
#[derive(Debug)]
pub struct ScratchSchema {
    /// The schema's name (unique per process and call).
    pub name: String,
    url: String,
}

impl ScratchSchema {
    /// A new, unused schema name on the server at `url` (nothing is created yet: `init`
    /// creates it).
    pub fn new(url: &str) -> ScratchSchema {
        Self::with_prefix(url, "test")
    }

    /// [`ScratchSchema::new`] with another prefix than `test` (the benchmarks use `bench`).
    pub fn with_prefix(url: &str, prefix: &str) -> ScratchSchema {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        ScratchSchema {
            name: format!(
                "{prefix}_{}_{}_{nanos}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
            url: url.to_string(),
        }
    }

    /// Engine options for this schema: the postgres engine, commits without waiting for the
    /// server's disk (tests need no durability), and `fetch_rows` rows per round trip.
    pub fn options(&self, fetch_rows: usize) -> EngineOptions {
        let mut options = EngineOptions {
            sync: SyncMode::None,
            ..EngineOptions::default()
        };
        self.point(&mut options);
        options.postgres.fetch_rows = fetch_rows;
        options
    }

    /// Points `options` at this schema (the postgres engine, the server, the schema), leaving
    /// every other setting as it is.
    pub fn point(&self, options: &mut EngineOptions) {
        options.engine = EngineKind::Postgres;
        options.postgres.url = Some(self.url.clone());
        options.postgres.schema = self.name.clone();
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        let target = Target {
            schema: self.name.clone(),
            shown_url: crate::redact_url(&self.url),
        };
        let server = Server::new(&self.url, 10, &target);
        if let Ok(mut conn) = server.and_then(|server| Conn::connect(&server, &target)) {
            let _ = conn
                .client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}
