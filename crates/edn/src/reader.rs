//! The recursive-descent parser and the public streaming [`Reader`].

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;

use crate::atom::{parse_keyword, parse_number, parse_symbolic, starts_number};
use crate::build::{Builder, EdnBuilder};
use crate::error::{EdnError, Failure, Pos};
use crate::lexer::Cursor;
use crate::position::{pos_at, LineCursor};
use crate::value::Edn;

/// How deeply collections, tags and metadata may nest. Parsing recurses once per
/// level, so without a limit hostile input (`[[[[…`) would overflow the
/// stack; real data nests a handful of levels.
pub const MAX_DEPTH: usize = 256;

/// Collections up to this size are checked for duplicates pairwise, which
/// beats hashing for the typical entity map of a few attributes.
const PAIRWISE_LIMIT: usize = 16;

/// Longest rendering of a value quoted inside an error message.
const MAX_SHOWN: usize = 60;

/// Reads EDN forms one at a time from a string.
///
/// Lets a large file be processed form by form without holding every form
/// in memory. After an error the reader yields nothing more.
///
/// ```
/// use datolite_edn::{Edn, Reader};
///
/// let mut reader = Reader::new("{:n 1} {:n 2}");
/// let mut total = 0;
/// while let Some(form) = reader.next_form() {
///     total += form?.get_keyword(":n").and_then(Edn::as_long).unwrap_or(0);
/// }
/// assert_eq!(total, 3);
/// # Ok::<(), datolite_edn::EdnError>(())
/// ```
pub struct Reader<'a> {
    parser: Parser<'a, EdnBuilder>,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `input`.
    pub fn new(input: &'a str) -> Self {
        Reader {
            parser: Parser::new(input, EdnBuilder),
        }
    }

    /// Reads the next top-level form; `None` at the end of input or after
    /// an error has been returned.
    pub fn next_form(&mut self) -> Option<Result<Edn, EdnError>> {
        self.parser.next_node()
    }

    /// The position of the next unread character (just after the last form
    /// read, or where an error was found).
    pub fn pos(&self) -> Pos {
        self.parser.pos()
    }

    /// The byte offset of the next unread character, e.g. for progress
    /// reporting against the input length.
    pub fn offset(&self) -> usize {
        self.parser.cur.offset
    }
}

impl Iterator for Reader<'_> {
    type Item = Result<Edn, EdnError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_form()
    }
}

/// The parser, generic over what it builds.
pub(crate) struct Parser<'a, B: Builder> {
    pub(super) cur: Cursor<'a>,
    pub(super) builder: B,
    /// Current nesting of collections, tags and metadata.
    pub(super) depth: usize,
    /// Elements of the collections being read, innermost last. Sharing one
    /// stack across levels means each finished collection is moved out with
    /// a single exact-size allocation, instead of growing its own vector.
    pub(super) nodes: Vec<B::Node>,
    /// The start offset of each entry of `nodes`, so a duplicate can be
    /// reported where it is.
    pub(super) element_offsets: Vec<usize>,
    /// Set after the end of input or an error: nothing more is read.
    done: bool,
    /// Remembers the last position computed by [`Parser::pos`].
    lines: Cell<LineCursor>,
}

impl<'a, B: Builder> Parser<'a, B> {
    pub(crate) fn new(src: &'a str, builder: B) -> Self {
        Parser {
            cur: Cursor::new(src),
            builder,
            depth: 0,
            nodes: Vec::new(),
            element_offsets: Vec::new(),
            done: false,
            lines: Cell::new(LineCursor::default()),
        }
    }

    /// The position of the cursor.
    pub(crate) fn pos(&self) -> Pos {
        let mut lines = self.lines.get();
        let pos = lines.advance_to(self.cur.src(), self.cur.offset);
        self.lines.set(lines);
        pos
    }

    /// The next top-level form, as for [`Reader::next_form`].
    pub(crate) fn next_node(&mut self) -> Option<Result<B::Node, EdnError>> {
        if self.done {
            return None;
        }
        match self.top_level() {
            Ok(Some(node)) => Some(Ok(node)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(failure) => {
                self.done = true;
                Some(Err(failure.resolve(self.cur.src())))
            }
        }
    }

    /// The next top-level form with its failure unresolved (the stream reader resolves it
    /// against the position of its text in the whole input); `Ok(None)` at the end.
    pub(crate) fn next_unresolved(&mut self) -> Result<Option<B::Node>, Failure> {
        self.top_level()
    }

    /// Reads exactly one form surrounded only by whitespace and comments.
    pub(crate) fn single(mut self) -> Result<B::Node, EdnError> {
        let src = self.cur.src();
        let node = match self.top_level() {
            Ok(Some(node)) => node,
            Ok(None) => {
                return Err(
                    Failure::at(self.cur.offset, "expected a form, found end of input")
                        .resolve(src),
                )
            }
            Err(failure) => return Err(failure.resolve(src)),
        };
        self.skip_trivia().map_err(|f| f.resolve(src))?;
        match self.cur.peek_char() {
            None => Ok(node),
            Some(c) => Err(Failure::at(
                self.cur.offset,
                format!("unexpected '{c}' after the form (expected exactly one form)"),
            )
            .resolve(src)),
        }
    }

    /// Skips trivia and reads a form; `None` at the end of input.
    fn top_level(&mut self) -> Result<Option<B::Node>, Failure> {
        self.skip_trivia()?;
        match self.cur.peek() {
            None => Ok(None),
            Some(b @ (b')' | b']' | b'}')) => Err(Failure::at(
                self.cur.offset,
                format!("unmatched '{}'", char::from(b)),
            )),
            Some(_) => self.form().map(Some),
        }
    }

    /// Skips whitespace, comments and `#_` discards (with their forms).
    ///
    /// Discards are counted rather than handled recursively so that
    /// `#_ #_ a b` discards both `a` and `b`, as in Clojure, and a long run of
    /// `#_` cannot overflow the stack.
    pub(super) fn skip_trivia(&mut self) -> Result<(), Failure> {
        let mut pending = 0usize;
        let mut last_discard = 0;
        loop {
            self.cur.skip_whitespace();
            if self.cur.peek() == Some(b'#') && self.cur.peek_at(1) == Some(b'_') {
                last_discard = self.cur.offset;
                pending += 1;
                self.cur.bump(2);
                continue;
            }
            if pending == 0 {
                return Ok(());
            }
            match self.cur.peek() {
                None | Some(b')' | b']' | b'}') => {
                    return Err(Failure::at(
                        last_discard,
                        "#_ must be followed by a form to discard",
                    ))
                }
                Some(_) => {
                    self.form()?;
                    pending -= 1;
                }
            }
        }
    }

    /// Reads one form; the cursor is on its first byte (trivia skipped).
    ///
    /// This and the functions it recurses through (`collection`,
    /// `elements`, `dispatch`, `tagged`, `metadata`) are kept lean, with
    /// scalars and error messages built in separate functions, because their
    /// stack frames add up once per nesting level (unoptimised builds
    /// especially).
    pub(super) fn form(&mut self) -> Result<B::Node, Failure> {
        let at = self.cur.offset;
        match self.cur.peek() {
            Some(open @ (b'(' | b'[' | b'{')) => {
                let start = self.builder.start(self.cur.src(), at);
                self.collection(at, start, open)
            }
            Some(b'#') => self.dispatch(at),
            Some(b'^') => self.metadata(at, 1),
            _ => {
                let start = self.builder.start(self.cur.src(), at);
                self.scalar(at, start)
            }
        }
    }

    /// Reads a form that contains no other form.
    #[inline(never)]
    fn scalar(&mut self, at: usize, start: B::Start) -> Result<B::Node, Failure> {
        let Some(b) = self.cur.peek() else {
            return Err(Failure::at(at, "unexpected end of input"));
        };
        let scalar = match b {
            b'"' => Edn::String(self.cur.string()?),
            b'\\' => Edn::Char(self.cur.char_literal()?),
            b':' => parse_keyword(self.cur.token()).map_err(|m| Failure::at(at, m))?,
            b')' | b']' | b'}' => {
                return Err(Failure::at(at, format!("unexpected '{}'", char::from(b))))
            }
            b'\'' => {
                return Err(Failure::at(
                    at,
                    "quote (') is not EDN; write the form without it",
                ))
            }
            b'`' | b'~' | b'@' => {
                return Err(Failure::at(
                    at,
                    format!("unexpected character '{}'", char::from(b)),
                ))
            }
            _ if starts_number(b, self.cur.peek_at(1)) => {
                parse_number(self.cur.number_token()).map_err(|m| Failure::at(at, m))?
            }
            _ => parse_symbolic(self.cur.token()).map_err(|m| Failure::at(at, m))?,
        };
        Ok(self.builder.scalar(start, scalar))
    }

    /// Reads a list, vector or map; the cursor is on the opening delimiter.
    fn collection(&mut self, at: usize, start: B::Start, open: u8) -> Result<B::Node, Failure> {
        self.cur.bump(1);
        let close = match open {
            b'(' => b')',
            b'[' => b']',
            _ => b'}',
        };
        let base = self.elements(at, close)?;
        Ok(match open {
            b'(' => {
                let items = self.take(base);
                self.builder.list(start, items)
            }
            b'[' => {
                let items = self.take(base);
                self.builder.vector(start, items)
            }
            _ => self.map(at, start, base)?,
        })
    }

    /// Moves the elements from `base` on out of the shared stack.
    pub(super) fn take(&mut self, base: usize) -> Vec<B::Node> {
        self.element_offsets.truncate(base);
        self.nodes.drain(base..).collect()
    }

    /// Checks and pairs up the forms read between `{` and `}` (the stack
    /// entries from `base` on).
    #[inline(never)]
    pub(super) fn map(
        &mut self,
        at: usize,
        start: B::Start,
        base: usize,
    ) -> Result<B::Node, Failure> {
        let items = &self.nodes[base..];
        if items.len() % 2 == 1 {
            return Err(Failure::at(
                at,
                format!(
                    "map literal must contain an even number of forms, found {}",
                    items.len()
                ),
            ));
        }
        if let Some(i) = duplicate::<B>(items, 2) {
            return Err(Failure::at(
                self.element_offsets[base + 2 * i],
                format!("duplicate key {} in map", shown(&B::value(&items[2 * i]))),
            ));
        }
        let mut entries = Vec::with_capacity(items.len() / 2);
        self.element_offsets.truncate(base);
        let mut it = self.nodes.drain(base..);
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            entries.push((k, v));
        }
        drop(it);
        Ok(self.builder.map(start, entries))
    }

    /// Reads forms up to the `close` delimiter (consumed) onto the shared
    /// stack, returning where they start. The cursor is just past the
    /// opening delimiter at `open_at`.
    pub(super) fn elements(&mut self, open_at: usize, close: u8) -> Result<usize, Failure> {
        self.enter(open_at)?;
        let base = self.nodes.len();
        loop {
            self.skip_trivia()?;
            match self.cur.peek() {
                Some(b) if b == close => {
                    self.cur.bump(1);
                    break;
                }
                None | Some(b')' | b']' | b'}') => return Err(self.bad_close(open_at, close)),
                Some(_) => {
                    let offset = self.cur.offset;
                    let node = self.form()?;
                    self.element_offsets.push(offset);
                    self.nodes.push(node);
                }
            }
        }
        self.depth -= 1;
        Ok(base)
    }

    /// The error for a collection opened at `open_at` that is not closed by
    /// `close`: the input ends, or another closing delimiter comes first.
    #[cold]
    #[inline(never)]
    fn bad_close(&self, open_at: usize, close: u8) -> Failure {
        let what = match close {
            b')' => "list",
            b']' => "vector",
            _ if self.cur.src().as_bytes().get(open_at) == Some(&b'#') => "set",
            _ => "map",
        };
        match self.cur.peek() {
            None => Failure::unterminated(what, open_at),
            Some(b) => {
                let opened = pos_at(self.cur.src(), open_at);
                Failure::at(
                    self.cur.offset,
                    format!(
                        "unexpected '{}': expected '{}' to close the {what} opened at {opened}",
                        char::from(b),
                        char::from(close)
                    ),
                )
            }
        }
    }

    /// Enters one more level of nesting.
    #[inline(never)]
    pub(super) fn enter(&mut self, at: usize) -> Result<(), Failure> {
        if self.depth >= MAX_DEPTH {
            return Err(Failure::at(
                at,
                format!("forms nest too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        self.depth += 1;
        Ok(())
    }
}

/// The index (in units of `stride`) of the first node equal to an earlier
/// one, comparing every `stride`-th node (map keys use stride 2).
pub(super) fn duplicate<B: Builder>(nodes: &[B::Node], stride: usize) -> Option<usize> {
    let count = nodes.len() / stride;
    if count <= PAIRWISE_LIMIT {
        (1..count).find(|&i| (0..i).any(|j| B::same(&nodes[j * stride], &nodes[i * stride])))
    } else {
        let mut seen: HashSet<Cow<'_, Edn>> = HashSet::with_capacity(count);
        (0..count).find(|&i| !seen.insert(B::value(&nodes[i * stride])))
    }
}

/// "an integer", "a keyword": a type name as used in a sentence.
pub(super) fn with_article(type_name: &str) -> String {
    if type_name == "nil" {
        return "nil".to_owned();
    }
    // Vowels but 'u': the only type name starting with it is "uuid".
    match type_name.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}

/// A value as quoted in an error message, shortened if long.
pub(super) fn shown(value: &Edn) -> String {
    let text = value.to_string();
    match text.char_indices().nth(MAX_SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
