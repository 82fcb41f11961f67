//! The source task loop run by a worker, with test tasks and no reachable broker (nothing
//! these tests check needs one): a task created while its connector is paused starts only
//! once resumed; a failing `commit()` does not fail the task; a `poll` in progress survives
//! flush ticks; stopping a task while a converter is being retried is a clean stop; stopping
//! a task whose producer queue is full (Kafka down) does not hang; `commit_record` is called
//! for every record sent (with where it landed) and dropped (without).

#![allow(clippy::unwrap_used)] // test code

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::plugin::{RecordMetadata, SourceTask, SourceTaskContext};
use kconnect_api::record::OffsetMap;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, ConnectResult, SchemaAndValue, SourceRecord,
    Value,
};
use kconnect_runtime::worker::status::State;
use kconnect_runtime::worker::TargetState;
use kconnect_testkit::{unique, Broker};
use support::{registry, until, Harness, SourceFactory};

const SOURCE: &str = "com.example.TestSourceConnector";
const WAIT: Duration = Duration::from_secs(20);

/// What the test task saw.
#[derive(Default)]
struct Calls {
    starts: AtomicUsize,
    polls_started: AtomicUsize,
    polls_finished: AtomicUsize,
    polls_dropped: AtomicUsize,
    commits: AtomicUsize,
}

/// How the test task behaves.
#[derive(Clone, Copy, Default)]
struct Behaviour {
    /// How long each `poll` takes.
    poll_ms: u64,
    /// Records per `poll`.
    records: usize,
    /// `commit()` fails.
    failing_commit: bool,
}

struct TestSource {
    calls: Arc<Calls>,
    how: Behaviour,
    next: i64,
}

/// Counts a `poll` dropped before it finished.
struct Unfinished(Arc<Calls>, bool);

impl Drop for Unfinished {
    fn drop(&mut self) {
        if !self.1 {
            self.0.polls_dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[async_trait]
impl SourceTask for TestSource {
    async fn start(&mut self, _: Arc<dyn SourceTaskContext>, _: &ConfigMap) -> ConnectResult<()> {
        self.calls.starts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        self.calls.polls_started.fetch_add(1, Ordering::SeqCst);
        let mut guard = Unfinished(self.calls.clone(), false);
        tokio::time::sleep(Duration::from_millis(self.how.poll_ms)).await;
        guard.1 = true;
        self.calls.polls_finished.fetch_add(1, Ordering::SeqCst);
        let mut records = Vec::new();
        for _ in 0..self.how.records {
            let mut partition = OffsetMap::new();
            partition.insert("source".into(), Value::String("test".into()));
            let mut offset = OffsetMap::new();
            offset.insert("position".into(), Value::Int64(self.next));
            self.next += 1;
            // A map of its own per record: recognized as one partition by its contents.
            records.push(SourceRecord {
                record: ConnectRecord {
                    topic: "out".into(),
                    value: Value::String(format!("record {}", self.next)),
                    ..Default::default()
                },
                source_partition: Some(Arc::new(partition)),
                source_offset: Some(offset),
            });
        }
        Ok(records)
    }

    async fn commit(&mut self) -> ConnectResult<()> {
        self.calls.commits.fetch_add(1, Ordering::SeqCst);
        if self.how.failing_commit {
            return Err(ConnectError::other("the source system refused the commit"));
        }
        Ok(())
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

fn factory(calls: &Arc<Calls>, how: Behaviour) -> SourceFactory {
    let calls = calls.clone();
    Arc::new(move || {
        Box::new(TestSource {
            calls: calls.clone(),
            how,
            next: 0,
        }) as Box<dyn SourceTask>
    })
}

/// Nothing listens there.
fn nowhere() -> String {
    format!("127.0.0.1:{}", kconnect_testkit::free_port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_created_while_its_connector_is_paused_starts_only_once_resumed() {
    let calls = Arc::new(Calls::default());
    let how = Behaviour {
        poll_ms: 10,
        ..Behaviour::default()
    };
    let h = Harness::new(&nowhere(), &[], registry(Some(factory(&calls, how)), None));
    h.start("paused", SOURCE, &[], TargetState::Paused).await;
    until("the task reports PAUSED", WAIT, || {
        h.task_state("paused") == Some(State::Paused)
    })
    .await;
    assert_eq!(
        calls.starts.load(Ordering::SeqCst),
        0,
        "started while paused"
    );
    h.worker
        .set_target("paused", TargetState::Started)
        .await
        .unwrap();
    until("the task runs and polls", WAIT, || {
        h.task_state("paused") == Some(State::Running)
            && calls.polls_finished.load(Ordering::SeqCst) > 0
    })
    .await;
    assert_eq!(calls.starts.load(Ordering::SeqCst), 1);
    h.worker.stop_all().await;
    assert_eq!(h.task_state("paused"), Some(State::Unassigned));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_commit_of_the_task_is_logged_not_fatal() {
    let calls = Arc::new(Calls::default());
    let how = Behaviour {
        poll_ms: 5,
        failing_commit: true,
        ..Behaviour::default()
    };
    let h = Harness::new(
        &nowhere(),
        &[("offset.flush.interval.ms", "20")],
        registry(Some(factory(&calls, how)), None),
    );
    h.start("committing", SOURCE, &[], TargetState::Started)
        .await;
    until("three commits, or the task failing", WAIT, || {
        calls.commits.load(Ordering::SeqCst) >= 3
            || h.task_state("committing") == Some(State::Failed)
    })
    .await;
    assert_eq!(
        h.task_state("committing"),
        Some(State::Running),
        "{}",
        h.task_status("committing")
    );
    h.worker.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_in_progress_survives_the_flush_ticks() {
    let calls = Arc::new(Calls::default());
    // Each poll takes ten flush intervals.
    let how = Behaviour {
        poll_ms: 200,
        ..Behaviour::default()
    };
    let h = Harness::new(
        &nowhere(),
        &[("offset.flush.interval.ms", "20")],
        registry(Some(factory(&calls, how)), None),
    );
    h.start("slow", SOURCE, &[], TargetState::Started).await;
    until("two polls finish, or three are dropped", WAIT, || {
        calls.polls_finished.load(Ordering::SeqCst) >= 2
            || calls.polls_dropped.load(Ordering::SeqCst) >= 3
    })
    .await;
    assert_eq!(calls.polls_dropped.load(Ordering::SeqCst), 0);
    // The task's commit() waited for the polls to return.
    until("commit() after a poll", WAIT, || {
        calls.commits.load(Ordering::SeqCst) > 0
    })
    .await;
    h.worker.stop_all().await;
}

/// A converter whose target (say, a schema registry) is down for good.
struct DownConverter(Arc<AtomicUsize>);

impl kconnect_api::plugin::Converter for DownConverter {
    fn configure(&mut self, _: &ConfigMap, _: bool) -> ConnectResult<()> {
        Ok(())
    }
    fn serialize(
        &mut self,
        _: &str,
        _: Option<&kconnect_api::SchemaRef>,
        _: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(ConnectError::Retriable(
            "the schema registry is down".into(),
        ))
    }
    fn deserialize(&mut self, _: &str, _: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        Err(ConnectError::Retriable(
            "the schema registry is down".into(),
        ))
    }
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_task_while_a_converter_is_retried_is_a_clean_stop() {
    let calls = Arc::new(Calls::default());
    let how = Behaviour {
        poll_ms: 5,
        records: 1,
        ..Behaviour::default()
    };
    let mut registry = registry(Some(factory(&calls, how)), None);
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    registry.converters(&["com.example.DownConverter"], "1", move |name| {
        (name == "com.example.DownConverter").then(|| {
            Box::new(DownConverter(counter.clone())) as Box<dyn kconnect_api::plugin::Converter>
        })
    });
    let h = Harness::new(&nowhere(), &[], registry);
    h.start(
        "retrying",
        SOURCE,
        &[
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
}

#[test]
fn stopping_a_task_whose_producer_queue_is_full_does_not_hang() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let calls = Arc::new(Calls::default());
    let how = Behaviour {
        poll_ms: 5,
        records: 10,
        ..Behaviour::default()
    };
    let state = runtime.block_on(async {
        let h = Harness::new(
            &nowhere(),
            &[
                // Kafka is unreachable: the producer's queue fills after one record.
                ("producer.queue.buffering.max.messages", "1"),
                ("offset.flush.timeout.ms", "500"),
                ("task.shutdown.graceful.timeout.ms", "10000"),
            ],
            registry(Some(factory(&calls, how)), None),
        );
        h.start("stuck", SOURCE, &[], TargetState::Started).await;
        // The first batch is stuck behind the full queue (so there is no second poll).
        until("a first poll", WAIT, || {
            calls.polls_finished.load(Ordering::SeqCst) >= 1
        })
        .await;
        let stopped = tokio::time::timeout(Duration::from_secs(30), h.worker.stop_all()).await;
        assert!(stopped.is_ok(), "stop_all did not return");
        h.task_state("stuck")
    });
    // A task spinning on a worker thread would keep a normal shutdown waiting forever.
    runtime.shutdown_background();
    assert_eq!(
        state,
        Some(State::Unassigned),
        "the task loop did not end when stopped"
    );
}

/// The `commit_record` calls a task saw: the record's value and where it landed.
type Committed = Arc<Mutex<Vec<(String, Option<RecordMetadata>)>>>;

/// Sends `values` once, each to the topic named before its `:`, and records `commit_record`.
struct CommitRecording {
    values: Vec<(String, &'static str)>,
    committed: Committed,
}

#[async_trait]
impl SourceTask for CommitRecording {
    async fn start(&mut self, _: Arc<dyn SourceTaskContext>, _: &ConfigMap) -> ConnectResult<()> {
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let mut partition = OffsetMap::new();
        partition.insert("source".into(), Value::String("test".into()));
        let partition = Arc::new(partition);
        Ok(std::mem::take(&mut self.values)
            .into_iter()
            .enumerate()
            .map(|(i, (topic, value))| {
                let mut offset = OffsetMap::new();
                offset.insert("position".into(), Value::Int64(i as i64));
                SourceRecord {
                    record: ConnectRecord {
                        topic,
                        value: Value::String(value.into()),
                        ..Default::default()
                    },
                    source_partition: Some(partition.clone()),
                    source_offset: Some(offset),
                }
            })
            .collect())
    }

    fn wants_commit_record(&self) -> bool {
        true
    }

    async fn commit_record(
        &mut self,
        record: &SourceRecord,
        metadata: Option<&RecordMetadata>,
    ) -> ConnectResult<()> {
        let value = match &record.record.value {
            Value::String(s) => s.clone(),
            other => format!("{other:?}"),
        };
        self.committed
            .lock()
            .unwrap()
            .push((value, metadata.cloned()));
        Ok(())
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_record_is_called_for_sent_and_dropped_records() {
    let broker = Broker::shared();
    let out = unique("out");
    broker.create_topic(&out, 1).await;
    let committed: Committed = Arc::default();
    let shared = committed.clone();
    let topic = out.clone();
    let factory: SourceFactory = Arc::new(move || {
        // "dropped" is never sent: the filter drops its record before it reaches Kafka.
        Box::new(CommitRecording {
            values: vec![
                (topic.clone(), "a"),
                (topic.clone(), "b"),
                ("dropped".to_string(), "c"),
                (topic.clone(), "d"),
            ],
            committed: shared.clone(),
        }) as Box<dyn SourceTask>
    });
    let mut registry = registry(Some(factory), None);
    registry.transformations(
        &["org.apache.kafka.connect.transforms.Filter"],
        "1",
        kconnect_transforms::transformation_by_name,
    );
    registry.predicates(
        &["org.apache.kafka.connect.transforms.predicates.TopicNameMatches"],
        "1",
        kconnect_transforms::predicate_by_name,
    );
    let h = Harness::new(&broker.bootstrap(), &[], registry);
    h.start(
        "committing-records",
        SOURCE,
        &[
            ("transforms", "drop"),
            (
                "transforms.drop.type",
                "org.apache.kafka.connect.transforms.Filter",
            ),
            ("transforms.drop.predicate", "isDropped"),
            ("predicates", "isDropped"),
            (
                "predicates.isDropped.type",
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            ),
            ("predicates.isDropped.pattern", "dropped"),
        ],
        TargetState::Started,
    )
    .await;
    until("commit_record for all four records", WAIT, || {
        committed.lock().unwrap().len() >= 4
            || h.task_state("committing-records") == Some(State::Failed)
    })
    .await;
    h.worker.stop_all().await;
    let committed = committed.lock().unwrap().clone();
    assert_eq!(committed.len(), 4, "{committed:?}");
    let landed = |value: &str| {
        committed
            .iter()
            .find(|(v, _)| v == value)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("no commit_record for {value}: {committed:?}"))
    };
    assert_eq!(landed("c"), None, "the dropped record");
    for (value, offset) in [("a", 0), ("b", 1), ("d", 2)] {
        assert_eq!(
            landed(value),
            Some(RecordMetadata {
                topic: out.clone(),
                partition: 0,
                offset,
            }),
            "record {value}"
        );
    }
    // Acknowledgement order: the sent records in the order Kafka stored them.
    let sent: Vec<&str> = committed
        .iter()
        .filter(|(_, m)| m.is_some())
        .map(|(v, _)| v.as_str())
        .collect();
    assert_eq!(sent, ["a", "b", "d"]);
}
