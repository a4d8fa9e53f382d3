//! JSON or EDN: what a request body is written in, and so what its answer is written in.

use axum::http::{header, HeaderMap, HeaderValue};

/// The format of a request body and of its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `application/json`: the default, whatever the request's content type says otherwise.
    Json,
    /// `application/edn`: a request whose `Content-Type` names it.
    Edn,
}

impl Format {
    /// The format a request's headers ask for: EDN when its `Content-Type` is
    /// `application/edn` (parameters such as `; charset=utf-8` allowed), JSON otherwise — so
    /// `curl -d` (which says `application/x-www-form-urlencoded`) still works.
    pub fn of(headers: &HeaderMap) -> Format {
        let edn = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/edn"));
        if edn {
            Format::Edn
        } else {
            Format::Json
        }
    }

    /// The `Content-Type` of an answer in this format.
    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Format::Json => "application/json",
            Format::Edn => "application/edn",
        })
    }

    /// A reply `{"key": value}` (`{:key value}` in EDN) around `value`, already written in
    /// this format.
    pub fn wrap(self, key: &str, value: &str) -> String {
        match self {
            Format::Json => format!("{{\"{key}\":{value}}}"),
            Format::Edn => format!("{{:{key} {value}}}"),
        }
    }
}
