//! EDN values that remember where each form started, for error messages
//! about queries and transaction data that point into the user's text.

use bigdecimal::BigDecimal;
use num_bigint::BigInt;

use crate::error::Pos;
use crate::names::{Keyword, Symbol};
use crate::value::Edn;

/// A form together with the position of its first character; children are
/// spanned too. Read with [`parse_spanned`](crate::parse_spanned).
///
/// For a tagged literal (`#inst`, `#uuid`, `#my/tag`) the position is that of
/// the `#`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpannedEdn {
    /// Where the form starts.
    pub pos: Pos,
    /// The form itself.
    pub kind: SpannedKind,
}

/// The shape of a [`SpannedEdn`]: [`Edn`] with spanned children.
#[derive(Debug, Clone, PartialEq)]
pub enum SpannedKind {
    /// `nil`.
    Nil,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Long(i64),
    /// An arbitrary-precision integer (`42N`).
    BigInt(BigInt),
    /// A floating-point number.
    Double(f64),
    /// An exact decimal (`1.5M`).
    BigDec(BigDecimal),
    /// A ratio (`1/3`).
    Ratio(BigInt, BigInt),
    /// A string.
    String(String),
    /// A character.
    Char(char),
    /// A keyword.
    Keyword(Keyword),
    /// A symbol.
    Symbol(Symbol),
    /// A list `( ... )`.
    List(Vec<SpannedEdn>),
    /// A vector `[ ... ]`.
    Vector(Vec<SpannedEdn>),
    /// A map `{ ... }` in reading order.
    Map(Vec<(SpannedEdn, SpannedEdn)>),
    /// A set `#{ ... }` in reading order.
    Set(Vec<SpannedEdn>),
    /// `#inst`: milliseconds since the Unix epoch, UTC.
    Inst(i64),
    /// `#uuid`: the 16 bytes.
    Uuid([u8; 16]),
    /// Any other tagged literal.
    Tagged(String, Box<SpannedEdn>),
    /// A regular-expression literal `#"…"`.
    Regex(String),
}

impl SpannedEdn {
    /// Wraps a plain value, giving every nested form the same position.
    pub fn from_edn(value: Edn, pos: Pos) -> Self {
        let wrap = |v: Edn| SpannedEdn::from_edn(v, pos);
        let wrap_all = |items: Vec<Edn>| items.into_iter().map(wrap).collect();
        let kind = match value {
            Edn::Nil => SpannedKind::Nil,
            Edn::Bool(b) => SpannedKind::Bool(b),
            Edn::Long(n) => SpannedKind::Long(n),
            Edn::BigInt(n) => SpannedKind::BigInt(n),
            Edn::Double(x) => SpannedKind::Double(x),
            Edn::BigDec(d) => SpannedKind::BigDec(d),
            Edn::Ratio(n, d) => SpannedKind::Ratio(n, d),
            Edn::Regex(p) => SpannedKind::Regex(p),
            Edn::String(s) => SpannedKind::String(s),
            Edn::Char(c) => SpannedKind::Char(c),
            Edn::Keyword(k) => SpannedKind::Keyword(k),
            Edn::Symbol(s) => SpannedKind::Symbol(s),
            Edn::List(items) => SpannedKind::List(wrap_all(items)),
            Edn::Vector(items) => SpannedKind::Vector(wrap_all(items)),
            Edn::Set(items) => SpannedKind::Set(wrap_all(items)),
            Edn::Map(entries) => SpannedKind::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (wrap(k), wrap(v)))
                    .collect(),
            ),
            Edn::Inst(ms) => SpannedKind::Inst(ms),
            Edn::Uuid(bytes) => SpannedKind::Uuid(bytes),
            Edn::Tagged(tag, value) => SpannedKind::Tagged(tag, Box::new(wrap(*value))),
        };
        SpannedEdn { pos, kind }
    }

    /// The plain value, positions dropped.
    pub fn to_edn(&self) -> Edn {
        let all = |items: &[SpannedEdn]| items.iter().map(SpannedEdn::to_edn).collect();
        match &self.kind {
            SpannedKind::Nil => Edn::Nil,
            SpannedKind::Bool(b) => Edn::Bool(*b),
            SpannedKind::Long(n) => Edn::Long(*n),
            SpannedKind::BigInt(n) => Edn::BigInt(n.clone()),
            SpannedKind::Double(x) => Edn::Double(*x),
            SpannedKind::BigDec(d) => Edn::BigDec(d.clone()),
            SpannedKind::Ratio(n, d) => Edn::Ratio(n.clone(), d.clone()),
            SpannedKind::Regex(p) => Edn::Regex(p.clone()),
            SpannedKind::String(s) => Edn::String(s.clone()),
            SpannedKind::Char(c) => Edn::Char(*c),
            SpannedKind::Keyword(k) => Edn::Keyword(k.clone()),
            SpannedKind::Symbol(s) => Edn::Symbol(s.clone()),
            SpannedKind::List(items) => Edn::List(all(items)),
            SpannedKind::Vector(items) => Edn::Vector(all(items)),
            SpannedKind::Set(items) => Edn::Set(all(items)),
            SpannedKind::Map(entries) => Edn::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_edn(), v.to_edn()))
                    .collect(),
            ),
            SpannedKind::Inst(ms) => Edn::Inst(*ms),
            SpannedKind::Uuid(bytes) => Edn::Uuid(*bytes),
            SpannedKind::Tagged(tag, value) => Edn::Tagged(tag.clone(), Box::new(value.to_edn())),
        }
    }

    /// Whether two forms are equal as values, ignoring positions: the same
    /// as `a.to_edn() == b.to_edn()` without building the values.
    pub fn same_value(&self, other: &SpannedEdn) -> bool {
        let all = |a: &[SpannedEdn], b: &[SpannedEdn]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_value(y))
        };
        match (&self.kind, &other.kind) {
            (SpannedKind::Nil, SpannedKind::Nil) => true,
            (SpannedKind::Bool(a), SpannedKind::Bool(b)) => a == b,
            (SpannedKind::Long(a), SpannedKind::Long(b)) => a == b,
            (SpannedKind::BigInt(a), SpannedKind::BigInt(b)) => a == b,
            (SpannedKind::BigDec(a), SpannedKind::BigDec(b)) => a == b,
            (SpannedKind::Ratio(n, d), SpannedKind::Ratio(m, e)) => n == m && d == e,
            (SpannedKind::Regex(a), SpannedKind::Regex(b)) => a == b,
            (SpannedKind::Double(a), SpannedKind::Double(b)) => Edn::Double(*a) == Edn::Double(*b),
            (SpannedKind::String(a), SpannedKind::String(b)) => a == b,
            (SpannedKind::Char(a), SpannedKind::Char(b)) => a == b,
            (SpannedKind::Keyword(a), SpannedKind::Keyword(b)) => a == b,
            (SpannedKind::Symbol(a), SpannedKind::Symbol(b)) => a == b,
            (SpannedKind::List(a), SpannedKind::List(b))
            | (SpannedKind::Vector(a), SpannedKind::Vector(b))
            | (SpannedKind::Set(a), SpannedKind::Set(b)) => all(a, b),
            (SpannedKind::Map(a), SpannedKind::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka.same_value(kb) && va.same_value(vb))
            }
            (SpannedKind::Inst(a), SpannedKind::Inst(b)) => a == b,
            (SpannedKind::Uuid(a), SpannedKind::Uuid(b)) => a == b,
            (SpannedKind::Tagged(t, a), SpannedKind::Tagged(u, b)) => t == u && a.same_value(b),
            _ => false,
        }
    }

    /// A short name of the form's type, as [`Edn::type_name`].
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            SpannedKind::Nil => "nil",
            SpannedKind::Bool(_) => "boolean",
            SpannedKind::Long(_) => "integer",
            SpannedKind::BigInt(_) => "big integer",
            SpannedKind::Double(_) => "floating-point number",
            SpannedKind::BigDec(_) => "big decimal",
            SpannedKind::Ratio(..) => "ratio",
            SpannedKind::Regex(_) => "regular expression",
            SpannedKind::String(_) => "string",
            SpannedKind::Char(_) => "character",
            SpannedKind::Keyword(_) => "keyword",
            SpannedKind::Symbol(_) => "symbol",
            SpannedKind::List(_) => "list",
            SpannedKind::Vector(_) => "vector",
            SpannedKind::Map(_) => "map",
            SpannedKind::Set(_) => "set",
            SpannedKind::Inst(_) => "instant",
            SpannedKind::Uuid(_) => "uuid",
            SpannedKind::Tagged(..) => "tagged literal",
        }
    }

    /// The keyword, if this form is one.
    pub fn as_keyword(&self) -> Option<&Keyword> {
        match &self.kind {
            SpannedKind::Keyword(k) => Some(k),
            _ => None,
        }
    }

    /// The symbol, if this form is one.
    pub fn as_symbol(&self) -> Option<&Symbol> {
        match &self.kind {
            SpannedKind::Symbol(s) => Some(s),
            _ => None,
        }
    }

    /// The string contents, if this form is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            SpannedKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements of a list or vector.
    pub fn as_seq(&self) -> Option<&[SpannedEdn]> {
        match &self.kind {
            SpannedKind::List(items) | SpannedKind::Vector(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map.
    pub fn as_map(&self) -> Option<&[(SpannedEdn, SpannedEdn)]> {
        match &self.kind {
            SpannedKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// Whether this is a symbol that prints as `text` (e.g. `"?x"`).
    pub fn is_symbol_named(&self, text: &str) -> bool {
        self.as_symbol().is_some_and(|s| s.matches(text))
    }

    /// Whether this is a keyword that prints as `text` (e.g. `":find"`).
    pub fn is_keyword_named(&self, text: &str) -> bool {
        self.as_keyword().is_some_and(|k| k.matches(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edn_round_trip() {
        let value = Edn::Vector(vec![
            Edn::Map(vec![(Edn::Long(1), Edn::Set(vec![Edn::Nil]))]),
            Edn::Tagged("t".into(), Box::new(Edn::List(vec![Edn::Inst(5)]))),
            Edn::Uuid([1; 16]),
        ]);
        let spanned = SpannedEdn::from_edn(value.clone(), Pos { line: 2, column: 3 });
        assert_eq!(spanned.to_edn(), value);
        assert_eq!(spanned.type_name(), "vector");
        assert_eq!(spanned.as_seq().map(<[_]>::len), Some(3));
        assert_eq!(spanned.as_seq().unwrap()[0].pos, Pos { line: 2, column: 3 });
        let moved = SpannedEdn::from_edn(value.clone(), Pos { line: 9, column: 9 });
        assert_ne!(spanned, moved);
        assert!(spanned.same_value(&moved));
        let other = SpannedEdn::from_edn(Edn::Vector(vec![]), Pos::START);
        assert!(!spanned.same_value(&other));
        let nan = |x: f64| SpannedEdn::from_edn(Edn::Double(x), Pos::START);
        assert!(nan(f64::NAN).same_value(&nan(-f64::NAN)));
        assert!(!nan(0.0).same_value(&nan(-0.0)));
    }
}
