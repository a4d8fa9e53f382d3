//! Turning a scanned token into a scalar: numbers, `nil`/`true`/`false`,
//! symbols and keywords.

use std::str::FromStr;

use bigdecimal::BigDecimal;
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};

use crate::names::{parse_keyword_token, parse_symbol_token};
use crate::value::Edn;

/// Whether a token starting with these bytes is a number: a digit, or a
/// sign followed by a digit.
pub(crate) fn starts_number(first: u8, second: Option<u8>) -> bool {
    first.is_ascii_digit()
        || (matches!(first, b'+' | b'-') && second.is_some_and(|b| b.is_ascii_digit()))
}

/// Parses a token that [`starts_number`], accepting what `clojure.edn/read` accepts:
///
/// - integers `[+-]?(0|[1-9][0-9]*)`, hexadecimal `0x1F`, octal `017`, radix `2r101`
///   (bases 2–36), each with an optional `N`: a [`Edn::Long`] when it fits 64 bits and has no
///   `N`, else an exact [`Edn::BigInt`];
/// - ratios `[+-]?[0-9]+/[0-9]+`: reduced; a whole result is an integer, otherwise an
///   [`Edn::Ratio`];
/// - floats: digits with a fraction, an exponent or both: an [`Edn::Double`], or with `M` an
///   exact [`Edn::BigDec`] (`3M` too).
pub(crate) fn parse_number(token: &str) -> Result<Edn, String> {
    let invalid = || format!("invalid number '{token}'");
    let (negative, unsigned) = match token.as_bytes().first() {
        Some(b'-') => (true, &token[1..]),
        Some(b'+') => (false, &token[1..]),
        _ => (false, token),
    };
    if let Some((numerator, denominator)) = unsigned.split_once('/') {
        return ratio(negative, numerator, denominator).ok_or_else(invalid);
    }
    if let Some(float) = float_parts(unsigned) {
        return match float {
            Float::Double => token.parse::<f64>().map(Edn::Double).map_err(|_| invalid()),
            Float::Decimal(text) => {
                let text = if negative {
                    format!("-{text}")
                } else {
                    text.to_owned()
                };
                BigDecimal::from_str(&text)
                    .map(Edn::BigDec)
                    .map_err(|_| invalid())
            }
        };
    }
    let (digits, big) = match unsigned.strip_suffix('N') {
        Some(digits) => (digits, true),
        None => (unsigned, false),
    };
    let (radix, digits) = integer_radix(digits).ok_or_else(invalid)?;
    let magnitude = BigUint::parse_bytes(digits.as_bytes(), radix).ok_or_else(invalid)?;
    let sign = if negative { Sign::Minus } else { Sign::Plus };
    let n = BigInt::from_biguint(sign, magnitude);
    Ok(match (big, n.to_i64()) {
        (false, Some(small)) => Edn::Long(small),
        _ => Edn::BigInt(n),
    })
}

/// What kind of float a token (without its sign) is, if it is one.
enum Float<'a> {
    /// A plain floating-point number.
    Double,
    /// `…M`: an exact decimal, the text without the `M`.
    Decimal(&'a str),
}

/// `[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?M?` with a fraction, an exponent or an `M`.
fn float_parts(unsigned: &str) -> Option<Float<'_>> {
    let (text, decimal) = match unsigned.strip_suffix('M') {
        Some(text) => (text, true),
        None => (unsigned, false),
    };
    let bytes = text.as_bytes();
    let mut i = count_digits(bytes);
    if i == 0 {
        return None;
    }
    let mut shaped = decimal;
    if bytes.get(i) == Some(&b'.') {
        shaped = true;
        i += 1 + count_digits(&bytes[i + 1..]);
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        shaped = true;
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = count_digits(&bytes[i..]);
        if n == 0 {
            return None;
        }
        i += n;
    }
    (shaped && i == bytes.len()).then_some(if decimal {
        Float::Decimal(text)
    } else {
        Float::Double
    })
}

/// The radix and digits of an unsigned integer token without `N`: decimal without leading
/// zeros, `0x…` hexadecimal, `0…` octal, `NNr…` radix 2–36.
fn integer_radix(digits: &str) -> Option<(u32, &str)> {
    let bytes = digits.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        return all(hex, |b| b.is_ascii_hexdigit()).then_some((16, hex));
    }
    if let Some((base, rest)) = digits.split_once(['r', 'R']) {
        let radix: u32 = base.parse().ok().filter(|r| (2..=36).contains(r))?;
        let ok = !base.starts_with('0') && all(rest, |b| char::from(b).is_digit(radix));
        return ok.then_some((radix, rest));
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        let octal = &digits[1..];
        return all(octal, |b| (b'0'..=b'7').contains(&b)).then_some((8, octal));
    }
    all(digits, |b| b.is_ascii_digit()).then_some((10, digits))
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Whether `text` is non-empty and every byte passes `ok`.
fn all(text: &str, ok: impl Fn(u8) -> bool) -> bool {
    !text.is_empty() && text.bytes().all(ok)
}

/// A ratio in lowest terms; a whole one is an integer. `None` when malformed or the
/// denominator is zero.
fn ratio(negative: bool, numerator: &str, denominator: &str) -> Option<Edn> {
    if !all(numerator, |b| b.is_ascii_digit()) || !all(denominator, |b| b.is_ascii_digit()) {
        return None;
    }
    let n = BigInt::parse_bytes(numerator.as_bytes(), 10)?;
    let d = BigInt::parse_bytes(denominator.as_bytes(), 10)?;
    if d.is_zero() {
        return None;
    }
    let g = n.gcd(&d);
    let (n, d) = if g.is_zero() { (n, d) } else { (n / &g, d / g) };
    let n = if negative { -n } else { n };
    if d.is_one() {
        return Some(match n.to_i64() {
            Some(small) => Edn::Long(small),
            None => Edn::BigInt(n),
        });
    }
    Some(Edn::Ratio(n, d))
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

    fn big(text: &str) -> Edn {
        Edn::BigInt(text.parse().unwrap())
    }

    fn dec(text: &str) -> Edn {
        Edn::BigDec(text.parse().unwrap())
    }

    #[test]
    fn integers() {
        for (text, n) in [
            ("0", 0),
            ("-0", 0),
            ("+7", 7),
            ("42", 42),
            ("-42", -42),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("0x1F", 31),
            ("-0Xff", -255),
            ("017", 15),
            ("00", 0),
            ("-01", -1),
            ("2r101", 5),
            ("36rZz", 36 * 35 + 35),
            ("4/2", 2),
            ("-6/3", -2),
            ("0/5", 0),
        ] {
            assert_eq!(parse_number(text), Ok(Edn::Long(n)), "{text}");
        }
    }

    #[test]
    fn big_integers_stay_exact() {
        for (text, expected) in [
            ("42N", "42"),
            ("-9223372036854775808N", "-9223372036854775808"),
            ("9223372036854775808", "9223372036854775808"),
            ("-9223372036854775809", "-9223372036854775809"),
            ("99999999999999999999N", "99999999999999999999"),
            ("0xFFFFFFFFFFFFFFFFFF", "4722366482869645213695"),
            ("0x10N", "16"),
        ] {
            assert_eq!(parse_number(text), Ok(big(expected)), "{text}");
        }
    }

    #[test]
    fn floats() {
        for (text, x) in [
            ("1.5", 1.5),
            ("-2e10", -2e10),
            ("2E+3", 2000.0),
            ("2.5e-3", 0.0025),
            ("1.", 1.0),
            ("-0.0", -0.0),
            ("+0.5", 0.5),
            ("1e400", f64::INFINITY),
            ("007.5", 7.5),
        ] {
            assert_eq!(parse_number(text), Ok(Edn::Double(x)), "{text}");
        }
    }

    #[test]
    fn decimals_stay_exact() {
        for (text, expected) in [
            ("1.5M", "1.5"),
            ("3M", "3"),
            ("-1.50M", "-1.50"),
            ("0.1M", "0.1"),
            ("1e3M", "1e3"),
            (
                "123456789012345678901234567890.000000001M",
                "123456789012345678901234567890.000000001",
            ),
        ] {
            assert_eq!(parse_number(text), Ok(dec(expected)), "{text}");
        }
        // The scale that was read is kept (for printing), while equality is numeric.
        let Ok(Edn::BigDec(d)) = parse_number("1.50M") else {
            panic!("not a decimal")
        };
        assert_eq!(d.as_bigint_and_scale().1, 2);
        assert_eq!(Edn::BigDec(d), dec("1.5"));
    }

    #[test]
    fn ratios() {
        let r = |n: i64, d: i64| Edn::Ratio(BigInt::from(n), BigInt::from(d));
        assert_eq!(parse_number("1/2"), Ok(r(1, 2)));
        assert_eq!(parse_number("-2/4"), Ok(r(-1, 2)));
        assert_eq!(parse_number("+10/4"), Ok(r(5, 2)));
    }

    #[test]
    fn bad_numbers() {
        for text in [
            "08", "019", "1e", "1e+", "1.5N", "1x", "1.2.3", "1MM", "1NM", "1/0", "1/-2", "1/2N",
            "1.5/2", "0x", "0xG", "37r1", "1r0", "0r1", "2r102", "02r1", "1N2", "-", "1.5e",
        ] {
            assert!(parse_number(text).is_err(), "{text}");
        }
        let e = parse_number("1/0").unwrap_err();
        assert!(e.contains("invalid number '1/0'"), "{e}");
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
