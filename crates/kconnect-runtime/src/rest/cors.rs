//! Cross-origin requests (CORS) on the REST listeners, configured as in Java with
//! `access.control.allow.origin` (comma-separated origin patterns: `*` for any origin,
//! otherwise case-insensitive regular expressions matched against the whole `Origin`) and
//! `access.control.allow.methods` (default `GET,POST,HEAD`). Java's Jetty handler defaults
//! carry over: credentials allowed, `Content-Type` as the allowed request header, preflight
//! results cached for 60 s, `Vary: Origin` on every response.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kconnect_api::{ConfigError, ConfigMap};
use regex::Regex;

/// `access.control.allow.origin`.
pub const ALLOW_ORIGIN: &str = "access.control.allow.origin";
/// `access.control.allow.methods`.
pub const ALLOW_METHODS: &str = "access.control.allow.methods";

/// The CORS policy of the REST listeners.
#[derive(Debug, Clone)]
pub struct Cors {
    any_origin: bool,
    origins: Vec<Regex>,
    methods: Vec<String>,
}

impl Cors {
    /// The policy of a worker file, or `None` when `access.control.allow.origin` is empty
    /// (Java's default: no CORS headers at all).
    pub fn from_worker(props: &ConfigMap) -> Result<Option<Self>, ConfigError> {
        let Some(raw) = props.get(ALLOW_ORIGIN).filter(|v| !v.trim().is_empty()) else {
            if props
                .get(ALLOW_METHODS)
                .is_some_and(|v| !v.trim().is_empty())
            {
                tracing::warn!(
                    "{ALLOW_METHODS} has no effect without {ALLOW_ORIGIN}: no CORS headers are sent"
                );
            }
            return Ok(None);
        };
        let mut any_origin = false;
        let mut origins = Vec::new();
        for pattern in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if pattern == "*" {
                any_origin = true;
                continue;
            }
            let re = Regex::new(&format!("(?i)^(?:{pattern})$")).map_err(|e| {
                ConfigError::invalid(
                    ALLOW_ORIGIN,
                    raw,
                    format!("{pattern} is not a valid origin pattern: {e}"),
                )
            })?;
            origins.push(re);
        }
        let methods: Vec<String> = match props.get(ALLOW_METHODS).filter(|v| !v.trim().is_empty()) {
            Some(m) => {
                let mut out = Vec::new();
                for method in m.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                    let upper = method.to_ascii_uppercase();
                    if Method::from_bytes(upper.as_bytes()).is_err() {
                        return Err(ConfigError::invalid(
                            ALLOW_METHODS,
                            m,
                            format!("{method} is not an HTTP method"),
                        ));
                    }
                    out.push(upper);
                }
                out
            }
            None => vec!["GET".into(), "POST".into(), "HEAD".into()],
        };
        Ok(Some(Self {
            any_origin,
            origins,
            methods,
        }))
    }

    fn allows(&self, origin: &str) -> bool {
        self.any_origin || self.origins.iter().any(|r| r.is_match(origin))
    }
}

fn value(text: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(text).ok()
}

/// The middleware: answers preflight requests from allowed origins and marks the responses
/// to allowed origins' requests.
pub async fn apply(State(cors): State<Arc<Cors>>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let requested_method = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_uppercase);
    let allowed_origin = origin.filter(|o| cors.allows(o));
    let preflight = req.method() == Method::OPTIONS && requested_method.is_some();
    let mut response = match (&allowed_origin, preflight) {
        (Some(_), true) => StatusCode::OK.into_response(),
        _ => next.run(req).await,
    };
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = allowed_origin else {
        return response;
    };
    if preflight
        && !requested_method
            .as_deref()
            .is_some_and(|m| cors.methods.iter().any(|a| a == m))
    {
        // A method the policy does not allow: the browser gets no permission.
        return response;
    }
    if let Some(v) = value(&origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    if preflight {
        if let Some(v) = value(&cors.methods.join(",")) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
        }
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Content-Type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("60"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn origins_are_whole_case_insensitive_patterns() {
        let cors = Cors::from_worker(&config_map(&[(
            ALLOW_ORIGIN,
            "https://ui\\.example\\.com, http://localhost:[0-9]+",
        )]))
        .unwrap()
        .unwrap();
        assert!(cors.allows("https://UI.example.com"));
        assert!(cors.allows("http://localhost:3000"));
        assert!(!cors.allows("https://ui.example.com.evil.net"));
        assert_eq!(cors.methods, ["GET", "POST", "HEAD"]);
        let any = Cors::from_worker(&config_map(&[
            (ALLOW_ORIGIN, "*"),
            (ALLOW_METHODS, "get,put,DELETE"),
        ]))
        .unwrap()
        .unwrap();
        assert!(any.allows("https://anything"));
        assert_eq!(any.methods, ["GET", "PUT", "DELETE"]);
        assert!(Cors::from_worker(&config_map(&[(ALLOW_ORIGIN, "")]))
            .unwrap()
            .is_none());
        let err = Cors::from_worker(&config_map(&[(ALLOW_ORIGIN, "(")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains(ALLOW_ORIGIN), "{err}");
    }
}
