//! The store: an engine plus the caches of the latest committed version, and the entry point of
//! writes.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use datolite_kv::{open_engine, write_with, Engine, ReadOps, StorageOptions, WriteTxn};

use crate::bootstrap::{self, SYSTEM_ATTRIBUTES, SYSTEM_IDENTS};
use crate::meta;
use crate::model::{Value, ValueType};
use crate::schema::{Attribute, Cardinality, Schema};
use crate::snapshot::Db;
use crate::stats::Stats;
use crate::transactor::{self, parse_tx_data, TxOp, TxReport};
use crate::Result;

/// The schema and statistics of one committed version, shared by every snapshot of it.
#[derive(Debug)]
pub(crate) struct Version {
    pub basis_t: u64,
    /// Next counter of the schema partition (its ids are dense below it).
    pub next_db: u64,
    /// Next counter of the user partition (its ids are dense below it).
    pub next_user: u64,
    pub schema: Arc<Schema>,
    pub stats: Arc<Stats>,
}

pub(crate) struct StoreInner {
    pub engine: Arc<dyn Engine>,
    pub options: StorageOptions,
    /// The latest version we know of; a snapshot whose basis matches reuses it.
    pub latest: Mutex<Arc<Version>>,
}

/// A datom store over one engine. Cheap to clone; clones share the engine.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<StoreInner>,
}

impl Store {
    /// Opens (creating when allowed) the store at `path` with `options`. The memory engine
    /// ignores `path`.
    pub fn open(path: Option<&Path>, options: StorageOptions) -> Result<Store> {
        options.validate()?;
        let engine = open_engine(path, &options)?;
        Store::with_engine(engine, options)
    }

    /// A store over an already opened engine.
    pub fn with_engine(engine: Arc<dyn Engine>, mut options: StorageOptions) -> Result<Store> {
        let threshold = options.inline_value_threshold as u64;
        write_with(engine.as_ref(), |txn| -> Result<()> {
            if meta::get_u64(&*txn, meta::BASIS_T)?.is_none() {
                bootstrap_into(txn, threshold, now_millis())?;
            }
            Ok(())
        })?;
        let read = engine.read()?;
        let format = meta::require_u64(read.as_ref(), meta::FORMAT)?;
        if format != meta::FORMAT_VERSION {
            return Err(crate::StoreError::FormatVersion {
                found: format,
                expected: meta::FORMAT_VERSION,
            });
        }
        // The key encoding depends on the threshold the database was created with; it wins over
        // the option for existing databases.
        if let Some(stored) = meta::get_u64(read.as_ref(), meta::INLINE_THRESHOLD)? {
            options.inline_value_threshold = stored as usize;
        }
        let exact = meta::get_u64(read.as_ref(), meta::STATS_EXACT)?.unwrap_or(1) == 1;
        drop(read);
        if options.stats && !exact {
            write_with(engine.as_ref(), |txn| -> Result<()> {
                let stats = Stats::recount(&*txn)?;
                let ids: Vec<u32> = stats.attributes.keys().copied().collect();
                clear_stats(txn)?;
                stats.store(txn, ids)?;
                meta::put_u64(txn, meta::STATS_EXACT, 1)
            })?;
        }
        let read = engine.read()?;
        let version = Arc::new(load_version(read.as_ref())?);
        drop(read);
        Ok(Store {
            inner: Arc::new(StoreInner {
                engine,
                options,
                latest: Mutex::new(version),
            }),
        })
    }

    /// The options in force (with the database's own inline threshold).
    pub fn options(&self) -> &StorageOptions {
        &self.inner.options
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.inner.engine
    }

    /// A snapshot of the latest committed state.
    pub fn db(&self) -> Result<Db> {
        Db::open(self.inner.clone())
    }

    /// Runs EDN transaction data.
    pub fn transact_edn(&self, text: &str) -> Result<TxReport> {
        self.transact(&parse_tx_data(text)?)
    }

    /// Runs operations as one atomic transaction.
    pub fn transact(&self, ops: &[TxOp]) -> Result<TxReport> {
        let now = now_millis();
        let options = &self.inner.options;
        let inner = &self.inner;
        let outcome = write_with(inner.engine.as_ref(), |txn| {
            // Start from the version this write transaction sees; the cache is right unless a
            // snapshot of another version was loaded meanwhile.
            let base = current_version(inner, &*txn)?;
            transactor::run(txn, options, &base.schema, &base.stats, ops, now)
        })?;
        let version = Arc::new(Version {
            basis_t: outcome.report.t,
            next_db: outcome.next_db,
            next_user: outcome.next_user,
            schema: outcome.schema,
            stats: outcome.stats,
        });
        if let Ok(mut latest) = inner.latest.lock() {
            if latest.basis_t < version.basis_t {
                *latest = version;
            }
        }
        Ok(outcome.report)
    }
}

/// The version (schema, statistics) visible in `txn`, from the cache when it matches.
pub(crate) fn current_version(inner: &StoreInner, txn: &dyn ReadOps) -> Result<Arc<Version>> {
    let basis_t = meta::require_u64(txn, meta::BASIS_T)?;
    if let Ok(latest) = inner.latest.lock() {
        if latest.basis_t == basis_t {
            return Ok(latest.clone());
        }
    }
    Ok(Arc::new(load_version(txn)?))
}

fn load_version(txn: &dyn ReadOps) -> Result<Version> {
    Ok(Version {
        basis_t: meta::require_u64(txn, meta::BASIS_T)?,
        next_db: meta::require_u64(txn, meta::NEXT_DB)?,
        next_user: meta::require_u64(txn, meta::NEXT_USER)?,
        schema: Arc::new(Schema::load(txn)?),
        stats: Arc::new(Stats::load(txn)?),
    })
}

fn clear_stats(txn: &mut dyn WriteTxn) -> Result<()> {
    let mut keys = Vec::new();
    txn.scan(
        datolite_kv::Table::Stats,
        &datolite_kv::KeyRange::all(),
        datolite_kv::Direction::Forward,
        &mut |k, _| {
            keys.push(k.to_vec());
            datolite_kv::Visit::Continue
        },
    )?;
    for key in keys {
        txn.delete(datolite_kv::Table::Stats, &key)?;
    }
    Ok(())
}

/// Writes the system schema as transaction 1 of a new database.
fn bootstrap_into(txn: &mut dyn WriteTxn, threshold: u64, now_ms: i64) -> Result<()> {
    meta::put_u64(txn, meta::FORMAT, meta::FORMAT_VERSION)?;
    meta::put_u64(txn, meta::INLINE_THRESHOLD, threshold)?;
    meta::put_u64(txn, meta::BASIS_T, 0)?;
    meta::put_u64(txn, meta::NEXT_USER, bootstrap::FIRST_USER_COUNTER)?;
    meta::put_u64(txn, meta::NEXT_DB, bootstrap::FIRST_USER_SCHEMA_ID)?;
    meta::put_u64(txn, meta::STATS_EXACT, 1)?;
    let mut schema = Schema::default();
    for system in &SYSTEM_ATTRIBUTES {
        schema.install(Attribute {
            id: system.id,
            ident: system.ident.to_string(),
            value_type: system.value_type,
            cardinality: system.cardinality,
            unique: system.unique,
            is_component: false,
            doc: None,
            tuple: system.tuple(),
        });
    }
    let add = |e: u64, a: &str, v: Value| TxOp::Add {
        e: e.into(),
        attr: a.to_string(),
        value: v.into(),
    };
    let mut ops = Vec::new();
    for system in &SYSTEM_ATTRIBUTES {
        let e = u64::from(system.id);
        ops.push(add(e, "db/ident", Value::keyword(system.ident)));
        ops.push(add(
            e,
            "db/valueType",
            Value::Ref(bootstrap::type_ident_entity(system.value_type)),
        ));
        ops.push(add(
            e,
            "db/cardinality",
            Value::Ref(bootstrap::cardinality_entity(Cardinality::One)),
        ));
        if let Some(unique) = system.unique {
            ops.push(add(
                e,
                "db/unique",
                Value::Ref(bootstrap::unique_entity(unique)),
            ));
        }
        if let Some(element) = system.tuple_of {
            ops.push(add(
                e,
                "db/tupleType",
                Value::Ref(bootstrap::type_ident_entity(element)),
            ));
        }
    }
    for value_type in ValueType::ALL {
        ops.push(add(
            bootstrap::type_ident_entity(value_type),
            "db/ident",
            Value::keyword(value_type.ident()),
        ));
    }
    for (e, ident) in SYSTEM_IDENTS {
        ops.push(add(e, "db/ident", Value::keyword(ident)));
    }
    let options = StorageOptions {
        inline_value_threshold: threshold as usize,
        ..StorageOptions::default()
    };
    transactor::run(txn, &options, &schema, &Stats::default(), &ops, now_ms)?;
    Ok(())
}

/// Milliseconds since the Unix epoch (0 if the clock is before 1970).
fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
