//! # datolite-edn — EDN as `clojure.edn/read` reads it
//!
//! The data notation of datolite: transaction data, schemas, queries, query
//! inputs and printed results are all EDN. This crate knows nothing of
//! datoms or attributes; it reads text into [`Edn`] forms and prints them
//! back, and its scalar printers are public so that other printers (the
//! store's datom values) print exactly as EDN does.
//!
//! - [`parse`] reads exactly one form, [`parse_all`] every form, and
//!   [`Reader`] streams forms one at a time for big files.
//! - [`parse_spanned`] keeps the position of every form ([`SpannedEdn`]) for
//!   error messages that point into a query; every [`EdnError`] has a line
//!   and column.
//! - One printer: [`Edn`]'s `Display` prints EDN that reads back to an equal
//!   value, built from [`write_string`], [`write_char`], [`write_double`],
//!   [`write_bigdec`], [`write_regex`], [`format_uuid`] and
//!   [`format_inst_millis`].
//! - [`parse_inst`] / [`format_inst_millis`] / [`civil_utc`] convert RFC 3339
//!   timestamps and milliseconds since the epoch.
//!
//! What it reads is everything `clojure.edn/read` accepts, plus what Datomic
//! data files and queries contain (regular-expression literals, metadata,
//! Datomic's `#db/id`).
//!
//! # Supported
//!
//! - `nil`, `true`, `false`.
//! - Numbers as `clojure.edn/read` reads them: integers ([`Edn::Long`]; with
//!   `N` or beyond 64 bits an exact [`Edn::BigInt`]), hexadecimal `0x1F`,
//!   octal `017`, radix `2r101`, ratios `1/3` in lowest terms ([`Edn::Ratio`];
//!   `4/2` is the integer 2), doubles (`1.5`, `-2e10`, `##Inf`, `##-Inf`,
//!   `##NaN`, whitespace allowed after `##`) and exact decimals `1.50M`
//!   ([`Edn::BigDec`], scale kept).
//! - Strings with Clojure's escapes: `\" \\ \n \t \r \b \f`, `\uXXXX`
//!   (a surrogate pair as two escapes) and octal `\0`–`\377`.
//! - Characters: `\a`, `\newline`, `\space`, `\tab`, `\return`,
//!   `\backspace`, `\formfeed`, `\uXXXX` (not a surrogate), octal `\o101`
//!   (at most `\o377`), and a backslash followed by any one character (`\(`,
//!   even `\ ` before a delimiter), as in Clojure.
//! - Keywords and symbols with Clojure's name rules: the namespace ends at the
//!   first `/`, so `:a/b/c` is the name `b/c` in the namespace `a`; `/` and
//!   `ns//` name the division function; `:1` and `:#a` are keywords; no `::`,
//!   no `:` at the end or before the separating `/`, and the part after the
//!   last `/` does not start with a digit (`:a/1` is an error, as in Clojure).
//! - Lists, vectors, maps and sets; a duplicate map key or set element is an
//!   error.
//! - Namespaced maps `#:person{:name "Ann" :other/x 1 :_/y 2}` read as the
//!   plain map `{:person/name "Ann" :other/x 1 :y 2}`: keys without a
//!   namespace (keywords and symbols) take it, keys in `_` lose theirs, other
//!   keys stay. Whitespace and comments may come before the namespace,
//!   whitespace between it and the `{` (as in `clojure.edn`). Duplicates
//!   after expansion are errors.
//! - `#inst "…"` (RFC 3339, milliseconds) and `#uuid "…"`; any other tagged
//!   literal (`#db/id [:db.part/user]`, also written `#db/id[:db.part/user]`,
//!   `#bytes "…"`, `#my/tag v`) as [`Edn::Tagged`], for its consumer to
//!   interpret (`clojure.edn` would need a reader function for it).
//! - Regular-expression literals `#"^Ma.*"` (from Clojure's full reader, for
//!   query predicates) as [`Edn::Regex`] holding the pattern text exactly as
//!   written: a backslash escapes the next character and both are kept
//!   (`#"a\"b"` holds `a\"b`). Patterns compare by their text.
//! - Metadata `^{:doc "x"} form`, `^:private form`, `^Type form`,
//!   `^"Type" form` and the old `#^…`, checked as Clojure checks it (a
//!   symbol, keyword, string or map, on a symbol or a collection) and
//!   discarded: the result is the form, with the form's own position.
//! - Whitespace as Clojure's reader sees it: ASCII space, tab, newline,
//!   return, vertical tab, form feed, U+001C–U+001F, commas, and the Unicode
//!   space, line and paragraph separators except the no-break spaces (U+00A0,
//!   U+2007, U+202F). `;` comments run to a newline or return; `#_` discards
//!   the next form (`#_ #_ a b` discards both).
//! - A byte-order mark (U+FEFF) at the very start of the input is skipped and
//!   takes no column in positions.
//! - Tokens end at whitespace and at `" ; ^ \ ( ) [ ] { }`; numbers at `#`
//!   too (`[1#{2}]` is `[1 #{2}]`).
//!
//! # Errors
//!
//! Everything else is an [`EdnError`] with a line and column: auto-resolved
//! keywords `::k` and maps `#::{…}`; quote `'`, syntax quote, `~` and `@`;
//! Clojure code dispatches `#(`, `#'`, `#=`, `#?`, `#!`; unreadable objects
//! `#<…>`; `##` but `##Inf`, `##-Inf`, `##NaN`; a tag that is not a symbol
//! (`#nil x`); a byte-order mark anywhere but at the start (inside strings it
//! is text). Deliberately stricter than Clojure, which would read these as
//! odd symbols: a symbol that starts like a number (`.5`, as the EDN
//! specification says) or with `'`; a name with an empty namespace
//! (`:/a/b`) or with control characters, no-break spaces or a byte-order
//! mark; `\uXXXX` with non-ASCII digits. Nesting (collections, tags,
//! metadata) is limited to [`MAX_DEPTH`] levels, and no input makes the
//! reader panic.

#![warn(missing_docs)]

mod atom;
mod build;
mod dispatch;
mod display;
mod error;
mod lexer;
mod literals;
mod names;
mod position;
mod reader;
mod spanned;
mod stream;
mod time;
mod uuid;
mod value;

#[cfg(test)]
mod tests;

pub use display::{write_bigdec, write_char, write_double, write_regex, write_string};
pub use error::{EdnError, Pos};
pub use names::{Keyword, Symbol};
pub use reader::{Reader, MAX_DEPTH};
pub use spanned::{SpannedEdn, SpannedKind};
pub use stream::{StreamError, StreamReader};
pub use time::{civil_utc, format_inst_millis, parse_inst};
pub use uuid::format_uuid;
pub use value::Edn;

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
/// A form written with metadata has the position of the form itself, after
/// the metadata.
pub fn parse_spanned(input: &str) -> Result<SpannedEdn, EdnError> {
    Parser::new(input, SpannedBuilder::default()).single()
}
