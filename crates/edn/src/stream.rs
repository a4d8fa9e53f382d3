//! Reading EDN forms from a byte stream — a file, stdin — in bounded memory.
//!
//! [`StreamReader`] keeps only the form being read and the chunk after it. A light scanner
//! finds where the next form ends (it knows strings, character literals, comments, `#_`, tags
//! and brackets; it builds nothing), then the reader parses exactly that text. A file of a
//! million forms — or one vector of a million operations, entered with
//! [`StreamReader::enter_seq_if`] so that its elements come one at a time — is read in memory
//! proportional to its largest element, and every error names the line and column in the whole
//! input.
//!
//! Invariants: `buf[start..]` is the unread text and starts at `pos` (line/column) and
//! `offset` (bytes) of the input; the scanner only decides where to cut, the parser decides
//! what the text means — a cut too late is harmless (every form of the cut is returned), and
//! at the end of the input the rest is handed to the parser whole, so its errors are the
//! reader's own.

use std::collections::VecDeque;
use std::io::Read;

use crate::build::EdnBuilder;
use crate::error::{EdnError, Failure, Pos};
use crate::position::LineCursor;
use crate::reader::Parser;
use crate::value::Edn;

/// Bytes read at a time; a form longer than the buffer doubles the next read, so a huge form
/// costs linear time.
const CHUNK: usize = 64 * 1024;

/// How many times a cut that fails to parse is extended by the next form before its error
/// counts (`StreamReader::parse_cut`).
const MAX_EXTENSIONS: usize = 4;

/// An error of a [`StreamReader`]: reading the input failed, or its text is not EDN.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The input could not be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The text is not valid EDN (or not UTF-8); the position is in the whole input.
    #[error("{0}")]
    Edn(#[from] EdnError),
}

/// Reads EDN forms one at a time from any [`Read`], in bounded memory.
///
/// ```
/// use datolite_edn::{Edn, StreamReader};
///
/// // One big vector: enter it and read its elements one by one.
/// let mut reader = StreamReader::new("[{:n 1} {:n 2}]".as_bytes());
/// assert!(reader.enter_seq_if(|first| first == Some(b'{'))?);
/// let mut total = 0;
/// while let Some(form) = reader.next_form() {
///     total += form?.get_keyword(":n").and_then(Edn::as_long).unwrap_or(0);
/// }
/// assert_eq!(total, 3);
/// # Ok::<(), datolite_edn::StreamError>(())
/// ```
pub struct StreamReader<R> {
    input: R,
    /// Text read and decoded; `buf[start..]` is unread.
    buf: String,
    start: usize,
    /// The bytes of a character split by a read, waiting for the rest.
    undecoded: Vec<u8>,
    eof: bool,
    /// Line and column of `buf[start]`.
    pos: Pos,
    /// Byte offset of `buf[start]` in the input.
    offset: u64,
    /// Closing bytes of the sequences entered, innermost last, with where each opened.
    entered: Vec<(u8, Pos)>,
    /// Forms parsed from one cut beyond the first (a cut holding more than one form).
    ready: VecDeque<Edn>,
    /// Set after an error: nothing more is read.
    failed: bool,
}

/// What the scanner found at the start of the unread text.
enum Scan {
    /// Only trivia up to the end of the input: this many bytes of it.
    End(usize),
    /// A closing bracket at this offset, after trivia.
    Close(usize),
    /// A form (with the trivia before it) ending at this offset.
    Form(usize),
    /// The text ends before anything is decided: read more.
    More,
}

impl<R: Read> StreamReader<R> {
    /// A reader at the start of `input` (read in chunks; wrap nothing in a `BufReader`).
    pub fn new(input: R) -> Self {
        StreamReader {
            input,
            buf: String::new(),
            start: 0,
            undecoded: Vec::new(),
            eof: false,
            pos: Pos::START,
            offset: 0,
            entered: Vec::new(),
            ready: VecDeque::new(),
            failed: false,
        }
    }

    /// Bytes of the input consumed so far (for progress against the input's length).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes of text held in memory: the form being read and the chunk after it (not the
    /// input read so far).
    pub fn buffered(&self) -> usize {
        self.buf.capacity() + self.undecoded.capacity()
    }

    /// The line and column of the next unread character.
    pub fn pos(&self) -> Pos {
        self.pos
    }

    /// Reads the next form. Inside a sequence entered with [`StreamReader::enter_seq_if`],
    /// `None` at its closing bracket (consumed: the next call reads what follows it); at the
    /// top, `None` at the end of the input or after an error.
    pub fn next_form(&mut self) -> Option<Result<Edn, StreamError>> {
        if let Some(form) = self.ready.pop_front() {
            return Some(Ok(form));
        }
        if self.failed {
            return None;
        }
        let outcome = self.read_form();
        match outcome {
            Ok(form) => form.map(Ok),
            Err(error) => {
                self.failed = true;
                Some(Err(error))
            }
        }
    }

    /// When the next form is a vector or list whose first element starts with a byte `head`
    /// accepts (its closing bracket when the sequence is empty; `None` when the input ends), enters it — its elements then come one at a
    /// time from [`StreamReader::next_form`] — and returns `true`; otherwise reads nothing.
    pub fn enter_seq_if(&mut self, head: impl Fn(Option<u8>) -> bool) -> Result<bool, StreamError> {
        if self.failed || !self.ready.is_empty() {
            return Ok(false);
        }
        loop {
            let text = &self.buf.as_bytes()[self.start..];
            let found = skip_trivia(text, 0).and_then(|open| {
                let first = skip_trivia(text, open + 1);
                match (text.get(open), first) {
                    (Some(b'[' | b'('), Some(first)) if first < text.len() || self.eof => {
                        Some(Some((open, text.get(first).copied())))
                    }
                    (Some(b'[' | b'('), _) => None,
                    (Some(_), _) => Some(None),
                    (None, _) if self.eof => Some(None),
                    (None, _) => None,
                }
            });
            match found {
                Some(Some((open, first))) => {
                    if !head(first) {
                        return Ok(false);
                    }
                    let closer = if text[open] == b'[' { b']' } else { b')' };
                    self.consume(open);
                    self.entered.push((closer, self.pos));
                    self.consume(1);
                    return Ok(true);
                }
                Some(None) => return Ok(false),
                None if self.eof => return Ok(false),
                None => self.fill()?,
            }
        }
    }

    /// The next form, or `None` at the end of the input or of the entered sequence.
    fn read_form(&mut self) -> Result<Option<Edn>, StreamError> {
        loop {
            let text = &self.buf.as_bytes()[self.start..];
            match scan(text, self.eof) {
                Scan::More => self.fill()?,
                Scan::End(len) => {
                    // The trivia may hold a malformed discard (`#_[}`): the parser reads it.
                    if let Some(form) = self.parse_cut(len)? {
                        return Ok(Some(form));
                    }
                    return match self.entered.last() {
                        Some(&(closer, opened)) => Err(Failure::at(
                            0,
                            format!(
                                "unterminated {} opened at {opened} (expected '{}')",
                                seq_name(closer),
                                char::from(closer)
                            ),
                        )
                        .resolve_from("", self.pos)
                        .into()),
                        None => Ok(None),
                    };
                }
                Scan::Close(at) => {
                    let found = text[at];
                    match self.entered.last() {
                        Some(&(closer, _)) if closer == found => {
                            if let Some(form) = self.parse_cut(at)? {
                                return Ok(Some(form));
                            }
                            self.entered.pop();
                            self.consume(1);
                            return Ok(None);
                        }
                        // A stray bracket, which the parser names at its position — or
                        // the end of a token the scanner cut short (`#_:a\]`).
                        _ => {
                            if let Some(form) = self.parse_cut(at + 1)? {
                                return Ok(Some(form));
                            }
                        }
                    }
                }
                Scan::Form(end) => {
                    if let Some(form) = self.parse_cut(end)? {
                        return Ok(Some(form));
                    }
                }
            }
        }
    }

    /// Parses `buf[start..start + len]`, consumes it and returns its first form (the others
    /// wait in `ready`); `None` when it held only trivia.
    ///
    /// The scanner's tokens may end later than the reader's (`0N#_ 1` is a number and a
    /// discard to the reader, one token to the scanner), so a cut may end inside the next
    /// form. When a cut fails before the end of the input it is extended by the next form, a
    /// few times, before its error counts.
    fn parse_cut(&mut self, mut len: usize) -> Result<Option<Edn>, StreamError> {
        let mut extensions = 0;
        loop {
            let text = &self.buf[self.start..self.start + len];
            let mut parser = Parser::new(text, EdnBuilder);
            let mut forms = Vec::new();
            let failure = loop {
                match parser.next_unresolved() {
                    Ok(Some(form)) => forms.push(form),
                    Ok(None) => break None,
                    Err(failure) => break Some(failure),
                }
            };
            let Some(failure) = failure else {
                self.consume(len);
                self.ready.extend(forms);
                return Ok(self.ready.pop_front());
            };
            let at_end = self.eof && self.start + len == self.buf.len();
            if at_end || extensions == MAX_EXTENSIONS {
                return Err(failure.resolve_from(text, self.pos).into());
            }
            extensions += 1;
            len = self.extended(len)?;
        }
    }

    /// The end of the unread text's next form (or closing bracket) after `len` bytes, reading
    /// more as needed; the end of the input when there is none.
    fn extended(&mut self, len: usize) -> Result<usize, StreamError> {
        loop {
            let text = &self.buf.as_bytes()[self.start..];
            let end = skip_trivia(text, len).and_then(|at| match text.get(at)? {
                b')' | b']' | b'}' => Some(at + 1),
                _ => form_end(text, at),
            });
            match end {
                Some(end) if end < text.len() || self.eof => return Ok(end),
                _ if self.eof => return Ok(text.len()),
                _ => self.fill()?,
            }
        }
    }

    /// Moves the start past `len` bytes of unread text.
    fn consume(&mut self, len: usize) {
        let text = &self.buf[self.start..self.start + len];
        self.pos = LineCursor::starting_at(self.pos).advance_to(text, len);
        self.start += len;
        self.offset += len as u64;
    }

    /// Reads the next chunk (at least as long as the unread text, so a long form is read in
    /// doubling chunks); sets `eof` at the end of the input.
    fn fill(&mut self) -> Result<(), StreamError> {
        self.buf.drain(..self.start);
        self.start = 0;
        let want = CHUNK.max(self.buf.len());
        let mut chunk = std::mem::take(&mut self.undecoded);
        let had = chunk.len();
        chunk.resize(had + want, 0);
        let n = loop {
            match self.input.read(&mut chunk[had..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        chunk.truncate(had + n);
        if n == 0 {
            self.eof = true;
            if !chunk.is_empty() {
                return Err(self.invalid_utf8(&[]));
            }
            return Ok(());
        }
        let valid = match std::str::from_utf8(&chunk) {
            Ok(_) => chunk.len(),
            // A character cut by the read: keep its bytes for the next one.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(self.invalid_utf8(&chunk[..e.valid_up_to()])),
        };
        self.undecoded = chunk.split_off(valid);
        let text = std::str::from_utf8(&chunk)
            .map_err(|e| self.invalid_utf8(&chunk[..e.valid_up_to()]))?;
        self.buf.push_str(text);
        Ok(())
    }

    /// The error for bytes that are not UTF-8, after the buffered text and `valid` (UTF-8).
    fn invalid_utf8(&self, valid: &[u8]) -> StreamError {
        let unread = &self.buf[self.start..];
        let pos = LineCursor::starting_at(self.pos).advance_to(unread, unread.len());
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let pos = LineCursor::starting_at(pos).advance_to(valid, valid.len());
        EdnError::new("the input is not valid UTF-8", pos).into()
    }
}

impl<R: Read> Iterator for StreamReader<R> {
    type Item = Result<Edn, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_form()
    }
}

/// The name of the sequence a closing byte ends.
fn seq_name(closer: u8) -> &'static str {
    if closer == b']' {
        "vector"
    } else {
        "list"
    }
}

/// Where the next form of `text` ends; `eof` when nothing follows `text`.
fn scan(text: &[u8], eof: bool) -> Scan {
    let Some(at) = skip_trivia(text, 0) else {
        // A comment or `#_` runs to the end: at the end of the input the parser decides.
        return if eof {
            Scan::Form(text.len())
        } else {
            Scan::More
        };
    };
    match text.get(at) {
        None if eof => Scan::End(at),
        None => Scan::More,
        Some(b')' | b']' | b'}') => Scan::Close(at),
        Some(_) => match form_end(text, at) {
            Some(end) if end < text.len() || eof => Scan::Form(end),
            // A form ending exactly at the end of the text may be a token cut by the read.
            Some(_) | None if !eof => Scan::More,
            _ => Scan::Form(text.len()),
        },
    }
}

/// Skips whitespace, commas, `;` comments and `#_` discards from `at`; `None` when the text
/// ends inside a comment or a discard.
fn skip_trivia(text: &[u8], mut at: usize) -> Option<usize> {
    loop {
        match text.get(at) {
            Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | 0x0b | 0x0c) => at += 1,
            Some(b';') => at += memchr::memchr(b'\n', &text[at..])? + 1,
            Some(b'#') if text.get(at + 1) == Some(&b'_') => {
                let form = skip_trivia(text, at + 2)?;
                text.get(form)?;
                at = form_end(text, form)?;
            }
            _ => return Some(at),
        }
    }
}

/// The end of the form starting at `at` (not trivia); `None` when the text ends first.
fn form_end(text: &[u8], at: usize) -> Option<usize> {
    match *text.get(at)? {
        b'"' => string_end(text, at + 1),
        b'(' | b'[' | b'{' => collection_end(text, at),
        b'\\' => {
            text.get(at + 1)?;
            token_end(text, at + 2)
        }
        b'#' => match *text.get(at + 1)? {
            b'{' => collection_end(text, at + 1),
            b'"' => string_end(text, at + 2),
            b'#' => token_end(text, at + 2),
            // A tag, or `^`-like prefix: the tag, then the form it applies to.
            _ => prefixed(text, token_end(text, at + 1)?),
        },
        b'^' => prefixed(text, form_end(text, at + 1)?),
        _ => token_end(text, at),
    }
}

/// The end of the form after a prefix (a tag or metadata) that ends at `at`.
fn prefixed(text: &[u8], at: usize) -> Option<usize> {
    let form = skip_trivia(text, at)?;
    text.get(form)?;
    form_end(text, form)
}

/// The end of a string whose text starts at `at` (after the opening quote).
fn string_end(text: &[u8], mut at: usize) -> Option<usize> {
    loop {
        match *text.get(at)? {
            b'\\' => at += 2,
            b'"' => return Some(at + 1),
            _ => at += 1,
        }
    }
}

/// The end of the collection whose opening bracket is at `at`: brackets counted outside
/// strings, character literals and comments.
fn collection_end(text: &[u8], mut at: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match *text.get(at)? {
            b'"' => at = string_end(text, at + 1)?,
            b'\\' => at += 2,
            b';' => at += memchr::memchr(b'\n', &text[at..])? + 1,
            b'(' | b'[' | b'{' => {
                depth += 1;
                at += 1;
            }
            b')' | b']' | b'}' => {
                depth -= 1;
                at += 1;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => at += 1,
        }
    }
}

/// The end of a token (number, symbol, keyword, rest of a character literal) from `at`: the
/// next delimiter (a backslash too: `:a\\b` is a keyword and a character to the reader), or `None` at the end of the text (the token may go on).
fn token_end(text: &[u8], at: usize) -> Option<usize> {
    text.get(at..)?
        .iter()
        .position(|b| {
            matches!(
                b,
                b' ' | b'\t'
                    | b'\n'
                    | b'\r'
                    | b','
                    | 0x0b
                    | 0x0c
                    | b'('
                    | b')'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'"'
                    | b';'
                    | b'\\'
            )
        })
        .map(|n| at + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most `n` bytes per read, to cut forms anywhere.
    struct Trickle<'a> {
        data: &'a [u8],
        n: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.n.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn forms(text: &str, n: usize) -> Result<Vec<Edn>, String> {
        StreamReader::new(Trickle {
            data: text.as_bytes(),
            n,
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
    }

    const SAMPLE: &str = "; a file\n{:a 1, :b \"x ] y\\\" z\"} [:db/add 1 :c \\]] #_ [1 2] \
        #inst \"2024-01-02T00:00:00Z\" (1 2 #{3 4}) é-symbol 12345678901234567890N 1.5M \
        #uuid \"550e8400-e29b-41d4-a716-446655440000\" \\newline \\é :k/w nil ##Inf\n";

    #[test]
    fn every_cut_reads_as_the_whole_text() {
        let expected = crate::parse_all(SAMPLE).map_err(|e| e.to_string());
        for n in 1..SAMPLE.len() + 1 {
            assert_eq!(forms(SAMPLE, n), expected, "chunks of {n} bytes");
        }
    }

    #[test]
    fn errors_name_the_position_in_the_whole_input() {
        let text = "[1 2]\n{:a 1}\n  {:b \"unterminated}";
        for n in [1, 3, 7, 100] {
            let error = forms(text, n).unwrap_err();
            assert_eq!(
                error,
                crate::parse_all(text).unwrap_err().to_string(),
                "chunks of {n}"
            );
            assert!(error.starts_with("line 3, column 7"), "{error}");
        }
    }

    #[test]
    fn entered_vector_yields_elements_then_what_follows() {
        let text = "[{:n 1}\n {:n 2} [:db/add 1 :a 2]] {:n 3}";
        for n in [1, 2, 5, 64] {
            let mut reader = StreamReader::new(Trickle {
                data: text.as_bytes(),
                n,
            });
            assert!(reader.enter_seq_if(|c| c != Some(b':')).unwrap());
            let inside: Vec<Edn> = reader.by_ref().map(|f| f.unwrap()).collect();
            assert_eq!(inside.len(), 3);
            // After the closing bracket the top level goes on.
            let rest: Vec<Edn> = reader.map(|f| f.unwrap()).collect();
            assert_eq!(rest, vec![crate::parse("{:n 3}").unwrap()]);
        }
    }

    #[test]
    fn an_operation_vector_is_not_entered() {
        let mut reader = StreamReader::new("[:db/add 1 :a 2]".as_bytes());
        assert!(!reader.enter_seq_if(|c| c != Some(b':')).unwrap());
        let form = reader.next_form().unwrap().unwrap();
        assert_eq!(form, crate::parse("[:db/add 1 :a 2]").unwrap());
    }

    #[test]
    fn an_entered_vector_must_close() {
        let mut reader = StreamReader::new("[{:n 1}\n {:n 2}".as_bytes());
        assert!(reader.enter_seq_if(|_| true).unwrap());
        let error = reader.find_map(Result::err).unwrap().to_string();
        assert!(
            error.contains("unterminated vector opened at line 1, column 1"),
            "{error}"
        );
        let mut reader = StreamReader::new("[{:n 1} }".as_bytes());
        assert!(reader.enter_seq_if(|_| true).unwrap());
        let error = reader.find_map(Result::err).unwrap().to_string();
        assert!(error.contains("line 1, column 9"), "{error}");
    }

    /// A generated input: `[` then `n` entity maps then `]`, never held whole.
    struct BigVector {
        n: usize,
        next: usize,
        pending: Vec<u8>,
    }

    impl Read for BigVector {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            while self.pending.len() < buf.len() && self.next <= self.n + 1 {
                let piece = match self.next {
                    0 => "[".to_string(),
                    i if i <= self.n => format!("{{:n {i} :s \"row {i}\"}}\n"),
                    _ => "]".to_string(),
                };
                self.pending.extend_from_slice(piece.as_bytes());
                self.next += 1;
            }
            let n = buf.len().min(self.pending.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn one_big_vector_is_read_in_bounded_memory() {
        let n = 200_000;
        let mut reader = StreamReader::new(BigVector {
            n,
            next: 0,
            pending: Vec::new(),
        });
        assert!(reader.enter_seq_if(|_| true).unwrap());
        let (mut count, mut peak) = (0, 0);
        while let Some(form) = reader.next_form() {
            let form = form.unwrap();
            count += 1;
            assert_eq!(form.get_keyword(":n").and_then(Edn::as_long), Some(count));
            peak = peak.max(reader.buffered());
        }
        assert_eq!(count, n as i64);
        // About 5 MB of input went by; the reader held a few chunks at most.
        assert!(reader.offset() > 5_000_000, "{}", reader.offset());
        assert!(peak <= 4 * CHUNK, "peak buffer {peak} bytes");
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let error = StreamReader::new(&b"{:a \"\xff\"}"[..])
            .find_map(Result::err)
            .unwrap();
        assert!(error.to_string().contains("not valid UTF-8"), "{error}");
    }
}
