//! Keywords and symbols, and the rules for what names they may have.

use std::fmt;
use std::str::FromStr;

use crate::error::{EdnError, Pos};
use crate::lexer::BOM;

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
/// (Clojure reads `:1` and `:#a`), symbols must not look like numbers or
/// other forms.
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
    let (namespace, name) = split_name(rest, NameKind::Keyword)
        .map_err(|why| format!("invalid keyword '{token}': {why}"))?;
    Ok(Keyword {
        namespace: namespace.map(str::to_owned),
        name: name.to_owned(),
    })
}

/// Validates a name (a symbol, or a keyword without its `:`) and splits it
/// into namespace and name at the first `/`.
///
/// The rules are those of Clojure's reader (its `symbolPat` and the checks
/// after it), so `a/b/c` is the name `b/c` in namespace `a`, and `a//` is
/// `/` in `a`:
/// - `/` alone is a name;
/// - after the last `/` comes either a part that does not start with a
///   digit, or (for names ending in `//`) nothing;
/// - no `::`, and no `:` right before the `/` that ends the namespace or at
///   the end.
///
/// On top of that, datolite requires a non-empty namespace (`:/a/b` is an
/// error, Clojure reads an empty one), and a symbol may not start like a
/// number (`.5`, `-.5` is fine), as the EDN specification says, nor with `#`,
/// `:` or `'`, which could not be read back as a symbol.
fn split_name(text: &str, kind: NameKind) -> Result<(Option<&str>, &str), &'static str> {
    check_chars(text)?;
    if text == "/" {
        // The division function: the only name that may be a bare slash.
        return Ok((None, "/"));
    }
    if text.contains("::") {
        return Err("misplaced ':'");
    }
    let Some(first_slash) = text.find('/') else {
        if text.ends_with(':') {
            return Err("misplaced ':'");
        }
        check_start(text, kind)?;
        return Ok((None, text));
    };
    let namespace = &text[..first_slash];
    let name = &text[first_slash + 1..];
    if namespace.is_empty() {
        return Err("empty namespace");
    }
    // Which `/` Clojure takes as the separator for its checks: the last one,
    // or the one before a final `//`.
    let last_slash = text.rfind('/').unwrap_or(first_slash);
    let last_part = &text[last_slash + 1..];
    let separator = if last_part.is_empty() {
        let ends_in_two =
            last_slash > first_slash && text.as_bytes().get(last_slash - 1) == Some(&b'/');
        if !ends_in_two {
            return Err("a name may not end with '/'");
        }
        last_slash - 1
    } else {
        if last_part.starts_with(|c: char| c.is_ascii_digit()) {
            return Err("the part after the last '/' may not start with a digit");
        }
        if last_part.ends_with(':') {
            return Err("misplaced ':'");
        }
        last_slash
    };
    if text[..separator].ends_with(':') {
        return Err("misplaced ':'");
    }
    check_start(namespace, kind)?;
    Ok((Some(namespace), name))
}

/// Checks how a symbol starts (keywords may start with anything but `:`,
/// which the caller has ruled out).
fn check_start(part: &str, kind: NameKind) -> Result<(), &'static str> {
    if kind == NameKind::Keyword {
        return Ok(());
    }
    let bytes = part.as_bytes();
    match bytes.first() {
        None => Err("empty namespace or name"),
        Some(b'#' | b':' | b'\'') => Err("a symbol may not start with '#', ':' or '\''"),
        Some(b) if b.is_ascii_digit() => Err("a symbol may not start with a digit"),
        Some(b'+' | b'-' | b'.') if bytes.get(1).is_some_and(u8::is_ascii_digit) => {
            Err("a symbol starting with '+', '-' or '.' may not continue with a digit")
        }
        Some(_) => Ok(()),
    }
}

/// Checks that every character may appear in a name.
fn check_chars(text: &str) -> Result<(), &'static str> {
    let valid = if text.is_ascii() {
        // The common case, checked byte by byte against a table.
        text.bytes().all(|b| ASCII_NAME_BYTES[usize::from(b)])
    } else {
        if text.contains(BOM) {
            return Err(
                "a byte-order mark (U+FEFF) is only allowed at the very start of the input",
            );
        }
        text.chars().all(is_name_char)
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
/// ASCII is restricted to the EDN set plus `|` (which Clojure reads too);
/// other characters are allowed (as Clojure does) unless they are whitespace
/// (such as the no-break spaces, which Clojure takes into a name), control
/// characters or the byte-order mark, which would make the printed form
/// ambiguous or invisible.
fn is_name_char(c: char) -> bool {
    if c.is_ascii() {
        is_ascii_name_byte(c as u8)
    } else {
        !c.is_whitespace() && !c.is_control() && c != '\u{FEFF}'
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
                | b'|'
                | b'/'
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
            "a|b",
            "+.5",
            "a/b/c",
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
            "1a", "-1a", "+1", ".5x", ".5", "a/", "/a", "a/1", "a/b/1", "a::b", "a:", "a:/b",
            "a/b:", "a\u{0}", "a\u{a0}", "#a", ":a", "'a", "a@b", "a`b", "", ".5/a",
        ] {
            assert!(parse_symbol_token(text).is_err(), "{text}");
        }
        assert!(Symbol::parse("nil").is_err());
        assert!(Symbol::parse("true").is_err());
        assert_eq!(Symbol::parse("a/b").unwrap(), Symbol::new(Some("a"), "b"));
        assert_eq!("?x".parse::<Symbol>().unwrap(), Symbol::new(None, "?x"));
        let e = parse_symbol_token("a\u{FEFF}").unwrap_err();
        assert!(e.contains("byte-order mark"), "{e}");
    }

    #[test]
    fn names_split_at_the_first_slash() {
        // As Clojure's Symbol.intern: the namespace ends at the first '/'.
        for (text, ns, name) in [
            ("a/b/c", "a", "b/c"),
            ("a.b/c.d/e", "a.b", "c.d/e"),
            ("a//", "a", "/"),
            ("a///", "a", "//"),
            ("a/b//", "a", "b//"),
            ("a//b", "a", "/b"),
            ("a|b/c|d", "a|b", "c|d"),
            ("a/:b", "a", ":b"),
            ("a/#b", "a", "#b"),
            ("a/'b", "a", "'b"),
            ("a/-1", "a", "-1"),
            ("a/.5", "a", ".5"),
            ("a/1b/c", "a", "1b/c"),
        ] {
            let s = sym(text);
            assert_eq!(s, Symbol::new(Some(ns), name), "{text}");
            assert_eq!(s.to_string(), text);
            let k = Keyword::parse(&format!(":{text}")).unwrap();
            assert_eq!(k, Keyword::new(Some(ns), name), "{text}");
        }
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
        for (text, ns, name) in [
            (":1", None, "1"),
            (":1/a", Some("1"), "a"),
            (":a/-1", Some("a"), "-1"),
            (":a/b/c", Some("a"), "b/c"),
            (":/", None, "/"),
            (":#a", None, "#a"),
            (":'a", None, "'a"),
            (":a/#b", Some("a"), "#b"),
            (":a/b/c:d", Some("a"), "b/c:d"),
        ] {
            assert_eq!(
                Keyword::parse(text).unwrap(),
                Keyword::new(ns, name),
                "{text}"
            );
        }
    }

    #[test]
    fn bad_keywords() {
        for text in [
            ":",
            "::x",
            "::",
            "x",
            ":a/",
            ":/a",
            ":/a/b",
            ":a b",
            ":a/1",
            ":a/b/1",
            ":a:",
            ":a:/b",
            ":a/b:",
            ":a::b",
            ":a\u{feff}",
        ] {
            assert!(Keyword::parse(text).is_err(), "{text}");
        }
        let e = Keyword::parse("::x").unwrap_err();
        assert!(e.message.contains("auto-resolved"), "{}", e.message);
        let e = Keyword::parse(":a/1").unwrap_err();
        assert!(
            e.message.contains("may not start with a digit"),
            "{}",
            e.message
        );
        let e = Keyword::parse(":/a/b").unwrap_err();
        assert!(e.message.contains("empty namespace"), "{}", e.message);
    }

    /// Clojure's `matchSymbol` (EdnReader.java), written independently as a
    /// search over the ways its pattern
    /// `[:]?([\D&&[^/]].*/)?(/|[\D&&[^/]][^/]*)` can match the whole text, in
    /// the order Java's backtracking tries them; then its checks and
    /// `Symbol.intern`'s split at the first '/'.
    fn clojure_match(s: &str) -> Option<(Option<String>, String)> {
        let chars: Vec<char> = s.chars().collect();
        let starts_part = |c: char| !c.is_ascii_digit() && c != '/';
        // Java's '.' does not match line terminators.
        let dot = |c: char| !matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
        let prefixes: &[usize] = if s.starts_with(':') { &[1, 0] } else { &[0] };
        let mut found = None;
        'search: for &p in prefixes {
            let r = &chars[p..];
            // Group 1 ends after a '/' at index j (longest first), or is absent.
            let mut ends: Vec<Option<usize>> = (1..r.len())
                .rev()
                .filter(|&j| r[j] == '/' && starts_part(r[0]) && r[1..j].iter().all(|&c| dot(c)))
                .map(Some)
                .collect();
            ends.push(None);
            for end in ends {
                let g2 = &r[end.map_or(0, |j| j + 1)..];
                let ok =
                    g2 == ['/'] || (!g2.is_empty() && starts_part(g2[0]) && !g2.contains(&'/'));
                if ok {
                    let g1: Option<String> = end.map(|j| r[..=j].iter().collect());
                    found = Some((g1, g2.iter().collect::<String>()));
                    break 'search;
                }
            }
        }
        let (g1, g2) = found?;
        if g1.is_some_and(|ns| ns.ends_with(":/"))
            || g2.ends_with(':')
            || s.chars().skip(1).collect::<String>().contains("::")
            || s.starts_with("::")
        {
            return None;
        }
        let body = s.strip_prefix(':').unwrap_or(s);
        match body.find('/') {
            Some(i) if body != "/" => Some((Some(body[..i].to_owned()), body[i + 1..].to_owned())),
            _ => Some((None, body.to_owned())),
        }
    }

    /// Where datolite is stricter than Clojure on purpose (see [`split_name`]).
    fn documented_deviation(ns: Option<&str>, name: &str, keyword: bool) -> bool {
        let bad_symbol_start = |part: &str| {
            let b = part.as_bytes();
            matches!(b.first(), Some(b'#' | b':' | b'\'' | b'0'..=b'9'))
                || (matches!(b.first(), Some(b'+' | b'-' | b'.'))
                    && b.get(1).is_some_and(u8::is_ascii_digit))
        };
        ns == Some("") || (!keyword && bad_symbol_start(ns.unwrap_or(name)))
    }

    #[test]
    fn oracle_samples() {
        // The oracle itself, on cases checked by hand against the pattern.
        let some = |ns: Option<&str>, name: &str| Some((ns.map(str::to_owned), name.to_owned()));
        assert_eq!(clojure_match("a/b/c"), some(Some("a"), "b/c"));
        assert_eq!(clojure_match(":1"), some(None, "1"));
        assert_eq!(clojure_match(":a/1"), None);
        assert_eq!(clojure_match(":/"), some(None, "/"));
        assert_eq!(clojure_match(":/a"), None);
        assert_eq!(clojure_match(":/a/b"), some(Some(""), "a/b"));
        assert_eq!(clojure_match("a//"), some(Some("a"), "/"));
        assert_eq!(clojure_match("a/"), None);
        assert_eq!(clojure_match("a:/b"), None);
        assert_eq!(clojure_match(".5"), some(None, ".5"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Names are accepted exactly as Clojure accepts them, but for the
        /// documented deviations, and split the same way.
        #[test]
        fn names_agree_with_clojure(text in "[ab:/1#.'+|é-]{1,7}") {
            let clojure = clojure_match(&text);
            let ours = if text.starts_with(':') {
                parse_keyword_token(&text).map(|k| (k.namespace, k.name))
            } else if text.starts_with(|c: char| c.is_ascii_digit() || c == '#' || c == '\'')
                || crate::atom::starts_number(text.as_bytes()[0], text.as_bytes().get(1).copied())
            {
                // Not a symbol token for either reader.
                return Ok(());
            } else {
                parse_symbol_token(&text).map(|s| (s.namespace, s.name))
            };
            match (&ours, &clojure) {
                (Ok(pair), Some(expected)) => proptest::prop_assert_eq!(pair, expected),
                (Ok(pair), None) => proptest::prop_assert!(false, "{} read as {:?}; Clojure rejects it", text, pair),
                (Err(_), Some((ns, name))) => proptest::prop_assert!(
                    documented_deviation(ns.as_deref(), name, text.starts_with(':')),
                    "{} rejected; Clojure reads {:?}/{:?}", text, ns, name
                ),
                (Err(_), None) => {}
            }
        }
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
