//! The REST API (spec §1), served with axum on the worker's `listeners`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kconnect_api::ConnectError;
use serde_json::{json, Value};

use crate::herder::StandaloneHerder;

/// Shared state of the handlers.
pub struct RestState {
    /// The herder.
    pub herder: Arc<StandaloneHerder>,
    /// Kafka cluster id shown by `GET /`.
    pub kafka_cluster_id: Option<String>,
}

/// An error rendered as Kafka Connect's `{"error_code": N, "message": ...}`.
pub struct RestError(StatusCode, String);

impl From<ConnectError> for RestError {
    fn from(e: ConnectError) -> Self {
        let code = match &e {
            ConnectError::NotFound(_) => StatusCode::NOT_FOUND,
            ConnectError::Config(_) | ConnectError::IllegalArgument(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self(code, e.to_string())
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        (
            self.0,
            Json(json!({"error_code": self.0.as_u16(), "message": self.1})),
        )
            .into_response()
    }
}

type Shared = State<Arc<RestState>>;

async fn root(State(s): Shared) -> Json<Value> {
    Json(
        json!({"version": env!("CARGO_PKG_VERSION"), "commit": option_env!("KCONNECT_COMMIT").unwrap_or("unknown"), "kafka_cluster_id": s.kafka_cluster_id}),
    )
}

async fn health() -> Json<Value> {
    Json(
        json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."}),
    )
}

async fn list_connectors(State(s): Shared) -> Json<Value> {
    Json(json!(s.herder.connectors().await))
}

fn task_ids(name: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|t| json!({"connector": name, "task": t}))
        .collect()
}

async fn get_connector(
    State(s): Shared,
    Path(name): Path<String>,
) -> Result<Json<Value>, RestError> {
    let c = s.herder.connector(&name).await?;
    Ok(Json(
        json!({"name": c.name, "config": c.config, "tasks": task_ids(&name, c.tasks.len()), "type": c.connector_type.name()}),
    ))
}

async fn get_config(State(s): Shared, Path(name): Path<String>) -> Result<Json<Value>, RestError> {
    Ok(Json(json!(s.herder.connector(&name).await?.config)))
}

fn status_json(st: &crate::worker::status::Status) -> Value {
    let mut v = json!({"state": st.state.name(), "worker_id": st.worker_id});
    if let Some(trace) = st.trace.as_ref().filter(|t| !t.is_empty()) {
        v["trace"] = json!(trace);
    }
    v
}

async fn get_status(State(s): Shared, Path(name): Path<String>) -> Result<Json<Value>, RestError> {
    let (connector, tasks) = s.herder.status(&name)?;
    let kind = s
        .herder
        .connector(&name)
        .await
        .map(|c| c.connector_type.name())
        .unwrap_or("unknown");
    let tasks: Vec<Value> = tasks
        .iter()
        .map(|(id, st)| {
            let mut v = status_json(st);
            v["id"] = json!(id);
            v
        })
        .collect();
    Ok(Json(
        json!({"name": name, "connector": status_json(&connector), "tasks": tasks, "type": kind}),
    ))
}

async fn not_found() -> RestError {
    RestError(StatusCode::NOT_FOUND, "HTTP 404 Not Found".into())
}

/// The router.
pub fn router(state: Arc<RestState>) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/health", get(health))
        .route("/connectors", get(list_connectors))
        .route("/connectors/{name}", get(get_connector))
        .route("/connectors/{name}/config", get(get_config))
        .route("/connectors/{name}/status", get(get_status))
        .fallback(not_found)
        .with_state(state)
}
