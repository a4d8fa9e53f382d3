//! Turning byte offsets into 1-based line/column positions.
//!
//! The reader itself only tracks byte offsets, so the hot loop never counts
//! lines. Positions are computed here when someone asks for them.

use crate::error::Pos;
use crate::lexer::BOM;

/// Computes the position of byte `offset` in `src` by scanning from the start.
///
/// Used for errors, which happen at most once per parse. Offsets past the end
/// are clamped to the end of the input.
pub(crate) fn pos_at(src: &str, offset: usize) -> Pos {
    let mut cursor = LineCursor::default();
    cursor.advance_to(src, offset)
}

/// A monotonic offset→position converter.
///
/// Remembers the last position it computed, so asking for increasing offsets
/// (as the spanned reader does, once per form) costs time linear in the input
/// overall instead of quadratic. Asking for an earlier offset restarts from
/// the beginning.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineCursor {
    offset: usize,
    line: u32,
    column: u32,
}

impl Default for LineCursor {
    fn default() -> Self {
        LineCursor {
            offset: 0,
            line: 1,
            column: 1,
        }
    }
}

impl LineCursor {
    /// A cursor at offset 0 of a text that starts at `pos` of a larger input.
    pub(crate) fn starting_at(pos: Pos) -> Self {
        LineCursor {
            offset: 0,
            line: pos.line,
            column: pos.column,
        }
    }

    /// Returns the position of byte `offset` and remembers it.
    ///
    /// A byte-order mark at the start of `src` takes no column: the reader
    /// skips it, and editors do not show it.
    pub(crate) fn advance_to(&mut self, src: &str, offset: usize) -> Pos {
        let bytes = src.as_bytes();
        let target = offset.min(bytes.len());
        if target < self.offset {
            *self = LineCursor::default();
        }
        if self.offset == 0 && src.starts_with(BOM) {
            self.offset = BOM.len().min(target);
        }
        let mut line = self.line;
        let mut column = self.column;
        for &b in &bytes[self.offset..target] {
            if b == b'\n' {
                line = line.saturating_add(1);
                column = 1;
            } else if b & 0xC0 != 0x80 {
                // Count every byte except UTF-8 continuation bytes: one per char.
                column = column.saturating_add(1);
            }
        }
        self.offset = target;
        self.line = line;
        self.column = column;
        Pos { line, column }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let src = "ab\ncd\r\né f";
        assert_eq!(pos_at(src, 0), Pos { line: 1, column: 1 });
        assert_eq!(pos_at(src, 1), Pos { line: 1, column: 2 });
        assert_eq!(pos_at(src, 3), Pos { line: 2, column: 1 });
        // "é" is two bytes but one column.
        let f = src.find('f').unwrap();
        assert_eq!(pos_at(src, f), Pos { line: 3, column: 3 });
        assert_eq!(pos_at(src, 1000), Pos { line: 3, column: 4 });
    }

    #[test]
    fn byte_order_mark_takes_no_column() {
        let src = "\u{FEFF}ab\nc";
        assert_eq!(pos_at(src, 0), Pos { line: 1, column: 1 });
        assert_eq!(pos_at(src, 3), Pos { line: 1, column: 1 });
        assert_eq!(pos_at(src, 4), Pos { line: 1, column: 2 });
        assert_eq!(pos_at(src, 6), Pos { line: 2, column: 1 });
        let mut c = LineCursor::default();
        assert_eq!(c.advance_to(src, 4), Pos { line: 1, column: 2 });
        assert_eq!(c.advance_to(src, 3), Pos { line: 1, column: 1 });
        // Only at the very start.
        assert_eq!(pos_at("a\u{FEFF}b", 4), Pos { line: 1, column: 3 });
    }

    #[test]
    fn cursor_goes_back() {
        let src = "a\nb\nc";
        let mut c = LineCursor::default();
        assert_eq!(c.advance_to(src, 4), Pos { line: 3, column: 1 });
        assert_eq!(c.advance_to(src, 2), Pos { line: 2, column: 1 });
        assert_eq!(c.advance_to(src, 3), Pos { line: 2, column: 2 });
    }
}
