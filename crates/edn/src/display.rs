//! Printing [`Edn`] values as EDN text that reads back to an equal value.
//!
//! The `write_*` functions print one scalar each with the same rules; they
//! are public so that other printers (the store's datom values) print
//! exactly as EDN does.

use std::fmt::{self, Write};

use bigdecimal::BigDecimal;

use crate::time::format_inst_millis;
use crate::uuid::format_uuid;
use crate::value::Edn;

impl fmt::Display for Edn {
    /// Prints valid EDN: strings and characters escaped, doubles always with a
    /// `.` or an exponent (`##NaN`, `##Inf`, `##-Inf` for the non-finite
    /// ones), big integers with `N`, decimals with `M` and their scale,
    /// regular expressions as `#"…"`, instants as
    /// `#inst "2013-08-02T00:00:00.000Z"`, map entries separated by `, `.
    ///
    /// Every value the reader produces prints as text that reads back to an
    /// equal value. Values built by hand may not: a keyword or symbol with an
    /// invalid name, `Tagged("inst", ..)`, or a regular expression with an
    /// unescaped `"` (printed escaped, `\"`) or a trailing lone backslash
    /// (printed doubled).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edn::Nil => f.write_str("nil"),
            Edn::Bool(b) => write!(f, "{b}"),
            Edn::Long(n) => write!(f, "{n}"),
            Edn::BigInt(n) => write!(f, "{n}N"),
            Edn::Double(x) => write_double(f, *x),
            Edn::BigDec(d) => write_bigdec(f, d),
            Edn::Ratio(n, d) => write!(f, "{n}/{d}"),
            Edn::Regex(pattern) => write_regex(f, pattern),
            Edn::String(s) => write_string(f, s),
            Edn::Char(c) => write_char(f, *c),
            Edn::Keyword(k) => write!(f, "{k}"),
            Edn::Symbol(s) => write!(f, "{s}"),
            Edn::List(items) => write_seq(f, "(", items, ")"),
            Edn::Vector(items) => write_seq(f, "[", items, "]"),
            Edn::Set(items) => write_seq(f, "#{", items, "}"),
            Edn::Map(entries) => {
                f.write_char('{')?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} {v}")?;
                }
                f.write_char('}')
            }
            Edn::Inst(millis) => write!(f, "#inst \"{}\"", format_inst_millis(*millis)),
            Edn::Uuid(bytes) => write!(f, "#uuid \"{}\"", format_uuid(bytes)),
            Edn::Tagged(tag, value) => write!(f, "#{tag} {value}"),
        }
    }
}

fn write_seq(f: &mut fmt::Formatter<'_>, open: &str, items: &[Edn], close: &str) -> fmt::Result {
    f.write_str(open)?;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_char(' ')?;
        }
        write!(f, "{item}")?;
    }
    f.write_str(close)
}

/// Writes a double so that it reads back as the same double: `##NaN`,
/// `##Inf`, `##-Inf`, otherwise the shortest text that reads back to the same
/// bits, always with a `.` or an exponent (`1.0`, `1e300`, `-0.0`).
pub fn write_double(f: &mut impl Write, x: f64) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("##NaN");
    }
    if x.is_infinite() {
        return f.write_str(if x > 0.0 { "##Inf" } else { "##-Inf" });
    }
    // Debug prints the shortest text that reads back to the same bits, and
    // uses an exponent for very large/small magnitudes ("1e300"). It is
    // passed through, noting whether it has a '.' or an exponent, rather than
    // formatted into a temporary string.
    let mut out = FloatProbe {
        inner: f,
        shaped: false,
    };
    write!(out, "{x:?}")?;
    if !out.shaped {
        // Keep it a double when read back.
        out.inner.write_str(".0")?;
    }
    Ok(())
}

/// Forwards text and remembers whether it contained `.`, `e` or `E`.
struct FloatProbe<'w, W: Write> {
    inner: &'w mut W,
    shaped: bool,
}

impl<W: Write> Write for FloatProbe<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.shaped |= s.contains(['.', 'e', 'E']);
        self.inner.write_str(s)
    }
}

/// Writes an exact decimal with its scale, `M`-suffixed: `1.50M`, `-3M`, `1E+3M` (a negative
/// scale), all of which read back to the same digits and scale.
pub fn write_bigdec(f: &mut impl Write, d: &BigDecimal) -> fmt::Result {
    let (digits, scale) = d.as_bigint_and_scale();
    let (sign, magnitude) = match digits.sign() {
        num_bigint::Sign::Minus => ("-", digits.magnitude().to_string()),
        _ => ("", digits.magnitude().to_string()),
    };
    if scale <= 0 {
        f.write_str(sign)?;
        f.write_str(&magnitude)?;
        if scale < 0 {
            write!(f, "E+{}", scale.unsigned_abs())?;
        }
        return f.write_char('M');
    }
    // A positive i64 scale: the digits are padded with zeros so that at
    // least one digit stands before the point.
    let scale = usize::try_from(scale).map_err(|_| fmt::Error)?;
    f.write_str(sign)?;
    if magnitude.len() <= scale {
        f.write_str("0.")?;
        for _ in magnitude.len()..scale {
            f.write_char('0')?;
        }
        f.write_str(&magnitude)?;
    } else {
        let point = magnitude.len() - scale;
        f.write_str(&magnitude[..point])?;
        f.write_char('.')?;
        f.write_str(&magnitude[point..])?;
    }
    f.write_char('M')
}

/// Writes a quoted string that reads back to `s`: quotes, backslashes and
/// every control character (U+0000–U+001F, U+007F–U+009F) escaped, with the
/// short escapes where there is one (`\n`, `\t`, `\r`, `\b`, `\f`) and
/// `\uXXXX` otherwise; everything else, non-ASCII text included, as is.
pub fn write_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\t' => "\\t",
            '\r' => "\\r",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if c.is_control() => "",
            _ => continue,
        };
        f.write_str(&s[plain_from..i])?;
        if escape.is_empty() {
            write!(f, "\\u{:04x}", u32::from(c))?;
        } else {
            f.write_str(escape)?;
        }
        plain_from = i + c.len_utf8();
    }
    f.write_str(&s[plain_from..])?;
    f.write_char('"')
}

/// Writes a character literal that reads back to `c`: the names `\newline`,
/// `\space`, `\tab`, `\return`, `\backspace`, `\formfeed`; `\uXXXX` for
/// other control characters, whitespace and the byte-order mark (invisible
/// or ambiguous after a backslash); `\c` otherwise.
pub fn write_char(f: &mut impl Write, c: char) -> fmt::Result {
    match c {
        '\n' => f.write_str("\\newline"),
        ' ' => f.write_str("\\space"),
        '\t' => f.write_str("\\tab"),
        '\r' => f.write_str("\\return"),
        '\u{8}' => f.write_str("\\backspace"),
        '\u{c}' => f.write_str("\\formfeed"),
        // All of these are in the Basic Multilingual Plane, so four hex
        // digits are enough.
        c if c.is_control() || c.is_whitespace() || c == '\u{FEFF}' => {
            write!(f, "\\u{:04x}", u32::from(c))
        }
        c => write!(f, "\\{c}"),
    }
}

/// Writes a regular-expression literal `#"…"`. A pattern as the reader
/// produces it is written exactly as it is; in a pattern built by hand an
/// unescaped `"` is escaped and a trailing lone backslash doubled, so that
/// the output is always readable.
pub fn write_regex(f: &mut impl Write, pattern: &str) -> fmt::Result {
    f.write_str("#\"")?;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => {
                    f.write_char('\\')?;
                    f.write_char(next)?;
                }
                None => f.write_str("\\\\")?,
            },
            '"' => f.write_str("\\\"")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{Keyword, Symbol};

    #[test]
    fn scalars() {
        assert_eq!(Edn::Nil.to_string(), "nil");
        assert_eq!(Edn::Bool(false).to_string(), "false");
        assert_eq!(Edn::Long(-42).to_string(), "-42");
        assert_eq!(Edn::Double(1.0).to_string(), "1.0");
        assert_eq!(Edn::Double(-2e10).to_string(), "-20000000000.0");
        assert_eq!(Edn::Double(1e300).to_string(), "1e300");
        assert_eq!(Edn::Double(1.5e-7).to_string(), "1.5e-7");
        assert_eq!(Edn::Double(-0.0).to_string(), "-0.0");
        assert_eq!(Edn::Double(f64::NAN).to_string(), "##NaN");
        assert_eq!(Edn::Double(f64::NEG_INFINITY).to_string(), "##-Inf");
        assert_eq!(Edn::Double(f64::INFINITY).to_string(), "##Inf");
        assert_eq!(
            Edn::String("a\"b\\c\nd\u{1}é".into()).to_string(),
            r#""a\"b\\c\nd\u0001é""#
        );
        assert_eq!(Edn::Char('a').to_string(), "\\a");
        assert_eq!(Edn::Char('\n').to_string(), "\\newline");
        assert_eq!(Edn::Char(' ').to_string(), "\\space");
        assert_eq!(Edn::Char('\u{7f}').to_string(), "\\u007f");
        assert_eq!(
            Edn::Inst(0).to_string(),
            "#inst \"1970-01-01T00:00:00.000Z\""
        );
        assert_eq!(
            Edn::Uuid([0xab; 16]).to_string(),
            "#uuid \"abababab-abab-abab-abab-abababababab\""
        );
    }

    #[test]
    fn collections() {
        let kw = |n: &str| Edn::Keyword(Keyword::new(Some("db"), n));
        let value = Edn::Vector(vec![
            Edn::List(vec![Edn::Symbol(Symbol::new(None, "?e")), Edn::Long(1)]),
            Edn::Map(vec![(kw("id"), Edn::Long(1)), (kw("ident"), Edn::Nil)]),
            Edn::Set(vec![]),
            Edn::Tagged("my/tag".into(), Box::new(Edn::Long(3))),
        ]);
        assert_eq!(
            value.to_string(),
            "[(?e 1) {:db/id 1, :db/ident nil} #{} #my/tag 3]"
        );
    }
}
