//! Forwarding of leader-only requests (kafka-connect-spec.md §1.3): on a worker that does not lead the group,
//! config writes, deletes, stops, connector restarts, offset changes and the internal
//! task-config endpoint are sent on to the leader's URL and its answer returned as is. Task
//! restarts are served by the worker running the task: the herder names the worker to
//! forward to (the leader, which names the task's worker in turn) and the handler forwards
//! with [`forward`]. The `forward` query parameter bounds the hops: absent ⇒ forward with
//! `forward=true`; `true` ⇒ forward once more with `forward=false`; `false` ⇒ 409.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::tls::ClientTls;
use super::{query_params, RestError, REQUEST_TIMEOUT};
use crate::herder::distributed::http_client::request;
use crate::herder::distributed::signing::{ALGORITHM_HEADER, SIGNATURE_HEADER};

/// Whether this worker leads the group, and the leader's URL when known.
pub type LeaderSource = Arc<dyn Fn() -> (bool, Option<String>) + Send + Sync>;

/// What the forwarding middleware needs: who leads, and how to reach `https://` workers.
pub struct Forwarding {
    /// Who leads the group.
    pub leader: LeaderSource,
    /// TLS for `https://` leader URLs.
    pub tls: Option<ClientTls>,
}

/// Largest request body forwarded.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Whether `method` on `path` may only run on the leader.
pub fn leader_only(method: &Method, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["connectors"] => method == Method::POST,
        ["connectors", _] => method == Method::DELETE,
        ["connectors", _, "config"] => method == Method::PUT || method == Method::PATCH,
        ["connectors", _, "restart"] | ["connectors", _, "tasks"] => method == Method::POST,
        ["connectors", _, "stop"] | ["connectors", _, "fence"] => method == Method::PUT,
        ["connectors", _, "offsets"] => method == Method::PATCH || method == Method::DELETE,
        _ => false,
    }
}

fn conflict(message: &str) -> Response {
    RestError::new(StatusCode::CONFLICT, message).into_response()
}

/// The middleware: serves leader-only requests locally on the leader, forwards them
/// otherwise.
pub async fn forward_to_leader(
    State(forwarding): State<Arc<Forwarding>>,
    req: Request,
    next: Next,
) -> Response {
    if !leader_only(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let (is_leader, url) = (forwarding.leader)();
    if is_leader {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return RestError::new(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {e}"),
            )
            .into_response()
        }
    };
    forward(
        forwarding.tls.as_ref(),
        url,
        &parts.method,
        &parts.uri,
        &parts.headers,
        &body,
    )
    .await
}

/// Sends a request this worker does not serve on to the worker at `target` (the leader, or
/// the worker running a task), with the hop rules: no `forward` ⇒ `forward=true`,
/// `forward=true` ⇒ `forward=false`, `forward=false` or no target ⇒ 409. Returns the
/// target's status and body.
pub async fn forward(
    tls: Option<&ClientTls>,
    target: Option<String>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let mut params = query_params(uri.query());
    let hop = params
        .iter()
        .find(|(k, _)| k == "forward")
        .map(|(_, v)| v.to_ascii_lowercase());
    let next_hop = match hop.as_deref() {
        None => "true",
        Some("true") => "false",
        Some(_) => return conflict(
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
        ),
    };
    let Some(url) = target else {
        return conflict("Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.");
    };
    params.retain(|(k, _)| k != "forward");
    params.push(("forward".into(), next_hop.into()));
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    let path = format!("{}?{query}", uri.path().trim_start_matches('/'));
    let mut passed = Vec::new();
    for name in [
        header::AUTHORIZATION.as_str(),
        SIGNATURE_HEADER,
        ALGORITHM_HEADER,
    ] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            passed.push((name, v.to_string()));
        }
    }
    let body = (!body.is_empty()).then_some(body);
    match request(
        tls,
        method.as_str(),
        &url,
        &path,
        body,
        &passed,
        REQUEST_TIMEOUT,
    )
    .await
    {
        Ok(r) if (200..300).contains(&r.status) || r.status >= 400 => {
            let status =
                StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = Response::new(Body::from(r.body));
            *response.status_mut() = status;
            if status != StatusCode::NO_CONTENT {
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static("application/json"),
                );
            }
            response
        }
        Ok(r) => RestError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "Unexpected status code when handling forwarded request: {}",
                r.status
            ),
        )
        .into_response(),
        Err(e) => RestError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("IO Error trying to forward REST request: {e}"),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leader_only_endpoints_are_the_ones_java_forwards() {
        assert!(leader_only(&Method::POST, "/connectors"));
        assert!(!leader_only(&Method::GET, "/connectors"));
        assert!(leader_only(&Method::DELETE, "/connectors/a"));
        assert!(leader_only(&Method::PUT, "/connectors/a/config"));
        assert!(leader_only(&Method::PATCH, "/connectors/a/config"));
        assert!(!leader_only(&Method::GET, "/connectors/a/config"));
        assert!(leader_only(&Method::POST, "/connectors/a/restart"));
        // Served by the worker running the task, wherever the request arrives (see
        // `HerderError::Elsewhere`).
        assert!(!leader_only(&Method::POST, "/connectors/a/tasks/0/restart"));
        assert!(leader_only(&Method::POST, "/connectors/a/tasks"));
        assert!(!leader_only(&Method::GET, "/connectors/a/tasks"));
        assert!(leader_only(&Method::PUT, "/connectors/a/stop"));
        assert!(!leader_only(&Method::PUT, "/connectors/a/pause"));
        assert!(!leader_only(&Method::PUT, "/connectors/a/resume"));
        assert!(leader_only(&Method::DELETE, "/connectors/a/offsets"));
        assert!(!leader_only(&Method::GET, "/connectors/a/offsets"));
    }
}
