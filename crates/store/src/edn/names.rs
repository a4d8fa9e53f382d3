//! Keywords and symbols, and the rules for what names they may have.

use std::fmt;
use std::str::FromStr;

use super::error::{EdnError, Pos};

/// An EDN keyword such as `:name`, `:db/id` or `:db.type/string`.
///
/// Datomic uses keywords for attribute idents, enum values and query clauses.
/// Ordering compares the namespace first (no namespace sorts first), then the
/// name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Keyword {
    /// The part before the `/`, if any (`db` in `:db/id`).
    pub namespace: Option<String>,
    /// The part after the `/`, or the whole keyword without its colon.
    pub name: String,
}

impl Keyword {
    /// Creates a keyword from its parts without validating them.
    ///
    /// Displaying a keyword whose parts are not valid EDN names produces text
    /// that will not read back; use [`Keyword::parse`] for untrusted text.
    pub fn new(namespace: Option<&str>, name: &str) -> Self {
        Keyword {
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
        }
    }

    /// Parses the printed form of a keyword, colon included: `":db/id"`.
    pub fn parse(text: &str) -> Result<Self, EdnError> {
        parse_keyword_token(text).map_err(|m| EdnError::new(m, Pos::START))
    }

    /// Whether this keyword prints as `text` (e.g. `":db/id"`), without
    /// allocating.
    pub fn matches(&self, text: &str) -> bool {
        match text.strip_prefix(':') {
            Some(rest) => parts_match(self.namespace.as_deref(), &self.name, rest),
            None => false,
        }
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, ":{ns}/{}", self.name),
            None => write!(f, ":{}", self.name),
        }
    }
}

impl FromStr for Keyword {
    type Err = EdnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Keyword::parse(s)
    }
}

/// An EDN symbol such as `?e`, `_`, `...`, `$db` or `clojure.string/starts-with?`.
///
/// Datomic queries use symbols for variables, source names, rule names and
/// function names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol {
    /// The part before the `/`, if any (`clojure.string` in
    /// `clojure.string/starts-with?`).
    pub namespace: Option<String>,
    /// The part after the `/`, or the whole symbol.
    pub name: String,
}

impl Symbol {
    /// Creates a symbol from its parts without validating them.
    ///
    /// Displaying a symbol whose parts are not valid EDN names (or that is
    /// named `nil`, `true` or `false`) produces text that will not read back
    /// as this symbol; use [`Symbol::parse`] for untrusted text.
    pub fn new(namespace: Option<&str>, name: &str) -> Self {
        Symbol {
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
        }
    }

    /// Parses the printed form of a symbol: `"?e"`, `"clojure.string/blank?"`.
    ///
    /// `nil`, `true` and `false` are rejected because they read as values.
    pub fn parse(text: &str) -> Result<Self, EdnError> {
        match text {
            "nil" | "true" | "false" => Err(EdnError::new(
                format!("'{text}' is a literal, not a symbol"),
                Pos::START,
            )),
            _ => parse_symbol_token(text).map_err(|m| EdnError::new(m, Pos::START)),
        }
    }

    /// Whether this symbol prints as `text` (e.g. `"?x"`), without allocating.
    pub fn matches(&self, text: &str) -> bool {
        parts_match(self.namespace.as_deref(), &self.name, text)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{ns}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl FromStr for Symbol {
    type Err = EdnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Symbol::parse(s)
    }
}

/// Whether `namespace`/`name` print as `text` (no leading colon).
fn parts_match(namespace: Option<&str>, name: &str, text: &str) -> bool {
    match namespace {
        None => text == name,
        Some(ns) => {
            text.len() == ns.len() + 1 + name.len()
                && text.starts_with(ns)
                && text.as_bytes().get(ns.len()) == Some(&b'/')
                && text.ends_with(name)
        }
    }
}

/// Which flavour of name is being checked: keywords are more permissive
/// (Clojure reads `:1` and `:a/-1`), symbols must not look like numbers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameKind {
    Symbol,
    Keyword,
}

/// Parses a symbol token (already known not to be `nil`/`true`/`false`).
pub(crate) fn parse_symbol_token(token: &str) -> Result<Symbol, String> {
    let (namespace, name) = split_name(token, NameKind::Symbol)
        .map_err(|why| format!("invalid symbol '{token}': {why}"))?;
    Ok(Symbol {
        namespace: namespace.map(str::to_owned),
        name: name.to_owned(),
    })
}

/// Parses a keyword token including its leading `:`.
pub(crate) fn parse_keyword_token(token: &str) -> Result<Keyword, String> {
    let Some(rest) = token.strip_prefix(':') else {
        return Err(format!("invalid keyword '{token}': must start with ':'"));
    };
    if rest.is_empty() {
        return Err("invalid keyword ':': a keyword needs a name".to_owned());
    }
    if rest.starts_with(':') {
        return Err(format!(
            "invalid keyword '{token}': auto-resolved keywords (::) are not EDN"
        ));
    }
    if rest == "/" {
        return Err(format!("invalid keyword '{token}'"));
    }
    let (namespace, name) = split_name(rest, NameKind::Keyword)
        .map_err(|why| format!("invalid keyword '{token}': {why}"))?;
    Ok(Keyword {
        namespace: namespace.map(str::to_owned),
        name: name.to_owned(),
    })
}

/// Splits `ns/name` and validates both parts.
fn split_name(text: &str, kind: NameKind) -> Result<(Option<&str>, &str), &'static str> {
    if text == "/" {
        // The division function: the only name that may be a bare slash.
        return Ok((None, "/"));
    }
    match text.find('/') {
        None => {
            check_part(text, kind)?;
            Ok((None, text))
        }
        Some(slash) => {
            let namespace = &text[..slash];
            let name = &text[slash + 1..];
            check_part(namespace, kind)?;
            if name != "/" {
                if name.contains('/') {
                    return Err("more than one '/'");
                }
                check_part(name, kind)?;
            }
            Ok((Some(namespace), name))
        }
    }
}

/// Checks one part (namespace or name) of a symbol or keyword.
fn check_part(part: &str, kind: NameKind) -> Result<(), &'static str> {
    let bytes = part.as_bytes();
    let Some(&first) = bytes.first() else {
        return Err("empty namespace or name");
    };
    if first == b'#' || first == b':' {
        return Err("a name may not start with '#' or ':'");
    }
    if kind == NameKind::Symbol {
        if first.is_ascii_digit() {
            return Err("a symbol may not start with a digit");
        }
        if matches!(first, b'+' | b'-' | b'.') && bytes.get(1).is_some_and(u8::is_ascii_digit) {
            return Err("a symbol starting with '+', '-' or '.' may not continue with a digit");
        }
    }
    if part.ends_with(':') || part.contains("::") {
        return Err("misplaced ':'");
    }
    let valid = if part.is_ascii() {
        // The common case, checked byte by byte against a table.
        bytes.iter().all(|&b| ASCII_NAME_BYTES[usize::from(b)])
    } else {
        part.chars().all(is_name_char)
    };
    if valid {
        Ok(())
    } else {
        Err("invalid character")
    }
}

/// [`is_name_char`] for ASCII bytes, as a table.
const ASCII_NAME_BYTES: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = is_ascii_name_byte(b as u8);
        b += 1;
    }
    table
};

/// Characters allowed inside symbol and keyword names.
///
/// ASCII is restricted to the EDN set; other characters are allowed (as
/// Clojure does) unless they are whitespace or control characters, which
/// would make the printed form ambiguous.
fn is_name_char(c: char) -> bool {
    if c.is_ascii() {
        is_ascii_name_byte(c as u8)
    } else {
        !c.is_whitespace() && !c.is_control()
    }
}

/// The ASCII part of [`is_name_char`].
const fn is_ascii_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'.' | b'*'
                | b'+'
                | b'!'
                | b'-'
                | b'_'
                | b'?'
                | b'$'
                | b'%'
                | b'&'
                | b'='
                | b'<'
                | b'>'
                | b'\''
                | b'#'
                | b':'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(text: &str) -> Symbol {
        parse_symbol_token(text).unwrap()
    }

    #[test]
    fn symbols() {
        for text in [
            "?e",
            "_",
            "...",
            ".",
            "+",
            "-",
            "<=",
            "!=",
            "not=",
            "%",
            "$",
            "$db",
            "a'",
            "x#",
            "a:b",
            "/",
            "clojure.core//",
            "-a",
            "é",
        ] {
            assert_eq!(sym(text).to_string(), text, "{text}");
        }
        let s = sym("clojure.string/starts-with?");
        assert_eq!(s.namespace.as_deref(), Some("clojure.string"));
        assert_eq!(s.name, "starts-with?");
        assert!(s.matches("clojure.string/starts-with?"));
        assert!(!s.matches("clojure.string/starts-with"));
        assert!(!s.matches("starts-with?"));
        assert!(sym("?x").matches("?x"));
    }

    #[test]
    fn bad_symbols() {
        for text in [
            "1a", "-1a", "+1", ".5x", "a/", "/a", "a/b/c", "a::b", "a:", "a\u{0}",
        ] {
            assert!(parse_symbol_token(text).is_err(), "{text}");
        }
        assert!(Symbol::parse("nil").is_err());
        assert!(Symbol::parse("true").is_err());
        assert_eq!(Symbol::parse("a/b").unwrap(), Symbol::new(Some("a"), "b"));
        assert_eq!("?x".parse::<Symbol>().unwrap(), Symbol::new(None, "?x"));
    }

    #[test]
    fn keywords() {
        let k = Keyword::parse(":db.type/string").unwrap();
        assert_eq!(k, Keyword::new(Some("db.type"), "string"));
        assert_eq!(k.to_string(), ":db.type/string");
        assert!(k.matches(":db.type/string"));
        assert!(!k.matches("db.type/string"));
        assert!(!k.matches(":db.type/strin"));
        let k = Keyword::parse(":name").unwrap();
        assert_eq!(k, Keyword::new(None, "name"));
        assert!(k.matches(":name"));
        assert_eq!(":db/id".parse::<Keyword>().unwrap().to_string(), ":db/id");
        // Clojure reads these, so do we.
        assert!(Keyword::parse(":1").is_ok());
        assert!(Keyword::parse(":a/-1").is_ok());
    }

    #[test]
    fn bad_keywords() {
        for text in [":", "::x", "::", "x", ":/", ":a/", ":/a", ":a/b/c", ":a b"] {
            assert!(Keyword::parse(text).is_err(), "{text}");
        }
        let e = Keyword::parse("::x").unwrap_err();
        assert!(e.message.contains("auto-resolved"), "{}", e.message);
    }

    #[test]
    fn ordering() {
        let mut ks = [
            Keyword::new(Some("b"), "a"),
            Keyword::new(None, "z"),
            Keyword::new(Some("a"), "b"),
        ];
        ks.sort();
        assert_eq!(ks[0], Keyword::new(None, "z"));
        assert_eq!(ks[1], Keyword::new(Some("a"), "b"));
    }
}
