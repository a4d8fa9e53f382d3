//! A data pattern compiled against the columns of the relation it joins: what each position
//! (E, A, V, tx, added) is — constant, input column, new variable, repeat, blank.

use crate::ast::{Constant, Pattern, Term, Var};
use crate::exec::rel::Rel;

/// What one pattern position is in a step.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Slot<'p> {
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

/// The key bytes of a constant value, made once per step ([`crate::exec::Exec::constant_key`]).
pub(crate) enum ConstKey {
    /// No datom of the attribute can hold the constant.
    NoMatch,
    /// The value's encoding as the attribute's index keys hold it.
    Bytes(Vec<u8>),
}

/// A pattern compiled against the input's columns.
pub(crate) struct Compiled<'p> {
    pub e: Slot<'p>,
    pub a: Slot<'p>,
    pub v: Slot<'p>,
    pub tx: Slot<'p>,
    pub added: Slot<'p>,
    pub new_vars: Vec<Var>,
    /// A constant value's key bytes for a constant attribute, when the step made them.
    pub v_key: Option<ConstKey>,
    /// For a per-row range: the input columns holding its ends, with their strictness.
    pub range_ends: [Option<(usize, bool)>; 2],
    /// The attribute a constant keyword names, looked up once per step instead of per row.
    pub const_attr: Option<std::sync::Arc<datolite_store::Attribute>>,
    /// The ids a constant entity and a constant attribute stand for (`None`: no such entity
    /// or attribute, so no datom matches), resolved once per step: lookups bind the entity
    /// from it, and a scan whose prefix does not hold them checks them on every datom.
    pub const_ids: [Option<u64>; 2],
}

pub(crate) fn compile<'p>(p: &'p Pattern, rel: &Rel) -> Compiled<'p> {
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
        v_key: None,
        range_ends: [None, None],
        const_attr: None,
        const_ids: [None, None],
    }
}

impl Compiled<'_> {
    /// Whether every datom of a lookup whose prefix fixed the constants (and V, when
    /// `v_fixed`) matches without a check: only new variables, blanks and fixed constants
    /// (`added` true too, when `all_added`: only a history value has retractions).
    pub(crate) fn binds_without_checks(&self, v_fixed: bool, all_added: bool) -> bool {
        let free = |s: &Slot<'_>| matches!(s, Slot::New | Slot::Blank);
        matches!(self.e, Slot::New | Slot::Blank | Slot::Const(_))
            && matches!(self.a, Slot::New | Slot::Blank | Slot::Const(_))
            && (free(&self.v) || (v_fixed && matches!(self.v, Slot::Const(_))))
            && free(&self.tx)
            && (free(&self.added)
                || (all_added && matches!(self.added, Slot::Const(Constant::Bool(true)))))
    }
}
