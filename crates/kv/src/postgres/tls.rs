//! TLS to the server, configured the way libpq reads it from the connection URL: `sslmode` and
//! `sslrootcert`.
//!
//! The client library knows only `sslmode=disable|prefer|require` and no `sslrootcert`, so
//! [`split_url`] takes both parameters out of the URL, the client gets the rest with the mode it
//! understands, and the certificate checks are made here, with rustls:
//!
//! | `sslmode`          | encrypted                  | certificate checked                      |
//! |--------------------|----------------------------|------------------------------------------|
//! | `disable`          | never                      | —                                        |
//! | `allow`, `prefer`  | when the server offers TLS | only when root certificates are at hand, |
//! | `require`          | always                     | … then as `verify-ca`                    |
//! | `verify-ca`        | always                     | its chain, up to a trusted root          |
//! | `verify-full`      | always                     | its chain and the host name              |
//!
//! Root certificates come from `sslrootcert=<PEM file>`, from `sslrootcert=system` (the
//! operating system's store; it makes `verify-full` the default and refuses weaker modes, as
//! libpq 16 does), or else from `~/.postgresql/root.crt` when that file exists.
//!
//! Invariants:
//! - `require`, `verify-ca` and `verify-full` never connect without TLS, and never without the
//!   check they promise: missing or unreadable roots are an error, not a downgrade. Roots at
//!   hand make `require` (and `prefer`, when TLS is negotiated) check the chain too. `prefer`
//!   and `allow` fall back to plain text when the server declines TLS, so, as in libpq, they
//!   protect against eavesdroppers only when nobody tampers with the connection.
//! - The client never reads an `sslmode` this module did not: [`split_url`] finds the query
//!   and decodes keys as the client does, and [`Server::new`](super::conn::Server::new)
//!   refuses a URL whose remaining parameters still set a mode.
//! - Even when the certificate is not checked, the server must prove it holds the certificate's
//!   key (the handshake signature is always verified): such a link resists eavesdroppers, not
//!   impostors, exactly like libpq's `require`.
//! - `allow` is taken as `prefer` (TLS first, then plain): the client cannot try plain first.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::options::credentials;

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SslMode {
    /// Plain text only.
    Disable,
    /// libpq tries plain text first; taken as `Prefer` here.
    Allow,
    /// TLS when the server offers it (libpq's default).
    Prefer,
    /// TLS always.
    Require,
    /// TLS, and the certificate's chain must reach a trusted root.
    VerifyCa,
    /// TLS, a trusted chain, and a certificate made out to the host.
    VerifyFull,
}

impl SslMode {
    /// Every mode.
    const ALL: [SslMode; 6] = [
        SslMode::Disable,
        SslMode::Allow,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
    ];

    /// The mode named `text`, as libpq spells it.
    fn parse(text: &str) -> Option<SslMode> {
        SslMode::ALL.into_iter().find(|mode| mode.name() == text)
    }

    /// The URL spelling of this mode.
    fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// The mode the client library is given: it decides whether to ask the server for TLS.
    pub fn client_mode(self) -> postgres::config::SslMode {
        match self {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        }
    }
}

/// Where trusted root certificates come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Roots {
    /// The operating system's store (`sslrootcert=system`).
    System,
    /// A PEM file of certificates.
    File(PathBuf),
}

/// The TLS parameters of a connection URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TlsSettings {
    /// The mode, `prefer` when the URL names none.
    pub mode: SslMode,
    /// The URL's `sslrootcert`, if any.
    pub roots: Option<Roots>,
}

/// Parameters libpq knows that this build refuses by name (the client would only say
/// "unknown option").
const UNSUPPORTED: [&str; 5] = ["sslcert", "sslkey", "sslpassword", "sslcrl", "sslcrldir"];

/// `url` without its `sslmode` and `sslrootcert` parameters, and what they asked. The error
/// says which parameter is wrong and what was expected.
pub(crate) fn split_url(url: &str) -> Result<(String, TlsSettings), String> {
    // The query starts at the first `?` after the credentials: a password may hold an
    // unescaped `?`.
    let after_credentials = credentials(url).map_or(0, |credentials| credentials.end + 1);
    let (base, query) = match url[after_credentials..].find('?') {
        Some(at) => url.split_at(after_credentials + at),
        None => (url, ""),
    };
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut mode = None;
    let mut roots = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        // The client decodes keys too: `%73slmode` is `sslmode`.
        let key = percent_decode_str(key)
            .decode_utf8()
            .map_err(|_| format!("a parameter name is not UTF-8 once decoded: {key:?}"))?;
        let value = percent_decode_str(value)
            .decode_utf8()
            .map_err(|_| format!("the value of {key} is not UTF-8 once decoded"))?;
        match key.as_ref() {
            "sslmode" => {
                mode = Some(SslMode::parse(&value).ok_or_else(|| {
                    format!(
                        "sslmode={value}: expected disable, allow, prefer, require, verify-ca or \
                         verify-full"
                    )
                })?);
            }
            "sslrootcert" if value.is_empty() => {
                return Err("sslrootcert is empty: give a PEM file, or `system`".into());
            }
            "sslrootcert" if value == "system" => roots = Some(Roots::System),
            "sslrootcert" => roots = Some(Roots::File(PathBuf::from(value.as_ref()))),
            key if UNSUPPORTED.contains(&key) => {
                return Err(format!(
                    "{key}: client certificates and revocation lists are not supported; \
                     authenticate with a password (the server can still require TLS)"
                ));
            }
            _ => kept.push(pair),
        }
    }
    let mode = match (mode, &roots) {
        // libpq 16: the system store serves public certificates, which anyone can obtain for
        // their own host name, so only a host-name check makes it meaningful.
        (None, Some(Roots::System)) => SslMode::VerifyFull,
        (Some(mode), Some(Roots::System)) if mode != SslMode::VerifyFull => {
            return Err(format!(
                "sslrootcert=system needs sslmode=verify-full (a public certificate proves \
                 nothing without the host-name check), got sslmode={}",
                mode.name()
            ));
        }
        (mode, _) => mode.unwrap_or(SslMode::Prefer),
    };
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, TlsSettings { mode, roots }))
}

/// libpq's default root certificate file, `~/.postgresql/root.crt`.
fn default_root_file() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".postgresql").join("root.crt"))
}

/// The connector for `settings`, or `None` for plain text (`disable`). Root certificates are
/// read here, once per engine.
pub(crate) fn connector(settings: &TlsSettings) -> Result<Option<MakeRustlsConnect>, String> {
    if settings.mode == SslMode::Disable {
        return Ok(None);
    }
    let roots = match &settings.roots {
        Some(roots) => Some(roots.clone()),
        None => match default_root_file() {
            Some(file) if file.is_file() => Some(Roots::File(file)),
            file if settings.mode >= SslMode::VerifyCa => {
                return Err(format!(
                    "sslmode={} checks the server's certificate, and there is no root \
                     certificate to check it against: give sslrootcert=<PEM file> (or \
                     sslrootcert=system with verify-full){}",
                    settings.mode.name(),
                    file.map(|file| format!(", or create {}", file.display()))
                        .unwrap_or_default()
                ));
            }
            _ => None,
        },
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match roots {
        None => Arc::new(AnyCertificate(provider.clone())),
        Some(roots) => {
            let store = Arc::new(load_roots(&roots)?);
            let webpki = WebPkiServerVerifier::builder_with_provider(store, provider.clone())
                .build()
                .map_err(|error| format!("the root certificates cannot be used: {error}"))?;
            if settings.mode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(AnyName(webpki))
            }
        }
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("TLS setup: {error}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // PostgreSQL 17's direct TLS (`sslnegotiation=direct`, passed to the client) requires this
    // protocol name; older servers ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(Some(MakeRustlsConnect::new(config)))
}

/// The trusted certificates of `roots`; none at all is an error (nothing could be trusted).
fn load_roots(roots: &Roots) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found.errors.first().map(|error| format!(" ({error})"));
                return Err(format!(
                    "sslrootcert=system: the system store holds no usable certificate{}",
                    why.unwrap_or_default()
                ));
            }
        }
        Roots::File(path) => {
            let shown = path.display();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|error| format!("sslrootcert {shown}: {error}"))?;
            for cert in certs {
                let cert = cert.map_err(|error| format!("sslrootcert {shown}: {error}"))?;
                store
                    .add(cert)
                    .map_err(|error| format!("sslrootcert {shown}: {error}"))?;
            }
            if store.is_empty() {
                return Err(format!("sslrootcert {shown} holds no PEM certificate"));
            }
        }
    }
    Ok(store)
}

/// Accepts any certificate whose key the server proves it holds: libpq's `require` without
/// root certificates.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Checks the chain but not the host name: libpq's `verify-ca`.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            // The chain was verified before the name was compared.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(url: &str) -> (String, TlsSettings) {
        split_url(url).unwrap_or_else(|error| panic!("{url}: {error}"))
    }

    #[test]
    fn tls_parameters_leave_the_url_and_the_rest_stays_in_order() {
        let (rest, tls) = split(
            "postgres://me@db/app?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fca%201.pem&connect_timeout=3",
        );
        assert_eq!(
            rest,
            "postgres://me@db/app?application_name=x&connect_timeout=3"
        );
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.roots, Some(Roots::File("/etc/ca 1.pem".into())));

        let (rest, tls) = split("postgres://me@db/app?sslmode=require");
        assert_eq!(rest, "postgres://me@db/app");
        assert_eq!((tls.mode, tls.roots), (SslMode::Require, None));

        let (rest, tls) = split("postgres://me@db/app");
        assert_eq!(rest, "postgres://me@db/app");
        assert_eq!(tls.mode, SslMode::Prefer, "libpq's default");
    }

    #[test]
    fn the_query_is_found_and_read_as_the_client_reads_it() {
        // A `?` in the password is not the query.
        let (rest, tls) = split("postgres://me:pa?ss@db/app?sslmode=require");
        assert_eq!(rest, "postgres://me:pa?ss@db/app");
        assert_eq!(tls.mode, SslMode::Require);
        // Encoded keys are keys.
        let (rest, tls) = split("postgres://db/app?%73slmode=verify-full&sslrootcert=/ca.pem");
        assert_eq!(rest, "postgres://db/app");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        // No credentials, no query, a `?` right after the host.
        let (rest, tls) = split("postgresql://db?sslmode=disable");
        assert_eq!(
            (rest.as_str(), tls.mode),
            ("postgresql://db", SslMode::Disable)
        );
    }

    #[test]
    fn every_libpq_mode_is_read_and_mapped_for_the_client() {
        use postgres::config::SslMode as Client;
        for (name, mode, client) in [
            ("disable", SslMode::Disable, Client::Disable),
            ("allow", SslMode::Allow, Client::Prefer),
            ("prefer", SslMode::Prefer, Client::Prefer),
            ("require", SslMode::Require, Client::Require),
            ("verify-ca", SslMode::VerifyCa, Client::Require),
            ("verify-full", SslMode::VerifyFull, Client::Require),
        ] {
            let (_, tls) = split(&format!("postgres://db?sslmode={name}"));
            assert_eq!(tls.mode, mode);
            assert_eq!(mode.name(), name);
            assert_eq!(mode.client_mode(), client, "{name}");
        }
    }

    #[test]
    fn the_system_store_means_verify_full() {
        let (_, tls) = split("postgres://db?sslrootcert=system");
        assert_eq!(
            (tls.mode, tls.roots),
            (SslMode::VerifyFull, Some(Roots::System))
        );
        let error = split_url("postgres://db?sslrootcert=system&sslmode=require").unwrap_err();
        assert!(
            error.contains("verify-full") && error.contains("require"),
            "{error}"
        );
    }

    #[test]
    fn wrong_or_unsupported_parameters_are_named() {
        let error = split_url("postgres://db?sslmode=verify").unwrap_err();
        assert!(
            error.contains("sslmode=verify:") && error.contains("verify-full"),
            "{error}"
        );
        let error = split_url("postgres://db?sslcert=/c.pem").unwrap_err();
        assert!(error.starts_with("sslcert:"), "{error}");
        let error = split_url("postgres://db?sslrootcert=").unwrap_err();
        assert!(error.contains("sslrootcert is empty"), "{error}");
        let error = split_url("postgres://db?sslrootcert=%FF").unwrap_err();
        assert!(
            error.contains("sslrootcert") && error.contains("UTF-8"),
            "{error}"
        );
    }

    #[test]
    fn a_check_without_roots_or_with_bad_roots_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let missing = dir.path().join("none.pem");
        let settings = TlsSettings {
            mode: SslMode::Require,
            roots: Some(Roots::File(missing.clone())),
        };
        let error = connector(&settings)
            .err()
            .expect("a missing file is an error");
        assert!(error.contains(&missing.display().to_string()), "{error}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").expect("write");
        let settings = TlsSettings {
            mode: SslMode::VerifyCa,
            roots: Some(Roots::File(empty)),
        };
        let error = connector(&settings)
            .err()
            .expect("an empty file is an error");
        assert!(error.contains("holds no PEM certificate"), "{error}");

        let plain = TlsSettings {
            mode: SslMode::Disable,
            roots: None,
        };
        assert!(matches!(connector(&plain), Ok(None)));
    }
}
