//! Data pattern steps: index nested-loop lookups, or one scan joined by hashing or merging.
//!
//! The node's join ([`Join`]) says how: a *lookup* per input row ([`crate::exec::lookup`])
//! binds what the row and the constants fix into the planned index prefix and scans it on the
//! query's one snapshot; a *scan* reads the pattern once with only its constants and joins it
//! to the input — by merging when both sides come in entity order (star patterns on one
//! entity), else through a hash table on the planned key; an adaptive join is lookups below
//! the planned input size and the scan from it. A pattern sharing no variable with its one
//! input row (the usual first step) writes each datom's cells straight out. Every candidate datom is
//! checked against whatever the index prefix did not already fix, with the naive evaluator's
//! unification ([`Val::same`], [`constant_matches`]).

use crate::ast::{Clause, Constant, Pattern, Var};
use crate::error::{QueryError, Result};
use crate::exec::hash_index::HashIndex;
use crate::exec::lookup::Candidate;
use crate::exec::pipeline::Sink;
use crate::exec::rel::Rel;
use crate::exec::slots::{compile, Compiled, Slot};
use crate::exec::val::Val;
use crate::exec::Exec;
use crate::plan::{Access, Component, Join, Node, PatternOp, ScanJoin};
use crate::rows::constant_matches;

/// How a pattern ran (for `explain --analyze`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// One index lookup per input row.
    Lookups,
    /// One scan, hash-joined to the input rows.
    HashJoin,
    /// One scan in entity order, merged with input rows sorted by the entity.
    MergeJoin,
    /// One scan, every datom joined to every input row (no shared variable).
    Product,
}

impl Mode {
    /// Every method, in the order [`crate::exec::metrics::Metrics`] counts them.
    pub(crate) const ALL: [Mode; 4] = [
        Mode::Lookups,
        Mode::HashJoin,
        Mode::MergeJoin,
        Mode::Product,
    ];

    /// Its place in [`Mode::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// How explain names it.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Mode::Lookups => "index lookups",
            Mode::HashJoin => "scan + hash join",
            Mode::MergeJoin => "scan + merge join",
            Mode::Product => "scan",
        }
    }
}

/// The rows of `rel` in ascending order of the id in column `col` (an entity, or a reference
/// value), as `(id, row)` pairs, if every row holds one: already in order or sorted (radix) —
/// ordering costs less than hashing every row and probing the table once per datom.
fn by_id(rel: &Rel, col: usize) -> Option<Vec<(u64, u32)>> {
    let mut ids: Vec<(u64, u32)> = rel
        .rows()
        .enumerate()
        .map(|(i, r)| match r[col] {
            Val::Ref(e) => Some((e, u32::try_from(i).ok()?)),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if !ids.is_sorted_by_key(|p| p.0) {
        radsort::sort_by_key(&mut ids, |p| p.0);
    }
    Some(ids)
}

/// The rows a step produces, handed on in batches of `batch_rows`, and the cells a
/// candidate adds (reused for every candidate).
struct Output<'s, 'e> {
    rel: Rel,
    scratch: Vec<Val>,
    /// The columns resolved keywords added to the input, dropped before a batch goes out
    /// (start, count).
    hidden: (usize, usize),
    batch_rows: usize,
    emit: &'s mut Sink<'e>,
}

impl Output<'_, '_> {
    /// Hands the rows made so far on once a batch is full.
    #[inline]
    fn batch_done(&mut self) -> Result<()> {
        if self.rel.len() >= self.batch_rows {
            self.flush()?;
        }
        Ok(())
    }

    /// Hands on the rows made so far, if any.
    fn flush(&mut self) -> Result<()> {
        if self.rel.is_empty() {
            return Ok(());
        }
        let (start, n) = self.hidden;
        (self.emit)(self.rel.take_rows().drop_columns(start, n))
    }
}

impl<'a> Exec<'a> {
    /// Runs pattern `p` (planned as `op` in `node`) over `rel`.
    pub(crate) fn pattern_step(
        &self,
        rel: Rel,
        p: &Pattern,
        node: &Node<'_>,
        op: &PatternOp,
        emit: &mut Sink<'_>,
    ) -> Result<()> {
        let mut cp = compile(p, &rel);
        cp.v_key = self.constant_key(&cp);
        let schema = self.db().schema();
        if let Slot::Const(Constant::Keyword(k)) = cp.a {
            cp.const_attr = schema.attribute_named(k).cloned();
        }
        let const_id = |slot: Slot<'_>, attribute: bool| match slot {
            Slot::Const(Constant::Long(n)) => u64::try_from(*n).ok(),
            Slot::Const(Constant::Keyword(_)) if attribute => {
                cp.const_attr.as_ref().map(|a| u64::from(a.id))
            }
            Slot::Const(Constant::Keyword(k)) => schema.entity_of_ident(k),
            _ => None,
        };
        cp.const_ids = [const_id(cp.e, false), const_id(cp.a, true)];
        if let Access::AvetRangeOf { lo, hi } = &op.per_row {
            let end = |e: &Option<(Var, bool)>| {
                e.as_ref()
                    .and_then(|(v, strict)| Some((rel.col(v)?, *strict)))
            };
            cp.range_ends = [end(lo), end(hi)];
        }
        let width = rel.vars().len();
        let (rel, hidden) = self.resolve_idents(rel, &mut cp, node.clause)?;
        let mut vars = rel.vars().to_vec();
        vars.extend(cp.new_vars.iter().cloned());
        let mut out = Output {
            rel: Rel::empty(vars),
            scratch: Vec::with_capacity(cp.new_vars.len()),
            hidden: (width, hidden),
            batch_rows: self.options.batch_rows,
            emit,
        };
        let mode = match &op.join {
            Join::Product => {
                self.product(rel, &cp, node.clause, op, &mut out)?;
                Mode::Product
            }
            Join::Adaptive { from_rows, .. } if rel.len() < *from_rows => {
                self.lookups(rel, &cp, node.clause, op, &mut out)?;
                Mode::Lookups
            }
            Join::Lookups => {
                self.lookups(rel, &cp, node.clause, op, &mut out)?;
                Mode::Lookups
            }
            Join::Scan(scan) | Join::Adaptive { scan, .. } => {
                self.scan_join(rel, &cp, node.clause, scan, &mut out)?
            }
        };
        self.record(node, |m| m.modes[mode.index()] += 1);
        out.flush()
    }

    /// One index lookup per input row.
    fn lookups(
        &self,
        rel: Rel,
        cp: &Compiled<'_>,
        clause: &Clause,
        op: &PatternOp,
        out: &mut Output<'_, '_>,
    ) -> Result<()> {
        for row in rel.rows() {
            let Some(lookup) = self.lookup(cp, Some(row), &op.per_row, clause)? else {
                continue;
            };
            self.scan_candidates(&lookup, clause, |c| {
                self.extend(cp, row, c, lookup.v_fixed, true, out)?;
                Ok(true)
            })?;
        }
        Ok(())
    }

    /// One lookup (only constants bound), every datom joined to every input row.
    fn product(
        &self,
        rel: Rel,
        cp: &Compiled<'_>,
        clause: &Clause,
        op: &PatternOp,
        out: &mut Output<'_, '_>,
    ) -> Result<()> {
        let Some(lookup) = self.lookup(cp, None, &op.per_row, clause)? else {
            return Ok(());
        };
        if rel.len() == 1 && cp.binds_without_checks(lookup.v_fixed, !self.db().is_history()) {
            // The usual first step: one input row and nothing to check per datom (the
            // prefix fixed every constant): each datom's new cells go straight out.
            let base = rel.row(0);
            self.scan_candidates(&lookup, clause, |c| {
                out.rel.push_with(base, |cells| {
                    if matches!(cp.e, Slot::New) {
                        cells.push(Val::Ref(c.raw.e));
                    }
                    if matches!(cp.a, Slot::New) {
                        cells.push(Val::Ref(u64::from(c.raw.a)));
                    }
                    if matches!(cp.v, Slot::New) {
                        cells.push(self.cell(c.raw.v)?);
                    }
                    if matches!(cp.tx, Slot::New) {
                        cells.push(Val::Ref(c.raw.tx));
                    }
                    if matches!(cp.added, Slot::New) {
                        cells.push(Val::Bool(c.raw.added));
                    }
                    Ok::<(), QueryError>(())
                })?;
                out.batch_done()?;
                Ok(true)
            })?;
            return Ok(());
        }
        self.scan_candidates(&lookup, clause, |c| {
            for row in rel.rows() {
                self.extend(cp, row, c, lookup.v_fixed, false, out)?;
            }
            Ok(true)
        })?;
        Ok(())
    }

    /// One scan joined to the input on the planned key: merged when the scan comes in the
    /// key's order and the input holds ids there, else hashed.
    fn scan_join(
        &self,
        rel: Rel,
        cp: &Compiled<'_>,
        clause: &Clause,
        scan: &ScanJoin,
        out: &mut Output<'_, '_>,
    ) -> Result<Mode> {
        let Some(lookup) = self.lookup(cp, None, &scan.access, clause)? else {
            return Ok(Mode::HashJoin);
        };
        let slot = match scan.key {
            Component::E => cp.e,
            Component::A => cp.a,
            Component::V => cp.v,
            Component::Tx => cp.tx,
        };
        let Slot::Col(col) = slot else {
            return Err(QueryError::invalid(
                format!(
                    "internal: the plan joins {} on its {}, which the input does not bind",
                    clause.form,
                    scan.key.name()
                ),
                clause.pos,
            ));
        };
        // The scan comes in the order of the key — entity order, or a reference attribute's
        // AVET in value order — so the input, in the order of its ids there, walks with it.
        let merge = match scan.key {
            Component::E => scan.merge && lookup.e_ordered,
            Component::V => scan.merge,
            Component::A | Component::Tx => false,
        };
        if let Some(ids) = merge.then(|| by_id(&rel, col)).flatten() {
            let mut i = 0;
            self.scan_candidates(&lookup, clause, |c| {
                let id = match scan.key {
                    Component::V => match Val::from_fixed(c.raw.v) {
                        Some(Val::Ref(v)) => v,
                        _ => return Ok(true),
                    },
                    _ => c.raw.e,
                };
                while i < ids.len() && ids[i].0 < id {
                    i += 1;
                }
                let mut j = i;
                while j < ids.len() && ids[j].0 == id {
                    let row = rel.row(ids[j].1 as usize);
                    self.extend(cp, row, c, lookup.v_fixed, false, out)?;
                    j += 1;
                }
                // Past the input's last id nothing more can join: stop reading.
                Ok(i < ids.len())
            })?;
            return Ok(Mode::MergeJoin);
        }
        let table = HashIndex::new(rel.rows().map(|row| row[col].hash_key()));
        self.scan_candidates(&lookup, clause, |c| {
            let key = match scan.key {
                Component::E => Val::Ref(c.raw.e).hash_key(),
                Component::A => Val::Ref(u64::from(c.raw.a)).hash_key(),
                Component::V => self.value_of(c)?.hash_key(),
                Component::Tx => Val::Ref(c.raw.tx).hash_key(),
            };
            for i in table.rows(&key) {
                self.extend(cp, rel.row(i), c, lookup.v_fixed, false, out)?;
            }
            Ok(true)
        })?;
        Ok(Mode::HashJoin)
    }

    /// Appends `row` extended by the candidate to `out` if it matches the pattern.
    /// `prefix_fixed`: the row's bound E and A were part of the scanned prefix (lookups), so
    /// only what the prefix left open needs checking.
    fn extend(
        &self,
        cp: &Compiled<'_>,
        row: &[Val],
        c: &mut Candidate<'_>,
        v_fixed: bool,
        prefix_fixed: bool,
        output: &mut Output<'_, '_>,
    ) -> Result<()> {
        let schema = self.db().schema();
        let Output {
            rel: out,
            scratch: new,
            ..
        } = output;
        new.clear();
        // Checks or binds one id-valued position (E, A, tx).
        let id =
            |slot: Slot<'_>, x: u64, fixed: bool, new: &mut Vec<Val>, const_ok: bool| match slot {
                Slot::Blank => true,
                Slot::Const(_) => const_ok,
                Slot::Col(col) => fixed || row[col].same(&Val::Ref(x)),
                Slot::New => {
                    new.push(Val::Ref(x));
                    true
                }
                Slot::Again(i) => new[i].same(&Val::Ref(x)),
                Slot::Never => false,
            };
        // A constant E or A is checked unless the scanned prefix held it: a scan joined on
        // another component may read more than the constant's datoms.
        let [e_id, a_id] = cp.const_ids;
        let (a, e) = (u64::from(c.raw.a), c.raw.e);
        if !id(cp.e, e, prefix_fixed, new, prefix_fixed || e_id == Some(e))
            || !id(cp.a, a, prefix_fixed, new, prefix_fixed || a_id == Some(a))
        {
            return Ok(());
        }
        let v_ok = match cp.v {
            Slot::Blank => true,
            Slot::Const(k) => v_fixed || constant_matches(schema, k, &self.value_of(c)?.to_value()),
            Slot::Col(col) => (v_fixed && prefix_fixed) || row[col].same(&self.value_of(c)?),
            Slot::New => {
                new.push(self.value_of(c)?);
                true
            }
            Slot::Again(i) => new[i].same(&self.value_of(c)?),
            Slot::Never => false,
        };
        if !v_ok {
            return Ok(());
        }
        let tx_const =
            matches!(cp.tx, Slot::Const(Constant::Long(n)) if u64::try_from(*n) == Ok(c.raw.tx));
        if !id(cp.tx, c.raw.tx, false, new, tx_const) {
            return Ok(());
        }
        // Assertions, except for a history value's retractions.
        let added = c.raw.added;
        let added_ok = match cp.added {
            Slot::Blank => true,
            Slot::Const(Constant::Bool(b)) => *b == added,
            Slot::Const(_) | Slot::Never => false,
            Slot::Col(col) => row[col].same(&Val::Bool(added)),
            Slot::New => {
                new.push(Val::Bool(added));
                true
            }
            Slot::Again(i) => new[i].same(&Val::Bool(added)),
        };
        if added_ok {
            out.push_with(row, |cells| {
                cells.append(new);
                Ok::<(), QueryError>(())
            })?;
            output.batch_done()?;
        }
        Ok(())
    }
}
