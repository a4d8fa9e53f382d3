//! # datolite-store — datoms, indexes, transactions, statistics and scans
//!
//! The storage heart of datolite, engine-independent (engines come from `datolite-kv`):
//!
//! - [`model`]: entity ids, [`Value`]s and [`Datom`]s.
//! - [`encoding`]: the order-preserving key encoding of the indexes EAVT, AEVT, AVET, VAET and
//!   the transaction log.
//! - EDN (transaction data, printed values) is read and printed with [`datolite_edn`].
//! - [`Store::transact`]: the transactor (tempids, lookup refs, upserts, cardinality, uniqueness,
//!   schema on first use), one atomic engine write per transaction.
//! - [`Stats`]: exact statistics maintained in the same write.
//! - [`Db`] and [`Scan`]: snapshots and scans (decoded, raw, batched, counted, parallel).
//!
//! The design: `docs/design.md` in the repository — §3 Values (with "Values in memory"), §4 Key
//! layout, §5 Statistics, §6 Scans, §7 The transactor, §10 Invariants.

#![warn(missing_docs)]

mod batch;
pub mod bootstrap;
mod bulk;
mod check;
mod datoms;
pub mod encoding;
mod entity;
mod error;
mod group;
pub mod meta;
mod migrate;
pub mod model;
mod options;
mod parallel;
mod reader;
mod scan;
mod schema;
mod snapshot;
mod split;
mod stats;
mod store;
mod time;
pub mod transactor;
mod values;
mod version;

pub use batch::ColumnBatch;
pub use bulk::{BulkLoader, BulkOptions, BulkReport, BulkTx};
pub use check::CheckReport;
pub use encoding::{Index, RawDatom};
pub use entity::{Entity, EntityValue};
pub use error::{Result, StoreError};
pub use model::{Datom, DatomRef, Uuid, Value, ValueRef, ValueType};
pub use options::{StoreOptions, ENV_VARS};
pub use parallel::ParallelScan;
pub use reader::{EntityReader, Reader};
pub use scan::{DatomIter, Scan};
pub use schema::{Attribute, Cardinality, Schema, TupleType, Unique, MAX_TUPLE_ELEMENTS};
pub use snapshot::Db;
pub use stats::{AttrStats, Stats};
pub use store::Store;
pub use time::{TimePoint, TxEntry};
pub use transactor::{EntityRef, Tempid, Tx, TxOp, TxReport, TxValue};
pub use values::materialize;
