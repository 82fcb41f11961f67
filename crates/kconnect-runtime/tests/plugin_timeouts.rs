//! A connector that hangs inside its own code (a blocking `validate`, a `start` that blocks
//! without ever yielding) on a worker whose runtime has two threads, as on a two-core host:
//! the REST API keeps answering while such calls hang, and each hung call fails after the
//! plugin call deadline with a message that says so.

#![allow(clippy::unwrap_used)] // test code

mod worker_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kconnect_api::config::ConfigValueReport;
use kconnect_api::plugin::{Connector, ConnectorContext, SourceConnector, SourceTask};
use kconnect_api::{ConfigDef, ConfigMap, ConnectResult};
use kconnect_runtime::herder::config_store::ConnectorStore;
use kconnect_runtime::herder::StandaloneHerder;
use kconnect_runtime::rest::{router, RestState};
use worker_support::{registry, Gate, Script, TestWorker};

const CLASS: &str = "com.example.HangingSourceConnector";

/// Hangs in `validate` with `hang.validate=true` and in `start` with `hang.start=true`.
struct Hanging {
    gate: Arc<Gate>,
}

#[async_trait]
impl Connector for Hanging {
    fn version(&self) -> String {
        "1".into()
    }
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
    fn validate(&self, props: &ConfigMap) -> Vec<ConfigValueReport> {
        if props.get("hang.validate").is_some_and(|v| v == "true") {
            self.gate.wait();
        }
        self.config_def().validate(props)
    }
    async fn start(
        &mut self,
        _: Arc<dyn ConnectorContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        if props.get("hang.start").is_some_and(|v| v == "true") {
            // Blocks inside `poll`: a timeout around this future could never fire.
            self.gate.wait();
        }
        Ok(())
    }
    fn task_configs(&self, _: usize) -> ConnectResult<Vec<ConfigMap>> {
        Ok(Vec::new())
    }
    fn task_class(&self) -> &'static str {
        "com.example.HangingSourceTask"
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for Hanging {
    fn create_task(&self) -> Box<dyn SourceTask> {
        unreachable!("the hanging connector has no tasks")
    }
}

/// Sends a request and reads the whole answer; panics if none comes within `timeout`.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    timeout: Duration,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(timeout)).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    if let Err(e) = s.read_to_end(&mut out) {
        panic!("no answer to {method} {path} within {timeout:?} ({e}): the REST API is stalled");
    }
    let text = String::from_utf8_lossy(&out).to_string();
    let code = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

/// Opens the gate when dropped, so that a failing test ends instead of leaving threads
/// blocked in connector code.
struct OpenOnDrop(Arc<Gate>);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.open();
    }
}

fn wait_entered(gate: &Gate, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while gate.entered.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "the connector was never called");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn hung_connector_calls_fail_after_the_deadline_and_the_rest_api_keeps_answering() {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let gate = Arc::new(Gate::default());
    gate.close();
    let _open = OpenOnDrop(gate.clone());
    // The scripted connector's registry brings the converters the worker uses.
    let mut registry = registry(&Script::new(0));
    let shared = gate.clone();
    registry.source_connector(CLASS, "1", move || {
        Box::new(Hanging {
            gate: shared.clone(),
        })
    });
    let t = TestWorker::with_plugin_timeout(registry, &[], Duration::from_secs(2));
    let herder = Arc::new(StandaloneHerder::new(
        t.worker.clone(),
        ConnectorStore::new(None),
        None,
    ));
    herder.set_ready();
    let state = Arc::new(RestState {
        herder,
        log_levels: None,
        topic_tracking: true,
        topic_tracking_reset: true,
        client_tls: None,
    });
    let addr = server.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router(state)).await });
        addr
    });
    let quick = Duration::from_secs(1);
    let patient = Duration::from_secs(20);

    // As many hung validations as the runtime has threads.
    let validate =
        format!(r#"{{"connector.class": "{CLASS}", "name": "v", "hang.validate": "true"}}"#);
    let path = "/connector-plugins/HangingSourceConnector/config/validate";
    let hung: Vec<_> = (0..2)
        .map(|_| {
            let body = validate.clone();
            std::thread::spawn(move || http(addr, "PUT", path, &body, patient))
        })
        .collect();
    wait_entered(&gate, 2);
    assert_eq!(
        http(addr, "GET", "/connectors", "", quick),
        (200, "[]".into())
    );
    for call in hung {
        let (code, body) = call.join().unwrap();
        assert_eq!(code, 500, "{body}");
        assert!(
            body.contains("Connector plugin com.example.HangingSourceConnector: validate() did not return within 2000 ms; the connector may be hung"),
            "{body}"
        );
    }

    // A connector whose start() blocks inside poll: created, then FAILED with the reason.
    let create = format!(
        r#"{{"name": "hung", "config": {{"connector.class": "{CLASS}", "hang.start": "true"}}}}"#
    );
    let creating = std::thread::spawn(move || http(addr, "POST", "/connectors", &create, patient));
    wait_entered(&gate, 3);
    assert_eq!(
        http(addr, "GET", "/connectors", "", quick),
        (200, r#"["hung"]"#.into())
    );
    let (code, body) = creating.join().unwrap();
    assert_eq!(code, 201, "{body}");
    let (code, status) = http(addr, "GET", "/connectors/hung/status", "", quick);
    assert_eq!(code, 200);
    assert!(status.contains(r#""state":"FAILED""#), "{status}");
    assert!(
        status.contains("Connector hung: start() did not return within 2000 ms"),
        "{status}"
    );

    gate.open();
    server.shutdown_timeout(Duration::from_secs(5));
}
