//! Writing resolved datoms: the four indexes, the log, the values table and the statistics, all
//! in the transaction's single engine write.

use rustc_hash::FxHashSet as HashSet;

use datolite_kv::{Direction, KeyRange, ReadOps, Table, Visit};

use super::buffer;
use super::context::TxContext;
use super::resolve::Resolved;
use crate::bootstrap::attr as sys;
use crate::bulk::Deferred;
use crate::encoding::{
    decode_key, decode_log_key, encode_key, encode_log_key, encode_value, spill_payload, tags,
    Index, LogChunks, Prefix, Stored,
};
use crate::model::{Datom, Value, ValueRef};
use crate::schema::{Attribute, Cardinality, Schema};
use crate::stats::extreme_value;
use crate::values::materialize;
use crate::{Result, StoreError};

impl TxContext<'_> {
    /// Writes resolved operations: the datoms of attributes installed on first use, then
    /// retractions, then assertions.
    pub(super) fn apply(&mut self, resolved: &[Resolved]) -> Result<()> {
        // Attributes installed on first use come first, as their datoms did when resolution
        // wrote them itself.
        for op in resolved {
            if let Resolved::Install(e, attr, v) = op {
                self.assert_datom(*e, attr, v)?;
            }
        }
        let mut visited = HashSet::default();
        for op in resolved {
            match op {
                Resolved::RetractEntity(e) => self.retract_entity(*e, &mut visited)?,
                Resolved::Retract(e, attr, v) => self.retract_datom(*e, attr, v)?,
                Resolved::RetractAll(e, attr) => self.retract_all(*e, attr)?,
                Resolved::Add(..) | Resolved::Install(..) => {}
            }
        }
        for op in resolved {
            if let Resolved::Add(e, attr, v) = op {
                self.assert_datom(*e, attr, v)?;
            }
        }
        self.flush()
    }

    /// Asserts the transaction's `:db/txInstant` (when the data does not set it).
    pub(super) fn assert_instant(&mut self, now_ms: i64) -> Result<()> {
        let instant = self
            .schema
            .attribute(sys::TX_INSTANT)
            .cloned()
            .ok_or_else(|| StoreError::Corrupt("no :db/txInstant".into()))?;
        self.assert_datom(self.tx, &instant, &Value::Instant(now_ms))?;
        self.flush()
    }

    /// The `:db/txInstant` of the transaction before this one (none before the bootstrap).
    pub(super) fn previous_instant(&self) -> Result<Option<i64>> {
        let Some(previous) = self.t.checked_sub(1).filter(|t| *t > 0) else {
            return Ok(None);
        };
        let mut prefix = crate::model::tx_entity(previous).to_be_bytes().to_vec();
        prefix.extend_from_slice(&sys::TX_INSTANT.to_be_bytes());
        let Some(key) = self.first_key(Table::Eavt, &prefix)? else {
            return Ok(None);
        };
        let raw = decode_key(Index::Eavt, &key)?;
        match materialize(raw.v, self.read())? {
            ValueRef::Instant(ms) => Ok(Some(ms)),
            _ => Err(StoreError::Corrupt(
                "a :db/txInstant that is no instant".into(),
            )),
        }
    }

    fn read(&self) -> &dyn ReadOps {
        &*self.txn
    }

    /// Encodes `value`, storing its payload in the `values` table when it is too long to stay in
    /// the key.
    fn encode(&mut self, value: &Value) -> Result<Vec<u8>> {
        let mut venc = Vec::with_capacity(16);
        if encode_value(
            &value.as_ref(),
            self.options.inline_value_threshold,
            &mut venc,
        ) == Stored::Spilled
        {
            let value_ref = value.as_ref();
            let payload = spill_payload(&value_ref);
            match self.txn.get(Table::Values, &venc)? {
                Some(existing) if *existing == payload[..] => {}
                Some(_) => {
                    return Err(StoreError::Corrupt(
                        "two different long values share a prefix and a 64-bit hash; the value cannot be stored".into(),
                    ))
                }
                None => self.txn.put(Table::Values, &venc, &payload)?,
            }
        }
        Ok(venc)
    }

    fn first_key(&self, table: Table, prefix: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .read()
            .first(table, &KeyRange::prefix(prefix), Direction::Forward)?
            .map(|(k, _)| k))
    }

    fn keys_with_prefix(&self, table: Table, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        self.read().scan(
            table,
            &KeyRange::prefix(prefix),
            Direction::Forward,
            &mut |k, _| {
                keys.push(k.to_vec());
                Visit::Continue
            },
        )?;
        Ok(keys)
    }

    /// Asserts `[e attr value]`: a no-op when present; replaces the old value of a
    /// cardinality-one attribute. The index keys are buffered until [`TxContext::flush`].
    pub fn assert_datom(&mut self, e: u64, attr: &Attribute, value: &Value) -> Result<()> {
        let a = attr.id;
        let venc = self.encode(value)?;
        let is_new_entity = self.new_entities.contains(&e);
        let had_ea = if attr.cardinality == Cardinality::One {
            if !is_new_entity {
                let ea = Prefix::new().id(e).attr(a).into_bytes();
                if let Some(key) = self.first_key(Table::Eavt, &ea)? {
                    let old = decode_key(Index::Eavt, &key)?;
                    if old.v == venc.as_slice() {
                        return Ok(());
                    }
                    let (old_v, old_tx) = (old.v.to_vec(), old.tx);
                    self.remove(e, attr, &old_v, old_tx)?;
                }
            }
            // Resolution leaves at most one assertion per entity and cardinality-one attribute.
            false
        } else if is_new_entity {
            self.added_ea.contains(&(e, a))
        } else {
            let eav = Prefix::new().id(e).attr(a).value(&venc).into_bytes();
            if self.first_key(Table::Eavt, &eav)?.is_some() {
                return Ok(());
            }
            let ea = Prefix::new().id(e).attr(a).into_bytes();
            self.added_ea.contains(&(e, a)) || self.first_key(Table::Eavt, &ea)?.is_some()
        };
        self.added_ea.insert((e, a));
        if attr.unique.is_some() {
            self.check_unique(e, attr, value, &venc)?;
        }
        self.buffer_keys(e, attr, &venc);
        if self.options.stats {
            let row = self.stats.row(a);
            row.count += 1;
            row.distinct_entities += u64::from(!had_ea);
            *self.stats.datoms_mut() += 1;
            let bounds = self
                .added_bounds
                .entry(a)
                .or_insert_with(|| (venc.clone(), venc.clone()));
            if venc < bounds.0 {
                bounds.0 = venc.clone();
            }
            if venc > bounds.1 {
                bounds.1 = venc;
            }
        }
        self.note(e, attr, value.clone(), true);
        Ok(())
    }

    /// A unique value may belong to one entity: in the committed state (after this
    /// transaction's retractions) and among this transaction's assertions.
    fn check_unique(&mut self, e: u64, attr: &Attribute, value: &Value, venc: &[u8]) -> Result<()> {
        let av = Prefix::new().attr(attr.id).value(venc).into_bytes();
        let committed = match self.first_key(Table::Avet, &av)? {
            Some(key) => Some(decode_key(Index::Avet, &key)?.e),
            None => self.deferred_holder(&av),
        };
        let holder = committed.or_else(|| self.unique_values.get(&av).copied());
        match holder {
            Some(holder) if holder != e => Err(StoreError::UniqueViolation {
                attribute: attr.ident.clone(),
                value: value.to_string(),
                existing: holder,
                entity: e,
            }),
            _ => {
                self.unique_values.insert(av, e);
                Ok(())
            }
        }
    }

    /// Buffers the keys of an assertion in every index and the log.
    fn buffer_keys(&mut self, e: u64, attr: &Attribute, venc: &[u8]) {
        let indexes = attr.indexes();
        for &index in indexes {
            self.buffers[buffer::slot(index)]
                .push_with(|out| encode_key(index, e, attr.id, venc, self.tx, out));
        }
        self.buffers[buffer::LOG]
            .push_with(|out| encode_log_key(self.tx, true, e, attr.id, venc, out));
        if Schema::is_schema_attribute(attr.id) {
            self.schema_touched = true;
        }
    }

    /// Writes the buffered assertions in key order and completes their statistics: distinct
    /// values are counted here, once per new `(attribute, value)` run of the sorted AVET keys.
    pub fn flush(&mut self) -> Result<()> {
        let mut buffers = std::mem::take(&mut self.buffers);
        if let Some(deferred) = self.deferred.as_deref_mut() {
            buffer::hold_back(&mut buffers, deferred)?;
            for (av, e) in &self.unique_values {
                let a = u32::from_be_bytes([av[0], av[1], av[2], av[3]]);
                if Deferred::holds_back(a) {
                    deferred.note_unique(av, *e);
                }
            }
        }
        let stats_on = self.options.stats;
        // The log's entries wait for the end of the transaction (`write_log`).
        for (slot, table) in buffer::BUFFERED.into_iter().enumerate() {
            if slot == buffer::LOG {
                continue;
            }
            if buffers[slot].len() == 0 {
                continue;
            }
            let order = buffers[slot].sorted();
            // The table's last key before this batch, read once: keys after it are appended,
            // and AVET values after it are new without looking.
            let last = buffer::last_key(&*self.txn, table)?;
            if slot == buffer::slot(Index::Avet) && stats_on {
                for a in new_values(&*self.txn, &buffers[slot], &order, last.as_deref())? {
                    self.stats.row(a).distinct_values += 1;
                }
            }
            buffers[slot].write_sorted(&mut *self.txn, table, order, last.as_deref())?;
            buffers[slot].clear();
        }
        self.buffers = buffers;
        for (a, (min, max)) in std::mem::take(&mut self.added_bounds) {
            let row = self.stats.row(a);
            if row.min.as_deref().is_none_or(|m| min.as_slice() < m) {
                row.min = Some(min);
            }
            if row.max.as_deref().is_none_or(|m| max.as_slice() > m) {
                row.max = Some(max);
            }
        }
        self.unique_values.clear();
        if self.deferred.as_ref().is_some_and(|d| d.unique_full()) {
            self.write_held_back()?;
        }
        Ok(())
    }

    /// Writes the transaction's log: its assertions and retractions, sorted (retractions first,
    /// then by entity, attribute and value), packed into chunks (`encoding/log.rs`).
    pub(super) fn write_log(&mut self) -> Result<()> {
        let entries = std::mem::take(&mut self.buffers[buffer::LOG]);
        let mut chunks = LogChunks::new(self.tx);
        let txn = &mut *self.txn;
        let mut emit = |key: &[u8], value: &[u8]| txn.put_sorted(Table::Log, key, value);
        // Every entry starts with this transaction's id: sort on what follows it.
        for i in entries.sorted_sharing(8) {
            let (raw, added) = decode_log_key(entries.key(i as usize))?;
            chunks.push(added, raw.e, raw.a, raw.v, &mut emit)?;
        }
        chunks.finish(&mut emit)?;
        Ok(())
    }

    /// The entity holding unique value `av` (an AVET prefix) among a bulk load's held-back
    /// keys.
    pub(super) fn deferred_holder(&self, av: &[u8]) -> Option<u64> {
        self.deferred.as_deref().and_then(|d| d.unique_holder(av))
    }

    /// Deletes the keys of `[e a v key_tx]` from every index, keeps them in the history tables
    /// with this transaction as the retracting one, and logs the retraction.
    ///
    /// History is skipped for `:db/noHistory` attributes, and for a datom this very transaction
    /// asserted (composite tuples rewritten twice): it was never visible at any t.
    fn delete_keys(&mut self, e: u64, attr: &Attribute, venc: &[u8], key_tx: u64) -> Result<()> {
        let mut key = std::mem::take(&mut self.key);
        let indexes = attr.indexes();
        let keep_history = !attr.no_history && key_tx != self.tx;
        let retracting_tx = self.tx.to_be_bytes();
        for &index in indexes {
            key.clear();
            encode_key(index, e, attr.id, venc, key_tx, &mut key);
            self.txn.delete(index.table(), &key)?;
            if keep_history {
                self.txn.put(index.history_table(), &key, &retracting_tx)?;
            }
        }
        self.buffers[buffer::LOG]
            .push_with(|out| encode_log_key(self.tx, false, e, attr.id, venc, out));
        self.key = key;
        if Schema::is_schema_attribute(attr.id) {
            self.schema_touched = true;
        }
        Ok(())
    }

    /// Removes the current datom `[e a venc old_tx]` (a retraction by this transaction).
    fn remove(&mut self, e: u64, attr: &Attribute, venc: &[u8], old_tx: u64) -> Result<()> {
        // The keys to delete and the statistics' probes must all be in the tables.
        self.write_held_back()?;
        let value = materialize(venc, self.read())?.to_owned();
        self.delete_keys(e, attr, venc, old_tx)?;
        if self.options.stats {
            let a = attr.id;
            let ea = Prefix::new().id(e).attr(a).into_bytes();
            let av = Prefix::new().attr(a).value(venc).into_bytes();
            let entity_left = self.first_key(Table::Eavt, &ea)?.is_some();
            let value_left = self.first_key(Table::Avet, &av)?.is_some();
            let row = self.stats.row(a);
            let was_min = row.min.as_deref() == Some(venc);
            let was_max = row.max.as_deref() == Some(venc);
            row.count = row.count.saturating_sub(1);
            row.distinct_entities -= u64::from(!entity_left && row.distinct_entities > 0);
            row.distinct_values -= u64::from(!value_left && row.distinct_values > 0);
            if !value_left && (was_min || was_max) {
                self.stale_extremes.insert(a);
            }
            if self.stats.get(a).is_some_and(|row| row.count == 0) {
                self.stats.remove(a);
            }
            let datoms = self.stats.datoms_mut();
            *datoms = datoms.saturating_sub(1);
        }
        self.note(e, attr, value, false);
        Ok(())
    }

    /// Recomputes the bounds of the attributes whose smallest or largest value this
    /// transaction retracted, from the tables as it leaves them: its assertions written, held
    /// back ones included. One scan from each edge per attribute and transaction.
    pub(super) fn refresh_extremes(&mut self) -> Result<()> {
        if self.stale_extremes.is_empty() {
            return Ok(());
        }
        self.flush()?;
        self.write_held_back()?;
        for a in std::mem::take(&mut self.stale_extremes) {
            if self.stats.get(a).is_none() {
                continue; // every datom of the attribute is gone
            }
            let min = extreme_value(&*self.txn, a, Direction::Forward)?;
            let max = extreme_value(&*self.txn, a, Direction::Reverse)?;
            let row = self.stats.row(a);
            row.min = min;
            row.max = max;
        }
        Ok(())
    }

    fn note(&mut self, e: u64, attr: &Attribute, v: Value, added: bool) {
        for &composite in self.schema.composites_of(attr.id) {
            self.composites_touched.insert((e, composite));
        }
        self.datoms += 1;
        // A bulk load reports counts only: copying every value into a report it drops costs
        // an allocation per string.
        if self.deferred.is_some() {
            return;
        }
        self.report.push(Datom {
            e,
            a: u64::from(attr.id),
            v,
            tx: self.tx,
            added,
        });
    }

    /// Retracts `[e attr value]` if present.
    pub fn retract_datom(&mut self, e: u64, attr: &Attribute, value: &Value) -> Result<()> {
        let venc = self.encode(value)?;
        let eav = Prefix::new().id(e).attr(attr.id).value(&venc).into_bytes();
        if let Some(key) = self.first_key(Table::Eavt, &eav)? {
            let old_tx = decode_key(Index::Eavt, &key)?.tx;
            self.remove(e, attr, &venc, old_tx)?;
        }
        Ok(())
    }

    /// Retracts every value of `attr` of `e`.
    pub fn retract_all(&mut self, e: u64, attr: &Attribute) -> Result<()> {
        let ea = Prefix::new().id(e).attr(attr.id).into_bytes();
        for key in self.keys_with_prefix(Table::Eavt, &ea)? {
            let raw = decode_key(Index::Eavt, &key)?;
            let (venc, old_tx) = (raw.v.to_vec(), raw.tx);
            self.remove(e, attr, &venc, old_tx)?;
        }
        Ok(())
    }

    /// Retracts every datom of `e`, every reference to it, and its component entities.
    pub fn retract_entity(&mut self, e: u64, visited: &mut HashSet<u64>) -> Result<()> {
        if !visited.insert(e) {
            return Ok(());
        }
        // References to `e` are found in VAET, which a bulk load holds back.
        self.write_held_back()?;
        let mut components = Vec::new();
        for key in self.keys_with_prefix(Table::Eavt, &Prefix::new().id(e).into_bytes())? {
            let raw = decode_key(Index::Eavt, &key)?;
            let attr = self.attribute_by_id(raw.a)?;
            if attr.is_component {
                if let ValueRef::Ref(child) = materialize(raw.v, self.read())? {
                    components.push(child);
                }
            }
            let (venc, old_tx) = (raw.v.to_vec(), raw.tx);
            self.remove(e, &attr, &venc, old_tx)?;
        }
        let mut target = vec![tags::REF];
        target.extend_from_slice(&e.to_be_bytes());
        for key in self.keys_with_prefix(Table::Vaet, &target)? {
            let raw = decode_key(Index::Vaet, &key)?;
            let attr = self.attribute_by_id(raw.a)?;
            let (source, venc, old_tx) = (raw.e, raw.v.to_vec(), raw.tx);
            self.remove(source, &attr, &venc, old_tx)?;
        }
        for child in components {
            // Built-in entities cannot be components (refused on assertion); data written
            // before that rule must still not take one down with its owner.
            self.check_writable(child)?;
            self.retract_entity(child, visited)?;
        }
        Ok(())
    }

    fn attribute_by_id(&self, id: u32) -> Result<std::sync::Arc<Attribute>> {
        self.schema.attribute(id).cloned().ok_or_else(|| {
            StoreError::Corrupt(format!(
                "datom with attribute {id} that is not in the schema"
            ))
        })
    }
}

/// The attribute of every (attribute, value) run of the AVET keys `buffer` holds (in `order`,
/// ascending) that the index does not hold yet: a new distinct value. A run sorting after
/// `last`, the index's last key, is new without looking; the others are looked up by one forward cursor
/// seeking from run to run, not a search each — on the PostgreSQL engine a seek inside the
/// page in hand costs no round trip, so a large transaction asks once per page, not per value.
fn new_values(
    txn: &dyn ReadOps,
    buffer: &buffer::KeyBuffer,
    order: &[u32],
    last: Option<&[u8]>,
) -> Result<Vec<u32>> {
    let mut cursor = txn.cursor(Table::Avet, KeyRange::all(), Direction::Forward)?;
    let mut previous_run: Option<&[u8]> = None;
    let mut new = Vec::new();
    for &i in order {
        let key = buffer.key(i as usize);
        // AVET keys end with `[E u64][T u64]`: what precedes is the attribute and value.
        let run = &key[..key.len() - 16];
        if previous_run == Some(run) {
            continue;
        }
        previous_run = Some(run);
        let stored = match last {
            Some(last) if run <= last => cursor
                .seek(run)?
                .is_some_and(|(found, _)| found.starts_with(run)),
            _ => false,
        };
        if !stored {
            new.push(u32::from_be_bytes([run[0], run[1], run[2], run[3]]));
        }
    }
    Ok(new)
}
