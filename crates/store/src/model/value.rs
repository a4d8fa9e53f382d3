//! Values of datoms: owned [`Value`] and borrowed [`ValueRef`], and their one total order.
//!
//! Invariants (checked by `tests/encoding_props.rs`): the order of [`Value`] is exactly the byte
//! order of its index encoding (`encoding/value.rs`), and equal values have equal encodings.
//! Values of different types order by type, in the order of [`ValueType::ALL`]; within a type:
//!
//! - booleans `false < true`; longs, instants, refs, big integers numerically; doubles and floats
//!   by IEEE total order (`-0.0 < 0.0`, NaN last — one bit pattern per NaN);
//! - big decimals numerically, and always in their shortest form (`1.50M` is the value `1.5M`,
//!   as Clojure's `=` has it);
//! - strings, URIs and bytes bytewise (UTF-8 order, which is code-point order);
//! - keywords and symbols as Clojure's `compare`: no namespace first, then by namespace, then by
//!   name (`:b < :a/z < :a-b/c`, because the namespace `a` sorts before `a-b`);
//! - tuples element by element (`nil` first), a shorter tuple before its extensions.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use bigdecimal::BigDecimal;
use num_bigint::BigInt;

use super::uuid::Uuid;

/// The type of an attribute's values (`:db/valueType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueType {
    /// `:db.type/boolean`
    Boolean,
    /// `:db.type/long` — 64-bit signed integer.
    Long,
    /// `:db.type/double` — 64-bit float.
    Double,
    /// `:db.type/instant` — milliseconds since the Unix epoch, UTC.
    Instant,
    /// `:db.type/string`
    String,
    /// `:db.type/keyword`
    Keyword,
    /// `:db.type/uuid`
    Uuid,
    /// `:db.type/bytes`
    Bytes,
    /// `:db.type/ref` — another entity.
    Ref,
    /// `:db.type/float` — 32-bit float.
    Float,
    /// `:db.type/bigint` — arbitrary-precision integer.
    BigInt,
    /// `:db.type/bigdec` — arbitrary-precision decimal.
    BigDec,
    /// `:db.type/uri` — a URI, kept as its text.
    Uri,
    /// `:db.type/symbol` — an EDN symbol.
    Symbol,
    /// `:db.type/tuple` — a small vector of scalars (see [`crate::TupleType`]).
    Tuple,
}

impl ValueType {
    /// Every type, in tag order (the order values of different types sort in).
    pub const ALL: [ValueType; 15] = [
        ValueType::Boolean,
        ValueType::Long,
        ValueType::Double,
        ValueType::Instant,
        ValueType::String,
        ValueType::Keyword,
        ValueType::Uuid,
        ValueType::Bytes,
        ValueType::Ref,
        ValueType::Float,
        ValueType::BigInt,
        ValueType::BigDec,
        ValueType::Uri,
        ValueType::Symbol,
        ValueType::Tuple,
    ];

    /// The ident naming this type, without the colon (`db.type/string`).
    pub fn ident(self) -> &'static str {
        match self {
            ValueType::Boolean => "db.type/boolean",
            ValueType::Long => "db.type/long",
            ValueType::Double => "db.type/double",
            ValueType::Instant => "db.type/instant",
            ValueType::String => "db.type/string",
            ValueType::Keyword => "db.type/keyword",
            ValueType::Uuid => "db.type/uuid",
            ValueType::Bytes => "db.type/bytes",
            ValueType::Ref => "db.type/ref",
            ValueType::Float => "db.type/float",
            ValueType::BigInt => "db.type/bigint",
            ValueType::BigDec => "db.type/bigdec",
            ValueType::Uri => "db.type/uri",
            ValueType::Symbol => "db.type/symbol",
            ValueType::Tuple => "db.type/tuple",
        }
    }

    /// The type named by an ident (`db.type/long`, with or without the colon).
    pub fn from_ident(ident: &str) -> Option<ValueType> {
        let ident = ident.strip_prefix(':').unwrap_or(ident);
        ValueType::ALL.into_iter().find(|t| t.ident() == ident)
    }

    /// Short name for messages (`string`, `long`, …).
    pub fn name(self) -> &'static str {
        &self.ident()["db.type/".len()..]
    }

    /// Whether values of this type are numbers (they compare numerically with each other in
    /// queries).
    pub fn is_number(self) -> bool {
        matches!(
            self,
            ValueType::Long
                | ValueType::Double
                | ValueType::Float
                | ValueType::BigInt
                | ValueType::BigDec
        )
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An owned datom value.
///
/// Equality and order are total and agree with the index encoding (see the module doc).
/// Keywords and symbols are held as their text without a leading colon (`user/name`); big
/// decimals only in their shortest form (build them with [`Value::big_dec`]).
#[derive(Clone, Debug)]
pub enum Value {
    /// A boolean.
    Boolean(bool),
    /// A 64-bit signed integer.
    Long(i64),
    /// A 64-bit float.
    Double(f64),
    /// Milliseconds since the Unix epoch, UTC.
    Instant(i64),
    /// A string.
    String(String),
    /// A keyword, stored without its leading colon (`user/name`).
    Keyword(String),
    /// A UUID.
    Uuid(Uuid),
    /// A byte array.
    Bytes(Vec<u8>),
    /// A reference to an entity.
    Ref(u64),
    /// A 32-bit float.
    Float(f32),
    /// An arbitrary-precision integer.
    BigInt(Box<BigInt>),
    /// An arbitrary-precision decimal in its shortest form (no trailing zeros, scale ≥ 0).
    BigDec(Box<BigDecimal>),
    /// A URI's text.
    Uri(String),
    /// A symbol's text (`ns/name` or `name`).
    Symbol(String),
    /// A tuple; `None` elements are `nil`.
    Tuple(Vec<Option<Value>>),
}

impl Value {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        self.as_ref().value_type()
    }

    /// A borrowed view of the value.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Boolean(b) => ValueRef::Boolean(*b),
            Value::Long(n) => ValueRef::Long(*n),
            Value::Double(d) => ValueRef::Double(*d),
            Value::Instant(ms) => ValueRef::Instant(*ms),
            Value::String(s) => ValueRef::String(Cow::Borrowed(s)),
            Value::Keyword(k) => ValueRef::Keyword(Cow::Borrowed(k)),
            Value::Uuid(u) => ValueRef::Uuid(*u),
            Value::Bytes(b) => ValueRef::Bytes(Cow::Borrowed(b)),
            Value::Ref(e) => ValueRef::Ref(*e),
            Value::Float(x) => ValueRef::Float(*x),
            Value::BigInt(n) => ValueRef::BigInt(Cow::Borrowed(n)),
            Value::BigDec(d) => ValueRef::BigDec(Cow::Borrowed(d)),
            Value::Uri(u) => ValueRef::Uri(Cow::Borrowed(u)),
            Value::Symbol(s) => ValueRef::Symbol(Cow::Borrowed(s)),
            Value::Tuple(items) => ValueRef::Tuple(Cow::Borrowed(items)),
        }
    }

    /// A keyword value from text with or without the leading colon.
    pub fn keyword(text: &str) -> Value {
        Value::Keyword(text.strip_prefix(':').unwrap_or(text).to_string())
    }

    /// A big-decimal value: numerically the same decimal, in its shortest form (`1.50` becomes
    /// `1.5`, `1E+2` becomes `100`), so that equal numbers are equal values.
    pub fn big_dec(d: BigDecimal) -> Value {
        Value::BigDec(Box::new(shortest(d)))
    }

    /// A big-integer value.
    pub fn big_int(n: BigInt) -> Value {
        Value::BigInt(Box::new(n))
    }
}

/// A decimal without trailing zeros and with a scale of at least zero: the one form of each
/// number (`1.50` → `1.5`, `1E+2` → `100`).
pub fn shortest(d: BigDecimal) -> BigDecimal {
    let d = d.normalized();
    let scale = d.as_bigint_and_scale().1;
    // Only a bounded number of zeros is written out (a huge exponent stays an exponent).
    if scale < 0 && -scale <= MAX_DECIMAL_SCALE {
        d.with_scale(0)
    } else {
        d
    }
}

/// The largest decimal exponent datolite stores or computes with, either way (`1E+10000M`,
/// `1E-10000M`): arithmetic on decimals aligns their scales, so an unbounded exponent (a typo
/// such as `1E+999999999M`) would build a number with a billion digits.
pub const MAX_DECIMAL_SCALE: i64 = 10_000;

/// Whether a decimal is within [`MAX_DECIMAL_SCALE`]: at most that many digits after the
/// point, and a magnitude below `10^MAX_DECIMAL_SCALE` (checked from the digit count, without
/// normalizing).
pub fn decimal_in_range(d: &BigDecimal) -> bool {
    let (digits, scale) = d.as_bigint_and_scale();
    // bits · log10(2), rounded down: the decimal digits of the unscaled integer, less one at most.
    let bits = digits.magnitude().bits();
    let length = i64::try_from(bits.saturating_mul(30103) / 100_000).unwrap_or(i64::MAX);
    scale <= MAX_DECIMAL_SCALE && length.saturating_sub(scale) <= MAX_DECIMAL_SCALE
}

/// The namespace and name of a keyword or symbol text, as Clojure splits it: at the first `/`,
/// unless the whole text is `/` (`a/b/c` → `a`, `b/c`; `/` → no namespace, name `/`).
pub fn name_parts(text: &str) -> (Option<&str>, &str) {
    match text.find('/') {
        Some(i) if text != "/" => (Some(&text[..i]), &text[i + 1..]),
        _ => (None, text),
    }
}

/// Clojure's order of keywords and symbols: no namespace first, then namespace, then name.
fn compare_names(a: &str, b: &str) -> Ordering {
    let (ans, aname) = name_parts(a);
    let (bns, bname) = name_parts(b);
    ans.map(str::as_bytes)
        .cmp(&bns.map(str::as_bytes))
        .then_with(|| aname.as_bytes().cmp(bname.as_bytes()))
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_ref().cmp(&other.as_ref())
    }
}

impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_ref().hash(state)
    }
}

impl fmt::Display for Value {
    /// Prints the value as EDN that reads back to it (see [`ValueRef`]'s `Display`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Boolean(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Long(n)
    }
}
impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Long(n.into())
    }
}
impl From<f64> for Value {
    fn from(d: f64) -> Self {
        Value::Double(d)
    }
}
impl From<f32> for Value {
    fn from(x: f32) -> Self {
        Value::Float(x)
    }
}
impl From<BigInt> for Value {
    fn from(n: BigInt) -> Self {
        Value::big_int(n)
    }
}
impl From<BigDecimal> for Value {
    fn from(d: BigDecimal) -> Self {
        Value::big_dec(d)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

/// A value borrowed from the storage engine's memory where possible (strings and bytes without
/// escapes point straight into the key), so scans decode without allocating.
///
/// Laid out as four aligned words — a word-wide tag (`repr(C, u64)`) and payloads that fill
/// whole words (hence [`Uuid`]'s alignment) — because scans build one per datom and move it
/// through several `Result`s: with a one-byte tag and a payload starting beside it, the
/// compiler copied the bytes between them piecewise and every datom paid store-forwarding
/// stalls (`docs/design.md`, "Values in memory").
#[derive(Clone, Debug)]
#[repr(C, u64)]
pub enum ValueRef<'a> {
    /// A boolean.
    Boolean(bool),
    /// A 64-bit signed integer.
    Long(i64),
    /// A 64-bit float.
    Double(f64),
    /// Milliseconds since the Unix epoch, UTC.
    Instant(i64),
    /// A string.
    String(Cow<'a, str>),
    /// A keyword without its leading colon.
    Keyword(Cow<'a, str>),
    /// A UUID.
    Uuid(Uuid),
    /// A byte array.
    Bytes(Cow<'a, [u8]>),
    /// A reference to an entity.
    Ref(u64),
    /// A 32-bit float.
    Float(f32),
    /// An arbitrary-precision integer (boxed, like [`Value`]'s, so that a `ValueRef` stays
    /// four words: scans move one per datom).
    BigInt(Cow<'a, Box<BigInt>>),
    /// An arbitrary-precision decimal in its shortest form (boxed).
    BigDec(Cow<'a, Box<BigDecimal>>),
    /// A URI's text.
    Uri(Cow<'a, str>),
    /// A symbol's text.
    Symbol(Cow<'a, str>),
    /// A tuple; `None` elements are `nil`.
    Tuple(Cow<'a, [Option<Value>]>),
}

impl ValueRef<'_> {
    /// The value's type.
    pub fn value_type(&self) -> ValueType {
        match self {
            ValueRef::Boolean(_) => ValueType::Boolean,
            ValueRef::Long(_) => ValueType::Long,
            ValueRef::Double(_) => ValueType::Double,
            ValueRef::Instant(_) => ValueType::Instant,
            ValueRef::String(_) => ValueType::String,
            ValueRef::Keyword(_) => ValueType::Keyword,
            ValueRef::Uuid(_) => ValueType::Uuid,
            ValueRef::Bytes(_) => ValueType::Bytes,
            ValueRef::Ref(_) => ValueType::Ref,
            ValueRef::Float(_) => ValueType::Float,
            ValueRef::BigInt(_) => ValueType::BigInt,
            ValueRef::BigDec(_) => ValueType::BigDec,
            ValueRef::Uri(_) => ValueType::Uri,
            ValueRef::Symbol(_) => ValueType::Symbol,
            ValueRef::Tuple(_) => ValueType::Tuple,
        }
    }

    /// Whether dropping this value frees memory: it owns a payload (an unescaped or spilled
    /// string, a big number or tuple decoded from its key) rather than borrowing one.
    #[inline(always)]
    pub fn owns_memory(&self) -> bool {
        // Exhaustive on purpose: a new variant must say whether it owns memory.
        match self {
            ValueRef::Boolean(_)
            | ValueRef::Long(_)
            | ValueRef::Double(_)
            | ValueRef::Instant(_)
            | ValueRef::Uuid(_)
            | ValueRef::Ref(_)
            | ValueRef::Float(_) => false,
            ValueRef::String(s) | ValueRef::Keyword(s) | ValueRef::Uri(s) | ValueRef::Symbol(s) => {
                matches!(s, Cow::Owned(_))
            }
            ValueRef::Bytes(b) => matches!(b, Cow::Owned(_)),
            ValueRef::BigInt(n) => matches!(n, Cow::Owned(_)),
            ValueRef::BigDec(d) => matches!(d, Cow::Owned(_)),
            ValueRef::Tuple(items) => matches!(items, Cow::Owned(_)),
        }
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Value {
        match self {
            ValueRef::Boolean(b) => Value::Boolean(*b),
            ValueRef::Long(n) => Value::Long(*n),
            ValueRef::Double(d) => Value::Double(*d),
            ValueRef::Instant(ms) => Value::Instant(*ms),
            ValueRef::String(s) => Value::String(s.to_string()),
            ValueRef::Keyword(k) => Value::Keyword(k.to_string()),
            ValueRef::Uuid(u) => Value::Uuid(*u),
            ValueRef::Bytes(b) => Value::Bytes(b.to_vec()),
            ValueRef::Ref(e) => Value::Ref(*e),
            ValueRef::Float(x) => Value::Float(*x),
            ValueRef::BigInt(n) => Value::BigInt(n.clone().into_owned()),
            ValueRef::BigDec(d) => Value::BigDec(d.clone().into_owned()),
            ValueRef::Uri(u) => Value::Uri(u.to_string()),
            ValueRef::Symbol(s) => Value::Symbol(s.to_string()),
            ValueRef::Tuple(items) => Value::Tuple(items.to_vec()),
        }
    }
}

impl PartialEq for ValueRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ValueRef<'_> {}

impl PartialOrd for ValueRef<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ValueRef<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        use ValueRef::*;
        match (self, other) {
            (Boolean(a), Boolean(b)) => a.cmp(b),
            (Long(a), Long(b)) => a.cmp(b),
            (Double(a), Double(b)) => a.total_cmp(b),
            (Instant(a), Instant(b)) => a.cmp(b),
            (String(a), String(b)) | (Uri(a), Uri(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Keyword(a), Keyword(b)) | (Symbol(a), Symbol(b)) => compare_names(a, b),
            (Uuid(a), Uuid(b)) => a.cmp(b),
            (Bytes(a), Bytes(b)) => a.cmp(b),
            (Ref(a), Ref(b)) => a.cmp(b),
            (Float(a), Float(b)) => a.total_cmp(b),
            (BigInt(a), BigInt(b)) => a.cmp(b),
            (BigDec(a), BigDec(b)) => a.cmp(b),
            (Tuple(a), Tuple(b)) => a.iter().cmp(b.iter()),
            _ => self.value_type().cmp(&other.value_type()),
        }
    }
}

impl std::hash::Hash for ValueRef<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value_type().hash(state);
        match self {
            ValueRef::Boolean(b) => b.hash(state),
            ValueRef::Long(n) | ValueRef::Instant(n) => n.hash(state),
            ValueRef::Double(d) => d.to_bits().hash(state),
            ValueRef::String(s) | ValueRef::Keyword(s) | ValueRef::Uri(s) | ValueRef::Symbol(s) => {
                s.hash(state)
            }
            ValueRef::Uuid(u) => u.hash(state),
            ValueRef::Bytes(b) => b.hash(state),
            ValueRef::Ref(e) => e.hash(state),
            ValueRef::Float(x) => x.to_bits().hash(state),
            ValueRef::BigInt(n) => n.hash(state),
            // Held in their shortest form, so equal decimals have equal parts.
            ValueRef::BigDec(d) => d.as_bigint_and_scale().hash(state),
            ValueRef::Tuple(items) => items.hash(state),
        }
    }
}

impl fmt::Display for ValueRef<'_> {
    /// Prints the value as EDN with the printer of [`datolite_edn`], so it reads back to the
    /// same value (read with the value's type, as the transactor reads it: a float prints as a
    /// plain number, a ref as its entity id).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::print::write_value(f, self)
    }
}

#[cfg(test)]
mod tests {
    /// Scans move a `ValueRef` per datom and rows hold `Value`s: keep both at four words.
    #[test]
    fn values_stay_four_words() {
        assert_eq!(std::mem::size_of::<super::Value>(), 32);
        assert_eq!(std::mem::size_of::<super::ValueRef<'_>>(), 32);
        // The tag's spare values still make room for `None` and for `Decoded::Spilled`.
        assert_eq!(std::mem::size_of::<Option<super::ValueRef<'_>>>(), 32);
        assert_eq!(std::mem::size_of::<crate::encoding::Decoded<'_>>(), 32);
    }
}
