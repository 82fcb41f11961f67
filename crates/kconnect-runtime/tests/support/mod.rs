//! A worker running test connectors whose tasks the test builds (test doubles), and helpers
//! to wait for what they report.

#![allow(dead_code, clippy::unwrap_used)] // test code

pub mod scripted_sink;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kconnect_api::plugin::{
    Connector, ConnectorContext, Converter, HeaderConverter, SinkConnector, SinkTask,
    SourceConnector, SourceTask,
};
use kconnect_api::{config_map, ConfigDef, ConfigMap, ConnectResult};
use kconnect_kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use kconnect_kafka::rdkafka::{Offset, TopicPartitionList};
use kconnect_kafka::ClientProps;
use kconnect_runtime::config::WorkerConfig;
use kconnect_runtime::plugins::Registry;
use kconnect_runtime::storage::{FileOffsetStore, OffsetStore};
use kconnect_runtime::worker::status::{State, StatusStore};
use kconnect_runtime::worker::{TargetState, Worker};

/// Builds the tasks of a test connector.
pub type SourceFactory = Arc<dyn Fn() -> Box<dyn SourceTask> + Send + Sync>;
/// Builds the tasks of a test connector.
pub type SinkFactory = Arc<dyn Fn() -> Box<dyn SinkTask> + Send + Sync>;

const JSON: &str = "org.apache.kafka.connect.json.JsonConverter";

/// A connector with one task built by a factory.
struct TestConnector<F> {
    factory: F,
    props: ConfigMap,
}

#[async_trait]
impl<F: Send + Sync> Connector for TestConnector<F> {
    fn version(&self) -> String {
        "1".into()
    }
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
    async fn start(
        &mut self,
        _: Arc<dyn ConnectorContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        self.props = props.clone();
        Ok(())
    }
    fn task_configs(&self, _: usize) -> ConnectResult<Vec<ConfigMap>> {
        Ok(vec![self.props.clone()])
    }
    fn task_class(&self) -> &'static str {
        "com.example.TestTask"
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for TestConnector<SourceFactory> {
    fn create_task(&self) -> Box<dyn SourceTask> {
        (self.factory)()
    }
}

impl SinkConnector for TestConnector<SinkFactory> {
    fn create_task(&self) -> Box<dyn SinkTask> {
        (self.factory)()
    }
}

/// A registry with the JSON converters and the test connectors
/// `com.example.TestSourceConnector` and `com.example.TestSinkConnector`.
pub fn registry(source: Option<SourceFactory>, sink: Option<SinkFactory>) -> Registry {
    let mut registry = Registry::new();
    if let Some(factory) = source {
        registry.source_connector("com.example.TestSourceConnector", "1", move || {
            Box::new(TestConnector {
                factory: factory.clone(),
                props: ConfigMap::new(),
            })
        });
    }
    if let Some(factory) = sink {
        registry.sink_connector("com.example.TestSinkConnector", "1", move || {
            Box::new(TestConnector {
                factory: factory.clone(),
                props: ConfigMap::new(),
            })
        });
    }
    registry.converters(&[JSON], "1", |name| {
        (name == JSON).then(|| Box::new(kconnect_json::JsonConverter::new()) as Box<dyn Converter>)
    });
    registry.header_converters(&[JSON], "1", |name| {
        (name == JSON)
            .then(|| Box::new(kconnect_json::JsonConverter::new()) as Box<dyn HeaderConverter>)
    });
    registry
}

/// A worker and where it keeps its files.
pub struct Harness {
    /// The worker.
    pub worker: Worker,
    /// Its status store.
    pub status: Arc<StatusStore>,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// A worker for `bootstrap` with JSON converters, `extra` worker settings and `registry`.
    pub fn new(bootstrap: &str, extra: &[(&str, &str)], registry: Registry) -> Self {
        Self::with_offsets(bootstrap, extra, registry, None)
    }

    /// Like [`new`](Self::new), committing source offsets to `offsets` (default: a file).
    pub fn with_offsets(
        bootstrap: &str,
        extra: &[(&str, &str)],
        registry: Registry,
        offsets: Option<Arc<dyn OffsetStore>>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let offsets_file = dir.path().join("offsets").display().to_string();
        let mut config = config_map(&[
            ("bootstrap.servers", bootstrap),
            ("key.converter", JSON),
            ("value.converter", JSON),
            ("header.converter", JSON),
            ("offset.storage.file.filename", &offsets_file),
            ("offset.flush.interval.ms", "200"),
            ("listeners", "http://127.0.0.1:0"),
        ]);
        config.extend(config_map(extra));
        let config = WorkerConfig::parse(config).unwrap();
        let offsets = offsets.unwrap_or_else(|| {
            Arc::new(FileOffsetStore::open(dir.path().join("offsets")).unwrap())
        });
        let status = Arc::new(StatusStore::new("test-worker"));
        let worker = Worker::new(config, registry, status.clone(), offsets);
        Self {
            worker,
            status,
            _dir: dir,
        }
    }

    /// Starts connector `name` of `class` with `extra` settings.
    pub async fn start(
        &self,
        name: &str,
        class: &str,
        extra: &[(&str, &str)],
        target: TargetState,
    ) {
        let mut config = config_map(&[("name", name), ("connector.class", class)]);
        config.extend(config_map(extra));
        self.worker.start_connector(config, target).await.unwrap();
    }

    /// The state of task 0 of connector `name`.
    pub fn task_state(&self, name: &str) -> Option<State> {
        self.status
            .tasks(name)
            .into_iter()
            .find(|(n, _)| *n == 0)
            .map(|(_, s)| s.state)
    }

    /// The status of task 0 of connector `name`, for messages.
    pub fn task_status(&self, name: &str) -> String {
        format!("{:?}", self.status.tasks(name))
    }
}

/// Waits until `done` holds, checking every 20 ms; panics with `what` after `timeout`.
pub async fn until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A JSON envelope holding a string.
pub fn envelope(s: &str) -> Vec<u8> {
    format!(r#"{{"schema":{{"type":"string","optional":false}},"payload":"{s}"}}"#).into_bytes()
}

/// The offset committed by consumer group `group` for partition `partition` of `topic`.
pub fn committed_offset(
    client: &ClientProps,
    group: &str,
    topic: &str,
    partition: i32,
) -> Option<i64> {
    let mut props = client.clone();
    props
        .set("group.id", group)
        .set("enable.auto.commit", "false");
    let consumer: BaseConsumer = props.to_rdkafka().unwrap().create().unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(topic, partition);
    let committed = consumer
        .committed_offsets(tpl, Duration::from_secs(10))
        .ok()?;
    match committed.find_partition(topic, partition)?.offset() {
        Offset::Offset(o) => Some(o),
        _ => None,
    }
}
