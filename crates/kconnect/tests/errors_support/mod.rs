//! Helpers for the error handling end-to-end tests: produce exact bytes and headers, read
//! headers back, call the REST API, wait for statuses.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use kconnect_kafka::rdkafka::message::{Header, OwnedHeaders};
use kconnect_kafka::rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use kconnect_testkit::{Broker, ConsumedRecord};
use serde_json::Value;

use crate::common::Kconnect;

/// A record to produce: key, value and headers as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Option<Vec<u8>>,
    /// Headers.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Input {
    /// A record with only a value.
    pub fn value(value: &[u8]) -> Self {
        Self {
            key: None,
            value: Some(value.to_vec()),
            headers: Vec::new(),
        }
    }
}

/// The JsonConverter envelope of a string.
pub fn string_envelope(s: &str) -> Vec<u8> {
    format!(r#"{{"schema":{{"type":"string","optional":false}},"payload":"{s}"}}"#).into_bytes()
}

/// Produces `records` in order to partition 0 of `topic` and waits until all are stored.
/// The producer batches them as usual, so a task restarted after a failure in the middle of
/// a batch fetches from an offset inside it.
pub fn produce(broker: &Broker, topic: &str, records: &[Input]) {
    let producer: BaseProducer = broker
        .client_props()
        .to_rdkafka()
        .unwrap()
        .create()
        .unwrap();
    for r in records {
        let mut headers = OwnedHeaders::new();
        for (k, v) in &r.headers {
            headers = headers.insert(Header {
                key: k,
                value: Some(v),
            });
        }
        let mut rec: BaseRecord<'_, [u8], [u8]> =
            BaseRecord::to(topic).partition(0).headers(headers);
        if let Some(k) = r.key.as_deref() {
            rec = rec.key(k);
        }
        if let Some(v) = r.value.as_deref() {
            rec = rec.payload(v);
        }
        producer.send(rec).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// A header's value as text (`None` if absent or null).
pub fn header(r: &ConsumedRecord, key: &str) -> Option<String> {
    r.headers
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.as_ref())
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Sends a request with an optional JSON body; returns (status, JSON body or Null).
pub async fn call(k: &Kconnect, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("http://127.0.0.1:{}{path}", k.port);
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Polls the connector's status until `done` holds (60 s); returns it.
pub async fn wait_status(
    k: &Kconnect,
    name: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    k.wait_rest().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, status) = k.get(&format!("/connectors/{name}/status")).await;
        if done(&status) {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "{name}: {what} did not happen; last status {status}\n{}",
            k.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The state of task 0 in a status body.
pub fn task_state(status: &Value) -> &str {
    status["tasks"][0]["state"].as_str().unwrap_or("")
}

/// Polls the kconnect log until it contains `text` at least `times` times (60 s).
pub async fn wait_log(k: &Kconnect, text: &str, times: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while k.log().matches(text).count() < times {
        assert!(
            Instant::now() < deadline,
            "the log does not contain {text:?} {times} times:\n{}",
            k.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
