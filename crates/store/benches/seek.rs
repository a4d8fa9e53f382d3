//! `cargo bench -p datolite-store --bench seek`: point lookups in the 124,000-datom LMDB database
//! the scan bench reads ([`support::database`]), one random entity (or value) per iteration —
//! what pull, the entity API and a query's per-row index lookups do, where a full scan's cost
//! per datom says nothing about the cost of finding the first one. Side by side in one run:
//!
//! - `entity_datoms`: `Db::entity_datoms(e)`, an EAVT scan bound to `e` collected into owned
//!   datoms (a snapshot checkout, a seek, five decodes and allocations);
//! - `eavt_entity_for_each`: the same scan consumed by `Scan::for_each` (values borrowed, no
//!   allocation);
//! - `entity_reader`: `EntityReader::for_each_datom` on one held `Reader` (what pull uses: no
//!   checkout per entity, one cursor repositioned per entity), values decoded by
//!   `Reader::value_ref`;
//! - `avet_value`: the entity holding a given `:bench/long` value, an AVET scan bound to the
//!   attribute and the value (what a query clause `[?e :bench/long 1234]` reads).
//!
//! Entities and values are drawn by a fixed xorshift, so every run seeks the same sequence.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use datolite_store::{Db, Index, StoreOptions, Value, ValueRef};

mod support;

use support::{database, ENTITIES};

/// xorshift64: deterministic entity choices without a `rand` dependency (the CLI's generator).
struct XorShift(u64);

impl XorShift {
    /// Uniform in `0..n` (n > 0; the modulo bias does not matter for picking entities).
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n
    }
}

/// The five attributes every bench entity has.
const ATTRIBUTES: [&str; 5] = [
    ":bench/long",
    ":bench/double",
    ":bench/string",
    ":bench/instant",
    ":bench/ref",
];

/// Folds a value into a number, so the optimizer cannot drop the decoding.
fn touch(v: &ValueRef<'_>) -> u64 {
    match v {
        ValueRef::Long(n) | ValueRef::Instant(n) => *n as u64,
        ValueRef::Double(d) => d.to_bits(),
        ValueRef::String(s) => s.len() as u64,
        ValueRef::Ref(e) => *e,
        _ => 1,
    }
}

/// The entity ids, indexed by their `:bench/long` value (entity `i` of the load has value `i`),
/// read from AVET so the seeks below can be checked against an independent read.
fn entities_by_value(db: &Db) -> Vec<u64> {
    let mut ids = vec![0u64; ENTITIES as usize];
    db.scan(Index::Avet)
        .attribute(":bench/long")
        .for_each(|d| {
            match d.v {
                ValueRef::Long(i) => ids[i as usize] = d.e,
                ref other => panic!("a :bench/long of {other:?}"),
            }
            true
        })
        .expect("scan");
    assert!(ids.iter().all(|&e| e != 0), "every value 0..ENTITIES held");
    ids
}

/// Checks, outside the timed loops, that every lookup finds what it should: for a sample of
/// entities, each way of reading an entity gives its five datoms, one per bench attribute, all
/// of that entity, the same in every way; the AVET lookup of value `i` gives entity `i`.
fn check(db: &Db, ids: &[u64]) {
    let mut attribute_ids: Vec<u64> = ATTRIBUTES
        .iter()
        .map(|a| u64::from(db.attribute(a).expect("attribute").id))
        .collect();
    attribute_ids.sort_unstable();
    let long = u64::from(db.attribute(":bench/long").expect("attribute").id);
    let reader = db.reader().expect("reader");
    let entities = reader.entity_reader().expect("entity reader");
    // Every 997th entity: a spread over the whole key range, across the load's transactions.
    for (i, &e) in ids.iter().enumerate().step_by(997) {
        let owned = db.entity_datoms(e).expect("entity datoms");
        assert_eq!(owned.len(), 5, "entity {e}'s datoms");
        assert!(owned.iter().all(|d| d.e == e));
        let attrs: Vec<u64> = owned.iter().map(|d| d.a).collect();
        assert_eq!(
            attrs, attribute_ids,
            "one datom per bench attribute, in EAVT order"
        );
        let value = owned.iter().find(|d| d.a == long).map(|d| &d.v);
        assert_eq!(value, Some(&Value::Long(i as i64)));

        let mut borrowed = Vec::new();
        db.scan(Index::Eavt)
            .entity(e)
            .for_each(|d| {
                borrowed.push(d.to_owned());
                true
            })
            .expect("scan");
        assert_eq!(borrowed, owned);

        let mut raw = Vec::new();
        entities
            .for_each_datom(e, |d| {
                raw.push((d.e, u64::from(d.a), reader.value(d.v)?));
                Ok(true)
            })
            .expect("entity reader");
        let expected: Vec<_> = owned.iter().map(|d| (d.e, d.a, d.v.clone())).collect();
        assert_eq!(raw, expected);

        let found = db
            .scan(Index::Avet)
            .attribute(":bench/long")
            .value(&Value::Long(i as i64))
            .collect()
            .expect("avet");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].e, e);
    }
}

fn seeks(c: &mut Criterion) {
    let (store, _dir) = database(StoreOptions::default());
    let db = store.db().expect("snapshot");
    let ids = entities_by_value(&db);
    check(&db, &ids);
    let n = ids.len() as u64;

    let mut group = c.benchmark_group("seek_124k");
    group.bench_function("entity_datoms", |b| {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        b.iter(|| {
            let e = ids[rng.below(n) as usize];
            black_box(db.entity_datoms(black_box(e)).expect("entity datoms"))
        })
    });
    group.bench_function("eavt_entity_for_each", |b| {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        b.iter(|| {
            let e = ids[rng.below(n) as usize];
            let mut sum = 0u64;
            db.scan(Index::Eavt)
                .entity(black_box(e))
                .for_each(|d| {
                    sum = sum.wrapping_add(d.a ^ touch(&d.v));
                    true
                })
                .expect("scan");
            black_box(sum)
        })
    });
    group.bench_function("entity_reader", |b| {
        // One snapshot and cursor for the whole measurement, as a pull of many entities holds.
        let reader = db.reader().expect("reader");
        let entities = reader.entity_reader().expect("entity reader");
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        b.iter(|| {
            let e = ids[rng.below(n) as usize];
            let mut sum = 0u64;
            entities
                .for_each_datom(black_box(e), |d| {
                    sum = sum.wrapping_add(u64::from(d.a) ^ touch(&reader.value_ref(d.v)?));
                    Ok(true)
                })
                .expect("entity reader");
            black_box(sum)
        })
    });
    group.bench_function("avet_value", |b| {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        b.iter(|| {
            let value = Value::Long(rng.below(n) as i64);
            let mut found = 0u64;
            db.scan(Index::Avet)
                .attribute(":bench/long")
                .value(black_box(&value))
                .for_each(|d| {
                    found = d.e;
                    true
                })
                .expect("scan");
            black_box(found)
        })
    });
    group.finish();
}

criterion_group!(benches, seeks);
criterion_main!(benches);
