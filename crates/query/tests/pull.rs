//! Pull: every part of Datomic's pattern grammar, its options and errors, on every database
//! value, checked against a naive implementation (per-attribute `datoms` lookups) on random
//! databases with references, cycles and components.

use datolite_query::pull::{AttrName, Nested};
use datolite_query::{parse_pull, pull, pull_many, PullMap, PullPattern, Pulled};
use datolite_store::{Cardinality, Db, Index, TimePoint, Value};
use proptest::prelude::*;

const SCHEMA: &str = r#"[
 {:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
 {:db/ident :person/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :person/aliases :db/valueType :db.type/string :db/cardinality :db.cardinality/many}
 {:db/ident :person/friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
 {:db/ident :person/spouse :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
 {:db/ident :person/address :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}
 {:db/ident :address/city :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :address/tags :db/valueType :db.type/ref :db/cardinality :db.cardinality/many :db/isComponent true}
 {:db/ident :tag/label :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
]"#;

/// Ann ↔ Bo are friends (a cycle), Ann → Cy; Ann is married to Bo; Ann has an address with two
/// tag components.
fn people() -> (datolite::Database, [u64; 3]) {
    let database = datolite::Database::memory().unwrap();
    database.transact(SCHEMA).unwrap();
    let r = database
        .transact(
            r#"[{:db/id "ann" :person/name "Ann" :person/age 30 :person/aliases ["A" "Annie"]
                 :person/friends ["bo" "cy"] :person/spouse "bo"
                 :person/address {:address/city "Oslo" :address/tags [{:tag/label "home"} {:tag/label "old"}]}}
                {:db/id "bo" :person/name "Bo" :person/age 31 :person/friends ["ann"]}
                {:db/id "cy" :person/name "Cy"}]"#,
        )
        .unwrap();
    let ids = [r.tempids["ann"], r.tempids["bo"], r.tempids["cy"]];
    (database, ids)
}

fn pulled(db: &Db, e: u64, pattern: &str) -> String {
    match pull(db, e, &parse_pull(pattern).unwrap()).unwrap() {
        Some(map) => map.to_string(),
        None => "nil".into(),
    }
}

fn err(db: &Db, e: u64, pattern: &str) -> String {
    match parse_pull(pattern) {
        Err(e) => e.to_string(),
        Ok(p) => match pull(db, e, &p) {
            Ok(m) => panic!("{pattern} pulled {m:?}"),
            Err(e) => e.to_string(),
        },
    }
}

#[test]
fn attributes_nested_maps_reverse_and_ids() {
    let (database, [ann, bo, cy]) = people();
    let db = database.db().unwrap();
    assert_eq!(
        pulled(&db, ann, "[:person/name :person/age]"),
        r#"{:person/name "Ann" :person/age 30}"#
    );
    // Missing attributes are left out; :db/id is the entity.
    assert_eq!(
        pulled(&db, cy, "[:db/id :person/name :person/age]"),
        format!(r#"{{:db/id {cy} :person/name "Cy"}}"#)
    );
    // Nothing of the pattern: nil.
    assert_eq!(pulled(&db, cy, "[:person/age]"), "nil");
    // References: {:db/id} unless a nested pattern expands them.
    assert_eq!(
        pulled(&db, ann, "[:person/spouse]"),
        format!("{{:person/spouse {{:db/id {bo}}}}}")
    );
    assert_eq!(
        pulled(&db, ann, "[{:person/friends [:person/name]}]"),
        r#"{:person/friends [{:person/name "Bo"} {:person/name "Cy"}]}"#
    );
    // Reverse: who has Ann as a friend; a reverse component is one entity.
    assert_eq!(
        pulled(&db, ann, "[{:person/_friends [:person/name]}]"),
        r#"{:person/_friends [{:person/name "Bo"}]}"#
    );
    let address = pull(
        &db,
        ann,
        &parse_pull("[{:person/address [:db/id]}]").unwrap(),
    )
    .unwrap()
    .unwrap();
    let Some(Pulled::Map(a)) = address.attr(":person/address") else {
        panic!("{address}")
    };
    let Some(Pulled::Value(Value::Ref(address))) = a.attr(":db/id") else {
        panic!("{a}")
    };
    assert_eq!(
        pulled(&db, *address, "[{:person/_address [:person/name]}]"),
        r#"{:person/_address {:person/name "Ann"}}"#
    );
}

#[test]
fn wildcard_expands_components_only() {
    let (database, [ann, bo, cy]) = people();
    let db = database.db().unwrap();
    let all = pulled(&db, ann, "[*]");
    assert!(
        all.starts_with(&format!("{{:db/id {ann} :person/name \"Ann\"")),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            ":person/friends [{{:db/id {bo}}} {{:db/id {cy}}}]"
        )),
        "{all}"
    );
    assert!(all.contains(":address/city \"Oslo\""), "{all}");
    assert!(all.contains(":tag/label \"home\""), "{all}");
    // A spec beside * replaces its entry.
    let mixed = pulled(&db, ann, "[* {:person/friends [:person/name]}]");
    assert!(
        mixed.contains(r#":person/friends [{:person/name "Bo"} {:person/name "Cy"}]"#),
        "{mixed}"
    );
    assert!(mixed.contains(":address/city"), "{mixed}");
}

#[test]
fn options_as_limit_default_and_the_older_forms() {
    let (database, [ann, _, cy]) = people();
    let db = database.db().unwrap();
    for pattern in [
        r#"[[:person/aliases :limit 1 :as "al"]]"#,
        r#"[(:person/aliases :limit 1 :as "al")]"#,
    ] {
        assert_eq!(pulled(&db, ann, pattern), r#"{"al" ["A"]}"#, "{pattern}");
    }
    assert_eq!(
        pulled(&db, ann, "[(limit :person/aliases 1)]"),
        r#"{:person/aliases ["A"]}"#
    );
    assert_eq!(
        pulled(&db, ann, "[[:person/aliases :limit nil]]"),
        r#"{:person/aliases ["A" "Annie"]}"#
    );
    assert_eq!(
        pulled(&db, cy, "[:person/name [:person/age :default 0]]"),
        r#"{:person/name "Cy" :person/age 0}"#
    );
    assert_eq!(
        pulled(&db, cy, "[(default :person/age -1)]"),
        "{:person/age -1}"
    );
    assert_eq!(
        pulled(&db, ann, "[[:person/name :as :who]]"),
        r#"{:who "Ann"}"#
    );
    // Limits apply to reverse attributes too.
    assert_eq!(
        pulled(&db, ann, "[[:person/_friends :limit 0]]"),
        "{:person/_friends []}"
    );
}

#[test]
fn recursion_with_depth_and_cycles() {
    let (database, [ann, bo, _]) = people();
    let db = database.db().unwrap();
    // Ann → Bo → Ann is a cycle: the second Ann is only her id.
    assert_eq!(
        pulled(&db, ann, "[:person/name {:person/friends ...}]"),
        format!(
            r#"{{:person/name "Ann" :person/friends [{{:person/name "Bo" :person/friends [{{:db/id {ann}}}]}} {{:person/name "Cy"}}]}}"#
        )
    );
    // One level: the friends' own friends are left out.
    assert_eq!(
        pulled(&db, ann, "[:person/name {:person/friends 1}]"),
        r#"{:person/name "Ann" :person/friends [{:person/name "Bo"} {:person/name "Cy"}]}"#
    );
    assert_eq!(
        pulled(&db, bo, "[:person/name {:person/friends 2}]"),
        format!(
            r#"{{:person/name "Bo" :person/friends [{{:person/name "Ann" :person/friends [{{:db/id {bo}}} {{:person/name "Cy"}}]}}]}}"#
        )
    );
}

#[test]
fn entities_by_ident_and_lookup_ref_and_many() {
    let (database, [ann, bo, cy]) = people();
    use datolite::DbQueries;
    let db = database.db().unwrap();
    let by_ref = db
        .pull(r#"[:person/name "Bo"]"#, "[:person/age]")
        .unwrap()
        .unwrap();
    assert_eq!(by_ref.to_string(), "{:person/age 31}");
    let by_ident = db.pull(":person/name", "[:db/ident]").unwrap().unwrap();
    assert_eq!(by_ident.to_string(), "{:db/ident :person/name}");
    let many = pull_many(&db, &[cy, ann, bo], &parse_pull("[:person/name]").unwrap()).unwrap();
    let names: Vec<String> = many
        .iter()
        .map(|m| m.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            r#"{:person/name "Cy"}"#,
            r#"{:person/name "Ann"}"#,
            r#"{:person/name "Bo"}"#
        ]
    );
    for (entity, says) in [
        (r#"[:person/name "Nobody"]"#, "Nobody"),
        (r#"[:person/age 30]"#, "not unique"),
        (":no/such", ":no/such"),
        ("\"text\"", "an entity is"),
    ] {
        let e = db.pull(entity, "[*]").unwrap_err().to_string();
        assert!(e.contains(says), "{entity}: {e}");
    }
}

#[test]
fn errors_name_what_is_wrong() {
    let (database, [ann, ..]) = people();
    let db = database.db().unwrap();
    for (pattern, says) in [
        ("[:person/nope]", "unknown attribute :person/nope"),
        ("[:person/_name]", "not references"),
        (
            "[[:person/name :limit 2]]",
            ":limit applies to attributes with many values",
        ),
        ("[[:person/aliases :limit -1]]", ":limit takes"),
        (
            "[[:person/aliases :what 1]]",
            "unknown attribute option :what",
        ),
        ("[[:person/aliases :as]]", "option/value pairs"),
        ("[{:person/name [:x/y]}]", "needs a reference attribute"),
        ("[{:person/friends :x}]", "recursion limit"),
        ("[{:person/friends 0}]", "recursion limit"),
        ("[]", "at least one attribute"),
        (":person/name", "a vector"),
        ("[42]", "an attribute spec"),
        ("[(nope :person/name 1)]", "attribute expression"),
        ("[[:db/id :limit 1]]", ":db/id takes no :limit"),
    ] {
        let e = err(&db, ann, pattern);
        assert!(e.contains(says), "{pattern}: {e}");
    }
}

#[test]
fn every_database_value_but_history() {
    let (database, [ann, ..]) = people();
    let t = database.db().unwrap().basis_t();
    database
        .transact(&format!("[[:db/add {ann} :person/age 40]]"))
        .unwrap();
    let db = database.db().unwrap();
    assert_eq!(pulled(&db, ann, "[:person/age]"), "{:person/age 40}");
    let then = db.as_of(TimePoint::T(t)).unwrap();
    assert_eq!(pulled(&then, ann, "[:person/age]"), "{:person/age 30}");
    let (with, _) = db
        .with_edn(&format!("[[:db/add {ann} :person/age 50]]"))
        .unwrap();
    assert_eq!(pulled(&with, ann, "[:person/age]"), "{:person/age 50}");
    let e = err(&db.history(), ann, "[:person/age]");
    assert!(e.contains("history"), "{e}");
}

#[test]
fn pull_in_queries() {
    let (database, [ann, ..]) = people();
    let db = database.db().unwrap();
    use datolite::DbQueries;
    let r = db
        .q_edn(
            "[:find (pull ?e [:person/name]) ?a :where [?e :person/age ?a]]",
            &[],
        )
        .unwrap();
    assert_eq!(
        datolite::result_edn(&r),
        r#"[[{:person/name "Ann"} 30] [{:person/name "Bo"} 31]]"#
    );
    let r = db
        .q_edn(
            "[:find [(pull ?e pattern) ...] :in $ pattern :where [?e :person/age]]",
            &["[:person/age]"],
        )
        .unwrap();
    assert_eq!(
        datolite::result_edn(&r),
        "[{:person/age 30} {:person/age 31}]"
    );
    assert_eq!(
        datolite::result_json(&r),
        r#"[{":person/age":30},{":person/age":31}]"#
    );
    // From another source.
    let t = db.basis_t();
    database
        .transact(&format!("[[:db/add {ann} :person/age 99]]"))
        .unwrap();
    let now = database.db().unwrap();
    let r = now
        .q_edn_sources(
            "[:find (pull $before ?e [:person/age]) . :in $ $before :where [?e :person/age 99]]",
            &[],
            &[("$before".into(), now.as_of(TimePoint::T(t)).unwrap())],
        )
        .unwrap();
    assert_eq!(datolite::result_edn(&r), "{:person/age 30}");
    // Errors: an unknown attribute, a pattern input that is not declared.
    for (q, says) in [
        (
            "[:find (pull ?e [:x/y]) :where [?e :person/age]]",
            "unknown attribute :x/y",
        ),
        ("[:find (pull ?e p) :where [?e :person/age]]", "p"),
        (
            "[:find (pull ?e) :where [?e :person/age]]",
            "pull takes an entity variable and a pattern",
        ),
    ] {
        let e = db.q_edn(q, &[]).unwrap_err().to_string();
        assert!(e.contains(says), "{q}: {e}");
    }
}

// ---- The oracle: pull by per-attribute `datoms` lookups, written from the grammar alone.

fn naive(db: &Db, e: u64, p: &PullPattern, stack: &mut Vec<u64>) -> Option<PullMap> {
    stack.push(e);
    let mut map = PullMap::default();
    if p.wildcard {
        map.insert(Value::keyword(":db/id"), Pulled::Value(Value::Ref(e)));
        let mut attrs = db.schema().attributes();
        attrs.sort_by_key(|a| a.id);
        for attr in attrs {
            let values = forward(db, e, &attr.ident);
            if values.is_empty() {
                continue;
            }
            let nested = attr
                .is_component
                .then(|| Nested::Pattern(parse_pull("[*]").unwrap()));
            if let Some(v) = shape(db, attr, values, 1000, nested.as_ref(), p, stack) {
                map.insert(Value::Keyword(attr.ident.clone()), v);
            }
        }
    }
    for spec in &p.specs {
        let v = match &spec.attr {
            AttrName::DbId => Some(Pulled::Value(Value::Ref(e))),
            AttrName::Attr { ident, reverse } => {
                let attr = db.schema().attribute_named(ident).unwrap().clone();
                if *reverse {
                    let sources: Vec<Value> = db
                        .datoms(
                            Index::Vaet,
                            &[Value::Ref(e), Value::keyword(&format!(":{ident}"))],
                        )
                        .unwrap()
                        .into_iter()
                        .map(|d| Value::Ref(d.e))
                        .collect();
                    if sources.is_empty() {
                        None
                    } else if attr.is_component {
                        reference(db, &sources[0], spec.nested.as_ref(), p, stack)
                    } else {
                        many(
                            db,
                            &sources,
                            spec.limit.max(),
                            spec.nested.as_ref(),
                            p,
                            stack,
                            true,
                        )
                    }
                } else {
                    let values = forward(db, e, ident);
                    if values.is_empty() {
                        None
                    } else {
                        shape(
                            db,
                            &attr,
                            values,
                            spec.limit.max(),
                            spec.nested.as_ref(),
                            p,
                            stack,
                        )
                    }
                }
            }
        };
        match (v, &spec.default) {
            (Some(v), _) => map.insert(spec.key.clone(), v),
            (None, Some(d)) => map.insert(spec.key.clone(), Pulled::Value(d.clone())),
            _ => {}
        }
    }
    stack.pop();
    (!map.0.is_empty()).then_some(map)
}

fn forward(db: &Db, e: u64, ident: &str) -> Vec<Value> {
    db.datoms(
        Index::Eavt,
        &[Value::Ref(e), Value::keyword(&format!(":{ident}"))],
    )
    .unwrap()
    .into_iter()
    .map(|d| d.v)
    .collect()
}

fn shape(
    db: &Db,
    attr: &datolite_store::Attribute,
    values: Vec<Value>,
    limit: usize,
    nested: Option<&Nested>,
    p: &PullPattern,
    stack: &mut Vec<u64>,
) -> Option<Pulled> {
    if attr.cardinality == Cardinality::One {
        return if attr.is_ref() {
            reference(db, &values[0], nested, p, stack)
        } else {
            Some(Pulled::Value(values[0].clone()))
        };
    }
    many(db, &values, limit, nested, p, stack, attr.is_ref())
}

fn many(
    db: &Db,
    values: &[Value],
    limit: usize,
    nested: Option<&Nested>,
    p: &PullPattern,
    stack: &mut Vec<u64>,
    refs: bool,
) -> Option<Pulled> {
    let mut out = Vec::new();
    for v in values.iter().take(limit) {
        let one = if refs {
            reference(db, v, nested, p, stack)?
        } else {
            Pulled::Value(v.clone())
        };
        out.push(one);
    }
    Some(Pulled::Many(out))
}

fn id_only(e: u64) -> Pulled {
    let mut m = PullMap::default();
    m.insert(Value::keyword(":db/id"), Pulled::Value(Value::Ref(e)));
    Pulled::Map(m)
}

fn reference(
    db: &Db,
    v: &Value,
    nested: Option<&Nested>,
    p: &PullPattern,
    stack: &mut Vec<u64>,
) -> Option<Pulled> {
    let Value::Ref(target) = v else {
        unreachable!("a reference")
    };
    match nested {
        None => Some(id_only(*target)),
        Some(Nested::Pattern(inner)) => {
            if inner.wildcard && stack.contains(target) {
                return Some(id_only(*target));
            }
            Some(Pulled::Map(
                naive(db, *target, inner, stack).unwrap_or_default(),
            ))
        }
        Some(Nested::Recurse(depth)) => {
            if *depth == Some(0) {
                return None;
            }
            if stack.contains(target) {
                return Some(id_only(*target));
            }
            // The same pattern, this recursion (this very spec) one level shallower.
            let mut next = p.clone();
            for (spec, original) in next.specs.iter_mut().zip(&p.specs) {
                let this = original
                    .nested
                    .as_ref()
                    .is_some_and(|o| std::ptr::eq(o, nested.unwrap()));
                if let (true, Some(Nested::Recurse(Some(n)))) = (this, &mut spec.nested) {
                    *n -= 1;
                }
            }
            Some(Pulled::Map(
                naive(db, *target, &next, stack).unwrap_or_default(),
            ))
        }
    }
}

/// A random graph of people: names, ages, aliases, friends (cycles included), spouses and
/// address components, with some retractions.
fn random_db(ops: &[(u8, u8, u8)]) -> (datolite::Database, Vec<u64>) {
    let database = datolite::Database::memory().unwrap();
    database.transact(SCHEMA).unwrap();
    let mut tx = String::from("[");
    for i in 0..6 {
        tx.push_str(&format!(
            r#"{{:db/id "p{i}" :person/name "P{i}" :person/age {}}}"#,
            20 + i
        ));
    }
    tx.push(']');
    let r = database.transact(&tx).unwrap();
    let ids: Vec<u64> = (0..6).map(|i| r.tempids[&format!("p{i}")]).collect();
    for &(kind, a, b) in ops {
        let (x, y) = (ids[a as usize % 6], ids[b as usize % 6]);
        let text = match kind % 6 {
            0 => format!("[[:db/add {x} :person/friends {y}]]"),
            1 => format!("[[:db/add {x} :person/spouse {y}]]"),
            2 => format!("[[:db/add {x} :person/aliases \"a{b}\"]]"),
            3 => format!(
                r#"[{{:db/id {x} :person/address {{:address/city "C{b}" :address/tags [{{:tag/label "t{b}"}}]}}}}]"#
            ),
            4 => format!("[[:db/retract {x} :person/friends {y}]]"),
            _ => format!("[[:db/retract {x} :person/age {}]]", 20 + a % 6),
        };
        database.transact(&text).unwrap();
    }
    (database, ids)
}

const PATTERNS: &[&str] = &[
    "[*]",
    "[:db/id :person/name :person/age [:person/aliases :limit 1]]",
    "[:person/name {:person/friends [:person/name {:person/spouse [:person/name]}]}]",
    "[:person/name {:person/friends ...}]",
    "[:person/name {:person/friends 2} {:person/spouse 1}]",
    "[:person/name {:person/_friends [:person/name]} :person/_spouse]",
    "[* {:person/address [:address/city {:address/tags [:tag/label]}]}]",
    "[[:person/age :default -1] (limit :person/friends 1) {:person/_address [:person/name]}]",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// On random graphs with references, cycles and components, pull and pull-many answer what
    /// the naive per-attribute implementation answers, for every pattern and every entity.
    #[test]
    fn pull_equals_the_naive_oracle(ops in prop::collection::vec((0u8..6, 0u8..6, 0u8..6), 0..24)) {
        let (database, ids) = random_db(&ops);
        let db = database.db().unwrap();
        let mut entities = ids.clone();
        // The address and tag entities too.
        for d in db.scan(Index::Aevt).attribute(":address/city").collect().unwrap() {
            entities.push(d.e);
        }
        for text in PATTERNS {
            let pattern = parse_pull(text).unwrap();
            for &e in &entities {
                let got = pull(&db, e, &pattern).unwrap();
                let want = naive(&db, e, &pattern, &mut Vec::new());
                prop_assert_eq!(got, want, "{} of {}", text, e);
            }
            // One cursor across the entities: in order (it never needs to move back), then
            // backwards and each twice in a row (it must).
            let order: Vec<u64> = entities
                .iter()
                .chain(entities.iter().rev().flat_map(|e| [e, e]))
                .copied()
                .collect();
            let many = pull_many(&db, &order, &pattern).unwrap();
            prop_assert_eq!(many.len(), order.len());
            for (&e, got) in order.iter().zip(many) {
                prop_assert_eq!(got, naive(&db, e, &pattern, &mut Vec::new()), "pull-many {} of {}", text, e);
            }
        }
    }
}
