//! Printing datom values as EDN with the scalar printers of [`datolite_edn`] (one printer, so a
//! value prints as its [`Edn`](datolite_edn::Edn) form does): every value prints as text that
//! reads back to it when read with the value's type.

use std::fmt::{self, Write};

use datolite_edn::{format_inst_millis, write_bigdec, write_double, write_string};

use super::ValueRef;

/// Writes `value` as EDN: `true`, `42`, `1.5`, `#inst "…"`, `"text"` (escaped), `:ns/name`,
/// `#uuid "…"`, `#bytes "0a1b"`, an entity id as a number, `42N`, `1.5M`, `#uri "…"`, a symbol
/// as itself, a tuple as a vector with `nil` for missing elements.
pub(crate) fn write_value(f: &mut impl Write, value: &ValueRef<'_>) -> fmt::Result {
    match value {
        ValueRef::Boolean(b) => write!(f, "{b}"),
        ValueRef::Long(n) => write!(f, "{n}"),
        ValueRef::Ref(e) => write!(f, "{e}"),
        ValueRef::Double(d) => write_double(f, *d),
        ValueRef::Float(x) => write_float(f, *x),
        ValueRef::Instant(ms) => write!(f, "#inst \"{}\"", format_inst_millis(*ms)),
        ValueRef::String(s) => write_string(f, s),
        ValueRef::Keyword(k) => write!(f, ":{k}"),
        ValueRef::Symbol(s) => f.write_str(s),
        ValueRef::Uuid(u) => write!(f, "#uuid \"{u}\""),
        ValueRef::Uri(u) => {
            f.write_str("#uri ")?;
            write_string(f, u)
        }
        ValueRef::Bytes(b) => {
            f.write_str("#bytes \"")?;
            for byte in b.iter() {
                write!(f, "{byte:02x}")?;
            }
            f.write_char('"')
        }
        ValueRef::BigInt(n) => write!(f, "{n}N"),
        ValueRef::BigDec(d) => write_bigdec(f, d),
        ValueRef::Tuple(items) => {
            f.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_char(' ')?;
                }
                match item {
                    Some(v) => write_value(f, &v.as_ref())?,
                    None => f.write_str("nil")?,
                }
            }
            f.write_char(']')
        }
    }
}

/// A float prints as the shortest decimal that reads back (as a double, narrowed to a float, as
/// the transactor reads it for a float attribute) to the same float; in the rare case where
/// that double rounding would land elsewhere, as the exact double the float widens to.
fn write_float(f: &mut impl Write, x: f32) -> fmt::Result {
    if !x.is_finite() {
        return write_double(f, f64::from(x));
    }
    let short = format!("{x:?}");
    match short.parse::<f64>() {
        Ok(back) if (back as f32).to_bits() == x.to_bits() => {
            f.write_str(&short)?;
            if !short.contains(['.', 'e', 'E']) {
                f.write_str(".0")?;
            }
            Ok(())
        }
        _ => write_double(f, f64::from(x)),
    }
}
