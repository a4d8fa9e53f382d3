//! `#uuid` text ↔ 16 bytes.

/// Parses the canonical 8-4-4-4-12 hex form (either case) into bytes.
pub(crate) fn parse_uuid(text: &str) -> Result<[u8; 16], String> {
    let bad = || format!("invalid #uuid \"{text}\": expected 8-4-4-4-12 hex digits");
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    let mut nibbles = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return Err(bad());
            }
            continue;
        }
        let value = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return Err(bad()),
        };
        let slot = &mut out[nibbles / 2];
        *slot = (*slot << 4) | value;
        nibbles += 1;
    }
    Ok(out)
}

/// Formats bytes as lowercase 8-4-4-4-12 hex.
pub fn format_uuid(bytes: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xF)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let text = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
        let bytes = parse_uuid(text).unwrap();
        assert_eq!(bytes[0], 0xf8);
        assert_eq!(bytes[15], 0xf6);
        assert_eq!(format_uuid(&bytes), text);
        assert_eq!(parse_uuid(&text.to_uppercase()), Ok(bytes));
    }

    #[test]
    fn rejects() {
        for text in [
            "",
            "f81d4fae7dec11d0a76500a0c91e6bf6",
            "f81d4fae-7dec-11d0-a765-00a0c91e6bfg",
            "f81d4fae-7dec-11d0-a765_00a0c91e6bf6",
            "f81d4fae-7dec-11d0-a765-00a0c91e6bf",
            "f81d4fae-7dec-11d0-a765-00a0c91e6bf6a",
            "f81d4fae-7dec-11d0-a765-00a0c91e6bé",
        ] {
            assert!(parse_uuid(text).is_err(), "{text}");
        }
    }
}
