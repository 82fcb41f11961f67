//! `/admin/loggers` (kafka-connect-spec.md §1.4): read and change log levels at runtime, with log4j level names.
//! The runtime does not own the logging setup; the binary implements [`LogLevels`].

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{json_body, query_params, RestError, Shared};
use crate::herder::HerderError;

/// A logger's level as the REST API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggerLevel {
    /// Log4j level name (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`, `OFF`).
    pub level: String,
    /// Epoch milliseconds of the last change made through the API; `null` if never changed.
    pub last_modified: Option<i64>,
}

/// Log levels of the running process, as the binary's logging setup manages them.
pub trait LogLevels: Send + Sync {
    /// Loggers with an explicitly set level, plus `root`.
    fn loggers(&self) -> BTreeMap<String, LoggerLevel>;

    /// The effective level of a logger; `None` if no such logger is known.
    fn logger(&self, name: &str) -> Option<LoggerLevel>;

    /// Sets `level` (an upper-case log4j name) on `namespace` and every logger below it
    /// (`root`: all); returns the names of the loggers changed, sorted.
    fn set_level(&self, namespace: &str, level: &str) -> Result<Vec<String>, String>;
}

/// Log4j level names the API accepts.
pub const LEVELS: &[&str] = &[
    "OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL",
];

/// Applies a cluster-wide level read from the config topic (KIP-976) to this worker. The
/// level may be in any case (Java writes it as the client sent it); an unknown one is
/// ignored with a warning.
pub fn apply_cluster_level(levels: &dyn LogLevels, namespace: &str, level: &str) {
    let upper = level.to_ascii_uppercase();
    if !LEVELS.contains(&upper.as_str()) {
        tracing::warn!(
            namespace,
            level,
            "ignoring a cluster log level that is not a level"
        );
        return;
    }
    match levels.set_level(namespace, &upper) {
        Ok(changed) => {
            tracing::info!(
                namespace,
                level = upper,
                ?changed,
                "applied a cluster log level"
            )
        }
        Err(e) => tracing::warn!(namespace, "could not apply a cluster log level: {e}"),
    }
}

fn levels(s: &Shared) -> Result<&Arc<dyn LogLevels>, RestError> {
    s.0.log_levels
        .as_ref()
        .ok_or_else(|| RestError::from(HerderError::NotFound("HTTP 404 Not Found".into())))
}

pub(super) async fn list(s: Shared) -> Result<Json<BTreeMap<String, LoggerLevel>>, RestError> {
    Ok(Json(levels(&s)?.loggers()))
}

pub(super) async fn get(
    s: Shared,
    Path(name): Path<String>,
) -> Result<Json<LoggerLevel>, RestError> {
    levels(&s)?
        .logger(&name)
        .map(Json)
        .ok_or_else(|| HerderError::NotFound(format!("Logger {name} not found.")).into())
}

pub(super) async fn put(
    s: Shared,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, RestError> {
    let log_levels = levels(&s)?.clone();
    let body: BTreeMap<String, Value> = json_body(&headers, &body)?;
    let Some(raw) = body.get("level").filter(|v| !v.is_null()) else {
        return Err(HerderError::BadRequest(
            "Desired 'level' parameter was not specified in request.".into(),
        )
        .into());
    };
    let raw = raw
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| raw.to_string());
    let level = raw.to_ascii_uppercase();
    if !LEVELS.contains(&level.as_str()) {
        return Err(HerderError::NotFound(format!("invalid log level '{raw}'.")).into());
    }
    let scope = query_params(query.as_deref())
        .into_iter()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v)
        .unwrap_or_else(|| "worker".into());
    if scope.eq_ignore_ascii_case("cluster") {
        let State(state) = &s;
        state.herder.set_cluster_logger_level(&name, &level).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let changed = log_levels
        .set_level(&name, &level)
        .map_err(HerderError::Internal)?;
    Ok(Json(changed).into_response())
}
