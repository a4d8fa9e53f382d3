//! Scalars and names: nil, booleans, numbers, strings, characters, keywords, symbols, and
//! the corners where Clojure's reader decides (names with several '/', octal escapes, `##`).

use super::{fails, kw, ok, string, sym};
use crate::*;

#[test]
fn scalars() {
    assert_eq!(ok("nil"), Edn::Nil);
    assert_eq!(ok("true"), Edn::Bool(true));
    assert_eq!(ok("false"), Edn::Bool(false));
    assert_eq!(ok("42"), Edn::Long(42));
    assert_eq!(ok("-7"), Edn::Long(-7));
    assert_eq!(ok("+7"), Edn::Long(7));
    assert_eq!(ok("7N"), Edn::BigInt(7.into()));
    assert_eq!(
        ok("[1 9223372036854775808]"),
        Edn::Vector(vec![
            Edn::Long(1),
            Edn::BigInt("9223372036854775808".parse().unwrap())
        ])
    );
    assert_eq!(ok("007"), Edn::Long(7));
    assert_eq!(ok("1/2"), Edn::Ratio(1.into(), 2.into()));
    assert_eq!(ok("1.5"), Edn::Double(1.5));
    assert_eq!(ok("-2e10"), Edn::Double(-2e10));
    assert_eq!(ok("1.5M"), Edn::BigDec("1.5".parse().unwrap()));
    assert_eq!(ok("##Inf"), Edn::Double(f64::INFINITY));
    assert_eq!(ok("##-Inf"), Edn::Double(f64::NEG_INFINITY));
    assert_eq!(ok("##NaN"), Edn::Double(f64::NAN));
    assert_eq!(ok(r#""a\"b\n""#), Edn::String("a\"b\n".into()));
    assert_eq!(ok(r"\a"), Edn::Char('a'));
    assert_eq!(ok(r"\newline"), Edn::Char('\n'));
    assert_eq!(ok(r"\u00e9"), Edn::Char('é'));
    assert_eq!(ok(":name"), kw(None, "name"));
    assert_eq!(ok(":db/id"), kw(Some("db"), "id"));
    assert_eq!(ok(":db.type/string"), kw(Some("db.type"), "string"));
    assert_eq!(ok(":nil"), kw(None, "nil"));
}

#[test]
fn symbols() {
    for text in [
        "?e", "_", "...", ".", "+", "-", "<=", "!=", "not=", "%", "$", "$db", "nil?", "-a",
    ] {
        assert_eq!(ok(text), sym(None, text), "{text}");
    }
    assert_eq!(
        ok("clojure.string/starts-with?"),
        sym(Some("clojure.string"), "starts-with?")
    );
    assert_eq!(ok("/"), sym(None, "/"));
}

#[test]
fn clojure_corners() {
    // Names split at the first '/', as Clojure's Symbol.intern does.
    assert_eq!(ok("a/b/c"), sym(Some("a"), "b/c"));
    assert_eq!(ok(":a/b/c"), kw(Some("a"), "b/c"));
    assert_eq!(ok("a//"), sym(Some("a"), "/"));
    assert_eq!(ok(":/"), kw(None, "/"));
    assert_eq!(ok(":1"), kw(None, "1"));
    assert_eq!(ok("[a|b]"), Edn::Vector(vec![sym(None, "a|b")]));
    assert_eq!(ok(":a/b/c").to_string(), ":a/b/c");
    fails(
        ":a/1",
        "the part after the last '/' may not start with a digit",
        1,
        1,
    );
    fails("[x a:]", "invalid symbol 'a:': misplaced ':'", 1, 4);
    fails(":a:", "misplaced ':'", 1, 1);
    fails(":a::b", "misplaced ':'", 1, 1);
    fails("::a", "auto-resolved keywords (::) are not EDN", 1, 1);
    fails(":/a", "invalid keyword ':/a'", 1, 1);
    fails("'a", "quote (') is not EDN", 1, 1);
    // Characters.
    assert_eq!(ok(r"\o123"), Edn::Char('S'));
    assert_eq!(ok(r"\o"), Edn::Char('o'));
    assert_eq!(ok(r"\u0041"), Edn::Char('A'));
    assert_eq!(ok("[\\ ]"), Edn::Vector(vec![Edn::Char(' ')]));
    fails(r"\o400", "invalid character \\o400", 1, 1);
    fails(r"[\uD800]", "a surrogate", 1, 2);
    // Strings: octal escapes.
    assert_eq!(ok(r#""\101\0""#), string("A\u{0}"));
    fails(r#"[1 "\9"]"#, "'9' is not an octal digit", 1, 5);
    // Dispatch.
    fails("#<Object@1f>", "unreadable form '#<'", 1, 1);
    fails("[1 #(inc %)]", "anonymous function literal", 1, 4);
    fails("#?(:clj 1)", "reader conditional", 1, 1);
    fails("#=(+ 1 2)", "read-eval", 1, 1);
    assert_eq!(ok("## Inf"), Edn::Double(f64::INFINITY));
    assert_eq!(ok("##;c\n-Inf"), Edn::Double(f64::NEG_INFINITY));
    fails("##", "## must be followed by Inf, -Inf or NaN", 1, 1);
    fails("[##]", "## must be followed by Inf, -Inf or NaN", 1, 2);
    assert_eq!(ok("#é 1"), Edn::Tagged("é".into(), Box::new(Edn::Long(1))));
    // Datomic's temporary ids are tagged literals (the transactor reads them).
    let user = Edn::Tagged(
        "db/id".into(),
        Box::new(Edn::Vector(vec![kw(Some("db.part"), "user")])),
    );
    assert_eq!(ok("#db/id [:db.part/user]"), user);
    assert_eq!(ok("#db/id[:db.part/user]"), user);
    assert_eq!(
        ok("#db/id[:db.part/db -1]"),
        Edn::Tagged(
            "db/id".into(),
            Box::new(Edn::Vector(vec![kw(Some("db.part"), "db"), Edn::Long(-1)]))
        )
    );
    assert_eq!(
        ok("#db/id [:db.part/user]").to_string(),
        "#db/id [:db.part/user]"
    );
    // Whitespace is what Clojure's reader takes as whitespace.
    assert_eq!(
        ok("[1\u{3000}2\u{2028}3\u{1f}4\u{2003}5\u{b}6]"),
        Edn::Vector((1..=6).map(Edn::Long).collect())
    );
    fails("[1\u{a0}2]", "invalid number", 1, 2);
    fails("[a\u{a0}b]", "invalid symbol", 1, 2);
    // A comment ends at a return too, as in Clojure.
    assert_eq!(
        ok("[1 ; c\r2]"),
        Edn::Vector(vec![Edn::Long(1), Edn::Long(2)])
    );
    // Numbers end at '#' too.
    assert_eq!(
        ok("[1#{2} 3#_4]"),
        Edn::Vector(vec![
            Edn::Long(1),
            Edn::Set(vec![Edn::Long(2)]),
            Edn::Long(3)
        ])
    );
}
