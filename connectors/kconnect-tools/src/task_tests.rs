//! Unit tests of the tool tasks' pure logic: records, offsets, printed lines, failures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config_map;
use kconnect_api::plugin::{
    ErrantRecordReporter, OffsetStorageReader, SinkTask, SinkTaskContext, SourceTask,
    SourceTaskContext,
};
use kconnect_api::record::OffsetMap;
use kconnect_api::{
    ConfigMap, ConnectRecord, ConnectResult, Schema, SinkRecord, TopicPartition, Value,
};

use crate::json_line::Output;
use crate::mock::{MockSinkTask, MockSourceTask};
use crate::schema_source::SchemaSourceTask;
use crate::verifiable_sink::VerifiableSinkTask;
use crate::verifiable_source::VerifiableSourceTask;

struct Stored(Option<OffsetMap>);

#[async_trait]
impl OffsetStorageReader for Stored {
    async fn offset(&self, partition: &OffsetMap) -> ConnectResult<Option<OffsetMap>> {
        assert!(partition.contains_key("id"), "{partition:?}");
        Ok(self.0.clone())
    }
}

struct Context {
    configs: ConfigMap,
    stored: Option<i64>,
}

impl SourceTaskContext for Context {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }
    fn offset_storage_reader(&self) -> Arc<dyn OffsetStorageReader> {
        Arc::new(Stored(self.stored.map(|s| {
            let mut o = OffsetMap::new();
            o.insert("seqno".into(), Value::Int64(s));
            o
        })))
    }
}

fn context(pairs: &[(&str, &str)], stored: Option<i64>) -> (Arc<Context>, ConfigMap) {
    let configs = config_map(pairs);
    (
        Arc::new(Context {
            configs: configs.clone(),
            stored,
        }),
        configs,
    )
}

fn text(buffer: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8(buffer.lock().unwrap().clone()).unwrap()
}

/// Replaces the value of `"time_ms"` with 0.
fn untimed(line: &str) -> String {
    let start = line.find("\"time_ms\":").unwrap() + "\"time_ms\":".len();
    let end = start + line[start..].find([',', '}']).unwrap();
    format!("{}0{}", &line[..start], &line[end..])
}

#[tokio::test]
async fn verifiable_source_resumes_after_its_offset_and_prints_java_lines() {
    let (out, buffer) = Output::buffer();
    let mut task = VerifiableSourceTask::new(out);
    let pairs = [
        ("name", "vs"),
        ("id", "2"),
        ("topic", "t"),
        ("throughput", "-1"),
    ];
    let (ctx, props) = context(&pairs, Some(41));
    task.start(ctx, &props).await.unwrap();
    let records = task.poll().await.unwrap();
    assert_eq!(records.len(), crate::MAX_BATCH);
    let first = &records[0];
    assert_eq!(first.record.key, Value::Int32(2));
    assert_eq!(first.record.key_schema, Some(Schema::int32()));
    assert_eq!(first.record.value, Value::Int64(42));
    assert_eq!(first.record.kafka_partition, None);
    assert_eq!(
        first.source_offset.as_ref().unwrap()["seqno"],
        Value::Int64(42)
    );
    assert_eq!(
        first.source_partition.as_ref().unwrap()["id"],
        Value::Int32(2)
    );
    let printed = text(&buffer);
    let line = printed.lines().next().unwrap();
    assert_eq!(
        untimed(line),
        r#"{"task":2,"seqno":42,"time_ms":0,"name":"vs","topic":"t"}"#
    );
    assert_eq!(printed.lines().count(), crate::MAX_BATCH);
    task.commit_record(first, None).await.unwrap();
    let committed = text(&buffer).lines().last().unwrap().to_string();
    assert_eq!(
        untimed(&committed),
        r#"{"committed":true,"task":2,"seqno":42,"time_ms":0,"name":"vs","topic":"t"}"#
    );
}

#[tokio::test]
async fn verifiable_source_complete_record_data_is_a_struct() {
    let (out, _buffer) = Output::buffer();
    let mut task = VerifiableSourceTask::new(out);
    let pairs = [
        ("name", "vs"),
        ("id", "0"),
        ("topic", "t"),
        ("throughput", "-1"),
        ("complete.record.data", "TRUE"),
    ];
    let (ctx, props) = context(&pairs, None);
    task.start(ctx, &props).await.unwrap();
    let records = task.poll().await.unwrap();
    let value = records[3].record.value.as_struct().unwrap();
    assert_eq!(value.get("seqno").unwrap(), &Value::Int64(3));
    assert_eq!(value.get("name").unwrap(), &Value::from("vs"));
    assert_eq!(value.get("task").unwrap(), &Value::Int32(0));
}

#[tokio::test]
async fn a_bad_number_is_rejected_with_its_key_and_value() {
    let (out, _buffer) = Output::buffer();
    let mut task = VerifiableSourceTask::new(out);
    let (ctx, props) = context(&[("id", "0"), ("throughput", "fast")], None);
    let error = task.start(ctx, &props).await.unwrap_err().to_string();
    assert!(
        error.contains("'throughput'") && error.contains("'fast'"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn verifiable_source_holds_its_throughput() {
    let (out, _buffer) = Output::buffer();
    let mut task = VerifiableSourceTask::new(out);
    let pairs = [
        ("name", "vs"),
        ("id", "0"),
        ("topic", "t"),
        ("throughput", "100"),
    ];
    let (ctx, props) = context(&pairs, None);
    task.start(ctx, &props).await.unwrap();
    let start = tokio::time::Instant::now();
    let mut produced = 0;
    while produced < 300 {
        produced += task.poll().await.unwrap().len();
    }
    let elapsed = tokio::time::Instant::now() - start;
    // 300 records at 100/s: about three seconds of (paused, simulated) time.
    assert!(
        elapsed >= Duration::from_millis(2900) && elapsed <= Duration::from_millis(3200),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn schema_source_alternates_schemas_up_to_its_count() {
    let (out, buffer) = Output::buffer();
    let mut task = SchemaSourceTask::new(out);
    let pairs = [
        ("name", "ss"),
        ("id", "1"),
        ("topic", "t"),
        ("num.messages", "5"),
        ("throughput", "-1"),
        ("multiple.schema", "true"),
        ("partition.count", "3"),
    ];
    let (ctx, props) = context(&pairs, None);
    task.start(ctx, &props).await.unwrap();
    let records = task.poll().await.unwrap();
    assert_eq!(records.len(), 5);
    for (n, r) in records.iter().enumerate() {
        let value = r.record.value.as_struct().unwrap();
        let version = value.schema().version;
        assert_eq!(version, Some(if n % 2 == 0 { 1 } else { 2 }), "record {n}");
        assert_eq!(r.record.kafka_partition, Some(1));
        assert_eq!(r.record.key, Value::from("key"));
        assert_eq!(
            value.get("partitioning").unwrap(),
            &Value::Int32(i32::try_from(n % 3).unwrap())
        );
        assert_eq!(value.get("float").unwrap(), &Value::Float32(12.2));
    }
    let v2 = records[1].record.value.as_struct().unwrap();
    assert_eq!(v2.get("string").unwrap(), &Value::from("def"));
    assert_eq!(
        v2.schema().field("string").unwrap().schema.default_value,
        Some(Value::from("abc"))
    );
    assert!(text(&buffer).starts_with("{\"task\": 1, \"seqno\": 0}\n{\"task\": 1, \"seqno\": 1}\n"));
    // Done: nothing more (after the idle wait).
    tokio::time::pause();
    assert!(task.poll().await.unwrap().is_empty());
}

struct SinkContext {
    configs: ConfigMap,
    timeouts: Mutex<Vec<u64>>,
}

impl SinkTaskContext for SinkContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }
    fn offset(&self, _offsets: HashMap<TopicPartition, i64>) {}
    fn timeout(&self, millis: u64) {
        self.timeouts.lock().unwrap().push(millis);
    }
    fn assignment(&self) -> Vec<TopicPartition> {
        Vec::new()
    }
    fn pause(&self, _partitions: &[TopicPartition]) {}
    fn resume(&self, _partitions: &[TopicPartition]) {}
    fn request_commit(&self) {}
    fn errant_record_reporter(&self) -> Option<Arc<dyn ErrantRecordReporter>> {
        None
    }
}

fn sink_context(pairs: &[(&str, &str)]) -> (Arc<SinkContext>, ConfigMap) {
    let configs = config_map(pairs);
    (
        Arc::new(SinkContext {
            configs: configs.clone(),
            timeouts: Mutex::new(Vec::new()),
        }),
        configs,
    )
}

fn sink_record(partition: i32, offset: i64, key: Value, value: Value) -> SinkRecord {
    SinkRecord {
        record: ConnectRecord {
            topic: "t".into(),
            kafka_partition: Some(partition),
            key,
            value,
            kafka_offset: Some(offset),
            ..ConnectRecord::default()
        },
        original_topic: "t".into(),
        original_kafka_partition: partition,
        original_kafka_offset: offset,
        ..SinkRecord::default()
    }
}

#[tokio::test]
async fn verifiable_sink_prints_received_then_flushed_partitions_only() {
    let (out, buffer) = Output::buffer();
    let mut task = VerifiableSinkTask::new(out);
    let (ctx, props) = sink_context(&[("name", "vk"), ("id", "0")]);
    task.start(ctx, &props).await.unwrap();
    task.put(vec![
        sink_record(0, 7, Value::Int64(3), Value::Int64(11)),
        sink_record(1, 2, Value::Int64(4), Value::Int64(12)),
    ])
    .await
    .unwrap();
    let lines: Vec<String> = text(&buffer).lines().map(untimed).collect();
    assert_eq!(
        lines,
        [
            r#"{"task":3,"seqno":11,"offset":7,"time_ms":0,"name":"vk","topic":"t","sinkTask":0}"#,
            r#"{"task":4,"seqno":12,"offset":2,"time_ms":0,"name":"vk","topic":"t","sinkTask":0}"#,
        ]
    );
    let mut offsets = HashMap::new();
    offsets.insert(TopicPartition::new("t", 1), 3);
    task.flush(&offsets).await.unwrap();
    let last = text(&buffer).lines().last().map(untimed).unwrap();
    assert_eq!(
        last,
        r#"{"task":4,"seqno":12,"offset":2,"time_ms":0,"name":"vk","topic":"t","sinkTask":0,"flushed":true}"#
    );
    assert_eq!(
        text(&buffer).lines().count(),
        3,
        "partition 0 was not flushed"
    );
}

#[tokio::test(start_paused = true)]
async fn mock_tasks_fail_after_their_delay() {
    let mut source = MockSourceTask::default();
    let (ctx, props) = context(&[("mock_mode", "task-failure"), ("delay_ms", "500")], None);
    source.start(ctx, &props).await.unwrap();
    assert!(source.poll().await.unwrap().is_empty());
    let error = source.poll().await.unwrap_err().to_string();
    assert!(error.contains("mock_mode"), "{error}");

    let mut sink = MockSinkTask::default();
    let (ctx, props) = sink_context(&[("mock_mode", "task-failure"), ("delay_ms", "400")]);
    sink.start(ctx.clone(), &props).await.unwrap();
    sink.put(Vec::new()).await.unwrap();
    assert_eq!(*ctx.timeouts.lock().unwrap(), [250, 250]);
    tokio::time::advance(Duration::from_millis(401)).await;
    assert!(sink.put(Vec::new()).await.is_err());

    let mut quiet = MockSinkTask::default();
    let (ctx, props) = sink_context(&[("mock_mode", "none")]);
    quiet.start(ctx.clone(), &props).await.unwrap();
    tokio::time::advance(Duration::from_secs(60)).await;
    quiet.put(Vec::new()).await.unwrap();
    assert!(ctx.timeouts.lock().unwrap().is_empty());
}
