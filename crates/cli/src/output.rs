//! Output formatting shared by every command: formats, tables, values as text and JSON, numbers.
//!
//! Results go to stdout, progress and errors to stderr, so `--format json` output can be piped
//! into other tools untouched.

use std::io::{BufWriter, StdoutLock, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::ValueEnum;
use comfy_table::{presets, CellAlignment, ContentArrangement, Table};
use datolite::{Value, ValueRef};
use datolite_edn::format_inst_millis;

use crate::error::Result;

/// How a command prints a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// One JSON document, for scripts.
    Json,
}

/// How `scan` prints datoms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// One `[e :attr/ident value tx added]` line per datom.
    Edn,
    /// A table.
    Table,
    /// A JSON array of `[e, ":attr/ident", value, tx, added]` arrays.
    Json,
}

/// Buffered stdout. Buffering matters for `scan`, which can print millions of lines.
pub fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::new(std::io::stdout().lock())
}

/// Whether JSON is indented (`--pretty`); compact, one document per line, otherwise.
static PRETTY: AtomicBool = AtomicBool::new(false);

/// Sets whether JSON output is indented (the global `--pretty` flag).
pub fn set_pretty(pretty: bool) {
    PRETTY.store(pretty, Ordering::Relaxed);
}

/// Whether JSON output is indented.
pub fn pretty() -> bool {
    PRETTY.load(Ordering::Relaxed)
}

/// Compact JSON text as the user asked for it: as is, or indented with `--pretty`.
pub fn json_text(compact: String) -> String {
    if pretty() {
        indent_json(&compact)
    } else {
        compact
    }
}

/// Prints `value` as JSON (compact, or indented with `--pretty`) followed by a newline.
/// Reports are structs deriving `Serialize`, which keeps their keys in a meaningful order (a
/// `json!` map would sort them).
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    print_text(&json_text(serde_json::to_string(value)?))
}

/// Compact JSON indented as `serde_json`'s pretty printer does (two spaces, `": "`), working
/// on the text: numbers are copied as written, so a big integer keeps every digit.
pub fn indent_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// Prints `text` (a rendered table or report) to stdout.
pub fn print_text(text: &str) -> Result<()> {
    let mut out = stdout();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}

/// A table with datolite's look. Columns listed in `right` (by index) are right-aligned, which
/// is how numbers line up.
pub fn table(header: &[&str], right: &[usize]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    for &i in right {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// A value as it reads best in a table or on a line: EDN, except that instants print as bare
/// RFC 3339 text (the `#inst` tag adds nothing for a reader).
pub fn value_text(value: &ValueRef<'_>) -> String {
    match value {
        ValueRef::Instant(ms) => format_inst_millis(*ms),
        other => other.to_string(),
    }
}

/// A string for a table cell: as is, but with backslashes and control characters escaped as in
/// EDN (`\n`, `\t`, `\u0001`), so that one cell stays on one line.
pub fn unquoted_text(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() || c == '\\') {
        return s.to_string();
    }
    let quoted = Value::from(s).to_string();
    quoted[1..quoted.len() - 1].replace("\\\"", "\"")
}

/// Like [`value_text`], cut to `max` characters (long strings would blow up a table's width).
pub fn value_text_short(value: &ValueRef<'_>, max: usize) -> String {
    let text = value_text(value);
    if text.chars().count() <= max {
        text
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Milliseconds with three decimals (`1.234`), the unit every timing is shown in.
pub fn ms(value: f64) -> String {
    format!("{value:.3}")
}

/// An integer with thousands separators (`124,000`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count in binary units (`12.4 MiB`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A rate in datoms per second, scaled (`52.9 M/s`).
pub fn rate(items: u64, ms: f64) -> String {
    if ms <= 0.0 {
        return "–".to_string();
    }
    let per_sec = items as f64 / (ms / 1000.0);
    if per_sec >= 1e9 {
        format!("{:.2} G/s", per_sec / 1e9)
    } else if per_sec >= 1e6 {
        format!("{:.1} M/s", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.1} k/s", per_sec / 1e3)
    } else {
        format!("{per_sec:.0} /s")
    }
}

/// Rounds to three decimals for JSON, so reports do not carry float noise like `1.2340000001`.
pub fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indented_json_is_serde_jsons_pretty_print_with_numbers_as_written() {
        let value = serde_json::json!({
            "a": [1, 2.5, {"b": "x, \\\"y\": [z]"}],
            "empty": [], "none": {}, "t": true, "n": null
        });
        let compact = serde_json::to_string(&value).expect("json");
        assert_eq!(
            indent_json(&compact),
            serde_json::to_string_pretty(&value).expect("json")
        );
        assert_eq!(
            indent_json("[123456789012345678901234567890]"),
            "[\n  123456789012345678901234567890\n]"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(124_000), "124,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn byte_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(2048), "2.0 KiB");
    }
}
