//! The value of the database a REPL session reads: the current one, or a view set with
//! `.as-of`, `.since` and `.history` (as the CLI's `--as-of`, `--since`, `--history`), until
//! `.now`. Queries, `.pull`, `.explain` and `.stats` read it; the prompt names it.

use datolite::{Db, TimePoint};

use crate::commands::log::point;
use crate::commands::time::view;
use crate::error::{CliError, Result};

/// A point in time as the user wrote it (for the prompt) and as read.
#[derive(Clone, Debug)]
pub struct Point {
    /// The text typed after the command, trimmed.
    pub text: String,
    /// The point it names.
    pub point: TimePoint,
}

impl Point {
    /// Reads a POINT argument of `command` (`.as-of`, `.since`); the error names both.
    pub fn parse(command: &str, text: &str) -> Result<Point> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CliError::msg(format!(
                "{command} needs a POINT: a t (42), a transaction id or an instant \
                 (2024-05-01T12:00:00Z, #inst \"2024-05-01\")"
            )));
        }
        let point = point(text).map_err(|e| CliError::msg(format!("{command}: {e}")))?;
        Ok(Point {
            text: text.to_string(),
            point,
        })
    }
}

/// Which value the session reads; the default is the current value.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// `.as-of POINT`.
    pub as_of: Option<Point>,
    /// `.since POINT`.
    pub since: Option<Point>,
    /// `.history on`.
    pub history: bool,
}

impl View {
    /// `current` (the database's latest value) as this view shows it.
    pub fn apply(&self, current: Db) -> Result<Db> {
        view(
            current,
            self.as_of.as_ref().map(|p| p.point),
            self.since.as_ref().map(|p| p.point),
            self.history,
        )
    }

    /// The view in words for the prompt (`as-of 42 history`); `None` for the current value.
    pub fn label(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(p) = &self.as_of {
            parts.push(format!("as-of {}", p.text));
        }
        if let Some(p) = &self.since {
            parts.push(format!("since {}", p.text));
        }
        if self.history {
            parts.push("history".to_string());
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_names_every_part() {
        let mut view = View::default();
        assert_eq!(view.label(), None);
        view.as_of = Some(Point::parse(".as-of", " 42 ").unwrap());
        view.history = true;
        assert_eq!(view.label().as_deref(), Some("as-of 42 history"));
        view.since = Some(Point::parse(".since", "2024-05-01").unwrap());
        assert_eq!(
            view.label().as_deref(),
            Some("as-of 42 since 2024-05-01 history")
        );
    }

    #[test]
    fn bad_points_name_the_command_and_the_text() {
        let error = Point::parse(".as-of", "yesterday").unwrap_err().to_string();
        assert!(
            error.contains(".as-of") && error.contains("yesterday"),
            "{error}"
        );
        let error = Point::parse(".since", "").unwrap_err().to_string();
        assert!(error.contains(".since needs a POINT"), "{error}");
    }
}
