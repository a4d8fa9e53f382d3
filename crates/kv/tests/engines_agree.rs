//! Property test: random transactions applied to both engines leave identical tables, seen
//! through scans in both directions, random ranges and cursor seeks.

mod common;

use std::ops::Bound;

use common::scan;
use datolite_kv::{Direction, Engine, KeyRange, KvError, ReadOps, Table};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Put(usize, Vec<u8>, Vec<u8>),
    PutSorted(usize, Vec<u8>, Vec<u8>),
    Delete(usize, Vec<u8>),
}

/// Short keys over a tiny alphabet, so puts, overwrites and deletes collide often.
fn key() -> impl Strategy<Value = Vec<u8>> {
    // Up to 11 bytes: LMDB's comparator treats the first 8 bytes of a key apart.
    prop::collection::vec(prop::sample::select(vec![0u8, 1, 2, 0x7F, 0xFF]), 1..12)
}

fn op() -> impl Strategy<Value = Op> {
    let table = 0usize..2;
    let value = prop::collection::vec(any::<u8>(), 0..8);
    prop_oneof![
        4 => (table.clone(), key(), value.clone()).prop_map(|(t, k, v)| Op::Put(t, k, v)),
        2 => (table.clone(), key(), value).prop_map(|(t, k, v)| Op::PutSorted(t, k, v)),
        2 => (table, key()).prop_map(|(t, k)| Op::Delete(t, k)),
    ]
}

/// A transaction: its operations and whether the body fails at the end (abort).
fn txn() -> impl Strategy<Value = (Vec<Op>, bool)> {
    (
        prop::collection::vec(op(), 0..20),
        prop::bool::weighted(0.2),
    )
}

fn bound() -> impl Strategy<Value = Bound<Vec<u8>>> {
    prop_oneof![
        Just(Bound::Unbounded),
        key().prop_map(Bound::Included),
        key().prop_map(Bound::Excluded),
    ]
}

fn range() -> impl Strategy<Value = KeyRange> {
    prop_oneof![
        (bound(), bound()).prop_map(|(start, end)| KeyRange { start, end }),
        key().prop_map(|k| KeyRange::prefix(&k[..1])),
    ]
}

const TABLES: [Table; 2] = [Table::Eavt, Table::Avet];

fn apply(engine: &dyn Engine, ops: &[Op], abort: bool) {
    let result = engine.write(&mut |txn| {
        for op in ops {
            match op {
                Op::Put(t, k, v) => txn.put(TABLES[*t], k, v)?,
                Op::PutSorted(t, k, v) => txn.put_sorted(TABLES[*t], k, v)?,
                Op::Delete(t, k) => {
                    txn.delete(TABLES[*t], k)?;
                }
            }
        }
        if abort {
            Err(KvError::Aborted)
        } else {
            Ok(())
        }
    });
    assert_eq!(result.is_err(), abort, "{result:?}");
}

/// Everything a cursor over `range` yields, interleaving seeks to `targets`.
fn cursor_walk(
    txn: &dyn ReadOps,
    table: Table,
    range: &KeyRange,
    direction: Direction,
    targets: &[Vec<u8>],
) -> Vec<Option<Vec<u8>>> {
    let mut cursor = txn.cursor(table, range.clone(), direction).unwrap();
    let mut out = Vec::new();
    for target in targets {
        out.push(cursor.next().unwrap().map(|(k, _)| k.to_vec()));
        out.push(cursor.seek(target).unwrap().map(|(k, _)| k.to_vec()));
    }
    out.push(cursor.next().unwrap().map(|(k, _)| k.to_vec()));
    out
}

/// What [`cursor_walk`] must return, computed on a plain sorted list: `in_range` holds the
/// range's keys in the cursor's direction.
fn model_walk(
    in_range: &[Vec<u8>],
    direction: Direction,
    targets: &[Vec<u8>],
) -> Vec<Option<Vec<u8>>> {
    let mut position = 0;
    let next = |position: &mut usize| {
        let item = in_range.get(*position).cloned();
        *position += 1;
        item
    };
    let mut out = Vec::new();
    for target in targets {
        out.push(next(&mut position));
        position = in_range
            .iter()
            .position(|k| match direction {
                Direction::Forward => k >= target,
                Direction::Reverse => k <= target,
            })
            .unwrap_or(in_range.len());
        out.push(next(&mut position));
    }
    out.push(next(&mut position));
    out
}

/// Every key of `range` through [`ReadOps::scan_keys`] (chunks).
fn chunked_keys(
    txn: &dyn ReadOps,
    table: Table,
    range: &KeyRange,
    direction: Direction,
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    txn.scan_keys(table, range, direction, &mut |chunk| {
        out.extend(chunk.iter().map(|k| k.to_vec()));
        datolite_kv::Visit::Continue
    })
    .unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn engines_agree(
        txns in prop::collection::vec(txn(), 1..6),
        ranges in prop::collection::vec(range(), 1..6),
        targets in prop::collection::vec(key(), 0..6),
    ) {
        // The memory engine is the reference; every on-disk engine of the build must match it.
        let memory = common::memory();
        let disks = common::disk_engines();
        for (ops, abort) in &txns {
            apply(&*memory.engine, ops, *abort);
            for disk in &disks {
                apply(&*disk.engine, ops, *abort);
            }
        }
        let m = memory.engine.read().unwrap();
        for disk in &disks {
            let name = disk.engine.name();
            let l = disk.engine.read().unwrap();
            for table in TABLES {
                for direction in [Direction::Forward, Direction::Reverse] {
                    let all = scan(&*m, table, &KeyRange::all(), direction);
                    prop_assert_eq!(&all, &scan(&*l, table, &KeyRange::all(), direction), "{}", name);
                    for range in &ranges {
                        let expected: Vec<_> = {
                            let mut v: Vec<_> = all.iter().filter(|(k, _)| range.contains(k)).cloned().collect();
                            if direction == Direction::Reverse { v.sort(); v.reverse(); } else { v.sort(); }
                            v
                        };
                        prop_assert_eq!(&scan(&*m, table, range, direction), &expected, "memory {:?}", range);
                        prop_assert_eq!(&scan(&*l, table, range, direction), &expected, "{} {:?}", name, range);
                        let in_range: Vec<Vec<u8>> = expected.iter().map(|(k, _)| k.clone()).collect();
                        prop_assert_eq!(&chunked_keys(&*l, table, range, direction), &in_range, "{} scan_keys {:?}", name, range);
                        let model = model_walk(&in_range, direction, &targets);
                        prop_assert_eq!(
                            &cursor_walk(&*m, table, range, direction, &targets),
                            &model,
                            "memory cursor {:?} {:?}",
                            range,
                            direction
                        );
                        prop_assert_eq!(
                            &cursor_walk(&*l, table, range, direction, &targets),
                            &model,
                            "{} cursor {:?} {:?}",
                            name,
                            range,
                            direction
                        );
                    }
                }
                for (k, v) in scan(&*m, table, &KeyRange::all(), Direction::Forward) {
                    prop_assert_eq!(l.get(table, &k).unwrap().map(|v| v.into_owned()), Some(v.clone()), "{}", name);
                }
            }
        }
    }
}
