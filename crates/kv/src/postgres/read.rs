//! PostgreSQL snapshots and their reads: point gets, paged scans and the seekable cursor.
//!
//! Invariants:
//! - A peer's snapshot is one `REPEATABLE READ READ ONLY` transaction on its own connection:
//!   every read through it sees exactly the commits before its first statement, which also
//!   reads the tables' versions from the root row. The transactor's snapshot reads under the
//!   write lock, where nothing else can commit (`write.rs`).
//! - Rows come in pages, one round trip each: the first page of a scan is small (a scan that
//!   stops early costs little), later pages double up to `fetch_rows` — the store's
//!   `scan_batch_size`, the storage plan's prefetch. Every page goes through the cache
//!   (`cache.rs`), keyed by the table's version.
//! - The connection is borrowed only while a query runs, never while a visitor runs, so a
//!   visitor may read through the same snapshot.
//! - Point reads, forward `first`s and forward cursors' first pages of the indexes go through
//!   *windows* (`coverage.rs`): an uncovered read fetches rows from its start on, and later
//!   reads and cursor pages inside what a window proved complete need no round trip.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Bound;
use std::sync::Arc;

use super::cache::{CacheKey, Request, Rows};
use super::conn::{Conn, Sql};
use super::coverage::{windowed, Known, Row};
use super::Shared;
use crate::range::{half_open_bounds, successor};
use crate::{Direction, KeyRange, KvCursor, KvError, ReadOps, ReadTxn, Result, Table, Visit};

/// Rows of the first page of a scan (fewer when `fetch_rows` is smaller).
const FIRST_PAGE: u32 = 32;

/// A snapshot: a connection inside its transaction, and the tables' versions it sees.
pub(crate) struct PgSnapshot {
    /// `None` once the connection was given back (or lost).
    conn: RefCell<Option<Conn>>,
    /// Per table ([`Table::index`]): the commit that last changed it, as this snapshot sees it.
    pub versions: [i64; Table::ALL.len()],
    shared: Arc<Shared>,
    /// Whether dropping the snapshot ends its transaction and pools the connection (peers); the
    /// transactor takes its connection back instead.
    pooled: bool,
    /// Per table ([`Table::index`]): the rows fetched in windows and where they are complete
    /// (`coverage.rs`).
    known: RefCell<[Known; Table::ALL.len()]>,
}

impl PgSnapshot {
    /// A snapshot over `conn`, whose transaction is open and has read `versions`.
    pub fn new(conn: Conn, versions: [i64; 12], shared: &Arc<Shared>, pooled: bool) -> Self {
        PgSnapshot {
            conn: RefCell::new(Some(conn)),
            versions,
            shared: Arc::clone(shared),
            pooled,
            known: RefCell::new(std::array::from_fn(|_| Known::new())),
        }
    }

    /// Gives the connection back (the transactor's, after its body ran).
    pub fn take_conn(&self) -> Option<Conn> {
        self.conn.borrow_mut().take()
    }

    /// Runs `query` on the connection (which must still be here).
    fn with_conn<T>(&self, query: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let mut slot = self.conn.borrow_mut();
        let conn = slot
            .as_mut()
            .ok_or_else(|| KvError::Engine("postgres: the snapshot's connection is gone".into()))?;
        query(conn)
    }

    /// The answer to `request` on `table`: from the cache, else from the server (and cached).
    fn fetch(&self, table: Table, request: Request) -> Result<Arc<Rows>> {
        let key = CacheKey {
            table,
            version: self.versions[table.index()],
            request,
        };
        if let Some(rows) = self.shared.cache.get(&key) {
            return Ok(rows);
        }
        let target = &self.shared.target;
        let rows = self.with_conn(|conn| {
            let found = match &key.request {
                Request::Get(k) => {
                    let statement = conn.statement(target, table, Sql::Get)?;
                    conn.client.query(&statement, &[k])
                }
                Request::Page {
                    lo,
                    hi,
                    reverse,
                    limit,
                } => {
                    let sql = Sql::Page {
                        reverse: *reverse,
                        bounded: hi.is_some(),
                    };
                    let statement = conn.statement(target, table, sql)?;
                    let limit = i64::from(*limit);
                    match hi {
                        Some(hi) => conn.client.query(&statement, &[lo, hi, &limit]),
                        None => conn.client.query(&statement, &[lo, &limit]),
                    }
                }
            }
            .map_err(|error| target.error("reading", error))?;
            let mut rows = Rows::default();
            for row in found {
                let get = |i| row.try_get::<_, Vec<u8>>(i);
                match &key.request {
                    Request::Get(k) => {
                        rows.keys.push(k.clone());
                        rows.values
                            .push(get(0).map_err(|e| target.error("decoding", e))?);
                    }
                    Request::Page { .. } => {
                        rows.keys
                            .push(get(0).map_err(|e| target.error("decoding", e))?);
                        rows.values
                            .push(get(1).map_err(|e| target.error("decoding", e))?);
                    }
                }
            }
            Ok(Arc::new(rows))
        })?;
        self.shared.cache.insert(key, Arc::clone(&rows));
        Ok(rows)
    }

    /// The first row of `[lo, hi)` of a windowed table: from what this snapshot knows, else from
    /// a window of rows fetched from `lo` on (one round trip), which later reads may land in.
    fn window_first(&self, table: Table, lo: &[u8], hi: Option<&[u8]>) -> Result<Option<Row>> {
        if let Some(answer) = self.known.borrow_mut()[table.index()].first(lo, hi) {
            return Ok(answer);
        }
        let rows = self.fetch_window(table, lo)?;
        // The window starts at `lo`: its first row is the answer when it lies below `hi`.
        Ok(rows
            .keys
            .first()
            .zip(rows.values.first())
            .filter(|(k, _)| hi.is_none_or(|hi| k.as_slice() < hi))
            .map(|(k, v)| (k.clone(), v.clone())))
    }

    /// Fetches the next window of `table` from `lo` (forward, no upper bound) and records what
    /// it proves. Returns its rows.
    fn fetch_window(&self, table: Table, lo: &[u8]) -> Result<Arc<Rows>> {
        let window = self.known.borrow_mut()[table.index()].next_window(self.shared.fetch_rows);
        let rows = self.fetch(
            table,
            Request::Page {
                lo: lo.to_vec(),
                hi: None,
                reverse: false,
                limit: window,
            },
        )?;
        self.known.borrow_mut()[table.index()].record(lo, window, &rows);
        Ok(rows)
    }

    /// A page of at most `limit` rows of `[lo, hi)` from this snapshot's windows, and whether
    /// it holds the rest of the range; `None` when they do not know where `[lo, hi)` begins.
    fn known_rows(
        &self,
        table: Table,
        lo: &[u8],
        hi: Option<&[u8]>,
        limit: u32,
    ) -> Option<(Rows, bool)> {
        self.known.borrow_mut()[table.index()].rows_in(lo, hi, limit as usize)
    }

    /// A forward cursor's first page (at most `limit` rows) of `[lo, hi)` on a windowed table:
    /// from what this snapshot knows, else from a window fetched from `lo`, which later reads
    /// may land in. `true` when the page holds the rest of the range.
    fn window_page(
        &self,
        table: Table,
        lo: &[u8],
        hi: Option<&[u8]>,
        limit: u32,
    ) -> Result<(Rows, bool)> {
        if let Some(page) = self.known_rows(table, lo, hi, limit) {
            return Ok(page);
        }
        self.fetch_window(table, lo)?;
        // A window from `lo` makes `lo` known: it holds a row, or proves the table ends.
        self.known_rows(table, lo, hi, limit).ok_or_else(|| {
            KvError::Engine("postgres: a window fetched from a key left it unknown".into())
        })
    }

    /// [`crate::Engine::raw_scan`]'s loop: every key of `table` in one streamed query (no pages,
    /// no cache), the bare cost of reading the table from the server.
    pub fn raw_scan(&self, table: Table) -> Result<(u64, u64)> {
        let target = &self.shared.target;
        self.with_conn(|conn| {
            let sql = format!("SELECT k FROM {} ORDER BY k", target.table(table));
            let params: [&(dyn postgres::types::ToSql + Sync); 0] = [];
            let mut rows = conn
                .client
                .query_raw(sql.as_str(), params)
                .map_err(|error| target.error("scanning", error))?;
            let (mut keys, mut bytes) = (0u64, 0u64);
            while let Some(row) = postgres::fallible_iterator::FallibleIterator::next(&mut rows)
                .map_err(|error| target.error("scanning", error))?
            {
                let key: &[u8] = row.try_get(0).map_err(|e| target.error("decoding", e))?;
                keys += 1;
                bytes += key.len() as u64;
            }
            Ok((keys, bytes))
        })
    }
}

impl Drop for PgSnapshot {
    fn drop(&mut self) {
        if !self.pooled {
            return;
        }
        if let Some(mut conn) = self.conn.get_mut().take() {
            // A read-only transaction has nothing to commit; a connection that cannot even roll
            // back is dropped rather than pooled.
            if conn.client.batch_execute("ROLLBACK").is_ok() {
                self.shared.give_back(conn);
            }
        }
    }
}

/// A range as the SQL wants it: an inclusive lower bound (the empty key, which sorts first,
/// when unbounded) and an exclusive upper bound, if any.
fn sql_bounds(start: Bound<&[u8]>, end: Bound<&[u8]>) -> (Vec<u8>, Option<Vec<u8>>) {
    let (lower, upper) = half_open_bounds(start, end);
    (lower.unwrap_or_default(), upper)
}

impl ReadOps for PgSnapshot {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>> {
        if windowed(table) {
            // `[key, key\0)` holds `key` alone.
            let row = self.window_first(table, key, Some(&successor(key)))?;
            return Ok(row.map(|(_, v)| Cow::Owned(v)));
        }
        let rows = self.fetch(table, Request::Get(key.to_vec()))?;
        Ok(rows.values.first().map(|v| Cow::Owned(v.clone())))
    }

    fn scan(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[u8], &[u8]) -> Visit,
    ) -> Result<()> {
        crate::overlay::scan(self.cursor(table, range.clone(), direction)?, visit)
    }

    fn scan_keys(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
        visit: &mut dyn FnMut(&[&[u8]]) -> Visit,
    ) -> Result<()> {
        crate::overlay::scan_keys(self.cursor(table, range.clone(), direction)?, visit)
    }

    fn cursor<'t>(
        &'t self,
        table: Table,
        range: KeyRange,
        direction: Direction,
    ) -> Result<Box<dyn KvCursor<'t> + 't>> {
        Ok(Box::new(PgCursor {
            snapshot: self,
            table,
            done: range.is_empty(),
            range,
            reverse: direction == Direction::Reverse,
            rows: Arc::new(Rows::default()),
            page_bound: None,
            last_page: false,
            at: None,
            limit: FIRST_PAGE.min(self.shared.fetch_rows),
        }))
    }

    fn first(
        &self,
        table: Table,
        range: &KeyRange,
        direction: Direction,
    ) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        if range.is_empty() {
            return Ok(None);
        }
        let (start, end) = range.as_slices();
        let (lo, hi) = sql_bounds(start, end);
        if direction == Direction::Forward && windowed(table) {
            return self.window_first(table, &lo, hi.as_deref());
        }
        let rows = self.fetch(
            table,
            Request::Page {
                lo,
                hi,
                reverse: direction == Direction::Reverse,
                limit: 1,
            },
        )?;
        Ok(rows.keys.first().cloned().zip(rows.values.first().cloned()))
    }

    fn any(&self, table: Table, range: &KeyRange) -> Result<bool> {
        Ok(self.first(table, range, Direction::Forward)?.is_some())
    }
}

impl ReadTxn for PgSnapshot {}

/// A pull cursor: one page of rows at a time; a seek inside the page in hand costs no round
/// trip (merge joins seek a little ahead, over and over).
struct PgCursor<'t> {
    snapshot: &'t PgSnapshot,
    table: Table,
    range: KeyRange,
    reverse: bool,
    /// The page in hand, in the cursor's order.
    rows: Arc<Rows>,
    /// Where the page's query began: its `lo` going forward, its `hi` (exclusive; `None` for
    /// unbounded) in reverse. The page holds every key of the range from there to its last
    /// row, so a seek landing in between is answered from it.
    page_bound: Option<(Vec<u8>, Option<Vec<u8>>)>,
    /// Whether the page came back short: nothing lies beyond its last row.
    last_page: bool,
    /// The row last returned, if any.
    at: Option<usize>,
    /// Rows to ask for next.
    limit: u32,
    done: bool,
}

impl PgCursor<'_> {
    /// Fetches the range's first page: through a window on the indexes going forward (one
    /// cursor per entity is how the transactor and `pull` read), else as any page.
    fn load_first(&mut self, lo: Vec<u8>, hi: Option<Vec<u8>>) -> Result<()> {
        if self.reverse || !windowed(self.table) {
            return self.load(lo, hi);
        }
        let (rows, complete) =
            self.snapshot
                .window_page(self.table, &lo, hi.as_deref(), self.limit)?;
        self.known_page(lo, hi, rows, complete);
        Ok(())
    }

    /// Takes a page served from the snapshot's windows.
    fn known_page(&mut self, lo: Vec<u8>, hi: Option<Vec<u8>>, rows: Rows, complete: bool) {
        self.rows = Arc::new(rows);
        self.last_page = complete;
        self.page_bound = Some((lo, hi));
        self.at = None;
        self.limit = self
            .limit
            .saturating_mul(2)
            .min(self.snapshot.shared.fetch_rows);
    }

    /// Fetches the page that starts at the bounds `(lo, hi)` (already clipped to the range).
    fn load(&mut self, lo: Vec<u8>, hi: Option<Vec<u8>>) -> Result<()> {
        if !self.reverse && windowed(self.table) {
            let known = self
                .snapshot
                .known_rows(self.table, &lo, hi.as_deref(), self.limit);
            if let Some((rows, complete)) = known {
                self.known_page(lo, hi, rows, complete);
                return Ok(());
            }
        }
        let limit = self.limit;
        self.rows = self.snapshot.fetch(
            self.table,
            Request::Page {
                lo: lo.clone(),
                hi: hi.clone(),
                reverse: self.reverse,
                limit,
            },
        )?;
        self.last_page = self.rows.len() < limit as usize;
        self.page_bound = Some((lo, hi));
        self.at = None;
        self.limit = limit.saturating_mul(2).min(self.snapshot.shared.fetch_rows);
        Ok(())
    }

    /// The entry at `index` of the page, making it the current one.
    fn land(&mut self, index: usize) -> Option<(&[u8], &[u8])> {
        if index >= self.rows.len() {
            self.done = true;
            return None;
        }
        self.at = Some(index);
        Some((&self.rows.keys[index], &self.rows.values[index]))
    }
}

impl<'t> KvCursor<'t> for PgCursor<'t> {
    fn next(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        if self.done {
            return Ok(None);
        }
        let next = match (&self.page_bound, self.at) {
            (None, _) => {
                let (start, end) = self.range.as_slices();
                let (lo, hi) = sql_bounds(start, end);
                self.load_first(lo, hi)?;
                0
            }
            (Some(_), Some(at)) if at + 1 < self.rows.len() => at + 1,
            (Some(_), None) => 0,
            (Some((lo, hi)), Some(at)) => {
                if self.last_page {
                    self.done = true;
                    return Ok(None);
                }
                // Continue after the page's last row.
                let last = &self.rows.keys[at];
                let (lo, hi) = if self.reverse {
                    (lo.clone(), Some(last.clone()))
                } else {
                    (successor(last), hi.clone())
                };
                self.load(lo, hi)?;
                0
            }
        };
        Ok(self.land(next))
    }

    fn seek(&mut self, key: &[u8]) -> Result<Option<(&[u8], &[u8])>> {
        let Some((start, end)) = self.range.seek_bounds(direction(self.reverse), key) else {
            self.done = true;
            return Ok(None);
        };
        let (lo, hi) = sql_bounds(start, end);
        self.done = false;
        // Answer from the page in hand when it covers the target.
        if let Some((page_lo, page_hi)) = &self.page_bound {
            if !self.reverse && page_lo.as_slice() <= lo.as_slice() {
                let index = self
                    .rows
                    .keys
                    .partition_point(|k| k.as_slice() < lo.as_slice());
                if index < self.rows.len() || self.last_page {
                    return Ok(self.land(index));
                }
            }
            if self.reverse {
                let covered = match (page_hi, &hi) {
                    (None, _) => true,
                    (Some(page_hi), Some(hi)) => hi <= page_hi,
                    (Some(_), None) => false,
                };
                if covered {
                    let below = |k: &Vec<u8>| hi.as_ref().is_none_or(|hi| k < hi);
                    let index = self.rows.keys.partition_point(|k| !below(k));
                    if index < self.rows.len() || self.last_page {
                        return Ok(self.land(index));
                    }
                }
            }
        }
        self.load(lo, hi)?;
        Ok(self.land(0))
    }
}

/// The [`Direction`] of a cursor.
fn direction(reverse: bool) -> Direction {
    if reverse {
        Direction::Reverse
    } else {
        Direction::Forward
    }
}
