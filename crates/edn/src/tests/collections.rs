//! Lists, vectors, maps and sets; discarded forms, comments and commas between them; the
//! nesting limit.

use super::{fails, kw, ok, sym};
use crate::*;

#[test]
fn collections() {
    assert_eq!(ok("()"), Edn::List(vec![]));
    assert_eq!(ok("[]"), Edn::Vector(vec![]));
    assert_eq!(ok("{}"), Edn::Map(vec![]));
    assert_eq!(ok("#{}"), Edn::Set(vec![]));
    assert_eq!(
        ok("[:find ?e :where [?e :person/name \"Alice\"]]"),
        Edn::Vector(vec![
            kw(None, "find"),
            sym(None, "?e"),
            kw(None, "where"),
            Edn::Vector(vec![
                sym(None, "?e"),
                kw(Some("person"), "name"),
                Edn::String("Alice".into())
            ]),
        ])
    );
    assert_eq!(
        ok("{:a 1, :b [2 3]}"),
        Edn::Map(vec![
            (kw(None, "a"), Edn::Long(1)),
            (kw(None, "b"), Edn::Vector(vec![Edn::Long(2), Edn::Long(3)])),
        ])
    );
    assert_eq!(
        ok("#{1 \"1\" 1.0 :1}"),
        Edn::Set(vec![
            Edn::Long(1),
            Edn::String("1".into()),
            Edn::Double(1.0),
            kw(None, "1")
        ])
    );
    assert_eq!(
        ok("(f(g)[h]{})"),
        Edn::List(vec![
            sym(None, "f"),
            Edn::List(vec![sym(None, "g")]),
            Edn::Vector(vec![sym(None, "h")]),
            Edn::Map(vec![]),
        ])
    );
    // Tokens end at delimiters without whitespace.
    assert_eq!(
        ok("[a\"s\"\\c :k]"),
        Edn::Vector(vec![
            sym(None, "a"),
            Edn::String("s".into()),
            Edn::Char('c'),
            kw(None, "k")
        ])
    );
    // Maps and sets with more entries than the pairwise duplicate check.
    let big: String = (0..100).map(|i| format!(":k{i} {i} ")).collect();
    assert_eq!(
        ok(&format!("{{{big}}}")).as_map().map(<[_]>::len),
        Some(100)
    );
}

#[test]
fn discard_comments_commas() {
    assert_eq!(ok("#_ 1 2"), Edn::Long(2));
    assert_eq!(ok("#_#_ 1 2 3"), Edn::Long(3));
    assert_eq!(ok("[1 #_ 2]"), Edn::Vector(vec![Edn::Long(1)]));
    assert_eq!(ok("[1 #_2]"), Edn::Vector(vec![Edn::Long(1)]));
    assert_eq!(ok("[#_ [nested #_ x] 1]"), Edn::Vector(vec![Edn::Long(1)]));
    assert_eq!(
        ok("{:a 1 #_ :b #_ 2}"),
        Edn::Map(vec![(kw(None, "a"), Edn::Long(1))])
    );
    assert_eq!(ok("[#_ #_ 1 2]"), Edn::Vector(vec![]));
    assert_eq!(
        ok("; leading\n,,[1,2];trailing"),
        Edn::Vector(vec![Edn::Long(1), Edn::Long(2)])
    );
    assert_eq!(
        ok("[1 ; comment ]\n 2]"),
        Edn::Vector(vec![Edn::Long(1), Edn::Long(2)])
    );
    assert_eq!(parse_all("#_ 1").unwrap(), vec![]);
    assert_eq!(parse_all("").unwrap(), vec![]);
    assert_eq!(parse_all(" ; nothing").unwrap(), vec![]);
    assert_eq!(
        parse_all("1 :a \"s\"").unwrap(),
        vec![Edn::Long(1), kw(None, "a"), Edn::String("s".into())]
    );
}

#[test]
fn nesting_limit() {
    let deep_ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&deep_ok).is_ok());
    let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    fails(&too_deep, "nest too deeply", 1, MAX_DEPTH as u32 + 1);
    // Far beyond the limit: still an error, not a stack overflow.
    fails(
        &"(".repeat(1_000_000),
        "nest too deeply",
        1,
        MAX_DEPTH as u32 + 1,
    );
    fails(
        &"#a ".repeat(100_000),
        "nest too deeply",
        1,
        3 * MAX_DEPTH as u32 + 1,
    );
    assert_eq!(parse_all(&"#_ ".repeat(100_000)).unwrap_err().line, 1);
    let spanned = format!(
        "{}{{}}{}",
        "{:a ".repeat(MAX_DEPTH - 1),
        "}".repeat(MAX_DEPTH - 1)
    );
    assert!(parse_spanned(&spanned).is_ok());
    // Every kind of nesting, as deep as allowed, in both builders (the test
    // thread's stack is small, so this also guards the frames' sizes).
    // (per level: what opens it, the innermost form, what closes it, how
    // many levels it nests, and the extra level its innermost part needs.)
    for (open, inner, close, per_level, extra) in [
        ("#:p{:a ", "1", "}", 1, 0),
        ("#{", "", "}", 1, 0),
        ("#^:m ", "x", "", 1, 0),
        ("^{:m 1} ", "x", "", 1, 1),
        ("#t ", "1", "", 1, 0),
        ("[^:m #:p{:a ", "1", "}]", 3, 0),
    ] {
        let levels = (MAX_DEPTH - extra) / per_level;
        let src = format!("{}{inner}{}", open.repeat(levels), close.repeat(levels));
        assert!(parse(&src).is_ok(), "{open}");
        assert!(parse_spanned(&src).is_ok(), "{open}");
        let src = format!(
            "{}{inner}{}",
            open.repeat(levels + 1),
            close.repeat(levels + 1)
        );
        assert!(
            parse(&src).unwrap_err().message.contains("nest too deeply"),
            "{open}"
        );
    }
}
