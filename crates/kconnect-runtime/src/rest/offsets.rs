//! `/connectors/{c}/offsets` handlers (KIP-875, kafka-connect-spec.md §1.4, §8.7): read, alter and reset a
//! connector's offsets.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::connectors::bad;
use super::{json_body, timed, RestError, Shared};
use crate::herder::{ConnectorOffset, ConnectorOffsets};

type Result<T> = std::result::Result<T, RestError>;

pub(super) async fn offsets(
    State(s): Shared,
    Path(name): Path<String>,
) -> Result<Json<ConnectorOffsets>> {
    Ok(Json(timed(s.herder.connector_offsets(&name)).await?))
}

fn parse_offsets(v: Value) -> Result<ConnectorOffsets> {
    let list = match v {
        Value::Object(mut o) => o.remove("offsets").unwrap_or(Value::Null),
        _ => {
            return Err(bad(
                "The request body must be a JSON object {\"offsets\": [...]}",
            ))
        }
    };
    let list = match list {
        Value::Array(l) if !l.is_empty() => l,
        Value::Null | Value::Array(_) => {
            return Err(bad(
                "Partitions / offsets need to be provided for an alter offsets request",
            ))
        }
        _ => {
            return Err(bad(
                "\"offsets\" must be a JSON array of {\"partition\": {...}, \"offset\": {...}}",
            ))
        }
    };
    let offsets = list
        .into_iter()
        .map(|entry| {
            let Value::Object(mut e) = entry else {
                return Err(bad("Every element of \"offsets\" must be a JSON object with \"partition\" and \"offset\""));
            };
            let partition = match e.remove("partition") {
                Some(Value::Object(p)) => p,
                _ => return Err(bad("Every element of \"offsets\" needs a \"partition\" JSON object")),
            };
            let offset = match e.remove("offset") {
                None | Some(Value::Null) => None,
                Some(Value::Object(o)) => Some(o),
                Some(_) => return Err(bad("An \"offset\" must be a JSON object or null")),
            };
            Ok(ConnectorOffset { partition, offset })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ConnectorOffsets { offsets })
}

pub(super) async fn alter_offsets(
    State(s): Shared,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>> {
    let offsets = parse_offsets(json_body(&headers, &body)?)?;
    Ok(Json(json!(
        timed(s.herder.alter_connector_offsets(&name, offsets)).await?
    )))
}

pub(super) async fn reset_offsets(
    State(s): Shared,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    Ok(Json(json!(
        timed(s.herder.reset_connector_offsets(&name)).await?
    )))
}
