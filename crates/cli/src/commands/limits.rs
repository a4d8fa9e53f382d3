//! `--timeout` and `--max-rows`: the budget of the queries a command runs (see
//! [`datolite::QueryOptions`]). On by default on the command line, so a runaway query — a
//! product of two large groups, a recursive rule without end in sight — stops with a message
//! naming its step instead of taking the machine's memory.

use std::time::Duration;

use clap::Args;
use datolite::QueryOptions;

/// The CLI's default time limit of a query.
const DEFAULT_TIMEOUT: &str = "5m";
/// The CLI's default row limit per step: some hundreds of MB of rows at most.
const DEFAULT_MAX_ROWS: u64 = 10_000_000;

/// What the command line says about a query's budget.
#[derive(Clone, Debug, Args)]
pub struct LimitArgs {
    /// Stop a query that runs longer than this: `500ms`, `30s`, `5m`, `1h` (a bare number is
    /// seconds); `0` for no limit.
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_TIMEOUT, value_parser = parse_duration)]
    timeout: Duration,

    /// Stop a query when one of its steps (or a rule's relation) makes more rows than this —
    /// what bounds the memory a query takes; `0` for no limit.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ROWS)]
    max_rows: u64,
}

impl LimitArgs {
    /// The library's options for these limits (`0` is none).
    pub fn options(&self) -> QueryOptions {
        QueryOptions {
            timeout: (!self.timeout.is_zero()).then_some(self.timeout),
            max_rows: (self.max_rows > 0).then_some(self.max_rows),
            cancel: None,
        }
    }
}

/// What a user adds to a query error that a limit caused: which flags move the limits.
pub fn hint(message: String) -> String {
    format!("{message} (the limits are --timeout and --max-rows; 0 turns one off)")
}

/// Parses `500ms`, `30s`, `5m`, `1h` or a bare number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("expected a duration such as 500ms, 30s, 5m or 1h, got {text:?}"))?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}: use ms, s, m or h"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text:?} is not a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_bad_ones_are_named() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("5 parsecs").unwrap_err().contains("parsecs"));
        assert!(parse_duration("soon").unwrap_err().contains("soon"));
        let none = LimitArgs {
            timeout: Duration::ZERO,
            max_rows: 0,
        };
        let options = none.options();
        assert!(options.timeout.is_none() && options.max_rows.is_none());
    }
}
