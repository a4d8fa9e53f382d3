//! The transactor's write: one PostgreSQL transaction per [`Engine::write`](crate::Engine).
//!
//! Invariants:
//! - The transaction takes the schema's advisory lock before reading anything, so writers in
//!   every process on every machine run one at a time, and each reads the state every earlier
//!   write committed (a lock is released only after its transaction's commit is visible). The
//!   transaction runs `READ COMMITTED`: under the lock nothing else commits, so its reads are
//!   one stable state, and the write needs no retry.
//! - The body writes into an overlay; its delta reaches the server only after the body
//!   succeeded, in batched statements, with the root's commit count and the touched tables'
//!   versions bumped in the same transaction. Until `COMMIT` nothing is visible; a process that
//!   dies before it leaves nothing (the server rolls back and releases the lock).
//! - A second writer tries the lock until `write_wait_ms` has passed, then fails with
//!   [`KvError::TransactorBusy`], having written nothing.

use std::sync::{Arc, PoisonError};

use postgres::error::SqlState;
use postgres::Statement;
use std::time::{Duration, Instant};

use super::conn::{Conn, Sql};
use super::read::PgSnapshot;
use super::Shared;
use crate::overlay::{Delta, OverlayWrite};
use crate::{KvError, Result, SyncMode, Table, WriteTxn};

/// Rows per `INSERT … SELECT unnest(…)` or `DELETE … = ANY(…)` statement.
const ROWS_PER_STATEMENT: usize = 5_000;

/// Runs `body` as one transaction of the transactor (see the module's invariants).
pub(crate) fn write(
    shared: &Arc<Shared>,
    body: &mut dyn FnMut(&mut dyn WriteTxn) -> Result<()>,
) -> Result<()> {
    // This process's writers queue here; the connection stays with the slot between writes.
    let mut slot = shared.writer.lock().unwrap_or_else(PoisonError::into_inner);
    let conn = begin(shared, slot.take())?;
    let (conn, outcome) = run(shared, conn, body);
    // Whatever happened, the transaction is over; keep the connection if it still works.
    if let Some(mut conn) = conn {
        if outcome.is_err() && conn.client.batch_execute("ROLLBACK").is_err() {
            return outcome;
        }
        *slot = Some(conn);
    }
    outcome
}

/// The transactor's connection inside a new transaction: the one kept from the last write, or
/// a new one — also when the kept one turns out dead (the server restarted, a failover, an
/// idle timeout), which is safe to retry because nothing was sent yet.
fn begin(shared: &Shared, kept: Option<Conn>) -> Result<Conn> {
    let begin = if shared.sync == SyncMode::Full {
        "BEGIN"
    } else {
        // The commit returns before its WAL reaches the disk: a server crash may lose the last
        // commits, never half of one.
        "BEGIN; SET LOCAL synchronous_commit TO off"
    };
    if let Some(mut conn) = kept.filter(|conn| !conn.client.is_closed()) {
        if conn.client.batch_execute(begin).is_ok() {
            return Ok(conn);
        }
    }
    let mut conn = shared.connect()?;
    conn.client
        .batch_execute(begin)
        .map_err(|error| shared.target.error("beginning a write", error))?;
    Ok(conn)
}

/// Locks, runs the body and commits, in the transaction `conn` is in; returns the connection
/// when it is still usable (outside a transaction on success, inside the failed one on error).
fn run(
    shared: &Arc<Shared>,
    mut conn: Conn,
    body: &mut dyn FnMut(&mut dyn WriteTxn) -> Result<()>,
) -> (Option<Conn>, Result<()>) {
    let target = &shared.target;
    if let Err(error) = lock(shared, &mut conn) {
        return (Some(conn), Err(error));
    }
    let root = conn.client.query_one(
        &format!(
            "SELECT epoch, commits, versions FROM {} WHERE id = 1",
            target.root()
        ),
        &[],
    );
    let (commits, versions) = match root.map_err(|error| target.error("reading the root", error)) {
        Ok(row) => match read_root(shared, &row) {
            Ok(root) => root,
            Err(error) => return (Some(conn), Err(error)),
        },
        Err(error) => return (Some(conn), Err(error)),
    };
    // The body reads the committed state through the transactor's own connection.
    let snapshot = PgSnapshot::new(conn, versions, shared, false);
    let delta = {
        let mut txn = OverlayWrite::new(&snapshot);
        body(&mut txn).map(|()| txn.into_delta())
    };
    let Some(mut conn) = snapshot.take_conn() else {
        return (
            None,
            Err(KvError::Engine(
                "postgres: the transactor's connection is gone".into(),
            )),
        );
    };
    let delta = match delta {
        Ok(delta) => delta,
        Err(error) => return (Some(conn), Err(error)),
    };
    if delta.is_empty() {
        // Nothing to commit: end the transaction (and free the lock) without a new version.
        return match conn.client.batch_execute("ROLLBACK") {
            Ok(()) => (Some(conn), Ok(())),
            Err(error) => (None, Err(target.error("ending a write", error))),
        };
    }
    if let Err(error) = flush(shared, &mut conn, &delta, commits + 1, versions) {
        return (Some(conn), Err(error));
    }
    match conn.client.batch_execute("COMMIT") {
        Ok(()) => (Some(conn), Ok(())),
        Err(error) => (None, Err(target.error("committing", error))),
    }
}

/// The commit count and table versions of the root row `row` (epoch checked).
fn read_root(shared: &Shared, row: &postgres::Row) -> Result<(i64, [i64; 12])> {
    shared.check_epoch(row.try_get::<_, i64>(0).ok())?;
    let commits = row.try_get::<_, i64>(1);
    let versions = row.try_get::<_, Vec<Option<i64>>>(2);
    let found = format!("{versions:?}");
    let versions: Option<Vec<i64>> = versions.ok().and_then(|v| v.into_iter().collect());
    match (
        commits,
        versions.and_then(|v| <[i64; 12]>::try_from(v).ok()),
    ) {
        (Ok(commits), Some(versions)) => Ok((commits, versions)),
        _ => Err(shared.corrupt_root(&found)),
    }
}

/// Takes the schema's advisory lock, trying until `write_wait_ms` has passed.
fn lock(shared: &Shared, conn: &mut Conn) -> Result<()> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        let locked: bool = conn
            .client
            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&shared.lock_key])
            .map_err(|error| shared.target.error("taking the write lock", error))?
            .get(0);
        if locked {
            return Ok(());
        }
        let waited = started.elapsed();
        if waited >= Duration::from_millis(shared.write_wait_ms) {
            return Err(KvError::TransactorBusy {
                database: format!(
                    "{} (schema {})",
                    shared.target.shown_url, shared.target.schema
                ),
                waited_ms: waited.as_millis() as u64,
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Tables whose puts mostly replace existing rows: they go straight to the upsert.
const UPDATED_IN_PLACE: [Table; 2] = [Table::Meta, Table::Stats];

/// Tries the fast path for `table`'s puts: plain inserts (a third of an upsert's cost in
/// PostgreSQL, whose `ON CONFLICT` inserts speculatively), inside a savepoint. Index, log and
/// history keys are new facts, so this nearly always succeeds; when a key existed, the
/// savepoint is rolled back and `false` says to upsert instead.
fn insert_new(
    shared: &Shared,
    conn: &mut Conn,
    table: Table,
    keys: &[&[u8]],
    values: &[&[u8]],
) -> Result<bool> {
    if UPDATED_IN_PLACE.contains(&table) {
        return Ok(false);
    }
    let target = &shared.target;
    let fail = |error| target.error("writing", error);
    conn.client.batch_execute("SAVEPOINT puts").map_err(fail)?;
    let insert = conn.statement(target, table, Sql::Insert)?;
    match put_rows(conn, &insert, keys, values) {
        Ok(()) => {
            conn.client
                .batch_execute("RELEASE SAVEPOINT puts")
                .map_err(fail)?;
            Ok(true)
        }
        Err(error) if error.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
            conn.client
                .batch_execute("ROLLBACK TO SAVEPOINT puts")
                .map_err(fail)?;
            Ok(false)
        }
        Err(error) => Err(fail(error)),
    }
}

/// Sends `keys` and `values` with `statement` (an insert or an upsert), a batch per statement.
fn put_rows(
    conn: &mut Conn,
    statement: &Statement,
    keys: &[&[u8]],
    values: &[&[u8]],
) -> Result<(), postgres::Error> {
    for (keys, values) in keys
        .chunks(ROWS_PER_STATEMENT)
        .zip(values.chunks(ROWS_PER_STATEMENT))
    {
        conn.client.execute(statement, &[&keys, &values])?;
    }
    Ok(())
}

/// One table's puts (keys, then values) and deletes.
type TableChanges<'a> = (Vec<&'a [u8]>, Vec<&'a [u8]>, Vec<&'a [u8]>);

/// Sends `delta` and the new root: commit number `commit`, the touched tables' versions set
/// to it.
fn flush(
    shared: &Shared,
    conn: &mut Conn,
    delta: &Delta,
    commit: i64,
    mut versions: [i64; 12],
) -> Result<()> {
    let target = &shared.target;
    let fail = |error| target.error("writing", error);
    // One pass over the delta, which lists its changes table by table.
    let mut changes: [TableChanges<'_>; 12] = std::array::from_fn(|_| Default::default());
    for (table, key, value) in delta.changes() {
        let (keys, values, deleted) = &mut changes[table.index()];
        match value {
            Some(value) => {
                keys.push(key);
                values.push(value);
            }
            None => deleted.push(key),
        }
    }
    for (table, (keys, values, deleted)) in Table::ALL.into_iter().zip(&changes) {
        if keys.is_empty() && deleted.is_empty() {
            continue;
        }
        versions[table.index()] = commit;
        if !keys.is_empty() && !insert_new(shared, conn, table, keys, values)? {
            let upsert = conn.statement(target, table, Sql::Upsert)?;
            put_rows(conn, &upsert, keys, values).map_err(fail)?;
        }
        if !deleted.is_empty() {
            let delete = conn.statement(target, table, Sql::Delete)?;
            for keys in deleted.chunks(ROWS_PER_STATEMENT) {
                conn.client.execute(&delete, &[&keys]).map_err(fail)?;
            }
        }
    }
    conn.client
        .execute(
            &format!(
                "UPDATE {} SET commits = $1, versions = $2 WHERE id = 1",
                target.root()
            ),
            &[&commit, &versions.as_slice()],
        )
        .map_err(fail)?;
    Ok(())
}
