//! One connection to the server and the SQL the engine sends over it: connecting with a timeout
//! (over TLS as the URL asks, see [`tls`](super::tls)),
//! prepared statements per table (prepared once per connection, on first use), and turning the
//! client's errors into [`KvError`]s that name the server and say what to do.
//!
//! Invariants:
//! - Every identifier in SQL is quoted (`"values"` is a keyword) and the schema name was
//!   validated by [`PostgresOptions`](crate::PostgresOptions): no user text reaches SQL except
//!   as a bound parameter.
//! - Range queries always carry a lower bound (`k >= $1`; the empty key when unbounded, which
//!   sorts first) and carry an upper bound only when the range has one, so each can use the
//!   primary-key index for both ends and `LIMIT` stops the index scan.

use std::collections::HashMap;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, NoTls, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls;

use crate::{KvError, Result, Table};

/// A statement the engine prepares, per table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Sql {
    /// `v` of one key.
    Get,
    /// A page of keys and values from `$1` (inclusive), below `$2` when `bounded`, in key order
    /// (descending when `reverse`), at most the last parameter's rows.
    Page { reverse: bool, bounded: bool },
    /// Insert rows given as two arrays, none of which may exist.
    Insert,
    /// Insert or replace rows given as two arrays.
    Upsert,
    /// Delete the keys of an array.
    Delete,
}

/// A client plus its prepared statements.
pub(crate) struct Conn {
    pub client: Client,
    statements: HashMap<(Table, Sql), Statement>,
}

/// Where the tables live: the schema, and the URL for messages (password hidden).
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub schema: String,
    pub shown_url: String,
}

impl Target {
    /// The quoted, schema-qualified name of `table`.
    pub fn table(&self, table: Table) -> String {
        format!("\"{}\".\"{}\"", self.schema, table.name())
    }

    /// The quoted, schema-qualified name of the root table.
    pub fn root(&self) -> String {
        format!("\"{}\".\"root\"", self.schema)
    }

    /// The error for a failed client call while doing `what`.
    pub fn error(&self, what: &str, error: postgres::Error) -> KvError {
        if let Some(db) = error.as_db_error() {
            if *db.code() == SqlState::DISK_FULL {
                return KvError::DiskFull {
                    path: self.shown_url.clone().into(),
                    detail: db.message().to_string(),
                };
            }
            return KvError::Engine(format!(
                "postgres at {} ({what}): {} (SQLSTATE {})",
                self.shown_url,
                db.message(),
                db.code().code()
            ));
        }
        if error.is_closed() {
            return KvError::Engine(format!(
                "postgres at {} ({what}): the connection to the server was lost; nothing of an \
                 unfinished write was committed unless this was its COMMIT, and the next \
                 operation reconnects",
                self.shown_url
            ));
        }
        KvError::Engine(format!("postgres at {} ({what}): {error}", self.shown_url))
    }

    /// The SQL text of `sql` for `table`.
    fn text(&self, table: Table, sql: Sql) -> String {
        let name = self.table(table);
        match sql {
            Sql::Get => format!("SELECT v FROM {name} WHERE k = $1"),
            Sql::Page { reverse, bounded } => format!(
                "SELECT k, v FROM {name} WHERE k >= $1{} ORDER BY k{} LIMIT {}",
                if bounded { " AND k < $2" } else { "" },
                if reverse { " DESC" } else { "" },
                if bounded { "$3" } else { "$2" }
            ),
            Sql::Insert => {
                format!("INSERT INTO {name} (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[])")
            }
            Sql::Upsert => format!(
                "INSERT INTO {name} (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[]) \
                 ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v"
            ),
            Sql::Delete => format!("DELETE FROM {name} WHERE k = ANY($1::bytea[])"),
        }
    }
}

/// How to reach the server: the client's settings parsed from the URL and the TLS connector,
/// built once per engine (reading root certificates is not free) and used for every connection.
#[derive(Clone)]
pub(crate) struct Server {
    config: postgres::Config,
    tls: Option<MakeRustlsConnect>,
}

impl Server {
    /// The server of `url` (libpq's URL syntax, TLS parameters included), connections to which
    /// give up after `timeout_s` seconds.
    pub fn new(url: &str, timeout_s: u64, target: &Target) -> Result<Server> {
        let invalid = |reason: String| KvError::InvalidOption {
            name: "postgres.url".into(),
            reason: format!("{}: {reason}", target.shown_url),
        };
        let (client_url, settings) = tls::split_url(url).map_err(invalid)?;
        let mut config: postgres::Config = client_url
            .parse()
            .map_err(|error: postgres::Error| invalid(format!("{error}{}", source_text(&error))))?;
        // The client's own default: anything else means a parameter reached it that
        // `split_url` did not see, and the mode below would silently override it.
        if config.get_ssl_mode() != postgres::config::SslMode::Prefer {
            return Err(invalid(
                "sslmode is spelt in a way this build cannot read consistently: write it as \
                 a plain sslmode=… parameter"
                    .into(),
            ));
        }
        config.connect_timeout(Duration::from_secs(timeout_s));
        config.ssl_mode(settings.mode.client_mode());
        if config.get_application_name().is_none() {
            config.application_name("datolite");
        }
        let tls = tls::connector(&settings).map_err(invalid)?;
        Ok(Server { config, tls })
    }
}

impl Conn {
    /// Opens a connection to `server`.
    pub fn connect(server: &Server, target: &Target) -> Result<Conn> {
        let connected = match &server.tls {
            None => server.config.connect(NoTls),
            Some(tls) => server.config.connect(tls.clone()),
        };
        let client = connected.map_err(|error| {
            let cause = source_text(&error);
            let hint = if format!("{error}{cause}").contains("TLS") {
                "check the URL's sslmode and sslrootcert, and the server's certificate"
            } else {
                "is it running, and reachable from here?"
            };
            KvError::Open {
                path: target.shown_url.clone().into(),
                reason: format!("cannot connect to the PostgreSQL server: {error}{cause} ({hint})"),
            }
        })?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
        })
    }

    /// The prepared statement `sql` of `table`, preparing it on first use.
    pub fn statement(&mut self, target: &Target, table: Table, sql: Sql) -> Result<Statement> {
        if let Some(statement) = self.statements.get(&(table, sql)) {
            return Ok(statement.clone());
        }
        let statement = self
            .client
            .prepare(&target.text(table, sql))
            .map_err(|error| target.error("preparing a statement", error))?;
        self.statements.insert((table, sql), statement.clone());
        Ok(statement)
    }
}

/// The text of an error's cause (the client's own message is often just "error connecting").
fn source_text(error: &postgres::Error) -> String {
    use std::error::Error as _;
    match error.source() {
        Some(source) => format!(" ({source})"),
        None => String::new(),
    }
}
