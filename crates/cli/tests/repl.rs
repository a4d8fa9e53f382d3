//! End-to-end tests of `datolite repl` in batch mode (a script piped into it): query inputs
//! (`.in` and arguments after the query), rules, the time view (`.as-of`, `.since`,
//! `.history`, `.now`), `.pull`, errors and the exit code, and where the history lives.

use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

mod common;
use common::*;

/// A temporary database holding the movie fixture.
fn movies() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("movies");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/movies.edn");
    ok(run(&db, &["transact", fixture.to_str().expect("utf-8")]));
    (tmp, db)
}

/// Ann (ann@x) is 30 at t 3, corrected to 31 at t 4; Bo arrives at t 5.
fn corrected() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    for (name, text) in [
        (
            "schema.edn",
            r#"[{:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
                {:db/ident :p/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
                {:db/ident :p/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]"#,
        ),
        (
            "ann.edn",
            r#"[{:p/name "Ann" :p/email "ann@x" :p/age 30 :db/ident :p/ann}]"#,
        ),
        ("fix.edn", r#"[{:p/name "Ann" :p/age 31}]"#),
        ("bo.edn", r#"[{:p/name "Bo" :p/age 5}]"#),
    ] {
        let path = file(tmp.path(), name, text);
        ok(run(&db, &["transact", path.to_str().expect("utf-8")]));
    }
    (tmp, db)
}

/// Runs `datolite --db DB repl` with `script` on stdin and the variables `env` set.
fn repl_env(db: &Path, env: &[(&str, &Path)], script: &str) -> Output {
    let mut command = datolite();
    for (name, value) in env {
        command.env(name, value);
    }
    run_with_stdin_in(command, db, &["repl"], script.as_bytes())
}

/// Runs `datolite --db DB repl` with `script` on stdin.
fn repl(db: &Path, script: &str) -> Output {
    repl_env(db, &[], script)
}

/// Titles of the movies of `?year` in which `?name` plays.
const BY_YEAR_AND_ACTOR: &str = "[:find [?t ...] :in $ ?year ?name :where [?m :movie/year ?year] \
     [?m :movie/cast ?p] [?p :person/name ?name] [?m :movie/title ?t]]";

/// Titles of the movies of `?year`.
const BY_YEAR: &str =
    "[:find [?t ...] :in $ ?year :where [?m :movie/year ?year] [?m :movie/title ?t]]";

#[test]
fn in_sets_the_arguments_of_the_next_query_only() {
    let (_tmp, db) = movies();
    let script = format!(
        ".in 1987 \"Mel Gibson\"\n.in\n{BY_YEAR_AND_ACTOR}\n.in\n.in 1987\n.in clear\n.in\n"
    );
    let out = ok(repl(&db, &script));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "the next query's arguments: 1987 \"Mel Gibson\"",
            "[\"Lethal Weapon\"]",
            // One-shot: used up by the query.
            "no arguments set (.in ARG ... sets them for the next query)",
            "no arguments set (.in ARG ... sets them for the next query)",
        ],
        "{out}"
    );
}

#[test]
fn a_query_takes_its_arguments_after_it() {
    let (_tmp, db) = movies();
    let script = format!(
        "{BY_YEAR_AND_ACTOR} 1985 \"Mel Gibson\"\n\
         [:find [?t ...] :in $ [?year ...] :where [?m :movie/year ?year] [?m :movie/title ?t]\n\
           [?m :movie/cast ?p] [?p :person/name \"Mel Gibson\"]] [1979 1981]\n\
         {BY_YEAR} 1987\n"
    );
    let out = ok(repl(&db, &script));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "[\"Mad Max Beyond Thunderdome\"]",
            "[\"Mad Max\" \"Mad Max 2\"]",
            "[\"Lethal Weapon\" \"Predator\" \"RoboCop\"]",
        ],
        "{out}"
    );
}

#[test]
fn a_wrong_number_of_arguments_is_the_engines_error_and_later_entries_run() {
    let (_tmp, db) = movies();
    let script = format!(
        "{BY_YEAR}\n{BY_YEAR} 1987 1988\n.in 1987\n{BY_YEAR} 1988\n{BY_YEAR}\n.in \"open\n\n{BY_YEAR} 1987\n"
    );
    let output = repl(&db, &script);
    let err = fails(output.clone());
    assert!(
        err.contains("query expects 1 inputs (?year), got 0"),
        "{err}"
    );
    assert!(
        err.contains("query expects 1 inputs (?year), got 2"),
        "{err}"
    );
    // `.in` and arguments after the query: refused, and the `.in` ones dropped.
    assert!(
        err.contains("arguments from both .in (1987) and after the query (1988)"),
        "{err}"
    );
    assert!(err.contains("got 0"), "{err}");
    assert!(err.contains("5 entries failed"), "{err}");
    // The unterminated string swallowed the rest of the script: reported at the end.
    assert!(err.contains("unfinished form"), "{err}");
    assert_eq!(stdout(&output), "", "{}", stdout(&output));
    // Later entries still run after errors.
    let output = repl(&db, &format!("{BY_YEAR}\n{BY_YEAR} 1987\n"));
    assert!(fails(output.clone()).contains("1 entry failed"));
    assert_eq!(
        stdout(&output),
        "[\"Lethal Weapon\" \"Predator\" \"RoboCop\"]\n"
    );
}

#[test]
fn rules_bind_percent_for_recursive_queries() {
    let (tmp, db) = movies();
    let rules = "[[(sequels ?m ?s) [?m :movie/sequel ?s]]\n \
                 [(sequels ?m ?s) [?m :movie/sequel ?x] (sequels ?x ?s)]]";
    let query = "[:find [?t ...] :in $ % ?title :where [?m :movie/title ?title] (sequels ?m ?s) \
                 [?s :movie/title ?t]]";
    let one_step = "[[(sequels ?m ?s) [?m :movie/sequel ?s]]]";
    let file_path = file(tmp.path(), "rules.edn", rules);
    let script = format!(
        ".rules\n{query} \"Lethal Weapon\"\n.rules {rules}\n{query} \"Lethal Weapon\"\n\
         .in \"The Terminator\"\n{query}\n.rules clear\n.rules @{}\n.rules\n\
         {query} {one_step} \"Lethal Weapon\"\n.rules [(broken ?x)]\n.rules 42\n",
        file_path.display()
    );
    let output = repl(&db, &script);
    let err = fails(output.clone());
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "no rules set (.rules EDN or .rules @FILE sets them)"
    );
    assert_eq!(
        lines[1], "[\"Lethal Weapon 2\" \"Lethal Weapon 3\"]",
        "{out}"
    );
    assert_eq!(
        lines[2], "[\"Terminator 2: Judgment Day\" \"Terminator 3: Rise of the Machines\"]",
        "{out}"
    );
    // `.rules` shows the rules read from the file.
    assert!(out.contains("(sequels ?x ?s)"), "{out}");
    // Rules passed explicitly as the `%` argument win: one step, one sequel.
    assert_eq!(
        lines.last().copied(),
        Some("[\"Lethal Weapon 2\"]"),
        "{out}"
    );
    // Without rules: the message says how to set them.
    assert!(err.contains("none are set: `.rules"), "{err}");
    assert!(
        err.contains(".rules: ") && err.contains("rule definition"),
        "{err}"
    );
    assert!(err.contains(".rules takes one vector of rules"), "{err}");
    assert!(err.contains("3 entries failed"), "{err}");
}

#[test]
fn the_view_moves_through_time_and_now_comes_back() {
    let (_tmp, db) = corrected();
    let ages = "[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a]]";
    let history = "[:find ?a ?added :where [?e :p/name \"Ann\"] [?e :p/age ?a _ ?added]]";
    let script = format!(
        "{ages}\n.as-of 3\n{ages}\n.pull :p/ann [:p/age]\n.now\n.since 4\n{ages}\n\
         .now\n.history on\n{history}\n.as-of 3\n{history}\n.history off\n.now\n{ages}\n"
    );
    let out = ok(repl(&db, &script));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "[[\"Ann\" 31] [\"Bo\" 5]]",
            "[[\"Ann\" 30]]",
            "{:p/age 30}",
            "[[\"Bo\" 5]]",
            "[[30 false] [30 true] [31 true]]",
            "[[30 true]]",
            "[[\"Ann\" 31] [\"Bo\" 5]]",
        ],
        "{out}"
    );
}

#[test]
fn a_transaction_is_seen_unless_the_view_is_pinned() {
    let (_tmp, db) = corrected();
    let ages = "[:find ?n ?a :where [?e :p/name ?n] [?e :p/age ?a]]";
    let script = format!(
        ".as-of 3\n.transact [{{:p/name \"Cy\" :p/age 9}}]\n{ages}\n.now\n{ages}\n\
         .transact [{{:p/name \"Di\" :p/age 1}}]\n{ages}\n"
    );
    let output = repl(&db, &script);
    let out = ok(output.clone());
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("tx "), "{out}");
    assert_eq!(lines[1], "[[\"Ann\" 30]]", "{out}");
    assert_eq!(lines[2], "[[\"Ann\" 31] [\"Bo\" 5] [\"Cy\" 9]]", "{out}");
    assert_eq!(
        lines[4], "[[\"Ann\" 31] [\"Bo\" 5] [\"Cy\" 9] [\"Di\" 1]]",
        "{out}"
    );
    let err = stderr(&output);
    assert!(err.contains("as of 3 (pinned)"), "{err}");
    assert_eq!(err.matches("pinned").count(), 1, "{err}");
}

#[test]
fn bad_points_and_unknown_commands_are_named() {
    let (_tmp, db) = corrected();
    let output = repl(
        &db,
        ".as-of yesterday\n.since\n.history maybe\n.frobnicate 1\n.format yaml\n\
         .in 1 ::auto\n[:find ?n :where [?e ::name ?n]]\n.pull [:p/name \"Ann\"] [:p/name ::x]\n\
         [:find ?n :where [?e :p/name ?n]\n[:find ?n . :where [?e :p/name ?n] [?e :p/age 5]]\n",
    );
    let err = fails(output.clone());
    assert!(
        err.contains(".as-of: ") && err.contains("invalid point in time \"yesterday\""),
        "{err}"
    );
    assert!(err.contains(".since needs a POINT"), "{err}");
    assert!(
        err.contains(".history takes on or off, not \"maybe\""),
        "{err}"
    );
    assert!(err.contains("unknown command .frobnicate"), "{err}");
    assert!(err.contains("unknown format \"yaml\""), "{err}");
    // Bad EDN: the message quotes the input.
    assert!(err.contains("error: .in: cannot read 1 ::auto: "), "{err}");
    assert!(
        err.contains("error: cannot read [:find ?n :where [?e ::name ?n]]: "),
        "{err}"
    );
    assert!(
        err.contains("error: .pull: cannot read [:p/name \"Ann\"] [:p/name ::x]: "),
        "{err}"
    );
    // The unbalanced query swallowed the next line; reported at the end.
    assert!(err.contains("unfinished form"), "{err}");
    assert!(err.contains("9 entries failed"), "{err}");
    // A point after the latest transaction: allowed (it is the current value), with a note.
    let output = repl(
        &db,
        ".as-of 99999\n[:find ?n . :where [?e :p/age 5] [?e :p/name ?n]]\n",
    );
    assert_eq!(stdout(&output), "\"Bo\"\n");
    assert!(
        stderr(&output).contains("note: .as-of 99999 is after the latest transaction (t 5)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn pull_takes_an_id_an_ident_or_a_lookup_ref() {
    let (_tmp, db) = corrected();
    let id = ok(repl(&db, "[:find ?e . :where [?e :p/name \"Ann\"]]\n"));
    let id = id.trim();
    let script = format!(
        ".pull {id} [:p/name]\n.pull :p/ann [:p/email]\n.pull [:p/email \"ann@x\"] [:p/age]\n\
         .pull [:p/name \"Bo\"]\n.format\n.format json\n.pull :p/ann [:p/name :p/age]\n.format table\n\
         .pull :p/ann [:p/name]\n.pull [:p/email \"nobody\"]\n.pull\n.pull 1 [*] extra\n"
    );
    let output = repl(&db, &script);
    let err = fails(output.clone());
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "{:p/name \"Ann\"}", "{out}");
    assert_eq!(lines[1], "{:p/email \"ann@x\"}", "{out}");
    assert_eq!(lines[2], "{:p/age 31}", "{out}");
    // The default pattern is [*].
    assert!(
        lines[3].contains(":p/name \"Bo\"")
            && lines[3].contains(":p/age 5")
            && lines[3].contains(":db/id"),
        "{out}"
    );
    assert_eq!(lines[4], "format: edn", "{out}");
    assert_eq!(lines[5], r#"{":p/name":"Ann",":p/age":31}"#, "{out}");
    assert!(out.contains("│ :p/name"), "{out}");
    assert!(err.contains("nobody"), "{err}");
    assert!(err.contains(".pull takes ENTITY [PATTERN]"), "{err}");
    assert!(err.contains("3 entries failed"), "{err}");
}

#[test]
fn explain_reads_arguments_and_the_view() {
    let (_tmp, db) = movies();
    let out = ok(repl(
        &db,
        &format!(".explain {BY_YEAR} 1987\n.in 1987\n.explain-analyze {BY_YEAR}\n"),
    ));
    assert!(out.contains(":movie/year"), "{out}");
    assert!(out.contains("actual"), "{out}");
}

#[test]
fn batch_mode_keeps_no_history_and_nothing_in_the_database_directory() {
    let (tmp, db) = movies();
    let state = tmp.path().join("state");
    ok(repl_env(
        &db,
        &[("XDG_STATE_HOME", &state)],
        &format!("{BY_YEAR} 1987\n"),
    ));
    // Scripts are not history: nothing written, and never inside the database.
    assert!(!state.exists());
    assert!(!db.join(".datolite_history").exists());
    // The variable that names the history file is known (no "unknown variable" warning).
    let output = repl_env(
        &db,
        &[("DATOLITE_HISTORY_FILE", &tmp.path().join("h"))],
        &format!("{BY_YEAR} 1987\n"),
    );
    assert_eq!(stderr(&output), "");
}

/// Terminal sessions driven through a pseudo-terminal.
#[cfg(target_os = "linux")]
mod terminal {
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    /// A child on a pseudo-terminal: what it wrote so far (prompts, echo, output), and a way
    /// to type. rustyline's cursor-position query is answered, as a terminal would.
    pub struct Terminal {
        child: Child,
        writer: File,
        seen: Arc<Mutex<Vec<u8>>>,
        reader: Option<JoinHandle<()>>,
        /// How much of the output `expect` has consumed.
        shown: usize,
    }

    impl Terminal {
        /// Starts `command` on a new pseudo-terminal, its controlling terminal (so Ctrl-C
        /// typed there is a SIGINT to it).
        pub fn start(mut command: Command) -> Terminal {
            let (mut master, mut slave) = (-1, -1);
            let size = libc::winsize {
                ws_row: 24,
                ws_col: 200,
                ws_xpixel: 0,
                ws_ypixel: 0,
            };
            // SAFETY: the pointers are to live locals; openpty writes the two descriptors.
            let rc = unsafe {
                libc::openpty(
                    &mut master,
                    &mut slave,
                    std::ptr::null_mut(),
                    std::ptr::null(),
                    &size,
                )
            };
            assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
            // Not inherited by the children of tests running alongside: a copy of this
            // terminal held there would keep its reader waiting after our child exits.
            for fd in [master, slave] {
                // SAFETY: fcntl on descriptors openpty just returned.
                unsafe {
                    libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
                }
            }
            // SAFETY: openpty returned these descriptors, owned from here on.
            let (master, slave) =
                unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
            let stdio = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("dup the terminal"));
            command
                .env("TERM", "xterm")
                .stdin(stdio(&slave))
                .stdout(stdio(&slave))
                .stderr(stdio(&slave));
            // SAFETY: between fork and exec only async-signal-safe calls: a new session, then
            // stdin (the terminal) as its controlling terminal.
            unsafe {
                command.pre_exec(|| {
                    if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let child = command.spawn().expect("spawn datolite on a terminal");
            // The command and this process hold copies of the terminal's other end: closed,
            // the reader sees the end of output once the child exits.
            drop(command);
            drop(slave);
            let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
            let writer = master.try_clone().expect("terminal writer");
            let reader = {
                let seen = Arc::clone(&seen);
                let mut master = master;
                let mut answer = master.try_clone().expect("terminal answerer");
                std::thread::spawn(move || {
                    let mut chunk = [0u8; 4096];
                    // Ends with EIO once the child has closed the terminal.
                    while let Ok(n) = master.read(&mut chunk) {
                        if n == 0 {
                            break;
                        }
                        if chunk[..n].windows(4).any(|w| w == b"\x1b[6n") {
                            let _ = answer.write_all(b"\x1b[1;1R");
                        }
                        seen.lock().expect("lock").extend_from_slice(&chunk[..n]);
                    }
                })
            };
            Terminal {
                child,
                writer,
                seen,
                reader: Some(reader),
                shown: 0,
            }
        }

        /// Everything written so far.
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.seen.lock().expect("lock")).into_owned()
        }

        /// Whether `text` was written since the last `expect`.
        pub fn shows(&self, text: &str) -> bool {
            self.text()
                .get(self.shown..)
                .is_some_and(|t| t.contains(text))
        }

        /// Waits (up to 30 s) until `text` is written after what the last call consumed.
        pub fn expect(&mut self, text: &str) {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let all = self.text();
                if let Some(at) = all.get(self.shown..).and_then(|t| t.find(text)) {
                    self.shown += at + text.len();
                    return;
                }
                if Instant::now() > deadline {
                    let _ = self.child.kill();
                    panic!("no {text:?} in {all:?}");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }

        /// Types `keys`.
        pub fn type_keys(&mut self, keys: &str) {
            self.writer.write_all(keys.as_bytes()).expect("type");
        }

        /// Waits for the child to exit successfully; returns everything it wrote.
        pub fn finish(mut self) -> String {
            let status = self.child.wait().expect("wait for datolite");
            if let Some(reader) = self.reader.take() {
                reader.join().expect("terminal reader");
            }
            let all = self.text();
            assert!(status.success(), "{status:?}: {all:?}");
            all
        }
    }

    impl Drop for Terminal {
        /// A test that failed half-way leaves no REPL behind.
        fn drop(&mut self) {
            if self.reader.is_some() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }

    /// Runs `command` on a terminal, typing each input once the text before it shows.
    pub fn drive(command: Command, steps: &[(&str, &str)]) -> String {
        let mut terminal = Terminal::start(command);
        for (prompt, input) in steps {
            terminal.expect(prompt);
            terminal.type_keys(input);
        }
        terminal.finish()
    }

    /// The `datolite --db DB repl ARGS` command with a clean environment.
    pub fn repl(db: &Path, args: &[&str]) -> Command {
        let mut command = super::datolite();
        command.arg("--db").arg(db).arg("repl").args(args);
        command
    }
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_tab_completes_and_the_history_goes_to_the_state_directory() {
    let (tmp, db) = movies();
    let state = tmp.path().join("state");
    let mut command = terminal::repl(&db, &[]);
    command
        .env("XDG_STATE_HOME", &state)
        .env("HOME", tmp.path().join("home"));
    let seen = terminal::drive(
        command,
        &[
            (
                "datolite> ",
                "[:find (count ?m) . :where [?m :movie/title]]\r",
            ),
            // `.his` + Tab completes to `.history`.
            ("datolite> ", ".his\t on\r"),
            ("datolite[history]> ", ".as-of 1\r"),
            ("datolite[as-of 1 history]> ", ".quit\r"),
        ],
    );
    assert!(seen.contains("20"), "{seen:?}");
    let history = std::fs::read_to_string(state.join("datolite/repl_history"))
        .expect("the history file in XDG_STATE_HOME");
    assert!(
        history.contains("[:find (count ?m) . :where [?m :movie/title]]"),
        "{history}"
    );
    assert!(history.contains(".history on"), "{history}");
    assert!(!db.join(".datolite_history").exists());
    assert!(!tmp.path().join("home").exists());

    // No state directory at all: a warning, and the session goes on without history.
    let mut command = terminal::repl(&db, &[]);
    command.env_remove("XDG_STATE_HOME").env_remove("HOME");
    let seen = terminal::drive(command, &[("datolite> ", ".quit\r")]);
    assert!(seen.contains("warning: no history file"), "{seen:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_ctrl_c_cancels_the_running_query_and_the_repl_goes_on() {
    let tmp = TempDir::new().expect("temp dir");
    let db = tmp.path().join("db");
    let many: Vec<String> = (0..500).map(|i| format!("{{:g 1 :n {i}}}")).collect();
    let data = file(tmp.path(), "many.edn", &format!("[{}]", many.join(" ")));
    ok(run(&db, &["transact", data.to_str().expect("utf-8")]));
    // Time and rows unbounded but for a minute, so a failure here cannot run on for long.
    let mut terminal = terminal::Terminal::start(terminal::repl(
        &db,
        &["--timeout", "60s", "--max-rows", "0"],
    ));
    terminal.expect("datolite> ");
    // 500^4 combinations joined through ?g: hours of work.
    terminal.type_keys("[:find (count ?a) . :where [?a :g ?g] [?b :g ?g] [?c :g ?g] [?d :g ?g]]\r");
    // Ctrl-C until the query says it was cancelled (one typed before the query starts reaches
    // the line editor instead, which only clears its line).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !terminal.shows("the query was cancelled") {
        assert!(std::time::Instant::now() < deadline, "{}", terminal.text());
        terminal.type_keys("\x03");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    terminal.expect("the query was cancelled");
    terminal.expect("datolite> ");
    terminal.type_keys("[:find (count ?a) . :where [?a :n 7]]\r");
    terminal.expect("\n1\r");
    terminal.expect("datolite> ");
    terminal.type_keys(".quit\r");
    terminal.finish();
}
