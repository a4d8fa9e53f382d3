//! Data sources: which database value each clause reads (`:in $ $before`, `[$before ?e :a ?v]`,
//! `($before not …)`, `($before rule ?x)`, `(missing? $before ?e :a)`).
//!
//! A query's sources are its `:in` source inputs, each bound to a database value: the `db`
//! passed to the query ([`InputValue::Db`]) or another value of the same database
//! ([`InputValue::Source`]: as of a point, since one, its history, a `with` value). `$` is the
//! default: a pattern without a source reads it.
//!
//! Before names are resolved, [`scope`] makes every source explicit where it is implied: the
//! patterns inside `($h not …)` and `($h or …)` read `$h`, and a rule called with a source
//! (`($h rule ?x)`) is a copy of the rule whose patterns read `$h` — so both evaluators only
//! ever look at a pattern's own source and a call's own source argument.
//!
//! Invariant: every source a clause names was declared in `:in` (the parser checks the query,
//! resolution every clause, rule bodies included), and all sources are values of one database,
//! so attribute ids and entity ids mean the same in each.

use std::borrow::Cow;
use std::collections::BTreeMap;

use datolite_store::Db;

use crate::ast::{Clause, ClauseKind, Input, Query, Rule, SrcVar};
use crate::error::{QueryError, Result};
use crate::result::InputValue;

/// The default source's name.
pub(crate) const DEFAULT: &str = "$";

/// A query's sources by name; `$` is always present (the `db` the query runs on when `:in`
/// does not bind it otherwise).
#[derive(Clone)]
pub(crate) struct Sources {
    by_name: BTreeMap<String, Db>,
}

impl Sources {
    /// Only `db`, as `$`.
    pub fn single(db: &Db) -> Self {
        Sources {
            by_name: BTreeMap::from([(DEFAULT.to_owned(), db.clone())]),
        }
    }

    /// The sources `query`'s `:in` binds with `inputs`, `db` standing for [`InputValue::Db`].
    pub fn new(db: &Db, query: &Query, inputs: &[InputValue]) -> Result<Self> {
        let mut sources = Sources::single(db);
        for (input, value) in query.inputs.iter().zip(inputs) {
            let Input::Src(SrcVar(name)) = input else {
                continue;
            };
            let bound = match value {
                InputValue::Db => db.clone(),
                InputValue::Source(other) => {
                    if !other.same_database(db) {
                        return Err(QueryError::invalid(
                            format!(
                                "source {name} is a value of another database; a query's \
                                 sources must be values of one database (as-of, since, \
                                 history and with values of it)"
                            ),
                            query.pos,
                        ));
                    }
                    other.clone()
                }
                other => {
                    return Err(QueryError::invalid(
                        format!("source {name} takes a database value, got {other:?}"),
                        query.pos,
                    ))
                }
            };
            sources.by_name.insert(name.clone(), bound);
        }
        Ok(sources)
    }

    /// The value `src` names (`None`: the default `$`).
    pub fn get(&self, src: Option<&SrcVar>) -> &Db {
        let name = src.map_or(DEFAULT, |s| s.0.as_str());
        // Every source a clause names was checked by resolution (`Sources::check`), so the
        // lookup succeeds; `$` is always present.
        self.by_name
            .get(name)
            .or_else(|| self.by_name.get(DEFAULT))
            .expect("the default source is always present")
    }

    /// An error naming `src` when the query has no such source (a rule body may name one the
    /// parser could not check against the query's `:in`).
    pub fn check(&self, src: Option<&SrcVar>) -> std::result::Result<(), String> {
        match src {
            Some(s) if !self.by_name.contains_key(&s.0) => {
                let names: Vec<&str> = self.iter().map(|(name, _)| name).collect();
                Err(format!(
                    "unknown source {s}; the query's sources are {} (declare sources in :in)",
                    names.join(" ")
                ))
            }
            _ => Ok(()),
        }
    }

    /// The default source `$`.
    pub fn default_db(&self) -> &Db {
        self.get(None)
    }

    /// Every source, `$` first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Db)> {
        let default = std::iter::once((DEFAULT, self.default_db()));
        default.chain(
            self.by_name
                .iter()
                .filter(|(name, _)| name.as_str() != DEFAULT)
                .map(|(name, db)| (name.as_str(), db)),
        )
    }
}

/// `query` and `rules` with every implied source made explicit (see the module documentation);
/// borrowed when nothing names a source.
pub(crate) fn scope<'q, 'r>(
    query: &'q Query,
    rules: &'r [Rule],
) -> (Cow<'q, Query>, Cow<'r, [Rule]>) {
    let mut copies = Copies {
        rules,
        made: Vec::new(),
        named: BTreeMap::new(),
    };
    let clauses = copies.clauses(&query.where_clauses, None);
    let query = match clauses {
        None => Cow::Borrowed(query),
        Some(where_clauses) => Cow::Owned(Query {
            where_clauses,
            ..query.clone()
        }),
    };
    let rules = if copies.made.is_empty() {
        Cow::Borrowed(rules)
    } else {
        let mut all = rules.to_vec();
        all.extend(copies.made);
        Cow::Owned(all)
    };
    (query, rules)
}

/// The copies of rules made for the sources they are called with.
struct Copies<'r> {
    rules: &'r [Rule],
    made: Vec<Rule>,
    /// (rule, source) → the copy's name.
    named: BTreeMap<(String, String), String>,
}

impl Copies<'_> {
    /// `cs` with `src` as the source of whatever does not name one (`None`: nothing changes).
    fn clauses(&mut self, cs: &[Clause], src: Option<&SrcVar>) -> Option<Vec<Clause>> {
        let mut out: Option<Vec<Clause>> = None;
        for (i, c) in cs.iter().enumerate() {
            if let Some(kind) = self.clause(&c.kind, src) {
                let all = out.get_or_insert_with(|| cs.to_vec());
                all[i] = Clause {
                    kind,
                    pos: c.pos,
                    form: c.form.clone(),
                };
            }
        }
        out
    }

    fn clause(&mut self, kind: &ClauseKind, scope: Option<&SrcVar>) -> Option<ClauseKind> {
        // `$` named explicitly is the default: nothing to carry.
        let effective = |own: &Option<SrcVar>| -> Option<SrcVar> {
            own.clone()
                .or_else(|| scope.cloned())
                .filter(|s| s.0 != DEFAULT)
        };
        match kind {
            ClauseKind::Pattern(p) if p.src.is_none() => {
                let src = scope.filter(|s| s.0 != DEFAULT)?;
                let mut p = p.clone();
                p.src = Some(src.clone());
                Some(ClauseKind::Pattern(p))
            }
            ClauseKind::Not {
                src,
                join_vars,
                clauses,
            } => {
                let inner = effective(src);
                self.clauses(clauses, inner.as_ref())
                    .map(|clauses| ClauseKind::Not {
                        src: src.clone(),
                        join_vars: join_vars.clone(),
                        clauses,
                    })
            }
            ClauseKind::Or {
                src,
                join,
                branches,
            } => {
                let inner = effective(src);
                self.clauses(branches, inner.as_ref())
                    .map(|branches| ClauseKind::Or {
                        src: src.clone(),
                        join: join.clone(),
                        branches,
                    })
            }
            ClauseKind::And(body) => self.clauses(body, scope).map(ClauseKind::And),
            ClauseKind::RuleCall { src, name, args } => {
                let inner = effective(src)?;
                // An unknown rule stays as called, for the usual error naming it.
                let copy = self.copy(name, &inner)?;
                Some(ClauseKind::RuleCall {
                    src: None,
                    name: copy,
                    args: args.clone(),
                })
            }
            _ => None,
        }
    }

    /// The name of `rule`'s copy reading `src`, made on first use (with the copies of the rules
    /// it calls).
    fn copy(&mut self, rule: &str, src: &SrcVar) -> Option<String> {
        let key = (rule.to_owned(), src.0.clone());
        if let Some(name) = self.named.get(&key) {
            return Some(name.clone());
        }
        if !self.rules.iter().any(|r| r.name == rule) {
            return None;
        }
        // A space cannot appear in a rule name as written, so copies never clash with rules.
        let name = format!("{rule} {}", src.0);
        self.named.insert(key, name.clone());
        let definitions: Vec<Rule> = self
            .rules
            .iter()
            .filter(|r| r.name == rule)
            .cloned()
            .collect();
        for mut definition in definitions {
            if let Some(body) = self.clauses(&definition.body, Some(src)) {
                definition.body = body;
            }
            definition.name = name.clone();
            self.made.push(definition);
        }
        Some(name)
    }
}
