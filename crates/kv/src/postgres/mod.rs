//! The PostgreSQL engine (cargo feature `postgres`): shared storage for one transactor and many
//! peers on any machines, Datomic Pro's deployment over a storage it does not own
//! (`docs/design.md`, §2.6).
//!
//! - Layout: a PostgreSQL schema (default `datolite`) holds one table per [`Table`],
//!   `(k bytea PRIMARY KEY, v bytea NOT NULL)` — PostgreSQL orders `bytea` bytewise, so keys
//!   keep the order the store's encoding gives them — and a one-row `root`: the format, an
//!   epoch (random, set by `init`), the number of commits, and per table the commit that last
//!   changed it (its *version*).
//! - Peers: a snapshot is a `REPEATABLE READ READ ONLY` transaction on a pooled connection
//!   (`read.rs`); [`Engine::read_group`] exports the first one's snapshot and imports it into
//!   the others. Scans fetch pages of rows per round trip; a bounded local cache keyed by table
//!   version serves repeated reads without the server (`cache.rs`).
//! - One transactor: a write holds a transaction-scoped advisory lock, so writers across
//!   processes and machines run one at a time; the body writes into an overlay, and the delta
//!   goes to the server in batched statements inside the same transaction, with the root's
//!   versions bumped, then one `COMMIT` (`write.rs`). A writer that dies mid-transaction leaves
//!   nothing: the server rolls its transaction back and releases the lock.
//! - `init` creates the schema; opening never does (a shared database does not spring into
//!   existence from a mistyped URL).

mod cache;
mod conn;
mod coverage;
mod read;
pub mod scratch;
mod tls;
mod write;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use postgres::SimpleQueryMessage;

use self::cache::PageCache;
use self::conn::{Conn, Server, Target};
use self::read::PgSnapshot;
use crate::options::redact_url;
use crate::{
    CacheStats, Engine, EngineOptions, KvError, ReadTxn, Result, SyncMode, Table, WriteTxn,
};

/// The layout version `init` writes into the root row; opening checks it.
const FORMAT: i32 = 1;

/// What every snapshot and write of one engine shares.
pub(crate) struct Shared {
    /// How to connect (the URL may carry a password: only `target.shown_url` is ever shown).
    server: Server,
    target: Target,
    /// Rows per round trip of a scan.
    fetch_rows: u32,
    /// Idle connections, each outside any transaction.
    pool: Mutex<Vec<Conn>>,
    pool_size: usize,
    /// The transactor's connection; its mutex also serializes this process's writes.
    writer: Mutex<Option<Conn>>,
    cache: PageCache,
    /// The root's epoch when the engine opened: a re-created database is noticed.
    epoch: i64,
    sync: SyncMode,
    write_wait_ms: u64,
    /// The advisory lock of this schema's transactor.
    lock_key: i64,
}

impl Shared {
    /// A fresh connection to the server.
    fn connect(&self) -> Result<Conn> {
        Conn::connect(&self.server, &self.target)
    }

    /// An idle pooled connection, or a new one.
    fn checkout(&self) -> Result<(Conn, bool)> {
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match pooled {
            Some(conn) if !conn.client.is_closed() => Ok((conn, true)),
            _ => Ok((self.connect()?, false)),
        }
    }

    /// Keeps `conn` (outside any transaction) for a later snapshot, if the pool has room.
    fn give_back(&self, conn: Conn) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.len() < self.pool_size {
            pool.push(conn);
        }
    }

    /// Runs the read-only `query` on an idle connection, once more on a fresh connection when a
    /// pooled one fails: it may have died since it was pooled (the server restarted, a
    /// failover, a terminated backend), and a read-only query is safe to repeat. Returns the
    /// connection with the answer.
    fn on_idle<T>(&self, mut query: impl FnMut(&mut Conn) -> Result<T>) -> Result<(Conn, T)> {
        let (mut conn, pooled) = self.checkout()?;
        let value = match query(&mut conn) {
            Err(_) if pooled => {
                conn = self.connect()?;
                query(&mut conn)?
            }
            outcome => outcome?,
        };
        Ok((conn, value))
    }

    /// Runs the simple-query `sql` (several statements, one round trip) on an idle connection
    /// ([`Shared::on_idle`]). Returns the connection, still in whatever transaction `sql`
    /// began, and the rows.
    fn begin(&self, sql: &str) -> Result<(Conn, Vec<postgres::SimpleQueryRow>)> {
        let (conn, messages) = self.on_idle(|conn| {
            conn.client
                .simple_query(sql)
                .map_err(|error| self.target.error("opening a snapshot", error))
        })?;
        let rows = messages
            .into_iter()
            .filter_map(|message| match message {
                SimpleQueryMessage::Row(row) => Some(row),
                _ => None,
            })
            .collect();
        Ok((conn, rows))
    }

    /// A snapshot of the latest commit; with `export`, also the id other transactions import
    /// it by; with `import`, a snapshot of the exported one instead.
    fn snapshot(
        self: &Arc<Self>,
        export: bool,
        import: Option<&str>,
    ) -> Result<(PgSnapshot, Option<String>)> {
        let set = match import {
            Some(id) if id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') => {
                format!(" SET TRANSACTION SNAPSHOT '{id}';")
            }
            Some(id) => {
                return Err(KvError::Engine(format!(
                    "postgres: unexpected snapshot id {id:?}"
                )))
            }
            None => String::new(),
        };
        let sql = format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;{set} SELECT epoch::text, \
             array_to_string(versions, ','){} FROM {} WHERE id = 1",
            if export { ", pg_export_snapshot()" } else { "" },
            self.target.root()
        );
        let (conn, rows) = self.begin(&sql)?;
        let root = rows.first().ok_or_else(|| self.missing_root())?;
        let epoch = root.get(0).and_then(|text| text.parse::<i64>().ok());
        self.check_epoch(epoch)?;
        let versions = parse_versions(root.get(1).unwrap_or(""))
            .ok_or_else(|| self.corrupt_root(root.get(1).unwrap_or("")))?;
        let exported = if export {
            root.get(2).map(str::to_string)
        } else {
            None
        };
        Ok((PgSnapshot::new(conn, versions, self, true), exported))
    }

    /// The error when the epoch changed: the database was dropped and created again.
    fn check_epoch(&self, found: Option<i64>) -> Result<()> {
        if found == Some(self.epoch) {
            return Ok(());
        }
        Err(KvError::Engine(format!(
            "postgres at {}: the datolite database in schema {} was re-created since this \
             process opened it; open it again",
            self.target.shown_url, self.target.schema
        )))
    }

    fn missing_root(&self) -> KvError {
        KvError::Engine(format!(
            "postgres at {}: schema {} has no root row; it is not a datolite database (create \
             one with `datolite --db URL init`)",
            self.target.shown_url, self.target.schema
        ))
    }

    fn corrupt_root(&self, found: &str) -> KvError {
        KvError::Engine(format!(
            "postgres at {}: the root row of schema {} lists table versions {found:?}, not {} \
             numbers",
            self.target.shown_url,
            self.target.schema,
            Table::ALL.len()
        ))
    }
}

/// The tables' versions from their text form (`1,0,4,…`).
fn parse_versions(text: &str) -> Option<[i64; 12]> {
    let mut versions = [0i64; 12];
    let mut parts = text.split(',');
    for slot in &mut versions {
        *slot = parts.next()?.trim().parse().ok()?;
    }
    parts.next().is_none().then_some(versions)
}

/// A stable 64-bit key for the advisory lock of `schema` (FNV-1a), so transactors of different
/// schemas in one PostgreSQL database do not wait for each other.
fn lock_key(schema: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in b"datolite:".iter().chain(schema.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

/// The PostgreSQL engine.
pub struct PostgresEngine {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for PostgresEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresEngine")
            .field("url", &self.shared.target.shown_url)
            .field("schema", &self.shared.target.schema)
            .finish_non_exhaustive()
    }
}

/// The server and target of `options`, or the error saying how to name a server.
fn target_of(options: &EngineOptions) -> Result<(Server, Target)> {
    let url = options
        .postgres
        .url
        .clone()
        .ok_or_else(|| KvError::InvalidOption {
            name: "postgres.url".into(),
            reason: "the postgres engine needs a server: set DATOLITE_PG_URL=postgres://user@host:\
                     port/dbname, or pass --db postgres://… to the CLI"
                .into(),
        })?;
    let target = Target {
        schema: options.postgres.schema.clone(),
        shown_url: redact_url(&url),
    };
    let server = Server::new(&url, options.postgres.connect_timeout_s, &target)?;
    Ok((server, target))
}

impl PostgresEngine {
    /// Opens the datolite database in schema `options.postgres.schema` of the server at
    /// `options.postgres.url`. The schema must have been created by [`PostgresEngine::init`].
    pub fn open(options: &EngineOptions) -> Result<Self> {
        options.validate()?;
        let (server, target) = target_of(options)?;
        let pg = &options.postgres;
        let mut conn = Conn::connect(&server, &target)?;
        let root = conn
            .client
            .query_opt(
                &format!("SELECT format, epoch FROM {} WHERE id = 1", target.root()),
                &[],
            )
            .map_err(|error| {
                let missing = error.as_db_error().is_some_and(|db| {
                    *db.code() == postgres::error::SqlState::UNDEFINED_TABLE
                        || *db.code() == postgres::error::SqlState::INVALID_SCHEMA_NAME
                });
                if missing {
                    not_a_database(&target, "it has no root table")
                } else {
                    target.error("opening", error)
                }
            })?;
        let Some(root) = root else {
            return Err(not_a_database(&target, "its root table is empty"));
        };
        // A table of another application named `root` (a shared schema such as `public`) must
        // be an error, not a panic on a column of another type.
        let (format, epoch) = match (root.try_get::<_, i32>(0), root.try_get::<_, i64>(1)) {
            (Ok(format), Ok(epoch)) => (format, epoch),
            _ => return Err(not_a_database(&target, "its root table is not datolite's")),
        };
        if format != FORMAT {
            return Err(KvError::Open {
                path: target.shown_url.clone().into(),
                reason: format!(
                    "schema {} holds datolite's PostgreSQL layout {format}; this build reads \
                     layout {FORMAT}",
                    target.schema
                ),
            });
        }
        let shared = Shared {
            server,
            fetch_rows: u32::try_from(pg.fetch_rows).unwrap_or(u32::MAX),
            pool: Mutex::new(vec![conn]),
            pool_size: pg.pool_size,
            writer: Mutex::new(None),
            cache: PageCache::new(pg.cache_size),
            epoch,
            sync: options.sync,
            write_wait_ms: pg.write_wait_ms,
            lock_key: lock_key(&target.schema),
            target,
        };
        Ok(PostgresEngine {
            shared: Arc::new(shared),
        })
    }

    /// Creates the schema, its tables and its root row in one transaction, then opens the
    /// new database. A schema that already holds a datolite database is left alone and
    /// reported as an error.
    pub fn init(options: &EngineOptions) -> Result<Self> {
        options.validate()?;
        let (server, target) = target_of(options)?;
        let mut conn = Conn::connect(&server, &target)?;
        let client = &mut conn.client;
        let fail = |error| target.error("creating the database", error);
        let mut txn = client.transaction().map_err(fail)?;
        // Two `init`s at once: the second waits here, then finds the first one's root.
        txn.execute(
            "SELECT pg_advisory_xact_lock($1)",
            &[&lock_key(&target.schema)],
        )
        .map_err(fail)?;
        let exists: bool = txn
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[&format!("{}.root", quote(&target.schema))],
            )
            .map_err(fail)?
            .get(0);
        if exists {
            return Err(KvError::Open {
                path: target.shown_url.clone().into(),
                reason: format!(
                    "schema {} already holds a datolite database; nothing was changed (choose \
                     another schema with DATOLITE_PG_SCHEMA)",
                    target.schema
                ),
            });
        }
        let mut ddl = format!("CREATE SCHEMA IF NOT EXISTS {};", quote(&target.schema));
        for table in Table::ALL {
            ddl.push_str(&format!(
                "CREATE TABLE {} (k bytea PRIMARY KEY, v bytea NOT NULL);",
                target.table(table)
            ));
        }
        ddl.push_str(&format!(
            "CREATE TABLE {root} (id smallint PRIMARY KEY CHECK (id = 1), format integer NOT \
             NULL, epoch bigint NOT NULL, commits bigint NOT NULL, versions bigint[] NOT NULL);
             INSERT INTO {root} VALUES (1, {FORMAT}, (random() * 9.2e18)::bigint, 0, \
             array_fill(0::bigint, ARRAY[{}]));",
            Table::ALL.len(),
            root = target.root()
        ));
        txn.batch_execute(&ddl).map_err(fail)?;
        txn.commit().map_err(fail)?;
        PostgresEngine::open(options)
    }

    /// Runs the read-only `query` on an idle connection outside any transaction, once more on a
    /// fresh connection when a pooled one fails (it may have died since it was pooled).
    fn with_idle<T>(&self, query: impl FnMut(&mut Conn) -> Result<T>) -> Result<T> {
        let (conn, value) = self.shared.on_idle(query)?;
        self.shared.give_back(conn);
        Ok(value)
    }
}

/// `name` as a quoted SQL identifier (names here are validated: no quotes inside).
fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

/// The error for a schema that holds no datolite database.
fn not_a_database(target: &Target, why: &str) -> KvError {
    KvError::Open {
        path: target.shown_url.clone().into(),
        reason: format!(
            "schema {} holds no datolite database ({why}); create one with `datolite --db URL \
             init`, or name another schema with DATOLITE_PG_SCHEMA",
            target.schema
        ),
    }
}

impl Engine for PostgresEngine {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn read(&self) -> Result<Box<dyn ReadTxn>> {
        Ok(Box::new(self.shared.snapshot(false, None)?.0))
    }

    fn read_group(&self, n: usize) -> Result<Vec<Box<dyn ReadTxn>>> {
        if n <= 1 {
            return (0..n).map(|_| self.read()).collect();
        }
        let (first, id) = self.shared.snapshot(true, None)?;
        let id = id.ok_or_else(|| {
            KvError::Engine("postgres: the server exported no snapshot id".into())
        })?;
        let mut group: Vec<Box<dyn ReadTxn>> = Vec::with_capacity(n);
        for _ in 1..n {
            group.push(Box::new(self.shared.snapshot(false, Some(&id))?.0));
        }
        // The exporting transaction must stay open until every import is done.
        group.insert(0, Box::new(first));
        Ok(group)
    }

    fn write(&self, body: &mut dyn FnMut(&mut dyn WriteTxn) -> Result<()>) -> Result<()> {
        write::write(&self.shared, body)
    }

    /// Waits until the server has flushed every WAL record written so far (commits made with
    /// a relaxed [`SyncMode`] return before that), for up to a minute.
    fn sync(&self) -> Result<()> {
        let target = &self.shared.target;
        self.with_idle(|conn| {
            let fail = |error| target.error("syncing", error);
            let lsn: String = conn
                .client
                .query_one("SELECT pg_current_wal_insert_lsn()::text", &[])
                .map_err(fail)?
                .get(0);
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let flushed: bool = conn
                    .client
                    .query_one(
                        "SELECT pg_current_wal_flush_lsn() >= $1::text::pg_lsn",
                        &[&lsn],
                    )
                    .map_err(fail)?
                    .get(0);
                if flushed {
                    return Ok(());
                }
                if Instant::now() > deadline {
                    return Err(KvError::Engine(format!(
                        "postgres at {}: the server did not flush its WAL within a minute",
                        target.shown_url
                    )));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    }

    /// Bytes of every table of the schema, indexes and TOAST included.
    fn size_on_disk(&self) -> Result<u64> {
        let target = &self.shared.target;
        self.with_idle(|conn| {
            let bytes: i64 = conn
                .client
                .query_one(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM \
                     pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE \
                     n.nspname = $1 AND c.relkind = 'r'",
                    &[&target.schema],
                )
                .map_err(|error| target.error("measuring", error))?
                .get(0);
            Ok(u64::try_from(bytes).unwrap_or(0))
        })
    }

    /// The table's heap, primary-key index and TOAST bytes.
    fn table_bytes(&self, table: Table) -> Result<u64> {
        let target = &self.shared.target;
        self.with_idle(|conn| {
            let bytes: i64 = conn
                .client
                .query_one(
                    "SELECT pg_total_relation_size($1::text::regclass)",
                    &[&target.table(table)],
                )
                .map_err(|error| target.error("measuring", error))?
                .get(0);
            Ok(u64::try_from(bytes).unwrap_or(0))
        })
    }

    fn raw_scan(&self, table: Table) -> Result<(u64, u64)> {
        let (snapshot, _) = self.shared.snapshot(false, None)?;
        snapshot.raw_scan(table)
    }

    fn cache_stats(&self) -> Option<CacheStats> {
        Some(self.shared.cache.stats())
    }

    fn clear_cache(&self) {
        self.shared.cache.clear();
    }

    /// Refused: the data lives in PostgreSQL, whose own tools copy it consistently.
    fn backup(&self, _dest: &std::path::Path) -> Result<()> {
        Err(KvError::Engine(format!(
            "the postgres engine keeps its data in PostgreSQL ({}, schema {}): back it up with \
             `pg_dump --schema={}` (a consistent copy while writers go on), or write a portable \
             copy with `datolite export`",
            self.shared.target.shown_url, self.shared.target.schema, self.shared.target.schema
        )))
    }
}
