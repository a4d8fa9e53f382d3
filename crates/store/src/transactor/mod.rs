//! The transactor: EDN or builder operations in, datoms out, atomically.
//!
//! `run` executes inside the engine's single write transaction and derives everything from it,
//! so the engine may rerun it after growing its storage. Schema-defining operations (entities
//! with `:db/valueType`) run first, so a transaction can declare attributes and use them. Any
//! error aborts the engine's write transaction, so a failed transaction leaves nothing behind.
//!
//! The pipeline, one concept a file: EDN is read once into operations (`parse.rs` → `ops.rs`,
//! values into `form.rs`'s [`Form`]s; the Rust builder `builder.rs` makes the same operations);
//! resolution turns them into concrete datoms without writing (`resolve.rs`, with `expand.rs`,
//! `install.rs`, `literal.rs`, `upsert.rs`, `entity.rs`, `cas.rs`, `builtin.rs`); `apply.rs`
//! writes them (with `buffer.rs`), `composite.rs` maintains composite tuples, and
//! `schema_change.rs` checks schema changes against the data.

mod apply;
pub(crate) mod buffer;
mod builder;
mod builtin;
mod cas;
mod composite;
mod context;
mod entity;
mod expand;
mod form;
mod install;
mod literal;
mod ops;
mod parse;
mod resolve;
mod schema_change;
mod upsert;

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use datolite_kv::WriteTxn;

pub use builder::Tx;
pub use form::{CollKind, Form, Literal, Read};
pub use ops::{EntityMap, EntityRef, Tempid, TxOp, TxValue};
pub use parse::{entity_ref, keyword_text, parse_tx_data, tx_op, tx_ops, CURRENT_TX_TEMPID};

use crate::bootstrap::attr as sys;
use crate::bulk::Deferred;
use crate::meta;
use crate::model::{tx_entity, Datom, Value};
use crate::schema::Schema;
use crate::stats::StatsChange;
use crate::version::{Committed, Version};
use crate::StoreOptions;
use crate::{Result, StoreError};
use buffer::KeyBuffer;
use context::TxContext;
use resolve::Resolved;

/// What a committed transaction did.
#[derive(Clone, Debug, PartialEq)]
pub struct TxReport {
    /// The transaction entity id (the `T` of its datoms).
    pub tx: u64,
    /// The transaction's sequence number.
    pub t: u64,
    /// Tempids (`"alice"`, `"-1"`) and the entity ids they resolved to.
    pub tempids: BTreeMap<String, u64>,
    /// Datoms asserted (`added`) and retracted by the transaction, in order.
    pub tx_data: Vec<Datom>,
}

/// The committed state a transaction produced, for the store's caches.
pub(crate) struct Outcome {
    /// The report (its `tx_data` left empty in bulk loads).
    pub report: TxReport,
    /// Datoms the transaction asserted and retracted.
    pub datoms: u64,
    pub committed: Committed,
}

/// Runs `ops` as one transaction inside `txn`, starting from `base`, the version `txn` sees
/// (its counters, schema and statistics: nothing is reread from the meta table). `now_ms` is
/// the transaction instant unless the data sets `:db/txInstant`.
pub(crate) fn run(
    txn: &mut dyn WriteTxn,
    options: &StoreOptions,
    base: &Version,
    ops: &[TxOp],
    now_ms: i64,
) -> Result<Outcome> {
    run_deferring(txn, options, base, ops, now_ms, None)
}

/// [`run`], holding back the index keys a bulk load writes later (`deferred`, see
/// `bulk/deferred.rs`) when given.
pub(crate) fn run_deferring(
    txn: &mut dyn WriteTxn,
    options: &StoreOptions,
    base: &Version,
    ops: &[TxOp],
    now_ms: i64,
    deferred: Option<&mut Deferred>,
) -> Result<Outcome> {
    let basis_t = base.basis_t;
    let t = basis_t + 1;
    // Buffers sized for the datoms the operations will likely make (an entity map one per
    // attribute): a 100,000-datom transaction otherwise spends a tenth of its instructions
    // growing vectors (`bench people`, callgrind).
    let expected: usize = ops
        .iter()
        .map(|op| match op {
            TxOp::Map(map) => map.attrs.len(),
            _ => 1,
        })
        .sum::<usize>()
        + 1;
    let mut cx = TxContext {
        txn,
        options,
        schema: base.schema.clone(),
        stats: StatsChange::new(base.stats.clone()),
        schema_touched: false,
        // Transaction 1 (basis 0) is the bootstrap, which creates the built-in entities; no
        // other transaction ever runs at basis 0.
        writes_built_ins: basis_t == 0,
        internal: 0,
        t,
        tx: tx_entity(t),
        next_user: base.next_user,
        next_db: base.next_db,
        tempids: HashMap::default(),
        schema_tempids: HashSet::default(),
        new_entities: HashSet::default(),
        installs: Vec::new(),
        added_ea: Default::default(),
        unique_values: Default::default(),
        added_bounds: Default::default(),
        stale_extremes: Default::default(),
        buffers: std::array::from_fn(|_| KeyBuffer::with_capacity(expected, 32)),
        composites_touched: Default::default(),
        report: Vec::with_capacity(if deferred.is_some() { 0 } else { expected }),
        datoms: 0,
        key: Vec::with_capacity(64),
        targets_scratch: Vec::new(),
        deferred,
    };
    cx.new_entities.insert(cx.tx);
    let before: &Schema = &base.schema;
    let (schema_ops, data_ops) = split_schema_ops(ops);
    // Whether schema datoms were written: the changes are checked against the data at the end.
    let mut schema_changed = false;
    if !schema_ops.is_empty() {
        let resolved = cx.resolve(&schema_ops)?;
        cx.apply(&resolved)?;
        if cx.schema_touched {
            cx.reload_schema()?;
            // Type changes fail early; the checks that read data wait until the data operations
            // of this transaction are written too (they may fix what the change needs).
            cx.check_types(before)?;
            schema_changed = true;
        }
    }
    let resolved = cx.resolve(&data_ops)?;
    // Instants never go back (as in Datomic), so that the transactions up to an instant are a
    // prefix of the log: one set in the data may not be earlier than the previous
    // transaction's, and the clock's is raised to it if the clock went back.
    let previous = cx.previous_instant()?;
    let set_instant = resolved.iter().find_map(|r| match r {
        Resolved::Add(e, a, Value::Instant(ms)) if *e == cx.tx && a.id == sys::TX_INSTANT => {
            Some(*ms)
        }
        _ => None,
    });
    if let (Some(ms), Some(before)) = (set_instant, previous) {
        if ms < before {
            return Err(StoreError::InvalidTxData(format!(
                ":db/txInstant #inst \"{}\" is earlier than the previous transaction's \
                 #inst \"{}\": transaction instants never go back",
                datolite_edn::format_inst_millis(ms),
                datolite_edn::format_inst_millis(before)
            )));
        }
    }
    cx.apply(&resolved)?;
    cx.update_composites()?;
    if set_instant.is_none() {
        cx.assert_instant(now_ms.max(previous.unwrap_or(i64::MIN)))?;
    }
    if cx.schema_touched {
        cx.reload_schema()?;
        schema_changed = true;
    }
    if schema_changed {
        // The checks read the data of changed attributes (none for attributes just defined).
        if changes_existing(before, &cx.schema) {
            cx.write_held_back()?;
        }
        cx.check_schema_changes(before)?;
    }
    if options.stats {
        cx.refresh_extremes()?;
    }
    cx.write_log()?;
    let TxContext {
        txn,
        schema,
        stats,
        next_user,
        next_db,
        tempids,
        report,
        datoms,
        tx,
        ..
    } = cx;
    if options.stats {
        stats.store(txn)?;
    } else {
        meta::put_u64(txn, meta::STATS_EXACT, 0)?;
    }
    meta::put_u64(txn, meta::BASIS_T, t)?;
    meta::put_u64(txn, meta::NEXT_USER, next_user)?;
    meta::put_u64(txn, meta::NEXT_DB, next_db)?;
    let tempids = tempids
        .into_iter()
        .filter_map(|(k, v)| k.report_key().map(|k| (k, v)))
        .collect();
    Ok(Outcome {
        report: TxReport {
            tx,
            t,
            tempids,
            tx_data: report,
        },
        datoms,
        committed: Committed {
            basis_t: t,
            next_db,
            next_user,
            schema,
            stats,
        },
    })
}

impl TxContext<'_> {
    /// Rereads the schema from the write transaction and checks the tuple definitions
    /// (`schema_change.rs` checks the changes against the data).
    fn reload_schema(&mut self) -> Result<()> {
        let after = Schema::load(&*self.txn)?;
        after.check_tuple_attributes()?;
        // The schema's own datoms are never held back (a bulk load's, `bulk/deferred.rs`), but
        // when an existing attribute changes, a newly unique one must find its values in AVET.
        if changes_existing(&self.schema, &after) {
            self.write_held_back()?;
        }
        self.schema = Arc::new(after);
        self.schema_touched = false;
        Ok(())
    }
}

/// Whether an attribute of `before` is changed or gone in `after` (new attributes aside).
fn changes_existing(before: &Schema, after: &Schema) -> bool {
    before
        .attributes()
        .into_iter()
        .any(|old| after.attribute(old.id) != Some(old))
}

/// Splits operations into those defining schema (every operation on an entity that gets a
/// `:db/ident` or `:db/valueType`) and the rest, keeping order within each.
fn split_schema_ops(ops: &[TxOp]) -> (Vec<&TxOp>, Vec<&TxOp>) {
    let is_schema = |a: &str| a == "db/valueType" || a == "db/ident";
    let defines_schema = |op: &TxOp| match op {
        TxOp::Map(map) => map.attrs.iter().any(|(a, _)| is_schema(a)),
        TxOp::Add { attr, .. } => is_schema(attr),
        _ => false,
    };
    let schema_entities: Vec<&EntityRef> = ops
        .iter()
        .filter(|op| defines_schema(op))
        .filter_map(TxOp::entity)
        .collect();
    if schema_entities.is_empty() && !ops.iter().any(defines_schema) {
        return (Vec::new(), ops.iter().collect());
    }
    ops.iter().partition(|op| {
        defines_schema(op) || op.entity().is_some_and(|e| schema_entities.contains(&e))
    })
}
