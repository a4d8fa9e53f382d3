//! Data pattern steps: index nested-loop lookups or one scan joined by hashing.
//!
//! For each input row a *lookup* binds what the row and the constants fix (E, then A, then V,
//! coerced to the attribute's type) and scans that index prefix on the query's one snapshot.
//! When the input is large and the pattern alone is small enough that reading it once is
//! cheaper than a lookup per row, the pattern is instead *scanned once* with only its
//! constants and joined to the input through a hash table on a shared variable. Either way
//! each candidate datom is checked against whatever the index prefix did not already fix, with
//! the naive evaluator's unification ([`Val::same`], [`constant_matches`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rustc_hash::FxHashMap;
use std::ops::Bound;

use datolite_store::{Attribute, Index, RawDatom, Scan, Value, ValueType};

use crate::ast::{Clause, Constant, Pattern, Term, Var};
use crate::error::{QueryError, Result};
use crate::exec::rel::Rel;
use crate::exec::val::{HashKey, Val};
use crate::exec::{Exec, JoinStrategy};
use crate::functions::constant;
use crate::plan::{self, Access};
use crate::rows::{constant_matches, FnVal};

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

/// What one pattern position is in a step.
#[derive(Clone, Copy, Debug)]
enum Slot<'p> {
    /// `_`, or a position nothing can constrain.
    Blank,
    /// A constant.
    Const(&'p Constant),
    /// A variable the input binds: its column.
    Col(usize),
    /// A variable first bound here (its cells follow the input's, in order).
    New,
    /// A variable bound earlier in this same pattern (`[?x :a ?x]`): that new variable.
    Again(usize),
    /// A source (`$`) or other term no datom can match.
    Never,
}

/// A pattern compiled against the input's columns.
struct Compiled<'p> {
    e: Slot<'p>,
    a: Slot<'p>,
    v: Slot<'p>,
    tx: Slot<'p>,
    added: Slot<'p>,
    new_vars: Vec<Var>,
}

fn compile<'p>(p: &'p Pattern, rel: &Rel) -> Compiled<'p> {
    let mut new_vars: Vec<Var> = Vec::new();
    let mut slot = |t: &'p Term| match t {
        Term::Blank => Slot::Blank,
        Term::Const(c) => Slot::Const(c),
        Term::Src(_) => Slot::Never,
        Term::Var(v) => {
            if let Some(c) = rel.col(v) {
                Slot::Col(c)
            } else if let Some(i) = new_vars.iter().position(|n| n == v) {
                Slot::Again(i)
            } else {
                new_vars.push(v.clone());
                Slot::New
            }
        }
    };
    let (e, a, v, tx, added) = (
        slot(&p.e),
        slot(&p.a),
        slot(&p.v),
        slot(&p.tx),
        slot(&p.added),
    );
    Compiled {
        e,
        a,
        v,
        tx,
        added,
        new_vars,
    }
}

impl Compiled<'_> {
    /// Whether every datom of a lookup whose prefix fixed the constants (and V, when
    /// `v_fixed`) matches without a check: only new variables, blanks and fixed constants.
    fn binds_without_checks(&self, v_fixed: bool) -> bool {
        let free = |s: &Slot<'_>| matches!(s, Slot::New | Slot::Blank);
        matches!(self.e, Slot::New | Slot::Blank | Slot::Const(_))
            && matches!(self.a, Slot::New | Slot::Blank | Slot::Const(_))
            && (free(&self.v) || (v_fixed && matches!(self.v, Slot::Const(_))))
            && free(&self.tx)
            && (free(&self.added) || matches!(self.added, Slot::Const(Constant::Bool(true))))
    }

    fn shares(&self) -> bool {
        [self.e, self.a, self.v, self.tx, self.added]
            .iter()
            .any(|s| matches!(s, Slot::Col(_)))
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

/// Where a lookup stands on one datom component.
enum Res<T> {
    Free,
    Is(T),
    Never,
}

/// A bound value as the attribute's index sees it.
enum Coerced {
    /// Exactly this encoded value.
    Exact(Value),
    /// `0.0` of a Double attribute: both zeros.
    Zero,
    /// No index narrowing possible (NaN, huge integers): scan the attribute and filter.
    Scan,
    /// No value of the attribute can equal it.
    Never,
}

const EXACT_F64: f64 = 9_007_199_254_740_992.0; // 2^53

/// `v` as a value of type `vt` that is [`crate::compare`]-equal to it, when there is one.
fn coerce(v: &Value, vt: ValueType) -> Coerced {
    use Coerced::*;
    let int_like = |n: f64| {
        if n == 0.0 {
            Zero
        } else if n.abs() < EXACT_F64 {
            Exact(Value::Double(n))
        } else {
            Scan
        }
    };
    match (vt, v) {
        (ValueType::Long, Value::Long(_)) | (ValueType::Ref, Value::Ref(_)) => Exact(v.clone()),
        (ValueType::Long, Value::Ref(r)) => {
            i64::try_from(*r).map_or(Never, |n| Exact(Value::Long(n)))
        }
        (ValueType::Long, Value::Double(d)) => {
            if d.is_nan() || d.fract() != 0.0 {
                Never
            } else if d.abs() < EXACT_F64 {
                Exact(Value::Long(*d as i64))
            } else {
                Scan
            }
        }
        (ValueType::Double, Value::Double(d)) if d.is_nan() => Scan,
        (ValueType::Double, Value::Double(d)) if *d == 0.0 => Zero,
        (ValueType::Double, Value::Long(n)) => int_like(*n as f64),
        (ValueType::Double, Value::Ref(n)) => int_like(*n as f64),
        (ValueType::Ref, Value::Long(n)) => {
            u64::try_from(*n).map_or(Never, |n| Exact(Value::Ref(n)))
        }
        (ValueType::Ref, Value::Double(d)) => {
            if d.is_nan() || d.fract() != 0.0 || *d < 0.0 {
                Never
            } else if *d < EXACT_F64 {
                Exact(Value::Ref(*d as u64))
            } else {
                Scan
            }
        }
        (vt, v) if v.value_type() == vt => Exact(v.clone()),
        _ => Never,
    }
}

/// The entity id a cell denotes in the E (or A, or tx) position.
fn entity_of(v: &Val) -> Res<u64> {
    match v {
        Val::Ref(x) => Res::Is(*x),
        Val::Long(n) => u64::try_from(*n).map_or(Res::Never, Res::Is),
        Val::Double(d) if d.fract() == 0.0 && *d >= 0.0 && *d < EXACT_F64 => Res::Is(*d as u64),
        _ => Res::Never,
    }
}

/// One index scan for a pattern and what its key prefix already guarantees.
struct Lookup<'db> {
    scan: Scan<'db>,
    /// E, A (when bound) are in the prefix; this says whether V's equality is too.
    v_fixed: bool,
    /// Whether the scan yields datoms in ascending entity order (a merge join can use it).
    e_ordered: bool,
}

/// The rows a step produces, and the cells a candidate adds (reused for every candidate).
struct Output {
    rel: Rel,
    scratch: Vec<Val>,
}

/// One candidate datom, its value decoded at most once.
struct Candidate<'k> {
    raw: RawDatom<'k>,
    v: Option<Val>,
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
        let cp = compile(p, &rel);
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
                                cells.push(Val::from_ref(self.reader.value_ref(c.raw.v)?));
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

    /// The scan for `cp` given `row` (or only the constants, without a row); `None` when no
    /// datom can match.
    fn lookup(
        &self,
        cp: &Compiled<'_>,
        row: Option<&[Val]>,
        range: Option<&(Bound<Value>, Bound<Value>)>,
    ) -> Result<Option<Lookup<'a>>> {
        let schema = self.db.schema();
        let e = match cp.e {
            Slot::Const(Constant::Long(n)) => u64::try_from(*n).map_or(Res::Never, Res::Is),
            Slot::Const(Constant::Keyword(k)) => {
                schema.entity_of_ident(k).map_or(Res::Never, Res::Is)
            }
            Slot::Const(_) | Slot::Never => Res::Never,
            Slot::Col(c) => row.map_or(Res::Free, |r| entity_of(&r[c])),
            _ => Res::Free,
        };
        let attr_by_id = |id: u64| -> Res<&Attribute> {
            u32::try_from(id)
                .ok()
                .and_then(|id| schema.attribute(id))
                .map_or(Res::Never, |a| Res::Is(a.as_ref()))
        };
        let a: Res<&Attribute> = match cp.a {
            Slot::Const(Constant::Keyword(k)) => schema
                .attribute_named(k)
                .map_or(Res::Never, |a| Res::Is(a.as_ref())),
            Slot::Const(Constant::Long(n)) => u64::try_from(*n).map_or(Res::Never, &attr_by_id),
            Slot::Const(_) | Slot::Never => Res::Never,
            Slot::Col(c) => match row.map(|r| entity_of(&r[c])) {
                None => Res::Free,
                Some(Res::Is(id)) => attr_by_id(id),
                Some(_) => Res::Never,
            },
            _ => Res::Free,
        };
        let v: Option<Value> = match cp.v {
            Slot::Const(Constant::Keyword(k)) => match &a {
                Res::Is(attr) if attr.is_ref() => match schema.entity_of_ident(k) {
                    Some(x) => Some(Value::Ref(x)),
                    None => return Ok(None),
                },
                _ => Some(Value::Keyword(k.clone())),
            },
            Slot::Const(c) => match constant(c) {
                FnVal::One(x) => Some(x),
                _ => return Ok(None),
            },
            Slot::Col(c) => row.map(|r| r[c].to_value()),
            Slot::Never => return Ok(None),
            _ => None,
        };
        let coerced = match (&a, &v) {
            (Res::Is(attr), Some(x)) => Some(coerce(x, attr.value_type)),
            _ => None,
        };
        if matches!(e, Res::Never)
            || matches!(a, Res::Never)
            || matches!(coerced, Some(Coerced::Never))
        {
            return Ok(None);
        }
        let zero = (Value::Double(-0.0), Value::Double(0.0));
        let zero_range = |s: Scan<'a>| -> Scan<'a> {
            s.value_range(Bound::Included(&zero.0), Bound::Included(&zero.1))
        };
        let fixed = matches!(coerced, Some(Coerced::Exact(_) | Coerced::Zero));
        let db = self.db;
        // (scan, V fixed by the prefix, datoms in ascending E order)
        let (scan, v_fixed, e_ordered) = match (&e, &a) {
            (Res::Is(e), Res::Is(attr)) => {
                let s = db.scan(Index::Eavt).entity(*e).attribute_id(attr.id);
                match &coerced {
                    Some(Coerced::Exact(x)) => (s.value(x), true, true),
                    Some(Coerced::Zero) => (zero_range(s), true, true),
                    _ => (s, false, true),
                }
            }
            (Res::Is(e), _) => (db.scan(Index::Eavt).entity(*e), false, true),
            (_, Res::Is(attr)) => match &coerced {
                Some(Coerced::Exact(x)) if attr.is_ref() => (
                    db.scan(Index::Vaet).value(x).attribute_id(attr.id),
                    true,
                    true,
                ),
                Some(Coerced::Exact(x)) => (
                    db.scan(Index::Avet).attribute_id(attr.id).value(x),
                    true,
                    true,
                ),
                Some(Coerced::Zero) => (
                    zero_range(db.scan(Index::Avet).attribute_id(attr.id)),
                    true,
                    false,
                ),
                Some(_) => (db.scan(Index::Aevt).attribute_id(attr.id), false, true),
                None => match range {
                    Some((lo, hi)) => (
                        db.scan(Index::Avet)
                            .attribute_id(attr.id)
                            .value_range(lo.as_ref(), hi.as_ref()),
                        false,
                        false,
                    ),
                    None => (db.scan(Index::Aevt).attribute_id(attr.id), false, true),
                },
            },
            _ => (db.scan(Index::Eavt), false, true),
        };
        debug_assert!(!v_fixed || fixed);
        Ok(Some(Lookup {
            scan,
            v_fixed,
            e_ordered,
        }))
    }

    /// Runs a lookup's scan on the query's snapshot, calling `f` per candidate.
    fn scan_candidates(
        &self,
        lookup: &Lookup<'_>,
        clause: &Clause,
        mut f: impl FnMut(&mut Candidate<'_>) -> Result<bool>,
    ) -> Result<()> {
        let mut failure = None;
        self.reader
            .for_each_raw(&lookup.scan, |raw| {
                let mut c = Candidate { raw, v: None };
                match f(&mut c) {
                    Ok(more) => more,
                    Err(e) => {
                        failure = Some(e);
                        false
                    }
                }
            })
            .map_err(|e| QueryError::Storage(format!("scanning for {}: {e}", clause.form)))?;
        failure.map_or(Ok(()), Err)
    }

    /// The candidate's value as a cell (decoded on first use).
    fn value_of(&self, c: &mut Candidate<'_>) -> Result<Val> {
        if let Some(v) = &c.v {
            return Ok(v.clone());
        }
        let v = Val::from_ref(self.reader.value_ref(c.raw.v)?);
        c.v = Some(v.clone());
        Ok(v)
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
            out.push_drained(row, new);
        }
        Ok(())
    }
}
