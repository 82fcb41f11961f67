//! `/connector-plugins` handlers: installed plugins, a plugin's configuration keys, and
//! connector configuration validation.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::Value;

use super::{json_body, query_flag, query_params, timed, RestError, Shared};
use crate::config::keys::CONNECTOR_CLASS;
use crate::herder::{ConfigInfos, ConfigKeyInfo, HerderError, PluginInfo};

pub(super) async fn list(State(s): Shared, RawQuery(q): RawQuery) -> Json<Vec<PluginInfo>> {
    let params = query_params(q.as_deref());
    Json(
        s.herder
            .connector_plugins(query_flag(&params, "connectorsOnly", true)),
    )
}

pub(super) async fn config(
    State(s): Shared,
    Path(plugin): Path<String>,
) -> Result<Json<Vec<ConfigKeyInfo>>, RestError> {
    Ok(Json(s.herder.plugin_config(&plugin)?))
}

/// Java's normalization of a plugin name: without a trailing `Connector`.
fn normalized(name: &str) -> &str {
    name.strip_suffix("Connector").unwrap_or(name)
}

pub(super) async fn validate(
    State(s): Shared,
    Path(plugin): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ConfigInfos>, RestError> {
    let Value::Object(obj) = json_body::<Value>(&headers, &body)? else {
        return Err(HerderError::BadRequest(
            "The connector configuration must be a JSON object of strings".into(),
        )
        .into());
    };
    let mut config = kconnect_api::ConfigMap::new();
    for (k, v) in obj {
        let v = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(HerderError::BadRequest(format!(
                    "The value of configuration '{k}' must be a string, not {other}"
                ))
                .into())
            }
        };
        config.insert(k, v);
    }
    if let Some(included) = config.get(CONNECTOR_CLASS) {
        if !normalized(included).ends_with(normalized(&plugin)) {
            return Err(HerderError::BadRequest(format!(
                "Included connector type {included} does not match request type {plugin}"
            ))
            .into());
        }
    }
    Ok(Json(
        timed(s.herder.validate_connector_config(config)).await?,
    ))
}
