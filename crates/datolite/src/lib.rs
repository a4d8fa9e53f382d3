//! # datolite — an embedded database of immutable facts
//!
//! datolite stores **datoms** `[entity attribute value tx added?]` in covering sorted indexes
//! (EAVT, AEVT, AVET, VAET and a transaction log) inside an embedded key-value engine (LMDB by
//! default), in the tradition of Datomic, DataScript and Datalevin.
//!
//! ```
//! use datolite::{Database, Index, Value};
//!
//! let db = Database::memory()?;
//! let report = db.transact(r#"[{:db/id "alice" :user/name "Alice" :user/age 34}]"#)?;
//! let alice = report.tempids["alice"];
//! let snapshot = db.db()?;
//! assert_eq!(snapshot.count_attribute(":user/name")?, 1);
//! let datoms = snapshot.datoms(Index::Eavt, &[Value::Ref(alice)])?;
//! assert_eq!(datoms.len(), 2);
//! # Ok::<(), datolite::Error>(())
//! ```
//!
//! The layers underneath are their own crates: `datolite-edn` (EDN, re-exported as [`edn`]),
//! `datolite-kv` (engines and their [`EngineOptions`]) and `datolite-store` (model, encoding,
//! transactor, statistics, scans, and [`StoreOptions`], every knob of a database: the engine's
//! in its `kv` field, the store's own beside them).
//!
//! The design: `docs/design.md` in the repository — §1 Layers for the whole, §9 CLI/JSON
//! contract for [`result_json`] and [`value_json`].

#![warn(missing_docs)]

mod backup;
mod database;
mod error;
mod format;
mod query;
mod report;

pub use database::Database;
pub use datolite_edn as edn;
pub use datolite_kv::{
    EngineKind, EngineOptions, LmdbOptions, PostgresOptions, RocksdbOptions, SyncMode,
};
pub use datolite_query::{
    Cancel, Cell, Explain, InputForm, InputValue, PlanNode, PullKey, PullMap, PullPattern, Pulled,
    QueryError, QueryOptions, QueryResult, ReturnKind, ReturnMap,
};
pub use datolite_store::{
    AttrStats, Attribute, Cardinality, CheckReport, ColumnBatch, Datom, DatomRef, Db, Entity,
    EntityRef, EntityValue, Index, ParallelScan, RawDatom, Scan, Schema, Stats, TimePoint, Tx,
    TxEntry, TxOp, TxReport, TxValue, Unique, Uuid, Value, ValueRef, ValueType,
};
pub use datolite_store::{BulkLoader, BulkOptions, BulkReport, BulkTx, StoreError};
pub use datolite_store::{StoreOptions, ENV_VARS};
pub use error::Error;
pub use format::{cell_edn_string, pull_edn, pull_json, result_edn, result_json, value_json};
pub use query::DbQueries;
pub use report::{
    attribute_ident, attribute_summaries, datom_json, stats_json, tx_entry_json, tx_report_json,
    AttributeSummary,
};

/// Result with datolite's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The README's Rust examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeExamples;
