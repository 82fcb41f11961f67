//! HTTP Basic authentication of the REST API with the semantics of Java's
//! `BasicAuthSecurityRestExtension`: `rest.extension.classes` names the extension, a JAAS
//! file's `KafkaConnect` entry names a `PropertyFileLoginModule` with `file="<path>"`, and
//! that Java properties file maps user names to passwords.
//!
//! The JAAS file is found as Java finds it: `-Djava.security.auth.login.config=<path>` in
//! `KAFKA_OPTS` (what `connect-distributed.sh` users set), or the kconnect worker key
//! `kconnect.rest.jaas.config.file`. Internal worker-to-worker requests (`POST
//! /connectors/{c}/tasks`, `PUT /connectors/{c}/fence`) are exempt, as in Java: they are
//! authenticated by the group's request signature instead.
//!
//! Differences from Java, all on the safe side: the credentials are read once at startup,
//! so a missing or empty file (Java: every request rejected, resp. every request allowed)
//! stops the worker with the reason; a malformed header is a 401 (Java: 500); the 401 carries
//! `WWW-Authenticate: Basic realm="KafkaConnect"` and a JSON error body. Passwords are kept
//! only as keyed MACs and compared in constant time.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use kconnect_api::{ConfigError, ConfigMap};
use sha2::Sha256;

use super::RestError;

/// The worker key naming REST extensions.
pub const REST_EXTENSION_CLASSES: &str = "rest.extension.classes";
/// kconnect's worker key for the JAAS file (else `KAFKA_OPTS` is read).
pub const JAAS_FILE_KEY: &str = "kconnect.rest.jaas.config.file";
const EXTENSION_CLASS: &str =
    "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
const LOGIN_MODULE: &str =
    "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule";
const LOGIN_CONTEXT: &str = "KafkaConnect";
const JAAS_PROPERTY: &str = "-Djava.security.auth.login.config=";

type HmacSha256 = Hmac<Sha256>;

/// The users allowed to call the REST API.
pub struct BasicAuth {
    key: [u8; 32],
    /// User name → MAC of the password under `key`.
    users: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("users", &self.users.len())
            .finish()
    }
}

fn mac(key: &[u8], password: &str) -> Result<HmacSha256, String> {
    let mut m = HmacSha256::new_from_slice(key).map_err(|e| e.to_string())?;
    m.update(password.as_bytes());
    Ok(m)
}

/// The JAAS file path from `KAFKA_OPTS` (`-Djava.security.auth.login.config=<path>`,
/// optionally quoted).
fn jaas_path_from_java_options(options: &str) -> Option<String> {
    options
        .split_whitespace()
        .find_map(|o| o.strip_prefix(JAAS_PROPERTY))
        .map(|p| p.trim_matches('"').trim_matches('\'').to_string())
}

/// The body of the `name { ... };` entry of a JAAS file, comments removed.
fn jaas_entry<'a>(text: &'a str, name: &str) -> Option<String> {
    let mut cleaned = String::with_capacity(text.len());
    let mut rest: &'a str = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else if rest.starts_with('"') {
            // Copy a quoted string whole, so `//` inside a path is kept.
            let end = rest[1..].find('"').map_or(rest.len(), |i| i + 2);
            cleaned.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            let c = rest.chars().next()?;
            cleaned.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    let mut search = cleaned.as_str();
    loop {
        let at = search.find(name)?;
        let before_ok = search[..at]
            .chars()
            .last()
            .is_none_or(|c| c.is_whitespace() || c == ';' || c == '}');
        let after = search[at + name.len()..].trim_start();
        if before_ok {
            if let Some(body) = after.strip_prefix('{') {
                let end = body.find('}')?;
                return Some(body[..end].to_string());
            }
        }
        search = &search[at + name.len()..];
    }
}

impl BasicAuth {
    /// Reads `rest.extension.classes` and, when it names the Basic auth extension, the JAAS
    /// and credentials files. `java_options` is the `KAFKA_OPTS` environment variable.
    pub fn from_worker(
        props: &ConfigMap,
        java_options: Option<&str>,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(raw) = props
            .get(REST_EXTENSION_CLASSES)
            .filter(|v| !v.trim().is_empty())
        else {
            return Ok(None);
        };
        let mut basic = false;
        for class in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            if class == EXTENSION_CLASS || class == "BasicAuthSecurityRestExtension" {
                basic = true;
            } else {
                return Err(ConfigError::invalid(
                    REST_EXTENSION_CLASSES,
                    raw,
                    format!("{class} is a Java class kconnect cannot run; the REST extension kconnect implements is {EXTENSION_CLASS}"),
                ));
            }
        }
        if !basic {
            return Ok(None);
        }
        let jaas_path = props
            .get(JAAS_FILE_KEY)
            .filter(|p| !p.trim().is_empty())
            .cloned()
            .or_else(|| java_options.and_then(jaas_path_from_java_options))
            .ok_or_else(|| {
                ConfigError::invalid(
                    REST_EXTENSION_CLASSES,
                    raw,
                    format!("BasicAuthSecurityRestExtension needs a JAAS file with a {LOGIN_CONTEXT} entry: set KAFKA_OPTS=\"-Djava.security.auth.login.config=/path/to/jaas.conf\" as for Java, or {JAAS_FILE_KEY}=/path/to/jaas.conf"),
                )
            })?;
        let bad = |reason: String| ConfigError::invalid(JAAS_FILE_KEY, &jaas_path, reason);
        let text = std::fs::read_to_string(&jaas_path)
            .map_err(|e| bad(format!("cannot read the JAAS file: {e}")))?;
        let body = jaas_entry(&text, LOGIN_CONTEXT).ok_or_else(|| {
            bad(format!(
                "the JAAS file has no {LOGIN_CONTEXT} {{ ... }}; entry"
            ))
        })?;
        let entry = kconnect_kafka::security::parse_jaas(&body)
            .map_err(|e| bad(format!("the {LOGIN_CONTEXT} entry cannot be read: {e}")))?;
        if entry.module != LOGIN_MODULE {
            return Err(bad(format!(
                "the {LOGIN_CONTEXT} entry names {}; kconnect implements {LOGIN_MODULE}",
                entry.module
            )));
        }
        let file = entry
            .option("file")
            .filter(|f| !f.trim().is_empty())
            .ok_or_else(|| bad("Property Credentials file must be specified (the file option of PropertyFileLoginModule)".into()))?;
        let credentials = std::fs::File::open(file)
            .map_err(|e| {
                bad(format!(
                    "Error loading Property Credentials file {file}: {e}"
                ))
            })
            .and_then(|f| {
                java_properties::read(std::io::BufReader::new(f)).map_err(|e| {
                    bad(format!(
                        "Error loading Property Credentials file {file}: {e}"
                    ))
                })
            })?;
        if credentials.is_empty() {
            return Err(bad(format!("the Property Credentials file {file} is empty; Java would let every request through, kconnect refuses to: add a user (name=password)")));
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|e| bad(format!("no random source for the credential keys: {e}")))?;
        let mut users = BTreeMap::new();
        for (user, password) in credentials {
            let m = mac(&key, &password).map_err(bad)?;
            users.insert(user, m.finalize().into_bytes().to_vec());
        }
        Ok(Some(Self { key, users }))
    }

    /// Whether an `Authorization` header value names a known user with its password.
    fn admits(&self, authorization: Option<&str>) -> bool {
        let Some((scheme, encoded)) = authorization.and_then(|v| v.trim().split_once(' ')) else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(text) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((user, password)) = text.split_once(':').filter(|(u, _)| !u.is_empty()) else {
            return false;
        };
        let Some(expected) = self.users.get(user) else {
            // Same work for unknown users, so timing does not tell which names exist.
            let _ = mac(&self.key, password);
            return false;
        };
        mac(&self.key, password).is_ok_and(|m| m.verify_slice(expected).is_ok())
    }
}

/// Whether a request is one of the internal worker-to-worker endpoints Java exempts.
fn internal(method: &Method, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        (method, segments.as_slice()),
        (&Method::POST, ["connectors", c, "tasks"]) | (&Method::PUT, ["connectors", c, "fence"]) if !c.is_empty()
    )
}

/// The middleware: rejects requests without valid credentials with 401.
pub async fn require(State(auth): State<Arc<BasicAuth>>, req: Request, next: Next) -> Response {
    if internal(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if auth.admits(authorization) {
        return next.run(req).await;
    }
    let mut response = RestError::new(StatusCode::UNAUTHORIZED, "User cannot access the resource.")
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"KafkaConnect\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    fn setup(dir: &std::path::Path, credentials: &str) -> (String, String) {
        let creds = dir.join("credentials.properties");
        std::fs::write(&creds, credentials).unwrap();
        let jaas = dir.join("jaas.conf");
        std::fs::write(
            &jaas,
            format!(
                "// REST users\nKafkaServer {{ x required; }};\nKafkaConnect {{\n  {LOGIN_MODULE} required\n  file=\"{}\";\n}};\n",
                creds.display()
            ),
        )
        .unwrap();
        (jaas.display().to_string(), creds.display().to_string())
    }

    fn header(user: &str, password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    }

    #[test]
    fn users_of_the_credentials_file_are_admitted() {
        let dir = tempfile::tempdir().unwrap();
        let (jaas, _) = setup(dir.path(), "alice=wonder:land\nbob: builder\n");
        let props = config_map(&[(REST_EXTENSION_CLASSES, EXTENSION_CLASS)]);
        let options = format!("-Xmx1g {JAAS_PROPERTY}{jaas}");
        let auth = BasicAuth::from_worker(&props, Some(&options))
            .unwrap()
            .unwrap();
        assert!(auth.admits(Some(&header("alice", "wonder:land"))));
        assert!(auth.admits(Some(&header("bob", "builder"))));
        assert!(!auth.admits(Some(&header("bob", "builde"))));
        assert!(!auth.admits(Some(&header("carol", "builder"))));
        assert!(!auth.admits(None));
        assert!(!auth.admits(Some("Basic !!!")));
        assert!(!auth.admits(Some("Bearer abc")));
        assert!(!auth.admits(Some(&format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("no-colon")
        ))));
        // The worker key takes the place of KAFKA_OPTS.
        let props = config_map(&[
            (REST_EXTENSION_CLASSES, "BasicAuthSecurityRestExtension"),
            (JAAS_FILE_KEY, &jaas),
        ]);
        assert!(BasicAuth::from_worker(&props, None).unwrap().is_some());
    }

    #[test]
    fn missing_or_unusable_settings_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let props = config_map(&[(REST_EXTENSION_CLASSES, EXTENSION_CLASS)]);
        let err = BasicAuth::from_worker(&props, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("java.security.auth.login.config"), "{err}");
        let (jaas, creds) = setup(dir.path(), "");
        let props = config_map(&[
            (REST_EXTENSION_CLASSES, EXTENSION_CLASS),
            (JAAS_FILE_KEY, &jaas),
        ]);
        let err = BasicAuth::from_worker(&props, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("empty") && err.contains(&creds), "{err}");
        let err = BasicAuth::from_worker(
            &config_map(&[(REST_EXTENSION_CLASSES, "com.example.MyExtension")]),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("com.example.MyExtension"), "{err}");
        std::fs::remove_file(&creds).unwrap();
        let err = BasicAuth::from_worker(&props, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Error loading Property Credentials file"),
            "{err}"
        );
    }

    #[test]
    fn internal_endpoints_are_exempt() {
        assert!(internal(&Method::POST, "/connectors/a/tasks"));
        assert!(internal(&Method::PUT, "/connectors/a/fence/"));
        assert!(!internal(&Method::GET, "/connectors/a/tasks"));
        assert!(!internal(&Method::POST, "/connectors/a/tasks/0/restart"));
        assert!(!internal(&Method::POST, "/connectors"));
    }
}
