//! The query AST: what the parser produces and the planner consumes.
//!
//! Plain data: names stay unresolved (keywords are not turned into attribute
//! ids, functions are names checked against the parser's table) because
//! resolution needs a database and belongs to the planner.

use std::fmt;

pub use datolite_store::edn::Pos;

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
    /// A vector literal (only as a function argument, e.g. for `ground`).
    Vector(Vec<Constant>),
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
    /// `:keys` names (without colons), one per find element, if given.
    pub keys: Option<Vec<String>>,
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

/// One returned column.
#[derive(Clone, Debug, PartialEq)]
pub enum FindElem {
    /// A variable's value.
    Var(Var),
    /// An aggregate over a variable, e.g. `(count ?x)`.
    Aggregate(Aggregate),
}

impl FindElem {
    /// The variable the element reads.
    pub fn var(&self) -> &Var {
        match self {
            FindElem::Var(v) => v,
            FindElem::Aggregate(a) => &a.arg,
        }
    }
}

/// An aggregate find element.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    /// Which aggregate.
    pub func: AggregateFn,
    /// The aggregated variable.
    pub arg: Var,
}

/// The supported aggregate functions.
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
    /// `distinct`: the set of values.
    Distinct,
    /// `(min n ?x)`: up to `n` least values, least first (a bag: `:with` keeps duplicates).
    MinN(usize),
    /// `(max n ?x)`: up to `n` greatest values, greatest first.
    MaxN(usize),
}

impl AggregateFn {
    /// The aggregate called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "count" => AggregateFn::Count,
            "count-distinct" => AggregateFn::CountDistinct,
            "sum" => AggregateFn::Sum,
            "avg" => AggregateFn::Avg,
            "min" => AggregateFn::Min,
            "max" => AggregateFn::Max,
            "median" => AggregateFn::Median,
            "distinct" => AggregateFn::Distinct,
            _ => return None,
        })
    }

    /// The name as written in queries.
    pub fn name(self) -> &'static str {
        match self {
            AggregateFn::Count => "count",
            AggregateFn::CountDistinct => "count-distinct",
            AggregateFn::Sum => "sum",
            AggregateFn::Avg => "avg",
            AggregateFn::Min | AggregateFn::MinN(_) => "min",
            AggregateFn::Max | AggregateFn::MaxN(_) => "max",
            AggregateFn::Median => "median",
            AggregateFn::Distinct => "distinct",
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
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Src(s) => write!(f, "{s}"),
            Input::Rules => f.write_str("%"),
            Input::Binding(b) => write!(f, "{b}"),
        }
    }
}

/// A binding form, in `:in` or after a function expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Binding {
    /// `?x`: one value.
    Scalar(BindVar),
    /// `[?x ?y]`: one tuple.
    Tuple(Vec<BindVar>),
    /// `[?x ...]`: a collection of values.
    Coll(BindVar),
    /// `[[?x ?y]]`: a collection of tuples.
    Rel(Vec<BindVar>),
}

impl Binding {
    /// The variables bound (blanks skipped).
    pub fn vars(&self) -> Vec<&Var> {
        let items: &[BindVar] = match self {
            Binding::Scalar(v) | Binding::Coll(v) => std::slice::from_ref(v),
            Binding::Tuple(vs) | Binding::Rel(vs) => vs,
        };
        items
            .iter()
            .filter_map(|b| match b {
                BindVar::Var(v) => Some(v),
                BindVar::Blank => None,
            })
            .collect()
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |vs: &[BindVar]| {
            vs.iter()
                .map(BindVar::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        };
        match self {
            Binding::Scalar(v) => write!(f, "{v}"),
            Binding::Tuple(vs) => write!(f, "[{}]", join(vs)),
            Binding::Coll(v) => write!(f, "[{v} ...]"),
            Binding::Rel(vs) => write!(f, "[[{}]]", join(vs)),
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
