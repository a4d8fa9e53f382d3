//! Byte-level scanning: whitespace, comments and tokens. String, regex and
//! character literals are in `literals.rs`.
//!
//! Works on the UTF-8 bytes with an index. Every place the cursor stops is
//! the end of input, an ASCII byte or the first byte of a whitespace
//! character, so slicing the `&str` at the cursor is always on a character
//! boundary.

/// The UTF-8 byte-order mark, skipped at the very start of the input.
pub(crate) const BOM: &str = "\u{FEFF}";

/// ASCII whitespace as Clojure's reader sees it (`Character.isWhitespace`
/// plus the comma): space, tab, newline, vertical tab, form feed, return,
/// the separators U+001C–U+001F, and `,`.
pub(crate) const fn is_whitespace(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\r' | b',' | 0x0B | 0x0C | 0x1C..=0x1F
    )
}

/// The length in bytes of the non-ASCII whitespace character starting at
/// `bytes[i]`, or 0 if there is none. These are the characters Java's
/// `Character.isWhitespace` accepts beyond ASCII: the Unicode space separators
/// except the no-break ones (U+00A0, U+2007, U+202F), and the line and
/// paragraph separators. All of them are three bytes long and start with
/// 0xE1, 0xE2 or 0xE3.
pub(crate) fn unicode_space_len(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i..i + 3) {
        // U+1680 OGHAM SPACE MARK.
        Some([0xE1, 0x9A, 0x80])
        // U+2000–U+2006, U+2008–U+200A, U+2028, U+2029.
        | Some([0xE2, 0x80, 0x80..=0x86 | 0x88..=0x8A | 0xA8 | 0xA9])
        // U+205F MEDIUM MATHEMATICAL SPACE.
        | Some([0xE2, 0x81, 0x9F])
        // U+3000 IDEOGRAPHIC SPACE.
        | Some([0xE3, 0x80, 0x80]) => 3,
        _ => 0,
    }
}

/// The byte continues a token.
const CONSTITUENT: u8 = 0;
/// The byte ends a token.
const ENDS: u8 = 1;
/// The byte may start a non-ASCII whitespace character, which ends a token.
const MAYBE_SPACE: u8 = 2;

/// How each byte relates to tokens (symbols, keywords, tags, character
/// names): whitespace and Clojure's terminating macro characters end them.
/// Tokens are scanned byte by byte, and this table is the test in that loop.
const TOKEN_BYTES: [u8; 256] = token_table(false);

/// [`TOKEN_BYTES`] for numbers, which Clojure also ends at `#` (so `1#{}` is
/// a number and a set).
const NUMBER_BYTES: [u8; 256] = token_table(true);

const fn token_table(number: bool) -> [u8; 256] {
    let mut table = [CONSTITUENT; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if is_whitespace(byte) || is_terminating(byte) || (number && byte == b'#') {
            ENDS
        } else if matches!(byte, 0xE1..=0xE3) {
            MAYBE_SPACE
        } else {
            CONSTITUENT
        };
        b += 1;
    }
    table
}

/// Characters that end a token without whitespace: `"`, `;`, `^`, `\` and
/// the brackets (Clojure's terminating macro characters).
pub(crate) const fn is_terminating(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b';' | b'\\' | b'^'
    )
}

/// A position in the input plus the scanning primitives.
pub(crate) struct Cursor<'a> {
    pub(super) src: &'a str,
    pub(super) bytes: &'a [u8],
    /// Byte offset of the next unread byte.
    pub(crate) offset: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `src`, past a byte-order mark if there is one.
    pub(crate) fn new(src: &'a str) -> Self {
        Cursor {
            src,
            bytes: src.as_bytes(),
            offset: if src.starts_with(BOM) { BOM.len() } else { 0 },
        }
    }

    /// The whole input.
    pub(crate) fn src(&self) -> &'a str {
        self.src
    }

    /// The next byte, if any.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.offset).copied()
    }

    /// The byte `n` positions ahead of the next one.
    pub(crate) fn peek_at(&self, n: usize) -> Option<u8> {
        self.bytes.get(self.offset + n).copied()
    }

    /// Moves past `n` bytes (which the caller has checked are ASCII).
    pub(crate) fn bump(&mut self, n: usize) {
        self.offset = (self.offset + n).min(self.bytes.len());
    }

    /// The character starting `n` bytes after the cursor (for error messages
    /// and dispatch), if that is a character boundary.
    pub(crate) fn char_at(&self, n: usize) -> Option<char> {
        self.src.get(self.offset + n..)?.chars().next()
    }

    /// The character starting at the cursor (for error messages).
    pub(crate) fn peek_char(&self) -> Option<char> {
        self.char_at(0)
    }

    /// Skips whitespace, commas and `;` comments (not `#_` discards, which
    /// need the parser).
    pub(crate) fn skip_whitespace(&mut self) {
        while let Some(&b) = self.bytes.get(self.offset) {
            if is_whitespace(b) {
                self.offset += 1;
            } else if b == b';' {
                // A comment runs to the end of the line (a newline or, as in
                // Clojure, a return); the line break is skipped next turn.
                match memchr::memchr2(b'\n', b'\r', &self.bytes[self.offset..]) {
                    Some(n) => self.offset += n,
                    None => self.offset = self.bytes.len(),
                }
            } else if b >= 0x80 {
                match unicode_space_len(self.bytes, self.offset) {
                    0 => break,
                    n => self.offset += n,
                }
            } else {
                break;
            }
        }
    }

    /// Skips whitespace only (no comments), as Clojure does between the
    /// namespace of a namespaced map and its `{`.
    pub(crate) fn skip_spaces(&mut self) {
        while let Some(&b) = self.bytes.get(self.offset) {
            let n = if is_whitespace(b) {
                1
            } else {
                unicode_space_len(self.bytes, self.offset)
            };
            if n == 0 {
                break;
            }
            self.offset += n;
        }
    }

    /// Reads a symbol, keyword, tag or character-name token from the cursor
    /// up to the next whitespace or terminating character.
    pub(crate) fn token(&mut self) -> &'a str {
        self.scan_token(&TOKEN_BYTES)
    }

    /// Reads a number token (which `#` ends too).
    pub(crate) fn number_token(&mut self) -> &'a str {
        self.scan_token(&NUMBER_BYTES)
    }

    fn scan_token(&mut self, table: &[u8; 256]) -> &'a str {
        let start = self.offset;
        let mut i = start;
        loop {
            match self.bytes[i..]
                .iter()
                .position(|&b| table[usize::from(b)] != CONSTITUENT)
            {
                None => {
                    i = self.bytes.len();
                    break;
                }
                Some(n) => {
                    i += n;
                    // A lead byte of a non-whitespace character (say, CJK)
                    // is part of the token: keep scanning after it.
                    if table[usize::from(self.bytes[i])] == MAYBE_SPACE
                        && unicode_space_len(self.bytes, i) == 0
                    {
                        i += 1;
                        continue;
                    }
                    break;
                }
            }
        }
        self.offset = i;
        &self.src[start..i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_comments_tokens() {
        let mut c = Cursor::new(" ,\t; comment ( [\n\r\n foo/bar) x");
        c.skip_whitespace();
        assert_eq!(c.token(), "foo/bar");
        assert_eq!(c.peek(), Some(b')'));
        let mut c = Cursor::new("; only a comment");
        c.skip_whitespace();
        assert_eq!(c.peek(), None);
        let mut c = Cursor::new("abc");
        assert_eq!(c.token(), "abc");
        assert_eq!(c.peek(), None);
        let mut c = Cursor::new("a\\b");
        assert_eq!(c.token(), "a");
        // A comment also ends at a lone return (old Mac line endings).
        let mut c = Cursor::new("; c\rx");
        c.skip_whitespace();
        assert_eq!(c.token(), "x");
    }

    #[test]
    fn tokens_end_where_clojure_ends_them() {
        for (src, token) in [
            ("a^b", "a"),
            ("a#b ", "a#b"),
            ("a'b", "a'b"),
            ("a\"b", "a"),
            ("a;b", "a"),
            ("a,b", "a"),
            ("a\u{1c}b", "a"),
            ("a\u{3000}b", "a"),
            ("a\u{2003}b", "a"),
            ("a\u{2029}b", "a"),
            // No-break spaces and other non-space characters stay in the token.
            ("a\u{a0}b", "a\u{a0}b"),
            ("a\u{2007}b", "a\u{2007}b"),
            ("a\u{202f}b", "a\u{202f}b"),
            ("漢字\u{3001}x y", "漢字\u{3001}x"),
            ("é\u{2000}", "é"),
        ] {
            assert_eq!(Cursor::new(src).token(), token, "{src:?}");
        }
        assert_eq!(Cursor::new("1#{}").number_token(), "1");
        assert_eq!(Cursor::new("1^:k").number_token(), "1");
        assert_eq!(Cursor::new("1'").number_token(), "1'");
    }

    #[test]
    fn unicode_whitespace_is_skipped() {
        let mut c = Cursor::new("\u{2028}\u{3000}\u{1680}\u{205f}\u{1f} x");
        c.skip_whitespace();
        assert_eq!(c.token(), "x");
        let mut c = Cursor::new("\u{a0}x");
        c.skip_whitespace();
        assert_eq!(c.offset, 0);
        let mut c = Cursor::new(" \u{2003}; c\n{");
        c.skip_spaces();
        assert_eq!(c.peek(), Some(b';'));
    }

    #[test]
    fn byte_order_mark_is_skipped_at_the_start_only() {
        let c = Cursor::new("\u{FEFF}x");
        assert_eq!(c.offset, 3);
        assert_eq!(c.peek(), Some(b'x'));
        let mut c = Cursor::new("\u{FEFF}");
        c.skip_whitespace();
        assert_eq!(c.peek(), None);
        // Elsewhere it is not whitespace.
        let mut c = Cursor::new(" \u{FEFF}x");
        c.skip_whitespace();
        assert_eq!(c.token(), "\u{FEFF}x");
    }
}
