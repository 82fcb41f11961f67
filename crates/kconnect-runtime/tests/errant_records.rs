//! A sink task that uses the errant record reporter (KIP-610) and whose target is down at
//! first, run by a worker against a real broker: `put` failing with a retriable error is
//! redelivered with the same records (none lost, none sent to the dead letter queue), and
//! records the task reports reach the dead letter queue as consumed, with stage `TASK_PUT`.

#![allow(clippy::unwrap_used)] // test code

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kconnect_api::plugin::{
    Connector, ConnectorContext, Converter, HeaderConverter, SinkConnector, SinkTask,
    SinkTaskContext,
};
use kconnect_api::{
    config_map, ConfigDef, ConfigMap, ConnectError, ConnectResult, SinkRecord, Value,
};
use kconnect_kafka::rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use kconnect_runtime::config::WorkerConfig;
use kconnect_runtime::plugins::Registry;
use kconnect_runtime::storage::FileOffsetStore;
use kconnect_runtime::worker::status::StatusStore;
use kconnect_runtime::worker::{TargetState, Worker};
use kconnect_testkit::{unique, Broker, TopicReader};

/// What the test sink saw: records written, `put` calls.
#[derive(Default)]
struct Target {
    written: Vec<String>,
    puts: usize,
    batches: Vec<Vec<i64>>,
}

struct FlakySink {
    target: Arc<Mutex<Target>>,
    context: Option<Arc<dyn SinkTaskContext>>,
}

#[async_trait]
impl SinkTask for FlakySink {
    async fn start(
        &mut self,
        context: Arc<dyn SinkTaskContext>,
        _: &ConfigMap,
    ) -> ConnectResult<()> {
        self.context = Some(context);
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()> {
        let first_puts = {
            let mut t = self.target.lock().unwrap();
            t.puts += 1;
            t.batches
                .push(records.iter().map(SinkRecord::kafka_offset).collect());
            t.puts <= 2 && !records.is_empty()
        };
        if first_puts {
            return Err(ConnectError::Retriable("the target is down".into()));
        }
        let context = self.context.as_ref().unwrap();
        let reporter = context.errant_record_reporter().unwrap();
        for r in &records {
            match &r.record.value {
                Value::String(s) if s.starts_with("bad") => {
                    reporter
                        .report(r, &ConnectError::data(format!("the target rejected {s}")))
                        .await?;
                }
                v => self.target.lock().unwrap().written.push(v.to_string()),
            }
        }
        Ok(())
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

struct FlakyConnector {
    target: Arc<Mutex<Target>>,
    props: ConfigMap,
}

#[async_trait]
impl Connector for FlakyConnector {
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
        "com.example.FlakySinkTask"
    }
    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

impl SinkConnector for FlakyConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(FlakySink {
            target: self.target.clone(),
            context: None,
        })
    }
}

fn envelope(s: &str) -> Vec<u8> {
    format!(r#"{{"schema":{{"type":"string","optional":false}},"payload":"{s}"}}"#).into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retriable_puts_are_redelivered_and_reported_records_reach_the_dead_letter_queue() {
    let broker = Broker::shared();
    let topic = unique("in");
    // The connector's name also names its consumer group (`connect-<name>`).
    let name = unique("flaky");
    let dlq_topic = unique("flaky-dlq");
    broker.create_topic(&topic, 1).await;
    let values: Vec<String> = (0..6)
        .map(|i| {
            if i % 3 == 1 {
                format!("bad {i}")
            } else {
                format!("good {i}")
            }
        })
        .collect();
    let producer: BaseProducer = broker
        .client_props()
        .to_rdkafka()
        .unwrap()
        .create()
        .unwrap();
    for v in &values {
        let payload = envelope(v);
        let record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(&topic).payload(&payload[..]);
        producer.send(record).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let target = Arc::new(Mutex::new(Target::default()));
    let mut registry = Registry::new();
    let shared = target.clone();
    registry.sink_connector("com.example.FlakySinkConnector", "1", move || {
        Box::new(FlakyConnector {
            target: shared.clone(),
            props: ConfigMap::new(),
        })
    });
    registry.converters(
        &["org.apache.kafka.connect.json.JsonConverter"],
        "1",
        |name| {
            (name == "org.apache.kafka.connect.json.JsonConverter")
                .then(|| Box::new(kconnect_json::JsonConverter::new()) as Box<dyn Converter>)
        },
    );
    registry.header_converters(
        &["org.apache.kafka.connect.json.JsonConverter"],
        "1",
        |name| {
            (name == "org.apache.kafka.connect.json.JsonConverter")
                .then(|| Box::new(kconnect_json::JsonConverter::new()) as Box<dyn HeaderConverter>)
        },
    );
    let offsets_file = dir.path().join("offsets");
    let worker_config = WorkerConfig::parse(config_map(&[
        ("bootstrap.servers", &broker.bootstrap()),
        (
            "key.converter",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
        (
            "value.converter",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
        (
            "header.converter",
            "org.apache.kafka.connect.json.JsonConverter",
        ),
        (
            "offset.storage.file.filename",
            &offsets_file.display().to_string(),
        ),
        ("offset.flush.interval.ms", "200"),
        ("listeners", "http://127.0.0.1:0"),
    ]))
    .unwrap();
    let offsets = Arc::new(FileOffsetStore::open(&offsets_file).unwrap());
    let status = Arc::new(StatusStore::new("test-worker"));
    let worker = Worker::new(worker_config, registry, status.clone(), offsets);
    worker
        .start_connector(
            config_map(&[
                ("name", &name),
                ("connector.class", "com.example.FlakySinkConnector"),
                ("topics", &topic),
                ("errors.tolerance", "all"),
                ("errors.retry.delay.max.ms", "100"),
                ("errors.deadletterqueue.topic.name", &dlq_topic),
                ("errors.deadletterqueue.topic.replication.factor", "1"),
                ("errors.deadletterqueue.context.headers.enable", "true"),
            ]),
            TargetState::Started,
        )
        .await
        .unwrap();

    let good: Vec<String> = values
        .iter()
        .filter(|v| v.starts_with("good"))
        .cloned()
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while target.lock().unwrap().written.len() < good.len() {
        let tasks = status.tasks(&name);
        assert!(
            Instant::now() < deadline,
            "the sink did not receive everything: {tasks:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dlq = TopicReader::new(&broker).read(&dlq_topic, 1, 3, Duration::from_secs(5));
    worker.stop_all().await;

    let t = target.lock().unwrap();
    assert_eq!(t.written, good, "each good record exactly once, in order");
    // The first two calls failed and the third got the very same records.
    assert!(t.batches.len() >= 3, "{:?}", t.batches);
    assert_eq!(t.batches[0], t.batches[1]);
    assert_eq!(t.batches[1], t.batches[2]);
    // Only the reported records are in the dead letter queue, with their original bytes.
    let bad: Vec<Vec<u8>> = values
        .iter()
        .filter(|v| v.starts_with("bad"))
        .map(|v| envelope(v))
        .collect();
    assert_eq!(
        dlq.iter()
            .map(|r| r.value.clone().unwrap())
            .collect::<Vec<_>>(),
        bad
    );
    let headers: HashMap<String, String> = dlq[0]
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                String::from_utf8_lossy(v.as_deref().unwrap_or_default()).into_owned(),
            )
        })
        .collect();
    assert_eq!(headers["__connect.errors.stage"], "TASK_PUT");
    assert_eq!(
        headers["__connect.errors.class.name"],
        "org.apache.kafka.connect.sink.SinkTask"
    );
    assert_eq!(headers["__connect.errors.offset"], "1");
    assert_eq!(
        headers["__connect.errors.exception.message"],
        "the target rejected bad 1"
    );
    assert_eq!(
        headers["__connect.errors.exception.class.name"],
        "org.apache.kafka.connect.errors.DataException"
    );
}
