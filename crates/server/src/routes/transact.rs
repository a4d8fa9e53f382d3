//! `POST /transact`: one atomic transaction of EDN tx-data, answered with what
//! `datolite transact --format json` prints ([`datolite::tx_report_json`]): `{"tx", "t",
//! "datoms", "tempids"}`. Transactions from concurrent requests queue for the one writer (the
//! store's group commit).

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::routes::ok;
use crate::{blocking, body, ApiError, AppState, Format};

/// The body of `/transact`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransactRequest {
    /// EDN tx-data: a vector of entity maps and `[:db/add e a v]` forms.
    tx_data: String,
}

/// Runs the transaction (403 on a read-only server).
pub async fn transact(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let format = Format::of(&headers);
    let result = async {
        if state.options.read_only {
            return Err(ApiError::Forbidden(
                "this server is read-only (--read-only): /transact is refused".into(),
            ));
        }
        let bytes = body::read(&headers, body, state.options.max_body_bytes).await?;
        let request: TransactRequest = body::decode(format, &bytes)?;
        let database = state.database.clone();
        blocking::run(move || Ok(database.transact(&request.tx_data)?)).await
    }
    .await;
    match result {
        Ok(report) => ok(
            format,
            match format {
                Format::Json => datolite::tx_report_json(&report),
                Format::Edn => report_edn(&report),
            },
        ),
        Err(e) => e.into_response_as(format),
    }
}

/// The report as EDN: `{:tx … :t … :datoms n :tempids {"name" id}}`.
fn report_edn(report: &datolite::TxReport) -> String {
    let tempids: Vec<String> = report
        .tempids
        .iter()
        .map(|(name, id)| format!("{} {id}", datolite::Value::from(name.as_str())))
        .collect();
    format!(
        "{{:tx {} :t {} :datoms {} :tempids {{{}}}}}",
        report.tx,
        report.t,
        report.tx_data.len(),
        tempids.join(" ")
    )
}
