//! Data patterns in the naive evaluator: every datom of the snapshot against every row.
//!
//! A keyword a row binds in the attribute position names that attribute; it is resolved per
//! row here (the executor does the same once per step). An unknown keyword there is an error
//! naming it. Entity positions take ids (keyword inputs there are resolved when bound).

use datolite_store::{Datom, Db, Value};

use crate::ast::{Clause, Constant, Pattern, Term};
use crate::error::{QueryError, Result};
use crate::rows::{unify, unify_term, Row};

/// What the attribute position becomes for one row.
enum Resolved {
    /// The position as written.
    Keep,
    /// The attribute id a bound keyword names.
    Id(u64),
    /// A keyword naming something that is not an attribute: no datom matches.
    Never,
}

/// The rows `row` extends to through `p` (over `datoms`).
pub(crate) fn extend(
    db: &Db,
    datoms: &[Datom],
    row: &Row,
    p: &Pattern,
    clause: &Clause,
) -> Result<Vec<Row>> {
    let schema = db.schema();
    let fail = |msg: String| QueryError::invalid(format!("{msg} in {}", clause.form), clause.pos);
    fn keyword<'t>(row: &'t Row, t: &'t Term) -> Option<(&'t crate::ast::Var, &'t str)> {
        match t {
            Term::Var(v) => match row.get(v) {
                Some(Value::Keyword(k)) => Some((v, k)),
                _ => None,
            },
            _ => None,
        }
    }
    let attribute = match keyword(row, &p.a) {
        Some((v, k)) => match schema.attribute_named(k) {
            Some(a) => Resolved::Id(u64::from(a.id)),
            None if schema.entity_of_ident(k).is_some() => Resolved::Never,
            None => return Err(fail(format!("unknown attribute :{k} (the value of {v})"))),
        },
        None => Resolved::Keep,
    };
    let p = match attribute {
        Resolved::Keep => std::borrow::Cow::Borrowed(p),
        Resolved::Id(id) => {
            let mut p = p.clone();
            p.a = Term::Const(Constant::Long(i64::try_from(id).unwrap_or(i64::MAX)));
            std::borrow::Cow::Owned(p)
        }
        Resolved::Never => return Ok(Vec::new()),
    };
    Ok(datoms
        .iter()
        .filter_map(|d| match_datom(db, row, &p, d))
        .collect())
}

/// The row extended by matching pattern `p` against datom `d`, if it matches.
fn match_datom(db: &Db, row: &Row, p: &Pattern, d: &Datom) -> Option<Row> {
    let schema = db.schema();
    let mut r = row.clone();
    let e_ok = match &p.e {
        Term::Const(Constant::Long(n)) => u64::try_from(*n) == Ok(d.e),
        Term::Const(Constant::Keyword(k)) => schema.entity_of_ident(k) == Some(d.e),
        Term::Const(_) | Term::Src(_) => false,
        t => unify(&mut r, t, &Value::Ref(d.e)),
    };
    let a_ok = e_ok
        && match &p.a {
            Term::Const(Constant::Keyword(k)) => {
                schema.attribute_named(k).map(|a| u64::from(a.id)) == Some(d.a)
            }
            Term::Const(Constant::Long(n)) => u64::try_from(*n) == Ok(d.a),
            Term::Const(_) | Term::Src(_) => false,
            t => unify(&mut r, t, &Value::Ref(d.a)),
        };
    let ok = a_ok
        && unify_term(schema, &mut r, &p.v, &d.v)
        && match &p.tx {
            Term::Const(Constant::Long(n)) => u64::try_from(*n) == Ok(d.tx),
            Term::Const(_) | Term::Src(_) => false,
            t => unify(&mut r, t, &Value::Ref(d.tx)),
        }
        && match &p.added {
            Term::Const(Constant::Bool(b)) => *b == d.added,
            Term::Const(_) | Term::Src(_) => false,
            t => unify(&mut r, t, &Value::Boolean(d.added)),
        };
    ok.then_some(r)
}
