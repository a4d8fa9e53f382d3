use std::time::Instant;

use datolite::{Database, Index, StorageOptions, Tx, Value};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(124_000);
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("db"), StorageOptions::from_env().unwrap()).unwrap();
    let entities = n / 5;
    let t0 = Instant::now();
    let mut e = 0;
    let mut prev: Option<u64> = None;
    while e < entities {
        let mut tx = Tx::new();
        let end = (e + 20_000).min(entities);
        for i in e..end {
            let id = tx.tempid(&format!("e{i}"));
            tx.add(id.clone(), ":bench/long", i as i64)
                .add(id.clone(), ":bench/double", i as f64 * 0.5)
                .add(id.clone(), ":bench/string", format!("s{}", i % 1000))
                .add(
                    id.clone(),
                    ":bench/instant",
                    Value::Instant(1_600_000_000_000 + i as i64),
                );
            match prev {
                Some(p) => tx.add(id, ":bench/ref", datolite::EntityRef::Id(p)),
                None => tx.add(id, ":bench/ref2", 0i64),
            };
        }
        let r = db.transact_tx(&tx).unwrap();
        prev = r.tempids.values().next().copied();
        e = end;
    }
    let load = t0.elapsed();
    if std::env::args().nth(2).as_deref() == Some("load") {
        println!("load {:.1} ms", load.as_secs_f64() * 1e3);
        return;
    }
    let snap = db.db().unwrap();
    let count = snap.count().unwrap();
    println!(
        "datoms {count} load {:.1} ms ({:.0} datoms/s)",
        load.as_secs_f64() * 1e3,
        count as f64 / load.as_secs_f64()
    );
    let best = |f: &dyn Fn() -> u64| {
        let mut best = f64::MAX;
        let mut r = 0;
        for _ in 0..7 {
            let t = Instant::now();
            r = f();
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        (best, r)
    };
    let raw = best(&|| {
        db.store()
            .engine()
            .raw_scan(datolite_kv::Table::Eavt)
            .unwrap()
            .0
    });
    let decoded = best(&|| {
        let mut n = 0u64;
        snap.scan(Index::Eavt)
            .for_each(|d| {
                n += match d.v {
                    datolite::ValueRef::Long(x) => x as u64 & 1,
                    _ => 1,
                };
                true
            })
            .unwrap();
        n
    });
    let keys = best(&|| {
        snap.scan(Index::Eavt)
            .for_each_key(|_| true)
            .map(|_| 0)
            .unwrap()
    });
    let par = best(&|| snap.scan(Index::Eavt).parallel(2).count().unwrap());
    let par1 = best(&|| {
        snap.scan(Index::Eavt)
            .parallel(1)
            .fold(|| 0u64, |c, _| *c += 1, |a, b| a + b)
            .unwrap()
    });
    let par2 = best(&|| {
        snap.scan(Index::Eavt)
            .parallel(2)
            .fold(|| 0u64, |c, _| *c += 1, |a, b| a + b)
            .unwrap()
    });
    println!(
        "raw {:.3} decoded {:.3} ({:.2}x) keys {:.3} parcount {:.3} fold1 {:.3} fold2 {:.3}",
        raw.0,
        decoded.0,
        decoded.0 / raw.0,
        keys.0,
        par.0,
        par1.0,
        par2.0
    );
}
