//! Request bodies: read within the size limit, then decoded from JSON or EDN into one request
//! type, so every handler sees the same fields whatever the client wrote.
//!
//! An EDN body is a map with the JSON body's keys as keywords (`:tx-data` and `:tx_data` both
//! read): `{:query [:find ?e :where [?e :name ?n]] :args ["Ivan"]}`. The text fields (`:query`,
//! `:pattern`, `:entity`, `:tx-data`) take a string holding EDN or the EDN form itself; each
//! `:args` element is the value itself (a JSON body gives each argument as EDN text in a
//! string instead: `"args": ["\"Ivan\""]`).

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use datolite_edn::{self as edn, Edn};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};

use crate::{ApiError, Format};

/// Keys whose EDN value is text for the library (a query, a pattern, tx-data, an entity).
const TEXT_KEYS: [&str; 4] = ["query", "pattern", "tx_data", "entity"];

/// The body of a request, at most `max` bytes: over it, 413 (from `Content-Length` before
/// anything is read, or once the stream passes the limit).
pub async fn read(headers: &HeaderMap, body: Body, max: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::TooLarge(format!(
            "the request body is larger than the server's limit of {max} bytes (--max-body)"
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, max).await.map_err(|e| {
        if is_length_limit(&e) {
            too_large()
        } else {
            ApiError::bad(format!("cannot read the request body: {e}"))
        }
    })
}

/// Whether reading a body failed because it passed the limit.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Decodes a request body written in `format` into `T` (whose serde attributes name the
/// fields, the required ones and refuse unknown ones).
pub fn decode<T: DeserializeOwned>(format: Format, bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ApiError::bad(format!("the request body is not UTF-8: {e}")))?;
    match format {
        Format::Json => serde_json::from_str(text)
            .map_err(|e| ApiError::bad(format!("bad JSON request body: {e}"))),
        Format::Edn => {
            let form = edn::parse(text)
                .map_err(|e| ApiError::bad(format!("bad EDN request body: {e}")))?;
            serde_json::from_value(edn_request(form)?)
                .map_err(|e| ApiError::bad(format!("bad EDN request body: {e}")))
        }
    }
}

/// An EDN request map as the JSON object the request types read.
fn edn_request(form: Edn) -> Result<Json, ApiError> {
    let Edn::Map(pairs) = form else {
        return Err(ApiError::bad(format!(
            "bad EDN request body: expected a map such as {{:query \"[:find …]\"}}, got a {}",
            form.type_name()
        )));
    };
    let mut object = Map::new();
    for (key, value) in pairs {
        let name = match &key {
            Edn::Keyword(k) => k.to_string().trim_start_matches(':').replace('-', "_"),
            other => {
                return Err(ApiError::bad(format!(
                    "bad EDN request body: keys are keywords such as :query, got {other}"
                )))
            }
        };
        let json = if TEXT_KEYS.contains(&name.as_str()) {
            match value {
                Edn::String(s) => Json::String(s),
                form => Json::String(form.to_string()),
            }
        } else if name == "args" {
            match value {
                Edn::Vector(items) | Edn::List(items) => {
                    Json::Array(items.iter().map(|i| Json::String(i.to_string())).collect())
                }
                other => {
                    return Err(ApiError::bad(format!(
                        "bad EDN request body: :args is a vector of values, got {other}"
                    )))
                }
            }
        } else {
            scalar(value)
        };
        object.insert(name, json);
    }
    Ok(Json::Object(object))
}

/// A scalar field's EDN value (`:as-of 42`, `:history true`, `:since #inst "2024-05-01"`) as
/// JSON; a form JSON cannot hold becomes its EDN text, which the field's reader judges.
fn scalar(value: Edn) -> Json {
    match value {
        Edn::Nil => Json::Null,
        Edn::Bool(b) => Json::Bool(b),
        Edn::Long(n) if n >= 0 => Json::from(n as u64),
        Edn::Long(n) => Json::from(n),
        Edn::String(s) => Json::String(s),
        other => Json::String(other.to_string()),
    }
}
