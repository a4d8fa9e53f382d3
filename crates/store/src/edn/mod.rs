//! An EDN reader and printer covering what Datomic data and queries use.
//!
//! - [`parse`] reads exactly one form, [`parse_all`] every form, and
//!   [`Reader`] streams forms one at a time for big files.
//! - [`parse_spanned`] keeps the position of every form ([`SpannedEdn`]) for
//!   error messages that point into a query.
//! - [`Edn`]'s `Display` prints EDN that reads back to an equal value.
//! - [`parse_inst`] / [`format_inst_millis`] convert RFC 3339 timestamps.
//!
//! Supported: `nil`, booleans, integers (i64, optional `N`), doubles
//! (optional `M`, `##Inf`/`##-Inf`/`##NaN`), strings, characters, keywords,
//! symbols, lists, vectors, maps, sets, `#inst`, `#uuid`, other tagged
//! literals, `#_` discards, `;` comments, and commas as whitespace. Not
//! supported (errors): ratios, radix and hex integers, big numbers that do not
//! fit an i64/f64, `::auto-resolved` keywords, Clojure reader macros.
//!
//! No input makes the reader panic; nesting is limited to [`MAX_DEPTH`].

mod atom;
mod build;
mod display;
mod error;
mod lexer;
mod names;
mod position;
mod reader;
mod spanned;
mod time;
mod uuid;
mod value;
mod value_print;

#[cfg(test)]
mod tests;

pub use error::{EdnError, Pos};
pub use names::{Keyword, Symbol};
pub use reader::{Reader, MAX_DEPTH};
pub use spanned::{SpannedEdn, SpannedKind};
pub use time::{civil_utc, format_inst_millis, parse_inst};
pub use value::Edn;
pub use value_print::write_value;

use build::{EdnBuilder, SpannedBuilder};
use reader::Parser;

/// Reads exactly one form. Whitespace and comments may surround it; anything
/// else after it is an error.
pub fn parse(input: &str) -> Result<Edn, EdnError> {
    Parser::new(input, EdnBuilder).single()
}

/// Reads every top-level form (possibly none).
pub fn parse_all(input: &str) -> Result<Vec<Edn>, EdnError> {
    Reader::new(input).collect()
}

/// Reads exactly one form, keeping the position of it and every nested form.
pub fn parse_spanned(input: &str) -> Result<SpannedEdn, EdnError> {
    Parser::new(input, SpannedBuilder::default()).single()
}
