//! Reader and printer unit tests, one file per concept (see each file's header), and the
//! helpers they share.

mod atoms;
mod collections;
mod errors;
mod metadata;
mod namespaced_maps;
mod printer;
mod properties;
mod streaming;
mod tagged;

use crate::*;

fn kw(ns: Option<&str>, name: &str) -> Edn {
    Edn::Keyword(Keyword::new(ns, name))
}

fn sym(ns: Option<&str>, name: &str) -> Edn {
    Edn::Symbol(Symbol::new(ns, name))
}

fn ok(src: &str) -> Edn {
    match parse(src) {
        Ok(v) => v,
        Err(e) => panic!("{src:?}: {e}"),
    }
}

/// Asserts `src` fails with a message containing `message` at line/column.
fn fails(src: &str, message: &str, line: u32, column: u32) {
    match parse(src) {
        Ok(v) => panic!("{src:?} parsed as {v}"),
        Err(e) => {
            assert!(
                e.message.contains(message),
                "{src:?}: {e} (wanted {message:?})"
            );
            assert_eq!((e.line, e.column), (line, column), "{src:?}: {e}");
        }
    }
}

fn string(s: &str) -> Edn {
    Edn::String(s.into())
}

fn spanned_fails(src: &str, message: &str, line: u32, column: u32) {
    match parse_spanned(src) {
        Ok(v) => panic!("{src:?} parsed as {}", v.to_edn()),
        Err(e) => {
            assert!(
                e.message.contains(message),
                "{src:?}: {e} (wanted {message:?})"
            );
            assert_eq!((e.line, e.column), (line, column), "{src:?}: {e}");
        }
    }
}
