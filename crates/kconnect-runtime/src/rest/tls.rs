//! TLS for the REST API: the server side of `https://` listeners and the client side of
//! worker-to-worker requests to `https://` URLs, both configured with Java's keys.
//!
//! As in Java, the settings come from the keys under a listener prefix
//! (`listeners.https.` for the REST listeners, `admin.listeners.https.` for the admin
//! listeners) when any key carries that prefix, and otherwise from the worker's plain
//! `ssl.*` keys (all or nothing: prefixed and plain keys are never mixed). Key and trust
//! stores are read as the Kafka clients read them (JKS, PKCS#12 or PEM files, or PEM
//! strings), so one set of files serves both.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use kconnect_api::{ConfigError, ConfigMap};
use kconnect_kafka::ClientProps;
use openssl::error::ErrorStack;
use openssl::pkey::PKey;
use openssl::ssl::{
    SslAcceptor, SslConnector, SslContextBuilder, SslMethod, SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_openssl::SslStream;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most TLS handshakes in progress at once on one listener (more connections wait).
pub const MAX_HANDSHAKES: usize = 256;

/// `ssl.client.auth`: whether the server asks clients for certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// No client certificate is asked for (Java's default).
    None,
    /// A certificate is asked for and checked if sent.
    Requested,
    /// A trusted certificate is required.
    Required,
}

/// TLS material and options resolved from Java's keys.
#[derive(Clone)]
pub struct TlsSettings {
    ca_pem: Option<String>,
    /// (certificate chain, private key) as PEM.
    identity: Option<(String, String)>,
    client_auth: ClientAuth,
    verify_hostname: bool,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSettings")
            .field("trust", &self.ca_pem.is_some())
            .field("identity", &self.identity.is_some())
            .field("client_auth", &self.client_auth)
            .field("verify_hostname", &self.verify_hostname)
            .finish()
    }
}

/// Java's `valuesWithPrefixAllOrNothing`: the `ssl.*` keys under `prefix` (prefix removed)
/// when any key carries the prefix, else the worker's plain `ssl.*` keys.
pub fn ssl_keys(worker: &ConfigMap, prefix: &str) -> ConfigMap {
    let prefixed: ConfigMap = worker
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), v.clone())))
        .collect();
    let source = if prefixed.is_empty() {
        worker
            .iter()
            .filter(|(k, _)| k.starts_with("ssl."))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    } else {
        prefixed
    };
    source
        .into_iter()
        .filter(|(k, _)| k.starts_with("ssl."))
        .collect()
}

fn bad(prefix: &str, key: &str, value: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::invalid(format!("{prefix}{key}"), value, reason.into())
}

impl TlsSettings {
    /// Reads the settings under `prefix` (see [`ssl_keys`]); errors name the key as the
    /// user wrote it.
    pub fn from_worker(worker: &ConfigMap, prefix: &str) -> Result<Self, ConfigError> {
        let keys = ssl_keys(worker, prefix);
        let shown_prefix = if worker.keys().any(|k| k.starts_with(prefix)) {
            prefix
        } else {
            ""
        };
        let mut props = ClientProps::new();
        for (k, v) in &keys {
            if k != "ssl.client.auth" {
                props.set(k.clone(), v.clone());
            }
        }
        props.set("security.protocol", "SSL");
        let translated = kconnect_kafka::security::for_librdkafka(&props).map_err(|e| {
            ConfigError::general(format!(
                "{e} (in the REST listener settings{})",
                if shown_prefix.is_empty() {
                    String::new()
                } else {
                    format!(" under {shown_prefix}")
                }
            ))
        })?;
        let client_auth = match keys
            .get("ssl.client.auth")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("") | Some("none") => ClientAuth::None,
            Some("requested") => ClientAuth::Requested,
            Some("required") => ClientAuth::Required,
            Some(other) => {
                return Err(bad(
                    shown_prefix,
                    "ssl.client.auth",
                    other,
                    "must be one of none, requested, required",
                ))
            }
        };
        let identity = translated
            .get("ssl.certificate.pem")
            .zip(translated.get("ssl.key.pem"))
            .map(|(c, k)| (c.to_string(), k.to_string()));
        Ok(Self {
            ca_pem: translated.get("ssl.ca.pem").map(str::to_string),
            identity,
            client_auth,
            verify_hostname: translated.get("ssl.endpoint.identification.algorithm")
                != Some("none"),
        })
    }

    /// The server side of an `https://` listener. A key store is required; with
    /// `ssl.client.auth` requested or required, clients' certificates are checked against
    /// the trust store (the system's CAs without one).
    pub fn acceptor(&self, listener: &str) -> Result<SslAcceptor, ConfigError> {
        let Some((chain, key)) = &self.identity else {
            return Err(ConfigError::invalid(
                "listeners",
                listener,
                "an https listener needs a key store: set listeners.https.ssl.keystore.location (or ssl.keystore.location), or the PEM keys ssl.keystore.certificate.chain and ssl.keystore.key",
            ));
        };
        let fail = |e: openssl::error::ErrorStack| {
            ConfigError::invalid(
                "listeners",
                listener,
                format!("cannot set up TLS with the configured key store: {e}"),
            )
        };
        let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).map_err(fail)?;
        b.set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(fail)?;
        set_identity(&mut b, chain, key).map_err(fail)?;
        b.check_private_key().map_err(fail)?;
        if self.client_auth != ClientAuth::None {
            // Without a trust store, client certificates are checked against the system's
            // CAs (Java uses the JVM's default trust store).
            b.set_default_verify_paths().map_err(fail)?;
            if let Some(pem) = &self.ca_pem {
                set_trust(&mut b, pem).map_err(fail)?;
            }
            let mut mode = SslVerifyMode::PEER;
            if self.client_auth == ClientAuth::Required {
                mode |= SslVerifyMode::FAIL_IF_NO_PEER_CERT;
            }
            b.set_verify(mode);
        }
        Ok(b.build())
    }

    /// The client side, for requests to other workers' `https://` URLs: their certificates
    /// are checked against the trust store (the system's CAs without one) and, unless
    /// `ssl.endpoint.identification.algorithm` is empty, their host names; the key store, if
    /// any, is presented to workers that ask for a client certificate.
    pub fn connector(&self) -> Result<ClientTls, ConfigError> {
        let fail = |e: openssl::error::ErrorStack| {
            ConfigError::general(format!(
                "cannot set up TLS for requests to other workers: {e}"
            ))
        };
        let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(fail)?;
        b.set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(fail)?;
        if let Some(pem) = &self.ca_pem {
            set_trust(&mut b, pem).map_err(fail)?;
        }
        if let Some((chain, key)) = &self.identity {
            set_identity(&mut b, chain, key).map_err(fail)?;
        }
        Ok(ClientTls {
            connector: Arc::new(b.build()),
            verify_hostname: self.verify_hostname,
        })
    }
}

/// Presents the PEM `chain` (leaf first) with its `key`.
fn set_identity(b: &mut SslContextBuilder, chain: &str, key: &str) -> Result<(), ErrorStack> {
    let mut certs = X509::stack_from_pem(chain.as_bytes())?.into_iter();
    if let Some(leaf) = certs.next() {
        b.set_certificate(&leaf)?;
    }
    for extra in certs {
        b.add_extra_chain_cert(extra)?;
    }
    let key = PKey::private_key_from_pem(key.as_bytes())?;
    b.set_private_key(&key)
}

/// Trusts exactly the PEM certificates of `pem`.
fn set_trust(b: &mut SslContextBuilder, pem: &str) -> Result<(), ErrorStack> {
    let mut store = X509StoreBuilder::new()?;
    for cert in X509::stack_from_pem(pem.as_bytes())? {
        store.add_cert(cert)?;
    }
    b.set_verify_cert_store(store.build())
}

/// The client side of worker-to-worker TLS.
#[derive(Clone)]
pub struct ClientTls {
    connector: Arc<SslConnector>,
    verify_hostname: bool,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("verify_hostname", &self.verify_hostname)
            .finish()
    }
}

impl ClientTls {
    /// Opens a TLS connection over `tcp` to `host`.
    pub async fn connect(&self, host: &str, tcp: TcpStream) -> io::Result<SslStream<TcpStream>> {
        let mut config = self.connector.configure().map_err(io::Error::other)?;
        config.set_verify_hostname(self.verify_hostname);
        config.set_use_server_name_indication(host.parse::<std::net::IpAddr>().is_err());
        let ssl = config.into_ssl(host).map_err(io::Error::other)?;
        let mut stream = SslStream::new(ssl, tcp).map_err(io::Error::other)?;
        Pin::new(&mut stream).connect().await.map_err(|e| {
            io::Error::other(format!(
                "TLS handshake with {host} failed (is its certificate trusted by ssl.truststore.*, and does it name {host}?): {e}"
            ))
        })?;
        Ok(stream)
    }
}

/// An `https://` listener for axum: accepts TCP connections and completes TLS handshakes
/// in the background, so a slow or failing client never holds up the others.
pub struct TlsListener {
    incoming: mpsc::Receiver<(SslStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Serves TLS on `tcp` with `acceptor`. At most [`MAX_HANDSHAKES`] handshakes run at a
    /// time; the accept loop (and the port) end when this listener is dropped.
    pub fn new(tcp: TcpListener, acceptor: SslAcceptor) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, incoming) = mpsc::channel(64);
        let acceptor = Arc::new(acceptor);
        let handshakes = Arc::new(tokio::sync::Semaphore::new(MAX_HANDSHAKES));
        tokio::spawn(async move {
            loop {
                let permit = tokio::select! {
                    _ = tx.closed() => return,
                    permit = handshakes.clone().acquire_owned() => match permit {
                        Ok(p) => p,
                        Err(_) => return,
                    },
                };
                let (socket, peer) = tokio::select! {
                    _ = tx.closed() => return,
                    accepted = tcp.accept() => match accepted {
                        Ok(c) => c,
                        Err(e) => {
                            tracing::warn!("REST listener {local}: accept failed: {e}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    },
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    let handshake = async {
                        let ssl =
                            openssl::ssl::Ssl::new(acceptor.context()).map_err(io::Error::other)?;
                        let mut stream = SslStream::new(ssl, socket).map_err(io::Error::other)?;
                        Pin::new(&mut stream)
                            .accept()
                            .await
                            .map_err(io::Error::other)?;
                        Ok::<_, io::Error>(stream)
                    };
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send((stream, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(
                            "REST listener {local}: TLS handshake with {peer} failed: {e}"
                        ),
                        Err(_) => tracing::debug!(
                            "REST listener {local}: TLS handshake with {peer} timed out"
                        ),
                    }
                });
            }
        });
        Ok(Self { incoming, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = SslStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(c) => c,
            // The accept loop only ends once this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn prefixed_keys_win_all_or_nothing() {
        let worker = config_map(&[
            ("ssl.keystore.location", "/plain.p12"),
            ("ssl.truststore.location", "/plain-trust.p12"),
            ("listeners.https.ssl.keystore.location", "/rest.p12"),
        ]);
        let keys = ssl_keys(&worker, "listeners.https.");
        assert_eq!(keys.get("ssl.keystore.location").unwrap(), "/rest.p12");
        assert!(!keys.contains_key("ssl.truststore.location"));
        let plain = ssl_keys(&worker, "admin.listeners.https.");
        assert_eq!(plain.get("ssl.keystore.location").unwrap(), "/plain.p12");
        assert_eq!(plain.len(), 2);
    }

    #[test]
    fn bad_client_auth_and_missing_key_store_name_the_key() {
        let err = TlsSettings::from_worker(
            &config_map(&[("listeners.https.ssl.client.auth", "always")]),
            "listeners.https.",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("listeners.https.ssl.client.auth") && err.contains("always"),
            "{err}"
        );
        let settings = TlsSettings::from_worker(&ConfigMap::new(), "listeners.https.").unwrap();
        let err = match settings.acceptor("https://localhost:8443") {
            Ok(_) => panic!("an https listener without a key store was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("ssl.keystore.location"), "{err}");
    }
}
