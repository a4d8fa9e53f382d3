//! Data pattern steps: index nested-loop lookups, or one scan joined by hashing or merging.
//!
//! For each input row a *lookup* ([`crate::exec::lookup`]) binds what the row and the
//! constants fix and scans that index prefix on the query's one snapshot. When the input is
//! large and the pattern alone is small enough that reading it once is cheaper than a lookup
//! per row, the pattern is instead *scanned once* with only its constants and joined to the
//! input: by merging when both sides come in entity order (star patterns on one entity), else
//! through a hash table on a shared variable. A pattern sharing no variable with its one input
//! row (the usual first step) writes each datom's cells straight out. Every candidate datom is
//! checked against whatever the index prefix did not already fix, with the naive evaluator's
//! unification ([`Val::same`], [`constant_matches`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rustc_hash::FxHashMap;

use crate::ast::{Clause, Constant, Pattern};
use crate::error::{QueryError, Result};
use crate::exec::lookup::Candidate;
use crate::exec::rel::Rel;
use crate::exec::slots::{compile, Compiled, Slot};
use crate::exec::val::{HashKey, Val};
use crate::exec::{Exec, JoinStrategy};
use crate::plan::{self, Access};
use crate::rows::constant_matches;

/// From this many input rows on, a pattern may be scanned once and hash-joined.
const HASH_MIN_ROWS: usize = 64;

/// How much more one index lookup costs than reading one datom of a scan (measured with
/// `datolite bench people`: a lookup opens a cursor and descends the B-tree).
const LOOKUP_COST_IN_DATOMS: f64 = 24.0;

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

/// The entity ids of column `col`, if every row holds one and they ascend.
fn sorted_entities(rel: &Rel, col: usize) -> Option<Vec<u64>> {
    let ids: Vec<u64> = rel
        .rows()
        .map(|r| match r[col] {
            Val::Ref(e) => Some(e),
            _ => None,
        })
        .collect::<Option<_>>()?;
    ids.is_sorted().then_some(ids)
}

/// The rows a step produces, and the cells a candidate adds (reused for every candidate).
struct Output {
    rel: Rel,
    scratch: Vec<Val>,
}

impl<'a> Exec<'a> {
    /// Runs pattern `p` (planned with `access`) over `rel`.
    pub(crate) fn pattern_step(
        &self,
        rel: Rel,
        p: &Pattern,
        clause: &Clause,
        access: &Access,
    ) -> Result<Rel> {
        let mut cp = compile(p, &rel);
        let width = rel.vars().len();
        let (rel, hidden) = self.resolve_idents(rel, &mut cp, clause)?;
        let out = self.run_pattern(rel, cp, p, clause, access)?;
        Ok(out.drop_columns(width, hidden))
    }

    /// [`Exec::pattern_step`] once the pattern is compiled against the input.
    fn run_pattern(
        &self,
        rel: Rel,
        cp: Compiled<'_>,
        p: &Pattern,
        clause: &Clause,
        access: &Access,
    ) -> Result<Rel> {
        let range = match access {
            Access::AvetRange(lo, hi) => Some((lo.clone(), hi.clone())),
            _ => None,
        };
        let mut vars = rel.vars().to_vec();
        vars.extend(cp.new_vars.iter().cloned());
        let mut out = Output {
            rel: Rel::empty(vars),
            scratch: Vec::with_capacity(cp.new_vars.len()),
        };
        let mode = self.choose_mode(&rel, &cp, p, clause);
        self.last_mode.set(Some(mode));
        match mode {
            Mode::Lookups => {
                for row in rel.rows() {
                    let Some(lookup) = self.lookup(&cp, Some(row), range.as_ref())? else {
                        continue;
                    };
                    self.scan_candidates(&lookup, clause, |c| {
                        self.extend(&cp, row, c, lookup.v_fixed, true, &mut out)?;
                        Ok(true)
                    })?;
                }
            }
            Mode::Product => {
                let Some(lookup) = self.lookup(&cp, None, range.as_ref())? else {
                    return Ok(out.rel);
                };
                if rel.len() == 1 && cp.binds_without_checks(lookup.v_fixed) {
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
                                cells.push(Val::Bool(true));
                            }
                            Ok::<(), QueryError>(())
                        })?;
                        Ok(true)
                    })?;
                    return Ok(out.rel);
                }
                self.scan_candidates(&lookup, clause, |c| {
                    for row in rel.rows() {
                        self.extend(&cp, row, c, lookup.v_fixed, false, &mut out)?;
                    }
                    Ok(true)
                })?;
            }
            Mode::HashJoin | Mode::MergeJoin => {
                let Some(lookup) = self.lookup(&cp, None, range.as_ref())? else {
                    return Ok(out.rel);
                };
                // Key on the first input column the pattern shares (E, then A, V, tx).
                let (which, col) = [cp.e, cp.a, cp.v, cp.tx]
                    .iter()
                    .enumerate()
                    .find_map(|(i, s)| match s {
                        Slot::Col(c) => Some((i, *c)),
                        _ => None,
                    })
                    .expect("hash join needs a shared column");
                if which == 0 && lookup.e_ordered {
                    if let Some(entities) = sorted_entities(&rel, col) {
                        self.last_mode.set(Some(Mode::MergeJoin));
                        // Both sides ascend by entity: walk them together, and stop reading
                        // once the input's last entity is passed.
                        let mut i = 0;
                        self.scan_candidates(&lookup, clause, |c| {
                            while i < entities.len() && entities[i] < c.raw.e {
                                i += 1;
                            }
                            let mut j = i;
                            while j < entities.len() && entities[j] == c.raw.e {
                                let row = rel.row(j);
                                self.extend(&cp, row, c, lookup.v_fixed, false, &mut out)?;
                                j += 1;
                            }
                            Ok(i < entities.len())
                        })?;
                        return Ok(out.rel);
                    }
                }
                let mut table: FxHashMap<HashKey, Vec<usize>> = FxHashMap::default();
                for (i, row) in rel.rows().enumerate() {
                    table.entry(row[col].hash_key()).or_default().push(i);
                }
                self.scan_candidates(&lookup, clause, |c| {
                    let key = match which {
                        0 => Val::Ref(c.raw.e).hash_key(),
                        1 => Val::Ref(u64::from(c.raw.a)).hash_key(),
                        2 => self.value_of(c)?.hash_key(),
                        _ => Val::Ref(c.raw.tx).hash_key(),
                    };
                    if let Some(hits) = table.get(&key) {
                        for &i in hits {
                            self.extend(&cp, rel.row(i), c, lookup.v_fixed, false, &mut out)?;
                        }
                    }
                    Ok(true)
                })?;
            }
        }
        Ok(out.rel)
    }

    /// Lookups per row, or one scan when that reads fewer datoms than the lookups would cost.
    fn choose_mode(&self, rel: &Rel, cp: &Compiled<'_>, p: &Pattern, clause: &Clause) -> Mode {
        if !cp.shares() {
            return Mode::Product;
        }
        if matches!(cp.added, Slot::Col(_)) {
            return Mode::Lookups;
        }
        match self.strategy {
            JoinStrategy::Lookups => return Mode::Lookups,
            JoinStrategy::Scans => return Mode::HashJoin,
            JoinStrategy::Auto if rel.len() < HASH_MIN_ROWS => return Mode::Lookups,
            JoinStrategy::Auto => {}
        }
        if plan::const_attribute(self.db, p).is_none() {
            return Mode::Lookups;
        }
        // The pattern with only its constants bound: what one scan would read.
        let (consts, sizes) = (BTreeMap::new(), HashMap::new());
        let env = plan::Env {
            db: self.db,
            consts: &consts,
            rule_sizes: &sizes,
        };
        let alone = plan::per_row(&env, clause, &BTreeSet::new(), &[]);
        if alone < rel.len() as f64 * LOOKUP_COST_IN_DATOMS {
            Mode::HashJoin
        } else {
            Mode::Lookups
        }
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
        out: &mut Output,
    ) -> Result<()> {
        let schema = self.db.schema();
        let Output {
            rel: out,
            scratch: new,
        } = out;
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
        // A constant E or A is always part of the scanned prefix (see `lookup`).
        if !id(cp.e, c.raw.e, prefix_fixed, new, true)
            || !id(cp.a, u64::from(c.raw.a), prefix_fixed, new, true)
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
        // Every datom in the indexes is an assertion.
        let added_ok = match cp.added {
            Slot::Blank => true,
            Slot::Const(Constant::Bool(b)) => *b,
            Slot::Const(_) | Slot::Never => false,
            Slot::Col(col) => row[col].same(&Val::Bool(true)),
            Slot::New => {
                new.push(Val::Bool(true));
                true
            }
            Slot::Again(i) => new[i].same(&Val::Bool(true)),
        };
        if added_ok {
            out.push_with(row, |cells| {
                cells.append(new);
                Ok::<(), QueryError>(())
            })?;
        }
        Ok(())
    }
}
