//! How the group client reaches brokers: plain TCP, or TLS (OpenSSL, with the same trust,
//! client certificate and host name rules as librdkafka gets), then SASL authentication if
//! the worker's `security.protocol` asks for it. Settings come from the worker's client
//! properties in Java's keys, translated by [`crate::security`].

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::oauth::TokenSource;
use super::sasl::Credentials;
use super::GroupError;
use crate::client_config::ClientProps;
use crate::error::KafkaError;

/// A byte stream to a broker.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

#[derive(Clone, PartialEq, Eq)]
struct Tls {
    /// Trusted certificates (PEM); `None`: the system's.
    ca_pem: Option<String>,
    /// Client certificate chain and key (PEM), for mutual TLS.
    client: Option<(String, String)>,
    verify_hostname: bool,
}

/// The TLS and SASL settings of the group client's connections.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnectionSecurity {
    tls: Option<Tls>,
    sasl: Option<Credentials>,
}

impl std::fmt::Debug for ConnectionSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ConnectionSecurity {{ tls: {}, sasl: {:?} }}",
            self.tls.is_some(),
            self.sasl
        )
    }
}

fn read_pem(path: &str, key: &str) -> Result<String, KafkaError> {
    std::fs::read_to_string(path)
        .map_err(|e| KafkaError::Config(format!("{key}: cannot read {path}: {e}")))
}

impl ConnectionSecurity {
    /// Plain TCP without authentication.
    pub fn plaintext() -> Self {
        Self::default()
    }

    /// The settings of `props` (a worker's client properties, Java's keys or librdkafka's).
    pub fn from_props(props: &ClientProps) -> Result<Self, KafkaError> {
        let t = crate::security::for_librdkafka(props)?;
        let protocol = t
            .get("security.protocol")
            .unwrap_or("PLAINTEXT")
            .to_string();
        let tls = if protocol.ends_with("SSL") {
            let ca_pem = match (t.get("ssl.ca.pem"), t.get("ssl.ca.location")) {
                (Some(pem), _) => Some(pem.to_string()),
                (None, Some(path)) => Some(read_pem(path, "ssl.ca.location")?),
                (None, None) => None,
            };
            let cert = match (
                t.get("ssl.certificate.pem"),
                t.get("ssl.certificate.location"),
            ) {
                (Some(pem), _) => Some(pem.to_string()),
                (None, Some(path)) => Some(read_pem(path, "ssl.certificate.location")?),
                (None, None) => None,
            };
            let key = match (t.get("ssl.key.pem"), t.get("ssl.key.location")) {
                (Some(pem), _) => Some(pem.to_string()),
                (None, Some(path)) => Some(read_pem(path, "ssl.key.location")?),
                (None, None) => None,
            };
            Some(Tls {
                ca_pem,
                client: cert.zip(key),
                verify_hostname: t.get("ssl.endpoint.identification.algorithm") != Some("none"),
            })
        } else {
            None
        };
        let sasl = if protocol.starts_with("SASL") {
            let mechanism = t.get("sasl.mechanism").unwrap_or("GSSAPI").to_string();
            if mechanism == "OAUTHBEARER" && t.get("sasl.oauthbearer.method") == Some("oidc") {
                let setting = |k: &str| t.get(k).unwrap_or_default();
                Some(Credentials::TokenEndpoint(std::sync::Arc::new(
                    TokenSource::new(
                        setting("sasl.oauthbearer.token.endpoint.url"),
                        setting("sasl.oauthbearer.client.id"),
                        setting("sasl.oauthbearer.client.secret"),
                        t.get("sasl.oauthbearer.scope"),
                    )
                    .with_extensions(t.get("sasl.oauthbearer.extensions")),
                )))
            } else if mechanism == "OAUTHBEARER" {
                let config = t.get("sasl.oauthbearer.config").unwrap_or_default();
                let subject = config
                    .split_whitespace()
                    .find_map(|kv| kv.strip_prefix("principal="))
                    .ok_or_else(|| {
                        KafkaError::Config(
                            "sasl.jaas.config: OAUTHBEARER needs unsecuredLoginStringClaim_sub"
                                .into(),
                        )
                    })?;
                Some(Credentials::UnsecuredToken {
                    subject: subject.to_string(),
                })
            } else {
                Some(Credentials::Password {
                    mechanism,
                    username: t.get("sasl.username").unwrap_or_default().to_string(),
                    password: t.get("sasl.password").unwrap_or_default().to_string(),
                })
            }
        } else {
            None
        };
        Ok(Self { tls, sasl })
    }

    /// The SASL credentials, if any.
    pub(crate) fn sasl(&self) -> Option<&Credentials> {
        self.sasl.as_ref()
    }

    /// Opens a stream to `addr` (`host:port`): TCP, then TLS if configured.
    pub(crate) async fn open(
        &self,
        addr: &str,
        timeout: Duration,
    ) -> Result<Box<dyn Stream>, GroupError> {
        let tcp = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| GroupError::Io(format!("connecting to {addr} timed out")))?
            .map_err(|e| GroupError::Io(format!("cannot connect to {addr}: {e}")))?;
        let _ = tcp.set_nodelay(true);
        let Some(tls) = &self.tls else {
            return Ok(Box::new(tcp));
        };
        let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let ssl = tls
            .ssl(host)
            .map_err(|e| GroupError::Io(format!("TLS settings for {addr}: {e}")))?;
        let mut stream = tokio_openssl::SslStream::new(ssl, tcp)
            .map_err(|e| GroupError::Io(format!("TLS to {addr}: {e}")))?;
        tokio::time::timeout(timeout, std::pin::Pin::new(&mut stream).connect())
            .await
            .map_err(|_| GroupError::Io(format!("TLS handshake with {addr} timed out")))?
            .map_err(|e| {
                GroupError::Io(format!(
                    "TLS handshake with {addr} failed (is the broker's certificate trusted, and does it name {host}?): {e}"
                ))
            })?;
        Ok(Box::new(stream))
    }
}

impl Tls {
    fn ssl(&self, host: &str) -> Result<openssl::ssl::Ssl, openssl::error::ErrorStack> {
        use openssl::ssl::{SslConnector, SslMethod};
        use openssl::x509::store::X509StoreBuilder;
        use openssl::x509::X509;
        let mut builder = SslConnector::builder(SslMethod::tls_client())?;
        if let Some(pem) = &self.ca_pem {
            let mut store = X509StoreBuilder::new()?;
            for cert in X509::stack_from_pem(pem.as_bytes())? {
                store.add_cert(cert)?;
            }
            builder.set_verify_cert_store(store.build())?;
        }
        if let Some((chain, key)) = &self.client {
            let mut certs = X509::stack_from_pem(chain.as_bytes())?.into_iter();
            if let Some(leaf) = certs.next() {
                builder.set_certificate(&leaf)?;
            }
            for extra in certs {
                builder.add_extra_chain_cert(extra)?;
            }
            let key = openssl::pkey::PKey::private_key_from_pem(key.as_bytes())?;
            builder.set_private_key(&key)?;
        }
        let connector = builder.build();
        let mut config = connector.configure()?;
        config.set_verify_hostname(self.verify_hostname);
        config.set_use_server_name_indication(host.parse::<std::net::IpAddr>().is_err());
        config.into_ssl(host)
    }
}
