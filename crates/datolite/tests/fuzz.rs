//! Fuzz targets on stable Rust, run for a bounded time by `cargo test`: the EDN reader, the
//! query parser (and planner and executor, on a small database), transaction data (parsed and
//! transacted) and the key and value decoders. Inputs are random bytes, grammar-shaped
//! fragments and mutations of valid seeds (cut, duplicated, flipped, spliced). A target passes
//! when no input panics — every bad input is an error — and a failed transaction leaves the
//! database as it was. A panic names the input, to be pasted into `regressions()` below.
//!
//! `DATOLITE_FUZZ_SECS` sets the time per target (default 2 s); the counts of inputs tried
//! print with `--nocapture`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use datolite::{Database, DbQueries, Index};
use datolite_store::encoding::{decode_key, decode_log_chunk, decode_log_key, decode_value};
use datolite_store::transactor::parse_tx_data;

/// A small deterministic generator: each target's run is reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const EDN_SEEDS: &[&str] = &[
    "[:find ?e :where [?e :name \"Ivan\"]]",
    "{:a 1, :b [1 2.5 3M 4N] #{:x} \"s\\n\" \\c #inst \"2024-01-02T03:04:05Z\"}",
    "#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\" #_ ignored (1 (2 (3)))",
    ";; comment\n:ns/kw sym/bol 1/2 -0.0 ##NaN ##Inf nil true false",
    "#:person{:name \"A\" :age 3} ^{:meta 1} [x]",
];

const QUERY_SEEDS: &[&str] = &[
    "[:find ?n :where [?e :name ?n]]",
    "[:find ?n (count ?f) :with ?e :where [?e :name ?n] [?e :friend ?f]]",
    "[:find ?e . :in $ ?x :where [?e :age ?a] [(< ?a ?x)]]",
    "[:find [?n ...] :in $ % :where (follows ?a ?b) [?b :name ?n]]",
    "[:find ?e :where [?e :name _] (not [?e :age 3]) (or [?e :age 1] [?e :age 2])]",
    "[:find (pull ?e [:name {:friend [:name]}]) :where [?e :age ?a] [(get-else $ ?e :nick \"-\") ?k]]",
    "{:find [?e] :where [[?e :age ?a] [(* ?a 2) ?b] [(> ?b 3)]]}",
];

const TX_SEEDS: &[&str] = &[
    "[{:db/id \"a\" :name \"Ann\" :age 3 :friend \"b\"} {:db/id \"b\" :name \"Bob\"}]",
    "[[:db/add -1 :name \"Cid\"] [:db/retract 17592186045418 :age 3]]",
    "[[:db/retractEntity [:email \"x@y\"]] [:db/cas 17592186045418 :age 3 4]]",
    "[{:db/ident :new/attr :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]",
    "[{:name \"D\" :friend {:name \"E\"} :_friend [\"a\"]}]",
];

const FRAGMENTS: &[&str] = &[
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    "#{",
    "\"",
    "\\",
    "#",
    "#_",
    "^",
    ":",
    "?",
    "?e",
    "$",
    "%",
    "_",
    ":find",
    ":where",
    ":in",
    ":with",
    ":keys",
    ".",
    "...",
    "[?e :name ?n]",
    "(not",
    "(or",
    "(and",
    "(pull ?e [*])",
    "(count ?e)",
    "[(< ?a 3)]",
    "-1",
    "1e999",
    "9223372036854775808",
    "\"s\"",
    "#inst",
    "#uuid",
    ":db/id",
    ":db/add",
    ":db.fn/retractEntity",
    "nil",
    " ",
    "\n",
    ";",
    "\u{0}",
    "é",
    "\u{FEFF}",
    "1/0",
    "0x1F",
    "+",
    "-",
    "M",
    "N",
];

/// One input: random bytes, fragments, or a mutated seed.
fn input(rng: &mut Rng, seeds: &[&str]) -> String {
    match rng.below(4) {
        0 => {
            let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        1 => (0..rng.below(24)).map(|_| rng.pick(FRAGMENTS)).collect(),
        _ => {
            let mut text: Vec<char> = rng.pick(seeds).chars().collect();
            for _ in 0..=rng.below(4) {
                let at = rng.below(text.len() + 1);
                match rng.below(4) {
                    0 if at < text.len() => {
                        text.remove(at);
                    }
                    1 => text
                        .splice(at..at, rng.pick(FRAGMENTS).chars())
                        .for_each(drop),
                    2 => text.truncate(at),
                    _ => {
                        let end = (at + rng.below(8)).min(text.len());
                        let copy: Vec<char> = text[at.min(end)..end].to_vec();
                        text.splice(at..at, copy).for_each(drop);
                    }
                }
            }
            text.into_iter().collect()
        }
    }
}

/// Runs `target` on text inputs for the time budget, the regressions first.
fn fuzz(name: &str, seed: u64, seeds: &[&str], mut target: impl FnMut(&str)) {
    let known: Vec<String> = regressions().into_iter().map(String::from).collect();
    fuzz_inputs(
        name,
        seed,
        &known,
        |rng| input(rng, seeds),
        |text| target(text),
    );
}

/// Runs `target` on each of `known`, then on inputs `generate` makes until the time budget
/// (`DATOLITE_FUZZ_SECS`, default 2 s) is spent; a panic fails naming the input.
fn fuzz_inputs<I: std::fmt::Debug>(
    name: &str,
    seed: u64,
    known: &[I],
    mut generate: impl FnMut(&mut Rng) -> I,
    mut target: impl FnMut(&I),
) {
    let secs: f64 = std::env::var("DATOLITE_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2.0);
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut run_one = |input: &I| {
        if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
            panic!("fuzz {name}: input {input:?} panicked; add it to regressions()");
        }
    };
    known.iter().for_each(&mut run_one);
    let mut rng = Rng(seed);
    let mut tried = 0u64;
    while Instant::now() < deadline {
        run_one(&generate(&mut rng));
        tried += 1;
    }
    eprintln!("fuzz {name}: {tried} inputs in {secs} s, no panic");
}

/// Inputs that once panicked (or came close), run by every target first.
fn regressions() -> Vec<&'static str> {
    vec![
        "",
        "[:find ?e :where]",
        "[:find (count) :where [?e :a]]",
        "#inst \"99999-01-01\"",
        "[[:db/add \"x\" :db/ident :db/ident]]",
    ]
}

fn people() -> Database {
    let db = Database::memory().expect("memory database");
    db.transact(
        "[{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
          {:db/ident :email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
          {:db/ident :age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
          {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
          {:db/id \"a\" :name \"Ann\" :email \"x@y\" :age 3 :friend \"b\"}
          {:db/id \"b\" :name \"Bob\" :age 1 :friend \"a\"}]",
    )
    .expect("seed data");
    db
}

#[test]
fn fuzz_the_edn_reader() {
    fuzz("edn", 0x9E37_79B9_7F4A_7C15, EDN_SEEDS, |text| {
        let _ = datolite::edn::parse(text);
    });
}

#[test]
fn fuzz_the_query_parser_planner_and_executor() {
    let db = people().db().expect("snapshot");
    let rules =
        "[[(follows ?a ?b) [?a :friend ?b]] [(follows ?a ?b) [?a :friend ?x] (follows ?x ?b)]]";
    fuzz("query", 0xD1B5_4A32_D192_ED03, QUERY_SEEDS, |text| {
        let _ = datolite_query::parse_query(text);
        let _ = db.q_edn(text, &["2"]);
        let _ = db.q_edn(text, &[rules]);
    });
}

#[test]
fn fuzz_transaction_data() {
    let db = people();
    fuzz("tx-data", 0x8CB9_2BA7_2F3D_8DD7, TX_SEEDS, |text| {
        let _ = parse_tx_data(text);
        let before = db.db().expect("snapshot").basis_t();
        if db.transact(text).is_err() {
            let after = db.db().expect("snapshot").basis_t();
            assert_eq!(
                before, after,
                "a failed transaction changed the database: {text:?}"
            );
        }
    });
}

#[test]
fn fuzz_the_key_and_value_decoders() {
    let bytes =
        |rng: &mut Rng| -> Vec<u8> { (0..rng.below(48)).map(|_| rng.next() as u8).collect() };
    fuzz_inputs("keys", 0x94D0_49BB_1331_11EB, &[], bytes, |bytes| {
        for index in [Index::Eavt, Index::Aevt, Index::Avet, Index::Vaet] {
            let _ = decode_key(index, bytes);
        }
        let _ = decode_log_key(bytes);
        let split = bytes.len().min(12);
        let _ = decode_log_chunk(&bytes[..split], &bytes[split..], |_| true);
        let _ = decode_value(bytes);
    });
}
