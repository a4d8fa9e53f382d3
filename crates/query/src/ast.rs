//! The query AST: what the parser produces and the planner consumes.
//!
//! Plain data: names stay unresolved (keywords are not turned into attribute
//! ids, functions are names checked against the function registry) because
//! resolution needs a database: the `resolve` pass does it once per query.

use std::fmt;

pub use datolite_edn::Pos;

use crate::error::{QueryError, Result};

/// A query variable, kept with its `?` (`?name`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Var(pub String);

impl Var {
    /// A variable from its printed text, e.g. `Var::new("?e")`.
    pub fn new(text: &str) -> Self {
        Var(text.to_owned())
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A data source name, kept with its `$` (`$` or `$hist`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SrcVar(pub String);

impl fmt::Display for SrcVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A literal value written in the query.
///
/// Keywords stay text (without the colon): whether `:person/name` is an
/// attribute ident, an enum value or a plain keyword is decided by the
/// planner against the schema.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    /// `nil` (only accepted as a function argument).
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// An integer; in the entity or value position of a pattern it may be
    /// an entity id.
    Long(i64),
    /// A floating-point number.
    Double(f64),
    /// A string.
    String(String),
    /// A keyword, without its leading colon (`person/name`).
    Keyword(String),
    /// `#inst`: milliseconds since the Unix epoch, UTC.
    Inst(i64),
    /// `#uuid`: the 16 bytes.
    Uuid([u8; 16]),
    /// A vector literal: a function argument (e.g. for `ground`), or a lookup ref
    /// `[:attr value]` in an entity position of a pattern or a database function.
    Vector(Vec<Constant>),
    /// A regular expression literal `#"..."` (its source), accepted where a function
    /// expects a pattern (`re-find`, `re-matches`, `re-seq`, `re-pattern`).
    Regex(String),
    /// Any other value: big numbers (`42N`, `1.5M`), `#uri`, `#bytes`, a symbol in a pattern's
    /// value position, a tuple (a vector in the value position of a tuple attribute).
    Value(datolite_store::Value),
}

/// One position of a data pattern or a rule-call argument.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// A variable.
    Var(Var),
    /// `_`: matches anything, binds nothing.
    Blank,
    /// A literal.
    Const(Constant),
    /// A source name (`$`), where one is allowed.
    Src(SrcVar),
}

/// A parsed query.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// What to return.
    pub find: FindSpec,
    /// `:keys` / `:strs` / `:syms`: return maps instead of tuples, if given.
    pub return_map: Option<ReturnMap>,
    /// `:with` variables: kept for grouping/aggregation, not returned.
    pub with: Vec<Var>,
    /// `:in` inputs, in order; `[$]` when the query has no `:in`.
    pub inputs: Vec<Input>,
    /// `:where` clauses, in order (possibly none).
    pub where_clauses: Vec<Clause>,
    /// `:order-by` extension: sort keys, in priority order.
    pub order_by: Vec<OrderBy>,
    /// `:limit` extension: at most this many results.
    pub limit: Option<u64>,
    /// Where the query form starts.
    pub pos: Pos,
}

impl Query {
    /// Checks that `n_args` inputs were supplied for the `:in` list.
    ///
    /// The parser cannot know this (inputs arrive at call time), so the
    /// executor calls it to give a message listing what was expected.
    pub fn check_inputs(&self, n_args: usize) -> Result<()> {
        if n_args == self.inputs.len() {
            return Ok(());
        }
        let names: Vec<String> = self.inputs.iter().map(Input::to_string).collect();
        Err(QueryError::InputCount {
            expected: self.inputs.len(),
            names: names.join(" "),
            got: n_args,
        })
    }

    /// The find elements, whatever the find spec's shape.
    pub fn find_elements(&self) -> &[FindElem] {
        self.find.elements()
    }
}

/// The shape of the result.
#[derive(Clone, Debug, PartialEq)]
pub enum FindSpec {
    /// `:find ?a ?b`: a set of tuples.
    Rel(Vec<FindElem>),
    /// `:find ?x .`: a single value.
    Scalar(FindElem),
    /// `:find [?x ...]`: a collection of values.
    Coll(FindElem),
    /// `:find [?x ?y]`: a single tuple.
    Tuple(Vec<FindElem>),
}

impl FindSpec {
    /// The find elements in order.
    pub fn elements(&self) -> &[FindElem] {
        match self {
            FindSpec::Rel(e) | FindSpec::Tuple(e) => e,
            FindSpec::Scalar(e) | FindSpec::Coll(e) => std::slice::from_ref(e),
        }
    }
}

/// `:keys a b`, `:strs a b` or `:syms a b`: each result tuple becomes a map from these names
/// (as keywords, strings or symbols) to the find elements, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnMap {
    /// What the keys are.
    pub kind: ReturnKind,
    /// The names as written, one per find element (`title`, `movie/year`).
    pub names: Vec<String>,
}

/// The kind of key of a [`ReturnMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnKind {
    /// `:keys`: keyword keys (`:title`).
    Keys,
    /// `:strs`: string keys (`"title"`).
    Strs,
    /// `:syms`: symbol keys (`title`).
    Syms,
}

impl ReturnKind {
    /// The query key that introduces it, without the colon (`keys`).
    pub fn key(self) -> &'static str {
        match self {
            ReturnKind::Keys => "keys",
            ReturnKind::Strs => "strs",
            ReturnKind::Syms => "syms",
        }
    }
}

/// One returned column.
#[derive(Clone, Debug, PartialEq)]
pub enum FindElem {
    /// A variable's value.
    Var(Var),
    /// An aggregate over a variable, e.g. `(count ?x)`.
    Aggregate(Aggregate),
    /// `(pull ?e pattern)`: the entity `?e` as a map.
    Pull(PullElem),
}

impl FindElem {
    /// The variable the element reads.
    pub fn var(&self) -> &Var {
        match self {
            FindElem::Var(v) => v,
            FindElem::Aggregate(a) => &a.arg,
            FindElem::Pull(p) => &p.var,
        }
    }

    /// Whether the element aggregates its variable (the others group).
    pub fn is_aggregate(&self) -> bool {
        matches!(self, FindElem::Aggregate(_))
    }
}

/// A `(pull $src? ?e pattern)` find element.
#[derive(Clone, Debug, PartialEq)]
pub struct PullElem {
    /// The source pulled from (`None`: `$`).
    pub src: Option<SrcVar>,
    /// The entity variable.
    pub var: Var,
    /// The pattern: written in the query, or the name of a pattern input (`:in $ pattern`).
    pub pattern: PullSource,
}

/// Where a pull element's pattern comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum PullSource {
    /// Written in the query.
    Literal(crate::pull::PullPattern),
    /// A pattern input of `:in`, by name.
    Input(String),
}

/// An aggregate find element.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    /// Which aggregate.
    pub func: AggregateFn,
    /// The count of `(min n ?x)`, `(max n ?x)`, `(rand n ?x)` and `(sample n ?x)`.
    pub n: Option<AggregateCount>,
    /// The aggregated variable.
    pub arg: Var,
}

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.n {
            Some(n) => write!(f, "({} {n} {})", self.func.name(), self.arg),
            None => write!(f, "({} {})", self.func.name(), self.arg),
        }
    }
}

/// The `n` of an aggregate that returns up to `n` values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AggregateCount {
    /// Written as a non-negative integer.
    Const(u64),
    /// A variable bound by a scalar `:in` input (`(max ?n ?x)` with `:in $ ?n`); its value must be
    /// a non-negative integer.
    Var(Var),
}

impl fmt::Display for AggregateCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AggregateCount::Const(n) => write!(f, "{n}"),
            AggregateCount::Var(v) => write!(f, "{v}"),
        }
    }
}

/// The built-in aggregate functions (their names, arities and implementations are in the
/// function registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggregateFn {
    /// `count`: number of values (duplicates kept by `:with`).
    Count,
    /// `count-distinct`.
    CountDistinct,
    /// `sum`.
    Sum,
    /// `avg`.
    Avg,
    /// `min`.
    Min,
    /// `max`.
    Max,
    /// `median`.
    Median,
    /// `variance`: the population variance.
    Variance,
    /// `stddev`: the population standard deviation.
    Stddev,
    /// `distinct`: the set of values.
    Distinct,
    /// `(min n ?x)`: up to `n` least values, least first (a bag: `:with` keeps duplicates).
    MinN,
    /// `(max n ?x)`: up to `n` greatest values, greatest first.
    MaxN,
    /// `(rand ?x)`: one value picked at random.
    Rand,
    /// `(rand n ?x)`: up to `n` values picked at random, with repetition.
    RandN,
    /// `(sample n ?x)`: up to `n` distinct values picked at random.
    Sample,
}

impl AggregateFn {
    /// The one-argument aggregate called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        crate::functions::aggregate_named(name).and_then(|spec| spec.one)
    }

    /// The name as written in queries.
    pub fn name(self) -> &'static str {
        match self {
            AggregateFn::Count => "count",
            AggregateFn::CountDistinct => "count-distinct",
            AggregateFn::Sum => "sum",
            AggregateFn::Avg => "avg",
            AggregateFn::Min | AggregateFn::MinN => "min",
            AggregateFn::Max | AggregateFn::MaxN => "max",
            AggregateFn::Median => "median",
            AggregateFn::Variance => "variance",
            AggregateFn::Stddev => "stddev",
            AggregateFn::Distinct => "distinct",
            AggregateFn::Rand | AggregateFn::RandN => "rand",
            AggregateFn::Sample => "sample",
        }
    }
}

/// A sort key of the `:order-by` extension.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderBy {
    /// The variable sorted on.
    pub var: Var,
    /// Index of the find element that is this variable.
    pub column: usize,
    /// Ascending or descending.
    pub dir: Direction,
}

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `:asc` (the default).
    Asc,
    /// `:desc`.
    Desc,
}

/// One `:in` input.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// A database: `$` or `$name`.
    Src(SrcVar),
    /// `%`: a rule set.
    Rules,
    /// A value bound to variables.
    Binding(Binding),
    /// A pull pattern for `(pull ?e name)`: a plain symbol (`pattern`).
    Pattern(String),
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Src(s) => write!(f, "{s}"),
            Input::Rules => f.write_str("%"),
            Input::Binding(b) => write!(f, "{b}"),
            Input::Pattern(name) => f.write_str(name),
        }
    }
}

/// A binding form, in `:in` or after a function expression; recursive, as in Datomic's
/// grammar: `binding := ?x | _ | [binding ...] | [binding+]`, with `[[binding+]]` the
/// relation form (a collection of tuples).
#[derive(Clone, Debug, PartialEq)]
pub enum Binding {
    /// `?x` or `_`: one value.
    Scalar(BindVar),
    /// `[b1 b2 ...]`: one tuple, each element bound by its own form.
    Tuple(Vec<Binding>),
    /// `[b ...]`: a collection, each element bound by `b`.
    Coll(Box<Binding>),
    /// `[[b1 b2 ...]]`: a collection of tuples (the same as `[[b1 b2 ...] ...]`).
    Rel(Vec<Binding>),
}

impl Binding {
    /// The variables bound, in order (blanks skipped; a variable written twice twice).
    pub fn vars(&self) -> Vec<&Var> {
        let mut out = Vec::new();
        self.collect_vars(&mut out);
        out
    }

    fn collect_vars<'b>(&'b self, out: &mut Vec<&'b Var>) {
        match self {
            Binding::Scalar(BindVar::Var(v)) => out.push(v),
            Binding::Scalar(BindVar::Blank) => {}
            Binding::Coll(b) => b.collect_vars(out),
            Binding::Tuple(bs) | Binding::Rel(bs) => bs.iter().for_each(|b| b.collect_vars(out)),
        }
    }

    /// A scalar binding of `var`.
    pub fn var(var: Var) -> Binding {
        Binding::Scalar(BindVar::Var(var))
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |bs: &[Binding]| {
            bs.iter()
                .map(Binding::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        };
        match self {
            Binding::Scalar(v) => write!(f, "{v}"),
            Binding::Tuple(bs) => write!(f, "[{}]", join(bs)),
            Binding::Coll(b) => write!(f, "[{b} ...]"),
            Binding::Rel(bs) => write!(f, "[[{}]]", join(bs)),
        }
    }
}

/// An element of a binding form.
#[derive(Clone, Debug, PartialEq)]
pub enum BindVar {
    /// Bind this variable.
    Var(Var),
    /// `_`: ignore this position.
    Blank,
}

impl fmt::Display for BindVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindVar::Var(v) => write!(f, "{v}"),
            BindVar::Blank => f.write_str("_"),
        }
    }
}

/// A `:where` clause (or a rule body clause) with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    /// What the clause says.
    pub kind: ClauseKind,
    /// Where the clause starts.
    pub pos: Pos,
    /// The clause printed as EDN, for later error messages and `explain`.
    pub form: String,
}

/// The kinds of clause.
#[derive(Clone, Debug, PartialEq)]
pub enum ClauseKind {
    /// `[e a v tx added]`.
    Pattern(Pattern),
    /// `[(pred args...)]`.
    Pred(Call),
    /// `[(f args...) binding]`.
    Fn {
        /// The call.
        call: Call,
        /// What the result binds.
        binding: Binding,
    },
    /// `(not ...)` (`join_vars: None`) or `(not-join [?v ...] ...)`.
    Not {
        /// A leading source (`($h not ...)`).
        src: Option<SrcVar>,
        /// The `not-join` variables.
        join_vars: Option<Vec<Var>>,
        /// The negated clauses (at least one).
        clauses: Vec<Clause>,
    },
    /// `(or ...)` (`join: None`) or `(or-join [...] ...)`.
    Or {
        /// A leading source.
        src: Option<SrcVar>,
        /// The `or-join` variables.
        join: Option<RuleVars>,
        /// The alternatives; an `(and ...)` branch is a [`ClauseKind::And`].
        branches: Vec<Clause>,
    },
    /// `(and ...)`, only as an `or` branch.
    And(Vec<Clause>),
    /// `(rule-name args...)`.
    RuleCall {
        /// A leading source (`($h rule ?x)`).
        src: Option<SrcVar>,
        /// The rule name.
        name: String,
        /// The arguments: variables, blanks or constants.
        args: Vec<Term>,
    },
}

/// A data pattern; positions not written are [`Term::Blank`].
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    /// A leading source, `None` meaning the default `$`.
    pub src: Option<SrcVar>,
    /// Entity.
    pub e: Term,
    /// Attribute.
    pub a: Term,
    /// Value.
    pub v: Term,
    /// Transaction.
    pub tx: Term,
    /// Added flag.
    pub added: Term,
}

/// A function or predicate call.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The function name as written (`clojure.string/starts-with?`).
    pub func: String,
    /// The arguments.
    pub args: Vec<FnArg>,
}

impl Call {
    /// The source the call reads (its first source argument: `(missing? $before ?e :a)`),
    /// `None` for the default `$` or a call that reads none.
    pub fn src(&self) -> Option<&SrcVar> {
        self.args.iter().find_map(|a| match a {
            FnArg::Src(s) => Some(s),
            _ => None,
        })
    }
}

/// A function argument.
#[derive(Clone, Debug, PartialEq)]
pub enum FnArg {
    /// A variable (must be bound).
    Var(Var),
    /// A literal.
    Const(Constant),
    /// A source (`$`), for `get-else`, `missing?`, `q`, ...
    Src(SrcVar),
    /// `%`: the rule set passed on to a subquery.
    Rules,
    /// A nested query, the first argument of `q`.
    Query(Box<Query>),
}

/// The variable lists of a rule head or of `or-join`:
/// `[[?req1 ?req2] ?opt ...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleVars {
    /// Variables that must be bound when the rule / or-join is used.
    pub required: Vec<Var>,
    /// The other variables.
    pub free: Vec<Var>,
}

impl RuleVars {
    /// All variables, required first.
    pub fn all(&self) -> impl Iterator<Item = &Var> {
        self.required.iter().chain(&self.free)
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.required.len() + self.free.len()
    }

    /// Whether there are no variables.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One rule definition; several with the same name form a disjunction.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The rule name.
    pub name: String,
    /// The head's variables.
    pub vars: RuleVars,
    /// The body (at least one clause).
    pub body: Vec<Clause>,
    /// Where the definition starts.
    pub pos: Pos,
    /// The definition printed as EDN.
    pub form: String,
}
