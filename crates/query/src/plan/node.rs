//! The physical plan: a tree of nodes the executor runs as given (`docs/design.md`, §8.3 The
//! physical plan).
//!
//! A clause list becomes a [`Plan`]: its nodes in execution order. Each node holds every
//! decision about its clause — for a data pattern the index and bound prefix per input row
//! ([`Access`]) and the join method ([`Join`]); for `not`, `or` and `and` the plans of their
//! bodies, planned for the variables the step's input binds; for a rule call how it joins the
//! rule's relation. The executor only binds values into those decisions: it never chooses an
//! index or calls the planner.
//!
//! Two decisions depend on a number known only when the node runs — the size of its input — so
//! the plan fixes the threshold instead: a pattern whose join is [`Join::Adaptive`] looks the
//! index up per input row below `from_rows` rows and scans once above; a rule call indexes its
//! relation from `index_from_pairs` row × tuple pairs on. The thresholds come from the
//! statistics here, so `explain` shows them and `explain --analyze` which side ran.

use std::collections::BTreeSet;
use std::ops::Bound;

use crate::ast::{Clause, ClauseKind, Pattern, Term, Var};
use crate::error::Result;
use crate::exec::JoinStrategy;
use crate::plan::access::{access, const_attribute, Access};
use crate::plan::estimate::per_row;
use crate::plan::order::plan;
use crate::plan::Env;
use crate::resolve::closure::{Closure, Side, Step};
use crate::resolve::demand::binds;
use crate::rows::mentioned;

/// From this many input rows on, a pattern may be scanned once and hash-joined.
const HASH_MIN_ROWS: usize = 64;

/// How much more one index lookup costs than reading one datom of a scan (measured with
/// `datolite bench people`: a lookup opens a cursor and descends the B-tree).
const LOOKUP_COST_IN_DATOMS: f64 = 24.0;

/// From this many input row × tuple pairs on, a rule call indexes the relation on a bound
/// argument instead of pairing every row with every tuple.
const RULE_INDEX_MIN_PAIRS: usize = 4097;

/// A node's slot in the metrics of one query run (`explain --analyze`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodeId(pub usize);

/// A clause list's plan: its nodes in the order they run.
#[derive(Debug)]
pub(crate) struct Plan<'q> {
    /// The nodes, first to run first.
    pub nodes: Vec<Node<'q>>,
}

/// One step of a plan.
#[derive(Debug)]
pub(crate) struct Node<'q> {
    /// Where its metrics go.
    pub id: NodeId,
    /// The clause it runs.
    pub clause: &'q Clause,
    /// What it does.
    pub op: Op<'q>,
    /// Estimated rows after it.
    pub est: f64,
    /// Range predicates this node's AVET bounds answer exactly (they run no filter).
    pub absorbed: Vec<&'q Clause>,
}

/// What a node does.
#[derive(Debug)]
pub(crate) enum Op<'q> {
    /// Read a data pattern.
    Pattern(PatternOp),
    /// A predicate: keeps the rows it holds for.
    Filter,
    /// A function expression binding its result.
    Bind,
    /// `not` / `not-join`: drops the rows whose `keys` tuple the body satisfies.
    AntiJoin {
        /// The variables joining the body to the input (those the input binds).
        keys: Vec<Var>,
        /// The body, planned for rows binding the keys.
        body: Plan<'q>,
    },
    /// `or` / `or-join`: the union of the branches, joined back on `targets`.
    Union {
        /// The variables joining the branches to the input.
        targets: Vec<Var>,
        /// One plan per branch, planned for rows binding the targets the input binds.
        branches: Vec<Plan<'q>>,
    },
    /// `and` (outside an `or`): the body run on the rows.
    And(Plan<'q>),
    /// A rule call, joined to the rule's relation.
    Rule(RuleOp),
    /// A call of a closure rule binding an argument: a search from the bound values.
    Closure(ClosureOp<'q>),
}

/// A closure rule's call answered by a search from the values the input binds at one argument
/// (`crate::resolve::closure`): phases of steps, each step's body planned for rows binding its
/// start.
#[derive(Debug)]
pub(crate) struct ClosureOp<'q> {
    /// The argument the search starts from: 0 (forward) or 1 (backward).
    pub start: usize,
    /// The phases one chain goes through, in order.
    pub phases: Vec<Search<'q>>,
    /// Whether chains repeat (the rule has a doubly recursive definition): the phases run
    /// again from every value reached, until nothing new is reached.
    pub repeats: bool,
}

/// One phase of a search: its steps taken once, or repeatedly until nothing new is reached.
#[derive(Debug)]
pub(crate) struct Search<'q> {
    /// How often the steps are taken.
    pub repeat: Repeat,
    /// The steps, each read from `from` to `to` (backward searches swap a step's ends).
    pub steps: Vec<(&'q Var, &'q Var, Plan<'q>)>,
}

/// How a data pattern is read and joined.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PatternOp {
    /// The index and bound prefix of one lookup (for an input row, or once without one).
    pub per_row: Access,
    /// How the datoms join the rows before the step.
    pub join: Join,
}

/// How a pattern's datoms join the rows before it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Join {
    /// It shares no variable with the input: one lookup, every datom with every row.
    Product,
    /// One index lookup per input row.
    Lookups,
    /// One scan joined to all the input rows.
    Scan(ScanJoin),
    /// Lookups below `from_rows` input rows, else the scan (reading the pattern once costs
    /// less than that many lookups).
    Adaptive {
        /// The input size from which the scan runs.
        from_rows: usize,
        /// The scan then.
        scan: ScanJoin,
    },
}

/// A pattern read once, with only its constants bound, and joined to the input.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ScanJoin {
    /// The scan.
    pub access: Access,
    /// The component matched against the input (the first of E, A, V, tx it shares).
    pub key: Component,
    /// The scan comes in the order of the key it joins on — entity order joining on the
    /// entity, or a reference attribute's AVET joining on the value — so the input, sorted by
    /// that key (when every row holds an id there), merges with it instead of being hashed.
    pub merge: bool,
}

/// A component of a datom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Component {
    /// The entity.
    E,
    /// The attribute.
    A,
    /// The value.
    V,
    /// The transaction.
    Tx,
}

impl Component {
    /// How explain names it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Component::E => "e",
            Component::A => "a",
            Component::V => "v",
            Component::Tx => "tx",
        }
    }
}

/// How a rule call joins the rule's relation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RuleOp {
    /// The first argument the input binds: the relation is indexed on it when large.
    pub index_arg: Option<usize>,
    /// For a recursive rule evaluated on demand: which arguments the call binds (the magic
    /// sets rewrite's adornment, `crate::resolve::demand`); `None`: the whole relation.
    pub demand: Option<Vec<bool>>,
    /// From this many input row × tuple pairs on, the relation is indexed.
    pub index_from_pairs: usize,
}

/// The node for `clause`, chosen when the variables `bound` are bound (`rows_in` rows
/// estimated) and `pending` clauses are still to run.
pub(crate) fn node<'q>(
    env: &Env<'q>,
    clause: &'q Clause,
    bound: &BTreeSet<Var>,
    pending: &[&'q Clause],
    rows_in: f64,
    est: f64,
) -> Result<Node<'q>> {
    let op = match &clause.kind {
        ClauseKind::Pattern(p) => Op::Pattern(pattern_op(env, p, clause, bound, pending)),
        ClauseKind::Pred(_) => Op::Filter,
        ClauseKind::Fn { .. } => Op::Bind,
        ClauseKind::Not {
            join_vars, clauses, ..
        } => {
            let keys: Vec<Var> = match join_vars {
                Some(vs) => vs.clone(),
                None => mentioned(clause).into_iter().collect(),
            };
            let inner = keys
                .iter()
                .filter(|v| bound.contains(*v))
                .cloned()
                .collect();
            Op::AntiJoin {
                keys,
                body: plan(env, clauses, &inner, rows_in)?,
            }
        }
        ClauseKind::Or { join, branches, .. } => {
            let targets: Vec<Var> = match join {
                Some(j) => j.all().cloned().collect(),
                None => mentioned(clause).into_iter().collect(),
            };
            let inner: BTreeSet<Var> = targets
                .iter()
                .filter(|v| bound.contains(*v))
                .cloned()
                .collect();
            let branches = branches
                .iter()
                .map(|b| plan(env, branch_body(b), &inner, rows_in))
                .collect::<Result<_>>()?;
            Op::Union { targets, branches }
        }
        ClauseKind::And(cs) => Op::And(plan(env, cs, bound, rows_in)?),
        ClauseKind::RuleCall {
            name,
            args,
            src: None,
        } if env.closures.contains_key(name) && search_start(args, bound).is_some() => {
            closure_op(env, &env.closures[name], args, bound, rows_in)?
        }
        ClauseKind::RuleCall { args, name, src } => Op::Rule(RuleOp {
            index_arg: args
                .iter()
                .position(|t| matches!(t, Term::Var(v) if bound.contains(v))),
            demand: {
                let adornment: Vec<bool> = args.iter().map(|t| binds(t, bound)).collect();
                (src.is_none() && env.demand.contains(name) && adornment.contains(&true))
                    .then_some(adornment)
            },
            index_from_pairs: match env.strategy {
                JoinStrategy::Scans => 0,
                _ => RULE_INDEX_MIN_PAIRS,
            },
        }),
    };
    Ok(Node {
        id: env.next_id(),
        clause,
        op,
        est,
        absorbed: Vec::new(),
    })
}

/// How often a search phase takes its steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Once (the exits).
    Once,
    /// Zero or more times (`F*`, `G*`): the values the phase starts from are kept.
    ZeroOrMore,
    /// One or more times (`F⁺`, `G⁺`: the exit is the step itself).
    OneOrMore,
}

/// The argument a search for a closure call starts from: the first one bound (a constant or
/// a variable the input binds).
/// Only scalar constants start a search: a keyword argument may name an entity by its ident,
/// which only the relation's values can tell.
fn search_start(args: &[Term], bound: &BTreeSet<Var>) -> Option<usize> {
    if args.len() != 2 {
        return None;
    }
    args.iter().position(|t| binds(t, bound))
}

/// The search answering a call of `closure` (see [`ClosureOp`]): forward `F*, E, G*` from the
/// first argument, or backward `G*, E, F*` from the second, each step's body planned for rows
/// binding its start (and the search's own column, which no clause mentions).
fn closure_op<'q>(
    env: &Env<'q>,
    closure: &'q Closure,
    args: &[Term],
    bound: &BTreeSet<Var>,
    rows_in: f64,
) -> Result<Op<'q>> {
    let start = search_start(args, bound).unwrap_or(0);
    let forward = start == 0;
    let phase = |steps: &'q [Step], repeat: Repeat| -> Result<Search<'q>> {
        let steps = steps
            .iter()
            .map(|s| {
                let (from, to) = if forward {
                    (&s.from, &s.to)
                } else {
                    (&s.to, &s.from)
                };
                let bound = BTreeSet::from([from.clone()]);
                Ok((from, to, plan(env, &s.body, &bound, rows_in)?))
            })
            .collect::<Result<_>>()?;
        Ok(Search { repeat, steps })
    };
    // Forward: F, the exits, G; backward: G, the exits, F. An exit that is the step itself
    // makes that step's phase `⁺` and the exit phase disappear.
    let star = |side: Side| {
        if closure.exit_repeats == Some(side) {
            Repeat::OneOrMore
        } else {
            Repeat::ZeroOrMore
        }
    };
    let (first, last) = if forward {
        (
            (&closure.before, Side::Before),
            (&closure.after, Side::After),
        )
    } else {
        (
            (&closure.after, Side::After),
            (&closure.before, Side::Before),
        )
    };
    let mut phases = vec![phase(first.0, star(first.1))?];
    if closure.exit_repeats.is_none() {
        phases.push(phase(&closure.exits, Repeat::Once)?);
    }
    phases.push(phase(last.0, star(last.1))?);
    Ok(Op::Closure(ClosureOp {
        start,
        phases,
        repeats: closure.repeats,
    }))
}

/// The clauses of an `or` branch: an `and`'s list, or the one clause.
pub(crate) fn branch_body(branch: &Clause) -> &[Clause] {
    match &branch.kind {
        ClauseKind::And(cs) => cs.as_slice(),
        _ => std::slice::from_ref(branch),
    }
}

/// Index and join method of pattern `p`.
fn pattern_op(
    env: &Env<'_>,
    p: &Pattern,
    clause: &Clause,
    bound: &BTreeSet<Var>,
    pending: &[&Clause],
) -> PatternOp {
    let per_row = access(env, p, bound, pending);
    let join = join_of(env, p, clause, bound, &per_row);
    PatternOp { per_row, join }
}

/// Lookups per row, or one scan when that reads fewer datoms than the lookups would cost.
fn join_of(
    env: &Env<'_>,
    p: &Pattern,
    clause: &Clause,
    bound: &BTreeSet<Var>,
    per_row_access: &Access,
) -> Join {
    let is_bound = |t: &Term| matches!(t, Term::Var(v) if bound.contains(v));
    let key = [
        (&p.e, Component::E),
        (&p.a, Component::A),
        (&p.v, Component::V),
        (&p.tx, Component::Tx),
    ]
    .into_iter()
    .find_map(|(t, c)| is_bound(t).then_some(c));
    if let Access::AvetRangeOf { .. } = per_row_access {
        // A range per row: only lookups can read it.
        return Join::Lookups;
    }
    let Some(key) = key else {
        // Only the `added` position shared: checked per datom.
        return if is_bound(&p.added) {
            Join::Lookups
        } else {
            Join::Product
        };
    };
    if is_bound(&p.added) {
        return Join::Lookups;
    }
    // Joined on the value of a reference attribute: the attribute's AVET, in value order,
    // merges with the input's ids (sorted) instead of hashing them.
    // Not with a constant entity: its own datoms (EAVT [e a]) are fewer than the attribute's.
    let value_merge = key == Component::V
        && !matches!(p.e, Term::Const(_))
        && !matches!(per_row_access, Access::AvetRange(..))
        && const_attribute(env.db, p).is_some_and(|a| a.is_ref());
    // The one scan: the per-row range when there is one, else only the constants bound.
    let scan_access = match per_row_access {
        Access::AvetRange(..) => per_row_access.clone(),
        _ if value_merge => Access::AvetRange(Bound::Unbounded, Bound::Unbounded),
        _ => access(env, p, &BTreeSet::new(), &[]),
    };
    let scan = ScanJoin {
        merge: (key == Component::E && entity_ordered(&scan_access)) || value_merge,
        access: scan_access,
        key,
    };
    match env.strategy {
        JoinStrategy::Lookups => return Join::Lookups,
        JoinStrategy::Scans => return Join::Scan(scan),
        JoinStrategy::Auto => {}
    }
    if const_attribute(env.db, p).is_none() {
        return Join::Lookups;
    }
    // The pattern with only its constants bound: what one scan reads. It costs less than
    // `rows` lookups once `alone < rows × LOOKUP_COST_IN_DATOMS`.
    let alone = per_row(env, clause, &BTreeSet::new(), &[]);
    let above = (alone / LOOKUP_COST_IN_DATOMS).floor();
    let from_rows = if above.is_finite() && above < usize::MAX as f64 {
        (above as usize).saturating_add(1)
    } else {
        usize::MAX
    };
    Join::Adaptive {
        from_rows: from_rows.max(HASH_MIN_ROWS),
        scan,
    }
}

/// Whether a scan of `access` yields its datoms in ascending entity order.
fn entity_ordered(access: &Access) -> bool {
    !matches!(access, Access::AvetRange(..) | Access::AvetRangeOf { .. })
}
