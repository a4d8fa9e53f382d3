//! The bulk loader against the transactor: the same transactions, run one by one with
//! `Store::transact` or fed to `Store::bulk_load`, must leave identical tables — every key and
//! value of every table, statistics and meta included — on random inputs that upsert, refer
//! across transactions by lookup ref, replace cardinality-one values, keep composite tuples
//! (one of them unique), retract, retract entities,
//! store long values and change the schema halfway — into a new database or one that already
//! holds data. A failing transaction fails the whole load and leaves the database as it was.

mod common;

use common::{dump, memory};
use datolite_store::{BulkOptions, BulkReport, Store, StoreOptions};

/// Deterministic pseudo-random numbers (a PCG step), so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SCHEMA: &str = r#"[
 {:db/ident :p/id :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :p/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/value}
 {:db/ident :p/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :p/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
 {:db/ident :p/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :p/best :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
 {:db/ident :p/bio :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :p/pet :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}
 {:db/ident :pet/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :p/name+age :db/valueType :db.type/tuple :db/tupleAttrs [:p/name :p/age] :db/cardinality :db.cardinality/one}
 {:db/ident :p/email+name :db/valueType :db.type/tuple :db/tupleAttrs [:p/email :p/name] :db/cardinality :db.cardinality/one :db/unique :db.unique/value}]"#;

/// The schema change made halfway: a new attribute, `:p/code` made unique and `:p/age` made
/// cardinality many.
const SCHEMA_CHANGE: &str = r#"[
 {:db/ident :p/score :db/valueType :db.type/double :db/cardinality :db.cardinality/one}
 {:db/id :p/age :db/cardinality :db.cardinality/many}]"#;

/// One random transaction (EDN), with its instant set so both paths write the same datoms.
fn transaction(rng: &mut Rng, t: u64, ids: u64, late: bool) -> String {
    let mut ops = Vec::new();
    let n = 1 + rng.below(12);
    for i in 0..n {
        let k = rng.below(ids);
        let op = match rng.below(14) {
            0..=5 => {
                let mut map = format!("{{:db/id \"e{i}\" :p/id {k} :p/name \"n{}\"", rng.below(50));
                if rng.below(3) == 0 {
                    map += &format!(" :p/email \"m{}@x\"", rng.below(ids * 4));
                }
                if rng.below(2) == 0 {
                    map += &format!(" :p/age {}", rng.below(90));
                }
                if rng.below(2) == 0 {
                    map += &format!(" :p/tags [:t{} :t{}]", rng.below(6), rng.below(6));
                }
                if i > 0 && rng.below(3) == 0 {
                    map += &format!(" :p/friend \"e{}\"", rng.below(i));
                }
                if rng.below(4) == 0 {
                    map += &format!(" :p/best [:p/id {}]", rng.below(ids));
                }
                if rng.below(6) == 0 {
                    map += &format!(
                        " :p/bio \"{}\"",
                        "long text ".repeat(20 + rng.below(5) as usize)
                    );
                }
                if rng.below(8) == 0 {
                    map += &format!(" :p/pet {{:pet/name \"pet{}\"}}", rng.below(100));
                }
                if late && rng.below(3) == 0 {
                    map += &format!(" :p/score {}.5", rng.below(20));
                }
                map + "}"
            }
            6 | 7 => format!("[:db/add [:p/id {k}] :p/age {}]", rng.below(90)),
            8 => format!("[:db/add [:p/id {k}] :p/name \"n{}\"]", rng.below(50)),
            9 => format!("[:db/retract [:p/id {k}] :p/tags :t{}]", rng.below(6)),
            10 => format!("[:db/retract [:p/id {k}] :p/name]"),
            11 => format!("[:db/retractEntity [:p/id {k}]]"),
            12 => format!("[:db/add [:p/id {k}] :p/friend [:p/id {}]]", rng.below(ids)),
            _ => format!("[:db/cas [:p/id {k}] :p/age nil {}]", rng.below(90)),
        };
        ops.push(op);
    }
    ops.push(instant(t));
    format!("[{}]", ops.join(" "))
}

/// The transaction-entity map setting the instant of the `t`-th transaction: one second apart
/// from 2020 on, the same on both paths.
fn instant(t: u64) -> String {
    let ms = 1_577_836_800_000u64 + t * 1000;
    format!(
        "{{:db/id \"datomic.tx\" :db/txInstant #inst \"{}\"}}",
        datolite_edn::format_inst_millis(ms as i64)
    )
}

/// Transactions that each succeed on `oracle`, run one by one (failing ones are dropped).
fn successful_transactions(oracle: &Store, seed: u64, count: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let ids = 5 + rng.below(40);
    let mut kept = vec![format!("[{} {}]", &SCHEMA[1..SCHEMA.len() - 1], instant(0))];
    oracle.transact_edn(&kept[0]).unwrap();
    let mut t = 1;
    for i in 0..count {
        let text = if i == count / 2 {
            format!(
                "[{} {}]",
                &SCHEMA_CHANGE[1..SCHEMA_CHANGE.len() - 1],
                instant(t)
            )
        } else {
            transaction(&mut rng, t, ids, i > count / 2)
        };
        if oracle.transact_edn(&text).is_ok() {
            kept.push(text);
            t += 1;
        }
    }
    kept
}

fn bulk(store: &Store, transactions: &[String], budget: usize) -> Result<BulkReport, String> {
    let options = BulkOptions {
        memory_budget: budget,
        spill_dir: None,
    };
    store
        .bulk_load(&options, |loader| {
            for text in transactions {
                loader.transact(&datolite_store::transactor::parse_tx_data(text)?)?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}

#[test]
fn bulk_load_leaves_the_tables_the_transactor_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let (mut early_writes, mut spilled, mut composites) = (0, 0, 0);
    for seed in 0..40u64 {
        let oracle = memory();
        let transactions = successful_transactions(&oracle, seed, 60);
        let expected = dump(&oracle);
        let db = oracle.db().unwrap();
        composites += db.count_attribute(":p/email+name").unwrap();
        // On both engines, with keys spilled to files (tiny budget) and kept in memory.
        let on_disk = Store::open(
            Some(&dir.path().join(format!("db{seed}"))),
            StoreOptions::default(),
        )
        .unwrap();
        let budget = if seed % 2 == 0 { 256 } else { 64 << 20 };
        let report = bulk(&on_disk, &transactions, budget).unwrap();
        assert_eq!(report.transactions, transactions.len() as u64);
        early_writes += report.early_writes;
        spilled += report.spilled_runs;
        assert_eq!(
            dump(&on_disk),
            expected,
            "seed {seed}: LMDB bulk load differs"
        );
        // On the memory engine, into a database that already holds the first part of the
        // transactions (the loaded keys then go into the middle of the trees).
        let in_memory = memory();
        let split = (seed as usize * 7) % transactions.len();
        for text in &transactions[..split] {
            in_memory.transact_edn(text).unwrap();
        }
        bulk(&in_memory, &transactions[split..], 1 << 10).unwrap();
        assert_eq!(
            dump(&in_memory),
            expected,
            "seed {seed}: memory bulk load differs"
        );
        // The loaded store goes on like the oracle.
        let next = "[{:db/id \"z\" :p/id 999999 :p/name \"after\"}]";
        let a = oracle.transact_edn(next).unwrap();
        let b = on_disk.transact_edn(next).unwrap();
        assert_eq!((a.t, a.tempids), (b.t, b.tempids));
        assert!(on_disk.check().unwrap().is_clean(), "seed {seed}");
    }
    // The inputs reach both the early writes (retractions) and the spill files.
    assert!(early_writes > 0 && spilled > 0, "{early_writes} {spilled}");
    assert!(composites > 0, "no unique composite tuple was ever written");
}

#[test]
fn a_failing_transaction_fails_the_whole_load_and_changes_nothing() {
    let oracle = memory();
    let mut transactions = successful_transactions(&oracle, 7, 30);
    let store = memory();
    store.transact_edn(&transactions[0]).unwrap();
    let before = dump(&store);
    transactions.push("[{:db/id \"x\" :p/id \"not a number\"}]".into());
    let error = bulk(&store, &transactions[1..], 256).unwrap_err();
    assert!(error.contains(":p/id"), "{error}");
    assert_eq!(dump(&store), before);
}
