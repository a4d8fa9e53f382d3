//! The repository's fixtures load, and hold what the tutorial and the query tests rely on.

use datolite::{Database, Index, Value};

#[test]
fn movie_fixture_loads() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/movies.edn"
    ))
    .unwrap();
    let db = Database::memory().unwrap();
    let report = db.transact(&text).unwrap();
    let snap = db.db().unwrap();
    assert_eq!(snap.count_attribute(":movie/title").unwrap(), 20);
    assert_eq!(
        snap.attribute_stats(":movie/title")
            .unwrap()
            .distinct_values,
        20
    );
    // String tempids resolved to one entity each; refs point at people.
    let arnold = report.tempids["arnold"];
    let movies_with_arnold = snap
        .scan(Index::Vaet)
        .value(&Value::Ref(arnold))
        .collect()
        .unwrap();
    assert_eq!(movies_with_arnold.len(), 5, "{movies_with_arnold:?}");
    // #inst dates are instants in milliseconds.
    let born = snap
        .datoms(
            Index::Eavt,
            &[Value::Ref(arnold), Value::keyword(":person/born")],
        )
        .unwrap();
    assert_eq!(born[0].v, Value::Instant(-707_702_400_000));
}
