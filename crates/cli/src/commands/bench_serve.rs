//! `datolite bench serve [--clients N] [--seconds S] [--people N] [--format table|json]`: the
//! HTTP server under load, on loopback only. Builds a fresh temporary database of the people
//! workload (`bench people`'s generator), starts the server in-process on `127.0.0.1:0`, and
//! runs N client threads for S seconds, each alternating (a) q1 of `bench people`
//! (`[:find ?e :where [?e :name "Ivan"]]`) over `POST /query` and (b) a one-entity transaction
//! over `POST /transact`, each on its own kept-alive connection. Reports requests per second
//! and p50/p99 latency in ms of each, and the errors, which must be none: any error fails the
//! command (after the report).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clap::Args;
use datolite::{Database, DbQueries};
use datolite_server::client::Client;
use datolite_server::ServerOptions;
use serde_json::json;

use crate::commands::people::{people_tx, PEOPLE, QUERIES};
use crate::commands::storage_options;
use crate::error::{CliError, Context, Result};
use crate::output::{self, round3, Format};

/// The most clients: a thread each.
const MAX_CLIENTS: u64 = 256;
/// The longest run, in seconds: the load test is bounded.
const MAX_SECONDS: f64 = 600.0;

/// Arguments of `bench serve`.
#[derive(Debug, Args)]
pub struct ServeBenchArgs {
    /// Client threads, each with its own connection (at most 256).
    #[arg(long, value_name = "N", default_value_t = 4)]
    clients: u64,

    /// How long the clients run, in seconds (at most 600).
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    seconds: f64,

    /// People to load first (5 datoms each).
    #[arg(long, value_name = "N", default_value_t = PEOPLE, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    people: u64,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Latencies of one kind of request, and its failures.
#[derive(Default)]
struct Series {
    ms: Vec<f64>,
    errors: u64,
    /// The first failure, to show.
    first_error: Option<String>,
}

impl Series {
    fn record(&mut self, began: Instant, reply: std::io::Result<datolite_server::client::Reply>) {
        match reply {
            Ok(r) if r.status == 200 => self.ms.push(began.elapsed().as_secs_f64() * 1000.0),
            Ok(r) => self.fail(format!("status {}: {}", r.status, r.body)),
            Err(e) => self.fail(e.to_string()),
        }
    }

    fn fail(&mut self, message: String) {
        self.errors += 1;
        self.first_error.get_or_insert(message);
    }

    fn merge(&mut self, other: Series) {
        self.ms.extend(other.ms);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// `{"requests", "per_sec", "p50_ms", "p99_ms", "errors"}` over `seconds`.
    fn report(&mut self, seconds: f64) -> serde_json::Value {
        self.ms.sort_by(f64::total_cmp);
        json!({
            "requests": self.ms.len(),
            "per_sec": round3(self.ms.len() as f64 / seconds),
            "p50_ms": round3(self.quantile(0.5)),
            "p99_ms": round3(self.quantile(0.99)),
            "errors": self.errors,
        })
    }

    fn quantile(&self, q: f64) -> f64 {
        let n = self.ms.len();
        self.ms
            .get(((n as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    }
}

/// Runs `bench serve`.
pub fn run(args: ServeBenchArgs) -> Result<()> {
    if !(args.seconds > 0.0 && args.seconds <= MAX_SECONDS) {
        return Err(CliError::msg(format!(
            "--seconds must be above 0 and at most {MAX_SECONDS} (the load test is bounded), got {}",
            args.seconds
        )));
    }
    if !(1..=MAX_CLIENTS).contains(&args.clients) {
        return Err(CliError::msg(format!(
            "--clients must be from 1 to {MAX_CLIENTS}, got {}",
            args.clients
        )));
    }
    let dir = tempfile::TempDir::with_prefix("datolite-bench-serve-")
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let database = Database::open(dir.path(), storage_options()?)?;
    database.transact_tx(&people_tx(args.people))?;
    let (_, q1, _) = QUERIES[0];
    let expected = datolite::result_json(&database.db()?.q_edn(q1, &[])?);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context(|| "cannot start the server's runtime".to_string())?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .context(|| "cannot listen on 127.0.0.1".to_string())?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(datolite_server::serve(
        database.clone(),
        listener,
        ServerOptions::default(),
        async {
            let _ = stopped.await;
        },
    ));

    // The server answers q1 as the library does before anything is timed.
    let query_body = json!({ "query": q1 }).to_string();
    let first = Client::new(addr, None).post_json("/query", &query_body)?;
    let wanted = format!("{{\"result\":{expected}}}");
    if first.status != 200 || first.body != wanted {
        return Err(CliError::msg(format!(
            "the server's q1 differs from the library's: status {}, {} bytes instead of {}",
            first.status,
            first.body.len(),
            wanted.len()
        )));
    }

    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.seconds);
    let (mut queries, mut transactions) = (Series::default(), Series::default());
    let results: Vec<(Series, Series)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..args.clients)
            .map(|c| {
                let query_body = &query_body;
                s.spawn(move || client_loop(addr, c, query_body, deadline))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                // A client that panicked counts as an error, never as a quiet zero.
                h.join().unwrap_or_else(|_| {
                    let mut failed = Series::default();
                    failed.fail("a client thread panicked".to_string());
                    (failed, Series::default())
                })
            })
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    runtime
        .block_on(server)
        .map_err(|e| CliError::msg(format!("the server's task failed: {e}")))??;
    for (q, t) in results {
        queries.merge(q);
        transactions.merge(t);
    }
    let errors = queries.errors + transactions.errors;
    let first_error = queries
        .first_error
        .take()
        .or_else(|| transactions.first_error.take());
    let (query_json, tx_json) = (queries.report(elapsed), transactions.report(elapsed));
    match args.format {
        Format::Edn | Format::Json => output::print_data(
            args.format,
            &json!({
                "clients": args.clients,
                "seconds": round3(elapsed),
                "people": args.people,
                "query": q1,
                "q1": query_json,
                "transact": tx_json,
                "errors": errors,
            }),
        )?,
        Format::Table => {
            let mut table = output::table(
                &["request", "requests", "per s", "p50 ms", "p99 ms", "errors"],
                &[1, 2, 3, 4, 5],
            );
            for (name, j) in [
                ("POST /query (q1)", &query_json),
                ("POST /transact (1 entity)", &tx_json),
            ] {
                table.add_row(vec![
                    name.to_string(),
                    j["requests"].to_string(),
                    format!("{:.0}", j["per_sec"].as_f64().unwrap_or(0.0)),
                    j["p50_ms"].to_string(),
                    j["p99_ms"].to_string(),
                    j["errors"].to_string(),
                ]);
            }
            output::print_text(&format!(
                "bench serve: {} clients for {:.1} s on http://{addr}, {} people loaded\n{table}",
                args.clients, elapsed, args.people
            ))?;
        }
    }
    match first_error {
        Some(e) if errors > 0 => Err(CliError::msg(format!(
            "{errors} request(s) failed; the first: {e}"
        ))),
        _ => Ok(()),
    }
}

/// One client until `deadline`: a query, then a one-entity transaction, again and again.
fn client_loop(
    addr: SocketAddr,
    client: u64,
    query_body: &str,
    deadline: Instant,
) -> (Series, Series) {
    let mut http = Client::new(addr, None);
    let (mut queries, mut transactions) = (Series::default(), Series::default());
    let mut i = 0u64;
    while Instant::now() < deadline {
        let began = Instant::now();
        queries.record(began, http.post_json("/query", query_body));
        let tx = json!({
            "tx_data": format!(
                "[{{:name \"Client\" :last-name \"Bench-{client}\" :sex :male :age {} :salary {i}}}]",
                i % 100
            )
        })
        .to_string();
        let began = Instant::now();
        transactions.record(began, http.post_json("/transact", &tx));
        i += 1;
    }
    (queries, transactions)
}
