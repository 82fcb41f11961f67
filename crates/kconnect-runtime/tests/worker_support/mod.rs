//! Test doubles for worker tests: a source connector and task whose behaviour the test
//! steers through a shared [`Script`] (gates that block inside connector code, counters of
//! calls), and a worker with that plugin. The tasks never reach a broker: they poll nothing.

#![allow(dead_code, clippy::unwrap_used)] // test code

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kconnect_api::plugin::{
    Connector, ConnectorContext, Converter, HeaderConverter, SourceConnector, SourceTask,
    SourceTaskContext,
};
use kconnect_api::{config_map, ConfigDef, ConfigMap, ConnectError, ConnectResult, SourceRecord};
use kconnect_runtime::config::WorkerConfig;
use kconnect_runtime::plugins::Registry;
use kconnect_runtime::storage::FileOffsetStore;
use kconnect_runtime::worker::status::{State, StatusStore};
use kconnect_runtime::worker::{GeneratedTasks, Worker};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// The test connector's class.
pub const CLASS: &str = "com.example.ScriptedSourceConnector";

/// A gate connector code blocks on (a blocking wait, as a misbehaving plugin would).
#[derive(Default)]
pub struct Gate {
    closed: Mutex<bool>,
    opened: Condvar,
    /// Waits started so far.
    pub entered: AtomicUsize,
}

impl Gate {
    /// Blocks the calling thread while the gate is closed.
    pub fn wait(&self) {
        self.entered.fetch_add(1, Ordering::SeqCst);
        let mut closed = self.closed.lock().unwrap();
        while *closed {
            closed = self.opened.wait(closed).unwrap();
        }
    }
    /// Makes later waits block.
    pub fn close(&self) {
        *self.closed.lock().unwrap() = true;
    }
    /// Releases every wait.
    pub fn open(&self) {
        *self.closed.lock().unwrap() = false;
        self.opened.notify_all();
    }
}

/// What the connector and its tasks do, and what they saw.
pub struct Script {
    /// How many task configurations `task_configs` returns.
    pub task_count: AtomicUsize,
    /// `task_configs` calls so far.
    pub task_configs_calls: AtomicUsize,
    /// Connector `start` calls so far.
    pub connector_starts: AtomicUsize,
    /// The context of the last started connector instance.
    pub context: Mutex<Option<Arc<dyn ConnectorContext>>>,
    /// `start` raises an error through the context (and returns `Ok`).
    pub raise_on_start: AtomicBool,
    /// Connector `start` blocks here.
    pub start_gate: Gate,
    /// Task numbers, in the order task instances started.
    pub task_starts: Mutex<Vec<u32>>,
    /// How many task starts still fail.
    pub task_start_failures: AtomicUsize,
    /// Task `stop` blocks here.
    pub task_stop_gate: Gate,
    /// Task `stop` never finishes (asynchronously: an abort ends it).
    pub task_stop_hangs: AtomicBool,
    dropped_tx: Mutex<mpsc::Sender<u32>>,
    /// Task numbers of task instances dropped (after their loop reported its final state).
    pub dropped: Mutex<mpsc::Receiver<u32>>,
}

impl Script {
    /// A script with `tasks` task configurations, every gate open.
    pub fn new(tasks: usize) -> Arc<Self> {
        let (tx, rx) = mpsc::channel();
        Arc::new(Self {
            task_count: AtomicUsize::new(tasks),
            task_configs_calls: AtomicUsize::new(0),
            connector_starts: AtomicUsize::new(0),
            context: Mutex::new(None),
            raise_on_start: AtomicBool::new(false),
            start_gate: Gate::default(),
            task_starts: Mutex::new(Vec::new()),
            task_start_failures: AtomicUsize::new(0),
            task_stop_gate: Gate::default(),
            task_stop_hangs: AtomicBool::new(false),
            dropped_tx: Mutex::new(tx),
            dropped: Mutex::new(rx),
        })
    }

    /// How many times task `n` was started.
    pub fn starts_of(&self, n: u32) -> usize {
        self.task_starts
            .lock()
            .unwrap()
            .iter()
            .filter(|m| **m == n)
            .count()
    }

    /// The connector's context.
    pub fn context(&self) -> Arc<dyn ConnectorContext> {
        self.context.lock().unwrap().clone().unwrap()
    }

    /// Waits for the next task instance to be dropped; its task number.
    pub fn next_dropped(&self) -> u32 {
        self.dropped
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(30))
            .unwrap()
    }
}

/// Opens every gate of a script when dropped, so that a failing test ends instead of
/// leaving threads blocked in connector code.
pub struct OpenGatesOnDrop(pub Arc<Script>);

impl Drop for OpenGatesOnDrop {
    fn drop(&mut self) {
        self.0.start_gate.open();
        self.0.task_stop_gate.open();
    }
}

struct ScriptedTask {
    script: Arc<Script>,
    number: Option<u32>,
}

#[async_trait]
impl SourceTask for ScriptedTask {
    async fn start(
        &mut self,
        _: Arc<dyn SourceTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        let n: u32 = props["task.number"].parse().unwrap();
        self.number = Some(n);
        self.script.task_starts.lock().unwrap().push(n);
        let fails = self.script.task_start_failures.fetch_update(
            Ordering::SeqCst,
            Ordering::SeqCst,
            |left| left.checked_sub(1),
        );
        match fails {
            Ok(_) => Err(ConnectError::other("cannot reach the source")),
            Err(_) => Ok(()),
        }
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        std::future::pending().await
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        if self.script.task_stop_hangs.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.script.task_stop_gate.wait();
        Ok(())
    }
}

impl Drop for ScriptedTask {
    fn drop(&mut self) {
        if let Some(n) = self.number {
            let _ = self.script.dropped_tx.lock().unwrap().send(n);
        }
    }
}

struct ScriptedConnector {
    script: Arc<Script>,
}

#[async_trait]
impl Connector for ScriptedConnector {
    fn version(&self) -> String {
        "1".into()
    }
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
    async fn start(&mut self, ctx: Arc<dyn ConnectorContext>, _: &ConfigMap) -> ConnectResult<()> {
        self.script.connector_starts.fetch_add(1, Ordering::SeqCst);
        *self.script.context.lock().unwrap() = Some(ctx.clone());
        self.script.start_gate.wait();
        if self.script.raise_on_start.load(Ordering::SeqCst) {
            ctx.raise_error(ConnectError::other("the source went away while starting"));
        }
        Ok(())
    }
    fn task_configs(&self, _: usize) -> ConnectResult<Vec<ConfigMap>> {
        self.script
            .task_configs_calls
            .fetch_add(1, Ordering::SeqCst);
        let n = self.script.task_count.load(Ordering::SeqCst);
        Ok((0..n)
            .map(|i| config_map(&[("task.number", &i.to_string())]))
            .collect())
    }
    fn task_class(&self) -> &'static str {
        "com.example.ScriptedSourceTask"
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SourceConnector for ScriptedConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(ScriptedTask {
            script: self.script.clone(),
            number: None,
        })
    }
}

/// The configuration of a scripted connector named `name`.
pub fn connector(name: &str) -> ConfigMap {
    config_map(&[
        ("name", name),
        ("connector.class", CLASS),
        ("tasks.max", "10"),
    ])
}

/// A registry with the scripted connector and the JSON converter.
pub fn registry(script: &Arc<Script>) -> Registry {
    let mut registry = Registry::new();
    let shared = script.clone();
    registry.source_connector(CLASS, "1", move || {
        Box::new(ScriptedConnector {
            script: shared.clone(),
        })
    });
    let json = "org.apache.kafka.connect.json.JsonConverter";
    registry.converters(&[json], "1", move |name| {
        (name == json).then(|| Box::new(kconnect_json::JsonConverter::new()) as Box<dyn Converter>)
    });
    registry.header_converters(&[json], "1", move |name| {
        (name == json)
            .then(|| Box::new(kconnect_json::JsonConverter::new()) as Box<dyn HeaderConverter>)
    });
    registry
}

/// A worker running the scripted connector; `extra` worker settings.
pub struct TestWorker {
    /// The worker.
    pub worker: Arc<Worker>,
    /// Its status store.
    pub status: Arc<StatusStore>,
    _dir: tempfile::TempDir,
}

impl TestWorker {
    /// A worker with `registry` and `extra` worker settings.
    pub fn new(registry: Registry, extra: &[(&str, &str)]) -> Self {
        Self::with_plugin_timeout(registry, extra, Duration::from_secs(5))
    }

    /// A worker whose calls into connector code time out after `timeout`.
    pub fn with_plugin_timeout(
        registry: Registry,
        extra: &[(&str, &str)],
        timeout: Duration,
    ) -> Self {
        Self::build(registry, extra, timeout, None)
    }

    /// A worker that is a member of a cluster: tasks run only where assigned; the task
    /// configurations its connectors generate arrive on the returned receiver.
    pub fn clustered(
        registry: Registry,
        extra: &[(&str, &str)],
    ) -> (Self, UnboundedReceiver<GeneratedTasks>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let worker = Self::build(registry, extra, Duration::from_secs(5), Some(tx));
        (worker, rx)
    }

    fn build(
        registry: Registry,
        extra: &[(&str, &str)],
        timeout: Duration,
        cluster: Option<UnboundedSender<GeneratedTasks>>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let offsets = dir.path().join("offsets");
        let json = "org.apache.kafka.connect.json.JsonConverter";
        let mut config = config_map(&[
            ("bootstrap.servers", "127.0.0.1:1"),
            ("key.converter", json),
            ("value.converter", json),
            ("header.converter", json),
            ("offset.storage.file.filename", offsets.to_str().unwrap()),
            ("listeners", "http://127.0.0.1:0"),
        ]);
        config.extend(config_map(extra));
        let config = WorkerConfig::parse(config).unwrap();
        let status = Arc::new(StatusStore::new("test-worker"));
        let store = Arc::new(FileOffsetStore::open(&offsets).unwrap());
        let mut worker =
            Worker::new(config, registry, status.clone(), store).with_plugin_timeout(timeout);
        if let Some(generated) = cluster {
            worker = worker.with_cluster_tasks(generated);
        }
        Self {
            worker: Arc::new(worker),
            status,
            _dir: dir,
        }
    }

    /// The state of task `n` of `connector`, if it has a status.
    pub fn task_state(&self, connector: &str, n: u32) -> Option<State> {
        self.status
            .tasks(connector)
            .into_iter()
            .find(|(m, _)| *m == n)
            .map(|(_, s)| s.state)
    }
}

/// Waits (up to 30 s) until `done` holds; fails with `what` otherwise.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
