//! The input and result types both evaluators share, the result order and the result shapes.

use std::fmt;

use datolite_store::Value;

use crate::ast::{FindSpec, Query, ReturnMap};

/// One input supplied to [`crate::q`], matching the query's `:in` list in order.
///
/// The flat variants cover the classic binding forms; [`InputValue::Form`] takes any value for
/// any (nested) binding form and is what [`crate::bind_args`] produces.
#[derive(Clone, Debug, PartialEq)]
pub enum InputValue {
    /// For a source input (`$`, `$h`): the `db` passed to [`crate::q`].
    Db,
    /// For a source input: another value of the same database — as of a point, since one, its
    /// history, or a speculative `with` value (`:in $ $before`).
    Source(datolite_store::Db),
    /// For `?x`.
    Scalar(Value),
    /// For `[?x ...]`.
    Collection(Vec<Value>),
    /// For `[?x ?y]`.
    Tuple(Vec<Value>),
    /// For `[[?x ?y]]`.
    Relation(Vec<Vec<Value>>),
    /// For any binding form: destructured by it (`[[?k [?v ...]]]` takes
    /// `[[1 [2 3]] [4 [5]]]`).
    Form(InputForm),
    /// For `%`: the `rules` passed to [`crate::q`].
    Rules,
    /// For a pattern input (`:in $ pattern`, read by `(pull ?e pattern)`).
    Pattern(crate::pull::PullPattern),
}

impl InputValue {
    /// The input as a [`InputForm`] (`None` for `Db` and `Rules`).
    pub(crate) fn form(&self) -> Option<InputForm> {
        let vector =
            |xs: &[Value]| InputForm::Vector(xs.iter().cloned().map(InputForm::Value).collect());
        Some(match self {
            InputValue::Db | InputValue::Source(_) | InputValue::Rules | InputValue::Pattern(_) => {
                return None
            }
            InputValue::Scalar(x) => InputForm::Value(x.clone()),
            InputValue::Collection(xs) | InputValue::Tuple(xs) => vector(xs),
            InputValue::Relation(rows) => {
                InputForm::Vector(rows.iter().map(|r| vector(r)).collect())
            }
            InputValue::Form(f) => f.clone(),
        })
    }
}

/// An input value as written: values, and vectors (or sets) of input values. The binding form
/// it is bound with decides what a vector is: the elements of a collection or tuple binding,
/// or — at a variable — a lookup ref `[:attr value]` naming an entity (where the query uses
/// the variable as an entity), else a tuple value.
#[derive(Clone, Debug, PartialEq)]
pub enum InputForm {
    /// `nil`: only a tuple's element (`["a" nil]`).
    Nil,
    /// A value.
    Value(Value),
    /// A vector (or list).
    Vector(Vec<InputForm>),
    /// A set: only a collection binding `[?x ...]` takes it.
    Set(Vec<InputForm>),
}

impl fmt::Display for InputForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items = |f: &mut fmt::Formatter<'_>, xs: &[InputForm]| {
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{x}")?;
            }
            Ok(())
        };
        match self {
            InputForm::Nil => f.write_str("nil"),
            InputForm::Value(v) => write!(f, "{v}"),
            InputForm::Vector(xs) => {
                f.write_str("[")?;
                items(f, xs)?;
                f.write_str("]")
            }
            InputForm::Set(xs) => {
                f.write_str("#{")?;
                items(f, xs)?;
                f.write_str("}")
            }
        }
    }
}

/// One cell of a result: a value, or the collection some aggregates return.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    /// A plain value.
    Value(Value),
    /// The values of a `(distinct ?x)` aggregate, sorted, without duplicates.
    Set(Vec<Value>),
    /// The values of `(min n ?x)`, `(max n ?x)`, `(rand n ?x)` and `(sample n ?x)`, in that
    /// aggregate's order.
    Vector(Vec<Value>),
    /// `(pull ?e pattern)`: the entity as a map, or `None` (`nil`) when it has none of the
    /// pattern's attributes.
    Pulled(Option<crate::pull::PullMap>),
}

impl From<Value> for Cell {
    fn from(v: Value) -> Self {
        Cell::Value(v)
    }
}

/// The result of [`crate::q`], shaped by the find spec.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryResult {
    /// `:find ?a ?b`: sorted lexicographically by [`crate::compare`] (ties broken by `Value`'s own
    /// order), then `:order-by` (stable) and `:limit`. A set, except that `:with` without
    /// aggregates keeps one tuple per distinct find + `:with` tuple (a bag, as in Datomic).
    Relation(Vec<Vec<Cell>>),
    /// `:find ?x .`: the first value of the sorted relation, if any.
    Scalar(Option<Cell>),
    /// `:find [?x ...]`: the sorted values.
    Collection(Vec<Cell>),
    /// `:find [?a ?b]`: the first tuple of the sorted relation, if any.
    Tuple(Option<Vec<Cell>>),
    /// `:find ?a ?b :keys a b` (or `:strs`, `:syms`): the relation's rows, in its order, each
    /// read as a map from the names to the cells.
    Maps {
        /// The key names, one per column.
        keys: ReturnMap,
        /// The rows.
        rows: Vec<Vec<Cell>>,
    },
    /// `:find [?a ?b] :keys a b`: the tuple as one map, if any.
    Map {
        /// The key names, one per column.
        keys: ReturnMap,
        /// The tuple.
        row: Option<Vec<Cell>>,
    },
}

impl QueryResult {
    /// The result as rows of cells, in order: a relation's rows (maps included, positionally),
    /// each value of a collection or the scalar as a one-cell row, the tuple as one row.
    pub fn rows(&self) -> Vec<&[Cell]> {
        match self {
            QueryResult::Relation(rows) | QueryResult::Maps { rows, .. } => {
                rows.iter().map(Vec::as_slice).collect()
            }
            QueryResult::Scalar(cell) => cell.iter().map(std::slice::from_ref).collect(),
            QueryResult::Collection(cells) => cells.iter().map(std::slice::from_ref).collect(),
            QueryResult::Tuple(row) | QueryResult::Map { row, .. } => {
                row.iter().map(Vec::as_slice).collect()
            }
        }
    }

    /// How many rows [`QueryResult::rows`] has.
    pub fn row_count(&self) -> usize {
        match self {
            QueryResult::Relation(rows) | QueryResult::Maps { rows, .. } => rows.len(),
            QueryResult::Collection(cells) => cells.len(),
            QueryResult::Scalar(cell) => usize::from(cell.is_some()),
            QueryResult::Tuple(row) | QueryResult::Map { row, .. } => usize::from(row.is_some()),
        }
    }

    /// The key names of a result of return maps (`:keys`, `:strs`, `:syms`).
    pub fn map_keys(&self) -> Option<&ReturnMap> {
        match self {
            QueryResult::Maps { keys, .. } | QueryResult::Map { keys, .. } => Some(keys),
            _ => None,
        }
    }
}

/// The result of a query from its final rows (already sorted, ordered and limited).
pub(crate) fn shape(rel: Vec<Vec<Cell>>, query: &Query) -> QueryResult {
    let first_cell = |r: Vec<Cell>| r.into_iter().next();
    match (&query.find, &query.return_map) {
        (FindSpec::Rel(_), Some(keys)) => QueryResult::Maps {
            keys: keys.clone(),
            rows: rel,
        },
        (FindSpec::Tuple(_), Some(keys)) => QueryResult::Map {
            keys: keys.clone(),
            row: rel.into_iter().next(),
        },
        (FindSpec::Rel(_), None) => QueryResult::Relation(rel),
        (FindSpec::Scalar(_), _) => {
            QueryResult::Scalar(rel.into_iter().next().and_then(first_cell))
        }
        (FindSpec::Coll(_), _) => {
            QueryResult::Collection(rel.into_iter().filter_map(first_cell).collect())
        }
        (FindSpec::Tuple(_), None) => QueryResult::Tuple(rel.into_iter().next()),
    }
}
