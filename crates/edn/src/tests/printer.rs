//! The printer: what every kind of value prints as, round trips of samples, and the public
//! scalar writers.

use super::{ok, string};
use crate::*;

#[test]
fn display_round_trips_samples() {
    for src in [
        "[:find ?e ?n :in $ % :where [?e :person/name ?n] [(clojure.string/starts-with? ?n \"A\")]]",
        "{:db/id \"tmp\", :person/tags #{:a :b}, :at #inst \"1960-02-29T12:00:00.001Z\"}",
        "(1 -2 3.25 -0.0 1e300 ##NaN \\a \\space \\\" \"\\u0000\" #uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\")",
        "#my/tag #other [nil true false]",
    ] {
        let value = ok(src);
        assert_eq!(ok(&value.to_string()), value, "{src} printed as {value}");
    }
    assert_eq!(ok("{:a 1 :b 2}").to_string(), "{:a 1, :b 2}");
    assert_eq!(
        ok("#inst \"2013-08-02\"").to_string(),
        "#inst \"2013-08-02T00:00:00.000Z\""
    );
}

#[test]
fn printing_every_kind() {
    let cases: Vec<(Edn, &str)> = vec![
        (Edn::BigInt(42.into()), "42N"),
        (
            Edn::BigInt("-9223372036854775809".parse().unwrap()),
            "-9223372036854775809N",
        ),
        (ok("1.50M"), "1.50M"),
        (ok("-0.05M"), "-0.05M"),
        (ok("0.001M"), "0.001M"),
        (ok("1e3M"), "1E+3M"),
        (ok("0M"), "0M"),
        (ok("-1/3"), "-1/3"),
        (ok("+10/4"), "5/2"),
        (Edn::Regex(r#"a\"b"#.into()), r#"#"a\"b""#),
        // Built by hand: made readable.
        (Edn::Regex(r#"a"b"#.into()), r#"#"a\"b""#),
        (Edn::Regex(r"a\".into()), r#"#"a\\""#),
        (
            string("\u{0}\u{1}\u{1f}\u{7f}\u{85}\u{9f}"),
            r#""\u0000\u0001\u001f\u007f\u0085\u009f""#,
        ),
        (
            string("tab\t\"q\" \\ é 😀 \u{2028}\u{feff}"),
            "\"tab\\t\\\"q\\\" \\\\ é 😀 \u{2028}\u{feff}\"",
        ),
        (Edn::Char('\u{85}'), r"\u0085"),
        (Edn::Char('\u{3000}'), r"\u3000"),
        (Edn::Char('\u{a0}'), r"\u00a0"),
        (Edn::Char('\u{feff}'), r"\ufeff"),
        (Edn::Char('é'), r"\é"),
        (Edn::Char('😀'), r"\😀"),
        (Edn::Char('^'), r"\^"),
        (Edn::Double(1e21), "1e21"),
        (Edn::Double(-3.0), "-3.0"),
        (Edn::Double(0.1), "0.1"),
    ];
    for (value, text) in cases {
        assert_eq!(value.to_string(), text, "{value:?}");
        let read = ok(text);
        match &value {
            // Hand-built patterns read back in their escaped form.
            Edn::Regex(p) if p.contains('"') && !p.contains("\\\"") => {
                assert_eq!(read, Edn::Regex(p.replace('"', "\\\"")));
            }
            Edn::Regex(p) if p.ends_with('\\') => assert_eq!(read, Edn::Regex(format!("{p}\\"))),
            _ => assert_eq!(read, value, "{text}"),
        }
    }
}

#[test]
fn printer_functions_write_to_any_writer() {
    use std::fmt::Write;
    let mut out = String::new();
    display::write_string(&mut out, "a\"\u{1}").unwrap();
    out.push(' ');
    display::write_char(&mut out, '\n').unwrap();
    out.push(' ');
    display::write_double(&mut out, 2.0).unwrap();
    out.push(' ');
    display::write_double(&mut out, f64::NEG_INFINITY).unwrap();
    out.push(' ');
    display::write_bigdec(&mut out, &"-1.250".parse().unwrap()).unwrap();
    out.push(' ');
    display::write_regex(&mut out, "x+").unwrap();
    write!(out, " {}", Edn::Long(1)).unwrap();
    assert_eq!(out, r#""a\"\u0001" \newline 2.0 ##-Inf -1.250M #"x+" 1"#);
}
