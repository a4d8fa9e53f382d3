//! Scanning the literals with their own syntax: strings, regular expressions
//! and characters.

use crate::error::Failure;
use crate::lexer::{is_terminating, is_whitespace, unicode_space_len, Cursor};

impl Cursor<'_> {
    /// Reads a string literal; the cursor is on the opening `"`.
    ///
    /// Escapes are Clojure's: `\" \\ \n \t \r \b \f`, `\uXXXX` (a UTF-16
    /// surrogate pair as two escapes) and octal `\0`–`\377`.
    pub(crate) fn string(&mut self) -> Result<String, Failure> {
        let open = self.offset;
        let start = open + 1;
        // Fast path: no escapes, so the contents are a slice of the input.
        let Some(n) = memchr::memchr2(b'"', b'\\', &self.bytes[start..]) else {
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
                b'0'..=b'9' => {
                    let (c, next) = self.octal_escape(escape_at)?;
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
            let Some(n) = memchr::memchr2(b'"', b'\\', &self.bytes[i..]) else {
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

    /// Decodes an octal escape `\0`–`\377` at `at` (the backslash; a digit
    /// follows). As in Clojure it has one to three digits and ends early only
    /// at whitespace, a terminating character or `#` (so `"\1 a"` is `\u0001 a`
    /// but `"\1a"` is an error).
    fn octal_escape(&self, at: usize) -> Result<(char, usize), Failure> {
        let mut value = 0u32;
        let mut i = at + 1;
        while i < at + 4 {
            let Some(&b) = self.bytes.get(i) else { break };
            if i > at + 1
                && (is_whitespace(b)
                    || is_terminating(b)
                    || b == b'#'
                    || unicode_space_len(self.bytes, i) > 0)
            {
                break;
            }
            match char::from(b).to_digit(8) {
                Some(d) if b.is_ascii() => value = value * 8 + d,
                _ => {
                    let shown = self.src.get(i..).and_then(|s| s.chars().next());
                    return Err(Failure::at(
                        at,
                        format!(
                            "invalid octal escape in string: '{}' is not an octal digit",
                            shown.unwrap_or(' ')
                        ),
                    ));
                }
            }
            i += 1;
        }
        if value > 0o377 {
            return Err(Failure::at(
                at,
                format!(
                    "invalid octal escape '\\{}' in string: at most \\377",
                    &self.src[at + 1..i]
                ),
            ));
        }
        // At most 0o377, so one byte: U+0000–U+00FF.
        Ok((char::from(value as u8), i))
    }

    /// Reads a regular-expression literal `#"…"`; the cursor is on the `#`.
    ///
    /// As Clojure's regex reader: the pattern is the text up to the first
    /// unescaped `"`, kept exactly as written; a backslash escapes the next
    /// character and both are kept.
    pub(crate) fn regex(&mut self) -> Result<String, Failure> {
        let open = self.offset;
        let start = open + 2;
        let mut i = start;
        loop {
            let Some(n) = memchr::memchr2(b'"', b'\\', self.bytes.get(i..).unwrap_or_default())
            else {
                return Err(Failure::unterminated("regular expression", open));
            };
            i += n;
            if self.bytes[i] == b'"' {
                self.offset = i + 1;
                return Ok(self.src[start..i].to_owned());
            }
            // Skip the backslash and the byte after it. That may be the lead
            // byte of a longer character, whose continuation bytes are never
            // a quote or a backslash, so scanning on from there is safe.
            i += 2;
        }
    }

    /// Reads a character literal; the cursor is on the `\`.
    ///
    /// As in Clojure, the first character after the backslash is taken
    /// whatever it is (so `\(`, `\;` and even `\ ` work), and a token that
    /// continues it must be a name: `newline`, `space`, `tab`, `return`,
    /// `backspace`, `formfeed`, `uXXXX` (4 hex digits, not a surrogate) or
    /// `oNNN` (1–3 octal digits, at most 377).
    pub(crate) fn char_literal(&mut self) -> Result<char, Failure> {
        let at = self.offset;
        let Some(first) = self.src[at + 1..].chars().next() else {
            return Err(Failure::at(at, "backslash at end of input"));
        };
        self.offset = at + 1 + first.len_utf8();
        let rest = self.token();
        if rest.is_empty() {
            return Ok(first);
        }
        let name = &self.src[at + 1..self.offset];
        let invalid = || Failure::at(at, format!("invalid character \\{name}"));
        let c = match name {
            "newline" => '\n',
            "space" => ' ',
            "tab" => '\t',
            "return" => '\r',
            "backspace" => '\u{8}',
            "formfeed" => '\u{c}',
            _ if name.starts_with('u') => match hex4(name.as_bytes().get(1..)) {
                Some(code @ 0xD800..=0xDFFF) => {
                    return Err(Failure::at(
                        at,
                        format!("invalid character \\u{code:04x}: a surrogate"),
                    ))
                }
                Some(code) => char::from_u32(code).ok_or_else(invalid)?,
                None => {
                    return Err(Failure::at(
                        at,
                        format!("invalid character \\{name}: \\u takes exactly 4 hex digits"),
                    ))
                }
            },
            _ if name.starts_with('o') => octal_char(&name[1..]).ok_or_else(|| {
                Failure::at(
                    at,
                    format!(
                        "invalid character \\{name}: \\o takes 1 to 3 octal digits, at most 377"
                    ),
                )
            })?,
            _ => return Err(invalid()),
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

/// One to three octal digits of value at most 0o377, as a character.
fn octal_char(digits: &str) -> Option<char> {
    if !(1..=3).contains(&digits.len()) {
        return None;
    }
    let value = digits
        .bytes()
        .try_fold(0u32, |acc, b| Some(acc * 8 + char::from(b).to_digit(8)?))?;
    u8::try_from(value).ok().map(char::from)
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

    fn regex(src: &str) -> Result<String, Failure> {
        Cursor::new(src).regex()
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
    fn octal_escapes() {
        for (src, expected) in [
            (r#""\0""#, "\u{0}"),
            (r#""\101\102""#, "AB"),
            (r#""\7""#, "\u{7}"),
            (r#""\12""#, "\n"),
            (r#""\377""#, "\u{ff}"),
            (r#""\1234""#, "S4"),
            (r#""\1 a""#, "\u{1} a"),
            (r#""\1\n""#, "\u{1}\n"),
            (r#""\1(""#, "\u{1}("),
            (r#""\1#""#, "\u{1}#"),
            ("\"\\1\u{3000}\"", "\u{1}\u{3000}"),
        ] {
            assert_eq!(string(src).unwrap(), expected, "{src}");
        }
        for (src, message) in [
            (r#""\8""#, "'8' is not an octal digit"),
            (r#""\18""#, "'8' is not an octal digit"),
            (r#""\1a""#, "'a' is not an octal digit"),
            ("\"\\1é\"", "'é' is not an octal digit"),
            (
                r#""\400""#,
                "invalid octal escape '\\400' in string: at most \\377",
            ),
            (r#""\777""#, "at most \\377"),
        ] {
            let e = string(src).unwrap_err();
            assert_eq!(e.offset, 1, "{src}");
            assert!(e.message.contains(message), "{src}: {}", e.message);
        }
        assert_eq!(string(r#""\1"#).unwrap_err().message, "unterminated string");
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
    fn regexes() {
        for (src, pattern) in [
            (r#"#"""#, ""),
            (r#"#"^Ma.*" x"#, "^Ma.*"),
            (r#"#"a\"b""#, r#"a\"b"#),
            (r#"#"\d+\.\d*""#, r"\d+\.\d*"),
            (r#"#"a\\""#, r"a\\"),
            (r#"#"\\\"""#, r#"\\\""#),
            ("#\"é\\é\n\"", "é\\é\n"),
            (r#"#"[\"]""#, r#"[\"]"#),
        ] {
            let mut c = Cursor::new(src);
            assert_eq!(c.regex().unwrap(), pattern, "{src}");
            assert_eq!(&src[..c.offset], src.trim_end_matches(" x"), "{src}");
        }
        for src in [r#"#""#, r#"#"abc"#, r#"#"a\"#, r#"#"a\""#, "#\"\\é"] {
            let e = regex(src).unwrap_err();
            assert_eq!(e.offset, 0, "{src}");
            assert_eq!(e.message, "unterminated regular expression", "{src}");
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
            ("\\u00E9", 'é'),
            ("\\u", 'u'),
            ("\\o", 'o'),
            ("\\o0", '\u{0}'),
            ("\\o7", '\u{7}'),
            ("\\o101", 'A'),
            ("\\o377", '\u{ff}'),
            ("\\n", 'n'),
            ("\\(", '('),
            ("\\))", ')'),
            ("\\\\", '\\'),
            ("\\,", ','),
            ("\\;", ';'),
            ("\\^", '^'),
            ("\\é", 'é'),
            ("\\😀 x", '😀'),
            // Clojure takes the character after the backslash whatever it is.
            ("\\ ", ' '),
            ("\\ ]", ' '),
            ("\\\n", '\n'),
            ("\\\u{3000}", '\u{3000}'),
        ] {
            assert_eq!(character(src).unwrap(), c, "{src:?}");
        }
        let mut cursor = Cursor::new("\\a]");
        cursor.char_literal().unwrap();
        assert_eq!(cursor.peek(), Some(b']'));
    }

    #[test]
    fn character_errors() {
        for (src, message) in [
            ("\\", "backslash at end of input"),
            ("\\ab", "invalid character \\ab"),
            ("\\ a", "invalid character \\ a"),
            ("\\uD800", "a surrogate"),
            ("\\udfff", "a surrogate"),
            ("\\u12", "exactly 4 hex digits"),
            ("\\u12345", "exactly 4 hex digits"),
            ("\\uzzzz", "exactly 4 hex digits"),
            ("\\o400", "at most 377"),
            ("\\o8", "octal digits"),
            ("\\o1234", "octal digits"),
            ("\\oa", "octal digits"),
            ("\\newlinex", "invalid character \\newlinex"),
            ("\\a#", "invalid character \\a#"),
        ] {
            let e = character(src).unwrap_err();
            assert_eq!(e.offset, 0, "{src:?}");
            assert!(e.message.contains(message), "{src:?}: {}", e.message);
        }
    }
}
