//! The one registry of built-in functions, predicates and aggregates: each entry's name, arity
//! and kind, and its implementation.
//!
//! The parser checks every call and aggregate against it (unknown names and wrong arities are
//! errors at parse time, pointing at the form); both evaluators evaluate calls through it
//! ([`call`]); the planner and the executor ask it which calls are comparisons (range pushdown,
//! comparing cells without building values). Implementations live in one module per family:
//! [`math`], [`text`], [`regex`], [`coll`], [`db`], [`aggregate`]. No implementation panics
//! for any argument: a wrong argument is an error naming it.

mod aggregate;
mod call;
mod coll;
mod db;
mod log;
mod math;
mod regex;
mod text;
mod values;

use std::cmp::Ordering;

pub(crate) use aggregate::aggregate;
pub(crate) use call::{call_builtin, call_with, constant, resolve as resolve_call, Env};
pub(crate) use db::{role, Role};
pub(crate) use regex::Regexes;

use crate::ast::AggregateFn;
pub(crate) use values::FnVal;
use values::R;

/// A built-in's implementation: the environment (database, subqueries, compiled regexes) and
/// the argument values; the error message is completed with the clause by the caller.
pub(crate) type Imp = fn(&dyn Env, &[FnVal]) -> R<FnVal>;

/// The comparisons, which both evaluators and the planner treat specially.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// `=`.
    Eq,
    /// `!=`, `not=`.
    Ne,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
    /// `<=`.
    Le,
    /// `>=`.
    Ge,
}

impl Cmp {
    /// Whether `a op b` holds when `a` compares to `b` as `o`.
    pub(crate) fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Ne => o != Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
        }
    }

    /// The comparison with its arguments swapped (`a < b` is `b > a`).
    pub(crate) fn flipped(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Gt => Cmp::Lt,
            Cmp::Le => Cmp::Ge,
            Cmp::Ge => Cmp::Le,
            other => other,
        }
    }
}

/// What a built-in is, for the parser's checks and the evaluators' shortcuts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Returns a truth value (usable as a predicate, or bound).
    Predicate,
    /// Returns a value to bind (usable as a predicate too: truthy unless `nil`/`false`).
    Function,
    /// A comparison on the value order.
    Comparison(Cmp),
    /// Reads the database: its first argument must be a source (`$`).
    Database,
    /// `q`: its first argument is a query, the others that query's inputs.
    Subquery,
}

/// One registry entry.
pub(crate) struct Builtin {
    /// The name as written (`clojure.string/starts-with?`).
    pub name: &'static str,
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments (`None`: any number).
    pub max: Option<usize>,
    /// What it is.
    pub kind: Kind,
    /// The implementation.
    pub imp: Imp,
}

impl Builtin {
    /// Whether `n` arguments are accepted.
    pub(crate) fn accepts(&self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|max| n <= max)
    }
}

const fn entry(
    name: &'static str,
    min: usize,
    max: Option<usize>,
    kind: Kind,
    imp: Imp,
) -> Builtin {
    Builtin {
        name,
        min,
        max,
        kind,
        imp,
    }
}

use Kind::{Database, Function, Predicate};

/// `q` is evaluated by [`call`] itself (its first argument is a query, not a value).
fn subquery_placeholder(_: &dyn Env, _: &[FnVal]) -> R<FnVal> {
    Err("q is evaluated by the caller".into())
}

/// Every built-in function and predicate.
///
/// | function | arity | |
/// |---|---|---|
/// | `= != not= < > <= >=` | 1.. | comparisons on the value order; one argument is always true |
/// | `+ *` | 0.. | identity element with no arguments |
/// | `- /` | 1.. | `(- x)` negates, `(/ x)` inverts |
/// | `quot rem mod` | 2 | integers |
/// | `inc dec` | 1 | |
/// | `even? odd?` | 1 | integers |
/// | `zero? pos? neg?` | 1 | numbers |
/// | `compare` | 2 | -1, 0 or 1 |
/// | `true? false? nil? some? not` | 1 | |
/// | `identity ground untuple` | 1 | |
/// | `tuple vector` | 1.. / 0.. | one tuple value of the arguments (a variable can hold it); `vector` of collections is a collection |
/// | `count` | 1 | characters, bytes or elements |
/// | `str` | 0.. | concatenation |
/// | `subs` | 2–3 | string, start, optional end |
/// | `keyword` | 1–2 | `(keyword "n")`, `(keyword "ns" "n")` |
/// | `name namespace` | 1 | of a keyword |
/// | `clojure.string/starts-with? ends-with? includes?` | 2 | string, part |
/// | `clojure.string/lower-case upper-case blank?` | 1 | |
/// | `re-find re-matches re-seq` | 2 | pattern, string |
/// | `re-pattern` | 1 | a pattern |
/// | `get-else` | 4 | `$ e :attr default` |
/// | `get-some` | 3.. | `$ e :attr1 :attr2 ...` |
/// | `missing?` | 3 | `$ e :attr` |
/// | `q` | 1.. | the query, then its inputs |
/// | `year month day hour minute second` | 1 | an instant, UTC |
static FUNCTIONS: &[Builtin] = &[
    entry("=", 1, None, Kind::Comparison(Cmp::Eq), math::eq),
    entry("!=", 1, None, Kind::Comparison(Cmp::Ne), math::ne),
    entry("not=", 1, None, Kind::Comparison(Cmp::Ne), math::ne),
    entry("<", 1, None, Kind::Comparison(Cmp::Lt), math::lt),
    entry(">", 1, None, Kind::Comparison(Cmp::Gt), math::gt),
    entry("<=", 1, None, Kind::Comparison(Cmp::Le), math::le),
    entry(">=", 1, None, Kind::Comparison(Cmp::Ge), math::ge),
    entry("+", 0, None, Function, math::add),
    entry("*", 0, None, Function, math::mul),
    entry("-", 1, None, Function, math::sub),
    entry("/", 1, None, Function, math::div),
    entry("quot", 2, Some(2), Function, math::quot),
    entry("rem", 2, Some(2), Function, math::rem),
    entry("mod", 2, Some(2), Function, math::modulo),
    entry("inc", 1, Some(1), Function, math::inc),
    entry("dec", 1, Some(1), Function, math::dec),
    entry("even?", 1, Some(1), Predicate, math::even),
    entry("odd?", 1, Some(1), Predicate, math::odd),
    entry("zero?", 1, Some(1), Predicate, math::zero),
    entry("pos?", 1, Some(1), Predicate, math::pos),
    entry("neg?", 1, Some(1), Predicate, math::neg),
    entry("compare", 2, Some(2), Function, math::compare_fn),
    entry("true?", 1, Some(1), Predicate, coll::is_true),
    entry("false?", 1, Some(1), Predicate, coll::is_false),
    entry("nil?", 1, Some(1), Predicate, coll::is_nil),
    entry("some?", 1, Some(1), Predicate, coll::is_some),
    entry("not", 1, Some(1), Predicate, coll::not),
    entry("identity", 1, Some(1), Function, coll::identity),
    entry("ground", 1, Some(1), Function, coll::identity),
    entry("untuple", 1, Some(1), Function, coll::identity),
    entry("tuple", 1, None, Function, coll::tuple),
    entry("vector", 0, None, Function, coll::vector),
    entry("count", 1, Some(1), Function, coll::count),
    entry("str", 0, None, Function, text::str_fn),
    entry("subs", 2, Some(3), Function, text::subs),
    entry("keyword", 1, Some(2), Function, text::keyword),
    entry("name", 1, Some(1), Function, text::name),
    entry("namespace", 1, Some(1), Function, text::namespace),
    entry(
        "clojure.string/starts-with?",
        2,
        Some(2),
        Predicate,
        text::starts_with,
    ),
    entry(
        "clojure.string/ends-with?",
        2,
        Some(2),
        Predicate,
        text::ends_with,
    ),
    entry(
        "clojure.string/includes?",
        2,
        Some(2),
        Predicate,
        text::includes,
    ),
    entry(
        "clojure.string/lower-case",
        1,
        Some(1),
        Function,
        text::lower_case,
    ),
    entry(
        "clojure.string/upper-case",
        1,
        Some(1),
        Function,
        text::upper_case,
    ),
    entry("clojure.string/blank?", 1, Some(1), Predicate, text::blank),
    entry("re-find", 2, Some(2), Function, regex::re_find),
    entry("re-matches", 2, Some(2), Function, regex::re_matches),
    entry("re-seq", 2, Some(2), Function, regex::re_seq),
    entry("re-pattern", 1, Some(1), Function, regex::re_pattern),
    entry("get-else", 4, Some(4), Database, db::get_else),
    entry("get-some", 3, None, Database, db::get_some),
    entry("missing?", 3, Some(3), Database, db::missing),
    entry("tx-ids", 3, Some(3), Database, log::tx_ids),
    entry("tx-data", 2, Some(2), Database, log::tx_data),
    entry("q", 1, None, Kind::Subquery, subquery_placeholder),
    entry("year", 1, Some(1), Function, coll::year),
    entry("month", 1, Some(1), Function, coll::month),
    entry("day", 1, Some(1), Function, coll::day),
    entry("hour", 1, Some(1), Function, coll::hour),
    entry("minute", 1, Some(1), Function, coll::minute),
    entry("second", 1, Some(1), Function, coll::second),
];

/// Every built-in, comparisons first.
fn registry() -> impl Iterator<Item = &'static Builtin> {
    FUNCTIONS.iter()
}

/// The built-in function or predicate called `name`.
pub(crate) fn builtin(name: &str) -> Option<&'static Builtin> {
    registry().find(|b| b.name == name)
}

/// One aggregate's registry entry: the variant it is called with one argument (`(min ?x)`) and
/// with a count (`(min 3 ?x)`).
pub(crate) struct AggregateSpec {
    /// The name as written.
    pub name: &'static str,
    /// `(name ?x)`.
    pub one: Option<AggregateFn>,
    /// `(name n ?x)`.
    pub with_n: Option<AggregateFn>,
}

const fn agg(
    name: &'static str,
    one: Option<AggregateFn>,
    with_n: Option<AggregateFn>,
) -> AggregateSpec {
    AggregateSpec { name, one, with_n }
}

/// Every aggregate (evaluated by [`aggregate`]).
static AGGREGATES: &[AggregateSpec] = &[
    agg("count", Some(AggregateFn::Count), None),
    agg("count-distinct", Some(AggregateFn::CountDistinct), None),
    agg("sum", Some(AggregateFn::Sum), None),
    agg("avg", Some(AggregateFn::Avg), None),
    agg("median", Some(AggregateFn::Median), None),
    agg("variance", Some(AggregateFn::Variance), None),
    agg("stddev", Some(AggregateFn::Stddev), None),
    agg("distinct", Some(AggregateFn::Distinct), None),
    agg("min", Some(AggregateFn::Min), Some(AggregateFn::MinN)),
    agg("max", Some(AggregateFn::Max), Some(AggregateFn::MaxN)),
    agg("rand", Some(AggregateFn::Rand), Some(AggregateFn::RandN)),
    agg("sample", None, Some(AggregateFn::Sample)),
];

/// The aggregate called `name`.
pub(crate) fn aggregate_named(name: &str) -> Option<&'static AggregateSpec> {
    AGGREGATES.iter().find(|a| a.name == name)
}

/// Every built-in function and predicate with its arity bounds (`None`: any number of
/// arguments), in registry order: for tools (completion, documentation) and tests.
pub fn builtin_functions() -> Vec<(&'static str, usize, Option<usize>)> {
    registry().map(|b| (b.name, b.min, b.max)).collect()
}

/// Every built-in aggregate with its arity bounds (2 when it takes a count `n`).
pub fn builtin_aggregates() -> Vec<(&'static str, usize, usize)> {
    AGGREGATES
        .iter()
        .map(|a| {
            let min = if a.one.is_some() { 1 } else { 2 };
            let max = if a.with_n.is_some() { 2 } else { 1 };
            (a.name, min, max)
        })
        .collect()
}

/// A human description of an arity range, for messages ("2 to 3 arguments").
pub(crate) fn describe(min: usize, max: Option<usize>) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match max {
        Some(max) if max == min => format!("{min} argument{}", plural(min)),
        Some(max) => format!("{min} to {max} arguments"),
        None => format!("at least {min} argument{}", plural(min)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_has_unique_names_and_sane_bounds() {
        let all: Vec<&Builtin> = registry().collect();
        for (i, b) in all.iter().enumerate() {
            assert!(all[..i].iter().all(|o| o.name != b.name), "{}", b.name);
            assert!(b.max.is_none_or(|max| max >= b.min), "{}", b.name);
        }
        for (i, a) in AGGREGATES.iter().enumerate() {
            assert!(
                AGGREGATES[..i].iter().all(|o| o.name != a.name),
                "{}",
                a.name
            );
            assert!(a.one.is_some() || a.with_n.is_some(), "{}", a.name);
        }
        assert_eq!(builtin("subs").map(|b| (b.min, b.max)), Some((2, Some(3))));
        assert!(builtin("starts-with?").is_none());
        assert_eq!(
            builtin("<").map(|b| b.kind),
            Some(Kind::Comparison(Cmp::Lt))
        );
    }

    #[test]
    fn arity_descriptions() {
        assert_eq!(describe(1, Some(1)), "1 argument");
        assert_eq!(describe(2, Some(3)), "2 to 3 arguments");
        assert_eq!(describe(0, None), "at least 0 arguments");
    }
}
