//! The REST API (kafka-connect-spec.md §1), served with axum on the worker's `listeners`. Handlers talk only
//! to a [`Herder`], so standalone and distributed workers serve the same API. Every error is
//! rendered as Java's `{"error_code": N, "message": ...}`.

pub mod basic_auth;
mod connectors;
pub mod cors;
pub mod forward;
pub mod loggers;
mod offsets;
mod plugins;
pub mod response_headers;
pub mod server;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::herder::distributed::signing::{ALGORITHM_HEADER, SIGNATURE_HEADER};
use crate::herder::{Herder, HerderError};
use loggers::LogLevels;

/// Java's timeout for a herder operation awaited by a REST call.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(90_000);
/// Java's timeout for the health check.
pub const HEALTH_TIMEOUT: Duration = Duration::from_millis(10_000);

/// Shared state of the handlers.
pub struct RestState {
    /// The herder.
    pub herder: Arc<dyn Herder>,
    /// Log levels of the process, if the binary manages them.
    pub log_levels: Option<Arc<dyn LogLevels>>,
    /// `topic.tracking.enable`.
    pub topic_tracking: bool,
    /// `topic.tracking.allow.reset`.
    pub topic_tracking_reset: bool,
    /// TLS for requests forwarded to other workers' `https://` URLs.
    pub client_tls: Option<tls::ClientTls>,
}

/// An error rendered as Kafka Connect's `{"error_code": N, "message": ...}`.
#[derive(Debug)]
pub struct RestError {
    status: StatusCode,
    message: String,
}

impl RestError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<HerderError> for RestError {
    fn from(e: HerderError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self::new(status, e.message())
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error_code": self.status.as_u16(), "message": self.message})),
        )
            .into_response()
    }
}

pub(crate) type Shared = State<Arc<RestState>>;

/// Awaits a herder operation for at most Java's 90 s.
pub(crate) async fn timed<T>(
    f: impl std::future::Future<Output = Result<T, HerderError>>,
) -> Result<T, RestError> {
    timed_herder(f).await.map_err(RestError::from)
}

/// Awaits a herder operation for at most Java's 90 s, keeping the herder's error (a
/// timeout is [`HerderError::Timeout`], a 500 "Request timed out").
pub(crate) async fn timed_herder<T>(
    f: impl std::future::Future<Output = Result<T, HerderError>>,
) -> Result<T, HerderError> {
    tokio::time::timeout(REQUEST_TIMEOUT, f)
        .await
        .unwrap_or_else(|_| Err(HerderError::Timeout("Request timed out".into())))
}

/// Parses a JSON request body; a non-JSON content type is 415, malformed JSON 400 with the
/// parser's explanation.
pub(crate) fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, RestError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        if !ct.contains("json") {
            return Err(RestError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "HTTP 415 Unsupported Media Type",
            ));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(RestError::bad_request(
            "The request body is empty; a JSON document is required",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| RestError::bad_request(format!("Malformed JSON in the request body: {e}")))
}

/// Decoded query parameters, in order (repeated keys kept).
pub(crate) fn query_params(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A boolean query parameter the way JAX-RS reads it: `true` (any case) is true, anything
/// else false.
pub(crate) fn query_flag(params: &[(String, String)], name: &str, default: bool) -> bool {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map_or(default, |(_, v)| v.eq_ignore_ascii_case("true"))
}

async fn root(State(s): Shared) -> Json<Value> {
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "commit": option_env!("KCONNECT_COMMIT").unwrap_or("unknown"),
        "kafka_cluster_id": s.herder.kafka_cluster_id().await,
    }))
}

async fn health(State(s): Shared) -> Response {
    if !s.herder.is_ready() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "starting", "message": "Worker is still starting up."})),
        )
            .into_response();
    }
    match tokio::time::timeout(HEALTH_TIMEOUT, s.herder.connectors()).await {
        Ok(Ok(_)) => Json(json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."})).into_response(),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"status": "unhealthy", "message": "Worker was unable to handle this request and may be unable to handle other requests."})),
        )
            .into_response(),
    }
}

/// Internal `POST /connectors/{c}/tasks` (kafka-connect-spec.md §1.6): task configurations from the worker
/// that runs the connector; the signature covers the body bytes as received.
async fn put_task_configs(
    State(s): Shared,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<StatusCode, RestError> {
    let tasks: Vec<kconnect_api::ConfigMap> = json_body(&headers, &body)?;
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let signature = header(SIGNATURE_HEADER).zip(header(ALGORITHM_HEADER));
    timed(s.herder.put_task_configs(&name, tasks, &body, signature)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn not_found() -> RestError {
    RestError::new(StatusCode::NOT_FOUND, "HTTP 404 Not Found")
}

async fn method_not_allowed() -> RestError {
    RestError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "HTTP 405 Method Not Allowed",
    )
}

/// The routers of a distributed worker: the same API, with leader-only requests forwarded
/// to the leader when this worker does not lead the group ([`forward`]), and the admin
/// router when `/admin` has listeners of its own.
pub fn distributed_routers(
    state: Arc<RestState>,
    forwarding: forward::Forwarding,
    admin: &server::AdminListeners,
) -> (Router, Option<Router>) {
    let (api, admin) = routers(state, admin);
    let api = api.layer(axum::middleware::from_fn_with_state(
        Arc::new(forwarding),
        forward::forward_to_leader,
    ));
    (api, admin)
}

/// The API router and, when `/admin` has listeners of its own, the admin router; with
/// `admin.listeners` empty, `/admin` is served nowhere.
pub fn routers(state: Arc<RestState>, admin: &server::AdminListeners) -> (Router, Option<Router>) {
    use server::AdminListeners as A;
    match admin {
        A::Main => (routes(true).with_state(state), None),
        A::Disabled => (routes(false).with_state(state), None),
        A::Separate(_) => (
            routes(false).with_state(state.clone()),
            Some(
                admin_routes(Router::new())
                    .fallback(not_found)
                    .method_not_allowed_fallback(method_not_allowed)
                    .with_state(state),
            ),
        ),
    }
}

/// The router with every endpoint, `/admin` included.
pub fn router(state: Arc<RestState>) -> Router {
    routes(true).with_state(state)
}

fn admin_routes(r: Router<Arc<RestState>>) -> Router<Arc<RestState>> {
    r.route("/admin/loggers", get(loggers::list))
        .route("/admin/loggers/{name}", get(loggers::get).put(loggers::put))
}

fn routes(with_admin: bool) -> Router<Arc<RestState>> {
    use connectors as c;
    let r = Router::new()
        .route("/", get(root))
        .route("/health", get(health))
        .route("/connectors", get(c::list).post(c::create))
        .route("/connectors/{name}", get(c::info).delete(c::delete))
        .route(
            "/connectors/{name}/config",
            get(c::config).put(c::put_config).patch(c::patch_config),
        )
        .route("/connectors/{name}/status", get(c::status))
        .route(
            "/connectors/{name}/tasks",
            get(c::tasks).post(put_task_configs),
        )
        .route("/connectors/{name}/tasks-config", get(c::tasks_config))
        .route(
            "/connectors/{name}/tasks/{task}/status",
            get(c::task_status),
        )
        .route(
            "/connectors/{name}/tasks/{task}/restart",
            post(c::restart_task),
        )
        .route("/connectors/{name}/restart", post(c::restart))
        .route("/connectors/{name}/pause", put(c::pause))
        .route("/connectors/{name}/resume", put(c::resume))
        .route("/connectors/{name}/stop", put(c::stop))
        .route(
            "/connectors/{name}/offsets",
            get(offsets::offsets)
                .patch(offsets::alter_offsets)
                .delete(offsets::reset_offsets),
        )
        .route("/connectors/{name}/topics", get(c::topics))
        .route("/connectors/{name}/topics/reset", put(c::reset_topics))
        .route("/connector-plugins", get(plugins::list))
        .route("/connector-plugins/{plugin}/config", get(plugins::config))
        .route(
            "/connector-plugins/{plugin}/config/validate",
            put(plugins::validate),
        );
    let r = if with_admin { admin_routes(r) } else { r };
    r.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}
