//! Task configurations generated on a follower go to the leader as Java sends them
//! (kafka-connect-spec.md §1.6): `POST <leader>/connectors/<c>/tasks?forward=true` with the JSON array of
//! task config maps, signed with the session key when the group runs `sessioned`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::{ConfigMap, ConnectError, ConnectResult};

use super::http_client::{encode_segment, request};
use super::runtime::TaskConfigForwarder;
use super::signing::{sign, ALGORITHM_HEADER, SIGNATURE_HEADER};
use crate::rest::tls::ClientTls;

/// Supplies the current session key and signature algorithm (none: unsigned requests).
pub type KeySource = Arc<dyn Fn() -> Option<(Vec<u8>, String)> + Send + Sync>;

/// Forwards over HTTP.
pub struct RestForwarder {
    keys: KeySource,
    timeout: Duration,
    tls: Option<ClientTls>,
}

impl RestForwarder {
    /// A forwarder signing with the keys `keys` gives, waiting at most `timeout`.
    pub fn new(keys: KeySource, timeout: Duration) -> Self {
        Self {
            keys,
            timeout,
            tls: None,
        }
    }

    /// The same forwarder, reaching `https://` leaders with `tls`.
    pub fn with_tls(mut self, tls: Option<ClientTls>) -> Self {
        self.tls = tls;
        self
    }
}

/// The message of a Java error body (`{"error_code":..,"message":..}`), or the raw body.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).to_string())
}

#[async_trait]
impl TaskConfigForwarder for RestForwarder {
    async fn forward(
        &self,
        leader_url: &str,
        connector: &str,
        tasks: Vec<ConfigMap>,
    ) -> ConnectResult<()> {
        let body = serde_json::to_vec(&tasks)
            .map_err(|e| ConnectError::other(format!("cannot encode task configs: {e}")))?;
        let mut headers = Vec::new();
        if let Some((key, algorithm)) = (self.keys)() {
            let signature =
                sign(&key, &algorithm, &body).map_err(|e| ConnectError::other(e.to_string()))?;
            headers.push((SIGNATURE_HEADER, signature));
            headers.push((ALGORITHM_HEADER, algorithm));
        }
        let path = format!(
            "connectors/{}/tasks?forward=true",
            encode_segment(connector)
        );
        let response = request(
            self.tls.as_ref(),
            "POST",
            leader_url,
            &path,
            Some(&body),
            &headers,
            self.timeout,
        )
        .await?;
        match response.status {
            200..=299 => Ok(()),
            status => Err(ConnectError::other(format!(
                "leader rejected task configs of {connector} ({status}): {}",
                error_message(&response.body)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use axum::body::Bytes;
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use axum::Router;

    use super::*;
    use crate::herder::distributed::signing::verify;

    type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

    async fn leader(
        State((key, seen)): State<(Vec<u8>, Seen)>,
        Path(connector): Path<String>,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, String) {
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
        match verify(
            &key,
            header(ALGORITHM_HEADER),
            &body,
            header(SIGNATURE_HEADER),
        ) {
            Ok(()) => {
                seen.lock().unwrap().push((connector, body.to_vec()));
                (StatusCode::NO_CONTENT, String::new())
            }
            Err(e) => (
                StatusCode::from_u16(e.status()).unwrap(),
                format!(r#"{{"error_code":{},"message":"{e}"}}"#, e.status()),
            ),
        }
    }

    #[tokio::test]
    async fn posts_signed_task_configs_the_leader_can_verify() {
        let key = b"0123456789abcdef0123456789abcdef".to_vec();
        let seen: Seen = Arc::default();
        let app = Router::new()
            .route("/connectors/{c}/tasks", post(leader))
            .with_state((key.clone(), seen.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });

        let signed = RestForwarder::new(
            Arc::new(move || Some((key.clone(), "HmacSHA256".to_string()))),
            Duration::from_secs(5),
        );
        let tasks: Vec<ConfigMap> = vec![[("task.class".to_string(), "T".to_string())].into()];
        signed.forward(&url, "my conn", tasks).await.unwrap();
        assert_eq!(
            seen.lock().unwrap().clone(),
            vec![("my conn".to_string(), br#"[{"task.class":"T"}]"#.to_vec())]
        );

        let wrong = RestForwarder::new(
            Arc::new(|| Some((b"another key".to_vec(), "HmacSHA256".to_string()))),
            Duration::from_secs(5),
        );
        let err = wrong
            .forward(&url, "c", vec![])
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("403") && err.contains("invalid signature"),
            "{err}"
        );
    }
}
