//! Byte-level scanning: whitespace, comments, tokens, strings and characters.
//!
//! Works on the UTF-8 bytes with an index. Every place the cursor stops is
//! either the end of input or an ASCII byte, so slicing the `&str` at the
//! cursor is always on a character boundary.

use super::error::Failure;

/// A position in the input plus the scanning primitives.
pub(crate) struct Cursor<'a> {
    src: &'a str,
    bytes: &'a [u8],
    /// Byte offset of the next unread byte.
    pub(crate) offset: usize,
}

/// Whitespace per EDN (commas included) — ASCII only; other Unicode spaces
/// are not separators.
pub(crate) const fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | 0x0B | 0x0C)
}

/// Bytes that end a token (symbol, keyword, number, character name).
fn is_delimiter(b: u8) -> bool {
    DELIMITERS[usize::from(b)]
}

/// [`is_delimiter`] as a table: tokens are scanned byte by byte, and this
/// is the test in that loop.
const DELIMITERS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = is_whitespace(byte)
            || matches!(
                byte,
                b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b';' | b'\\'
            );
        b += 1;
    }
    table
};

impl<'a> Cursor<'a> {
    /// A cursor at the start of `src`.
    pub(crate) fn new(src: &'a str) -> Self {
        Cursor {
            src,
            bytes: src.as_bytes(),
            offset: 0,
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

    /// The character starting at the cursor (for error messages).
    pub(crate) fn peek_char(&self) -> Option<char> {
        self.src.get(self.offset..)?.chars().next()
    }

    /// Skips whitespace, commas and `;` comments (not `#_` discards, which
    /// need the parser).
    pub(crate) fn skip_whitespace(&mut self) {
        while let Some(&b) = self.bytes.get(self.offset) {
            if is_whitespace(b) {
                self.offset += 1;
            } else if b == b';' {
                // A comment runs to the end of the line; the newline itself is
                // whitespace and is skipped on the next turn.
                match self.bytes[self.offset..].iter().position(|&c| c == b'\n') {
                    Some(n) => self.offset += n,
                    None => self.offset = self.bytes.len(),
                }
            } else {
                break;
            }
        }
    }

    /// Reads a token from the cursor up to the next delimiter.
    pub(crate) fn token(&mut self) -> &'a str {
        let start = self.offset;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| is_delimiter(b))
            .unwrap_or(self.bytes.len() - start);
        self.offset = start + len;
        &self.src[start..self.offset]
    }

    /// Reads a string literal; the cursor is on the opening `"`.
    pub(crate) fn string(&mut self) -> Result<String, Failure> {
        let open = self.offset;
        let start = open + 1;
        // Fast path: no escapes, so the contents are a slice of the input.
        let Some(n) = self.bytes[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
        else {
            return Err(Failure::unterminated("string", open));
        };
        let mut i = start + n;
        if self.bytes[i] == b'"' {
            self.offset = i + 1;
            return Ok(self.src[start..i].to_owned());
        }
        let mut out = String::with_capacity(n + 16);
        out.push_str(&self.src[start..i]);
        loop {
            // Here bytes[i] is a backslash.
            let escape_at = i;
            let Some(&e) = self.bytes.get(i + 1) else {
                return Err(Failure::unterminated("string", open));
            };
            i += 2;
            match e {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'n' => out.push('\n'),
                b't' => out.push('\t'),
                b'r' => out.push('\r'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'u' => {
                    let (c, next) = self.unicode_escape(escape_at)?;
                    out.push(c);
                    i = next;
                }
                _ => {
                    let shown = self.src[escape_at + 1..].chars().next().unwrap_or(' ');
                    return Err(Failure::at(
                        escape_at,
                        format!("invalid escape '\\{shown}' in string"),
                    ));
                }
            }
            // Copy the plain run up to the next quote or backslash.
            let Some(n) = self.bytes[i..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
            else {
                return Err(Failure::unterminated("string", open));
            };
            out.push_str(&self.src[i..i + n]);
            i += n;
            if self.bytes[i] == b'"' {
                self.offset = i + 1;
                return Ok(out);
            }
        }
    }

    /// Decodes `\uXXXX` at `at` (the backslash), combining a UTF-16
    /// surrogate pair written as two escapes. Returns the character and the
    /// offset after the escape(s).
    fn unicode_escape(&self, at: usize) -> Result<(char, usize), Failure> {
        let bad = |why: &str| Failure::at(at, format!("invalid unicode escape in string: {why}"));
        let unit =
            hex4(self.bytes.get(at + 2..at + 6)).ok_or_else(|| bad("expected 4 hex digits"))?;
        let next = at + 6;
        match unit {
            0xD800..=0xDBFF => {
                let low = match self.bytes.get(next..next + 2) {
                    Some(b"\\u") => hex4(self.bytes.get(next + 2..next + 6)),
                    _ => None,
                };
                match low {
                    Some(low @ 0xDC00..=0xDFFF) => {
                        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        let c = char::from_u32(code).ok_or_else(|| bad("not a character"))?;
                        Ok((c, next + 6))
                    }
                    _ => Err(bad("unpaired surrogate")),
                }
            }
            0xDC00..=0xDFFF => Err(bad("unpaired surrogate")),
            _ => Ok((
                char::from_u32(unit).ok_or_else(|| bad("not a character"))?,
                next,
            )),
        }
    }

    /// Reads a character literal; the cursor is on the `\`.
    pub(crate) fn char_literal(&mut self) -> Result<char, Failure> {
        let at = self.offset;
        // The first character after the backslash is taken whatever it is
        // (so `\(` and `\;` work); only whitespace and the end are errors.
        let Some(first) = self.src[at + 1..].chars().next() else {
            return Err(Failure::at(at, "backslash at end of input"));
        };
        if first.is_ascii() && is_whitespace(first as u8) && first != ',' {
            return Err(Failure::at(at, "backslash must be followed by a character"));
        }
        self.offset = at + 1 + first.len_utf8();
        let rest = self.token();
        if rest.is_empty() {
            return Ok(first);
        }
        let name = &self.src[at + 1..self.offset];
        let c = match name {
            "newline" => '\n',
            "space" => ' ',
            "tab" => '\t',
            "return" => '\r',
            "backspace" => '\u{8}',
            "formfeed" => '\u{c}',
            _ => match name.strip_prefix('u') {
                Some(hex) if hex.len() == 4 => match hex4(Some(hex.as_bytes())) {
                    Some(code @ 0xD800..=0xDFFF) => {
                        return Err(Failure::at(
                            at,
                            format!("invalid character \\u{code:04x}: a surrogate"),
                        ))
                    }
                    Some(code) => char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
                    None => return Err(Failure::at(at, format!("invalid character \\{name}"))),
                },
                _ => return Err(Failure::at(at, format!("invalid character \\{name}"))),
            },
        };
        Ok(c)
    }
}

/// Four hex digits as a number.
fn hex4(digits: Option<&[u8]>) -> Option<u32> {
    let digits = digits?;
    if digits.len() != 4 {
        return None;
    }
    digits
        .iter()
        .try_fold(0u32, |acc, &b| Some(acc * 16 + char::from(b).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(src: &str) -> Result<String, Failure> {
        Cursor::new(src).string()
    }

    fn character(src: &str) -> Result<char, Failure> {
        Cursor::new(src).char_literal()
    }

    #[test]
    fn strings() {
        assert_eq!(string(r#""""#).unwrap(), "");
        assert_eq!(string(r#""abc" tail"#).unwrap(), "abc");
        assert_eq!(
            string(r#""q\" b\\ n\n t\t r\r b\b f\f""#).unwrap(),
            "q\" b\\ n\n t\t r\r b\u{8} f\u{c}"
        );
        assert_eq!(string(r#""\u00e9\u00E9x""#).unwrap(), "ééx");
        assert_eq!(string(r#""\ud83d\ude00""#).unwrap(), "😀");
        assert_eq!(string("\"multi\nline é\"").unwrap(), "multi\nline é");
        let mut c = Cursor::new(r#""a\nb" x"#);
        c.string().unwrap();
        assert_eq!(c.offset, 6);
    }

    #[test]
    fn string_errors() {
        let cases = [
            (r#""abc"#, 0, "unterminated string"),
            (r#""abc\"#, 0, "unterminated string"),
            (r#""a\"bc"#, 0, "unterminated string"),
            (r#""a\qb""#, 2, "invalid escape '\\q'"),
            (r#""a\u12""#, 2, "expected 4 hex digits"),
            (r#""a\u12g4""#, 2, "expected 4 hex digits"),
            (r#""\ud83d""#, 1, "unpaired surrogate"),
            (r#""\ude00""#, 1, "unpaired surrogate"),
            (r#""\ud83d\u0041""#, 1, "unpaired surrogate"),
            ("\"\\é\"", 1, "invalid escape '\\é'"),
        ];
        for (src, offset, message) in cases {
            let e = string(src).unwrap_err();
            assert_eq!(e.offset, offset, "{src}");
            assert!(e.message.contains(message), "{src}: {}", e.message);
        }
    }

    #[test]
    fn characters() {
        for (src, c) in [
            ("\\a", 'a'),
            ("\\a)", 'a'),
            ("\\newline", '\n'),
            ("\\space", ' '),
            ("\\tab", '\t'),
            ("\\return", '\r'),
            ("\\backspace", '\u{8}'),
            ("\\formfeed", '\u{c}'),
            ("\\u00e9", 'é'),
            ("\\u", 'u'),
            ("\\n", 'n'),
            ("\\(", '('),
            ("\\))", ')'),
            ("\\\\", '\\'),
            ("\\,", ','),
            ("\\;", ';'),
            ("\\é", 'é'),
            ("\\😀 x", '😀'),
        ] {
            assert_eq!(character(src).unwrap(), c, "{src}");
        }
        let mut cursor = Cursor::new("\\a]");
        cursor.char_literal().unwrap();
        assert_eq!(cursor.peek(), Some(b']'));
    }

    #[test]
    fn character_errors() {
        for src in [
            "\\",
            "\\ ",
            "\\\n",
            "\\ab",
            "\\uD800",
            "\\u12",
            "\\u12345",
            "\\uzzzz",
            "\\newlinex",
        ] {
            assert!(character(src).is_err(), "{src:?}");
        }
    }

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
    }
}
