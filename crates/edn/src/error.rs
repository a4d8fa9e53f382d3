//! Errors reported by the EDN reader, and the positions they point at.

use std::fmt;

/// A 1-based line and column in the reader's input.
///
/// Columns count Unicode scalar values (not bytes), so a position can be shown
/// to a user next to the line it refers to. A `\r\n` pair counts as a single
/// line break; a lone `\r` does not break lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column number, in characters.
    pub column: u32,
}

impl Pos {
    /// The position of the first character of any input.
    pub const START: Pos = Pos { line: 1, column: 1 };
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A reader error: what went wrong and where.
///
/// Displays as `line 3, column 7: unterminated string opened at line 3, column 7`.
/// For unterminated strings and collections the position is the opening
/// delimiter (that is where the user has to look; the end of the input is
/// rarely helpful), and the message says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct EdnError {
    /// What went wrong, without the position prefix.
    pub message: String,
    /// 1-based line of the problem.
    pub line: u32,
    /// 1-based column (in characters) of the problem.
    pub column: u32,
}

impl EdnError {
    /// Creates an error at `pos`.
    pub fn new(message: impl Into<String>, pos: Pos) -> Self {
        EdnError {
            message: message.into(),
            line: pos.line,
            column: pos.column,
        }
    }

    /// The position the error points at.
    pub fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }
}

/// An error found while reading, positioned by byte offset.
///
/// The reader works on byte offsets only (cheap); offsets are turned into
/// line/column when the error is reported, which happens at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// Byte offset of the problem in the input.
    pub(crate) offset: usize,
    /// Message without position.
    pub(crate) message: String,
    /// When set, " opened at line L, column C" (for `offset`) is appended,
    /// because the offset is an opening delimiter rather than the place where
    /// reading stopped.
    pub(crate) mentions_opening: bool,
}

impl Failure {
    /// A failure at `offset`.
    pub(crate) fn at(offset: usize, message: impl Into<String>) -> Self {
        Failure {
            offset,
            message: message.into(),
            mentions_opening: false,
        }
    }

    /// An "unterminated `what`" failure pointing at its opening delimiter.
    pub(crate) fn unterminated(what: &str, open_offset: usize) -> Self {
        Failure {
            offset: open_offset,
            message: format!("unterminated {what}"),
            mentions_opening: true,
        }
    }

    /// Converts the byte offset to a line/column within `src`.
    pub(crate) fn resolve(self, src: &str) -> EdnError {
        self.resolve_from(src, Pos::START)
    }

    /// Converts the byte offset to a line/column within `src`, which starts at `start` of a
    /// larger input (the stream reader parses one form's text at a time).
    pub(crate) fn resolve_from(self, src: &str, start: Pos) -> EdnError {
        let pos = crate::position::LineCursor::starting_at(start).advance_to(src, self.offset);
        let message = if self.mentions_opening {
            format!("{} opened at {pos}", self.message)
        } else {
            self.message
        };
        EdnError::new(message, pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_position_prefix() {
        let e = EdnError::new("unterminated string", Pos { line: 3, column: 7 });
        assert_eq!(e.to_string(), "line 3, column 7: unterminated string");
        assert_eq!(e.pos(), Pos { line: 3, column: 7 });
    }

    #[test]
    fn unterminated_mentions_opening() {
        let src = "[1\n  [2";
        let e = Failure::unterminated("vector", 5).resolve(src);
        assert_eq!(e.message, "unterminated vector opened at line 2, column 3");
        assert_eq!((e.line, e.column), (2, 3));
    }
}
