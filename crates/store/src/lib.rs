//! # datolite-store — datoms, indexes, transactions, statistics and scans
//!
//! The storage heart of datolite, engine-independent (engines come from `datolite-kv`):
//!
//! - [`model`]: entity ids, [`Value`]s and [`Datom`]s.
//! - [`encoding`]: the order-preserving key encoding of the indexes EAVT, AEVT, AVET, VAET and
//!   the transaction log.
//! - [`edn`]: the EDN reader.
//! - [`Store::transact`]: the transactor (tempids, lookup refs, upserts, cardinality, uniqueness,
//!   schema on first use), one atomic engine write per transaction.
//! - [`Stats`]: exact statistics maintained in the same write.
//! - [`Db`] and [`Scan`]: snapshots and scans (decoded, raw, batched, counted, parallel).

mod batch;
pub mod bootstrap;
pub mod edn;
pub mod encoding;
mod error;
pub mod meta;
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
pub mod transactor;
mod values;
mod version;

pub use batch::ColumnBatch;
pub use encoding::{Index, RawDatom};
pub use error::{Result, StoreError};
pub use model::{Datom, DatomRef, EntityId, Uuid, Value, ValueRef, ValueType};
pub use options::{StoreOptions, ENV_VARS};
pub use parallel::ParallelScan;
pub use reader::Reader;
pub use scan::{DatomIter, Scan};
pub use schema::{Attribute, Cardinality, Schema, TupleType, Unique, MAX_TUPLE_ELEMENTS};
pub use snapshot::Db;
pub use stats::{AttrStats, Stats};
pub use store::Store;
pub use transactor::{EntityRef, Tempid, Tx, TxOp, TxReport, TxValue};
pub use values::materialize;
