//! `/connectors/...` handlers (kafka-connect-spec.md §1.4): create, inspect, reconfigure, pause, resume, stop,
//! restart, delete connectors; task status and restarts; active topics.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kconnect_api::ConfigMap;
use serde_json::{json, Map, Value};

use super::{forward, json_body, query_flag, query_params, timed, timed_herder, RestError, Shared};
use crate::config::keys::NAME;
use crate::herder::{HerderError, RestartRequest};
use crate::task::TaskId;
use crate::worker::TargetState;

type Result<T> = std::result::Result<T, RestError>;

pub(super) fn bad(msg: impl Into<String>) -> RestError {
    RestError::from(HerderError::BadRequest(msg.into()))
}

/// A JSON value as a config string, the way Jackson coerces scalars into `Map<String,String>`.
fn scalar(key: &str, v: &Value) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        _ => Err(bad(format!(
            "The value of configuration '{key}' must be a string, not a JSON {}",
            if v.is_array() { "array" } else { "object" }
        ))),
    }
}

fn config_map(v: &Value) -> Result<ConfigMap> {
    let Value::Object(obj) = v else {
        return Err(bad(
            "The connector configuration must be a JSON object of strings",
        ));
    };
    obj.iter()
        .map(|(k, v)| {
            scalar(k, v)?
                .map(|s| (k.clone(), s))
                .ok_or_else(|| bad(format!("Null value can not be supplied as the configuration value (configuration '{k}').")))
        })
        .collect()
}

/// Java's `checkAndPutConnectorConfigName`.
fn check_name(name: &str, config: &mut ConfigMap) -> Result<()> {
    match config.get(NAME) {
        Some(included) if included != name => Err(bad(format!(
            "Connector name configuration ({included}) doesn't match connector name in the URL ({name})"
        ))),
        Some(_) => Ok(()),
        None => {
            config.insert(NAME.into(), name.to_string());
            Ok(())
        }
    }
}

fn location(headers: &HeaderMap, name: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("http://{host}/connectors/{}", encoded.replace('+', "%20"))
}

fn task_id(name: String, task: &str) -> Result<TaskId> {
    task.parse::<u32>()
        .map(|task| TaskId {
            connector: name,
            task,
        })
        .map_err(|_| RestError::new(StatusCode::NOT_FOUND, "HTTP 404 Not Found"))
}

pub(super) async fn list(State(s): Shared, RawQuery(q): RawQuery) -> Result<Json<Value>> {
    let params = query_params(q.as_deref());
    let names = timed(s.herder.connectors()).await?;
    let expand: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "expand")
        .map(|(_, v)| v.as_str())
        .collect();
    if !params.iter().any(|(k, _)| k == "expand") {
        return Ok(Json(json!(names)));
    }
    let mut out = Map::new();
    for name in names {
        let mut entry = Map::new();
        let mut vanished = false;
        for e in &expand {
            let value = match *e {
                "status" => s.herder.connector_status(&name).await.map(|v| json!(v)),
                "info" => s.herder.connector_info(&name).await.map(|v| json!(v)),
                other => {
                    tracing::info!("Ignoring unknown expansion type {other}");
                    continue;
                }
            };
            match value {
                Ok(v) => {
                    entry.insert((*e).to_string(), v);
                }
                Err(HerderError::NotFound(_)) => vanished = true,
                Err(err) => return Err(err.into()),
            }
        }
        if !vanished {
            out.insert(name, Value::Object(entry));
        }
    }
    Ok(Json(Value::Object(out)))
}

pub(super) async fn create(State(s): Shared, headers: HeaderMap, body: Bytes) -> Result<Response> {
    let req: Value = json_body(&headers, &body)?;
    let Value::Object(req) = req else {
        return Err(bad(
            "The request body must be a JSON object with \"name\" and \"config\"",
        ));
    };
    let name = match req.get("name") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(n)) => n.trim().to_string(),
        Some(other) => {
            return Err(bad(format!(
                "The connector name must be a string, not {other}"
            )))
        }
    };
    let mut config = match req.get("config") {
        None | Some(Value::Null) => {
            return Err(bad(
                "The request body has no \"config\" object with the connector configuration",
            ))
        }
        Some(c) => config_map(c)?,
    };
    let initial = match req.get("initial_state") {
        None | Some(Value::Null) => None,
        Some(Value::String(st)) => Some(match st.to_ascii_uppercase().as_str() {
            "RUNNING" => TargetState::Started,
            "PAUSED" => TargetState::Paused,
            "STOPPED" => TargetState::Stopped,
            _ => {
                return Err(bad(format!(
                    "Invalid initial_state '{st}': expected RUNNING, PAUSED or STOPPED"
                )))
            }
        }),
        Some(other) => {
            return Err(bad(format!(
                "Invalid initial_state {other}: expected RUNNING, PAUSED or STOPPED"
            )))
        }
    };
    check_name(&name, &mut config)?;
    let created = timed(s.herder.put_connector_config(&name, config, initial, false)).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location(&headers, &name))],
        Json(created.value),
    )
        .into_response())
}

pub(super) async fn info(State(s): Shared, Path(name): Path<String>) -> Result<Json<Value>> {
    Ok(Json(json!(timed(s.herder.connector_info(&name)).await?)))
}

pub(super) async fn delete(State(s): Shared, Path(name): Path<String>) -> Result<StatusCode> {
    timed(s.herder.delete_connector(&name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn config(State(s): Shared, Path(name): Path<String>) -> Result<Json<ConfigMap>> {
    Ok(Json(timed(s.herder.connector_config(&name)).await?))
}

pub(super) async fn put_config(
    State(s): Shared,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let mut config = config_map(&json_body::<Value>(&headers, &body)?)?;
    check_name(&name, &mut config)?;
    let created = timed(s.herder.put_connector_config(&name, config, None, true)).await?;
    if created.created {
        Ok((
            StatusCode::CREATED,
            [(header::LOCATION, location(&headers, &name))],
            Json(created.value),
        )
            .into_response())
    } else {
        Ok(Json(created.value).into_response())
    }
}

pub(super) async fn patch_config(
    State(s): Shared,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>> {
    let Value::Object(obj) = json_body::<Value>(&headers, &body)? else {
        return Err(bad("The configuration patch must be a JSON object"));
    };
    let mut patch = BTreeMap::new();
    for (k, v) in &obj {
        patch.insert(k.clone(), scalar(k, v)?);
    }
    if let Some(Some(included)) = patch.get(NAME) {
        if included != &name {
            return Err(bad(format!("Connector name configuration ({included}) doesn't match connector name in the URL ({name})")));
        }
    }
    Ok(Json(json!(
        timed(s.herder.patch_connector_config(&name, patch)).await?
    )))
}

pub(super) async fn status(State(s): Shared, Path(name): Path<String>) -> Result<Json<Value>> {
    Ok(Json(json!(timed(s.herder.connector_status(&name)).await?)))
}

pub(super) async fn tasks(State(s): Shared, Path(name): Path<String>) -> Result<Json<Value>> {
    Ok(Json(json!(timed(s.herder.task_configs(&name)).await?)))
}

pub(super) async fn tasks_config(
    State(s): Shared,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    let tasks = timed(s.herder.task_configs(&name)).await?;
    let out: Map<String, Value> = tasks
        .into_iter()
        .map(|t| (format!("{}-{}", t.id.connector, t.id.task), json!(t.config)))
        .collect();
    Ok(Json(Value::Object(out)))
}

pub(super) async fn task_status(
    State(s): Shared,
    Path((name, task)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let id = task_id(name, &task)?;
    Ok(Json(json!(timed(s.herder.task_status(&id)).await?)))
}

/// Restarts a task on the worker running it; a worker that does not run it forwards the
/// request to the worker its herder names (kafka-connect-spec.md §1.3, §8.8).
pub(super) async fn restart_task(
    State(s): Shared,
    Path((name, task)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response> {
    let id = task_id(name, &task)?;
    match timed_herder(s.herder.restart_task(&id)).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(HerderError::Elsewhere { url, .. }) => Ok(forward::forward(
            s.client_tls.as_ref(),
            url,
            &Method::POST,
            &uri,
            &headers,
            &[],
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn restart(
    State(s): Shared,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let params = query_params(q.as_deref());
    let request = RestartRequest {
        connector: name.clone(),
        include_tasks: query_flag(&params, "includeTasks", false),
        only_failed: query_flag(&params, "onlyFailed", false),
    };
    if request.connector_only() {
        timed(s.herder.restart_connector(&name)).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let plan = timed(s.herder.restart_connector_and_tasks(&request)).await?;
    Ok((StatusCode::ACCEPTED, Json(plan)).into_response())
}

pub(super) async fn pause(State(s): Shared, Path(name): Path<String>) -> Result<StatusCode> {
    timed(s.herder.pause_connector(&name)).await?;
    Ok(StatusCode::ACCEPTED)
}

pub(super) async fn resume(State(s): Shared, Path(name): Path<String>) -> Result<StatusCode> {
    timed(s.herder.resume_connector(&name)).await?;
    Ok(StatusCode::ACCEPTED)
}

pub(super) async fn stop(State(s): Shared, Path(name): Path<String>) -> Result<StatusCode> {
    timed(s.herder.stop_connector(&name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn topics(State(s): Shared, Path(name): Path<String>) -> Result<Json<Value>> {
    if !s.topic_tracking {
        return Err(HerderError::Forbidden("Topic tracking is disabled.".into()).into());
    }
    let topics = timed(s.herder.connector_active_topics(&name)).await?;
    Ok(Json(json!({ name: {"topics": topics} })))
}

pub(super) async fn reset_topics(State(s): Shared, Path(name): Path<String>) -> Result<StatusCode> {
    if !s.topic_tracking {
        return Err(HerderError::Forbidden("Topic tracking is disabled.".into()).into());
    }
    if !s.topic_tracking_reset {
        return Err(HerderError::Forbidden("Topic tracking reset is disabled.".into()).into());
    }
    timed(s.herder.reset_connector_active_topics(&name)).await?;
    Ok(StatusCode::ACCEPTED)
}
