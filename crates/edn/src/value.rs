//! The [`Edn`] value type and its accessors. Printing lives in `display.rs`.

use std::hash::{Hash, Hasher};

use bigdecimal::BigDecimal;
use num_bigint::BigInt;

use crate::names::{Keyword, Symbol};

/// One EDN value.
///
/// Equality is structural. Two details differ from a plain derive:
/// - `Double`s compare by bit pattern, except that every NaN equals every
///   other NaN. So `0.0 != -0.0`, `NaN == NaN`, and equality is a true
///   equivalence, which lets `Edn` implement `Eq` and `Hash` (the reader uses
///   that to find duplicate map keys and set elements).
/// - `Map` and `Set` keep the order they were read in and compare in that
///   order: `{:a 1 :b 2}` is not equal to `{:b 2 :a 1}`.
#[derive(Debug, Clone)]
pub enum Edn {
    /// `nil`.
    Nil,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits 64 bits, written without `N`.
    Long(i64),
    /// An arbitrary-precision integer: written with `N` (`42N`) or too big for 64 bits.
    BigInt(BigInt),
    /// A floating-point number (`1.5`, `-2e10`, `##NaN`).
    Double(f64),
    /// An exact decimal, written with `M` (`1.50M`). Equality is numeric, as Clojure's `=`
    /// (`1.5M` equals `1.50M`); the printer keeps the scale that was read.
    BigDec(BigDecimal),
    /// A ratio `numerator/denominator` in lowest terms with a denominator above 1, as
    /// `clojure.edn/read` reads `1/3` (`4/2` reads as the integer 2).
    Ratio(BigInt, BigInt),
    /// A string.
    String(String),
    /// A character literal (`\a`, `\newline`, `\u00e9`).
    Char(char),
    /// A keyword (`:db/id`).
    Keyword(Keyword),
    /// A symbol (`?e`, `clojure.string/blank?`).
    Symbol(Symbol),
    /// A list `( ... )`.
    List(Vec<Edn>),
    /// A vector `[ ... ]`.
    Vector(Vec<Edn>),
    /// A map `{ ... }` as key/value pairs in reading order, keys distinct.
    Map(Vec<(Edn, Edn)>),
    /// A set `#{ ... }` in reading order, elements distinct.
    Set(Vec<Edn>),
    /// `#inst "..."`: milliseconds since the Unix epoch, UTC.
    Inst(i64),
    /// `#uuid "..."`: the 16 bytes of the UUID, most significant first.
    Uuid([u8; 16]),
    /// Any other tagged literal `#tag value`; the tag is kept without `#`.
    Tagged(String, Box<Edn>),
    /// A regular-expression literal `#"…"` (Clojure's reader, used in queries), its pattern
    /// text exactly as written between the quotes.
    Regex(String),
}

impl Edn {
    /// A short name of the value's type for error messages: "vector",
    /// "keyword", "map", ...
    pub fn type_name(&self) -> &'static str {
        match self {
            Edn::Nil => "nil",
            Edn::Bool(_) => "boolean",
            Edn::Long(_) => "integer",
            Edn::BigInt(_) => "big integer",
            Edn::Double(_) => "floating-point number",
            Edn::BigDec(_) => "big decimal",
            Edn::Ratio(..) => "ratio",
            Edn::String(_) => "string",
            Edn::Char(_) => "character",
            Edn::Keyword(_) => "keyword",
            Edn::Symbol(_) => "symbol",
            Edn::List(_) => "list",
            Edn::Vector(_) => "vector",
            Edn::Map(_) => "map",
            Edn::Set(_) => "set",
            Edn::Inst(_) => "instant",
            Edn::Uuid(_) => "uuid",
            Edn::Tagged(..) => "tagged literal",
            Edn::Regex(_) => "regular expression",
        }
    }

    /// The keyword, if this is one.
    pub fn as_keyword(&self) -> Option<&Keyword> {
        match self {
            Edn::Keyword(k) => Some(k),
            _ => None,
        }
    }

    /// The symbol, if this is one.
    pub fn as_symbol(&self) -> Option<&Symbol> {
        match self {
            Edn::Symbol(s) => Some(s),
            _ => None,
        }
    }

    /// The string contents, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Edn::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_long(&self) -> Option<i64> {
        match self {
            Edn::Long(n) => Some(*n),
            _ => None,
        }
    }

    /// The double, if this is one (integers are not converted).
    pub fn as_double(&self) -> Option<f64> {
        match self {
            Edn::Double(x) => Some(*x),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Edn::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements of a list or vector (queries accept either).
    pub fn as_seq(&self) -> Option<&[Edn]> {
        match self {
            Edn::List(items) | Edn::Vector(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map.
    pub fn as_map(&self) -> Option<&[(Edn, Edn)]> {
        match self {
            Edn::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// Whether this is `nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Edn::Nil)
    }

    /// Whether this is a symbol that prints as `text`, e.g.
    /// `is_symbol_named("?x")` or `is_symbol_named("clojure.string/blank?")`.
    pub fn is_symbol_named(&self, text: &str) -> bool {
        self.as_symbol().is_some_and(|s| s.matches(text))
    }

    /// Whether this is a keyword that prints as `text`, e.g.
    /// `is_keyword_named(":db/id")`.
    pub fn is_keyword_named(&self, text: &str) -> bool {
        self.as_keyword().is_some_and(|k| k.matches(text))
    }

    /// Looks up `key` in a map (linear scan; EDN maps are usually small).
    /// Returns `None` if this is not a map or the key is absent.
    pub fn get(&self, key: &Edn) -> Option<&Edn> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Looks up a keyword key in a map by its printed form, e.g.
    /// `entity.get_keyword(":db/id")`.
    pub fn get_keyword(&self, keyword: &str) -> Option<&Edn> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.is_keyword_named(keyword))
            .map(|(_, v)| v)
    }
}

/// Doubles are equal when their bits are, and all NaNs are equal.
fn double_eq(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// The bits hashed for a double, consistent with [`double_eq`].
fn double_hash_bits(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

impl PartialEq for Edn {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Edn::Nil, Edn::Nil) => true,
            (Edn::Bool(a), Edn::Bool(b)) => a == b,
            (Edn::Long(a), Edn::Long(b)) => a == b,
            (Edn::BigInt(a), Edn::BigInt(b)) => a == b,
            (Edn::Double(a), Edn::Double(b)) => double_eq(*a, *b),
            (Edn::BigDec(a), Edn::BigDec(b)) => a == b,
            (Edn::Ratio(n, d), Edn::Ratio(m, e)) => n == m && d == e,
            (Edn::Regex(a), Edn::Regex(b)) => a == b,
            (Edn::String(a), Edn::String(b)) => a == b,
            (Edn::Char(a), Edn::Char(b)) => a == b,
            (Edn::Keyword(a), Edn::Keyword(b)) => a == b,
            (Edn::Symbol(a), Edn::Symbol(b)) => a == b,
            (Edn::List(a), Edn::List(b)) => a == b,
            (Edn::Vector(a), Edn::Vector(b)) => a == b,
            (Edn::Map(a), Edn::Map(b)) => a == b,
            (Edn::Set(a), Edn::Set(b)) => a == b,
            (Edn::Inst(a), Edn::Inst(b)) => a == b,
            (Edn::Uuid(a), Edn::Uuid(b)) => a == b,
            (Edn::Tagged(t, a), Edn::Tagged(u, b)) => t == u && a == b,
            _ => false,
        }
    }
}

impl Eq for Edn {}

impl Hash for Edn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Edn::Nil => {}
            Edn::Bool(b) => b.hash(state),
            Edn::Long(n) => n.hash(state),
            Edn::BigInt(n) => n.hash(state),
            Edn::Double(x) => double_hash_bits(*x).hash(state),
            // Numerically equal decimals are equal: hash the normalized form.
            Edn::BigDec(d) => d.normalized().as_bigint_and_exponent().hash(state),
            Edn::Ratio(n, d) => (n, d).hash(state),
            Edn::Regex(p) => p.hash(state),
            Edn::String(s) => s.hash(state),
            Edn::Char(c) => c.hash(state),
            Edn::Keyword(k) => k.hash(state),
            Edn::Symbol(s) => s.hash(state),
            Edn::List(items) | Edn::Vector(items) | Edn::Set(items) => items.hash(state),
            Edn::Map(entries) => entries.hash(state),
            Edn::Inst(ms) => ms.hash(state),
            Edn::Uuid(bytes) => bytes.hash(state),
            Edn::Tagged(tag, value) => {
                tag.hash(state);
                value.hash(state);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn double_equality() {
        assert_eq!(Edn::Double(f64::NAN), Edn::Double(-f64::NAN));
        assert_ne!(Edn::Double(0.0), Edn::Double(-0.0));
        assert_eq!(Edn::Double(1.5), Edn::Double(1.5));
        assert_ne!(Edn::Double(1.0), Edn::Long(1));
        let set: HashSet<Edn> = [Edn::Double(f64::NAN), Edn::Double(-f64::NAN)].into();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn accessors() {
        let kw = Edn::Keyword(Keyword::new(Some("db"), "id"));
        assert!(kw.is_keyword_named(":db/id"));
        assert_eq!(kw.type_name(), "keyword");
        assert!(kw.as_symbol().is_none());
        let sym = Edn::Symbol(Symbol::new(None, "?x"));
        assert!(sym.is_symbol_named("?x"));
        assert!(!sym.is_keyword_named(":?x"));
        let map = Edn::Map(vec![(kw.clone(), Edn::Long(7))]);
        assert_eq!(map.get(&kw), Some(&Edn::Long(7)));
        assert_eq!(map.get_keyword(":db/id"), Some(&Edn::Long(7)));
        assert_eq!(map.get_keyword(":db/ident"), None);
        assert_eq!(Edn::List(vec![]).as_seq(), Some(&[][..]));
        assert_eq!(
            Edn::Vector(vec![Edn::Nil]).as_seq().map(<[_]>::len),
            Some(1)
        );
        assert!(Edn::Nil.is_nil());
        assert_eq!(Edn::Bool(true).as_bool(), Some(true));
        assert_eq!(Edn::Long(3).as_long(), Some(3));
        assert_eq!(Edn::Double(2.5).as_double(), Some(2.5));
        assert_eq!(Edn::String("s".into()).as_str(), Some("s"));
    }
}
