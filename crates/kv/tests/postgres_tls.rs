//! TLS to the server, as libpq's `sslmode` and `sslrootcert` ask, against the test server's TLS
//! setup (`scripts/local-postgres.sh`): a certificate for `localhost` and `127.0.0.1` signed by
//! a throwaway certificate authority, and a role that `pg_hba.conf` admits only over TLS — so a
//! connection that works as that role was encrypted. Skipped, saying so, without
//! `DATOLITE_PG_TLS_URL` and `DATOLITE_PG_TLS_ROOT`.
#![cfg(feature = "postgres")]

use std::path::Path;

use datolite_kv::postgres::scratch::{test_tls, ScratchSchema};
use datolite_kv::postgres::PostgresEngine;
use datolite_kv::{Engine, KvError, Table};

/// `url` with `params` appended to its query.
fn with(url: &str, params: &str) -> String {
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}{params}")
}

/// A PEM path as a URL parameter value (a path holds nothing that needs escaping here but
/// spaces).
fn root_param(root: &Path) -> String {
    format!(
        "sslrootcert={}",
        root.display().to_string().replace(' ', "%20")
    )
}

/// `url` aimed at a host name the certificate is not made out to, still reaching the server
/// (`hostaddr` picks the address, `host` is what the certificate must name).
fn misnamed(url: &str) -> String {
    with(
        &url.replacen("@127.0.0.1:", "@elsewhere.invalid:", 1),
        "hostaddr=127.0.0.1",
    )
}

/// Creates a database in a fresh schema through `url`, writes and reads back a value.
fn round_trip(url: &str) -> Result<(), KvError> {
    let schema = ScratchSchema::new(url);
    let engine = PostgresEngine::init(&schema.options(64))?;
    engine.write(&mut |txn| txn.put(Table::Meta, b"over", b"tls"))?;
    let value = engine
        .read()?
        .get(Table::Meta, b"over")?
        .map(|v| v.into_owned());
    assert_eq!(value.as_deref(), Some(&b"tls"[..]), "{url}");
    Ok(())
}

fn open_error(url: &str) -> String {
    match round_trip(url) {
        Ok(()) => panic!("{url} connected, and should not have"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn the_tls_only_role_is_refused_plain_text() {
    let Some((url, _)) = test_tls() else { return };
    // The test's premise: if plain text worked, the other tests would prove nothing.
    let error = open_error(&with(&url, "sslmode=disable"));
    assert!(error.contains("no encryption"), "{error}");
}

#[test]
fn prefer_and_require_encrypt_without_checking_the_certificate() {
    let Some((url, _)) = test_tls() else { return };
    // No sslmode is libpq's `prefer`: TLS, because the server offers it.
    round_trip(&url).unwrap();
    round_trip(&with(&url, "sslmode=allow")).unwrap();
    round_trip(&with(&url, "sslmode=require")).unwrap();
    // Not checked: a name the certificate does not carry is accepted.
    round_trip(&with(&misnamed(&url), "sslmode=require")).unwrap();
}

#[test]
fn verify_full_checks_the_chain_and_the_host_name() {
    let Some((url, root)) = test_tls() else {
        return;
    };
    let checked = with(&url, &format!("sslmode=verify-full&{}", root_param(&root)));
    round_trip(&checked).unwrap();

    let error = open_error(&with(
        &misnamed(&url),
        &format!("sslmode=verify-full&{}", root_param(&root)),
    ));
    assert!(
        error.contains("TLS")
            && error.contains("not valid for name \"elsewhere.invalid\"")
            && error.contains("sslmode"),
        "{error}"
    );
}

#[test]
fn verify_ca_checks_the_chain_but_not_the_host_name() {
    let Some((url, root)) = test_tls() else {
        return;
    };
    round_trip(&with(
        &misnamed(&url),
        &format!("sslmode=verify-ca&{}", root_param(&root)),
    ))
    .unwrap();
}

#[test]
fn a_root_that_did_not_sign_the_certificate_is_refused_in_every_mode_that_has_one() {
    let Some((url, root)) = test_tls() else {
        return;
    };
    // The server's own certificate, which is not a certificate authority's.
    let wrong = root.with_file_name("server.crt");
    for mode in ["require", "verify-ca", "verify-full"] {
        let error = open_error(&with(
            &url,
            &format!("sslmode={mode}&{}", root_param(&wrong)),
        ));
        assert!(error.contains("UnknownIssuer"), "{mode}: {error}");
    }
}

#[test]
fn client_certificates_are_refused_by_name_before_connecting() {
    let Some((url, _)) = test_tls() else { return };
    let error = open_error(&with(&url, "sslcert=/nonexistent/client.crt"));
    assert!(
        error.contains("postgres.url") && error.contains("sslcert: client certificates"),
        "{error}"
    );
}
