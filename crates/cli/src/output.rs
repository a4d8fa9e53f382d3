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

/// How a command prints a report: every report command takes `--format table|edn|json`,
/// default `table`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// One EDN map, the JSON document's shape with keyword keys (see [`json_text_to_edn`]).
    Edn,
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

/// Prints a report as data: EDN or JSON, as `format` says (`table` prints JSON too: callers
/// print their own table and pass only `edn` or `json` here). One function for every report,
/// so that EDN output is the JSON document's exact shape (see [`json_text_to_edn`]).
pub fn print_data<T: serde::Serialize + ?Sized>(format: Format, value: &T) -> Result<()> {
    match format {
        Format::Edn => print_edn(value),
        Format::Table | Format::Json => print_json(value),
    }
}

/// Prints a report the library wrote as compact JSON text: as EDN or JSON, as `format` says
/// (the text-level twin of [`print_data`]).
pub fn print_data_text(format: Format, json: String) -> Result<()> {
    match format {
        Format::Edn => print_text(&json_text_to_edn(&json)),
        Format::Table | Format::Json => print_text(&json_text(json)),
    }
}

/// Prints `value`, serialized as JSON would be, as one line of EDN (see [`json_text_to_edn`]).
pub fn print_edn<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    print_text(&json_text_to_edn(&serde_json::to_string(value)?))
}

/// JSON text as EDN, same shape: objects become maps whose keys are keywords (`"datoms"` →
/// `:datoms`; a key that cannot be a keyword stays a string), arrays vectors, `null` `nil`.
///
/// Works on the text, like [`indent_json`], so keys keep the struct's order (`serde_json`'s
/// `Value` would sort them) and numbers keep every digit as written. String values stay
/// strings: in the JSON contract (`docs/design.md` §9.3) `":a/b"` and instants are strings, and
/// reading them back as keywords or `#inst` would guess. Text that is not JSON is printed as an
/// EDN string rather than lost.
pub fn json_text_to_edn(json: &str) -> String {
    if serde_json::from_str::<serde::de::IgnoredAny>(json).is_err() {
        return Value::from(json).to_string();
    }
    let mut out = String::with_capacity(json.len());
    // Per open container: whether it is an object; and whether the next string is a key.
    let mut objects: Vec<bool> = Vec::new();
    let mut expect_key = false;
    let mut rest = json;
    while let Some(c) = rest.chars().next() {
        let token_len = json_token_len(rest);
        let token = &rest[..token_len];
        match c {
            '{' | '[' => {
                out.push(c);
                objects.push(c == '{');
                expect_key = c == '{';
            }
            '}' | ']' => {
                out.push(c);
                objects.pop();
                // `{}` expected a key that never came: the next string is a value (`[{},"s"]`).
                expect_key = false;
            }
            ',' if objects.last() == Some(&true) => {
                out.push_str(", ");
                expect_key = true;
            }
            ',' | ':' => out.push(' '),
            '"' => {
                let text: String = serde_json::from_str(token).unwrap_or_default();
                if std::mem::take(&mut expect_key) {
                    out.push_str(&edn_key(&text));
                } else {
                    out.push_str(&Value::from(text.as_str()).to_string());
                }
            }
            c if c.is_whitespace() => {}
            _ if token == "null" => out.push_str("nil"),
            // Numbers, `true`, `false`: the same text in EDN.
            _ => out.push_str(token),
        }
        rest = &rest[token_len..];
    }
    out
}

/// The length in bytes of the JSON token `text` starts with: a whole string literal, one
/// punctuation character, or a number or literal up to the next delimiter.
fn json_token_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    match bytes.first() {
        Some(b'"') => {
            let mut i = 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => return i + 1,
                    _ => i += 1,
                }
            }
            bytes.len()
        }
        Some(b'{' | b'}' | b'[' | b']' | b',' | b':') => 1,
        Some(_) => text
            .find(|c: char| matches!(c, ',' | ']' | '}' | ':') || c.is_whitespace())
            .unwrap_or(text.len())
            .max(text.chars().next().map_or(1, char::len_utf8)),
        None => 0,
    }
}

/// A JSON object key as an EDN map key: a keyword when the key is a valid keyword name (or
/// already one, `":user/name"`), otherwise the string.
fn edn_key(key: &str) -> String {
    let name = key.strip_prefix(':').unwrap_or(key);
    let symbol_char = |c: char| c.is_alphanumeric() || "*+!-_?<>=.".contains(c);
    let valid_part = |part: &str| {
        part.chars().next().is_some_and(|c| !c.is_ascii_digit()) && part.chars().all(symbol_char)
    };
    let valid = match name.split_once('/') {
        Some((ns, local)) => valid_part(ns) && valid_part(local),
        None => valid_part(name),
    };
    if valid {
        format!(":{name}")
    } else {
        Value::from(key).to_string()
    }
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
/// RFC 3339 text (the `#inst` tag adds nothing for a reader). Control characters are escaped
/// (see [`cell_text`]).
pub fn value_text(value: &ValueRef<'_>) -> String {
    let text = match value {
        ValueRef::Instant(ms) => format_inst_millis(*ms),
        other => other.to_string(),
    };
    cell_text(&text).into_owned()
}

/// A string for a table cell: as is, but with backslashes and control characters escaped as in
/// EDN (`\n`, `\t`, `\u0001`), so that one cell stays on one line.
pub fn unquoted_text(s: &str) -> String {
    cell_text(&s.replace('\\', "\\\\")).into_owned()
}

/// Text for a table cell with every control character escaped — `\n`, `\t`, `\r`, and the
/// other C0 and C1 controls and DEL as `\u001b` (EDN's spelling) — so that a value cannot
/// break a table's rows or send the terminal an escape sequence. Every table cell goes through
/// here (the streamed tables of [`StreamTable`], the rows of [`row`] and the values of
/// [`value_text`]).
pub fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A row of a [`table`] with every cell through [`cell_text`]: for tables whose cells hold
/// user data (tempids, values, keys), so that none can break the table.
pub fn row(cells: Vec<String>) -> Vec<String> {
    cells
        .into_iter()
        .map(|c| match cell_text(&c) {
            std::borrow::Cow::Borrowed(_) => c,
            std::borrow::Cow::Owned(escaped) => escaped,
        })
        .collect()
}

/// Rows of a [`StreamTable`] whose widths set its columns.
pub const MEASURED_ROWS: usize = 1000;

/// A table printed as its rows come, in [`table`]'s look, so that a million rows cost the
/// memory of a thousand: the first [`MEASURED_ROWS`] rows are held to measure the columns,
/// then printed; later rows are padded to those widths, and a longer cell is printed whole —
/// that row runs wider, since cutting would hide data (an entity id cut to `4…`).
/// Widths count characters (a double-width character takes one column here).
pub struct StreamTable {
    header: Vec<String>,
    right: Vec<bool>,
    /// Rows held until the widths are fixed.
    pending: Vec<Vec<String>>,
    /// Column widths, once measured (the top border and the header are printed then).
    widths: Option<Vec<usize>>,
}

impl StreamTable {
    /// A table with `header`; columns listed in `right` (by index) are right-aligned.
    pub fn new(header: &[&str], right: &[usize]) -> Self {
        StreamTable {
            header: header.iter().map(|h| cell_text(h).into_owned()).collect(),
            right: (0..header.len()).map(|i| right.contains(&i)).collect(),
            pending: Vec::new(),
            widths: None,
        }
    }

    /// Adds a row (missing cells print empty, extra ones are dropped), printing it to `out`
    /// once the widths are known.
    pub fn row(&mut self, out: &mut impl Write, cells: Vec<String>) -> Result<()> {
        let cells = row(cells);
        match &self.widths {
            Some(widths) => write_row(out, widths, &self.right, &cells, '│', '┆')?,
            None => {
                self.pending.push(cells);
                if self.pending.len() >= MEASURED_ROWS {
                    self.start(out)?;
                }
            }
        }
        Ok(())
    }

    /// Prints what is still held and the bottom border.
    pub fn finish(mut self, out: &mut impl Write) -> Result<()> {
        if self.widths.is_none() {
            self.start(out)?;
        }
        if let Some(widths) = &self.widths {
            write_border(out, widths, ('╰', '─', '┴', '╯'))?;
        }
        Ok(())
    }

    /// Measures the columns on the rows held, then prints the top, the header and those rows.
    fn start(&mut self, out: &mut impl Write) -> Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.pending {
            for (i, cell) in row.iter().enumerate().take(widths.len()) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        write_border(out, &widths, ('╭', '─', '┬', '╮'))?;
        write_row(out, &widths, &self.right, &self.header, '│', '┆')?;
        write_border(out, &widths, ('╞', '═', '╪', '╡'))?;
        for row in std::mem::take(&mut self.pending) {
            write_row(out, &widths, &self.right, &row, '│', '┆')?;
        }
        self.widths = Some(widths);
        Ok(())
    }
}

/// A border line: `(left, fill, cross, right)`.
fn write_border(
    out: &mut impl Write,
    widths: &[usize],
    (left, fill, cross, right): (char, char, char, char),
) -> Result<()> {
    let mut line = String::new();
    line.push(left);
    for (i, width) in widths.iter().enumerate() {
        if i > 0 {
            line.push(cross);
        }
        line.extend(std::iter::repeat_n(fill, width + 2));
    }
    line.push(right);
    writeln!(out, "{line}")?;
    Ok(())
}

/// One row of cells padded to `widths` (a longer cell whole: the row runs wider).
fn write_row(
    out: &mut impl Write,
    widths: &[usize],
    right: &[bool],
    cells: &[String],
    outer: char,
    inner: char,
) -> Result<()> {
    let mut line = String::with_capacity(widths.iter().sum::<usize>() + 4 * widths.len());
    line.push(outer);
    for (i, &width) in widths.iter().enumerate() {
        if i > 0 {
            line.push(inner);
        }
        let cell = cells.get(i).map_or("", String::as_str);
        let chars = cell.chars().count();
        let pad = width.saturating_sub(chars);
        let right_aligned = right.get(i).copied().unwrap_or(false);
        line.push(' ');
        if right_aligned {
            line.extend(std::iter::repeat_n(' ', pad));
        }
        line.push_str(cell);
        if !right_aligned {
            line.extend(std::iter::repeat_n(' ', pad));
        }
        line.push(' ');
    }
    line.push(outer);
    writeln!(out, "{line}")?;
    Ok(())
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
    fn reports_as_edn_keep_the_json_shape() {
        let json = r#"{"datoms": 12, "ms": 1.5, "big": 18446744073709551615,
            "name": ":user/name", "at": "2013-08-02T00:00:00.000Z", "none": null, "ok": true,
            "rows": [[1, "a\nb\u001b"], []], "odd key": {}, ":user/age": -3, "q": "\"\\/"}"#;
        let edn = json_text_to_edn(json);
        assert_eq!(
            edn,
            concat!(
                r#"{:datoms 12, :ms 1.5, :big 18446744073709551615, :name ":user/name", "#,
                r#":at "2013-08-02T00:00:00.000Z", :none nil, :ok true, "#,
                r#":rows [[1 "a\nb\u001b"] []], "odd key" {}, :user/age -3, :q "\"\\/"}"#
            )
        );
        assert!(datolite_edn::parse(&edn).is_ok(), "{edn}");
        assert_eq!(json_text_to_edn("not json"), "\"not json\"");
        assert_eq!(
            json_text_to_edn(r#"[123456789012345678901234567890, 1e3]"#),
            "[123456789012345678901234567890 1e3]"
        );
        // An empty map expects a key that never comes: the string after it is a value.
        assert_eq!(
            json_text_to_edn(r#"[{},"s",{"k":{}},"t"]"#),
            r#"[{} "s" {:k {}} "t"]"#
        );
    }

    #[test]
    fn streamed_tables_look_like_comfy_tables_and_escape_cells() {
        let mut expected = table(&["e", "v"], &[0]);
        expected.add_row(vec!["1", "ann"]);
        expected.add_row(vec!["22", "bob"]);
        let mut streamed = StreamTable::new(&["e", "v"], &[0]);
        let mut out = Vec::new();
        streamed
            .row(&mut out, vec!["1".into(), "ann".into()])
            .expect("row");
        streamed
            .row(&mut out, vec!["22".into(), "bob".into()])
            .expect("row");
        streamed.finish(&mut out).expect("finish");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            format!("{expected}\n")
        );
        assert_eq!(
            cell_text("a\nb\tc\rd\u{1b}[31m\u{7f}\u{85}é"),
            r"a\nb\tc\rd\u001b[31m\u007f\u0085é"
        );
    }

    #[test]
    fn streamed_rows_after_the_measured_ones_are_never_cut() {
        let mut streamed = StreamTable::new(&["v"], &[]);
        let mut out = Vec::new();
        for _ in 0..MEASURED_ROWS {
            streamed.row(&mut out, vec!["abcd".into()]).expect("row");
        }
        streamed
            .row(&mut out, vec!["abcdefgh".into()])
            .expect("row");
        streamed.finish(&mut out).expect("finish");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.contains("│ abcd │") && text.contains("│ abcdefgh │"),
            "{text}"
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
