//! `GET /datoms?index=eavt|aevt|avet|vaet&e=…&a=…&v=…&limit=…`: the datoms of an index, as
//! `datolite scan --format json` prints them (`[e, ":attr/ident", value, tx, added]`), in
//! `{"datoms": […]}`.
//!
//! `e` is an id, an ident or a lookup ref (EDN); `a` an attribute ident; `v` an EDN literal of
//! the attribute's type, as stored (`5.0` for a double; for `vaet` and reference attributes an
//! entity, as `e`). The components given must be a prefix
//! of the index's order (eavt: e a v; aevt: a e v; avet: a v e; vaet: v a e) — a scan binds the
//! start of its key. `limit` defaults to [`DEFAULT_LIMIT`] and may not pass [`MAX_LIMIT`].

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use datolite::{Db, DbQueries, Index, Value, ValueType};

use crate::routes::{ok, params};
use crate::{blocking, ApiError, AppState, Format};

/// Datoms returned when the request gives no `limit`.
pub const DEFAULT_LIMIT: usize = 1000;
/// The largest `limit`: one answer stays a few MB.
pub const MAX_LIMIT: usize = 100_000;

/// The parameters `/datoms` takes.
const PARAMETERS: [&str; 5] = ["index", "e", "a", "v", "limit"];

/// Scans one snapshot.
pub async fn datoms(
    State(state): State<AppState>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let result = async {
        let Query(params) = params.map_err(|e| ApiError::bad(e.body_text()))?;
        let database = state.database.clone();
        blocking::run(move || {
            let db = database.db()?;
            scan(&db, &params)
        })
        .await
    }
    .await;
    match result {
        Ok(rows) => ok(Format::Json, format!("{{\"datoms\":[{}]}}", rows.join(","))),
        Err(e) => e.into_response_as(Format::Json),
    }
}

/// The rows of the scan the parameters ask for.
fn scan(db: &Db, params: &HashMap<String, String>) -> Result<Vec<String>, ApiError> {
    params::check_known(
        params,
        &PARAMETERS,
        "/datoms takes index, e, a, v and limit",
    )?;
    let name = params
        .get("index")
        .ok_or_else(|| ApiError::bad("missing parameter index: eavt, aevt, avet or vaet"))?;
    let (index, order) = match name.as_str() {
        "eavt" => (Index::Eavt, ["e", "a", "v"]),
        "aevt" => (Index::Aevt, ["a", "e", "v"]),
        "avet" => (Index::Avet, ["a", "v", "e"]),
        "vaet" => (Index::Vaet, ["v", "a", "e"]),
        other => {
            return Err(ApiError::bad(format!(
                "unknown index {other:?}: expected eavt, aevt, avet or vaet"
            )))
        }
    };
    let limit = params::limit(params, DEFAULT_LIMIT, 0..=MAX_LIMIT)?;
    // The attribute first: `v` reads according to its type.
    let attribute = match params.get("a") {
        Some(ident) => Some(db.attribute(ident).map_err(|e| ApiError::from(e).at("a"))?),
        None => None,
    };
    let mut scan = db.scan(index);
    let bound = order
        .iter()
        .take_while(|c| params.contains_key(**c))
        .count();
    if let Some(unbound) = order[bound..].iter().find(|c| params.contains_key(**c)) {
        return Err(ApiError::bad(format!(
            "{name} is ordered {}: {unbound} needs {} (the components given must start the \
             index's order)",
            order.join(", "),
            order[bound]
        )));
    }
    for component in &order[..bound] {
        let text = &params[*component];
        scan = match *component {
            "e" => scan.entity(db.entid(text).map_err(|e| ApiError::from(e).at("e"))?),
            "a" => scan.attribute(text),
            _ => {
                let is_ref = index == Index::Vaet
                    || attribute
                        .as_ref()
                        .is_some_and(|a| a.value_type == ValueType::Ref);
                scan.value(&value(db, text, is_ref)?)
            }
        };
    }
    let mut rows = Vec::new();
    scan.limit(limit).for_each(|d| {
        rows.push(datolite::datom_json(db, d.e, d.a, &d.v, d.tx, d.added));
        true
    })?;
    Ok(rows)
}

/// The value `v` names: an entity for references, else the EDN literal's value.
fn value(db: &Db, text: &str, is_ref: bool) -> Result<Value, ApiError> {
    if is_ref {
        return Ok(Value::Ref(
            db.entid(text).map_err(|e| ApiError::from(e).at("v"))?,
        ));
    }
    let form = datolite::edn::parse(text)
        .map_err(|e| ApiError::bad(format!("v: bad EDN {text:?}: {e}")))?;
    datolite_query::value_of(&form)
        .ok_or_else(|| ApiError::bad(format!("v: {text} is not a value an index holds")))
}
