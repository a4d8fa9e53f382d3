//! Progress bars on stderr, shown only when stderr is a terminal (so logs and test output stay
//! clean, and piping stdout is unaffected).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What a bar counts.
pub enum Unit {
    /// Plain items (`1,234/15,480 bars`).
    Items(&'static str),
    /// Bytes read (`12.1 MiB/40.0 MiB`).
    Bytes,
}

/// A progress bar of `total` units on stderr, hidden when stderr is not a terminal; with no
/// total (stdin) it shows how much went by.
pub fn bar(total: impl Into<Option<u64>>, unit: Unit) -> ProgressBar {
    let total = total.into();
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(total, target);
    let template = match unit {
        Unit::Bytes if total.is_none() => {
            "{spinner} {elapsed_precise} {bytes} ({bytes_per_sec}) {msg}".to_string()
        }
        Unit::Items(name) => format!("{{spinner}} {{elapsed_precise}} [{{wide_bar}}] {{human_pos}}/{{human_len}} {name} ({{per_sec}}) {{msg}}"),
        Unit::Bytes => "{spinner} {elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {msg}".to_string(),
    };
    // The templates are constants, so a failure would be a bug; fall back to the default look
    // rather than refusing to load data over a cosmetic problem.
    let style =
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar
}
