//! Values of datoms: owned [`Value`] and borrowed [`ValueRef`].

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use crate::edn::format_inst_millis;

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
}

impl ValueType {
    /// Every type, in tag order.
    pub const ALL: [ValueType; 9] = [
        ValueType::Boolean,
        ValueType::Long,
        ValueType::Double,
        ValueType::Instant,
        ValueType::String,
        ValueType::Keyword,
        ValueType::Uuid,
        ValueType::Bytes,
        ValueType::Ref,
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
        }
    }

    /// The type named by an ident (`db.type/long`, without the colon).
    pub fn from_ident(ident: &str) -> Option<ValueType> {
        ValueType::ALL.into_iter().find(|t| t.ident() == ident)
    }

    /// Short name for messages (`string`, `long`, …).
    pub fn name(self) -> &'static str {
        &self.ident()["db.type/".len()..]
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An owned datom value.
///
/// Equality and order are total: doubles compare by IEEE total order (so `NaN == NaN` and
/// `-0.0 < 0.0`), and values of different types order by type (the order of [`ValueType::ALL`]),
/// exactly as their encoded keys do.
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
    /// A UUID's 16 bytes.
    Uuid([u8; 16]),
    /// A byte array.
    Bytes(Vec<u8>),
    /// A reference to an entity.
    Ref(u64),
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
        }
    }

    /// A keyword value from text with or without the leading colon.
    pub fn keyword(text: &str) -> Value {
        Value::Keyword(text.strip_prefix(':').unwrap_or(text).to_string())
    }
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
#[derive(Clone, Debug)]
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
    /// A UUID's 16 bytes.
    Uuid([u8; 16]),
    /// A byte array.
    Bytes(Cow<'a, [u8]>),
    /// A reference to an entity.
    Ref(u64),
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
            (String(a), String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Keyword(a), Keyword(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Uuid(a), Uuid(b)) => a.cmp(b),
            (Bytes(a), Bytes(b)) => a.cmp(b),
            (Ref(a), Ref(b)) => a.cmp(b),
            _ => self.value_type().cmp(&other.value_type()),
        }
    }
}

impl std::hash::Hash for ValueRef<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            ValueRef::Boolean(b) => b.hash(state),
            ValueRef::Long(n) | ValueRef::Instant(n) => n.hash(state),
            ValueRef::Double(d) => d.to_bits().hash(state),
            ValueRef::String(s) | ValueRef::Keyword(s) => s.hash(state),
            ValueRef::Uuid(u) => u.hash(state),
            ValueRef::Bytes(b) => b.hash(state),
            ValueRef::Ref(e) => e.hash(state),
        }
    }
}

impl fmt::Display for ValueRef<'_> {
    /// Prints the value as EDN.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Boolean(b) => write!(f, "{b}"),
            ValueRef::Long(n) => write!(f, "{n}"),
            ValueRef::Double(d) => {
                if d.is_finite() && d.fract() == 0.0 && d.abs() < 1e16 {
                    write!(f, "{d:.1}")
                } else {
                    write!(f, "{d:?}")
                }
            }
            ValueRef::Instant(ms) => write!(f, "#inst \"{}\"", format_inst_millis(*ms)),
            ValueRef::String(s) => write!(f, "{s:?}"),
            ValueRef::Keyword(k) => write!(f, ":{k}"),
            ValueRef::Uuid(u) => write!(f, "#uuid \"{}\"", format_uuid(u)),
            ValueRef::Bytes(b) => {
                write!(f, "#bytes \"")?;
                for byte in b.iter() {
                    write!(f, "{byte:02x}")?;
                }
                write!(f, "\"")
            }
            ValueRef::Ref(e) => write!(f, "{e}"),
        }
    }
}

/// A UUID in its canonical 8-4-4-4-12 hex form.
pub fn format_uuid(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
