//! The command line's other JSON reports (`docs/design.md`, §9.5 Other JSON reports) — datoms,
//! transactions of the log, a transaction's report, statistics — in the library, because the
//! HTTP server (`datolite-server`) sends the same documents: one writer per shape keeps the two
//! from drifting. Written by hand like `format.rs`, so the facade needs no serializer.

use std::fmt::Write;

use datolite_edn::format_inst_millis;
use datolite_store::{Cardinality, Db, TxEntry, TxReport, Unique, Value, ValueRef};

use crate::format::{json_string, value_json};
use crate::Result;

/// The ident of attribute `a` with its colon (`:user/name`), or its id as text when the schema
/// does not know it (a datom of the log may name an attribute a later snapshot has not seen).
pub fn attribute_ident(db: &Db, a: u64) -> String {
    u32::try_from(a)
        .ok()
        .and_then(|id| db.schema().attribute(id))
        .map_or_else(|| a.to_string(), |attr| format!(":{}", attr.ident))
}

/// One datom as `scan --format json` prints it: `[e, ":attr/ident", value, tx, added]`, the
/// value as [`value_json`] (every digit of a big number kept).
pub fn datom_json(db: &Db, e: u64, a: u64, v: &ValueRef<'_>, tx: u64, added: bool) -> String {
    let mut out = String::new();
    let _ = write!(out, "[{e},");
    json_string(&mut out, &attribute_ident(db, a));
    let _ = write!(out, ",{},{tx},{added}]", value_json(&v.to_owned()));
    out
}

/// One transaction of the log as `log --format json` prints it: `{"t", "tx", "instant",
/// "datoms": [[e, ":attr/ident", value, tx, added], …]}`.
pub fn tx_entry_json(db: &Db, entry: &TxEntry) -> String {
    let mut out = format!("{{\"t\":{},\"tx\":{},\"instant\":", entry.t, entry.tx);
    json_string(&mut out, &format_inst_millis(entry.instant));
    out.push_str(",\"datoms\":[");
    for (i, d) in entry.datoms.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&datom_json(db, d.e, d.a, &d.v.as_ref(), d.tx, d.added));
    }
    out.push_str("]}");
    out
}

/// A transaction's report as `transact --format json` prints it: `{"tx", "t", "datoms",
/// "tempids": {name: id}}`, tempids in name order.
pub fn tx_report_json(report: &TxReport) -> String {
    let mut out = format!(
        "{{\"tx\":{},\"t\":{},\"datoms\":{},\"tempids\":{{",
        report.tx,
        report.t,
        report.tx_data.len()
    );
    for (i, (name, id)) in report.tempids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(&mut out, name);
        let _ = write!(out, ":{id}");
    }
    out.push_str("}}");
    out
}

/// One attribute's schema and exact statistics, as `stats` shows them.
#[derive(Clone, Debug)]
pub struct AttributeSummary {
    /// Ident with the colon (`:bar/close`).
    pub ident: String,
    /// Value type name (`double`).
    pub value_type: String,
    /// `one` or `many`.
    pub cardinality: &'static str,
    /// `identity`, `value`, or none.
    pub unique: Option<&'static str>,
    /// Datoms of the attribute.
    pub count: u64,
    /// Entities with a value.
    pub distinct_entities: u64,
    /// Distinct values.
    pub distinct_values: u64,
    /// Smallest value.
    pub min: Option<Value>,
    /// Largest value.
    pub max: Option<Value>,
}

impl AttributeSummary {
    /// The summary as `stats --format json` prints each attribute: `{"ident", "type",
    /// "cardinality", "unique", "count", "distinct_entities", "distinct_values", "min",
    /// "max"}`, values as [`value_json`], absent ones `null`.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"ident\":");
        json_string(&mut out, &self.ident);
        out.push_str(",\"type\":");
        json_string(&mut out, &self.value_type);
        let _ = write!(out, ",\"cardinality\":\"{}\",\"unique\":", self.cardinality);
        match self.unique {
            Some(u) => json_string(&mut out, u),
            None => out.push_str("null"),
        }
        let _ = write!(
            out,
            ",\"count\":{},\"distinct_entities\":{},\"distinct_values\":{}",
            self.count, self.distinct_entities, self.distinct_values
        );
        let value = |v: &Option<Value>| v.as_ref().map_or_else(|| "null".into(), value_json);
        let _ = write!(
            out,
            ",\"min\":{},\"max\":{}}}",
            value(&self.min),
            value(&self.max)
        );
        out
    }
}

/// The summaries of every attribute that has datoms in snapshot `db`, in attribute id order,
/// from the statistics table in O(attributes): no index is scanned. A view over time counts
/// what it shows.
pub fn attribute_summaries(db: &Db) -> Result<Vec<AttributeSummary>> {
    // Min and max are kept encoded; the snapshot decodes them (long values live out of line).
    let decode = |bytes: &Option<Vec<u8>>| -> Result<Option<Value>> {
        match bytes {
            None => Ok(None),
            Some(b) => Ok(Some(db.decode_value(b)?)),
        }
    };
    let mut rows = Vec::new();
    let counted = db.view_stats()?;
    for (&id, stats) in &counted.attributes {
        if stats.count == 0 {
            continue;
        }
        let attr = db.schema().attribute(id);
        rows.push(AttributeSummary {
            ident: attr.map_or_else(|| format!("#{id}"), |a| format!(":{}", a.ident)),
            value_type: attr.map_or_else(|| "?".to_string(), |a| a.value_type.to_string()),
            cardinality: match attr.map(|a| a.cardinality) {
                Some(Cardinality::Many) => "many",
                _ => "one",
            },
            unique: match attr.and_then(|a| a.unique) {
                Some(Unique::Identity) => Some("identity"),
                Some(Unique::Value) => Some("value"),
                None => None,
            },
            count: stats.count,
            distinct_entities: stats.distinct_entities,
            distinct_values: stats.distinct_values,
            min: decode(&stats.min)?,
            max: decode(&stats.max)?,
        });
    }
    Ok(rows)
}

/// `stats --format json` of snapshot `db`: `{"datoms", "basis_t", "size_on_disk_bytes",
/// "attributes": [AttributeSummary::to_json …]}`; the size is the database's
/// (`Database::size_on_disk`), which a snapshot does not know.
pub fn stats_json(db: &Db, size_on_disk_bytes: u64) -> Result<String> {
    let rows = attribute_summaries(db)?;
    let mut out = format!(
        "{{\"datoms\":{},\"basis_t\":{},\"size_on_disk_bytes\":{size_on_disk_bytes},\"attributes\":[",
        db.count()?,
        db.basis_t()
    );
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&row.to_json());
    }
    out.push_str("]}");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    #[test]
    fn reports_have_the_contract_shapes() -> crate::Result<()> {
        let database = Database::memory()?;
        let report = database.transact(r#"[{:db/id "a" :user/name "Ann \"A\""}]"#)?;
        let json = tx_report_json(&report);
        assert!(json.starts_with(&format!("{{\"tx\":{},\"t\":{},", report.tx, report.t)));
        assert!(json.ends_with(&format!("\"tempids\":{{\"a\":{}}}}}", report.tempids["a"])));
        let db = database.db()?;
        let name = db.attribute(":user/name")?.id;
        let row = datom_json(
            &db,
            7,
            u64::from(name),
            &Value::from("x").as_ref(),
            9,
            false,
        );
        assert_eq!(row, r#"[7,":user/name","x",9,false]"#);
        let stats = stats_json(&db, 10)?;
        assert!(stats.contains(r#""ident":":user/name","type":"string","cardinality":"one","unique":null,"count":1"#), "{stats}");
        assert!(stats.contains(r#""min":"Ann \"A\"""#), "{stats}");
        let log = db.tx_range(None, None)?;
        let last = tx_entry_json(&db, log.last().expect("a transaction"));
        assert!(
            last.starts_with(&format!(
                "{{\"t\":{},\"tx\":{},\"instant\":\"",
                report.t, report.tx
            )),
            "{last}"
        );
        Ok(())
    }
}
