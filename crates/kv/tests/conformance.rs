//! One suite, run against every engine (memory, LMDB, RocksDB in builds with the `rocksdb`
//! feature, PostgreSQL in builds with the `postgres` feature given a server in
//! `DATOLITE_PG_URL`): they must be indistinguishable through the traits.

mod common;

use std::ops::Bound;

use common::{drain, key, keys, put_all, scan};
use datolite_kv::{write_with, Direction, Engine, KeyRange, KvError, Table, Visit, MAX_KEY_LEN};

use Direction::{Forward, Reverse};

/// Runs every listed test function against a memory engine, an LMDB engine and (with the
/// feature) a RocksDB engine.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[test] fn $name() { super::$name(&*super::common::memory().engine) })*
        }
        mod lmdb {
            $(#[test] fn $name() { let fixture = super::common::lmdb(); super::$name(&*fixture.engine) })*
        }
        #[cfg(feature = "rocksdb")]
        mod rocksdb {
            $(#[test] fn $name() { let fixture = super::common::rocksdb(); super::$name(&*fixture.engine) })*
        }
        // Skipped, saying so on stderr, without a server in DATOLITE_PG_URL.
        #[cfg(feature = "postgres")]
        mod postgres {
            $(#[test] fn $name() { if let Some(fixture) = super::common::postgres() { super::$name(&*fixture.engine) } })*
        }
    };
}

conformance!(
    put_get_delete,
    tables_are_separate,
    scan_ranges_forward_and_reverse,
    scan_stops_when_asked,
    first_and_any,
    cursor_forward_next_and_seek,
    cursor_reverse_next_and_seek,
    write_sees_its_own_writes,
    failed_body_writes_nothing,
    snapshot_isolation,
    read_group_sees_one_state,
    read_group_under_concurrent_writes,
    put_sorted_equals_put,
    append_keys_stores_every_key,
    key_limits,
    snapshots_move_between_threads,
    size_grows_with_data,
);

fn put_get_delete(engine: &dyn Engine) {
    put_all(engine, Table::Eavt, &[(b"a", b"1"), (b"b", b"2")]);
    let snap = engine.read().unwrap();
    assert_eq!(
        snap.get(Table::Eavt, b"a").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(snap.get(Table::Eavt, b"c").unwrap().as_deref(), None);
    drop(snap);

    engine
        .write(&mut |txn| {
            txn.put(Table::Eavt, b"a", b"one")?; // overwrite
            assert!(txn.delete(Table::Eavt, b"b")?);
            assert!(!txn.delete(Table::Eavt, b"zz")?);
            txn.put(Table::Eavt, b"empty-value", b"")
        })
        .unwrap();
    let snap = engine.read().unwrap();
    assert_eq!(
        snap.get(Table::Eavt, b"a").unwrap().as_deref(),
        Some(&b"one"[..])
    );
    assert_eq!(snap.get(Table::Eavt, b"b").unwrap().as_deref(), None);
    assert_eq!(
        snap.get(Table::Eavt, b"empty-value").unwrap().as_deref(),
        Some(&b""[..])
    );
}

fn tables_are_separate(engine: &dyn Engine) {
    engine
        .write(&mut |txn| {
            for table in Table::ALL {
                txn.put(table, b"k", table.name().as_bytes())?;
            }
            Ok(())
        })
        .unwrap();
    let snap = engine.read().unwrap();
    for table in Table::ALL {
        assert_eq!(
            snap.get(table, b"k").unwrap().as_deref(),
            Some(table.name().as_bytes())
        );
        assert_eq!(keys(&*snap, table, &KeyRange::all(), Forward).len(), 1);
    }
}

fn scan_ranges_forward_and_reverse(engine: &dyn Engine) {
    let data: Vec<Vec<u8>> = vec![
        vec![1],
        vec![1, 0],
        vec![1, 0xFF],
        vec![1, 0xFF, 3],
        vec![2],
        vec![2, 5],
        vec![3, 0],
        vec![0xFF, 0xFF],
    ];
    engine
        .write(&mut |txn| {
            for k in &data {
                txn.put(Table::Aevt, k, k)?;
            }
            Ok(())
        })
        .unwrap();
    let snap = engine.read().unwrap();
    let check = |range: KeyRange, expected: &[&[u8]]| {
        let forward = keys(&*snap, Table::Aevt, &range, Forward);
        assert_eq!(
            forward,
            expected.iter().map(|k| k.to_vec()).collect::<Vec<_>>(),
            "forward {range:?}"
        );
        let mut reverse = keys(&*snap, Table::Aevt, &range, Reverse);
        reverse.reverse();
        assert_eq!(reverse, forward, "reverse {range:?}");
        // Values come along with keys.
        for (k, v) in scan(&*snap, Table::Aevt, &range, Forward) {
            assert_eq!(k, v);
        }
    };
    let all: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    check(KeyRange::all(), &all);
    check(
        KeyRange::prefix(&[1]),
        &[&[1], &[1, 0], &[1, 0xFF], &[1, 0xFF, 3]],
    );
    check(KeyRange::prefix(&[1, 0xFF]), &[&[1, 0xFF], &[1, 0xFF, 3]]);
    check(KeyRange::prefix(&[0xFF]), &[&[0xFF, 0xFF]]);
    check(KeyRange::prefix(&[4]), &[]);
    check(KeyRange::prefix(&[]), &all);
    check(
        KeyRange::half_open(&[1, 0], &[2, 5]),
        &[&[1, 0], &[1, 0xFF], &[1, 0xFF, 3], &[2]],
    );
    check(KeyRange::half_open(&[0], &[1]), &[]);
    check(KeyRange::half_open(&[2], &[1]), &[]); // inverted
    check(KeyRange::half_open(&[2], &[2]), &[]); // touching
    let bounds = |start, end| KeyRange { start, end };
    check(
        bounds(Bound::Excluded(vec![1]), Bound::Included(vec![2])),
        &[&[1, 0], &[1, 0xFF], &[1, 0xFF, 3], &[2]],
    );
    check(
        bounds(Bound::Included(vec![2, 5]), Bound::Included(vec![2, 5])),
        &[&[2, 5]],
    );
    check(
        bounds(Bound::Unbounded, Bound::Excluded(vec![1, 0xFF])),
        &[&[1], &[1, 0]],
    );
    check(bounds(Bound::Unbounded, Bound::Excluded(vec![0])), &[]);
    check(
        bounds(Bound::Excluded(vec![3, 0]), Bound::Unbounded),
        &[&[0xFF, 0xFF]],
    );
    check(
        bounds(Bound::Excluded(vec![0xFF, 0xFF]), Bound::Unbounded),
        &[],
    );
    // Bounds beyond every key on either side.
    check(
        bounds(
            Bound::Included(vec![0]),
            Bound::Excluded(vec![0xFF, 0xFF, 0xFF]),
        ),
        &all,
    );
    check(
        bounds(Bound::Included(vec![5]), Bound::Excluded(vec![0xFF])),
        &[],
    );
    check(
        bounds(Bound::Included(vec![3]), Bound::Included(vec![3, 0, 0])),
        &[&[3, 0]],
    );
    // An empty table.
    assert!(keys(&*snap, Table::Vaet, &KeyRange::all(), Reverse).is_empty());
    assert!(keys(&*snap, Table::Vaet, &KeyRange::prefix(&[1]), Reverse).is_empty());
}

fn scan_stops_when_asked(engine: &dyn Engine) {
    engine
        .write(&mut |txn| {
            for n in 0..100 {
                txn.put(Table::Log, &key(n), b"")?;
            }
            Ok(())
        })
        .unwrap();
    let snap = engine.read().unwrap();
    for direction in [Forward, Reverse] {
        let mut seen = Vec::new();
        snap.scan(Table::Log, &KeyRange::all(), direction, &mut |k, _| {
            seen.push(k.to_vec());
            if seen.len() == 3 {
                Visit::Stop
            } else {
                Visit::Continue
            }
        })
        .unwrap();
        let expected: Vec<_> = match direction {
            Forward => (0..3).map(key).collect(),
            Reverse => (97..100).rev().map(key).collect(),
        };
        assert_eq!(seen, expected);
    }
}

fn first_and_any(engine: &dyn Engine) {
    put_all(
        engine,
        Table::Meta,
        &[(b"a1", b"x"), (b"a2", b"y"), (b"b1", b"z")],
    );
    let snap = engine.read().unwrap();
    let prefix = KeyRange::prefix(b"a");
    assert_eq!(
        snap.first(Table::Meta, &prefix, Forward).unwrap(),
        Some((b"a1".to_vec(), b"x".to_vec()))
    );
    assert_eq!(
        snap.first(Table::Meta, &prefix, Reverse).unwrap(),
        Some((b"a2".to_vec(), b"y".to_vec()))
    );
    assert!(snap.any(Table::Meta, &prefix).unwrap());
    assert!(!snap.any(Table::Meta, &KeyRange::prefix(b"c")).unwrap());
    assert_eq!(
        snap.first(Table::Meta, &KeyRange::prefix(b"c"), Forward)
            .unwrap(),
        None
    );
}

/// Keys 10, 20, …, 90 in `Stats`.
fn tens(engine: &dyn Engine) {
    engine
        .write(&mut |txn| {
            for n in 1..10 {
                txn.put(Table::Stats, &[n * 10], &[n])?;
            }
            Ok(())
        })
        .unwrap();
}

fn cursor_forward_next_and_seek(engine: &dyn Engine) {
    tens(engine);
    let snap = engine.read().unwrap();
    let range = KeyRange::half_open(&[20], &[80]); // 20..=70
    let mut cursor = snap.cursor(Table::Stats, range.clone(), Forward).unwrap();
    assert_eq!(cursor.next().unwrap(), Some((&[20][..], &[2][..])));
    assert_eq!(cursor.next().unwrap().map(|(k, _)| k), Some(&[30][..]));
    // Seek inside the range, to a missing key: lands on the next one.
    assert_eq!(cursor.seek(&[55]).unwrap().map(|(k, _)| k), Some(&[60][..]));
    assert_eq!(cursor.next().unwrap().map(|(k, _)| k), Some(&[70][..]));
    assert_eq!(cursor.next().unwrap(), None);
    assert_eq!(cursor.next().unwrap(), None);
    // Seek backwards repositions; an exact key is returned itself.
    assert_eq!(cursor.seek(&[40]).unwrap().map(|(k, _)| k), Some(&[40][..]));
    // Seek before the range starts at the range's start.
    assert_eq!(cursor.seek(&[1]).unwrap().map(|(k, _)| k), Some(&[20][..]));
    // Seek past the end (and exactly at the excluded end) finds nothing.
    assert_eq!(cursor.seek(&[80]).unwrap(), None);
    assert_eq!(cursor.seek(&[75]).unwrap(), None);
    assert_eq!(cursor.seek(&[200]).unwrap(), None);
    assert_eq!(cursor.next().unwrap(), None);
    // A fresh cursor drains exactly the range.
    let mut cursor = snap.cursor(Table::Stats, range, Forward).unwrap();
    assert_eq!(
        drain(&mut *cursor),
        (2..8).map(|n| vec![n * 10]).collect::<Vec<_>>()
    );
    // An empty range and an empty table.
    let mut cursor = snap
        .cursor(Table::Stats, KeyRange::half_open(&[50], &[40]), Forward)
        .unwrap();
    assert_eq!(cursor.next().unwrap(), None);
    assert_eq!(cursor.seek(&[45]).unwrap(), None);
    let mut cursor = snap.cursor(Table::Vaet, KeyRange::all(), Forward).unwrap();
    assert_eq!(cursor.next().unwrap(), None);
    assert_eq!(cursor.seek(&[1]).unwrap(), None);
}

fn cursor_reverse_next_and_seek(engine: &dyn Engine) {
    tens(engine);
    let snap = engine.read().unwrap();
    let range = KeyRange::half_open(&[20], &[80]); // 20..=70
    let mut cursor = snap.cursor(Table::Stats, range.clone(), Reverse).unwrap();
    assert_eq!(cursor.next().unwrap(), Some((&[70][..], &[7][..])));
    assert_eq!(cursor.next().unwrap().map(|(k, _)| k), Some(&[60][..]));
    // Seek in reverse: the last key at or before the target.
    assert_eq!(cursor.seek(&[45]).unwrap().map(|(k, _)| k), Some(&[40][..]));
    assert_eq!(cursor.seek(&[30]).unwrap().map(|(k, _)| k), Some(&[30][..]));
    assert_eq!(cursor.next().unwrap().map(|(k, _)| k), Some(&[20][..]));
    assert_eq!(cursor.next().unwrap(), None);
    // Beyond the end of the range: back at the range's last key.
    assert_eq!(
        cursor.seek(&[200]).unwrap().map(|(k, _)| k),
        Some(&[70][..])
    );
    assert_eq!(cursor.seek(&[80]).unwrap().map(|(k, _)| k), Some(&[70][..]));
    // Before the range start: nothing.
    assert_eq!(cursor.seek(&[19]).unwrap(), None);
    assert_eq!(cursor.seek(&[0]).unwrap(), None);
    let mut cursor = snap.cursor(Table::Stats, range, Reverse).unwrap();
    assert_eq!(
        drain(&mut *cursor),
        (2..8).rev().map(|n| vec![n * 10]).collect::<Vec<_>>()
    );
    // Unbounded reverse cursor over the whole table.
    let mut cursor = snap.cursor(Table::Stats, KeyRange::all(), Reverse).unwrap();
    assert_eq!(cursor.next().unwrap().map(|(k, _)| k), Some(&[90][..]));
    assert_eq!(cursor.seek(&[11]).unwrap().map(|(k, _)| k), Some(&[10][..]));
    assert_eq!(cursor.next().unwrap(), None);
    assert_eq!(cursor.seek(&[5]).unwrap(), None);
}

fn write_sees_its_own_writes(engine: &dyn Engine) {
    put_all(engine, Table::Eavt, &[(b"old", b"0"), (b"gone", b"0")]);
    engine
        .write(&mut |txn| {
            txn.put(Table::Eavt, b"new", b"1")?;
            txn.delete(Table::Eavt, b"gone")?;
            assert_eq!(txn.get(Table::Eavt, b"new")?.as_deref(), Some(&b"1"[..]));
            assert_eq!(txn.get(Table::Eavt, b"gone")?, None);
            assert_eq!(
                keys(txn, Table::Eavt, &KeyRange::all(), Forward),
                vec![b"new".to_vec(), b"old".to_vec()]
            );
            let mut cursor = txn.cursor(Table::Eavt, KeyRange::all(), Reverse)?;
            assert_eq!(drain(&mut *cursor), vec![b"old".to_vec(), b"new".to_vec()]);
            // Another snapshot does not see uncommitted writes.
            let outside = engine.read()?;
            assert_eq!(outside.get(Table::Eavt, b"new")?, None);
            Ok(())
        })
        .unwrap();
    assert_eq!(
        engine
            .read()
            .unwrap()
            .get(Table::Eavt, b"new")
            .unwrap()
            .as_deref(),
        Some(&b"1"[..])
    );
}

fn failed_body_writes_nothing(engine: &dyn Engine) {
    put_all(engine, Table::Avet, &[(b"keep", b"1")]);
    let error = engine
        .write(&mut |txn| {
            txn.put(Table::Avet, b"new", b"2")?;
            txn.delete(Table::Avet, b"keep")?;
            Err(KvError::Aborted)
        })
        .unwrap_err();
    assert!(matches!(error, KvError::Aborted));
    let snap = engine.read().unwrap();
    assert_eq!(
        keys(&*snap, Table::Avet, &KeyRange::all(), Forward),
        vec![b"keep".to_vec()]
    );

    // Through `write_with`, the body's own error type comes back unchanged.
    #[derive(Debug, PartialEq)]
    enum AppError {
        Rejected,
        Kv(String),
    }
    impl From<KvError> for AppError {
        fn from(error: KvError) -> Self {
            AppError::Kv(error.to_string())
        }
    }
    let result: Result<(), AppError> = write_with(engine, |txn| {
        txn.put(Table::Avet, b"new", b"2")?;
        Err(AppError::Rejected)
    });
    assert_eq!(result, Err(AppError::Rejected));
    let value: Result<u32, AppError> = write_with(engine, |txn| {
        txn.put(Table::Avet, b"new", b"3")?;
        Ok(7)
    });
    assert_eq!(value, Ok(7));
    assert_eq!(
        engine
            .read()
            .unwrap()
            .get(Table::Avet, b"new")
            .unwrap()
            .as_deref(),
        Some(&b"3"[..])
    );
}

fn snapshot_isolation(engine: &dyn Engine) {
    put_all(engine, Table::Eavt, &[(b"a", b"1")]);
    let before = engine.read().unwrap();
    engine
        .write(&mut |txn| {
            txn.put(Table::Eavt, b"a", b"2")?;
            txn.put(Table::Eavt, b"b", b"2")
        })
        .unwrap();
    let after = engine.read().unwrap();
    assert_eq!(
        before.get(Table::Eavt, b"a").unwrap().as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(
        keys(&*before, Table::Eavt, &KeyRange::all(), Forward),
        vec![b"a".to_vec()]
    );
    assert_eq!(
        after.get(Table::Eavt, b"a").unwrap().as_deref(),
        Some(&b"2"[..])
    );
    assert_eq!(
        keys(&*after, Table::Eavt, &KeyRange::all(), Forward).len(),
        2
    );
}

fn read_group_sees_one_state(engine: &dyn Engine) {
    put_all(engine, Table::Log, &[(b"1", b"")]);
    let group = engine.read_group(4).unwrap();
    assert_eq!(group.len(), 4);
    put_all(engine, Table::Log, &[(b"2", b"")]);
    for snap in &group {
        assert_eq!(
            keys(&**snap, Table::Log, &KeyRange::all(), Forward),
            vec![b"1".to_vec()]
        );
    }
    assert!(engine.read_group(0).unwrap().is_empty());
}

fn read_group_under_concurrent_writes(engine: &dyn Engine) {
    // A writer commits one key at a time while groups are taken: every member of a group must
    // count the same number of keys.
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for n in 0..300 {
                put_all(engine, Table::Log, &[(&key(n), b"")]);
            }
        });
        while !writer.is_finished() {
            let group = engine.read_group(3).unwrap();
            let counts: Vec<usize> = group
                .iter()
                .map(|snap| keys(&**snap, Table::Log, &KeyRange::all(), Forward).len())
                .collect();
            assert!(
                counts.windows(2).all(|w| w[0] == w[1]),
                "group saw different states: {counts:?}"
            );
        }
    });
}

fn append_keys_stores_every_key(engine: &dyn Engine) {
    // A batch after the table's last key, then one whose third key does not sort last (it
    // must still be stored, by the fallback), then an empty batch.
    put_all(engine, Table::Aevt, &[(&key(10), b"")]);
    engine
        .write(&mut |txn| {
            let first: Vec<Vec<u8>> = (11..400).map(key).collect();
            txn.append_keys(Table::Aevt, &mut first.iter().map(|k| k.as_slice()))?;
            let second = [key(500), key(501), key(3), key(600)];
            txn.append_keys(Table::Aevt, &mut second.iter().map(|k| k.as_slice()))?;
            txn.append_keys(Table::Aevt, &mut std::iter::empty())
        })
        .unwrap();
    let snap = engine.read().unwrap();
    let keys: Vec<Vec<u8>> = scan(&*snap, Table::Aevt, &KeyRange::all(), Forward)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let mut want: Vec<Vec<u8>> = (10..400).map(key).collect();
    want.extend([key(3), key(500), key(501), key(600)]);
    want.sort();
    assert_eq!(keys, want);
}

fn put_sorted_equals_put(engine: &dyn Engine) {
    // Ascending keys (append mode), then keys out of order, equal to the last and overwrites:
    // the table must end up as if every write were a plain put.
    engine
        .write(&mut |txn| {
            for n in 0..500 {
                txn.put_sorted(Table::Eavt, &key(n * 2), b"sorted")?;
            }
            txn.put_sorted(Table::Eavt, &key(5), b"middle")?;
            txn.put_sorted(Table::Eavt, &key(998), b"same-as-last")?;
            txn.put_sorted(Table::Eavt, &key(0), b"first-again")?;
            txn.put_sorted(Table::Eavt, &key(2000), b"after")?;
            Ok(())
        })
        .unwrap();
    let snap = engine.read().unwrap();
    let pairs = scan(&*snap, Table::Eavt, &KeyRange::all(), Forward);
    assert_eq!(pairs.len(), 502);
    assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(
        snap.get(Table::Eavt, &key(5)).unwrap().as_deref(),
        Some(&b"middle"[..])
    );
    assert_eq!(
        snap.get(Table::Eavt, &key(998)).unwrap().as_deref(),
        Some(&b"same-as-last"[..])
    );
    assert_eq!(
        snap.get(Table::Eavt, &key(0)).unwrap().as_deref(),
        Some(&b"first-again"[..])
    );
    assert_eq!(
        snap.get(Table::Eavt, &key(2000)).unwrap().as_deref(),
        Some(&b"after"[..])
    );
    assert_eq!(
        snap.get(Table::Eavt, &key(4)).unwrap().as_deref(),
        Some(&b"sorted"[..])
    );
}

fn key_limits(engine: &dyn Engine) {
    let longest = vec![7u8; MAX_KEY_LEN];
    let too_long = vec![7u8; MAX_KEY_LEN + 1];
    put_all(engine, Table::Values, &[(&longest, b"ok")]);
    for (bad, sorted) in [(&too_long, false), (&too_long, true)] {
        let error = engine
            .write(&mut |txn| {
                if sorted {
                    txn.put_sorted(Table::Values, bad, b"")
                } else {
                    txn.put(Table::Values, bad, b"")
                }
            })
            .unwrap_err();
        assert!(
            matches!(error, KvError::KeyTooLong { len, max } if len == MAX_KEY_LEN + 1 && max == MAX_KEY_LEN)
        );
    }
    let error = engine
        .write(&mut |txn| txn.put(Table::Values, b"", b""))
        .unwrap_err();
    assert!(matches!(error, KvError::EmptyKey));
    let snap = engine.read().unwrap();
    assert_eq!(
        snap.get(Table::Values, &longest).unwrap().as_deref(),
        Some(&b"ok"[..])
    );
    assert_eq!(snap.get(Table::Values, &too_long).unwrap().as_deref(), None);
    assert_eq!(snap.get(Table::Values, b"").unwrap().as_deref(), None);
    engine
        .write(&mut |txn| {
            assert!(!txn.delete(Table::Values, b"")?);
            assert!(!txn.delete(Table::Values, &too_long)?);
            Ok(())
        })
        .unwrap();
    // Large values are fine.
    let big = vec![1u8; 1 << 20];
    put_all(engine, Table::Values, &[(b"big", &big)]);
    assert_eq!(
        engine
            .read()
            .unwrap()
            .get(Table::Values, b"big")
            .unwrap()
            .as_deref()
            .map(<[u8]>::len),
        Some(1 << 20)
    );
}

fn snapshots_move_between_threads(engine: &dyn Engine) {
    put_all(engine, Table::Eavt, &[(b"a", b"1"), (b"b", b"2")]);
    let group = engine.read_group(2).unwrap();
    let counts: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = group
            .into_iter()
            .map(|snap| {
                scope.spawn(move || keys(&*snap, Table::Eavt, &KeyRange::all(), Forward).len())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(counts, vec![2, 2]);
}

fn size_grows_with_data(engine: &dyn Engine) {
    let before = engine.size_on_disk().unwrap();
    engine
        .write(&mut |txn| {
            for n in 0..2000 {
                txn.put(Table::Eavt, &key(n), &[0u8; 100])?;
            }
            Ok(())
        })
        .unwrap();
    engine.sync().unwrap();
    let after = engine.size_on_disk().unwrap();
    assert!(after >= before + 200_000, "size {before} -> {after}");
    assert!(!engine.name().is_empty());
}
