//! The reading side of `import`: one thread reads the inputs — EDN, JSON lines or CSV, from
//! files or stdin, streamed — and sends their operations to the loader in batches.
//!
//! Memory is bounded by a batch and the largest single form, line or row: EDN is read form by
//! form with the stream reader, and a top-level vector of operations is entered so that its
//! elements come one at a time (the progress bar moves inside it too). An export (`datolite
//! export`) is recognised by its header and replayed one transaction per form or line.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::SyncSender;

use datolite::TxOp;
use datolite_edn::{Edn, StreamError, StreamReader};
use datolite_store::transactor::{tx_op, EntityRef, Tempid};
use std::collections::HashSet;

use super::entities::{AttrType, EntityBuilder};
use super::{Batch, Input, InputFormat, Replay};
use crate::commands::export::{EDN_HEADER_KEY, EXPORT_VERSION, JSON_HEADER_KEY};
use crate::error::{CliError, Result};

/// The receiver hung up (the load failed): stop reading.
pub struct Stop;

/// A tempid that names the same entity wherever it appears in a transaction (not the tempids
/// generated for maps without `:db/id`, which are per occurrence).
fn shared_tempid(entity: &EntityRef) -> Option<String> {
    match entity {
        EntityRef::Tempid(t @ (Tempid::Named(_) | Tempid::Numbered(_) | Tempid::Partition(..))) => {
            t.report_key()
        }
        _ => None,
    }
}

/// A tempid's hash, to remember it in 8 bytes.
fn tempid_hash(tempid: &str) -> u64 {
    use std::hash::Hasher;
    // Fixed keys: the same tempid hashes the same in every batch.
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(tempid.as_bytes());
    hasher.finish()
}

/// Sends batches of one input.
///
/// A batch is one transaction, and tempids are scoped to a transaction. So a unit — one
/// top-level form, one element of an entered vector, one JSON line or CSV row — is never split
/// (a batch closes at the first unit boundary at or past `--batch` operations), and a tempid
/// naming an entity in two batches is an error rather than two entities: the batcher remembers
/// a 64-bit hash of every such tempid of the batches it sent (about 16 bytes each).
pub struct Batcher<'a> {
    /// The input's name in messages (its path, or `stdin`).
    name: String,
    batch: usize,
    sender: &'a SyncSender<Result<Batch>>,
    /// Operations read but not sent yet.
    pending: Vec<TxOp>,
    /// Batches of this input sent so far.
    batches: u64,
    /// Operations of this input sent so far.
    ops: u64,
    /// The `--id-column` values of the rows in `pending`.
    identities: HashSet<String>,
    /// Hashes of the tempids that name an entity in `pending`, and in the batches sent.
    pending_tempids: HashSet<u64>,
    sent_tempids: HashSet<u64>,
}

impl<'a> Batcher<'a> {
    /// A batcher for the input `name`, sending every `batch` operations.
    pub fn new(name: String, batch: usize, sender: &'a SyncSender<Result<Batch>>) -> Self {
        Batcher {
            name,
            batch,
            sender,
            pending: Vec::new(),
            batches: 0,
            ops: 0,
            identities: HashSet::new(),
            pending_tempids: HashSet::new(),
            sent_tempids: HashSet::new(),
        }
    }

    /// Queues the operations of one unit (never split), sending the batch once it is full.
    fn push(&mut self, ops: Vec<TxOp>) -> Reading {
        for op in &ops {
            let Some(tempid) = op.entity().and_then(shared_tempid) else {
                continue;
            };
            let hash = tempid_hash(&tempid);
            if self.sent_tempids.contains(&hash) && !self.pending_tempids.contains(&hash) {
                return Err(CliError::msg(format!(
                    "tempid {tempid} names an entity in batch {} and again in batch {}: tempids \
                     connect the operations of one transaction only, so this would make two \
                     entities (raise --batch, or refer to the entity by a lookup ref or a unique \
                     identity)",
                    self.batches,
                    self.batches + 1
                )));
            }
            self.pending_tempids.insert(hash);
        }
        self.pending.extend(ops);
        if self.pending.len() >= self.batch {
            return Ok(self.flush());
        }
        Ok(Ok(()))
    }

    /// Queues the operations of one entity row. A row naming an entity (by its `--id-column`
    /// value) already named in the pending batch starts a new transaction: in one transaction
    /// two values of one cardinality-one attribute conflict, while rows are read as updates
    /// in order — the later one wins.
    fn push_entity(&mut self, ops: Vec<TxOp>, identity: Option<String>) -> Reading {
        if let Some(identity) = identity {
            if self.identities.contains(&identity) {
                if let Err(stop) = self.flush() {
                    return Ok(Err(stop));
                }
            }
            self.identities.insert(identity);
        }
        self.push(ops)
    }

    /// Sends what is pending as one transaction (a full batch, or the end of the input).
    fn flush(&mut self) -> std::result::Result<(), Stop> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.send(None)
    }

    /// Sends the pending operations as one transaction.
    fn send(&mut self, replay: Option<Replay>) -> std::result::Result<(), Stop> {
        let ops = std::mem::take(&mut self.pending);
        let n = ops.len();
        self.identities.clear();
        self.sent_tempids.extend(self.pending_tempids.drain());
        self.batches += 1;
        let batch = Batch {
            name: self.name.clone(),
            number: self.batches,
            first_op: self.ops + 1,
            ops,
            replay,
        };
        self.ops += n as u64;
        self.sender.send(Ok(batch)).map_err(|_| Stop)
    }

    /// Sends `ops` as one transaction of a replayed export, which must become `t`.
    fn send_transaction(
        &mut self,
        ops: Vec<TxOp>,
        replay: Replay,
    ) -> std::result::Result<(), Stop> {
        self.flush()?;
        self.pending = ops;
        self.send(Some(replay))
    }

    /// An error of this input.
    fn failure(&self, what: &str) -> CliError {
        CliError::msg(format!("import of {} failed: {what}", self.name))
    }
}

/// Reads one input in its format, sending its batches; `Ok` also when the loader hung up.
pub fn read_input(
    input: &Input,
    reader: impl Read,
    batcher: &mut Batcher<'_>,
    types: &mut EntityBuilder,
) -> Result<()> {
    let outcome = match input.format {
        InputFormat::Edn => read_edn(reader, batcher, types),
        InputFormat::Jsonl => read_jsonl(reader, batcher, types),
        InputFormat::Csv => read_csv(reader, batcher, types),
    };
    match outcome {
        Ok(Ok(())) | Ok(Err(Stop)) => Ok(()),
        Err(error) => Err(error),
    }
}

/// The outcome of reading: an error, or whether the loader went away.
type Reading = Result<std::result::Result<(), Stop>>;

/// EDN tx-data: forms of operations, one big vector entered, or an export replayed.
fn read_edn(reader: impl Read, batcher: &mut Batcher<'_>, types: &mut EntityBuilder) -> Reading {
    let mut stream = StreamReader::new(reader);
    let malformed = |batcher: &Batcher<'_>, e: StreamError| match e {
        StreamError::Io(e) => batcher.failure(&format!("cannot read: {e}")),
        StreamError::Edn(e) => batcher.failure(&format!("malformed EDN at {e}")),
    };
    let mut state = EdnState {
        first: true,
        export: None,
    };
    loop {
        // A vector that does not start with a keyword holds operations: read them one by one
        // (an export's transactions are whole forms).
        let entered = state.export.is_none()
            && stream
                .enter_seq_if(|first| first != Some(b':'))
                .map_err(|e| malformed(batcher, e))?;
        loop {
            let Some(form) = stream.next_form() else {
                if entered {
                    break;
                }
                if let Some(export) = &state.export {
                    export.finish().map_err(|e| batcher.failure(&e))?;
                }
                return Ok(batcher.flush());
            };
            let form = form.map_err(|e| malformed(batcher, e))?;
            let at = stream.pos();
            if state
                .form(&form, batcher, types)
                .map_err(|e| batcher.failure(&format!("in the form ending at {at}: {e}")))?
                .is_err()
            {
                return Ok(Err(Stop));
            }
            if !entered {
                break;
            }
        }
    }
}

/// Where an EDN input is.
struct EdnState {
    /// No form read yet (only the first may be an export's header).
    first: bool,
    /// In an export: where the replay is.
    export: Option<ExportReplay>,
}

impl EdnState {
    /// Sends the operations of one form (or, in an export, its transaction).
    fn form(
        &mut self,
        form: &Edn,
        batcher: &mut Batcher<'_>,
        types: &mut EntityBuilder,
    ) -> Reading {
        let first = std::mem::replace(&mut self.first, false);
        if is_edn_header(form) {
            if !first {
                return Err(CliError::msg(
                    "an export's header must be the first form of its file",
                ));
            }
            check_version(form.get_keyword(EDN_HEADER_KEY).and_then(Edn::as_long))
                .map_err(CliError::msg)?;
            let basis_t = form
                .get_keyword(":datolite.export/basis-t")
                .and_then(Edn::as_long);
            self.export = Some(ExportReplay::new(basis_t).map_err(CliError::msg)?);
            return Ok(Ok(()));
        }
        if let Some(export) = self.export.as_mut() {
            let t = export.next(None).map_err(CliError::msg)?;
            let ops = datolite_store::transactor::tx_ops(form)?;
            return Ok(batcher.send_transaction(ops, Replay { t }));
        }
        types.types.learn_edn(form);
        batcher.push(ops_of(form)?)
    }
}

/// Where the replay of an export is: the `t` of the last transaction sent, and the basis `t`
/// the header promised — an export cut short (a lost line or form) is an error at its end.
struct ExportReplay {
    t: u64,
    basis_t: u64,
}

impl ExportReplay {
    /// A replay of an export whose header gives `basis_t`.
    fn new(basis_t: Option<i64>) -> std::result::Result<Self, String> {
        let basis_t = basis_t
            .and_then(|t| u64::try_from(t).ok())
            .filter(|t| *t >= 1)
            .ok_or("the export's header has no basis t")?;
        // The export's first transaction follows the bootstrap (t 1).
        Ok(ExportReplay { t: 1, basis_t })
    }

    /// The `t` of the next transaction; `given` is the one the input states (JSON lines).
    fn next(&mut self, given: Option<Option<u64>>) -> std::result::Result<u64, String> {
        self.t += 1;
        match given {
            Some(Some(t)) if t == self.t => Ok(t),
            Some(other) => Err(format!(
                "expected the export's transaction t {}, found {} (is a line missing?)",
                self.t,
                other.map_or("no \"t\"".to_string(), |t| format!("t {t}"))
            )),
            None if self.t > self.basis_t => Err(format!(
                "the export has more transactions than its header's basis t {}",
                self.basis_t
            )),
            None => Ok(self.t),
        }
    }

    /// At the end of the input: every transaction up to the basis `t` was read.
    fn finish(&self) -> std::result::Result<(), String> {
        if self.t == self.basis_t {
            Ok(())
        } else {
            Err(format!(
                "the export ends at t {} but its header says basis t {}: it is incomplete",
                self.t, self.basis_t
            ))
        }
    }
}

/// Whether a form is an export's header map.
fn is_edn_header(form: &Edn) -> bool {
    matches!(form, Edn::Map(_)) && form.get_keyword(EDN_HEADER_KEY).is_some()
}

/// Refuses an export of another version.
fn check_version(version: Option<i64>) -> std::result::Result<(), String> {
    match version {
        Some(v) if v == EXPORT_VERSION as i64 => Ok(()),
        other => Err(format!(
            "this is a datolite export of format {}; this build reads format {EXPORT_VERSION}",
            other.map_or("?".to_string(), |v| v.to_string())
        )),
    }
}

/// The operations of one form: an entity map, a `[:db/add …]` form or a vector of them.
fn ops_of(form: &Edn) -> Result<Vec<TxOp>> {
    Ok(match form {
        Edn::Map(_) => vec![tx_op(form)?],
        // `[:db/add e a v]` is one operation; any other vector is a vector of operations.
        Edn::Vector(items) | Edn::List(items)
            if items
                .first()
                .is_some_and(|first| first.as_keyword().is_some()) =>
        {
            vec![tx_op(form)?]
        }
        Edn::Vector(items) | Edn::List(items) => items
            .iter()
            .map(tx_op)
            .collect::<std::result::Result<_, _>>()?,
        other => {
            return Err(CliError::msg(format!(
                "expected a vector of operations, an entity map or a [:db/add …] form, got a {}",
                other.type_name()
            )))
        }
    })
}

/// JSON lines: an object per line, each an entity; or an export's transactions.
fn read_jsonl(
    reader: impl Read,
    batcher: &mut Batcher<'_>,
    builder: &mut EntityBuilder,
) -> Reading {
    let mut lines = BufReader::new(reader);
    let mut line = String::new();
    let mut number = 0u64;
    let mut export: Option<ExportReplay> = None;
    let mut seen_object = false;
    loop {
        line.clear();
        let n = lines
            .read_line(&mut line)
            .map_err(|e| batcher.failure(&format!("line {}: cannot read: {e}", number + 1)))?;
        if n == 0 {
            if let Some(export) = &export {
                export.finish().map_err(|e| batcher.failure(&e))?;
            }
            break;
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let first = !std::mem::replace(&mut seen_object, true);
        let at = |batcher: &Batcher<'_>, column: usize, what: &str| {
            batcher.failure(&format!("line {number}, column {column}: {what}"))
        };
        let value: serde_json::Value = serde_json::from_str(line.trim_end()).map_err(|e| {
            // serde_json's message ends with its own (in-line) position: give ours instead.
            let text = e.to_string();
            let what = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(w, _)| w);
            at(
                batcher,
                e.column().max(1),
                &format!("malformed JSON: {what}"),
            )
        })?;
        let serde_json::Value::Object(object) = value else {
            return Err(at(
                batcher,
                1,
                "expected a JSON object (an entity) on each line",
            ));
        };
        if object.contains_key(JSON_HEADER_KEY) {
            if !first {
                return Err(at(
                    batcher,
                    1,
                    "an export's header must be the first line of its file",
                ));
            }
            check_version(
                object
                    .get(JSON_HEADER_KEY)
                    .and_then(serde_json::Value::as_i64),
            )
            .map_err(|e| at(batcher, 1, &e))?;
            let basis_t = object.get("basis_t").and_then(serde_json::Value::as_i64);
            export = Some(ExportReplay::new(basis_t).map_err(|e| at(batcher, 1, &e))?);
            continue;
        }
        if let Some(export) = export.as_mut() {
            let given = object.get("t").and_then(serde_json::Value::as_u64);
            let t = export.next(Some(given)).map_err(|e| at(batcher, 1, &e))?;
            let ops = export_ops(&object, builder).map_err(|e| at(batcher, 1, &e))?;
            if batcher.send_transaction(ops, Replay { t }).is_err() {
                return Ok(Err(Stop));
            }
            continue;
        }
        let entity = builder
            .json_entity(&object)
            .map_err(|e| at(batcher, 1, &e))?;
        let mut ops = Vec::new();
        for form in builder.take_declared().iter().chain([&entity]) {
            ops.push(tx_op(form).map_err(|e| at(batcher, 1, &e.to_string()))?);
        }
        let pushed = batcher.push_entity(ops, builder.identity_of(&entity));
        if pushed.map_err(|e| at(batcher, 1, &e.to_string()))?.is_err() {
            return Ok(Err(Stop));
        }
    }
    Ok(batcher.flush())
}

/// The operations of one exported transaction (`{"t", "tx_data": [[op, e, attr, value] …]}`),
/// values typed by their attributes — those the export declared so far included.
fn export_ops(
    object: &serde_json::Map<String, serde_json::Value>,
    builder: &mut EntityBuilder,
) -> std::result::Result<Vec<TxOp>, String> {
    use serde_json::Value as J;
    let Some(J::Array(tx_data)) = object.get("tx_data") else {
        return Err("expected {\"t\": …, \"tx_data\": [[\"db/add\", e, attr, value] …]}".into());
    };
    let ops: Vec<(&str, &J, &str, &J)> = tx_data
        .iter()
        .map(|op| match op.as_array().map(Vec::as_slice) {
            Some([J::String(verb), e, J::String(attr), v]) => {
                Ok((verb.as_str(), e, attr.as_str(), v))
            }
            _ => Err(format!(
                "expected [\"db/add\", e, \":attr\", value], got {op}"
            )),
        })
        .collect::<std::result::Result<_, _>>()?;
    // Attributes this transaction declares are used by it: learn them first.
    let mut declared: std::collections::HashMap<String, serde_json::Map<String, J>> =
        Default::default();
    for (_, e, attr, v) in &ops {
        if attr.starts_with(":db/") {
            declared
                .entry(e.to_string())
                .or_default()
                .insert(attr.to_string(), (*v).clone());
        }
    }
    for schema in declared.values() {
        let edn = Edn::Map(
            schema
                .iter()
                .filter_map(|(k, v)| {
                    let key = datolite_edn::Keyword::parse(k).ok()?;
                    let value = match v {
                        J::String(s) if s.starts_with(':') => {
                            Edn::Keyword(datolite_edn::Keyword::parse(s).ok()?)
                        }
                        J::Array(items) => Edn::Vector(
                            items
                                .iter()
                                .filter_map(|i| {
                                    i.as_str()
                                        .and_then(|s| datolite_edn::Keyword::parse(s).ok())
                                        .map(Edn::Keyword)
                                })
                                .collect(),
                        ),
                        _ => return None,
                    };
                    Some((Edn::Keyword(key), value))
                })
                .collect(),
        );
        builder.types.learn_edn(&edn);
    }
    // An ident given to an entity that had one is a rename: the type follows the attribute.
    for (verb, e, attr, v) in &ops {
        if let (&"db/add", &":db/ident", J::String(ident)) = (verb, attr, v) {
            let key = match e {
                J::Number(n) => format!("e{n}"),
                other => other.as_str().unwrap_or_default().to_string(),
            };
            if let Some(old) = builder.entity_idents.insert(key, ident.clone()) {
                builder.types.rename(&old, ident);
            }
        }
    }
    ops.into_iter()
        .map(|(verb, e, attr, v)| {
            let attr_type: AttrType = builder
                .types
                .get(attr)
                .cloned()
                .ok_or_else(|| format!("unknown attribute {attr}"))?;
            let e = match e {
                J::Number(n) => Edn::Long(n.as_i64().ok_or_else(|| format!("bad entity id {n}"))?),
                J::String(s) => Edn::String(s.clone()),
                other => return Err(format!("bad entity {other}")),
            };
            let v = builder
                .json_value(
                    v,
                    &AttrType {
                        many: false,
                        ..attr_type
                    },
                )
                .map_err(|m| format!("{attr}: {m}"))?;
            let form = Edn::Vector(vec![
                Edn::Keyword(
                    datolite_edn::Keyword::parse(&format!(":{verb}"))
                        .map_err(|_| format!("unknown operation {verb}"))?,
                ),
                e,
                Edn::Keyword(
                    datolite_edn::Keyword::parse(attr)
                        .map_err(|_| format!("bad attribute {attr}"))?,
                ),
                v,
            ]);
            tx_op(&form).map_err(|e| e.to_string())
        })
        .collect()
}

/// CSV: a header of attribute names, then one entity per row.
fn read_csv(reader: impl Read, batcher: &mut Batcher<'_>, builder: &mut EntityBuilder) -> Reading {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| batcher.failure(&csv_error(&e)))?
        .clone();
    if headers.is_empty() {
        return Err(batcher.failure("line 1: expected a header of attribute names"));
    }
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(batcher.failure(&csv_error(&e))),
        }
        let line = record.position().map_or(0, csv::Position::line);
        let entity = builder
            .csv_entity(headers.iter().zip(record.iter()))
            .map_err(|(column, e)| {
                batcher.failure(&format!("line {line}, column {}: {e}", column + 1))
            })?;
        let mut ops = Vec::new();
        for form in builder.take_declared().iter().chain([&entity]) {
            ops.push(tx_op(form).map_err(|e| batcher.failure(&format!("line {line}: {e}")))?);
        }
        let pushed = batcher.push_entity(ops, builder.identity_of(&entity));
        if pushed
            .map_err(|e| batcher.failure(&format!("line {line}: {e}")))?
            .is_err()
        {
            return Ok(Err(Stop));
        }
    }
    Ok(batcher.flush())
}

/// A CSV reader's error with its line.
fn csv_error(error: &csv::Error) -> String {
    match error.position() {
        Some(p) => format!("line {}: {error}", p.line()),
        None => error.to_string(),
    }
}

/// Counts the bytes read, for the progress bar.
pub struct Counted<R> {
    /// The input.
    pub inner: R,
    /// The bar to move.
    pub bar: indicatif::ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}
