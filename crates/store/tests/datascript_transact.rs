//! DataScript's transaction test suite (`transact.cljc`, `upsert.cljc`, the transaction parts
//! of `lookup_refs.cljc`, `tuples.cljc`, `components.cljc`, `explode.cljc`, `validation.cljc`,
//! `ident.cljc`, `index.cljc`), ported to datolite.
//!
//! Translation rules: DataScript's schema maps become schema transactions with
//! `:db/valueType`; its literal entity ids become string tempids (`"ivan"`), written `@ivan` in
//! later transactions and in expected datoms; `@:name` is the entity id of an ident. Expected
//! state is the set of `[e :attr v]` of the user entities (`all_datoms`). Where Datomic and
//! DataScript differ, the expected behaviour is Datomic's, noted at the case: two values for a
//! cardinality-one attribute of one entity in one transaction are a conflict (DataScript keeps
//! the last); lookup refs resolve against the database before the transaction; a lookup ref or
//! an entity id that names nothing is an error; composite tuples are never asserted directly.
//! Every expected state was worked out by hand from the transactions of the case.

mod common;

use std::collections::BTreeMap;
use std::ops::Bound;

use common::memory;
use datolite_edn::{self as edn, Edn};
use datolite_store::{Index, Store, TxReport, Value};

/// Entity ids of the user partition start at 4·2^42 (schema and transactions sit below).
const USER_PARTITION: u64 = 4 << 42;

/// A memory store and the entity ids its tempids resolved to.
struct Fx {
    store: Store,
    ids: BTreeMap<String, u64>,
}

impl Fx {
    fn new() -> Fx {
        Fx {
            store: memory(),
            ids: BTreeMap::new(),
        }
    }

    /// A store after one transaction.
    fn with(tx: &str) -> Fx {
        let mut fx = Fx::new();
        fx.tx(tx);
        fx
    }

    /// Runs a transaction (with `@name` substituted), remembering its tempids; panics on error.
    fn tx(&mut self, tx: &str) -> TxReport {
        let text = self.subst(tx);
        let report = self
            .store
            .transact_edn(&text)
            .unwrap_or_else(|e| panic!("transaction failed: {e}\n{text}"));
        self.ids.extend(report.tempids.clone());
        report
    }

    /// The error of a transaction that must fail, checking that it changed nothing.
    fn tx_err(&mut self, tx: &str) -> String {
        let text = self.subst(tx);
        let before = self.store.db().unwrap();
        let datoms = self.everything();
        match self.store.transact_edn(&text) {
            Ok(r) => panic!("transaction should fail: {text}\ngot {r:?}"),
            Err(e) => {
                assert_eq!(self.store.db().unwrap().basis_t(), before.basis_t());
                assert_eq!(self.everything(), datoms, "a failed transaction wrote");
                e.to_string()
            }
        }
    }

    /// Asserts that the transaction fails with a message containing every needle.
    fn fails(&mut self, tx: &str, needles: &[&str]) {
        let err = self.tx_err(tx);
        for n in needles {
            assert!(err.contains(n), "{tx}\nerror {err:?} lacks {n:?}");
        }
    }

    /// Gives the entity that tempid `key` of the last transactions resolved to a lasting name.
    fn alias(&mut self, name: &str, key: &str) {
        let id = self.id(key);
        self.ids.insert(name.to_owned(), id);
    }

    /// The entity holding `value` for the unique attribute `attr`, under a lasting name.
    fn alias_lookup(&mut self, name: &str, attr: &str, value: Value) {
        let datoms = self
            .store
            .db()
            .unwrap()
            .datoms(Index::Avet, &[Value::keyword(attr), value])
            .unwrap();
        let [d] = datoms.as_slice() else {
            panic!("{attr}: {datoms:?}")
        };
        self.ids.insert(name.to_owned(), d.e);
    }

    fn id(&self, name: &str) -> u64 {
        *self
            .ids
            .get(name)
            .unwrap_or_else(|| panic!("no entity named {name}"))
    }

    /// `text` with `@name` replaced by that entity's id and `@:ident` by the ident's (a `@`
    /// counts only at the start of a token outside strings).
    fn subst(&self, text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::new();
        let (mut i, mut in_string) = (0, false);
        while i < chars.len() {
            let c = chars[i];
            if in_string {
                out.push(c);
                if c == '\\' && i + 1 < chars.len() {
                    out.push(chars[i + 1]);
                    i += 1;
                } else if c == '"' {
                    in_string = false;
                }
                i += 1;
                continue;
            }
            let at_start = i == 0 || " \n\t[({,".contains(chars[i - 1]);
            if c == '@' && at_start {
                let mut j = i + 1;
                while j < chars.len() && !" \n\t])},".contains(chars[j]) {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                let id = match name.strip_prefix(':') {
                    Some(ident) => self
                        .store
                        .db()
                        .unwrap()
                        .schema()
                        .entity_of_ident(ident)
                        .unwrap_or_else(|| panic!("no ident :{ident}")),
                    None => self.id(&name),
                };
                out.push_str(&id.to_string());
                i = j;
                continue;
            }
            in_string = c == '"';
            out.push(c);
            i += 1;
        }
        out
    }

    /// Every datom of the store, for all-or-nothing checks.
    fn everything(&self) -> Vec<datolite_store::Datom> {
        self.store
            .db()
            .unwrap()
            .scan(Index::Eavt)
            .collect()
            .unwrap()
    }

    /// `[e :attr v]` of one datom, as EDN text.
    fn triple(&self, d: &datolite_store::Datom) -> String {
        let db = self.store.db().unwrap();
        let attr = db.schema().ident_of(d.a).unwrap_or("?").to_owned();
        format!("[{} :{} {}]", d.e, attr, d.v)
    }

    /// The `[e :attr v]` of every user entity.
    fn all_datoms(&self) -> Edn {
        let text: Vec<String> = self
            .everything()
            .iter()
            .filter(|d| d.e >= USER_PARTITION)
            .map(|d| self.triple(d))
            .collect();
        edn::parse(&format!("#{{{}}}", text.join(" "))).unwrap()
    }

    /// The `[e :attr v]` of the datoms of `index` with leading `components`, in index order.
    fn datoms(&self, index: Index, components: &[Value]) -> Edn {
        let db = self.store.db().unwrap();
        let text: Vec<String> = db
            .datoms(index, components)
            .unwrap()
            .iter()
            .map(|d| self.triple(d))
            .collect();
        edn::parse(&format!("[{}]", text.join(" "))).unwrap()
    }

    /// Asserts the `[e :attr v]` of every user entity.
    fn check(&self, expected: &str) {
        let want = parse_set(&self.subst(expected));
        let got = self.all_datoms();
        assert_eq!(
            sorted(&want),
            sorted(&got),
            "\nexpected {expected}\n     got {got}\n(entities {:?})",
            self.ids
        );
    }

    /// Asserts the `[:attr v]` of one entity (any entity: user, transaction).
    fn check_entity(&self, e: u64, expected: &str) {
        let db = self.store.db().unwrap();
        let text: Vec<String> = db
            .entity_datoms(e)
            .unwrap()
            .iter()
            .map(|d| format!("[:{} {}]", db.schema().ident_of(d.a).unwrap_or("?"), d.v))
            .collect();
        let got = edn::parse(&format!("#{{{}}}", text.join(" "))).unwrap();
        let want = parse_set(&self.subst(expected));
        assert_eq!(sorted(&want), sorted(&got), "entity {e}: got {got}");
    }
}

fn parse_set(text: &str) -> Edn {
    edn::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The elements of a set or vector, sorted by their printed form.
fn sorted(e: &Edn) -> Vec<String> {
    let items = match e {
        Edn::Set(items) | Edn::Vector(items) => items,
        other => panic!("not a collection: {other}"),
    };
    let mut out: Vec<String> = items.iter().map(|x| x.to_string()).collect();
    out.sort();
    out
}

/// Schema transaction data, one attribute per `;`-separated entry:
/// `ident type [many] [identity|unique] [component]`.
fn schema(spec: &str) -> String {
    let mut out = String::from("[");
    for entry in spec.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let mut words = entry.split_whitespace();
        let ident = words.next().unwrap();
        let ty = words.next().unwrap();
        let mut card = "one";
        let mut extra = String::new();
        for w in words {
            match w {
                "many" => card = "many",
                "one" => card = "one",
                "identity" => extra.push_str(" :db/unique :db.unique/identity"),
                "unique" => extra.push_str(" :db/unique :db.unique/value"),
                "component" => extra.push_str(" :db/isComponent true"),
                other => panic!("schema word {other}"),
            }
        }
        out.push_str(&format!(
            "{{:db/ident :{ident} :db/valueType :db.type/{ty} :db/cardinality :db.cardinality/{card}{extra}}}\n"
        ));
    }
    out.push(']');
    out
}

// ---------------------------------------------------------------------------------------------
// transact.cljc

#[test]
fn with_replaces_cardinality_one_and_accumulates_many() {
    let mut fx = Fx::with(&schema("name string; aka string many"));
    fx.tx(r#"[[:db/add "1" :name "Ivan"]]"#);
    fx.tx(r#"[[:db/add @1 :name "Petr"]]"#);
    fx.tx(r#"[[:db/add @1 :aka "Devil"]]"#);
    fx.tx(r#"[[:db/add @1 :aka "Tupen"]]"#);
    fx.check(r#"#{[@1 :name "Petr"] [@1 :aka "Devil"] [@1 :aka "Tupen"]}"#);

    // Cannot retract what's not there: the current name is Petr.
    fx.tx(r#"[[:db/retract @1 :name "Ivan"]]"#);
    fx.check(r#"#{[@1 :name "Petr"] [@1 :aka "Devil"] [@1 :aka "Tupen"]}"#);

    fx.tx(r#"[[:db/retract @1 :name "Petr"]]"#);
    fx.tx(r#"[[:db/retract @1 :aka "Devil"]]"#);
    fx.check(r#"#{[@1 :aka "Tupen"]}"#);
}

#[test]
fn nil_in_transaction_data_is_an_error() {
    // DataScript skips nils; datolite (as Datomic) rejects the malformed operation.
    let mut fx = Fx::with(&schema("attr long"));
    fx.fails(
        r#"[[:db/add "1" :attr 2] nil [:db/add "3" :attr 4]]"#,
        &["nil"],
    );
}

/// 1 Ivan 15 aka X Y Z friend 2; 2 Petr 37.
fn ivan_petr() -> Fx {
    let mut fx = Fx::with(&schema(
        "name string; age long; aka string many; friend ref; employed? boolean; married? boolean",
    ));
    fx.tx(
        r#"[{:db/id "1" :name "Ivan" :age 15 :aka ["X" "Y" "Z"] :friend "2"}
              {:db/id "2" :name "Petr" :age 37 :employed? true :married? false}]"#,
    );
    fx
}

const PETR: &str = r#"[@2 :name "Petr"] [@2 :age 37] [@2 :employed? true] [@2 :married? false]"#;

#[test]
fn retract_entity() {
    for op in [":db/retractEntity", ":db.fn/retractEntity"] {
        let mut fx = ivan_petr();
        fx.tx(&format!("[[{op} @1]]"));
        fx.check(&format!("#{{{PETR}}}"));
    }
}

#[test]
fn retract_entity_with_incoming_refs() {
    let mut fx = ivan_petr();
    fx.tx("[[:db/retractEntity @2]]");
    fx.check(r#"#{[@1 :name "Ivan"] [@1 :age 15] [@1 :aka "X"] [@1 :aka "Y"] [@1 :aka "Z"]}"#);
}

#[test]
fn retract_attribute() {
    // DataScript's :db.fn/retractAttribute is Datomic's [:db/retract e a].
    let mut fx = ivan_petr();
    fx.tx("[[:db/retract @1 :name]]");
    fx.check(&format!(
        r#"#{{[@1 :age 15] [@1 :aka "X"] [@1 :aka "Y"] [@1 :aka "Z"] [@1 :friend @2] {PETR}}}"#
    ));
    let mut fx = ivan_petr();
    fx.tx("[[:db/retract @1 :aka]]");
    fx.check(&format!(
        r#"#{{[@1 :name "Ivan"] [@1 :age 15] [@1 :friend @2] {PETR}}}"#
    ));
}

#[test]
fn retract_without_value() {
    // issue-339, booleans included.
    let mut fx = ivan_petr();
    fx.tx(
        "[[:db/retract @1 :name] [:db/retract @1 :aka] [:db/retract @2 :employed?]
            [:db/retract @2 :married?]]",
    );
    fx.check(r#"#{[@1 :age 15] [@1 :friend @2] [@2 :name "Petr"] [@2 :age 37]}"#);
    // Retracting a value the entity does not have is a no-op.
    let mut fx = ivan_petr();
    fx.tx("[[:db/retract @2 :employed? false]]");
    assert_eq!(
        fx.datoms(
            Index::Eavt,
            &[Value::Ref(fx.id("2")), Value::keyword(":employed?")]
        ),
        edn::parse(&fx.subst("[[@2 :employed? true]]")).unwrap()
    );
}

#[test]
fn retractions_of_missing_facts() {
    let mut fx = Fx::with(&schema("name string identity; age long"));
    fx.tx(r#"[[:db/add "1" :name "Ivan"] [:db/add "2" :age 1]]"#);
    let start = r#"#{[@1 :name "Ivan"] [@2 :age 1]}"#;
    // Facts an existing entity does not have: no-ops.
    for op in [
        r#"[:db/retract @2 :name "Petr"]"#,
        "[:db/retract @2 :name]",
        r#"[:db/retract @1 :name "Petr"]"#,
    ] {
        fx.tx(&format!("[{op}]"));
        fx.check(start);
    }
    // A lookup ref that names nothing is an error (DataScript: a no-op).
    for op in [
        r#"[:db/retract [:name "Petr"] :name "Petr"]"#,
        r#"[:db/retract [:name "Petr"] :name]"#,
        r#"[:db/retractEntity [:name "Petr"]]"#,
    ] {
        fx.fails(&format!("[{op}]"), &[r#"[:name "Petr"]"#]);
    }
}

#[test]
fn retractions_are_idempotent() {
    for op in [
        r#"[:db/retract @1 :name "Ivan"]"#,
        "[:db/retract @1 :name]",
        "[:db/retractEntity @1]",
        r#"[:db/retract [:name "Ivan"] :name "Ivan"]"#,
        "[:db/retract [:name \"Ivan\"] :name]",
        "[:db/retractEntity [:name \"Ivan\"]]",
    ] {
        for times in [1, 2] {
            let mut fx = Fx::with(&schema("name string identity"));
            fx.tx(r#"[[:db/add "1" :name "Ivan"]]"#);
            let ops = vec![op; times].join(" ");
            fx.tx(&format!("[{ops}]"));
            fx.check("#{}");
        }
    }
}

#[test]
fn tempids_resolve() {
    let mut fx = Fx::with(&schema(
        "name string identity; aka string many identity; age long; ref ref",
    ));
    let r = fx.tx(r#"[[:db/add -1 :name "Ivan"] [:db/add -1 :age 19]
                      [:db/add -2 :name "Petr"] [:db/add -2 :age 22]
                      [:db/add "Serg" :name "Sergey"] [:db/add "Serg" :age 30]]"#);
    let keys: Vec<&str> = r.tempids.keys().map(String::as_str).collect();
    assert_eq!(keys, ["-1", "-2", "Serg"]);
    let mut ids: Vec<u64> = r.tempids.values().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three entities: {:?}", r.tempids);
    fx.check(
        r#"#{[@-1 :name "Ivan"] [@-1 :age 19] [@-2 :name "Petr"] [@-2 :age 22]
             [@Serg :name "Sergey"] [@Serg :age 30]}"#,
    );
}

#[test]
fn tempid_as_ref_value() {
    let mut fx = Fx::with(&schema("name string identity; ref ref"));
    fx.tx(r#"[[:db/add -1 :name "Ivan"] [:db/add -2 :ref -1]]"#);
    fx.check(r#"#{[@-1 :name "Ivan"] [@-2 :ref @-1]}"#);
}

#[test]
fn upserted_tempid_as_ref_value() {
    // issue-363: -1 upserts to the existing Ivan, -2 refers to it.
    let mut fx = Fx::with(&schema(
        "name string identity; aka string many identity; ref ref",
    ));
    fx.tx(r#"[[:db/add -1 :name "Ivan"]]"#);
    fx.alias("ivan", "-1");
    let r = fx.tx(r#"[[:db/add -1 :name "Ivan"] [:db/add -2 :ref -1]]"#);
    assert_eq!(r.tempids["-1"], fx.id("ivan"));
    fx.check(r#"#{[@ivan :name "Ivan"] [@-2 :ref @ivan]}"#);

    let mut fx = Fx::with(&schema(
        "name string identity; aka string many identity; ref ref",
    ));
    fx.tx(r#"[[:db/add -1 :aka "Batman"]]"#);
    fx.alias("batman", "-1");
    fx.tx(r#"[[:db/add -1 :aka "Batman"] [:db/add -2 :ref -1]]"#);
    assert_eq!(fx.id("-1"), fx.id("batman"));
    fx.check(r#"#{[@batman :aka "Batman"] [@-2 :ref @batman]}"#);
}

#[test]
fn tempid_refs_in_maps_and_lists() {
    let mut fx = Fx::with(&schema("name string; friend ref many"));
    fx.tx(r#"[{:name "Sergey" :friend [-1 -2]}
              [:db/add -1 :name "Ivan"] [:db/add -2 :name "Petr"]
              [:db/add "B" :name "Boris"] [:db/add "B" :friend -3]
              [:db/add -3 :name "Oleg"] [:db/add -3 :friend "B"]]"#);
    let db = fx.store.db().unwrap();
    let sergey = db
        .datoms(Index::Aevt, &[Value::keyword(":name")])
        .unwrap()
        .into_iter()
        .find(|d| d.v == Value::from("Sergey"))
        .unwrap()
        .e;
    fx.ids.insert("sergey".into(), sergey);
    fx.check(
        r#"#{[@sergey :name "Sergey"] [@sergey :friend @-1] [@sergey :friend @-2]
             [@-1 :name "Ivan"] [@-2 :name "Petr"] [@B :name "Boris"] [@B :friend @-3]
             [@-3 :name "Oleg"] [@-3 :friend @B]}"#,
    );
}

#[test]
fn tempid_used_only_as_a_value_is_an_error() {
    // issue-304: a tempid that no operation asserts anything about names no entity.
    let fx = Fx::with(&schema("friend ref; multi string many"));
    let mut accepted = Vec::new();
    for (tx, tempid) in [
        ("[[:db/add -1 :friend -2]]", "-2"),
        ("[{:db/id -1 :friend -2}]", "-2"),
        // A map with only :db/id (or an empty collection) asserts nothing about -1.
        ("[{:db/id -1} [:db/add -2 :friend -1]]", "-1"),
        ("[{:db/id -1 :multi []} [:db/add -2 :friend -1]]", "-1"),
    ] {
        let text = fx.subst(tx);
        match fx.store.transact_edn(&text) {
            Ok(_) => accepted.push(tx),
            Err(e) => assert!(e.to_string().contains(tempid), "{tx}: {e}"),
        }
    }
    assert!(accepted.is_empty(), "accepted: {accepted:?}");
}

#[test]
fn the_transaction_tempid() {
    let mut fx = Fx::with(&schema(
        "name string; created-at ref; prop1 string; prop2 string; prop3 string",
    ));
    let r = fx.tx(r#"[{:name "X" :created-at "datomic.tx"}
                      {:db/id "datomic.tx" :prop1 "prop1"}
                      [:db/add "datomic.tx" :prop2 "prop2"]
                      [:db/add -1 :name "Y"]
                      [:db/add -1 :created-at "datomic.tx"]]"#);
    let tx = r.tx;
    fx.ids.insert("tx".into(), tx);
    let db = fx.store.db().unwrap();
    let x = db
        .datoms(Index::Aevt, &[Value::keyword(":name")])
        .unwrap()
        .into_iter()
        .find(|d| d.v == Value::from("X"))
        .unwrap()
        .e;
    fx.ids.insert("x".into(), x);
    fx.check(r#"#{[@x :name "X"] [@x :created-at @tx] [@-1 :name "Y"] [@-1 :created-at @tx]}"#);
    let instant = db
        .datoms(
            Index::Eavt,
            &[Value::Ref(tx), Value::keyword(":db/txInstant")],
        )
        .unwrap();
    let [inst] = instant.as_slice() else {
        panic!("{instant:?}")
    };
    fx.check_entity(
        tx,
        &format!(
            r#"#{{[:db/txInstant {}] [:prop1 "prop1"] [:prop2 "prop2"]}}"#,
            inst.v
        ),
    );
    // The next transaction's "datomic.tx" is that transaction.
    let r2 = fx.tx(r#"[[:db/add "datomic.tx" :prop3 "prop3"]]"#);
    assert_ne!(r2.tx, tx);
    let db = fx.store.db().unwrap();
    let props: Vec<Value> = db
        .datoms(Index::Eavt, &[Value::Ref(r2.tx), Value::keyword(":prop3")])
        .unwrap()
        .into_iter()
        .map(|d| d.v)
        .collect();
    assert_eq!(props, vec![Value::from("prop3")]);
}

#[test]
fn retract_entity_reports_exactly_its_datoms() {
    // issue-294: retracting 1 and 2 must not touch 3..9.
    let mut fx = Fx::with(&schema("a1 long; a2 long; a3 long"));
    let mut tx = String::from("[");
    for e in 1..10 {
        tx.push_str(&format!("{{:db/id \"{e}\" :a1 1 :a2 2 :a3 3}}"));
    }
    tx.push(']');
    fx.tx(&tx);
    let r = fx.tx("[[:db/retractEntity @1] [:db/retractEntity @2]]");
    let retracted: Vec<String> = r
        .tx_data
        .iter()
        .filter(|d| !d.added)
        .map(|d| fx.triple(d))
        .collect();
    let got = edn::parse(&format!("#{{{}}}", retracted.join(" "))).unwrap();
    let want = parse_set(
        &fx.subst("#{[@1 :a1 1] [@1 :a2 2] [@1 :a3 3] [@2 :a1 1] [@2 :a2 2] [@2 :a3 3]}"),
    );
    assert_eq!(sorted(&want), sorted(&got));
    // Besides them, only the transaction's instant.
    assert_eq!(r.tx_data.iter().filter(|d| d.added).count(), 1);
}

#[test]
fn unknown_entity_ids_are_errors() {
    // issue-292 in DataScript is about id range; in datolite an id that names no entity is
    // rejected wherever it appears.
    let mut fx = Fx::with(&schema("name string; ref ref"));
    fx.tx(r#"[{:db/id "1" :name "Ivan"}]"#);
    fx.fails(
        r#"[[:db/add 285873023227265 :name "Valerii"]]"#,
        &["285873023227265"],
    );
    fx.fails(
        r#"[{:db/id 285873023227265 :name "Valerii"}]"#,
        &["285873023227265"],
    );
    fx.fails("[{:db/id @1 :ref 285873023227265}]", &["285873023227265"]);
}

#[test]
fn retracting_a_different_number_is_a_no_op() {
    // issue-404: 42 is not 42.5.
    let mut fx = Fx::with(&schema("num double"));
    fx.tx(r#"[{:db/id "1" :num 42.5}]"#);
    fx.tx("[[:db/retract @1 :num 42]]");
    fx.check("#{[@1 :num 42.5]}");
}

#[test]
fn values_keep_their_attribute_type() {
    // issue-386: a number for a string identity is a type error, not a second kind of uid.
    let mut fx = Fx::with(&schema("block/uid string identity"));
    for uid in ["2LB4tlJGy", "2ON453J0Z", "dTR20ficj"] {
        fx.tx(&format!(r#"[{{:block/uid "{uid}"}}]"#));
    }
    fx.fails("[{:block/uid 45619}]", &[":block/uid"]);
}

// ---------------------------------------------------------------------------------------------
// upsert.cljc

/// name and email identities, slugs a cardinality-many identity; Ivan @1, Petr @2, Dima @3,
/// Olga @4.
fn upsert_db() -> Fx {
    let mut fx = Fx::with(&schema(
        "name string identity; email string identity; slugs string many identity; age long;
         height long; ref ref",
    ));
    fx.tx(
        r#"[{:db/id "ivan" :name "Ivan" :email "@1"} {:db/id "petr" :name "Petr" :email "@2"}
              {:db/id "dima" :name "Dima" :email "@3"} {:db/id "olga" :name "Olga" :email "@4"}]"#,
    );
    fx
}

const OTHERS: &str = r#"[@petr :name "Petr"] [@petr :email "@2"] [@dima :name "Dima"]
  [@dima :email "@3"] [@olga :name "Olga"] [@olga :email "@4"]"#;

fn with_others(ivan: &str) -> String {
    format!("#{{{ivan} {OTHERS}}}")
}

const IVAN_35: &str = r#"[@ivan :name "Ivan"] [@ivan :email "@1"] [@ivan :age 35]"#;

#[test]
fn upsert_without_tempid() {
    for tx in [
        r#"[{:name "Ivan" :age 35}]"#,
        r#"[{:name "Ivan" :email "@1" :age 35}]"#,
    ] {
        let mut fx = upsert_db();
        let r = fx.tx(tx);
        assert!(r.tempids.is_empty(), "{:?}", r.tempids);
        fx.check(&with_others(IVAN_35));
    }
}

#[test]
fn upsert_with_tempid() {
    for tx in [
        r#"[{:db/id -1 :name "Ivan" :age 35}]"#,
        r#"[{:db/id -1 :name "Ivan" :email "@1" :age 35}]"#,
    ] {
        let mut fx = upsert_db();
        let r = fx.tx(tx);
        assert_eq!(r.tempids["-1"], fx.id("ivan"));
        fx.check(&with_others(IVAN_35));
    }
}

#[test]
fn upsert_with_string_tempids() {
    // "2" upserts through its email to Petr, whose name becomes Oleg.
    let mut fx = upsert_db();
    let r = fx.tx(r#"[{:db/id "1" :name "Ivan" :age 35}
                      [:db/add "2" :name "Oleg"] [:db/add "2" :email "@2"]]"#);
    assert_eq!(r.tempids["1"], fx.id("ivan"));
    assert_eq!(r.tempids["2"], fx.id("petr"));
    fx.check(
        r#"#{[@ivan :name "Ivan"] [@ivan :email "@1"] [@ivan :age 35]
             [@petr :name "Oleg"] [@petr :email "@2"]
             [@dima :name "Dima"] [@dima :email "@3"] [@olga :name "Olga"] [@olga :email "@4"]}"#,
    );
}

#[test]
fn two_tempids_upserting_to_one_entity() {
    let mut fx = upsert_db();
    let r = fx.tx(r#"[{:db/id -1 :name "Ivan" :age 35} {:db/id -2 :name "Ivan" :height 180}]"#);
    assert_eq!(r.tempids["-1"], fx.id("ivan"));
    assert_eq!(r.tempids["-2"], fx.id("ivan"));
    fx.check(&with_others(&format!("{IVAN_35} [@ivan :height 180]")));
}

#[test]
fn upserts_asserting_two_values_conflict() {
    // DataScript keeps the last value; in Datomic two values of a cardinality-one attribute of
    // one entity in one transaction conflict.
    for tx in [
        r#"[{:db/id -1 :name "Ivan" :age 35} {:db/id -1 :name "Ivan" :age 36}]"#,
        r#"[{:db/id -1 :name "Ivan" :age 35} {:db/id -2 :name "Ivan" :age 36}]"#,
        r#"[{:name "Igor" :age 35} {:name "Igor" :age 36}]"#,
        r#"[{:db/id -1 :age 35} {:db/id -1 :name "Ivan" :age 36}]"#,
    ] {
        upsert_db().fails(tx, &[":age"]);
    }
}

#[test]
fn upsert_with_existing_id_or_lookup_ref() {
    for tx in [
        r#"[{:db/id @ivan :name "Ivan" :age 35}]"#,
        r#"[{:db/id @ivan :name "Ivan" :email "@1" :age 35}]"#,
        r#"[{:db/id [:name "Ivan"] :name "Ivan" :email "@1" :age 35}]"#,
    ] {
        let mut fx = upsert_db();
        let r = fx.tx(tx);
        assert!(r.tempids.is_empty());
        fx.check(&with_others(IVAN_35));
    }
}

#[test]
fn upsert_conflicting_with_the_given_id() {
    let mut fx = upsert_db();
    fx.fails(r#"[{:db/id @petr :name "Ivan" :age 36}]"#, &["Ivan"]);
}

#[test]
fn upsert_by_one_identity_updates_another() {
    let mut fx = upsert_db();
    fx.tx(r#"[{:name "Ivan" :email "@5" :age 35}]"#);
    fx.check(&with_others(
        r#"[@ivan :name "Ivan"] [@ivan :email "@5"] [@ivan :age 35]"#,
    ));
}

#[test]
fn upsert_by_two_identities_of_different_entities_is_an_error() {
    upsert_db().fails(r#"[{:name "Ivan" :email "@2" :age 35}]"#, &[]);
}

#[test]
fn upsert_conflicts_name_the_identities() {
    // A map without :db/id has no tempid the user wrote: the error names the identity values
    // that resolve to different entities.
    upsert_db().fails(
        r#"[{:name "Ivan" :email "@2" :age 35}]"#,
        &[":email", "\"@2\""],
    );
    let mut fx = upsert_db();
    fx.tx(r#"[{:name "Ivan" :slugs "ivan1"} {:name "Petr" :slugs "petr1"}]"#);
    fx.fails(r#"[{:slugs ["ivan1" "petr1"]}]"#, &[":slugs", "petr1"]);
}

#[test]
fn tempids_with_one_new_identity_unify() {
    for (tx, tempids) in [
        (
            r#"[{:name "Igor" :age 35} {:name "Igor" :height 180}]"#,
            vec![],
        ),
        (
            r#"[{:db/id -1 :name "Igor" :age 35} {:db/id -1 :name "Igor" :height 180}]"#,
            vec!["-1"],
        ),
        (
            r#"[{:db/id -1 :name "Igor" :age 35} {:db/id -2 :name "Igor" :height 180}]"#,
            vec!["-1", "-2"],
        ),
    ] {
        let mut fx = upsert_db();
        let r = fx.tx(tx);
        let keys: Vec<&str> = r.tempids.keys().map(String::as_str).collect();
        assert_eq!(keys, tempids);
        fx.alias_lookup("igor", ":name", Value::from("Igor"));
        for key in tempids {
            assert_eq!(r.tempids[key], fx.id("igor"));
        }
        fx.check(&format!(
            r#"#{{[@ivan :name "Ivan"] [@ivan :email "@1"] {OTHERS}
                 [@igor :name "Igor"] [@igor :age 35] [@igor :height 180]}}"#
        ));
    }
}

#[test]
fn upsert_of_cardinality_many_identities() {
    let mut fx = upsert_db();
    fx.tx(r#"[{:name "Ivan" :slugs "ivan1"} {:name "Petr" :slugs "petr1"}]"#);
    fx.tx(r#"[{:name "Ivan" :slugs ["ivan1" "ivan2"]}]"#);
    fx.check(
        r#"#{[@ivan :name "Ivan"] [@ivan :email "@1"] [@ivan :slugs "ivan1"] [@ivan :slugs "ivan2"]
             [@petr :name "Petr"] [@petr :email "@2"] [@petr :slugs "petr1"]
             [@dima :name "Dima"] [@dima :email "@3"] [@olga :name "Olga"] [@olga :email "@4"]}"#,
    );
    // Upserting through the slugs of two entities.
    fx.fails(r#"[{:slugs ["ivan1" "petr1"]}]"#, &[]);
    // One slug: the entity that holds it.
    fx.tx(r#"[{:slugs "petr1" :age 40}]"#);
    fx.check_entity(
        fx.id("petr"),
        r#"#{[:name "Petr"] [:email "@2"] [:slugs "petr1"] [:age 40]}"#,
    );
}

#[test]
fn new_entities_referring_to_each_other_do_not_upsert() {
    // issue-464
    for tx in [
        r#"[{:db/id -1 :name "Igor"} {:db/id -2 :name "Anna" :ref -1}]"#,
        r#"[{:db/id "-1" :name "Igor"} {:db/id "-2" :name "Anna" :ref "-1"}]"#,
    ] {
        let mut fx = upsert_db();
        fx.tx(tx);
        fx.check(&format!(
            r#"#{{[@ivan :name "Ivan"] [@ivan :email "@1"] {OTHERS}
                 [@-1 :name "Igor"] [@-2 :name "Anna"] [@-2 :ref @-1]}}"#
        ));
    }
}

#[test]
fn tempid_resolving_to_two_entities_is_an_error() {
    let mut fx = Fx::with(&schema("name string identity; age long"));
    fx.tx(r#"[{:db/id "ivan" :name "Ivan"} {:db/id "oleg" :name "Oleg"}]"#);
    fx.fails(
        r#"[{:db/id -1 :name "Ivan" :age 35} {:db/id -1 :name "Oleg" :age 35}]"#,
        &["-1"],
    );
    fx.fails(
        r#"[[:db/add -1 :name "Ivan"] [:db/add -1 :age 35] [:db/add -1 :name "Oleg"]]"#,
        &["-1"],
    );
}

#[test]
fn tempid_defined_before_its_identity() {
    // test-redefining-ids without the age conflict: -1 upserts through its second map.
    let mut fx = Fx::with(&schema("name string identity; age long"));
    fx.tx(r#"[{:db/id "ivan" :name "Ivan"}]"#);
    let r = fx.tx(r#"[{:db/id -1 :age 35} {:db/id -1 :name "Ivan"}]"#);
    assert_eq!(r.tempids["-1"], fx.id("ivan"));
    fx.check(r#"#{[@ivan :name "Ivan"] [@ivan :age 35]}"#);
}

#[test]
fn tempids_sharing_a_new_identity_merge() {
    // issue-285, both orders.
    for tx in [
        r#"[[:db/add -1 :age 42] [:db/add -2 :likes "Pizza"] [:db/add -1 :name "Bob"] [:db/add -2 :name "Bob"]]"#,
        r#"[[:db/add -1 :age 42] [:db/add -2 :likes "Pizza"] [:db/add -2 :name "Bob"] [:db/add -1 :name "Bob"]]"#,
    ] {
        let mut fx = Fx::with(&schema("name string identity; age long; likes string"));
        let r = fx.tx(tx);
        assert_eq!(r.tempids["-1"], r.tempids["-2"]);
        fx.check(r#"#{[@-1 :name "Bob"] [@-1 :likes "Pizza"] [@-1 :age 42]}"#);
    }
}

#[test]
fn upserted_string_tempid_as_ref() {
    // issue-403
    for tx in [
        r#"[{:db/id "user" :name "Alice"} {:db/id "x" :age 36 :ref "user"}]"#,
        r#"[[:db/add "user" :name "Alice"] {:db/id "x" :age 36 :ref "user"}]"#,
        r#"[{:db/id -1 :name "Alice"} {:db/id "x" :age 36 :ref -1}]"#,
        r#"[[:db/add -1 :name "Alice"] {:db/id "x" :age 36 :ref -1}]"#,
    ] {
        let mut fx = Fx::with(&schema("name string identity; age long; ref ref"));
        fx.tx(r#"[{:db/id "alice" :name "Alice"}]"#);
        fx.tx(tx);
        fx.check(r#"#{[@alice :name "Alice"] [@x :age 36] [@x :ref @alice]}"#);
    }
}

#[test]
fn refs_to_tempids_defined_later() {
    // issue-472
    let mut fx = Fx::with(&schema("name string identity; ref ref"));
    fx.tx(r#"[{:db/id "alice" :name "Alice"} {:db/id "bob" :name "Bob"}]"#);
    fx.tx(r#"[{:db/id "3" :ref "A"} {:db/id "4" :ref "B"}
              {:db/id "A" :name "Alice"} {:db/id "B" :name "Bob"}]"#);
    assert_eq!(fx.id("A"), fx.id("alice"));
    fx.check(r#"#{[@alice :name "Alice"] [@bob :name "Bob"] [@3 :ref @alice] [@4 :ref @bob]}"#);
}

#[test]
fn list_form_upserts() {
    for tx in [
        r#"[[:db/add -1 :name "Ivan"] [:db/add -1 :age 12]]"#,
        r#"[[:db/add -1 :age 12] [:db/add -1 :name "Ivan"]]"#,
    ] {
        let mut fx = Fx::with(&schema("name string identity; age long"));
        fx.tx(r#"[{:db/id "ivan" :name "Ivan"}]"#);
        fx.tx(tx);
        fx.check(r#"#{[@ivan :age 12] [@ivan :name "Ivan"]}"#);
    }
}

// ---------------------------------------------------------------------------------------------
// lookup_refs.cljc (transactions)

/// name identity, friend ref, friends ref many; Ivan @1, Petr @2, Oleg @3.
fn lookup_db() -> Fx {
    let mut fx = Fx::with(&schema(
        "name string identity; age long; friend ref; friends ref many",
    ));
    fx.tx(r#"[{:db/id "1" :name "Ivan"} {:db/id "2" :name "Petr"} {:db/id "3" :name "Oleg"}]"#);
    fx
}

#[test]
fn lookup_refs_in_additions() {
    for (tx, ivan) in [
        (r#"[[:db/add [:name "Ivan"] :age 35]]"#, "[@1 :age 35]"),
        (r#"[{:db/id [:name "Ivan"] :age 35}]"#, "[@1 :age 35]"),
        (
            r#"[[:db/add @1 :friend [:name "Petr"]]]"#,
            "[@1 :friend @2]",
        ),
        (r#"[{:db/id @1 :friend [:name "Petr"]}]"#, "[@1 :friend @2]"),
    ] {
        let mut fx = lookup_db();
        fx.tx(tx);
        fx.check(&format!(
            r#"#{{[@1 :name "Ivan"] {ivan} [@2 :name "Petr"] [@3 :name "Oleg"]}}"#
        ));
    }
}

#[test]
fn lookup_refs_resolve_before_the_transaction() {
    // DataScript resolves against the intermediate state; Datomic against the database the
    // transaction starts from, where Igor does not exist yet.
    let mut fx = lookup_db();
    fx.fails(
        r#"[[:db/add "4" :name "Igor"] [:db/add @1 :friend [:name "Igor"]]]"#,
        &[r#"[:name "Igor"]"#],
    );
}

#[test]
fn lookup_refs_in_retractions() {
    let base = r#"[@1 :name "Ivan"] [@2 :name "Petr"] [@3 :name "Oleg"]"#;
    for (setup, retract) in [
        (
            "[[:db/add @1 :age 35]]",
            r#"[[:db/retract [:name "Ivan"] :age 35]]"#,
        ),
        (
            "[[:db/add @1 :friend @2]]",
            r#"[[:db/retract @1 :friend [:name "Petr"]]]"#,
        ),
        (
            "[[:db/add @1 :age 35]]",
            r#"[[:db/retract [:name "Ivan"] :age]]"#,
        ),
    ] {
        let mut fx = lookup_db();
        fx.tx(setup);
        fx.tx(retract);
        fx.check(&format!("#{{{base}}}"));
    }
    let mut fx = lookup_db();
    fx.tx(r#"[[:db/retractEntity [:name "Ivan"]]]"#);
    fx.check(r#"#{[@2 :name "Petr"] [@3 :name "Oleg"]}"#);
}

#[test]
fn lookup_refs_naming_nothing_are_errors() {
    let mut fx = lookup_db();
    fx.fails(
        r#"[{:db/id [:name "Igor"] :age 10}]"#,
        &[r#"[:name "Igor"]"#],
    );
    fx.fails(
        r#"[[:db/add [:name "Igor"] :age 10]]"#,
        &[r#"[:name "Igor"]"#],
    );
    fx.fails(
        r#"[[:db/add @1 :friend [:name "Igor"]]]"#,
        &[r#"[:name "Igor"]"#],
    );
}

#[test]
fn lookup_refs_on_non_unique_attributes_are_errors() {
    let mut fx = lookup_db();
    fx.tx("[[:db/add @1 :age 35]]");
    fx.fails("[[:db/add [:age 35] :friend @2]]", &[":age"]);
}

#[test]
fn lookup_refs_as_cardinality_many_values() {
    for (tx, friends) in [
        (
            r#"[[:db/add @1 :friends [:name "Petr"]]]"#,
            "[@1 :friends @2]",
        ),
        (
            r#"[[:db/add @1 :friends [:name "Petr"]] [:db/add @1 :friends [:name "Oleg"]]]"#,
            "[@1 :friends @2] [@1 :friends @3]",
        ),
        (
            r#"[{:db/id @1 :friends [:name "Petr"]}]"#,
            "[@1 :friends @2]",
        ),
        (
            r#"[{:db/id @1 :friends [[:name "Petr"]]}]"#,
            "[@1 :friends @2]",
        ),
        (
            r#"[{:db/id @1 :friends [[:name "Petr"] [:name "Oleg"]]}]"#,
            "[@1 :friends @2] [@1 :friends @3]",
        ),
        (
            r#"[{:db/id @1 :friends [@2 [:name "Oleg"]]}]"#,
            "[@1 :friends @2] [@1 :friends @3]",
        ),
        (
            r#"[{:db/id @1 :friends [[:name "Petr"] @3]}]"#,
            "[@1 :friends @2] [@1 :friends @3]",
        ),
    ] {
        let mut fx = lookup_db();
        fx.tx(tx);
        fx.check(&format!(
            r#"#{{[@1 :name "Ivan"] {friends} [@2 :name "Petr"] [@3 :name "Oleg"]}}"#
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// tuples.cljc (transactions)

const TUPLE_SCHEMA: &str = r#"[
 {:db/ident :a :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :b :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :c :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :d :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :a+b :db/valueType :db.type/tuple :db/tupleAttrs [:a :b]
  :db/cardinality :db.cardinality/one}
 {:db/ident :a+c+d :db/valueType :db.type/tuple :db/tupleAttrs [:a :c :d]
  :db/cardinality :db.cardinality/one}]"#;

#[test]
fn composite_tuple_schema_is_validated() {
    let attr = |ident: &str, ty: &str, card: &str| {
        format!(
            "{{:db/ident :{ident} :db/valueType :db.type/{ty} :db/cardinality :db.cardinality/{card}}}"
        )
    };
    let base = [
        attr("a", "string", "one"),
        attr("b", "string", "one"),
        attr("c", "string", "one"),
        attr("m", "string", "many"),
    ]
    .join(" ");
    let mut problems = Vec::new();
    for (tuple, needle) in [
        // a composite of a composite
        (
            "{:db/ident :t1 :db/valueType :db.type/tuple :db/tupleAttrs [:a :b]
              :db/cardinality :db.cardinality/one}
             {:db/ident :t2 :db/valueType :db.type/tuple :db/tupleAttrs [:c :t1]
              :db/cardinality :db.cardinality/one}",
            ":t1",
        ),
        // not a vector of attributes
        (
            "{:db/ident :t1 :db/valueType :db.type/tuple :db/tupleAttrs :a
              :db/cardinality :db.cardinality/one}",
            ":db/tupleAttrs",
        ),
        // empty
        (
            "{:db/ident :t1 :db/valueType :db.type/tuple :db/tupleAttrs []
              :db/cardinality :db.cardinality/one}",
            ":db/tupleAttrs",
        ),
        // a composite of cardinality many
        (
            "{:db/ident :t1 :db/valueType :db.type/tuple :db/tupleAttrs [:a :b]
              :db/cardinality :db.cardinality/many}",
            ":t1",
        ),
        // a source of cardinality many
        (
            "{:db/ident :t1 :db/valueType :db.type/tuple :db/tupleAttrs [:a :m]
              :db/cardinality :db.cardinality/one}",
            ":m",
        ),
        // a tuple without its element types or sources
        (
            "{:db/ident :t1 :db/valueType :db.type/tuple :db/cardinality :db.cardinality/one}",
            ":t1",
        ),
        // sources that are not attributes
        (
            "{:db/ident :t1 :db/valueType :db.type/tuple :db/tupleAttrs [:a :nope]
              :db/cardinality :db.cardinality/one}",
            ":nope",
        ),
    ] {
        let fx = Fx::new();
        let text = format!("[{base} {tuple}]");
        match fx.store.transact_edn(&text) {
            Ok(_) => problems.push(format!("accepted: {tuple}")),
            Err(e) => {
                // All or nothing: the valid attributes of the refused transaction are absent.
                assert!(fx.store.db().unwrap().attribute(":a").is_err(), "{tuple}");
                if !e.to_string().contains(needle) {
                    problems.push(format!("{tuple}: {e} lacks {needle}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn composite_tuples_follow_their_sources() {
    let mut fx = Fx::with(TUPLE_SCHEMA);
    fx.tx(r#"[[:db/add "1" :name "one"]]"#);
    let steps = [
        (
            r#"[[:db/add @1 :a "a"]]"#,
            r#"[@1 :a "a"] [@1 :a+b ["a" nil]] [@1 :a+c+d ["a" nil nil]]"#,
        ),
        (
            r#"[[:db/add @1 :b "b"]]"#,
            r#"[@1 :a "a"] [@1 :b "b"] [@1 :a+b ["a" "b"]] [@1 :a+c+d ["a" nil nil]]"#,
        ),
        (
            r#"[[:db/add @1 :a "A"]]"#,
            r#"[@1 :a "A"] [@1 :b "b"] [@1 :a+b ["A" "b"]] [@1 :a+c+d ["A" nil nil]]"#,
        ),
        (
            r#"[[:db/add @1 :c "c"] [:db/add @1 :d "d"]]"#,
            r#"[@1 :a "A"] [@1 :b "b"] [@1 :a+b ["A" "b"]] [@1 :c "c"] [@1 :d "d"]
               [@1 :a+c+d ["A" "c" "d"]]"#,
        ),
        (
            r#"[[:db/add @1 :a "a"]]"#,
            r#"[@1 :a "a"] [@1 :b "b"] [@1 :a+b ["a" "b"]] [@1 :c "c"] [@1 :d "d"]
               [@1 :a+c+d ["a" "c" "d"]]"#,
        ),
        (
            r#"[[:db/add @1 :a "A"] [:db/add @1 :b "B"] [:db/add @1 :c "C"] [:db/add @1 :d "D"]]"#,
            r#"[@1 :a "A"] [@1 :b "B"] [@1 :a+b ["A" "B"]] [@1 :c "C"] [@1 :d "D"]
               [@1 :a+c+d ["A" "C" "D"]]"#,
        ),
        (
            r#"[[:db/retract @1 :a "A"]]"#,
            r#"[@1 :b "B"] [@1 :a+b [nil "B"]] [@1 :c "C"] [@1 :d "D"] [@1 :a+c+d [nil "C" "D"]]"#,
        ),
        // Every source of :a+b gone: the tuple goes too.
        (
            r#"[[:db/retract @1 :b "B"]]"#,
            r#"[@1 :c "C"] [@1 :d "D"] [@1 :a+c+d [nil "C" "D"]]"#,
        ),
    ];
    for (tx, state) in steps {
        fx.tx(tx);
        fx.check(&format!(r#"#{{[@1 :name "one"] {state}}}"#));
    }
}

#[test]
fn composite_tuples_are_never_asserted_directly() {
    // DataScript accepts a direct assertion that equals the computed value; Datomic (and
    // datolite) maintain composites themselves and reject every direct assertion or
    // retraction.
    let mut fx = Fx::with(TUPLE_SCHEMA);
    fx.tx(r#"[{:db/id "1" :a "a" :b "b"}]"#);
    for tx in [
        r#"[{:db/id @1 :a+b ["A" "B"]}]"#,
        r#"[{:db/id @1 :a+b ["a" "b"]}]"#,
        r#"[{:db/id "2" :a "x" :b "y" :a+b ["a" "b"]}]"#,
        r#"[{:db/id "2" :a+b ["a" "b"] :a "x" :b "y"}]"#,
        r#"[{:db/id "2" :a "a" :b "b" :a+b ["a"]}]"#,
        r#"[[:db/add @1 :a+b [nil nil]]]"#,
        r#"[[:db/retract @1 :a+b ["a" "b"]]]"#,
        r#"[[:db/add @1 :a "A"] [:db/add @1 :a+b ["A" "b"]]]"#,
    ] {
        fx.fails(tx, &[":a+b"]);
    }
}

const UNIQUE_TUPLE_SCHEMA: &str = r#"[
 {:db/ident :a :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :b :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :c :db/valueType :db.type/string :db/cardinality :db.cardinality/one
  :db/unique :db.unique/identity}
 {:db/ident :d :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
 {:db/ident :a+b :db/valueType :db.type/tuple :db/tupleAttrs [:a :b]
  :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}]"#;

#[test]
fn unique_composite_tuples() {
    let mut fx = Fx::with(UNIQUE_TUPLE_SCHEMA);
    fx.tx(r#"[[:db/add "1" :a "a"]]"#);
    fx.tx(r#"[[:db/add "2" :a "A"]]"#);
    // 1 would become ["A" nil], which 2 holds.
    fx.fails(r#"[[:db/add @1 :a "A"]]"#, &[":a+b"]);
    fx.tx(r#"[[:db/add @1 :b "b"] [:db/add @2 :b "b"] {:db/id "3" :a "a" :b "B"}]"#);
    fx.check(
        r#"#{[@1 :a "a"] [@1 :b "b"] [@1 :a+b ["a" "b"]]
             [@2 :a "A"] [@2 :b "b"] [@2 :a+b ["A" "b"]]
             [@3 :a "a"] [@3 :b "B"] [@3 :a+b ["a" "B"]]}"#,
    );
    fx.fails(r#"[[:db/add @1 :a "A"]]"#, &[":a+b"]);
    fx.fails(r#"[[:db/add @1 :b "B"]]"#, &[":a+b"]);
    // Both sources changed in one transaction: the composite is computed from the result,
    // ["A" "B"], which is free (DataScript checks the intermediate ["A" "b"] of the list form
    // and refuses it, but accepts the same change written as one map).
    fx.tx(r#"[[:db/add @1 :a "A"] [:db/add @1 :b "B"]]"#);
    fx.check_entity(fx.id("1"), r#"#{[:a "A"] [:b "B"] [:a+b ["A" "B"]]}"#);
    fx.tx(r#"[{:db/id @1 :a "A" :b "B"}]"#);
    fx.check_entity(fx.id("1"), r#"#{[:a "A"] [:b "B"] [:a+b ["A" "B"]]}"#);
    // A new entity with both sources: ["a" "b"] is free again.
    fx.tx(r#"[{:db/id "4" :a "a" :b "b"}]"#);
    fx.check_entity(fx.id("4"), r#"#{[:a "a"] [:b "b"] [:a+b ["a" "b"]]}"#);
}

#[test]
fn unique_composite_tuples_in_lookup_refs() {
    let mut fx = Fx::with(UNIQUE_TUPLE_SCHEMA);
    fx.tx(r#"[{:db/id "1" :a "A" :b "B"} {:db/id "2" :a "a" :b "b"}]"#);
    fx.tx(r#"[[:db/add [:a+b ["A" "B"]] :c "C"] {:db/id [:a+b ["a" "b"]] :c "c"}]"#);
    let both = r#"[@2 :a "a"] [@2 :b "b"] [@2 :a+b ["a" "b"]] [@2 :c "c"]"#;
    fx.check(&format!(
        r#"#{{[@1 :a "A"] [@1 :b "B"] [@1 :a+b ["A" "B"]] [@1 :c "C"] {both}}}"#
    ));
    // :c "c" belongs to 2.
    fx.fails(r#"[[:db/add [:a+b ["A" "B"]] :c "c"]]"#, &[":c"]);
    fx.fails(r#"[{:db/id [:a+b ["A" "B"]] :c "c"}]"#, &[":c"]);
    // Change a source through the lookup ref.
    fx.tx(r#"[{:db/id [:a+b ["A" "B"]] :b "b" :d "D"}]"#);
    fx.check(&format!(
        r#"#{{[@1 :a "A"] [@1 :b "b"] [@1 :a+b ["A" "b"]] [@1 :c "C"] [@1 :d "D"] {both}}}"#
    ));
}

#[test]
fn sources_matching_an_existing_composite_identity_upsert() {
    // DataScript's issue-473: a new entity whose sources make an existing composite identity
    // is that entity (datolite upserts through composite identities, as through any identity).
    let mut fx = Fx::with(UNIQUE_TUPLE_SCHEMA);
    fx.tx(r#"[{:db/id "1" :a "A" :b "B" :name "Ivan"}]"#);
    fx.tx(r#"[{:db/id -1 :a "A" :b "B" :name "Oleg"}]"#);
    fx.check(r#"#{[@1 :a "A"] [@1 :b "B"] [@1 :a+b ["A" "B"]] [@1 :name "Oleg"]}"#);
    fx.tx(r#"[{:a "A" :b "B" :name "Petr"}]"#);
    fx.check(r#"#{[@1 :a "A"] [@1 :b "B"] [@1 :a+b ["A" "B"]] [@1 :name "Petr"]}"#);
    // Through the lookup ref it is an update too.
    fx.tx(r#"[{:db/id [:a+b ["A" "B"]] :name "Oleg"}]"#);
    fx.check(r#"#{[@1 :a "A"] [@1 :b "B"] [@1 :a+b ["A" "B"]] [@1 :name "Oleg"]}"#);
    // Other sources make another entity.
    fx.tx(r#"[{:db/id "2" :a "A" :b "C" :name "Yuri"}]"#);
    fx.check(
        r#"#{[@1 :a "A"] [@1 :b "B"] [@1 :a+b ["A" "B"]] [@1 :name "Oleg"]
             [@2 :a "A"] [@2 :b "C"] [@2 :a+b ["A" "C"]] [@2 :name "Yuri"]}"#,
    );
}

#[test]
fn composite_tuples_with_a_ref() {
    // issue-452, with lookup refs (DataScript also upserts through a direct tuple value).
    let mut fx = Fx::with(
        r#"[{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one
             :db/unique :db.unique/identity}
            {:db/ident :ref :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
            {:db/ident :age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
            {:db/ident :ref+name :db/valueType :db.type/tuple :db/tupleAttrs [:ref :name]
             :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}]"#,
    );
    fx.tx(
        r#"[{:db/id "ivan" :name "Ivan"} {:db/id "oleg" :name "Oleg"}
              {:db/id "petr" :name "Petr" :ref "ivan"} {:db/id "yuri" :name "Yuri" :ref "oleg"}]"#,
    );
    fx.tx(r#"[{:db/id [:ref+name [@ivan "Petr"]] :age 32}]"#);
    fx.check_entity(
        fx.id("petr"),
        r#"#{[:name "Petr"] [:ref @ivan] [:ref+name [@ivan "Petr"]] [:age 32]}"#,
    );
    fx.tx(r#"[[:db/add [:ref+name [@oleg "Yuri"]] :age 33]]"#);
    fx.check_entity(
        fx.id("yuri"),
        r#"#{[:name "Yuri"] [:ref @oleg] [:ref+name [@oleg "Yuri"]] [:age 33]}"#,
    );
}

#[test]
fn composite_tuples_in_the_value_index() {
    let mut fx = Fx::with(
        r#"[{:db/ident :a :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
            {:db/ident :b :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
            {:db/ident :c :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
            {:db/ident :a+b+c :db/valueType :db.type/tuple :db/tupleAttrs [:a :b :c]
             :db/cardinality :db.cardinality/one}]"#,
    );
    fx.tx(
        r#"[{:db/id "1" :a "a" :b "b" :c "c"} {:db/id "2" :a "A" :b "b" :c "c"}
              {:db/id "3" :a "a" :b "B" :c "c"} {:db/id "4" :a "A" :b "B" :c "c"}
              {:db/id "5" :a "a" :b "b" :c "C"} {:db/id "6" :a "A" :b "b" :c "C"}
              {:db/id "7" :a "a" :b "B" :c "C"} {:db/id "8" :a "A" :b "B" :c "C"}]"#,
    );
    let t = |xs: [Option<&str>; 3]| Value::Tuple(xs.iter().map(|x| x.map(Value::from)).collect());
    let attr = Value::keyword(":a+b+c");
    let entities = |datoms: Vec<datolite_store::Datom>| -> Vec<u64> {
        datoms.into_iter().map(|d| d.e).collect()
    };
    let db = fx.store.db().unwrap();
    assert_eq!(
        entities(
            db.datoms(
                Index::Avet,
                &[attr.clone(), t([Some("A"), Some("b"), Some("C")])]
            )
            .unwrap()
        ),
        vec![fx.id("6")]
    );
    assert!(db
        .datoms(
            Index::Avet,
            &[attr.clone(), t([Some("A"), Some("b"), None])]
        )
        .unwrap()
        .is_empty());
    // A range in value order: "B" < "b", "C" < "c", nil first.
    let range = |lo: Value, hi: Value| -> Vec<u64> {
        entities(
            db.scan(Index::Avet)
                .attribute(":a+b+c")
                .value_range(Bound::Included(&lo), Bound::Included(&hi))
                .collect()
                .unwrap(),
        )
    };
    let ids = |names: &[&str]| -> Vec<u64> { names.iter().map(|n| fx.id(n)).collect() };
    assert_eq!(
        range(
            t([Some("A"), Some("B"), Some("C")]),
            t([Some("A"), Some("b"), Some("c")])
        ),
        ids(&["8", "4", "6", "2"])
    );
    assert_eq!(
        range(
            t([Some("A"), Some("B"), None]),
            t([Some("A"), Some("b"), None])
        ),
        ids(&["8", "4"])
    );
}

// ---------------------------------------------------------------------------------------------
// components.cljc

#[test]
fn component_needs_a_ref_type() {
    let mut fx = Fx::new();
    fx.fails(
        "[{:db/ident :profile :db/valueType :db.type/string :db/cardinality :db.cardinality/one
           :db/isComponent true}]",
        &[":profile"],
    );
}

#[test]
fn component_flag_must_be_a_boolean() {
    let mut fx = Fx::new();
    fx.fails(
        r#"[{:db/ident :profile :db/valueType :db.type/ref :db/cardinality :db.cardinality/one
            :db/isComponent "aaa"}]"#,
        &[":db/isComponent"],
    );
}

/// 1 Ivan with component profile 3; 3 and 4 have emails.
fn profiles(many: bool) -> Fx {
    let card = if many { "many" } else { "one" };
    let mut fx = Fx::with(&schema(&format!(
        "name string; email string; profile ref {card} component"
    )));
    let profile = if many { r#"["3" "4"]"# } else { r#""3""# };
    fx.tx(&format!(
        r#"[{{:db/id "1" :name "Ivan" :profile {profile}}} {{:db/id "3" :email "@3"}}
            {{:db/id "4" :email "@4"}}]"#
    ));
    fx
}

#[test]
fn retract_entity_retracts_components() {
    let mut fx = profiles(false);
    fx.tx("[[:db/retractEntity @1]]");
    fx.check(r#"#{[@4 :email "@4"]}"#);
    // Nested: 3's own component 4 goes too.
    let mut fx = profiles(false);
    fx.tx("[[:db/add @3 :profile @4]]");
    fx.tx("[[:db/retractEntity @1]]");
    fx.check("#{}");
    // Cardinality many.
    let mut fx = profiles(true);
    fx.tx("[[:db/retractEntity @1]]");
    fx.check("#{}");
}

#[test]
fn retracting_a_component_reference_keeps_the_component() {
    // DataScript's retractAttribute also retracts the components; Datomic's [:db/retract e a]
    // retracts the reference only (retractEntity is what recurses).
    let mut fx = profiles(false);
    fx.tx("[[:db/retract @1 :profile]]");
    fx.check(r#"#{[@1 :name "Ivan"] [@3 :email "@3"] [@4 :email "@4"]}"#);
}

// ---------------------------------------------------------------------------------------------
// explode.cljc

#[test]
fn collections_as_cardinality_many_values() {
    for coll in [
        r#"["Devil" "Tupen"]"#,
        r#"#{"Devil" "Tupen"}"#,
        r#"("Devil" "Tupen")"#,
    ] {
        let mut fx = Fx::with(&schema(
            "name string; age long; aka string many; also string many",
        ));
        fx.tx(&format!(
            r#"[{{:db/id -1 :name "Ivan" :age 16 :aka {coll} :also "ok"}}]"#
        ));
        fx.check(
            r#"#{[@-1 :name "Ivan"] [@-1 :age 16] [@-1 :aka "Devil"] [@-1 :aka "Tupen"]
                 [@-1 :also "ok"]}"#,
        );
    }
}

#[test]
fn collections_of_tempids_as_ref_values() {
    for children in ["[-2 -3]", "#{-2 -3}", "(-2 -3)"] {
        let mut fx = Fx::with(&schema("name string; children ref many"));
        fx.tx(&format!(
            r#"[{{:db/id -1 :name "Ivan" :children {children}}}
                {{:db/id -2 :name "Petr"}} {{:db/id -3 :name "Evgeny"}}]"#
        ));
        fx.check(
            r#"#{[@-1 :name "Ivan"] [@-1 :children @-2] [@-1 :children @-3]
                 [@-2 :name "Petr"] [@-3 :name "Evgeny"]}"#,
        );
    }
}

#[test]
fn nested_maps() {
    for many in [false, true] {
        let card = if many { "many" } else { "one" };
        let spec = format!("name string; email string; profile ref {card}");
        let mut fx = Fx::with(&schema(&spec));
        fx.tx(r#"[{:db/id "5" :name "Ivan" :profile {:db/id "7" :email "@2"}}]"#);
        fx.check(r#"#{[@5 :name "Ivan"] [@5 :profile @7] [@7 :email "@2"]}"#);

        // Without ids: the nested entity is new.
        let mut fx = Fx::with(&schema(&spec));
        fx.tx(r#"[{:db/id "1" :name "Ivan" :profile {:email "@2"}}]"#);
        fx.alias_lookup_value("2", ":email", "@2");
        fx.check(r#"#{[@1 :name "Ivan"] [@1 :profile @2] [@2 :email "@2"]}"#);

        // issue-59: the parent has nothing but the nested map.
        let mut fx = Fx::with(&schema(&spec));
        fx.tx(r#"[{:db/id "2" :profile {:email "@2"}}]"#);
        fx.alias_lookup_value("1", ":email", "@2");
        fx.check(r#"#{[@2 :profile @1] [@1 :email "@2"]}"#);
    }
}

#[test]
fn nested_maps_in_collections() {
    let spec = "name string; email string; profile ref many";
    let mut fx = Fx::with(&schema(spec));
    fx.tx(r#"[{:db/id "5" :name "Ivan"
               :profile [{:db/id "7" :email "@2"} {:db/id "8" :email "@3"}]}]"#);
    fx.check(
        r#"#{[@5 :name "Ivan"] [@5 :profile @7] [@7 :email "@2"] [@5 :profile @8]
             [@8 :email "@3"]}"#,
    );
    for profiles in [
        r#"[{:email "@2"} {:email "@3"}]"#,
        r#"#{{:email "@2"} {:email "@3"}}"#,
        r#"({:email "@2"} {:email "@3"})"#,
    ] {
        let mut fx = Fx::with(&schema(spec));
        fx.tx(&format!(
            r#"[{{:db/id "1" :name "Ivan" :profile {profiles}}}]"#
        ));
        fx.alias_lookup_value("2", ":email", "@2");
        fx.alias_lookup_value("3", ":email", "@3");
        fx.check(
            r#"#{[@1 :name "Ivan"] [@1 :profile @2] [@2 :email "@2"] [@1 :profile @3]
                 [@3 :email "@3"]}"#,
        );
    }
}

#[test]
fn nested_maps_added_to_an_existing_entity() {
    // Circular-reference regression: components and plain refs, one and many.
    for (card, component) in [
        ("many", true),
        ("many", false),
        ("one", true),
        ("one", false),
    ] {
        let spec = format!(
            "name string; comp ref {card}{}",
            if component { " component" } else { "" }
        );
        let mut fx = Fx::with(&schema(&spec));
        fx.tx(r#"[{:db/id -1 :name "Name"}]"#);
        fx.alias("1", "-1");
        let value = if card == "many" {
            r#"[{:name "C"}]"#
        } else {
            r#"{:name "C"}"#
        };
        fx.tx(&format!("[{{:db/id @1 :comp {value}}}]"));
        fx.alias_lookup_value("2", ":name", "C");
        fx.check(r#"#{[@1 :comp @2] [@1 :name "Name"] [@2 :name "C"]}"#);
    }
}

impl Fx {
    /// Names the one entity whose (not necessarily unique) `attr` is the string `value`.
    fn alias_lookup_value(&mut self, name: &str, attr: &str, value: &str) {
        let db = self.store.db().unwrap();
        let holders: Vec<u64> = db
            .datoms(Index::Aevt, &[Value::keyword(attr)])
            .unwrap()
            .into_iter()
            .filter(|d| d.v == Value::from(value))
            .map(|d| d.e)
            .collect();
        let [e] = holders.as_slice() else {
            panic!("{attr} {value}: {holders:?}")
        };
        self.ids.insert(name.to_owned(), *e);
    }
}

// ---------------------------------------------------------------------------------------------
// validation.cljc

#[test]
fn malformed_operations_are_errors() {
    let mut fx = Fx::with(&schema("name string; profile ref; id string identity"));
    fx.fails(r#"[[:db/add -1 nil "Ivan"]]"#, &["nil"]);
    fx.fails(r#"[[:db/add -1 17 "Ivan"]]"#, &["17"]);
    fx.fails(r#"[{:db/id -1 17 "Ivan"}]"#, &["17"]);
    fx.fails(r#"[[:db/add nil :name "Ivan"]]"#, &["nil"]);
    fx.fails(r#"[[:db/add {} :name "Ivan"]]"#, &["{}"]);
    fx.fails(r#"[["aaa" :name "Ivan"]]"#, &["aaa"]);
    fx.fails(r#"[:db/add "aaa" :name "Ivan"]"#, &[":db/add"]);
    fx.fails(r#"{:profile "aaa"}"#, &["transaction"]);
}

#[test]
fn nil_values_are_errors() {
    let mut fx = Fx::with(&schema("name string; id string identity"));
    for tx in [
        "[[:db/add -1 :name nil]]",
        "[{:db/id -1 :name nil}]",
        "[[:db/add -1 :id nil]]",
        r#"[{:db/id -1 :id "A"} {:db/id -1 :id nil}]"#,
    ] {
        fx.fails(tx, &["nil"]);
    }
}

#[test]
fn tempids_in_retractions_are_errors() {
    let mut fx = Fx::with(&schema("name string"));
    fx.fails(r#"[[:db/retract -1 :name "Ivan"]]"#, &["-1"]);
}

#[test]
fn unique_values() {
    let mut fx = Fx::with(&schema("name string unique; nick string"));
    fx.tx(r#"[[:db/add "1" :name "Ivan"] [:db/add "2" :name "Petr"]]"#);
    fx.fails(r#"[[:db/add "3" :name "Ivan"]]"#, &["Ivan"]);
    fx.fails(r#"[{:db/id "3" :name "Petr"}]"#, &["Petr"]);
    fx.fails(r#"[[:db/add @2 :name "Ivan"]]"#, &["Ivan"]);
    fx.tx(r#"[[:db/add "3" :name "Igor"]]"#);
    fx.tx(r#"[[:db/add "4" :nick "Ivan"]]"#);
    fx.check(r#"#{[@1 :name "Ivan"] [@2 :name "Petr"] [@3 :name "Igor"] [@4 :nick "Ivan"]}"#);
}

// ---------------------------------------------------------------------------------------------
// ident.cljc

#[test]
fn idents_name_entities_in_transactions() {
    let mut fx = Fx::with(&schema("ref ref"));
    fx.tx(
        r#"[[:db/add "1" :db/ident :ent1] [:db/add "2" :db/ident :ent2] [:db/add "2" :ref "1"]]"#,
    );
    fx.tx("[[:db/add :ent1 :ref :ent2]]");
    // Entities with an ident live in the schema partition, below the user entities.
    fx.check("#{}");
    fx.check_entity(fx.id("1"), "#{[:db/ident :ent1] [:ref @2]}");
    fx.check_entity(fx.id("2"), "#{[:db/ident :ent2] [:ref @1]}");
}

// ---------------------------------------------------------------------------------------------
// index.cljc

/// Petr 44 @1, Ivan 25 @2, Sergey 11 @3; :age declared before :name (attribute ids ascend).
fn index_db() -> Fx {
    let mut fx = Fx::with(&schema("age long; name string"));
    fx.tx(r#"[[:db/add "1" :name "Petr"] [:db/add "1" :age 44]
              [:db/add "2" :name "Ivan"] [:db/add "2" :age 25]
              [:db/add "3" :name "Sergey"] [:db/add "3" :age 11]]"#);
    let ids: Vec<u64> = ["1", "2", "3"].iter().map(|n| fx.id(n)).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    fx
}

#[test]
fn index_orders() {
    let fx = index_db();
    let check = |got: Edn, want: &str| {
        assert_eq!(got, edn::parse(&fx.subst(want)).unwrap(), "{want}");
    };
    let (age, name) = (Value::keyword(":age"), Value::keyword(":name"));
    check(
        fx.datoms(Index::Aevt, std::slice::from_ref(&age)),
        "[[@1 :age 44] [@2 :age 25] [@3 :age 11]]",
    );
    check(
        fx.datoms(Index::Aevt, std::slice::from_ref(&name)),
        r#"[[@1 :name "Petr"] [@2 :name "Ivan"] [@3 :name "Sergey"]]"#,
    );
    check(
        fx.datoms(Index::Avet, std::slice::from_ref(&age)),
        "[[@3 :age 11] [@2 :age 25] [@1 :age 44]]",
    );
    check(
        fx.datoms(Index::Avet, std::slice::from_ref(&name)),
        r#"[[@2 :name "Ivan"] [@1 :name "Petr"] [@3 :name "Sergey"]]"#,
    );
    // Components filtration.
    check(
        fx.datoms(Index::Eavt, &[Value::Ref(fx.id("1"))]),
        r#"[[@1 :age 44] [@1 :name "Petr"]]"#,
    );
    check(
        fx.datoms(Index::Eavt, &[Value::Ref(fx.id("1")), age.clone()]),
        "[[@1 :age 44]]",
    );
    check(
        fx.datoms(
            Index::Eavt,
            &[Value::Ref(fx.id("1")), name, Value::from("Ivan")],
        ),
        "[]",
    );
}

#[test]
fn tuple_values_compare_element_by_element() {
    // issue-470: a prefix is not equal to a longer tuple.
    let mut fx = Fx::with(
        "[{:db/ident :path :db/valueType :db.type/tuple :db/tupleType :db.type/long
           :db/cardinality :db.cardinality/one}]",
    );
    fx.tx(r#"[{:db/id "1" :path [1 2]} {:db/id "2" :path [1 2 3]}]"#);
    let db = fx.store.db().unwrap();
    let path = |xs: &[i64]| Value::Tuple(xs.iter().map(|&x| Some(Value::Long(x))).collect());
    for (value, want) in [
        (vec![1], vec![]),
        (vec![1, 1], vec![]),
        (vec![1, 2], vec![fx.id("1")]),
        (vec![1, 3], vec![]),
        (vec![1, 2, 2], vec![]),
        (vec![1, 2, 3], vec![fx.id("2")]),
        (vec![1, 2, 4], vec![]),
        (vec![1, 2, 3, 4], vec![]),
    ] {
        let got: Vec<u64> = db
            .datoms(Index::Avet, &[Value::keyword(":path"), path(&value)])
            .unwrap()
            .into_iter()
            .map(|d| d.e)
            .collect();
        assert_eq!(got, want, "{value:?}");
    }
}

#[test]
fn value_ranges() {
    // index-range, seek-datoms and rseek-datoms, within one attribute.
    let mut fx = Fx::with(&schema("name string; age long"));
    fx.tx(
        r#"[{:db/id "1" :name "Ivan" :age 15} {:db/id "2" :name "Oleg" :age 20}
              {:db/id "3" :name "Sergey" :age 7} {:db/id "4" :name "Pavel" :age 45}
              {:db/id "5" :name "Petr" :age 20}]"#,
    );
    let db = fx.store.db().unwrap();
    let range = |attr: &str, lo: Bound<&Value>, hi: Bound<&Value>, reverse: bool| -> Vec<u64> {
        let scan = db.scan(Index::Avet).attribute(attr).value_range(lo, hi);
        let scan = if reverse { scan.reverse() } else { scan };
        scan.collect().unwrap().into_iter().map(|d| d.e).collect()
    };
    let ids = |names: &[&str]| -> Vec<u64> { names.iter().map(|n| fx.id(n)).collect() };
    let s = Value::from;
    use Bound::{Included, Unbounded};
    assert_eq!(
        range(":name", Included(&s("Pe")), Included(&s("S")), false),
        ids(&["5"])
    );
    assert_eq!(
        range(":name", Included(&s("O")), Included(&s("Sergey")), false),
        ids(&["2", "4", "5", "3"])
    );
    assert_eq!(
        range(":name", Unbounded, Included(&s("P")), false),
        ids(&["1", "2"])
    );
    assert_eq!(
        range(":name", Included(&s("R")), Unbounded, false),
        ids(&["3"])
    );
    assert_eq!(
        range(":name", Unbounded, Unbounded, false),
        ids(&["1", "2", "4", "5", "3"])
    );
    let n = Value::Long;
    assert_eq!(
        range(":age", Included(&n(15)), Included(&n(20)), false),
        ids(&["1", "2", "5"])
    );
    assert_eq!(
        range(":age", Included(&n(7)), Included(&n(45)), false),
        ids(&["3", "1", "2", "5", "4"])
    );
    assert_eq!(
        range(":age", Included(&n(0)), Included(&n(100)), false),
        ids(&["3", "1", "2", "5", "4"])
    );
    // seek from "P": the closest value on; rseek from 26 down.
    assert_eq!(
        range(":name", Included(&s("P")), Unbounded, false),
        ids(&["4", "5", "3"])
    );
    assert_eq!(
        range(":age", Unbounded, Included(&n(26)), true),
        ids(&["5", "2", "1", "3"])
    );
    assert_eq!(
        range(":age", Unbounded, Included(&n(20)), true),
        ids(&["5", "2", "1", "3"])
    );
}

// ---------------------------------------------------------------------------------------------
// Ref-typed identities (upsert.cljc, transact.cljc issue-295)

#[test]
fn ref_identity_with_tempid_values() {
    // issue-295: the value of a ref-typed identity is a new entity, nothing to upsert.
    let mut fx = Fx::with(&schema("name string; ref ref identity"));
    fx.tx(r#"[[:db/add -1 :name "Ivan"] [:db/add -2 :name "Petr"] [:db/add -1 :ref -2]]"#);
    fx.check(r#"#{[@-1 :name "Ivan"] [@-1 :ref @-2] [@-2 :name "Petr"]}"#);
}

/// upsert_db with `:ref` a ref-typed identity: Petr → Dima → Olga → Ivan.
fn ref_upsert_db() -> Fx {
    let mut fx = Fx::with(&schema(
        "name string identity; email string identity; age long; ref ref identity",
    ));
    fx.tx(r#"[{:db/id "ivan" :name "Ivan" :email "@1"}
              {:db/id "petr" :name "Petr" :email "@2" :ref "dima"}
              {:db/id "dima" :name "Dima" :email "@3" :ref "olga"}
              {:db/id "olga" :name "Olga" :email "@4" :ref "ivan"}]"#);
    fx
}

#[test]
fn new_entities_referring_through_a_ref_identity() {
    // issue-464 with :ref a ref-typed identity: -2's ref to the new -1 upserts nothing.
    let mut fx = ref_upsert_db();
    fx.tx(r#"[{:db/id -1 :name "Igor"} {:db/id -2 :name "Anna" :ref -1}]"#);
    fx.check_entity(fx.id("-1"), r#"#{[:name "Igor"]}"#);
    fx.check_entity(fx.id("-2"), r#"#{[:name "Anna"] [:ref @-1]}"#);
}

#[test]
fn cas() {
    let mut fx = Fx::with(&schema(
        "weight long; name string identity; age long; label keyword many; friend ref",
    ));
    fx.tx(r#"[{:db/id "1" :weight 200 :name "Ivan"} {:db/id "2" :name "Petr"}]"#);
    fx.tx("[[:db/cas @1 :weight 200 300]]");
    fx.check_entity(fx.id("1"), r#"#{[:weight 300] [:name "Ivan"]}"#);
    fx.tx("[[:db.fn/cas @1 :weight 300 400]]");
    fx.check_entity(fx.id("1"), r#"#{[:weight 400] [:name "Ivan"]}"#);
    // The current value is 400, not 200: nothing changes, the error names the datom.
    fx.fails("[[:db/cas @1 :weight 200 210]]", &[":weight", "400", "200"]);
    // nil as the old value: only when there is none.
    fx.tx("[[:db/cas @1 :age nil 42]]");
    fx.check_entity(fx.id("1"), r#"#{[:weight 400] [:name "Ivan"] [:age 42]}"#);
    fx.fails("[[:db/cas @1 :age nil 4711]]", &[":age", "42"]);
    // Lookup refs as the entity and as ref values.
    fx.tx(r#"[[:db/cas [:name "Ivan"] :name "Ivan" "Oleg"]]"#);
    fx.check_entity(fx.id("1"), r#"#{[:weight 400] [:name "Oleg"] [:age 42]}"#);
    fx.tx("[[:db/add @1 :friend @1]]");
    fx.tx(r#"[[:db/cas @1 :friend [:name "Oleg"] @2]]"#);
    fx.check_entity(
        fx.id("1"),
        r#"#{[:weight 400] [:name "Oleg"] [:age 42] [:friend @2]}"#,
    );
    fx.tx(r#"[[:db/cas @1 :friend @2 [:name "Oleg"]]]"#);
    fx.check_entity(
        fx.id("1"),
        r#"#{[:weight 400] [:name "Oleg"] [:age 42] [:friend @1]}"#,
    );
    // A tempid of a new entity has no current value: only nil matches (DataScript refuses
    // tempids in :db/cas outright; datolite resolves them first, so an upserted one compares
    // with the existing entity's value).
    fx.tx(r#"[[:db/add -1 :name "Igor"] [:db/cas -1 :age nil 1]]"#);
    fx.fails(
        r#"[[:db/add -1 :name "Ivor"] [:db/cas -1 :age 5 1]]"#,
        &["compare-and-swap failed", ":age"],
    );
    // Compare-and-swap is for cardinality-one attributes.
    fx.tx("[[:db/add @1 :label :x] [:db/add @1 :label :y]]");
    fx.fails("[[:db/cas @1 :label :y :z]]", &[":label"]);
}

#[test]
fn reverse_refs_in_entity_maps() {
    let mut fx = lookup_db();
    fx.tx(r#"[{:db/id @2 :_friend [:name "Ivan"]}]"#);
    fx.check(r#"#{[@1 :name "Ivan"] [@1 :friend @2] [@2 :name "Petr"] [@3 :name "Oleg"]}"#);
    for (value, holders) in [
        (r#"[:name "Ivan"]"#, "[@1 :friends @2]"),
        (r#"[[:name "Ivan"]]"#, "[@1 :friends @2]"),
        (
            r#"[[:name "Ivan"] [:name "Oleg"]]"#,
            "[@1 :friends @2] [@3 :friends @2]",
        ),
    ] {
        let mut fx = lookup_db();
        fx.tx(&format!("[{{:db/id @2 :_friends {value}}}]"));
        fx.check(&format!(
            r#"#{{[@1 :name "Ivan"] [@2 :name "Petr"] [@3 :name "Oleg"] {holders}}}"#
        ));
    }
}

#[test]
fn reverse_refs_with_tempids_and_nested_maps() {
    let mut fx = Fx::with(&schema(
        "name string; email string; children ref many; profile ref many",
    ));
    fx.tx(
        r#"[{:db/id -1 :name "Ivan"} {:db/id -2 :name "Petr" :_children -1}
              {:db/id -3 :name "Evgeny" :_children -1}]"#,
    );
    fx.check(
        r#"#{[@-1 :name "Ivan"] [@-1 :children @-2] [@-1 :children @-3]
             [@-2 :name "Petr"] [@-3 :name "Evgeny"]}"#,
    );
    let mut fx = Fx::with(&schema("name string; email string; profile ref many"));
    fx.tx(r#"[{:db/id "1" :email "@2" :_profile {:name "Ivan"}}]"#);
    fx.alias_lookup_value("2", ":name", "Ivan");
    fx.check(r#"#{[@1 :email "@2"] [@2 :name "Ivan"] [@2 :profile @1]}"#);
    let mut fx = Fx::with(&schema("name string; email string; profile ref many"));
    fx.tx(r#"[{:db/id "1" :email "@2" :_profile [{:name "Ivan"} {:name "Petr"}]}]"#);
    fx.alias_lookup_value("2", ":name", "Ivan");
    fx.alias_lookup_value("3", ":name", "Petr");
    fx.check(
        r#"#{[@1 :email "@2"] [@2 :name "Ivan"] [@2 :profile @1] [@3 :name "Petr"]
             [@3 :profile @1]}"#,
    );
    // Only a ref attribute has a reverse.
    let mut fx = Fx::with(&schema("name string; parent string"));
    fx.tx(r#"[{:db/id "1" :name "Ivan"}]"#);
    fx.fails(r#"[{:name "Sergey" :_parent @1}]"#, &[":_parent"]);
}

#[test]
fn upsert_through_a_ref_identity() {
    for (tx, who, age) in [
        ("[{:ref @dima :age 36}]", "petr", 36),
        ("[{:ref @olga :age 37}]", "dima", 37),
        ("[{:ref @ivan :age 38}]", "olga", 38),
        (r#"[{:ref [:name "Dima"] :age 36}]"#, "petr", 36),
        (r#"[{:ref [:name "Olga"] :age 37}]"#, "dima", 37),
        (r#"[{:ref [:name "Ivan"] :age 38}]"#, "olga", 38),
    ] {
        let mut fx = ref_upsert_db();
        fx.tx(tx);
        let db = fx.store.db().unwrap();
        let ages: Vec<Value> = db
            .datoms(
                Index::Eavt,
                &[Value::Ref(fx.id(who)), Value::keyword(":age")],
            )
            .unwrap()
            .into_iter()
            .map(|d| d.v)
            .collect();
        assert_eq!(ages, vec![Value::Long(age)], "{tx}");
        assert_eq!(
            db.count_attribute(":name").unwrap(),
            4,
            "{tx}: no new entity"
        );
    }
}
