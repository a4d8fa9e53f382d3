//! `cargo bench -p datolite-store --bench transact`: `Store::transact` of new entities — five
//! attributes each (long, double, string, instant, and a ref to an existing entity) — into an
//! existing LMDB database, the 124,000-datom one the scan bench reads
//! ([`support::database`]), freshly built for each function:
//!
//! - `transact_124k/1_entity_sync_none` and `transact_124k_1000/1000_entities_sync_none`: with
//!   `SyncMode::None` (LMDB `NOSYNC`), so the figure is the transactor's and the engine's work
//!   (tempids, schema checks, encoding, five index inserts per datom plus the log, statistics,
//!   the commit) and not the disk's fsync, which would dominate a one-entity transaction;
//! - `transact_124k/1_entity_full_sync`: the same one-entity transaction with the default full
//!   sync, what an application committing one fact at a time pays on this disk.
//!
//! The transactions are built outside the timed routine (`iter_batched`); each one adds new
//! entities with new values, so the database grows by every measured transaction (as a real
//! one does).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use datolite_kv::SyncMode;
use datolite_store::{EntityRef, Index, Store, StoreOptions, Tx};

mod support;

use support::{add_values, database, ENTITIES};

/// Attributes per new entity.
const ATTRIBUTES: usize = 5;

/// The 124,000-datom database with `sync`, and the id of an entity in it for the new entities'
/// `:bench/ref` to point at.
fn existing(sync: SyncMode) -> (Store, tempfile::TempDir, u64) {
    let mut options = StoreOptions::default();
    options.kv.sync = sync;
    let (store, dir) = database(options);
    let first = store
        .db()
        .expect("snapshot")
        .scan(Index::Aevt)
        .attribute(":bench/long")
        .limit(1)
        .collect()
        .expect("scan");
    (store, dir, first[0].e)
}

/// A transaction of `n` new entities; `next` numbers them across transactions so that every
/// transaction has values of its own (long values continue after the loaded ones).
fn new_entities(n: usize, next: &mut i64, target: u64) -> Tx {
    let mut tx = Tx::new();
    for _ in 0..n {
        let i = ENTITIES + *next;
        *next += 1;
        let e = tx.tempid(&format!("n{i}"));
        add_values(&mut tx, &e, i);
        tx.add(e, ":bench/ref", EntityRef::Id(target));
    }
    tx
}

/// Transacts one transaction of `n` new entities and checks, outside the timed loop, that it
/// adds `ATTRIBUTES × n` datoms of `n` new entities (plus the transaction's own datoms), all
/// assertions, that the database's datom count grows by exactly what the report lists, and
/// that each new entity reads back with its five datoms.
fn check(store: &Store, n: usize, next: &mut i64, target: u64) {
    let before = store.db().expect("snapshot").count().expect("count");
    let report = store
        .transact(new_entities(n, next, target).ops())
        .expect("transact");
    assert_eq!(report.tempids.len(), n, "one new entity per tempid");
    let new: Vec<u64> = report.tempids.values().copied().collect();
    let of_new = report.tx_data.iter().filter(|d| new.contains(&d.e)).count();
    assert_eq!(of_new, ATTRIBUTES * n);
    // Nothing else but the transaction's own datoms (its instant): the attributes exist.
    assert!(report
        .tx_data
        .iter()
        .all(|d| new.contains(&d.e) || d.e == report.tx));
    assert!(report.tx_data.iter().all(|d| d.added));
    let db = store.db().expect("snapshot");
    assert_eq!(
        db.count().expect("count") - before,
        report.tx_data.len() as u64
    );
    for &e in report.tempids.values() {
        assert_eq!(db.entity_datoms(e).expect("entity").len(), ATTRIBUTES);
    }
}

/// Benchmarks transactions of `n` new entities into a fresh 124,000-datom database synced with
/// `sync`, as the function `name` of `group`, after [`check`]ing one such transaction.
fn bench_transact(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    sync: SyncMode,
    n: usize,
) {
    let (store, _dir, target) = existing(sync);
    let mut next = 0i64;
    check(&store, n, &mut next, target);
    // A thousand-entity transaction (5,000 ops) is worth building one per iteration.
    let batch = if n == 1 {
        BatchSize::SmallInput
    } else {
        BatchSize::PerIteration
    };
    group.bench_function(name, |b| {
        b.iter_batched(
            || new_entities(n, &mut next, target),
            |tx| black_box(store.transact(tx.ops()).expect("transact")),
            batch,
        )
    });
}

fn transact(c: &mut Criterion) {
    let mut group = c.benchmark_group("transact_124k");
    bench_transact(&mut group, "1_entity_sync_none", SyncMode::None, 1);
    bench_transact(&mut group, "1_entity_full_sync", SyncMode::Full, 1);
    group.finish();

    // Milliseconds per iteration: criterion's default 100 linearly growing samples would need
    // minutes; ten flat samples give a stable figure without growing the database by gigabytes.
    let mut group = c.benchmark_group("transact_124k_1000");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    bench_transact(&mut group, "1000_entities_sync_none", SyncMode::None, 1_000);
    group.finish();
}

criterion_group!(benches, transact);
criterion_main!(benches);
