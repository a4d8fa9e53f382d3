//! `datolite --db DIR export [--format edn|jsonl] [--no-instants] [FILE|-]`: the whole database
//! as transaction data that `import` replays into an identical database.
//!
//! The export is the log replayed: a header, then every transaction after the bootstrap, in
//! order, as one top-level form (EDN: a vector of `[:db/add …]`/`[:db/retract …]`; JSON lines:
//! one object per line). Replaying the log reproduces everything a database is — schema before
//! the data that uses it (it was transacted first), retractions and so history and `as-of`, and
//! with the transaction instants (kept unless `--no-instants`) the same `t`s and instants.
//!
//! **Ids.** An entity created by a transaction is written as the tempid `"e<id>"`; existing
//! entities by id. Entity ids are dense counters (`docs/design.md` §4.4) and a transaction
//! allocates fresh ids in the order its tempids first appear, so each transaction opens with one
//! assertion per new entity in ascending id order: replayed into an empty database, every tempid
//! gets back its old id — `import` checks that and refuses to go on otherwise, so a divergence
//! is an error, never a database with different ids. Attributes are written by the ident they
//! had at that point of the log (renames replay as they happened). Composite tuples are left out:
//! the transactor recomputes them.
//!
//! Writing to FILE goes to a temporary file renamed at the end: an error leaves no half export.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use datolite::{Db, TimePoint, TxEntry, Value};
use datolite_store::bootstrap::{attr, FIRST_USER_COUNTER, FIRST_USER_SCHEMA_ID};
use datolite_store::model::{entity_in, PART_TX, PART_USER};
use datolite_store::TupleType;
use serde_json::json;

use crate::commands::{open_database, Create};
use crate::error::{CliError, Context, Result};
use crate::output;

/// The export format version, in the header; `import` refuses another.
pub const EXPORT_VERSION: u64 = 1;

/// The header key of an EDN export (a top-level map holding it starts the file).
pub const EDN_HEADER_KEY: &str = ":datolite.export/format";

/// The header key of a JSON-lines export.
pub const JSON_HEADER_KEY: &str = "datolite_export";

/// How an export is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// A header map, then one vector of operations per transaction.
    Edn,
    /// A header object, then one `{"t", "tx_data"}` object per transaction, one per line.
    Jsonl,
}

/// Arguments of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write; `-` (the default) is stdout.
    #[arg(value_name = "FILE", default_value = "-")]
    out: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value = "edn")]
    format: ExportFormat,

    /// Leave out the transactions' instants: an import then stamps them with its own time.
    #[arg(long)]
    no_instants: bool,
}

/// One operation of an exported transaction.
struct Op {
    added: bool,
    e: Target,
    /// The attribute's ident with its colon.
    attr: String,
    v: OpValue,
}

/// An entity position: a tempid (`"e<id>"`, `"datomic.tx"`) or an existing id.
enum Target {
    Tempid(String),
    Id(u64),
}

/// A value: a tempid for a reference to a new entity, else the value itself.
enum OpValue {
    Tempid(String),
    /// A built-in ident (`:db.type/long`), for schema readable by people.
    Ident(String),
    Value(Value),
}

/// Runs `export`.
pub fn run(db_path: Option<&Path>, args: ExportArgs) -> Result<()> {
    let database = open_database(db_path, Create::Never)?;
    let db = database.db()?;
    if args.out.as_os_str() == "-" {
        let mut out = output::stdout();
        write_export(&db, &args, &mut out)?;
        out.flush()?;
        return Ok(());
    }
    let target = &args.out;
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(&dir)
        .context(|| format!("cannot write in {}", dir.display()))?;
    {
        let mut out = std::io::BufWriter::new(temp.as_file_mut());
        write_export(&db, &args, &mut out)?;
        out.flush()
            .context(|| format!("cannot write {}", target.display()))?;
    }
    temp.persist(target)
        .map_err(|e| CliError::msg(format!("cannot write {}: {}", target.display(), e.error)))?;
    Ok(())
}

/// Writes the header and every transaction after the bootstrap.
fn write_export(db: &Db, args: &ExportArgs, out: &mut impl Write) -> Result<()> {
    let instants = !args.no_instants;
    match args.format {
        ExportFormat::Edn => writeln!(
            out,
            "{{{EDN_HEADER_KEY} {EXPORT_VERSION} :datolite.export/basis-t {} :datolite.export/instants {instants}}}",
            db.basis_t()
        )?,
        ExportFormat::Jsonl => writeln!(
            out,
            "{}",
            json!({ JSON_HEADER_KEY: EXPORT_VERSION, "basis_t": db.basis_t(), "instants": instants })
        )?,
    }
    let mut replay = Replay::new(db);
    let mut failure: Option<CliError> = None;
    db.for_each_tx(Some(TimePoint::T(2)), None, |entry| {
        let written = replay
            .ops(&entry, instants)
            .and_then(|ops| match args.format {
                ExportFormat::Edn => write_edn(out, &ops),
                ExportFormat::Jsonl => write_jsonl(out, entry.t, &ops),
            });
        match written {
            Ok(()) => true,
            Err(error) => {
                failure = Some(error);
                false
            }
        }
    })?;
    failure.map_or(Ok(()), Err)
}

/// What the export knows of the log up to the transaction it writes.
struct Replay<'a> {
    db: &'a Db,
    /// Attribute id → its ident (with colon) at this point of the log.
    idents: HashMap<u64, String>,
    /// The next id each partition would allocate: ids at or above it are new.
    next_db: u64,
    next_user: u64,
}

/// The first user-partition id (`docs/design.md` §4.4).
const FIRST_USER_ID: u64 = entity_in(PART_USER, FIRST_USER_COUNTER);
/// The first schema-partition id for user schema.
const FIRST_DB_ID: u64 = FIRST_USER_SCHEMA_ID;
/// The tx partition's base: ids from here up are transactions.
const TX_PARTITION: u64 = entity_in(PART_TX, 0);
/// `:db/ident`'s id.
const DB_IDENT: u64 = attr::IDENT as u64;

impl<'a> Replay<'a> {
    fn new(db: &'a Db) -> Self {
        // The built-in attributes and idents (ids below 100) never change.
        let idents = (0..FIRST_DB_ID)
            .filter_map(|id| db.schema().ident_of(id).map(|i| (id, format!(":{i}"))))
            .collect();
        Replay {
            db,
            idents,
            next_db: FIRST_DB_ID,
            next_user: FIRST_USER_ID,
        }
    }

    /// Whether `id` is created by the transaction being written.
    fn is_new(&self, id: u64) -> bool {
        if id >= FIRST_USER_ID {
            id >= self.next_user
        } else {
            (FIRST_DB_ID..TX_PARTITION).contains(&id) && id >= self.next_db
        }
    }

    /// The operations of one transaction, new entities introduced in id order.
    fn ops(&mut self, entry: &TxEntry, instants: bool) -> Result<Vec<Op>> {
        // Idents change before the transaction's other operations are resolved.
        for d in entry.datoms.iter().filter(|d| d.a == DB_IDENT) {
            if let Value::Keyword(k) = &d.v {
                if d.added {
                    self.idents.insert(d.e, format!(":{k}"));
                } else if self.idents.get(&d.e).is_some_and(|i| i[1..] == **k) {
                    self.idents.remove(&d.e);
                }
            }
        }
        // Each kept datom as an operation, with the new entities it names (subject, value).
        let mut rows: Vec<Row> = Vec::with_capacity(entry.datoms.len());
        for d in &entry.datoms {
            if self.is_composite(d.a) || (d.e == entry.tx && d.a == TX_INSTANT) {
                continue;
            }
            let value_new = match (&d.v, self.value(&d.v, d.a, entry.tx)) {
                (Value::Ref(id), OpValue::Tempid(_)) if *id != entry.tx => Some(*id),
                _ => None,
            };
            rows.push(Row {
                e: d.e,
                value_new,
                op: Some(Op {
                    added: d.added,
                    e: self.target(d.e, entry.tx),
                    attr: self.ident(d.a),
                    v: self.value(&d.v, d.a, entry.tx),
                }),
            });
        }
        let order = opening_order(&rows, |id| self.is_new(id)).map_err(|what| {
            CliError::msg(format!("cannot export transaction t {}: {what}", entry.t))
        })?;
        let mut ops: Vec<Op> = order.iter().filter_map(|&i| rows[i].op.take()).collect();
        let introduced: Vec<u64> = order.iter().map(|&i| rows[i].e).collect();
        ops.extend(rows.iter_mut().filter_map(|row| row.op.take()));
        if instants {
            ops.push(Op {
                added: true,
                e: Target::Tempid("datomic.tx".into()),
                attr: ":db/txInstant".into(),
                v: OpValue::Value(Value::Instant(entry.instant)),
            });
        }
        for id in introduced
            .into_iter()
            .chain(rows.iter().filter_map(|r| r.value_new))
        {
            if id >= FIRST_USER_ID {
                self.next_user = self.next_user.max(id + 1);
            } else {
                self.next_db = self.next_db.max(id + 1);
            }
        }
        Ok(ops)
    }

    fn is_composite(&self, a: u64) -> bool {
        u32::try_from(a)
            .ok()
            .and_then(|id| self.db.schema().attribute(id))
            .is_some_and(|attr| matches!(attr.tuple, Some(TupleType::Composite(_))))
    }

    fn ident(&self, a: u64) -> String {
        self.idents
            .get(&a)
            .cloned()
            .unwrap_or_else(|| a.to_string())
    }

    fn target(&self, e: u64, tx: u64) -> Target {
        if e == tx {
            Target::Tempid("datomic.tx".into())
        } else if self.is_new(e) {
            Target::Tempid(format!("e{e}"))
        } else {
            Target::Id(e)
        }
    }

    fn value(&self, v: &Value, a: u64, tx: u64) -> OpValue {
        let Value::Ref(id) = v else {
            return OpValue::Value(v.clone());
        };
        let is_ref_attr = u32::try_from(a)
            .ok()
            .and_then(|a| self.db.schema().attribute(a))
            .is_some_and(|attr| attr.is_ref());
        if !is_ref_attr {
            return OpValue::Value(v.clone());
        }
        if *id == tx {
            OpValue::Tempid("datomic.tx".into())
        } else if self.is_new(*id) {
            OpValue::Tempid(format!("e{id}"))
        } else if *id < FIRST_DB_ID {
            self.idents
                .get(id)
                .map_or(OpValue::Value(v.clone()), |i| OpValue::Ident(i.clone()))
        } else {
            OpValue::Value(v.clone())
        }
    }
}

/// A datom of a transaction being exported: its subject, the new entity its value names (a
/// reference to an entity the transaction creates), and its operation until written.
struct Row {
    e: u64,
    value_new: Option<u64>,
    op: Option<Op>,
}

/// The rows that open the transaction, in order, such that the new entities first appear in
/// ascending id order within each partition — the order a replay allocates them in (the
/// transactor numbers tempids by first appearance, subject before value). For each new id, the
/// opener is one of its assertions whose value names no later new entity; failing that, one
/// naming just the next new entity of its partition, or an assertion about an entity already
/// there whose value is it. The result is checked by simulating the replay's first appearances:
/// an order that would not give the ids back is an error, never a file that replays wrong.
fn opening_order(
    rows: &[Row],
    is_new: impl Fn(u64) -> bool,
) -> std::result::Result<Vec<usize>, String> {
    let mut new_ids: Vec<u64> = rows
        .iter()
        .filter(|r| r.op.as_ref().is_some_and(|op| op.added) && is_new(r.e))
        .map(|r| r.e)
        .chain(rows.iter().filter_map(|r| r.value_new))
        .collect();
    new_ids.sort_unstable();
    new_ids.dedup();
    let partition = |id: u64| id >= FIRST_USER_ID;
    let mut introduced: HashSet<u64> = HashSet::new();
    // A value may introduce `m` right after `n` when every new id of m's partition below m is
    // there already (or is `n`).
    let fits = |m: u64, n: u64, introduced: &HashSet<u64>| {
        new_ids
            .iter()
            .filter(|&&p| partition(p) == partition(m) && p < m)
            .all(|p| *p == n || introduced.contains(p))
    };
    let added = |r: &Row| r.op.as_ref().is_some_and(|op| op.added);
    // The assertions about each entity, and those whose value is each new entity.
    let mut by_subject: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut by_value: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| added(r)) {
        by_subject.entry(r.e).or_default().push(i);
        if let Some(m) = r.value_new {
            by_value.entry(m).or_default().push(i);
        }
    }
    let none = Vec::new();
    let mut order = Vec::new();
    for &n in &new_ids {
        if introduced.contains(&n) {
            continue;
        }
        let own = by_subject.get(&n).unwrap_or(&none);
        let plain = own.iter().copied().find(|&i| {
            rows[i]
                .value_new
                .is_none_or(|m| introduced.contains(&m) || m == n)
        });
        let with_next = || {
            own.iter()
                .copied()
                .find(|&i| rows[i].value_new.is_some_and(|m| fits(m, n, &introduced)))
        };
        let as_value = || {
            by_value
                .get(&n)
                .unwrap_or(&none)
                .iter()
                .copied()
                .find(|&i| {
                    let e = rows[i].e;
                    !is_new(e) || introduced.contains(&e)
                })
        };
        let Some(i) = plain.or_else(with_next).or_else(as_value) else {
            return Err(format!("no assertion introduces the new entity {n}"));
        };
        introduced.insert(rows[i].e);
        introduced.extend(rows[i].value_new);
        introduced.insert(n);
        order.push(i);
    }
    // The check: first appearances in the order the file will have them.
    let mut seen: HashSet<u64> = HashSet::new();
    let mut last: [Option<u64>; 2] = [None, None];
    let mut opens = vec![false; rows.len()];
    order.iter().for_each(|&i| opens[i] = true);
    let rest = (0..rows.len()).filter(|&i| !opens[i]);
    for i in order.iter().copied().chain(rest) {
        let r = &rows[i];
        if !added(r) {
            continue;
        }
        for id in [Some(r.e).filter(|e| is_new(*e)), r.value_new]
            .into_iter()
            .flatten()
        {
            if seen.insert(id) {
                let slot = &mut last[usize::from(partition(id))];
                if slot.is_some_and(|prev| prev > id) {
                    return Err(format!(
                        "its new entities cannot be ordered so that a replay gives {id} back"
                    ));
                }
                *slot = Some(id);
            }
        }
    }
    Ok(order)
}

/// `:db/txInstant`'s id.
const TX_INSTANT: u64 = attr::TX_INSTANT as u64;

/// One transaction as an EDN vector, one operation per line.
fn write_edn(out: &mut impl Write, ops: &[Op]) -> Result<()> {
    out.write_all(b"[")?;
    for (i, op) in ops.iter().enumerate() {
        if i > 0 {
            out.write_all(b"\n ")?;
        }
        let verb = if op.added { ":db/add" } else { ":db/retract" };
        let e = match &op.e {
            Target::Tempid(t) => edn_string(t),
            Target::Id(id) => id.to_string(),
        };
        let v = match &op.v {
            OpValue::Tempid(t) => edn_string(t),
            OpValue::Ident(i) => i.clone(),
            OpValue::Value(v) => v.to_string(),
        };
        write!(out, "[{verb} {e} {} {v}]", op.attr)?;
    }
    out.write_all(b"]\n")?;
    Ok(())
}

/// A string as EDN.
fn edn_string(s: &str) -> String {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = datolite_edn::write_string(&mut text, s);
    text
}

/// One transaction as a JSON object on one line: values as `docs/design.md` §9.3, except big
/// numbers as strings (JSON readers round them) and tempids as strings; `import` types them by
/// their attribute.
fn write_jsonl(out: &mut impl Write, t: u64, ops: &[Op]) -> Result<()> {
    // Written as text: values keep every digit (a `serde_json::Value` would round them).
    write!(out, "{{\"t\":{t},\"tx_data\":[")?;
    for (i, op) in ops.iter().enumerate() {
        let verb = if op.added { "db/add" } else { "db/retract" };
        let e = match &op.e {
            Target::Tempid(t) => json!(t).to_string(),
            Target::Id(id) => id.to_string(),
        };
        let v = match &op.v {
            OpValue::Tempid(t) | OpValue::Ident(t) => json!(t).to_string(),
            OpValue::Value(v) => jsonl_value(v),
        };
        let comma = if i > 0 { "," } else { "" };
        write!(out, "{comma}[\"{verb}\",{e},{},{v}]", json!(op.attr))?;
    }
    writeln!(out, "]}}")?;
    Ok(())
}

/// A value as JSON text for a JSON-lines export: `docs/design.md` §9.3, except big integers and
/// decimals as strings of their digits (JSON readers hold numbers as doubles), inside tuples too.
fn jsonl_value(v: &Value) -> String {
    match v {
        Value::BigInt(_) | Value::BigDec(_) => {
            let text = v.to_string();
            json!(text.trim_end_matches(['N', 'M'])).to_string()
        }
        Value::Tuple(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| {
                    item.as_ref()
                        .map_or_else(|| "null".to_string(), jsonl_value)
                })
                .collect();
            format!("[{}]", items.join(","))
        }
        other => datolite::value_json(other),
    }
}
