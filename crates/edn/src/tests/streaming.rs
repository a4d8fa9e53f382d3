//! The streaming `Reader` and spanned forms: positions, the byte-order mark, and linear
//! time on large input.

use super::{fails, ok, spanned_fails, string, sym};
use crate::*;

#[test]
fn reader_streams_forms() {
    let src = "{:a 1}\n{:a 2} ; two\n\n [x]";
    let mut reader = Reader::new(src);
    assert_eq!(reader.pos(), Pos { line: 1, column: 1 });
    assert!(reader
        .next_form()
        .unwrap()
        .unwrap()
        .get_keyword(":a")
        .is_some());
    assert_eq!(reader.pos(), Pos { line: 1, column: 7 });
    assert_eq!(reader.offset(), 6);
    assert!(reader.next_form().unwrap().is_ok());
    assert_eq!(reader.pos(), Pos { line: 2, column: 7 });
    assert_eq!(
        reader.next_form().unwrap().unwrap(),
        Edn::Vector(vec![sym(None, "x")])
    );
    assert!(reader.next_form().is_none());
    assert!(reader.next_form().is_none());

    // After an error nothing more is produced.
    let mut reader = Reader::new("1 ) 2");
    assert!(reader.next_form().unwrap().is_ok());
    assert!(reader.next_form().unwrap().is_err());
    assert!(reader.next_form().is_none());

    // Iterator form.
    let forms: Result<Vec<_>, _> = Reader::new("1 2 3").collect();
    assert_eq!(forms.unwrap().len(), 3);
}

#[test]
fn spanned_positions() {
    let src = "[:find ?e\n :where\n  [?e :person/name #inst \"2013-08-02\"]]";
    let form = parse_spanned(src).unwrap();
    assert_eq!(form.pos, Pos { line: 1, column: 1 });
    let items = form.as_seq().unwrap();
    assert_eq!(items[1].pos, Pos { line: 1, column: 8 });
    assert!(items[1].is_symbol_named("?e"));
    assert_eq!(items[2].pos, Pos { line: 2, column: 2 });
    assert!(items[2].is_keyword_named(":where"));
    let clause = items[3].as_seq().unwrap();
    assert_eq!(items[3].pos, Pos { line: 3, column: 3 });
    assert_eq!(clause[1].pos, Pos { line: 3, column: 7 });
    assert_eq!(
        clause[2].pos,
        Pos {
            line: 3,
            column: 20
        }
    );
    assert_eq!(clause[2].kind, SpannedKind::Inst(1_375_401_600_000));
    assert_eq!(form.to_edn(), parse(src).unwrap());

    let map = parse_spanned("{:a\n #{1 é 2}}").unwrap();
    let (k, v) = &map.as_map().unwrap()[0];
    assert_eq!(k.pos, Pos { line: 1, column: 2 });
    assert_eq!(v.pos, Pos { line: 2, column: 2 });
    if let SpannedKind::Set(items) = &v.kind {
        assert_eq!(items[2].pos, Pos { line: 2, column: 8 });
    } else {
        panic!("not a set: {v:?}");
    }
    let tagged = parse_spanned("  #my/tag [1]").unwrap();
    assert_eq!(tagged.pos, Pos { line: 1, column: 3 });
    assert_eq!(tagged.type_name(), "tagged literal");

    let e = parse_spanned("[1 #{2 2}]").unwrap_err();
    assert_eq!((e.line, e.column), (1, 8));
    assert!(parse_spanned("1 2").is_err());
    assert!(parse_spanned("").is_err());
}

#[test]
fn byte_order_mark_at_the_start_is_skipped() {
    let bom = "\u{FEFF}";
    assert_eq!(ok(&format!("{bom}[1]")), Edn::Vector(vec![Edn::Long(1)]));
    assert_eq!(
        parse_all(&format!("{bom}1 2")).unwrap(),
        vec![Edn::Long(1), Edn::Long(2)]
    );
    assert_eq!(parse_all(bom).unwrap(), vec![]);
    let form = parse_spanned(&format!("{bom}[1\n 2]")).unwrap();
    assert_eq!(form.pos, Pos::START);
    assert_eq!(form.as_seq().unwrap()[0].pos, Pos { line: 1, column: 2 });
    assert_eq!(form.as_seq().unwrap()[1].pos, Pos { line: 2, column: 2 });
    let mut reader = Reader::new("\u{FEFF}{:a 1} {:a 2}");
    assert_eq!(reader.pos(), Pos::START);
    assert!(reader.next_form().unwrap().is_ok());
    assert_eq!(reader.pos(), Pos { line: 1, column: 7 });
    assert!(reader.next_form().unwrap().is_ok());
    assert!(reader.next_form().is_none());
    // Inside strings it is text like any other.
    assert_eq!(ok(&format!("{bom}\"{bom}\"")), string(bom));
    // Positions in errors do not count it.
    fails(bom, "expected a form, found end of input", 1, 1);
    fails(
        &format!("{bom}[1 x"),
        "unterminated vector opened at line 1, column 1",
        1,
        1,
    );
    fails(&format!("{bom}1 2"), "unexpected '2' after the form", 1, 3);
    // Anywhere else it is an error, as part of the token it starts or ends.
    let message = "byte-order mark (U+FEFF) is only allowed at the very start of the input";
    fails(&format!("{bom}{bom}1"), message, 1, 1);
    fails(&format!(" {bom}x"), message, 1, 2);
    fails(&format!("[1 {bom}]"), message, 1, 4);
    fails(&format!("[:a{bom}]"), message, 1, 2);
    fails(&format!("[1{bom}]"), "invalid number", 1, 2);
    spanned_fails(&format!("{bom}[x {bom}]"), message, 1, 4);
    let mut reader = Reader::new("1\n\u{FEFF}2");
    assert!(reader.next_form().unwrap().is_ok());
    assert_eq!(
        reader.next_form().unwrap().unwrap_err().pos(),
        Pos { line: 2, column: 1 }
    );
}

#[test]
fn large_input_is_fast_enough() {
    // A smoke test that parsing is linear; the real measure is the release
    // benchmark, this only guards against accidental quadratic behaviour.
    let entity = "{:db/id \"e\" :person/name \"Alice \\\"A\\\"\" :person/age 42 :person/score 1.5 :person/tags #{:a :b} :person/born #inst \"1990-01-01T00:00:00Z\"}\n";
    let src = entity.repeat(20_000);
    let start = std::time::Instant::now();
    let mut count = 0;
    for form in Reader::new(&src) {
        form.unwrap();
        count += 1;
    }
    assert_eq!(count, 20_000);
    assert!(start.elapsed().as_secs() < 10);
    assert_eq!(
        parse_spanned(&format!("[{src}]"))
            .unwrap()
            .as_seq()
            .unwrap()[19_999]
            .pos
            .line,
        20_000
    );
}
