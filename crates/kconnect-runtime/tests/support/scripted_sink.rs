//! A scripted sink task for the sink loop tests: it logs what it is called with and asks
//! its context for rewinds, pauses and timeouts as its [`Script`] says.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::plugin::{SinkTask, SinkTaskContext};
use kconnect_api::{ConfigMap, ConnectError, ConnectResult, SinkRecord, TopicPartition};
use kconnect_kafka::rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use kconnect_kafka::ClientProps;

use super::{envelope, SinkFactory};

/// The test connector's class.
pub const SINK: &str = "com.example.TestSinkConnector";

/// What the test task did.
#[derive(Default)]
pub struct Log {
    /// (partition, offset) of each record written, in order.
    pub written: Vec<(i32, i64)>,
    /// The calls, as text.
    pub calls: Vec<String>,
    /// `put` calls, with or without records.
    pub puts: usize,
    /// `pre_commit` calls.
    pub pre_commits: usize,
}

/// How the test task behaves.
#[derive(Clone, Copy, Default)]
pub struct Script {
    /// The first `put` with records writes half of them, then asks to continue after that.
    pub rewind_in_first_put: bool,
    /// `open` asks to start every partition at this offset.
    pub start_at: Option<i64>,
    /// `open` pauses this partition; `put` resumes it once the test says so. The task asks to
    /// be called every 50 ms (`timeout`).
    pub pause: Option<i32>,
    /// The first `pre_commit` fails.
    pub fail_first_pre_commit: bool,
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
pub struct Setup {
    /// What it did.
    pub log: Arc<Mutex<Log>>,
    /// Tells it to resume the partition it paused.
    pub resume: Arc<AtomicBool>,
    /// Builds it.
    pub factory: SinkFactory,
}

pub fn setup(topic: &str, script: Script) -> Setup {
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

/// Produces `count` records to each of `partitions` partitions of `topic`, all records of a
/// partition in one batch: nothing is sent before the single flush at the end (which does not
/// wait for `linger.ms`), so a seek to any of them but the first lands in the middle of a
/// multi-record batch.
pub fn produce(client: &ClientProps, topic: &str, partitions: i32, count: usize) {
    let mut props = client.clone();
    props.set("linger.ms", "10000");
    let producer: BaseProducer = props.to_rdkafka().unwrap().create().unwrap();
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

/// The records written so far.
pub fn written(log: &Arc<Mutex<Log>>) -> Vec<(i32, i64)> {
    log.lock().unwrap().written.clone()
}

/// `(partition, offset)` pairs.
pub fn range(partition: i32, offsets: std::ops::Range<i64>) -> Vec<(i32, i64)> {
    offsets.map(|o| (partition, o)).collect()
}
