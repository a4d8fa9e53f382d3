//! The server over real HTTP on loopback: started in-process on `127.0.0.1:0` with a temporary
//! database, called with the crate's own small client. Every endpoint, every status code, both
//! formats, the time views, and snapshots under concurrent writes; answers are compared with
//! what the library's writers give for the same request (the command line prints those).

use std::net::SocketAddr;
use std::thread::JoinHandle;

use datolite::{Database, DbQueries, Index, StoreOptions, TimePoint};
use datolite_server::client::{Client, Reply};
use datolite_server::ServerOptions;
use serde_json::{json, Value as Json};

const SCHEMA: &str = r#"[
 {:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :person/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :person/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
]"#;

/// A server on its own runtime thread over a temporary database; stopped when dropped.
struct Server {
    addr: SocketAddr,
    database: Database,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(options: ServerOptions) -> Server {
        let dir = tempfile::tempdir().expect("temporary directory");
        let database = Database::open(dir.path(), StoreOptions::default()).expect("database");
        database.transact(SCHEMA).expect("schema");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = database.clone();
        let thread = std::thread::spawn(move || {
            runtime.block_on(datolite_server::serve(served, listener, options, async {
                let _ = stopped.await;
            }))
        });
        Server {
            addr,
            database,
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        }
    }

    fn client(&self) -> Client {
        Client::new(self.addr, None)
    }

    /// Stops the server and waits for it, as a graceful shutdown does.
    fn stop(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take() {
            Some(thread) => thread.join().expect("server thread"),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn parse(reply: &Reply) -> Json {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", reply.status, reply.body))
}

fn post(client: &mut Client, path: &str, body: &Json) -> Reply {
    client.post_json(path, &body.to_string()).expect("request")
}

/// Asserts `status` and a JSON `{"error": "…"}` body containing each of `words`.
fn assert_error(reply: &Reply, status: u16, words: &[&str]) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.content_type, "application/json", "{}", reply.body);
    let message = parse(reply)["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message: {}", reply.body))
        .to_string();
    for word in words {
        assert!(message.contains(word), "{word:?} not in {message:?}");
    }
}

/// Percent-encodes a query parameter.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const PEOPLE: &str = r#"[{:db/id "ann" :person/name "Ann" :person/age 34}
 {:db/id "bob" :person/name "Bob" :person/age 27 :person/friend "ann"}]"#;

#[test]
fn every_endpoint_answers_as_the_library_writes() {
    let server = Server::start(ServerOptions::default());
    let mut http = server.client();

    // transact: the CLI's report.
    let reply = post(&mut http, "/transact", &json!({ "tx_data": PEOPLE }));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = parse(&reply);
    let db = server.database.db().expect("snapshot");
    assert_eq!(report["t"], json!(db.basis_t()));
    assert_eq!(report["datoms"], json!(6), "{report}");
    let ann = report["tempids"]["ann"].as_u64().expect("ann's id");
    assert_eq!(db.entid("[:person/name \"Ann\"]").expect("ann"), ann);
    let keys: Vec<&String> = report.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["datoms", "t", "tempids", "tx"]);

    // query: {"result": result_json}, args as EDN text.
    let query =
        "[:find ?n ?a :in $ ?min :where [?e :person/name ?n] [?e :person/age ?a] [(>= ?a ?min)]]";
    let reply = post(
        &mut http,
        "/query",
        &json!({ "query": query, "args": ["30"] }),
    );
    let expected = datolite::result_json(&db.q_edn(query, &["30"]).expect("query"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(reply.body, format!("{{\"result\":{expected}}}"));
    assert_eq!(parse(&reply)["result"], json!([["Ann", 34]]));

    // pull.
    let pattern = "[:person/name {:person/friend [:person/name]}]";
    let reply = post(
        &mut http,
        "/pull",
        &json!({ "entity": "[:person/name \"Bob\"]", "pattern": pattern }),
    );
    let pulled = db.pull("[:person/name \"Bob\"]", pattern).expect("pull");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body,
        format!("{{\"result\":{}}}", datolite::pull_json(pulled.as_ref()))
    );

    // datoms: avet by attribute and value, eavt by entity, the limit.
    let reply = http
        .get(&format!(
            "/datoms?index=avet&a=:person/name&v={}",
            encode("\"Ann\"")
        ))
        .expect("datoms");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let rows: Vec<String> = db
        .scan(Index::Avet)
        .attribute(":person/name")
        .value(&datolite::Value::from("Ann"))
        .collect()
        .expect("scan")
        .iter()
        .map(|d| datolite::datom_json(&db, d.e, d.a, &d.v.as_ref(), d.tx, d.added))
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(reply.body, format!("{{\"datoms\":[{}]}}", rows.join(",")));
    let reply = http
        .get(&format!("/datoms?index=eavt&e={ann}"))
        .expect("datoms");
    assert_eq!(parse(&reply)["datoms"].as_array().map(Vec::len), Some(2));
    let reply = http.get("/datoms?index=eavt&limit=3").expect("datoms");
    assert_eq!(parse(&reply)["datoms"].as_array().map(Vec::len), Some(3));
    let reply = http
        .get(&format!("/datoms?index=vaet&v={ann}&a=:person/friend"))
        .expect("datoms");
    assert_eq!(parse(&reply)["datoms"][0][2], json!(ann), "{}", reply.body);

    // log: the CLI's transactions, paged.
    let t = db.basis_t();
    let reply = http
        .get(&format!("/log?from={}&limit=1", t - 1))
        .expect("log");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let entries = db.tx_range(Some(TimePoint::T(t - 1)), None).expect("log");
    assert_eq!(
        reply.body,
        format!(
            "{{\"transactions\":[{}],\"next\":{t}}}",
            datolite::tx_entry_json(&db, &entries[0])
        )
    );
    let reply = http.get(&format!("/log?from={t}")).expect("log");
    assert_eq!(parse(&reply)["next"], Json::Null);
    assert_eq!(parse(&reply)["transactions"][0]["t"], json!(t));

    // stats and health.
    let reply = http.get("/stats").expect("stats");
    let size = server.database.size_on_disk().expect("size");
    assert_eq!(reply.body, datolite::stats_json(&db, size).expect("stats"));
    let reply = http.get("/health").expect("health");
    assert_eq!(parse(&reply), json!({ "status": "ok", "t": t }));
}

#[test]
fn bad_requests_are_400_naming_the_problem() {
    let server = Server::start(ServerOptions::default());
    let mut http = server.client();
    let reply = http.post_json("/query", "{\"query\": ").expect("request");
    assert_error(&reply, 400, &["JSON", "line 1 column"]);
    let reply = post(
        &mut http,
        "/query",
        &json!({ "query": "[:find ?e :where [?e :a" }),
    );
    assert_error(&reply, 400, &["line 1, column"]);
    let reply = post(&mut http, "/query", &json!({ "args": [] }));
    assert_error(&reply, 400, &["missing field `query`"]);
    let reply = post(
        &mut http,
        "/query",
        &json!({ "query": "[:find ?e :where [?e :a]]", "asof": 1 }),
    );
    assert_error(&reply, 400, &["unknown field `asof`"]);
    let reply = post(
        &mut http,
        "/query",
        &json!({ "query": "[:find ?e :where [?e :person/name]]", "as_of": "yesterday-ish" }),
    );
    assert_error(&reply, 400, &["as_of", "yesterday-ish"]);
    let reply = post(
        &mut http,
        "/transact",
        &json!({ "tx_data": "[{:person/age \"old\"}]" }),
    );
    assert_error(&reply, 400, &[":person/age"]);
    let reply = http
        .get("/datoms?index=eavt&e=1&a=:no/such")
        .expect("datoms");
    assert_error(&reply, 400, &["a: ", "no/such"]);
    let reply = http.get("/datoms?index=xyz").expect("datoms");
    assert_error(&reply, 400, &["unknown index", "xyz"]);
    let reply = http
        .get("/datoms?index=eavt&a=:person/name")
        .expect("datoms");
    assert_error(&reply, 400, &["a needs e"]);
    let reply = http
        .get("/datoms?index=eavt&limit=100000000")
        .expect("datoms");
    assert_error(&reply, 400, &["limit"]);
    let reply = http
        .request(
            "POST",
            "/query",
            &[("Content-Type", "application/edn")],
            "{:query ",
        )
        .expect("request");
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.content_type, "application/edn");
    assert!(
        reply
            .body
            .starts_with("{:error \"bad EDN request body: line 1, column"),
        "{}",
        reply.body
    );
    let reply = http.get("/datoms?index=eavt&entity=1").expect("datoms");
    assert_error(&reply, 400, &["unknown parameter", "entity"]);
    let reply = http.get("/log?from=someday").expect("log");
    assert_error(&reply, 400, &["from: ", "someday"]);
    let reply = http.get("/log?limit=0").expect("log");
    assert_error(&reply, 400, &["limit"]);
    let reply = post(
        &mut http,
        "/pull",
        &json!({ "entity": "[:person/name \"Nobody\"]", "pattern": "[*]" }),
    );
    assert_error(&reply, 400, &["Nobody"]);
    let reply = post(
        &mut http,
        "/query",
        &json!({ "query": "[:find ?e :where [?e :person/name]]", "timeout_ms": 0 }),
    );
    assert_error(&reply, 400, &["timeout_ms"]);
    // Wrong method: 405 with the method to use.
    let reply = http.get("/query").expect("request");
    assert_error(&reply, 405, &["POST /query"]);
    // Unknown path: 404.
    let reply = http.get("/nowhere").expect("request");
    assert_error(&reply, 404, &["/nowhere"]);
    // The server is still up and answers.
    assert_eq!(http.get("/health").expect("health").status, 200);
}

#[test]
fn tokens_are_required_except_for_health() {
    let server = Server::start(ServerOptions {
        token: Some("s3cret".into()),
        ..ServerOptions::default()
    });
    let mut anonymous = server.client();
    let body = json!({ "query": "[:find ?e :where [?e :person/name]]" });
    assert_error(&post(&mut anonymous, "/query", &body), 401, &["Bearer"]);
    assert_error(&anonymous.get("/stats").expect("stats"), 401, &["Bearer"]);
    assert_eq!(anonymous.get("/health").expect("health").status, 200);
    let mut wrong = Client::new(server.addr, Some("s3cres".into()));
    assert_error(&post(&mut wrong, "/query", &body), 401, &["wrong token"]);
    let mut right = Client::new(server.addr, Some("s3cret".into()));
    assert_eq!(post(&mut right, "/query", &body).status, 200);
}

#[test]
fn a_read_only_server_refuses_transactions_with_403() {
    let server = Server::start(ServerOptions {
        read_only: true,
        ..ServerOptions::default()
    });
    let mut http = server.client();
    let reply = post(&mut http, "/transact", &json!({ "tx_data": PEOPLE }));
    assert_error(&reply, 403, &["read-only"]);
    let before = server.database.db().expect("snapshot").basis_t();
    assert_eq!(
        parse(&http.get("/health").expect("health"))["t"],
        json!(before)
    );
}

#[test]
fn oversized_bodies_are_413() {
    let server = Server::start(ServerOptions {
        max_body_bytes: 256,
        ..ServerOptions::default()
    });
    let mut http = server.client();
    let big = json!({ "tx_data": format!("[{{:person/name \"{}\"}}]", "x".repeat(1000)) });
    assert_error(&post(&mut http, "/transact", &big), 413, &["256 bytes"]);
    let small = json!({ "tx_data": PEOPLE });
    assert_eq!(post(&mut http, "/transact", &small).status, 200);
}

#[test]
fn a_query_past_its_time_limit_is_503() {
    let server = Server::start(ServerOptions::default());
    let people: Vec<String> = (0..3000)
        .map(|i| format!("{{:person/name \"p{i}\" :person/age {}}}", i % 3))
        .collect();
    server
        .database
        .transact(&format!("[{}]", people.join(" ")))
        .expect("people");
    let mut http = server.client();
    // Three groups of 1000 people of one age each: 3,000,000 pairs.
    let product = "[:find (count ?y) . :where [?x :person/age ?a] [?y :person/age ?a]]";
    let reply = post(
        &mut http,
        "/query",
        &json!({ "query": product, "timeout_ms": 1 }),
    );
    assert_error(&reply, 503, &["line 1"]);
    // The server's own limit applies too: a request cannot raise it.
    let strict = Server::start(ServerOptions {
        default_timeout: Some(std::time::Duration::from_millis(1)),
        ..ServerOptions::default()
    });
    strict
        .database
        .transact(&format!("[{}]", people.join(" ")))
        .expect("people");
    let reply = post(
        &mut strict.client(),
        "/query",
        &json!({ "query": product, "timeout_ms": 600000 }),
    );
    assert_error(&reply, 503, &[]);
}

#[test]
fn edn_requests_get_edn_answers() {
    let server = Server::start(ServerOptions::default());
    let mut http = server.client();
    let edn = [("Content-Type", "application/edn")];
    let reply = http
        .request("POST", "/transact", &edn, &format!("{{:tx-data {PEOPLE}}}"))
        .expect("transact");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "application/edn");
    let report = datolite::edn::parse(&reply.body).expect("EDN report");
    let text = report.to_string();
    assert!(text.contains(":tempids {\"ann\""), "{text}");

    let body = r#"{:query [:find ?n :in $ ?name :where [?e :person/name ?name] [?e :person/name ?n]] :args ["Bob"]}"#;
    let reply = http.request("POST", "/query", &edn, body).expect("query");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "application/edn");
    let db = server.database.db().expect("snapshot");
    let expected = datolite::result_edn(
        &db.q_edn(
            "[:find ?n :in $ ?name :where [?e :person/name ?name] [?e :person/name ?n]]",
            &["\"Bob\""],
        )
        .expect("query"),
    );
    assert_eq!(reply.body, format!("{{:result {expected}}}"));
    assert_eq!(reply.body, "{:result [[\"Bob\"]]}");

    let body = r#"{:entity [:person/name "Ann"] :pattern [:person/age]}"#;
    let reply = http.request("POST", "/pull", &edn, body).expect("pull");
    assert_eq!(reply.body, "{:result {:person/age 34}}");
}

#[test]
fn as_of_since_and_history_view_the_database_as_the_cli_does() {
    let server = Server::start(ServerOptions::default());
    let mut http = server.client();
    let first = parse(&post(&mut http, "/transact", &json!({ "tx_data": PEOPLE })));
    let second = parse(&post(
        &mut http,
        "/transact",
        &json!({ "tx_data": "[{:person/name \"Ann\" :person/age 35}]" }),
    ));
    let (t1, tx1) = (
        first["t"].as_u64().expect("t"),
        first["tx"].as_u64().expect("tx"),
    );
    assert!(second["t"].as_u64() > Some(t1));
    let ages = "[:find ?a :where [?e :person/name \"Ann\"] [?e :person/age ?a]]";
    let db = server.database.db().expect("snapshot");
    let check = |http: &mut Client, extra: Json, view: datolite::Db, want: Json| {
        let mut body = json!({ "query": ages });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let reply = post(http, "/query", &body);
        let expected = datolite::result_json(&view.q_edn(ages, &[]).expect("query"));
        assert_eq!(reply.body, format!("{{\"result\":{expected}}}"), "{body}");
        assert_eq!(parse(&reply)["result"], want, "{body}");
    };
    check(&mut http, json!({}), db.clone(), json!([[35]]));
    // A t as a number, a transaction id as a string: as `--as-of` reads them.
    let as_of = db.as_of(TimePoint::T(t1)).expect("as of");
    check(
        &mut http,
        json!({ "as_of": t1 }),
        as_of.clone(),
        json!([[34]]),
    );
    check(
        &mut http,
        json!({ "as_of": tx1.to_string() }),
        as_of,
        json!([[34]]),
    );
    let since = db.since(TimePoint::T(t1)).expect("since");
    let history = db.history();
    let added = "[:find ?a ?added :where [?e :person/age ?a ?tx ?added]]";
    let reply = post(
        &mut http,
        "/query",
        &json!({ "query": added, "history": true }),
    );
    let expected = datolite::result_json(&history.q_edn(added, &[]).expect("history"));
    assert_eq!(reply.body, format!("{{\"result\":{expected}}}"));
    assert_eq!(
        parse(&reply)["result"],
        json!([[27, true], [34, false], [34, true], [35, true]])
    );
    let ages_since = "[:find ?a :where [?e :person/age ?a]]";
    let reply = post(
        &mut http,
        "/query",
        &json!({ "query": ages_since, "since": t1 }),
    );
    let expected = datolite::result_json(&since.q_edn(ages_since, &[]).expect("since"));
    assert_eq!(reply.body, format!("{{\"result\":{expected}}}"));
    assert_eq!(parse(&reply)["result"], json!([[35]]));
    // An instant: now sees everything.
    let reply = post(
        &mut http,
        "/query",
        &json!({ "query": ages, "as_of": "2999-01-01T00:00:00Z" }),
    );
    assert_eq!(parse(&reply)["result"], json!([[35]]));
}

#[test]
fn readers_see_whole_transactions_while_one_client_writes() {
    let server = Server::start(ServerOptions::default());
    let addr = server.addr;
    let count = json!({ "query": "[:find (count ?e) . :where [?e :person/age]]" }).to_string();
    let writes = 40;
    std::thread::scope(|s| {
        let writer = s.spawn(move || {
            let mut http = Client::new(addr, None);
            for i in 0..writes {
                // Two entities per transaction: a reader that saw half of one sees an odd count.
                let tx = format!("[{{:person/age {i}}} {{:person/age {}}}]", i + 1000);
                let reply = http
                    .post_json("/transact", &json!({ "tx_data": tx }).to_string())
                    .expect("transact");
                assert_eq!(reply.status, 200, "{}", reply.body);
            }
        });
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let count = &count;
                s.spawn(move || {
                    let mut http = Client::new(addr, None);
                    let mut last = 0;
                    let mut seen = 0;
                    while last < 2 * writes && seen < 5000 {
                        let reply = http.post_json("/query", count).expect("query");
                        assert_eq!(reply.status, 200, "{}", reply.body);
                        let n = parse(&reply)["result"].as_u64().unwrap_or(0);
                        assert_eq!(n % 2, 0, "a reader saw half a transaction: {n}");
                        assert!(n >= last, "a later snapshot lost datoms: {n} after {last}");
                        last = n;
                        seen += 1;
                    }
                    last
                })
            })
            .collect();
        writer.join().expect("writer");
        for reader in readers {
            assert_eq!(reader.join().expect("reader"), 2 * writes);
        }
    });
}

#[test]
fn shutdown_lets_the_request_in_flight_finish() {
    let mut server = Server::start(ServerOptions::default());
    let people: Vec<String> = (0..700).map(|i| format!("{{:person/age {i}}}")).collect();
    server
        .database
        .transact(&format!("[{}]", people.join(" ")))
        .expect("people");
    let addr = server.addr;
    // A query of some milliseconds (a product of 700 × 700), started before the shutdown.
    let query = "[:find (count ?x) . :where [?x :person/age ?a] [?y :person/age ?b] [(< ?a ?b)]]";
    let slow = json!({ "query": query }).to_string();
    let in_flight = std::thread::spawn(move || Client::new(addr, None).post_json("/query", &slow));
    std::thread::sleep(std::time::Duration::from_millis(20));
    server.stop().expect("graceful shutdown");
    let reply = in_flight.join().expect("client").expect("an answer");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let db = server.database.db().expect("snapshot");
    let expected = datolite::result_json(&db.q_edn(query, &[]).expect("query"));
    assert_eq!(reply.body, format!("{{\"result\":{expected}}}"));
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still listening"
    );
}
