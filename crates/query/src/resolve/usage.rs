//! Where a query uses its variables: which ones stand for entities (a pattern's entity or
//! transaction, the value of a reference attribute written as a constant, the entity of
//! `get-else`/`get-some`/`missing?`) and which ones for attributes (a pattern's attribute, the
//! attributes of those functions), through `not`, `or`, `and` and rule calls (a rule's
//! argument counts where the rule's body uses it).
//!
//! Input binding asks this to decide what a vector input at a variable is (a lookup ref, where
//! the variable is an entity) and to check input keywords used as attributes or entities.

use std::collections::{BTreeSet, HashMap};

use datolite_store::Db;

use crate::ast::{Clause, ClauseKind, Constant, FnArg, Pattern, Rule, Term, Var};
use crate::functions::{builtin, role, Kind, Role};

/// The entity and attribute variables of a clause list.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Usage {
    /// Variables used where an entity is expected.
    pub entity: BTreeSet<Var>,
    /// Variables used where an attribute is expected.
    pub attribute: BTreeSet<Var>,
}

/// Per rule name, per head position: (used as an entity, used as an attribute).
type RuleUse = HashMap<String, Vec<(bool, bool)>>;

/// The usage of `clauses`, with `rules` for the rule calls.
pub(crate) fn usage(db: &Db, clauses: &[Clause], rules: &[Rule]) -> Usage {
    // Rule heads: iterate to a fixpoint (a rule may pass its argument on to another).
    let mut heads: RuleUse = HashMap::new();
    loop {
        let mut changed = false;
        for rule in rules {
            let u = scan(db, &rule.body, &heads);
            let flags: Vec<(bool, bool)> = rule
                .vars
                .all()
                .map(|v| (u.entity.contains(v), u.attribute.contains(v)))
                .collect();
            let slot = heads.entry(rule.name.clone()).or_default();
            if slot.len() < flags.len() {
                slot.resize(flags.len(), (false, false));
            }
            for (old, new) in slot.iter_mut().zip(flags) {
                let merged = (old.0 || new.0, old.1 || new.1);
                if merged != *old {
                    *old = merged;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    scan(db, clauses, &heads)
}

fn scan(db: &Db, clauses: &[Clause], heads: &RuleUse) -> Usage {
    let mut u = Usage::default();
    for c in clauses {
        clause(db, c, heads, &mut u);
    }
    u
}

fn var(t: &Term) -> Option<&Var> {
    match t {
        Term::Var(v) => Some(v),
        _ => None,
    }
}

fn pattern(db: &Db, p: &Pattern, u: &mut Usage) {
    u.entity.extend(var(&p.e).cloned());
    u.entity.extend(var(&p.tx).cloned());
    u.attribute.extend(var(&p.a).cloned());
    let ref_attr = match &p.a {
        Term::Const(Constant::Keyword(k)) => {
            db.schema().attribute_named(k).is_some_and(|a| a.is_ref())
        }
        Term::Const(Constant::Long(n)) => u32::try_from(*n)
            .ok()
            .and_then(|id| db.schema().attribute(id))
            .is_some_and(|a| a.is_ref()),
        _ => false,
    };
    if ref_attr {
        u.entity.extend(var(&p.v).cloned());
    }
}

fn clause(db: &Db, c: &Clause, heads: &RuleUse, u: &mut Usage) {
    match &c.kind {
        ClauseKind::Pattern(p) => pattern(db, p, u),
        ClauseKind::Pred(call) | ClauseKind::Fn { call, .. } => {
            if builtin(&call.func).is_some_and(|b| b.kind == Kind::Database) {
                for (i, a) in call.args.iter().enumerate() {
                    if let FnArg::Var(v) = a {
                        match role(&call.func, i) {
                            Role::Entity => u.entity.insert(v.clone()),
                            Role::Attribute => u.attribute.insert(v.clone()),
                            Role::Source | Role::Other => false,
                        };
                    }
                }
            }
        }
        ClauseKind::Not { clauses, .. } | ClauseKind::And(clauses) => {
            for c in clauses {
                clause(db, c, heads, u);
            }
        }
        ClauseKind::Or { branches, .. } => {
            for c in branches {
                clause(db, c, heads, u);
            }
        }
        ClauseKind::RuleCall { name, args, .. } => {
            let Some(flags) = heads.get(name) else {
                return;
            };
            for (t, (entity, attribute)) in args.iter().zip(flags) {
                if let Some(v) = var(t) {
                    if *entity {
                        u.entity.insert(v.clone());
                    }
                    if *attribute {
                        u.attribute.insert(v.clone());
                    }
                }
            }
        }
    }
}
