//! The forms that start with `#` (sets, regular expressions, namespaced
//! maps, symbolic values, tagged literals, and the errors for Clojure's other
//! dispatch macros) and metadata (`^meta form`, `#^meta form`).

use crate::atom::parse_symbolic;
use crate::build::Builder;
use crate::error::Failure;
use crate::names::parse_symbol_token;
use crate::reader::{duplicate, shown, with_article, Parser};
use crate::time::parse_inst;
use crate::uuid::parse_uuid;
use crate::value::Edn;

impl<B: Builder> Parser<'_, B> {
    /// Reads the form that starts with the `#` at `at`.
    pub(super) fn dispatch(&mut self, at: usize) -> Result<B::Node, Failure> {
        let start = self.builder.start(self.cur.src(), at);
        match self.cur.peek_at(1) {
            Some(b'{') => {
                self.cur.bump(2);
                let base = self.elements(at, b'}')?;
                self.set(start, base)
            }
            Some(b'"') => {
                let pattern = self.cur.regex()?;
                Ok(self.builder.scalar(start, Edn::Regex(pattern)))
            }
            Some(b':') => self.namespaced_map(at, start),
            Some(b'^') => self.metadata(at, 2),
            Some(b'#') => self.symbolic_value(at, start),
            Some(b) if b.is_ascii_alphabetic() => self.tagged(at, start),
            Some(b) if !b.is_ascii() && self.cur.char_at(1).is_some_and(char::is_alphabetic) => {
                self.tagged(at, start)
            }
            _ => Err(self.unsupported_dispatch(at)),
        }
    }

    /// The error for `#` followed by something that starts no EDN form.
    #[cold]
    #[inline(never)]
    fn unsupported_dispatch(&self, at: usize) -> Failure {
        let Some(c) = self.cur.char_at(1) else {
            return Failure::at(at, "'#' at end of input");
        };
        let what = match c {
            '<' => {
                return Failure::at(
                    at,
                    "unreadable form '#<': a printed object that cannot be read back",
                )
            }
            '(' => " (an anonymous function literal is Clojure code, not EDN)",
            '\'' => " (a var quote is Clojure code, not EDN)",
            '=' => " (read-eval is Clojure code, not EDN)",
            '?' => " (a reader conditional is Clojure code, not EDN)",
            _ => "",
        };
        Failure::at(at, format!("unsupported dispatch '#{c}'{what}"))
    }

    /// Checks the elements read between `#{` and `}`.
    #[inline(never)]
    fn set(&mut self, start: B::Start, base: usize) -> Result<B::Node, Failure> {
        let items = &self.nodes[base..];
        if let Some(i) = duplicate::<B>(items, 1) {
            return Err(Failure::at(
                self.element_offsets[base + i],
                format!("duplicate element {} in set", shown(&B::value(&items[i]))),
            ));
        }
        let items = self.take(base);
        Ok(self.builder.set(start, items))
    }

    /// Reads `##Inf`, `##-Inf` or `##NaN`; as in Clojure, whitespace may
    /// follow the `##`.
    #[inline(never)]
    fn symbolic_value(&mut self, at: usize, start: B::Start) -> Result<B::Node, Failure> {
        self.cur.bump(2);
        self.skip_trivia()?;
        let value = match self.cur.token() {
            "Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            "" => return Err(Failure::at(at, "## must be followed by Inf, -Inf or NaN")),
            other => {
                return Err(Failure::at(
                    at,
                    format!("unknown symbolic value '##{other}' (expected ##Inf, ##-Inf or ##NaN)"),
                ))
            }
        };
        Ok(self.builder.scalar(start, Edn::Double(value)))
    }

    /// Reads `#:ns{…}`; the cursor is on the `#`. Keys without a namespace
    /// (keywords and symbols) take `ns`, keys in the namespace `_` lose it,
    /// other keys stay as they are; duplicates are checked afterwards.
    #[inline(never)]
    fn namespaced_map(&mut self, at: usize, start: B::Start) -> Result<B::Node, Failure> {
        if self.cur.peek_at(2) == Some(b':') {
            return Err(Failure::at(
                at,
                "auto-resolved namespaced maps (#::) are not EDN: name the namespace, as in #:person{:name \"Ann\"}",
            ));
        }
        self.cur.bump(2);
        // Clojure's EDN reader reads the namespace as a form, so whitespace
        // and comments may come first.
        self.skip_trivia()?;
        let ns_at = self.cur.offset;
        let ns = self.cur.token();
        check_map_namespace(ns)
            .map_err(|m| Failure::at(if ns.is_empty() { at } else { ns_at }, m))?;
        // Between the namespace and the map only whitespace, as in Clojure.
        self.cur.skip_spaces();
        let open = self.cur.offset;
        if self.cur.peek() != Some(b'{') {
            return Err(Failure::at(
                at,
                format!("namespaced map #:{ns} must be followed by a map {{…}}"),
            ));
        }
        self.cur.bump(1);
        let base = self.elements(open, b'}')?;
        self.qualify_keys(base, ns)?;
        self.map(at, start, base)
    }

    /// Gives the keys from `base` on (every other node) the namespace `ns`.
    fn qualify_keys(&mut self, base: usize, ns: &str) -> Result<(), Failure> {
        for (i, node) in self.nodes[base..].iter_mut().enumerate().step_by(2) {
            let Some(namespace) = B::key_namespace(node) else {
                continue;
            };
            match namespace.as_deref() {
                None => *namespace = Some(ns.to_owned()),
                Some("_") => {
                    *namespace = None;
                    // `:_/a/b` would become `:a/b` with the name "a/b", which
                    // prints as text that reads back differently.
                    let value = B::value(node);
                    let name = match &*value {
                        Edn::Keyword(k) => &k.name,
                        Edn::Symbol(s) => &s.name,
                        _ => continue,
                    };
                    if name.contains('/') && name != "/" {
                        return Err(Failure::at(
                            self.element_offsets[base + i],
                            format!(
                                "key {} in a namespaced map: without a namespace its name may not contain '/'",
                                shown(&value)
                            ),
                        ));
                    }
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Reads `#tag value`; the cursor is on the `#`.
    fn tagged(&mut self, at: usize, start: B::Start) -> Result<B::Node, Failure> {
        self.cur.bump(1);
        let tag = self.cur.token();
        self.check_tag(at, tag)?;
        self.enter(at)?;
        let value_at = self.cur.offset;
        let value = self.form()?;
        self.depth -= 1;
        self.finish_tag(start, tag, value_at, value)
    }

    /// Checks the tag name and that a value follows it.
    #[inline(never)]
    fn check_tag(&mut self, at: usize, tag: &str) -> Result<(), Failure> {
        if matches!(tag, "nil" | "true" | "false") {
            return Err(Failure::at(
                at,
                format!("invalid tag #{tag}: a tag must be a symbol"),
            ));
        }
        parse_symbol_token(tag).map_err(|m| Failure::at(at, format!("invalid tag: {m}")))?;
        self.skip_trivia()?;
        match self.cur.peek() {
            None | Some(b')' | b']' | b'}') => Err(Failure::at(
                at,
                format!("tag #{tag} must be followed by a value"),
            )),
            Some(_) => Ok(()),
        }
    }

    /// Builds the tagged literal, converting `#inst` and `#uuid`.
    #[inline(never)]
    fn finish_tag(
        &mut self,
        start: B::Start,
        tag: &str,
        value_at: usize,
        value: B::Node,
    ) -> Result<B::Node, Failure> {
        let string_for = |what: &str| {
            B::as_str(&value).ok_or_else(|| {
                Failure::at(
                    value_at,
                    format!(
                        "#{what} must be followed by a string, not {}",
                        with_article(B::type_name(&value))
                    ),
                )
            })
        };
        let scalar = match tag {
            "inst" => {
                Edn::Inst(parse_inst(string_for("inst")?).map_err(|m| Failure::at(value_at, m))?)
            }
            "uuid" => {
                Edn::Uuid(parse_uuid(string_for("uuid")?).map_err(|m| Failure::at(value_at, m))?)
            }
            _ => return Ok(self.builder.tagged(start, tag.to_owned(), value)),
        };
        Ok(self.builder.scalar(start, scalar))
    }

    /// Reads `^meta form` or `#^meta form` (the marker is `len` bytes at
    /// `at`) and returns the form: metadata is checked as Clojure checks it
    /// and then discarded.
    pub(super) fn metadata(&mut self, at: usize, len: usize) -> Result<B::Node, Failure> {
        self.cur.bump(len);
        self.enter(at)?;
        let meta_at = self.expect_form(at, "metadata")?;
        let meta = self.form()?;
        check_metadata::<B>(&meta, meta_at)?;
        let target_at = self.expect_form(at, "a form to attach the metadata to")?;
        let target = self.form()?;
        check_metadata_target::<B>(&target, target_at)?;
        self.depth -= 1;
        Ok(target)
    }

    /// Skips trivia and checks a form follows the metadata marker at `at`;
    /// returns where it starts.
    #[inline(never)]
    fn expect_form(&mut self, at: usize, what: &str) -> Result<usize, Failure> {
        self.skip_trivia()?;
        match self.cur.peek() {
            None | Some(b')' | b']' | b'}') => Err(Failure::at(
                at,
                format!("metadata marker '^' must be followed by {what}"),
            )),
            Some(_) => Ok(self.cur.offset),
        }
    }
}

/// Checks the namespace token of a namespaced map: a symbol without a
/// namespace.
fn check_map_namespace(ns: &str) -> Result<(), String> {
    if ns.is_empty() {
        return Err(
            "namespaced map must name its namespace, as in #:person{:name \"Ann\"}".to_owned(),
        );
    }
    match parse_symbolic(ns) {
        Ok(Edn::Symbol(s)) if s.namespace.is_none() => Ok(()),
        Ok(Edn::Symbol(_)) => Err(format!(
            "invalid namespace '{ns}' for a namespaced map: it may not contain '/'"
        )),
        Ok(other) => Err(format!(
            "invalid namespace '{ns}' for a namespaced map: {} is not a symbol",
            other.type_name()
        )),
        Err(m) => Err(format!("invalid namespace for a namespaced map: {m}")),
    }
}

/// Metadata must be a symbol, keyword, string or map (Clojure's rule).
#[inline(never)]
fn check_metadata<B: Builder>(meta: &B::Node, at: usize) -> Result<(), Failure> {
    match B::type_name(meta) {
        "symbol" | "keyword" | "string" | "map" => Ok(()),
        other => Err(Failure::at(
            at,
            format!(
                "metadata must be a symbol, keyword, string or map, not {}",
                with_article(other)
            ),
        )),
    }
}

/// Metadata can only be attached to symbols and collections (Clojure's
/// `IMeta`s among the values EDN reads).
#[inline(never)]
fn check_metadata_target<B: Builder>(target: &B::Node, at: usize) -> Result<(), Failure> {
    match B::type_name(target) {
        "symbol" | "list" | "vector" | "map" | "set" => Ok(()),
        other => Err(Failure::at(
            at,
            format!(
                "metadata can only be attached to a symbol or a collection, not {}",
                with_article(other)
            ),
        )),
    }
}
