//! Parallel scans read exactly one snapshot, even while transactions commit during the scan.

mod common;

use std::sync::mpsc;
use std::sync::Mutex;

use datolite_store::StoreOptions;
use datolite_store::{Index, Store, Tx};

fn load(store: &Store, from: i64, n: i64) {
    let mut tx = Tx::new();
    for i in from..from + n {
        let e = tx.tempid(&format!("e{i}"));
        tx.add(e.clone(), ":n/value", i)
            .add(e, ":n/label", format!("label {i}"));
    }
    store.transact(tx.ops()).unwrap();
}

fn parallel_scan_sees_one_snapshot(store: &Store) {
    load(store, 0, 5000);
    let db = store.db().unwrap();
    let expected = db.scan(Index::Eavt).collect().unwrap();
    let expected_count = db.count().unwrap();

    // The first datom any worker sees triggers a write in another thread and waits until it
    // has committed; the rest of the scan runs after that commit.
    let (go, wait_for_go) = mpsc::channel::<()>();
    let (done, wait_for_done) = mpsc::channel::<()>();
    let writer_store = store.clone();
    let writer = std::thread::spawn(move || {
        wait_for_go.recv().unwrap();
        load(&writer_store, 10_000, 2000);
        done.send(()).unwrap();
    });
    let trigger = Mutex::new(Some((go, wait_for_done)));
    let seen = db
        .scan(Index::Eavt)
        .parallel(2)
        .fold(
            Vec::new,
            |acc, d| {
                if let Some((go, wait)) = trigger.lock().unwrap().take() {
                    go.send(()).unwrap();
                    wait.recv().unwrap();
                }
                acc.push(d.to_owned());
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        )
        .unwrap();
    writer.join().unwrap();
    assert_eq!(
        seen, expected,
        "the parallel scan saw data from another snapshot"
    );
    assert_eq!(
        db.scan(Index::Eavt).parallel(2).count().unwrap(),
        expected_count
    );
    // The write did land: a new snapshot sees it.
    assert_eq!(store.db().unwrap().count().unwrap(), expected_count + 4001);
}

#[test]
fn lmdb_parallel_scan_sees_one_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        Some(&dir.path().join("db")),
        StoreOptions {
            parallel_workers: 2,
            ..Default::default()
        },
    )
    .unwrap();
    parallel_scan_sees_one_snapshot(&store);
}

#[test]
fn memory_parallel_scan_sees_one_snapshot() {
    parallel_scan_sees_one_snapshot(&common::memory());
}

#[test]
fn parallel_fold_equals_sequential_on_every_index() {
    let store = common::memory();
    load(&store, 0, 3000);
    let db = store.db().unwrap();
    for index in Index::ALL {
        for workers in [1, 2, 3, 8] {
            let sequential = db.scan(index).collect().unwrap();
            let parallel = db
                .scan(index)
                .parallel(workers)
                .fold(
                    Vec::new,
                    |acc, d| acc.push(d.to_owned()),
                    |mut a, b| {
                        a.extend(b);
                        a
                    },
                )
                .unwrap();
            assert_eq!(parallel, sequential, "{index:?} with {workers} workers");
        }
    }
}

#[test]
fn parallel_parts_are_balanced() {
    let store = common::memory();
    for chunk in 0..4 {
        load(&store, chunk * 2500, 2500);
    }
    let db = store.db().unwrap();
    for index in [Index::Eavt, Index::Aevt, Index::Avet] {
        for workers in [2usize, 4] {
            let sizes = db.scan(index).parallel(workers).part_sizes().unwrap();
            let total: u64 = sizes.iter().sum();
            assert_eq!(total, db.scan(index).count().unwrap());
            assert!(sizes.len() >= workers, "{index:?}: {sizes:?}");
            // Workers take parts as they become free, so they finish at most about one part
            // apart: no part may hold more than half of one worker's share. (Parts are many and
            // some may be empty: AVET's cuts interpolate values, and a run of one value cannot
            // be cut.)
            let most = total / (2 * workers as u64);
            assert!(
                sizes.iter().all(|&s| s <= most),
                "{index:?} with {workers} workers: a part over {most}: {sizes:?}"
            );
        }
    }
    // One attribute of AEVT splits by entity.
    let sizes = db
        .scan(Index::Aevt)
        .attribute(":n/value")
        .parallel(2)
        .part_sizes()
        .unwrap();
    let ideal = 10_000 / sizes.len() as u64;
    assert!(sizes.len() > 1, "{sizes:?}");
    assert!(sizes.iter().all(|&s| s <= ideal * 2), "{sizes:?}");
}

#[test]
fn ordered_parallel_scan_streams_the_sequential_order() {
    let store = common::memory();
    load(&store, 0, 6000);
    let db = store.db().unwrap();
    for index in [Index::Eavt, Index::Aevt, Index::Avet, Index::Vaet] {
        let sequential = db.scan(index).collect().unwrap();
        for workers in [1, 2, 3] {
            let mut streamed = Vec::new();
            db.scan(index)
                .parallel(workers)
                .for_each_ordered(|d| {
                    streamed.push(d.to_owned());
                    true
                })
                .unwrap();
            assert_eq!(streamed, sequential, "{index:?} with {workers} workers");
        }
        // A limit counts datoms across parts; stopping early ends the workers.
        let limited = db.scan(index).limit(2500).collect().unwrap();
        let mut streamed = Vec::new();
        db.scan(index)
            .limit(2500)
            .parallel(2)
            .for_each_ordered(|d| {
                streamed.push(d.to_owned());
                true
            })
            .unwrap();
        assert_eq!(streamed, limited, "{index:?} limited");
        let mut seen = 0;
        db.scan(index)
            .parallel(2)
            .for_each_ordered(|_| {
                seen += 1;
                seen < 10
            })
            .unwrap();
        assert_eq!(seen, 10);
    }
}
