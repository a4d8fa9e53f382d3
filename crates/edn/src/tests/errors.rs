//! Reader errors and their positions: top-level input, unterminated and mismatched
//! delimiters, malformed maps and sets, malformed scalars.

use super::fails;
use crate::*;

#[test]
fn top_level_errors() {
    fails("", "expected a form, found end of input", 1, 1);
    fails("  ; c\n", "expected a form, found end of input", 2, 1);
    fails("#_ 1", "expected a form, found end of input", 1, 5);
    fails("1 2", "unexpected '2' after the form", 1, 3);
    fails("[1]\n  ]", "unexpected ']' after the form", 2, 3);
    fails(")", "unmatched ')'", 1, 1);
    let e = parse_all("1 }").unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.line, e.column),
        ("unmatched '}'", 1, 3)
    );
}

#[test]
fn unterminated() {
    fails(
        "[1\n    [2 3]",
        "unterminated vector opened at line 1, column 1",
        1,
        1,
    );
    fails(
        "{:a [1 2]\n :b (x\n",
        "unterminated list opened at line 2, column 5",
        2,
        5,
    );
    fails("#{1", "unterminated set opened at line 1, column 1", 1, 1);
    fails("{", "unterminated map", 1, 1);
    fails("(", "unterminated list", 1, 1);
    fails(
        "[\"ok\"\n  \"never closed]",
        "unterminated string opened at line 2, column 3",
        2,
        3,
    );
    fails("\"a\\", "unterminated string", 1, 1);
}

#[test]
fn mismatched_delimiters() {
    fails(
        "[1\n 2)",
        "unexpected ')': expected ']' to close the vector opened at line 1, column 1",
        2,
        3,
    );
    fails("(]", "expected ')' to close the list", 1, 2);
    fails("#{1)", "expected '}' to close the set", 1, 4);
}

#[test]
fn map_and_set_errors() {
    fails("{:a 1 :b}", "even number of forms, found 3", 1, 1);
    fails("[0\n {:a}]", "even number of forms", 2, 2);
    fails("{:a 1\n :a 2}", "duplicate key :a in map", 2, 2);
    fails("#{1 2 1}", "duplicate element 1 in set", 1, 7);
    fails("#{[1 2] [1 2]}", "duplicate element [1 2] in set", 1, 9);
    fails("#{##NaN ##NaN}", "duplicate element ##NaN", 1, 9);
    // Large collections take the hashing path.
    let big: String = (0..50).map(|i| format!("{i} ")).collect();
    fails(
        &format!("#{{{big} 7}}"),
        "duplicate element 7 in set",
        1,
        144,
    );
    let keys: String = (0..50).map(|i| format!(":k{i} 0 ")).collect();
    let src = format!("{{{keys}:k3 1}}");
    let col = src.rfind(":k3").unwrap() as u32 + 1;
    fails(&src, "duplicate key :k3 in map", 1, col);
    // Long duplicates are shortened in the message.
    let long = "x".repeat(200);
    let e = parse(&format!("#{{\"{long}\" \"{long}\"}}")).unwrap_err();
    assert!(e.message.len() < 120 && e.message.contains('…'), "{e}");
}

#[test]
fn scalar_errors() {
    fails("[1 08]", "invalid number '08'", 1, 4);
    fails("1/0", "invalid number", 1, 1);
    fails("::x", "auto-resolved", 1, 1);
    fails("[:]", "a keyword needs a name", 1, 2);
    fails(
        "a/",
        "invalid symbol 'a/': a name may not end with '/'",
        1,
        1,
    );
    fails("\"\\q\"", "invalid escape", 1, 2);
    fails("\\", "backslash at end of input", 1, 1);
    fails("[\\ a]", "invalid character \\ a", 1, 2);
    fails("\\foo", "invalid character \\foo", 1, 1);
    fails("##Foo", "unknown symbolic value '##Foo'", 1, 1);
    fails("'[1]", "quote (') is not EDN", 1, 1);
    fails("@x", "unexpected character '@'", 1, 1);
    fails("#(inc %)", "unsupported dispatch '#('", 1, 1);
    fails("#", "'#' at end of input", 1, 1);
    fails("#!x", "unsupported dispatch '#!'", 1, 1);
    fails("#'x", "unsupported dispatch '#''", 1, 1);
    fails("#😀 1", "unsupported dispatch '#😀'", 1, 1);
    fails(".5", "invalid symbol", 1, 1);
}
