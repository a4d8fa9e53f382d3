//! Random transactions on four people, shared by the property tests of the log and of views
//! over time: asserts, cardinality-one replaces, retractions, references and retractEntity.
#![allow(dead_code)]

use proptest::prelude::*;

/// One operation on one of four people: set a cardinality-one age (replacing the old one), add
/// or retract a cardinality-many tag, point at a friend (a reference, so VAET is exercised), or
/// retract the whole entity (and the references to it).
#[derive(Clone, Debug)]
pub enum Op {
    Age(u8, i64),
    Tag(u8, u8),
    Untag(u8, u8),
    Friend(u8, u8),
    Retract(u8),
}

/// Any [`Op`].
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4, 0i64..5).prop_map(|(p, a)| Op::Age(p, a)),
        (0u8..4, 0u8..3).prop_map(|(p, t)| Op::Tag(p, t)),
        (0u8..4, 0u8..3).prop_map(|(p, t)| Op::Untag(p, t)),
        (0u8..4, 0u8..4).prop_map(|(p, f)| Op::Friend(p, f)),
        (0u8..4).prop_map(Op::Retract),
    ]
}

/// The people's schema, committed at a set instant (before every [`tx_text`]'s).
pub const SCHEMA: &str =
    "[{:db/ident :p/id :db/valueType :db.type/long :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
      {:db/ident :p/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
      {:db/ident :p/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
      {:db/ident :p/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
      {:db/id \"datomic.tx\" :db/txInstant #inst \"2024-01-01\"}]";

/// The EDN of one operation; people are upserted through their unique `:p/id`.
pub fn op_edn(op: &Op) -> String {
    let who = |p: &u8| format!("[:p/id {p}]");
    match op {
        Op::Age(p, a) => format!("{{:p/id {p} :p/age {a}}}"),
        Op::Tag(p, t) => format!("{{:p/id {p} :p/tags :t/{t}}}"),
        Op::Untag(p, t) => format!("[:db/retract {} :p/tags :t/{t}]", who(p)),
        Op::Friend(p, f) => format!("{{:p/id {p} :p/friend {{:p/id {f}}}}}"),
        Op::Retract(p) => format!("[:db/retractEntity {}]", who(p)),
    }
}

/// The EDN of one transaction of `ops`, at a set instant (day `day` of February 2024), so that
/// a database rebuilt from the same texts is identical.
pub fn tx_text(ops: &[Op], day: usize) -> String {
    let ops: Vec<String> = ops.iter().map(op_edn).collect();
    format!(
        "[{} {{:db/id \"datomic.tx\" :db/txInstant #inst \"2024-02-{:02}\"}}]",
        ops.join(" "),
        day + 1
    )
}
