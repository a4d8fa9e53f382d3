//! [`PostgresOptions`]: where the shared database lives (a `postgres://` URL and a schema), how
//! many rows a scan fetches per round trip, the local cache, the connection pool and how long a
//! write waits for another transactor. Their `DATOLITE_PG_*` variables are parsed in every
//! build, so a variable is checked the same way everywhere; opening the engine without the
//! `postgres` feature is what fails.

use super::env::{invalid, parse_in_range, parse_size, read_var};
use super::validate::check;
use crate::Result;

/// PostgreSQL settings (used when [`EngineKind::Postgres`](crate::EngineKind) is chosen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The server: a `postgres://user:password@host:port/dbname` URL (or `postgresql://`), in
    /// libpq's URL syntax. Required for the engine.
    pub url: Option<String>,
    /// The PostgreSQL schema holding this database's tables; several datolite databases share
    /// one PostgreSQL database in different schemas. Lowercase letters, digits and `_`.
    pub schema: String,
    /// Rows a scan fetches per round trip. The store sets it from its `scan_batch_size`, so one
    /// knob (`DATOLITE_SCAN_BATCH_SIZE`) sizes batches on every engine.
    pub fetch_rows: usize,
    /// Bytes of the process-local cache of fetched pages and values (0 turns it off). Entries
    /// are tagged with the version of their table and stay valid until a commit changes it.
    pub cache_size: u64,
    /// Connections kept open for snapshots once they are returned (more are opened on demand).
    pub pool_size: usize,
    /// How long a write waits for another transactor's write to finish (PostgreSQL advisory
    /// lock) before failing with [`KvError::TransactorBusy`](crate::KvError::TransactorBusy), in
    /// milliseconds.
    pub write_wait_ms: u64,
    /// How long connecting to the server may take before it counts as unreachable, in seconds.
    pub connect_timeout_s: u64,
}

impl Default for PostgresOptions {
    /// No URL, schema `datolite`, 1,024 rows per round trip, a 256 MiB cache, 8 pooled
    /// connections, 10 s of waiting for another transactor, 10 s to connect.
    fn default() -> Self {
        PostgresOptions {
            url: None,
            schema: "datolite".into(),
            fetch_rows: 1024,
            cache_size: 256 << 20,
            pool_size: 8,
            write_wait_ms: 10_000,
            connect_timeout_s: 10,
        }
    }
}

/// Whether `text` names a PostgreSQL database (a `postgres://` or `postgresql://` URL) rather
/// than a directory.
pub fn is_postgres_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Where a URL's credentials (`user[:password]`) lie: after the scheme's `://`, up to the first
/// `@` — as the client finds them, so a password may hold an unescaped `/` or `?`. `None`
/// without a scheme or an `@`.
pub(crate) fn credentials(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://")? + 3;
    let at = url[start..].find('@')?;
    Some(start..start + at)
}

/// `text` — a connection URL, a `key=value` connection string, or any text that may hold one
/// — with every password replaced by `***`, for messages and logs. The credentials of a URL
/// are found as the client finds them: everything before the first `@` after the scheme (a
/// password may hold an unescaped `/` or `?`); `password=…` parameters are hidden too.
pub fn redact_url(text: &str) -> String {
    let mut out = text.to_string();
    if let Some(credentials) = credentials(text) {
        if let Some(colon) = text[credentials.clone()].find(':') {
            out.replace_range(credentials.start + colon + 1..credentials.end, "***");
        }
    }
    let mut from = 0;
    while let Some(found) = out[from..].to_ascii_lowercase().find("password=") {
        let value = from + found + "password=".len();
        let end = out[value..]
            .find(|c: char| c == '&' || c.is_whitespace())
            .map_or(out.len(), |n| value + n);
        out.replace_range(value..end, "***");
        from = value + 3;
    }
    out
}

impl PostgresOptions {
    /// These options with the `DATOLITE_PG_*` variables read through `lookup` on top.
    pub(crate) fn overlay(&mut self, lookup: &impl Fn(&str) -> Option<String>) -> Result<()> {
        let get = |name: &str| read_var(lookup, name);
        if let Some(text) = get("DATOLITE_PG_URL") {
            if !is_postgres_url(&text) {
                return Err(invalid(
                    "DATOLITE_PG_URL",
                    "a postgres:// or postgresql:// URL",
                    &redact_url(&text),
                ));
            }
            self.url = Some(text);
        }
        if let Some(text) = get("DATOLITE_PG_SCHEMA") {
            if !valid_schema(&text) {
                return Err(invalid("DATOLITE_PG_SCHEMA", SCHEMA_RULE, &text));
            }
            self.schema = text;
        }
        if let Some(text) = get("DATOLITE_PG_CACHE_SIZE") {
            self.cache_size = parse_size("DATOLITE_PG_CACHE_SIZE", &text)?;
        }
        if let Some(text) = get("DATOLITE_PG_POOL_SIZE") {
            self.pool_size = parse_in_range("DATOLITE_PG_POOL_SIZE", &text, 0, 1000)?;
        }
        if let Some(text) = get("DATOLITE_PG_WRITE_WAIT_MS") {
            self.write_wait_ms = parse_in_range("DATOLITE_PG_WRITE_WAIT_MS", &text, 0, u64::MAX)?;
        }
        if let Some(text) = get("DATOLITE_PG_CONNECT_TIMEOUT") {
            self.connect_timeout_s = parse_in_range("DATOLITE_PG_CONNECT_TIMEOUT", &text, 1, 3600)?;
        }
        Ok(())
    }

    /// Range checks; the error names the field.
    pub(crate) fn validate(&self) -> Result<()> {
        check(valid_schema(&self.schema), "postgres.schema", || {
            format!("expected {SCHEMA_RULE}, got {:?}", self.schema)
        })?;
        check(self.fetch_rows >= 1, "postgres.fetch_rows", || {
            "must be at least 1, got 0".into()
        })?;
        check(
            (1..=3600).contains(&self.connect_timeout_s),
            "postgres.connect_timeout_s",
            || format!("must be from 1 to 3600, got {}", self.connect_timeout_s),
        )?;
        if let Some(url) = &self.url {
            check(is_postgres_url(url), "postgres.url", || {
                format!(
                    "must be a postgres:// or postgresql:// URL, got {:?}",
                    redact_url(url)
                )
            })?;
        }
        Ok(())
    }
}

/// What a schema name must look like.
const SCHEMA_RULE: &str = "1 to 63 lowercase letters, digits or _, starting with a letter or _";

/// Whether `name` is a schema name the engine can put in SQL without quoting surprises.
fn valid_schema(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_and_urls_recognized() {
        assert_eq!(
            redact_url("postgres://me:secret@db:5432/app"),
            "postgres://me:***@db:5432/app"
        );
        assert_eq!(redact_url("postgres://me@db/app"), "postgres://me@db/app");
        assert_eq!(redact_url("postgresql://db"), "postgresql://db");
        assert_eq!(
            redact_url("postgres://me:pa/ss?x@db/app"),
            "postgres://me:***@db/app"
        );
        assert_eq!(
            redact_url("postgres://me@db/app?sslmode=disable&password=s3cret"),
            "postgres://me@db/app?sslmode=disable&password=***"
        );
        assert_eq!(
            redact_url("host=db Password=s3cret user=me"),
            "host=db Password=*** user=me"
        );
        assert_eq!(redact_url("/var/lib/db"), "/var/lib/db");
        assert!(is_postgres_url("PostgreSQL://x"));
        assert!(!is_postgres_url("/var/db"));
    }

    #[test]
    fn schema_names_are_checked() {
        for good in ["datolite", "_x", "app_2"] {
            assert!(valid_schema(good), "{good}");
        }
        for bad in ["", "2x", "App", "a-b", "a;drop", &"x".repeat(64)] {
            assert!(!valid_schema(bad), "{bad}");
        }
    }
}
