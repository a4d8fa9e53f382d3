//! `datolite serve` as a process: it prints the port it bound, answers over HTTP as the
//! command line prints, refuses what it must, and exits 0 on SIGTERM; and `bench serve`.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{datolite, fails, file, json, ok, run};
use datolite_server::client::Client;

/// Starts `datolite --db DB serve --addr 127.0.0.1:0 extra…` and reads the address it bound
/// from its stderr.
fn serve(db: &std::path::Path, extra: &[&str]) -> (Child, SocketAddr) {
    let mut child = datolite()
        .arg("--db")
        .arg(db)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn datolite serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let line = lines
        .next()
        .expect("a line on stderr")
        .expect("readable stderr");
    let addr = line
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .parse()
        .expect("an address");
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr)
}

/// Sends SIGTERM and returns the exit code.
fn terminate(mut child: Child) -> Option<i32> {
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) on our own child's pid, with a valid signal number.
    let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(sent, 0, "kill failed");
    for _ in 0..200 {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the server did not stop within 10 s of SIGTERM");
}

#[test]
fn serve_answers_as_the_cli_prints_and_exits_0_on_sigterm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let tx = file(
        tmp.path(),
        "tx.edn",
        r#"[{:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
            {:person/name "Ann"} {:person/name "Bob"}]"#,
    );
    ok(run(&db, &["transact", tx.to_str().expect("path")]));
    let query = "[:find ?n :where [_ :person/name ?n]]";
    let printed = ok(run(&db, &["query", "--format", "json", query]));
    let stats = ok(run(&db, &["stats", "--format", "json"]));

    let (child, addr) = serve(&db, &[]);
    let mut http = Client::new(addr, None);
    let body = serde_json::json!({ "query": query }).to_string();
    let reply = http.post_json("/query", &body).expect("query");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, format!("{{\"result\":{}}}", printed.trim()));
    let reply = http.get("/stats").expect("stats");
    // The size on disk may differ between two opens; everything else is the same document.
    let (mut served, mut cli) = (json(&reply.body), json(&stats));
    served["size_on_disk_bytes"] = serde_json::Value::Null;
    cli["size_on_disk_bytes"] = serde_json::Value::Null;
    assert_eq!(served, cli);
    assert_eq!(http.get("/nope").expect("404").status, 404);
    assert_eq!(terminate(child), Some(0));
}

#[test]
fn serve_with_a_token_and_read_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("db");
    let tx = file(
        tmp.path(),
        "tx.edn",
        r#"[{:db/ident :a/b :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]"#,
    );
    ok(run(&db, &["transact", tx.to_str().expect("path")]));
    let token = file(tmp.path(), "token", "  t0ken\n");
    let (child, addr) = serve(
        &db,
        &["--token-file", token.to_str().expect("path"), "--read-only"],
    );
    let body = r#"{"tx_data": "[{:a/b 1}]"}"#;
    assert_eq!(
        Client::new(addr, None)
            .post_json("/transact", body)
            .expect("401")
            .status,
        401
    );
    let reply = Client::new(addr, Some("t0ken".into()))
        .post_json("/transact", body)
        .expect("403");
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(terminate(child), Some(0));

    // An empty token file is an error at startup, naming the file.
    let empty = file(tmp.path(), "empty", " \n");
    let err = fails(run(
        &db,
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--token-file",
            empty.to_str().expect("path"),
        ],
    ));
    assert!(err.contains("empty"), "{err}");
}

#[test]
fn bench_serve_json_has_every_key_and_no_errors() {
    let output = datolite()
        .args([
            "bench",
            "serve",
            "--seconds",
            "1",
            "--clients",
            "2",
            "--people",
            "2000",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    let report = json(&ok(output));
    for key in [
        "clients", "seconds", "people", "query", "q1", "transact", "errors",
    ] {
        assert!(report.get(key).is_some(), "missing {key}: {report}");
    }
    for kind in ["q1", "transact"] {
        for key in ["requests", "per_sec", "p50_ms", "p99_ms", "errors"] {
            assert!(
                report[kind].get(key).is_some(),
                "missing {kind}.{key}: {report}"
            );
        }
        assert!(report[kind]["requests"].as_u64() > Some(0), "{report}");
    }
    assert_eq!(report["errors"], 0, "{report}");
    let err = fails(
        datolite()
            .args(["bench", "serve", "--seconds", "601"])
            .output()
            .expect("run"),
    );
    assert!(err.contains("--seconds"), "{err}");
    let err = fails(
        datolite()
            .args(["bench", "serve", "--clients", "257"])
            .output()
            .expect("run"),
    );
    assert!(err.contains("--clients"), "{err}");
}
