//! `cargo bench -p datolite --bench people`: q1–q4 of the datascript-bench "people" workload
//! through the public API (`Database`, `DbQueries::q_edn`), the criterion counterpart of
//! `datolite bench people` (which reports a median of N runs; this reports confidence
//! intervals). The data: 20,000 people with `:name :last-name :sex :age :salary` (100,000
//! datoms), loaded in one transaction into a fresh LMDB database with no schema declared
//! (attributes installed on first use), exactly as the CLI loads them.
//!
//! The generator is a copy of `people_tx` in `crates/cli/src/commands/people.rs` (same seed, same
//! name lists, same order of draws): the CLI is a binary-only crate, so it cannot be depended
//! on, and moving the generator into the `datolite` library would put benchmark data in its
//! public API. Keep the two in step; the row counts both report must agree.

use std::collections::{BTreeSet, HashMap};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use datolite::{Database, Db, DbQueries, Index, StoreOptions, Tx, TxValue, Value};

/// People generated (as `datolite bench people` by default).
const PEOPLE: u64 = 20_000;

/// First names (`people.rs`'s `NAMES`).
const NAMES: [&str; 8] = [
    "Ivan", "Petr", "Sergei", "Oleg", "Yuri", "Dmitry", "Fedor", "Denis",
];
/// Last names (`people.rs`'s `LAST_NAMES`).
const LAST_NAMES: [&str; 6] = [
    "Ivanov",
    "Petrov",
    "Sidorov",
    "Kovalev",
    "Kuznetsov",
    "Voronoi",
];

/// q1–q4, verbatim from `people.rs`'s `QUERIES`.
const QUERIES: [(&str, &str); 4] = [
    ("q1", "[:find ?e :where [?e :name \"Ivan\"]]"),
    ("q2", "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a]]"),
    (
        "q3",
        "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a] [?e :sex :male]]",
    ),
    (
        "q4",
        "[:find ?e ?l ?a :where [?e :name \"Ivan\"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]",
    ),
];

/// xorshift64, as the CLI's `rng::XorShift`.
struct XorShift(u64);

impl XorShift {
    /// Uniform in `0..n` (`XorShift::below`).
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n
    }
}

/// The people as one transaction of entity maps (`people.rs`'s `people_tx`).
fn people_tx(people: u64) -> Tx {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut tx = Tx::new();
    for _ in 0..people {
        let name = NAMES[rng.below(NAMES.len() as u64) as usize];
        let last = LAST_NAMES[rng.below(LAST_NAMES.len() as u64) as usize];
        let sex = if rng.below(2) == 0 {
            ":male"
        } else {
            ":female"
        };
        let age = rng.below(100) as i64;
        let salary = rng.below(100_000) as i64;
        let attrs: Vec<(&str, TxValue)> = vec![
            (":name", name.into()),
            (":last-name", last.into()),
            (":sex", Value::keyword(sex).into()),
            (":age", age.into()),
            (":salary", salary.into()),
        ];
        tx.map(None, attrs);
    }
    tx
}

/// Every value of attribute `attr`, per entity, read from AEVT.
fn values_of(db: &Db, attr: &str) -> HashMap<u64, Vec<Value>> {
    let mut values: HashMap<u64, Vec<Value>> = HashMap::new();
    db.scan(Index::Aevt)
        .attribute(attr)
        .for_each(|d| {
            values.entry(d.e).or_default().push(d.v.to_owned());
            true
        })
        .expect("scan");
    values
}

/// The rows q1–q4 must return, computed from index scans without the query engine: the
/// distinct tuples of each query's find variables over the people matching its clauses.
fn expected_rows(db: &Db) -> [usize; 4] {
    let names = values_of(db, ":name");
    let last_names = values_of(db, ":last-name");
    let sexes = values_of(db, ":sex");
    let ages = values_of(db, ":age");
    let none = Vec::new();
    let of = |m: &HashMap<u64, Vec<Value>>, e: u64| m.get(&e).unwrap_or(&none).clone();
    let ivan = Value::String("Ivan".into());
    let male = Value::keyword(":male");
    let mut q1 = BTreeSet::new();
    let mut q2 = BTreeSet::new();
    let mut q3 = BTreeSet::new();
    let mut q4 = BTreeSet::new();
    for (&e, name) in &names {
        if !name.contains(&ivan) {
            continue;
        }
        q1.insert(e);
        let is_male = of(&sexes, e).contains(&male);
        for a in of(&ages, e) {
            q2.insert((e, a.clone()));
            if is_male {
                q3.insert((e, a.clone()));
                for l in of(&last_names, e) {
                    q4.insert((e, l, a.clone()));
                }
            }
        }
    }
    [q1.len(), q2.len(), q3.len(), q4.len()]
}

fn people(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = Database::open(dir.path(), StoreOptions::default()).expect("open");
    let report = database.transact_tx(&people_tx(PEOPLE)).expect("load");
    let db = database.db().expect("snapshot");
    // Once, outside the timed loops: the load made 5 datoms per person, and each query returns
    // the rows an index scan says it must (a non-zero number: the data has Ivans of both sexes).
    // (The report also lists the transaction's instant and the five attributes' installation.)
    let attributes: Vec<u64> = [":name", ":last-name", ":sex", ":age", ":salary"]
        .iter()
        .map(|a| u64::from(db.attribute(a).expect("attribute").id))
        .collect();
    let people_datoms = report
        .tx_data
        .iter()
        .filter(|d| d.added && attributes.contains(&d.a))
        .count();
    assert_eq!(people_datoms as u64, 5 * PEOPLE);
    assert_eq!(
        db.count_attribute(":name").expect("count"),
        PEOPLE,
        "one :name per person"
    );
    let expected = expected_rows(&db);
    // Printed so they can be compared with `datolite bench people`'s q1_rows … q4_rows.
    eprintln!("people_20k: q1-q4 return {expected:?} rows");
    for ((name, query), rows) in QUERIES.iter().zip(expected) {
        assert!(rows > 0, "{name} expects rows");
        let result = db.q_edn(query, &[]).expect("query");
        assert_eq!(result.row_count(), rows, "{name} rows");
    }

    let mut group = c.benchmark_group("people_20k");
    for (name, query) in QUERIES {
        group.bench_function(name, |b| {
            b.iter(|| black_box(db.q_edn(black_box(query), &[]).expect("query")))
        });
    }
    group.finish();
}

criterion_group!(benches, people);
criterion_main!(benches);
