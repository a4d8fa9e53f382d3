//! `cargo bench -p datolite-store`: scans of a 124,000-datom LMDB database against the bare
//! engine cursor over the same table, measured in one run so the ratio is meaningful on a
//! noisy machine (`datolite bench scan` reports the same figures from the CLI); then, after
//! `:bench/long` and `:bench/string` of every tenth entity are replaced, decoded scans of the
//! current state, of the state as of before, and of the history (`datolite bench time` from
//! the CLI).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use datolite_kv::Table;
use datolite_store::StoreOptions;
use datolite_store::{EntityRef, Index, Store, Tx, ValueRef};

mod support;

use support::{database, ENTITIES};

/// The shared database ([`support::database`]) with the default options, its size checked once
/// so a broken loader fails here instead of timing scans of a smaller database.
fn checked_database() -> (Store, tempfile::TempDir) {
    let (store, dir) = database(StoreOptions::default());
    let db = store.db().expect("snapshot");
    assert_eq!(
        db.count_attribute(":bench/long").expect("count"),
        ENTITIES as u64
    );
    (store, dir)
}

fn touch(v: &ValueRef<'_>) -> u64 {
    match v {
        ValueRef::Long(n) | ValueRef::Instant(n) => *n as u64,
        ValueRef::Double(d) => d.to_bits(),
        ValueRef::String(s) | ValueRef::Keyword(s) => s.len() as u64,
        ValueRef::Ref(e) => *e,
        _ => 1,
    }
}

fn scans(c: &mut Criterion) {
    let (store, _dir) = checked_database();
    let db = store.db().expect("snapshot");
    let mut group = c.benchmark_group("eavt_124k");
    group.bench_function("raw_engine_scan", |b| {
        b.iter(|| black_box(store.engine().raw_scan(Table::Eavt).expect("raw")))
    });
    group.bench_function("scan_keys_only", |b| {
        b.iter(|| {
            let mut n = 0u64;
            db.scan(Index::Eavt)
                .for_each_key(|_| {
                    n += 1;
                    true
                })
                .expect("scan");
            black_box(n)
        })
    });
    group.bench_function("scan_decoded", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            db.scan(Index::Eavt)
                .for_each(|d| {
                    sum = sum.wrapping_add(d.e ^ touch(&d.v));
                    true
                })
                .expect("scan");
            black_box(sum)
        })
    });
    group.bench_function("parallel_2_decoded", |b| {
        b.iter(|| {
            black_box(
                db.scan(Index::Eavt)
                    .parallel(2)
                    .fold(|| 0u64, |n, d| *n += touch(&d.v) & 1, |a, b| a + b)
                    .expect("scan"),
            )
        })
    });
    group.bench_function("count_statistics", |b| {
        b.iter(|| black_box(db.count().expect("count")))
    });
    group.finish();
}

/// Decoded EAVT scan, summing what it reads.
fn decoded(db: &datolite_store::Db) -> u64 {
    let mut sum = 0u64;
    db.scan(Index::Eavt)
        .for_each(|d| {
            sum = sum.wrapping_add(d.e ^ touch(&d.v) ^ u64::from(d.added));
            true
        })
        .expect("scan");
    sum
}

fn views(c: &mut Criterion) {
    let (store, _dir) = checked_database();
    let before = store.db().expect("snapshot").basis_t();
    let mut tx = Tx::new();
    let db = store.db().expect("snapshot");
    let mut i = 0u64;
    db.scan(Index::Aevt)
        .attribute(":bench/long")
        .for_each(|d| {
            if i.is_multiple_of(10) {
                tx.add(EntityRef::Id(d.e), ":bench/long", -(d.e as i64));
                tx.add(EntityRef::Id(d.e), ":bench/string", "replaced");
            }
            i += 1;
            true
        })
        .expect("scan");
    store.transact(tx.ops()).expect("replace");
    let db = store.db().expect("snapshot");
    let as_of = db
        .as_of(datolite_store::TimePoint::T(before))
        .expect("as of");
    let history = db.history();
    let mut group = c.benchmark_group("eavt_124k_views");
    group.bench_function("current_decoded", |b| b.iter(|| black_box(decoded(&db))));
    group.bench_function("as_of_decoded", |b| b.iter(|| black_box(decoded(&as_of))));
    group.bench_function("history_decoded", |b| {
        b.iter(|| black_box(decoded(&history)))
    });
    group.finish();
}

criterion_group!(benches, scans, views);
criterion_main!(benches);
