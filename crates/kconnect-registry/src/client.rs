//! Registry requests, with failover between URLs and bounded caches.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value as Json};

use crate::config::RegistryConfig;
use crate::lru::Lru;

/// The content type of Schema Registry requests.
const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// What a registry call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No URL answered: retrying later may work.
    #[error("the Schema Registry could not be reached ({urls}): {reason}")]
    Unreachable {
        /// The URLs tried.
        urls: String,
        /// The last transport error.
        reason: String,
    },
    /// The subject, version or schema id does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The registry refused the schema as incompatible.
    #[error("the Schema Registry refused the schema for subject {subject} as incompatible (compatibility level {level}): {message}")]
    Incompatible {
        /// The subject.
        subject: String,
        /// The subject's compatibility level, if it could be read.
        level: String,
        /// The registry's message.
        message: String,
    },
    /// Any other answer.
    #[error("the Schema Registry answered {status} to {what}: {message}")]
    Http {
        /// HTTP status.
        status: u16,
        /// What was asked.
        what: String,
        /// The registry's message.
        message: String,
    },
}

impl RegistryError {
    /// Whether retrying may succeed.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
            || matches!(self, Self::Http { status, .. } if *status >= 500)
    }
}

/// A schema as registered under a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredSchema {
    /// Its global id.
    pub id: i32,
    /// Its version under the subject.
    pub version: i32,
    /// Its text.
    pub schema: String,
}

/// A client of one registry (several URLs), with its caches.
pub struct RegistryClient {
    agent: ureq::Agent,
    config: RegistryConfig,
    caches: Mutex<Caches>,
}

struct Caches {
    /// Schema text by id.
    by_id: Lru<i32, String>,
    /// Id by (subject, schema text), for schemas registered or looked up.
    ids: Lru<(String, String), i32>,
    /// Version by (subject, schema text); `None`: not registered under the subject.
    versions: Lru<(String, String), Option<i32>>,
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The TLS connector for `tls`: the system's CAs plus the configured ones, and a client
/// identity for mutual TLS.
fn tls_connector(tls: &crate::config::RegistryTls) -> Result<native_tls::TlsConnector, String> {
    let mut builder = native_tls::TlsConnector::builder();
    if let Some(pem) = &tls.trusted_pem {
        for block in pem.split_inclusive("-----END CERTIFICATE-----") {
            if !block.contains("-----BEGIN CERTIFICATE-----") {
                continue;
            }
            let cert = native_tls::Certificate::from_pem(block.trim_start().as_bytes())
                .map_err(|e| format!("a trusted certificate: {e}"))?;
            builder.add_root_certificate(cert);
        }
    }
    if let Some((chain, key)) = &tls.identity {
        let identity = native_tls::Identity::from_pkcs8(chain.as_bytes(), key.as_bytes())
            .map_err(|e| format!("the client certificate: {e}"))?;
        builder.identity(identity);
    }
    builder.danger_accept_invalid_hostnames(!tls.verify_hostname);
    builder.build().map_err(|e| format!("TLS: {e}"))
}

/// Runs a blocking call, telling a multi-threaded tokio runtime so.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

impl RegistryClient {
    /// A client for `config`.
    pub fn new(config: RegistryConfig) -> Result<Self, String> {
        let tls = tls_connector(&config.tls)?;
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_millis(config.timeout_ms))
            .tls_connector(Arc::new(tls))
            .build();
        let capacity = config.cache_capacity;
        Ok(Self {
            agent,
            config,
            caches: Mutex::new(Caches {
                by_id: Lru::new(capacity),
                ids: Lru::new(capacity),
                versions: Lru::new(capacity),
            }),
        })
    }

    /// The settings.
    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// Sends one request to the first URL that answers.
    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Json>,
        what: &str,
    ) -> Result<Json, RegistryError> {
        blocking(|| {
            let mut last = String::new();
            for base in &self.config.urls {
                let mut request = self
                    .agent
                    .request(method, &format!("{base}{path}"))
                    .set("Accept", CONTENT_TYPE);
                if let Some(auth) = &self.config.authorization {
                    request = request.set("Authorization", auth);
                }
                let outcome = match body {
                    Some(b) => request
                        .set("Content-Type", CONTENT_TYPE)
                        .send_string(&b.to_string()),
                    None => request.call(),
                };
                match outcome {
                    Ok(response) => {
                        let text = response.into_string().unwrap_or_default();
                        return serde_json::from_str(&text).map_err(|e| RegistryError::Http {
                            status: 200,
                            what: what.to_string(),
                            message: format!("an answer that is not JSON ({e}): {text}"),
                        });
                    }
                    Err(ureq::Error::Status(status, response)) => {
                        let text = response.into_string().unwrap_or_default();
                        let body: Json = serde_json::from_str(&text).unwrap_or(Json::Null);
                        let message = body["message"]
                            .as_str()
                            .map_or(text.clone(), str::to_string);
                        let code = body["error_code"].as_i64().unwrap_or(i64::from(status));
                        return Err(match status {
                            404 => {
                                RegistryError::NotFound(format!("{what}: {message} (error {code})"))
                            }
                            _ => RegistryError::Http {
                                status,
                                what: what.to_string(),
                                message,
                            },
                        });
                    }
                    Err(ureq::Error::Transport(t)) => {
                        tracing::warn!("Schema Registry {base} did not answer: {t}");
                        last = t.to_string();
                    }
                }
            }
            Err(RegistryError::Unreachable {
                urls: self.config.urls.join(", "),
                reason: last,
            })
        })
    }

    fn normalize_query(&self) -> &'static str {
        if self.config.normalize {
            "?normalize=true"
        } else {
            ""
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Caches> {
        self.caches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The id of `schema` under `subject`, registering it if needed.
    pub fn register(
        &self,
        subject: &str,
        schema: &str,
        schema_type: Option<&str>,
    ) -> Result<i32, RegistryError> {
        let key = (subject.to_string(), schema.to_string());
        if let Some(id) = self.lock().ids.get(&key) {
            return Ok(id);
        }
        let mut body = json!({ "schema": schema });
        if let Some(t) = schema_type {
            body["schemaType"] = json!(t);
        }
        let path = format!(
            "/subjects/{}/versions{}",
            segment(subject),
            self.normalize_query()
        );
        let answer = self.call(
            "POST",
            &path,
            Some(&body),
            &format!("registering a schema under subject {subject}"),
        );
        let answer = match answer {
            Err(RegistryError::Http {
                status: 409,
                message,
                ..
            }) => {
                return Err(RegistryError::Incompatible {
                    subject: subject.to_string(),
                    level: self
                        .compatibility(subject)
                        .unwrap_or_else(|_| "unknown".into()),
                    message,
                })
            }
            other => other?,
        };
        let id = id_of(&answer, "registration")?;
        let mut caches = self.lock();
        caches.ids.put(key, id);
        caches.by_id.put(id, schema.to_string());
        Ok(id)
    }

    /// `schema` as registered under `subject` (its id and version).
    pub fn lookup(
        &self,
        subject: &str,
        schema: &str,
        schema_type: Option<&str>,
    ) -> Result<RegisteredSchema, RegistryError> {
        let mut body = json!({ "schema": schema });
        if let Some(t) = schema_type {
            body["schemaType"] = json!(t);
        }
        let path = format!("/subjects/{}{}", segment(subject), self.normalize_query());
        let answer = self.call(
            "POST",
            &path,
            Some(&body),
            &format!("looking up a schema under subject {subject}"),
        )?;
        let registered = RegisteredSchema {
            id: id_of(&answer, "lookup")?,
            version: int_of(&answer, "version", "lookup")?,
            schema: answer["schema"].as_str().unwrap_or(schema).to_string(),
        };
        let mut caches = self.lock();
        caches
            .ids
            .put((subject.to_string(), schema.to_string()), registered.id);
        caches.versions.put(
            (subject.to_string(), schema.to_string()),
            Some(registered.version),
        );
        Ok(registered)
    }

    /// The version of `schema` under `subject`; `None` if it is not registered there.
    pub fn version(
        &self,
        subject: &str,
        schema: &str,
        schema_type: Option<&str>,
    ) -> Result<Option<i32>, RegistryError> {
        let key = (subject.to_string(), schema.to_string());
        if let Some(v) = self.lock().versions.get(&key) {
            return Ok(v);
        }
        let version = match self.lookup(subject, schema, schema_type) {
            Ok(r) => Some(r.version),
            Err(RegistryError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        self.lock().versions.put(key, version);
        Ok(version)
    }

    /// The text of schema `id`.
    pub fn schema_by_id(&self, id: i32) -> Result<String, RegistryError> {
        if let Some(text) = self.lock().by_id.get(&id) {
            return Ok(text);
        }
        let answer = self.call(
            "GET",
            &format!("/schemas/ids/{id}"),
            None,
            &format!("fetching schema id {id}"),
        )?;
        let text = answer["schema"]
            .as_str()
            .ok_or_else(|| RegistryError::Http {
                status: 200,
                what: format!("fetching schema id {id}"),
                message: format!("no schema in the answer: {answer}"),
            })?
            .to_string();
        self.lock().by_id.put(id, text.clone());
        Ok(text)
    }

    /// The latest schema of `subject`.
    pub fn latest(&self, subject: &str) -> Result<RegisteredSchema, RegistryError> {
        let answer = self.call(
            "GET",
            &format!("/subjects/{}/versions/latest", segment(subject)),
            None,
            &format!("fetching the latest schema of subject {subject}"),
        )?;
        Ok(RegisteredSchema {
            id: id_of(&answer, "latest version")?,
            version: int_of(&answer, "version", "latest version")?,
            schema: answer["schema"].as_str().unwrap_or_default().to_string(),
        })
    }

    /// The compatibility level that applies to `subject`.
    pub fn compatibility(&self, subject: &str) -> Result<String, RegistryError> {
        let answer = self.call(
            "GET",
            &format!("/config/{}?defaultToGlobal=true", segment(subject)),
            None,
            &format!("reading the compatibility level of subject {subject}"),
        );
        let answer = match answer {
            Err(RegistryError::NotFound(_)) => self.call(
                "GET",
                "/config",
                None,
                "reading the global compatibility level",
            )?,
            other => other?,
        };
        Ok(answer["compatibilityLevel"]
            .as_str()
            .or(answer["compatibility"].as_str())
            .unwrap_or("unknown")
            .to_string())
    }
}

fn int_of(answer: &Json, key: &str, what: &str) -> Result<i32, RegistryError> {
    answer[key]
        .as_i64()
        .and_then(|i| i32::try_from(i).ok())
        .ok_or_else(|| RegistryError::Http {
            status: 200,
            what: what.to_string(),
            message: format!("no {key} in the answer: {answer}"),
        })
}

fn id_of(answer: &Json, what: &str) -> Result<i32, RegistryError> {
    int_of(answer, "id", what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_percent_encoded_in_paths() {
        assert_eq!(segment("orders-value"), "orders-value");
        assert_eq!(segment("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn an_unreachable_registry_is_retriable() {
        let config = RegistryConfig::parse(
            &kconnect_api::config_map(&[(
                "schema.registry.url",
                "http://127.0.0.1:9,http://127.0.0.1:10",
            )]),
            false,
        )
        .unwrap();
        let client = RegistryClient::new(config).unwrap();
        let e = client.schema_by_id(1).unwrap_err();
        assert!(e.is_retriable(), "{e}");
        assert!(
            e.to_string()
                .contains("http://127.0.0.1:9, http://127.0.0.1:10"),
            "{e}"
        );
    }
}
