//! Turning a scanned token into a scalar: numbers, `nil`/`true`/`false`,
//! symbols and keywords.

use super::names::{parse_keyword_token, parse_symbol_token};
use super::value::Edn;

/// Whether a token starting with these bytes is a number: a digit, or a
/// sign followed by a digit.
pub(crate) fn starts_number(first: u8, second: Option<u8>) -> bool {
    first.is_ascii_digit()
        || (matches!(first, b'+' | b'-') && second.is_some_and(|b| b.is_ascii_digit()))
}

/// Parses a token that [`starts_number`].
///
/// Integers: `[+-]?(0|[1-9][0-9]*)N?`, which must fit an i64.
/// Floats: an integer part followed by `.digits*`, an exponent, or both,
/// then an optional `M`; or an integer with an `M` suffix. `M` (BigDecimal in
/// Clojure) is read as a double.
pub(crate) fn parse_number(token: &str) -> Result<Edn, String> {
    let bytes = token.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits_start = i;
    i += count_digits(&bytes[i..]);
    let int_end = i;
    if int_end - digits_start > 1 && bytes[digits_start] == b'0' {
        return Err(format!(
            "invalid number '{token}': leading zeros are not allowed"
        ));
    }
    let mut is_float = false;
    if bytes.get(i) == Some(&b'.') {
        is_float = true;
        i += 1;
        i += count_digits(&bytes[i..]);
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        is_float = true;
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = count_digits(&bytes[i..]);
        if n == 0 {
            return Err(format!("invalid number '{token}': missing exponent digits"));
        }
        i += n;
    }
    let float_end = i;
    let suffix = &token[i..];
    match suffix {
        "M" => parse_double(token, &token[..float_end]),
        "" if is_float => parse_double(token, token),
        "" | "N" if !is_float => token[..int_end]
            .parse::<i64>()
            .map(Edn::Long)
            .map_err(|_| format!("integer {token} does not fit in a 64-bit signed integer")),
        _ => Err(format!("invalid number '{token}'")),
    }
}

fn parse_double(token: &str, text: &str) -> Result<Edn, String> {
    text.parse::<f64>()
        .map(Edn::Double)
        .map_err(|_| format!("invalid number '{token}'"))
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Parses a token that starts a symbol: `nil`, `true`, `false` or a symbol.
pub(crate) fn parse_symbolic(token: &str) -> Result<Edn, String> {
    match token {
        "nil" => Ok(Edn::Nil),
        "true" => Ok(Edn::Bool(true)),
        "false" => Ok(Edn::Bool(false)),
        _ => parse_symbol_token(token).map(Edn::Symbol),
    }
}

/// Parses a keyword token (with its leading `:`).
pub(crate) fn parse_keyword(token: &str) -> Result<Edn, String> {
    parse_keyword_token(token).map(Edn::Keyword)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        for (text, n) in [
            ("0", 0),
            ("-0", 0),
            ("+7", 7),
            ("42", 42),
            ("-42", -42),
            ("42N", 42),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("-9223372036854775808N", i64::MIN),
        ] {
            assert_eq!(parse_number(text), Ok(Edn::Long(n)), "{text}");
        }
    }

    #[test]
    fn floats() {
        for (text, x) in [
            ("1.5", 1.5),
            ("-2e10", -2e10),
            ("2E+3", 2000.0),
            ("2.5e-3", 0.0025),
            ("1.5M", 1.5),
            ("3M", 3.0),
            ("1.", 1.0),
            ("-0.0", -0.0),
            ("+0.5", 0.5),
            ("1e400", f64::INFINITY),
        ] {
            assert_eq!(parse_number(text), Ok(Edn::Double(x)), "{text}");
        }
    }

    #[test]
    fn bad_numbers() {
        for text in [
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999N",
            "007",
            "00",
            "-01",
            "1e",
            "1e+",
            "1.5N",
            "1x",
            "1/2",
            "0x1F",
            "2r101",
            "1.2.3",
            "1MM",
            "1NM",
        ] {
            assert!(parse_number(text).is_err(), "{text}");
        }
        let e = parse_number("9223372036854775808").unwrap_err();
        assert!(e.contains("does not fit"), "{e}");
    }

    #[test]
    fn number_detection() {
        assert!(starts_number(b'1', None));
        assert!(starts_number(b'-', Some(b'1')));
        assert!(!starts_number(b'-', Some(b'a')));
        assert!(!starts_number(b'-', None));
        assert!(!starts_number(b'.', Some(b'5')));
    }

    #[test]
    fn symbolic() {
        assert_eq!(parse_symbolic("nil"), Ok(Edn::Nil));
        assert_eq!(parse_symbolic("true"), Ok(Edn::Bool(true)));
        assert_eq!(parse_symbolic("false"), Ok(Edn::Bool(false)));
        assert!(parse_symbolic("nil?").unwrap().is_symbol_named("nil?"));
        assert!(parse_keyword(":db/id").unwrap().is_keyword_named(":db/id"));
        assert!(parse_keyword("::x").is_err());
    }
}
