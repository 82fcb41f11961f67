//! The sink task loop run by a worker against a real broker, with a scripted test task: what
//! the task asks of its context (`offset` in `put` and in `open`, `pause`/`resume`, `timeout`)
//! takes effect; a failing `pre_commit` rewinds instead of failing the task; on shutdown the
//! partitions are closed before `stop`, after a synchronous commit of what `pre_commit`
//! approved; a failed asynchronous commit is sent again (librdkafka's mock cluster refuses the
//! first one); a task created while paused starts once resumed; stopping a task during
//! converter retries is a clean stop.

#![allow(clippy::unwrap_used)] // test code

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::plugin::{Converter, SinkTask, SinkTaskContext};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectResult, SchemaAndValue, SchemaRef, SinkRecord,
    TopicPartition, Value,
};
use kconnect_kafka::rdkafka::mocking::MockCluster;
use kconnect_kafka::rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use kconnect_kafka::rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use kconnect_kafka::ClientProps;
use kconnect_runtime::worker::status::State;
use kconnect_runtime::worker::TargetState;
use kconnect_testkit::Broker;
use support::{committed_offset, envelope, registry, until, Harness, SinkFactory};

const SINK: &str = "com.example.TestSinkConnector";
const WAIT: Duration = Duration::from_secs(30);

/// What the test task did.
#[derive(Default)]
struct Log {
    /// (partition, offset) of each record written, in order.
    written: Vec<(i32, i64)>,
    /// The calls, as text.
    calls: Vec<String>,
    puts: usize,
    pre_commits: usize,
}

/// How the test task behaves.
#[derive(Clone, Copy, Default)]
struct Script {
    /// The first `put` with records writes half of them, then asks to continue after that.
    rewind_in_first_put: bool,
    /// `open` asks to start every partition at this offset.
    start_at: Option<i64>,
    /// `open` pauses this partition; `put` resumes it once the test says so. The task asks to
    /// be called every 50 ms (`timeout`).
    pause: Option<i32>,
    /// The first `pre_commit` fails.
    fail_first_pre_commit: bool,
}

struct TestSink {
    topic: String,
    log: Arc<Mutex<Log>>,
    script: Script,
    resume: Arc<AtomicBool>,
    context: Option<Arc<dyn SinkTaskContext>>,
    rewound: bool,
}

impl TestSink {
    fn context(&self) -> &Arc<dyn SinkTaskContext> {
        self.context.as_ref().unwrap()
    }
}

fn sorted(offsets: &HashMap<TopicPartition, i64>) -> Vec<(i32, i64)> {
    let mut v: Vec<(i32, i64)> = offsets.iter().map(|(tp, o)| (tp.partition, *o)).collect();
    v.sort_unstable();
    v
}

fn numbers(parts: &[TopicPartition]) -> Vec<i32> {
    let mut v: Vec<i32> = parts.iter().map(|tp| tp.partition).collect();
    v.sort_unstable();
    v
}

#[async_trait]
impl SinkTask for TestSink {
    async fn start(
        &mut self,
        context: Arc<dyn SinkTaskContext>,
        _: &ConfigMap,
    ) -> ConnectResult<()> {
        self.log.lock().unwrap().calls.push("start".into());
        self.context = Some(context);
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()> {
        let mut log = self.log.lock().unwrap();
        log.puts += 1;
        if !records.is_empty() {
            log.calls.push(format!("put {}", records.len()));
        }
        if let Some(p) = self.script.pause {
            if self.resume.load(Ordering::SeqCst) {
                self.context()
                    .resume(&[TopicPartition::new(&self.topic, p)]);
            }
            self.context().timeout(50);
        }
        let mut keep = records.len();
        if self.script.rewind_in_first_put && !self.rewound && !records.is_empty() {
            self.rewound = true;
            keep = records.len() / 2;
            let next = &records[keep];
            self.context().offset(HashMap::from([(
                TopicPartition::new(&next.original_topic, next.original_kafka_partition),
                next.original_kafka_offset,
            )]));
        }
        for r in &records[..keep] {
            log.written
                .push((r.original_kafka_partition, r.original_kafka_offset));
        }
        Ok(())
    }

    async fn pre_commit(
        &mut self,
        offsets: HashMap<TopicPartition, i64>,
    ) -> ConnectResult<HashMap<TopicPartition, i64>> {
        let mut log = self.log.lock().unwrap();
        log.pre_commits += 1;
        log.calls.push(format!("pre_commit {:?}", sorted(&offsets)));
        if self.script.fail_first_pre_commit && log.pre_commits == 1 {
            return Err(ConnectError::other("the target could not flush"));
        }
        Ok(offsets)
    }

    async fn open(&mut self, partitions: &[TopicPartition]) -> ConnectResult<()> {
        self.log
            .lock()
            .unwrap()
            .calls
            .push(format!("open {:?}", numbers(partitions)));
        if let Some(o) = self.script.start_at {
            self.context()
                .offset(partitions.iter().map(|tp| (tp.clone(), o)).collect());
        }
        if let Some(p) = self.script.pause {
            self.context().pause(&[TopicPartition::new(&self.topic, p)]);
            self.context().timeout(50);
        }
        Ok(())
    }

    async fn close(&mut self, partitions: &[TopicPartition]) -> ConnectResult<()> {
        self.log
            .lock()
            .unwrap()
            .calls
            .push(format!("close {:?}", numbers(partitions)));
        Ok(())
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        self.log.lock().unwrap().calls.push("stop".into());
        Ok(())
    }
}

/// A test sink on `topic` following `script`.
struct Setup {
    log: Arc<Mutex<Log>>,
    resume: Arc<AtomicBool>,
    factory: SinkFactory,
}

fn setup(topic: &str, script: Script) -> Setup {
    let log = Arc::new(Mutex::new(Log::default()));
    let resume = Arc::new(AtomicBool::new(false));
    let (l, r, t) = (log.clone(), resume.clone(), topic.to_string());
    let factory: SinkFactory = Arc::new(move || {
        Box::new(TestSink {
            topic: t.clone(),
            log: l.clone(),
            script,
            resume: r.clone(),
            context: None,
            rewound: false,
        }) as Box<dyn SinkTask>
    });
    Setup {
        log,
        resume,
        factory,
    }
}

/// Produces `count` records to each of `partitions` partitions of `topic`, one record per
/// batch (Tansu cannot fetch from the middle of a batch, which a seek may ask for).
fn produce(client: &ClientProps, topic: &str, partitions: i32, count: usize) {
    let mut props = client.clone();
    props.set("batch.num.messages", "1");
    let producer: BaseProducer = props.to_rdkafka().create().unwrap();
    for p in 0..partitions {
        for i in 0..count {
            let payload = envelope(&format!("record {i}"));
            let record: BaseRecord<'_, [u8], [u8]> =
                BaseRecord::to(topic).partition(p).payload(&payload[..]);
            producer.send(record).map_err(|(e, _)| e).unwrap();
        }
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

fn written(log: &Arc<Mutex<Log>>) -> Vec<(i32, i64)> {
    log.lock().unwrap().written.clone()
}

fn range(partition: i32, offsets: std::ops::Range<i64>) -> Vec<(i32, i64)> {
    offsets.map(|o| (partition, o)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_after_a_requested_offset_are_delivered_again_not_lost() {
    let broker = Broker::start();
    broker.create_topic("rewind", 1).await;
    produce(&broker.client_props(), "rewind", 1, 10);
    let s = setup(
        "rewind",
        Script {
            rewind_in_first_put: true,
            ..Script::default()
        },
    );
    let h = Harness::new(&broker.bootstrap(), &[], registry(None, Some(s.factory)));
    h.start(
        "rewind",
        SINK,
        &[("topics", "rewind")],
        TargetState::Started,
    )
    .await;
    until("every record written", WAIT, || written(&s.log).len() >= 10).await;
    h.worker.stop_all().await;
    assert_eq!(
        written(&s.log),
        range(0, 0..10),
        "each record once, in order"
    );
    assert_eq!(
        committed_offset(&broker.client_props(), "connect-rewind", "rewind", 0),
        Some(10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_requested_in_open_are_where_the_partitions_start() {
    let broker = Broker::start();
    broker.create_topic("start-at", 1).await;
    produce(&broker.client_props(), "start-at", 1, 10);
    let s = setup(
        "start-at",
        Script {
            start_at: Some(6),
            ..Script::default()
        },
    );
    let h = Harness::new(&broker.bootstrap(), &[], registry(None, Some(s.factory)));
    h.start(
        "start-at",
        SINK,
        &[("topics", "start-at")],
        TargetState::Started,
    )
    .await;
    until("the last record written", WAIT, || {
        written(&s.log).contains(&(0, 9))
    })
    .await;
    h.worker.stop_all().await;
    assert_eq!(written(&s.log), range(0, 6..10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_the_task_paused_delivers_nothing_until_resumed() {
    let broker = Broker::start();
    broker.create_topic("paused", 2).await;
    produce(&broker.client_props(), "paused", 2, 5);
    let s = setup(
        "paused",
        Script {
            pause: Some(1),
            ..Script::default()
        },
    );
    let h = Harness::new(&broker.bootstrap(), &[], registry(None, Some(s.factory)));
    h.start(
        "paused",
        SINK,
        &[("topics", "paused")],
        TargetState::Started,
    )
    .await;
    until("partition 0 written", WAIT, || {
        written(&s.log).contains(&(0, 4))
    })
    .await;
    // The task asked to be called every 50 ms: a few calls later, still nothing from 1.
    let puts = s.log.lock().unwrap().puts;
    until("more calls without records", WAIT, || {
        s.log.lock().unwrap().puts >= puts + 5
    })
    .await;
    assert_eq!(
        written(&s.log),
        range(0, 0..5),
        "the paused partition delivered"
    );
    s.resume.store(true, Ordering::SeqCst);
    until("partition 1 written after it resumed", WAIT, || {
        written(&s.log).len() >= 10
    })
    .await;
    h.worker.stop_all().await;
    let mut got = written(&s.log);
    got.sort_unstable();
    assert_eq!(got, [range(0, 0..5), range(1, 0..5)].concat());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_pre_commit_rewinds_to_the_committed_offsets_instead_of_failing() {
    let broker = Broker::start();
    broker.create_topic("flush", 1).await;
    produce(&broker.client_props(), "flush", 1, 10);
    let s = setup(
        "flush",
        Script {
            fail_first_pre_commit: true,
            ..Script::default()
        },
    );
    let h = Harness::new(&broker.bootstrap(), &[], registry(None, Some(s.factory)));
    h.start("flush", SINK, &[("topics", "flush")], TargetState::Started)
        .await;
    // What was delivered before the failed pre_commit comes again, from offset 0.
    until(
        "every record written and some again, or the task failing",
        WAIT,
        || {
            let mut w = written(&s.log);
            let all = w.len();
            w.sort_unstable();
            w.dedup();
            (all > 10 && w.len() == 10) || h.task_state("flush") == Some(State::Failed)
        },
    )
    .await;
    assert_eq!(
        h.task_state("flush"),
        Some(State::Running),
        "{}",
        h.task_status("flush")
    );
    h.worker.stop_all().await;
    let w = written(&s.log);
    assert!(
        w.iter().filter(|&&r| r == (0, 0)).count() == 2,
        "offset 0 not delivered again: {w:?}"
    );
    assert_eq!(
        committed_offset(&broker.client_props(), "connect-flush", "flush", 0),
        Some(10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_commits_synchronously_and_closes_the_partitions_before_stop() {
    let broker = Broker::start();
    broker.create_topic("shutdown", 1).await;
    produce(&broker.client_props(), "shutdown", 1, 10);
    let s = setup("shutdown", Script::default());
    let h = Harness::new(
        &broker.bootstrap(),
        // Only the shutdown commits.
        &[("offset.flush.interval.ms", "600000")],
        registry(None, Some(s.factory)),
    );
    h.start(
        "shutdown",
        SINK,
        &[("topics", "shutdown")],
        TargetState::Started,
    )
    .await;
    until("every record written", WAIT, || written(&s.log).len() >= 10).await;
    assert_eq!(
        committed_offset(&broker.client_props(), "connect-shutdown", "shutdown", 0),
        None
    );
    h.worker.stop_all().await;
    let calls = s.log.lock().unwrap().calls.clone();
    assert_eq!(calls[..2], ["start", "open [0]"]);
    assert_eq!(
        calls[calls.len() - 3..],
        ["pre_commit [(0, 10)]", "close [0]", "stop"],
        "{calls:?}"
    );
    assert_eq!(
        committed_offset(&broker.client_props(), "connect-shutdown", "shutdown", 0),
        Some(10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_asynchronous_commit_is_sent_again() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("retried", 1, 1).unwrap();
    let mut client = ClientProps::new();
    client.set("bootstrap.servers", cluster.bootstrap_servers());
    produce(&client, "retried", 1, 5);
    // The broker refuses the first offset commit.
    cluster.request_errors(
        RDKafkaApiKey::OffsetCommit,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED],
    );
    let s = setup("retried", Script::default());
    let h = Harness::new(
        &cluster.bootstrap_servers(),
        &[],
        registry(None, Some(s.factory)),
    );
    h.start(
        "retried",
        SINK,
        &[("topics", "retried")],
        TargetState::Started,
    )
    .await;
    until("every record written", WAIT, || written(&s.log).len() >= 5).await;
    until(
        "the group's offset committed while the task runs",
        WAIT,
        || committed_offset(&client, "connect-retried", "retried", 0) == Some(5),
    )
    .await;
    assert!(s.log.lock().unwrap().pre_commits >= 2);
    assert_eq!(h.task_state("retried"), Some(State::Running));
    h.worker.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_task_created_while_its_connector_is_paused_starts_only_once_resumed() {
    // No broker: nothing is consumed before the task starts anyway.
    let nowhere = format!("127.0.0.1:{}", kconnect_testkit::free_port());
    let s = setup("later", Script::default());
    let h = Harness::new(&nowhere, &[], registry(None, Some(s.factory)));
    h.start("later", SINK, &[("topics", "later")], TargetState::Paused)
        .await;
    until("the task reports PAUSED", WAIT, || {
        h.task_state("later") == Some(State::Paused)
    })
    .await;
    assert!(
        s.log.lock().unwrap().calls.is_empty(),
        "started while paused"
    );
    h.worker
        .set_target("later", TargetState::Started)
        .await
        .unwrap();
    until("the task runs", WAIT, || {
        h.task_state("later") == Some(State::Running)
    })
    .await;
    assert_eq!(s.log.lock().unwrap().calls, ["start"]);
    h.worker.stop_all().await;
}

/// A converter whose target (say, a schema registry) is down for good.
struct DownConverter(Arc<AtomicUsize>);

impl Converter for DownConverter {
    fn configure(&mut self, _: &ConfigMap, _: bool) -> ConnectResult<()> {
        Ok(())
    }
    fn serialize(
        &mut self,
        _: &str,
        _: Option<&SchemaRef>,
        _: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        Err(ConnectError::Retriable(
            "the schema registry is down".into(),
        ))
    }
    fn deserialize(&mut self, _: &str, _: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(ConnectError::Retriable(
            "the schema registry is down".into(),
        ))
    }
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_sink_task_while_a_converter_is_retried_is_a_clean_stop() {
    let broker = Broker::start();
    broker.create_topic("retrying", 1).await;
    produce(&broker.client_props(), "retrying", 1, 3);
    let s = setup("retrying", Script::default());
    let mut registry = registry(None, Some(s.factory));
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    registry.converters(&["com.example.DownConverter"], "1", move |name| {
        (name == "com.example.DownConverter")
            .then(|| Box::new(DownConverter(counter.clone())) as Box<dyn Converter>)
    });
    let h = Harness::new(&broker.bootstrap(), &[], registry);
    h.start(
        "retrying",
        SINK,
        &[
            ("topics", "retrying"),
            ("value.converter", "com.example.DownConverter"),
            ("errors.retry.timeout", "-1"),
            ("errors.retry.delay.max.ms", "20"),
        ],
        TargetState::Started,
    )
    .await;
    until("the converter is being retried", WAIT, || {
        attempts.load(Ordering::SeqCst) >= 3
    })
    .await;
    h.worker.stop_all().await;
    assert_eq!(
        h.task_state("retrying"),
        Some(State::Unassigned),
        "{}",
        h.task_status("retrying")
    );
    assert!(written(&s.log).is_empty());
    // Nothing was skipped: the records are still to be consumed.
    assert_eq!(
        committed_offset(&broker.client_props(), "connect-retrying", "retrying", 0),
        None
    );
}
