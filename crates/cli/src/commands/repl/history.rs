//! Where the terminal REPL keeps its line history: the user's state directory (XDG Base
//! Directory), never the database directory — a history is the user's, not the data's, and a
//! database directory may be read-only, shared or backed up.
//!
//! In order: `DATOLITE_HISTORY_FILE` (a file path; empty means unset), then
//! `$XDG_STATE_HOME/datolite/repl_history` (the variable must be an absolute path, as the XDG
//! specification says; a relative one is ignored), then `$HOME/.local/state/datolite/repl_history`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The variable that names the history file outright.
pub const HISTORY_FILE_VAR: &str = "DATOLITE_HISTORY_FILE";

/// The history file the environment `var` (a lookup such as `std::env::var_os`) names, or why
/// there is none.
pub fn history_path(var: impl Fn(&str) -> Option<OsString>) -> Result<PathBuf, String> {
    // Empty counts as unset, as for every DATOLITE_* variable (and XDG's own rule).
    let set = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(file) = set(HISTORY_FILE_VAR) {
        return Ok(file);
    }
    if let Some(state) = set("XDG_STATE_HOME").filter(|p| p.is_absolute()) {
        return Ok(state.join("datolite").join("repl_history"));
    }
    if let Some(home) = set("HOME") {
        return Ok(home
            .join(".local")
            .join("state")
            .join("datolite")
            .join("repl_history"));
    }
    Err(format!(
        "neither {HISTORY_FILE_VAR}, XDG_STATE_HOME nor HOME is set"
    ))
}

/// Makes the directory of history file `path` (and its parents) exist.
pub fn prepare(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display())),
        _ => Ok(()),
    }
}

/// The history file of this process's environment, its directory created; `None`, after one
/// warning on stderr, when there is none (the REPL then runs without history).
pub fn session_history() -> Option<PathBuf> {
    let found =
        history_path(|name| std::env::var_os(name)).and_then(|path| prepare(&path).map(|()| path));
    match found {
        Ok(path) => Some(path),
        Err(why) => {
            eprintln!("warning: no history file ({why}); this session's lines are not kept");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup over `vars` only.
    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn the_state_directory_holds_the_history() {
        assert_eq!(
            history_path(env(&[("XDG_STATE_HOME", "/s"), ("HOME", "/h")])),
            Ok(PathBuf::from("/s/datolite/repl_history"))
        );
        assert_eq!(
            history_path(env(&[("HOME", "/h")])),
            Ok(PathBuf::from("/h/.local/state/datolite/repl_history"))
        );
        // Empty and relative XDG_STATE_HOME are ignored.
        for state in ["", "relative/dir"] {
            assert_eq!(
                history_path(env(&[("XDG_STATE_HOME", state), ("HOME", "/h")])),
                Ok(PathBuf::from("/h/.local/state/datolite/repl_history"))
            );
        }
        assert_eq!(
            history_path(env(&[
                (HISTORY_FILE_VAR, "/x/hist"),
                ("XDG_STATE_HOME", "/s")
            ])),
            Ok(PathBuf::from("/x/hist"))
        );
        let none = history_path(env(&[("HOME", "")])).unwrap_err();
        assert!(
            none.contains("XDG_STATE_HOME") && none.contains("HOME"),
            "{none}"
        );
    }

    #[test]
    fn prepare_creates_the_directory_or_says_why_not() {
        let tmp = tempfile::TempDir::new().unwrap();
        let path = tmp.path().join("state/datolite/repl_history");
        prepare(&path).unwrap();
        assert!(tmp.path().join("state/datolite").is_dir());
        // A file where the directory should be.
        let blocked = tmp.path().join("file");
        std::fs::write(&blocked, "x").unwrap();
        let error = prepare(&blocked.join("datolite/repl_history")).unwrap_err();
        assert!(error.contains("cannot create"), "{error}");
    }
}
