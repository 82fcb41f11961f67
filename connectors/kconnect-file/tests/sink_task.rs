//! FileStreamSinkTask against real files.

// Test helpers may panic freely.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use common::SinkContext;
use kconnect_api::plugin::SinkTask;
use kconnect_api::{config_map, ConnectError, ConnectRecord, SinkRecord, Value};
use kconnect_file::FileStreamSinkTask;

fn record(offset: i64, value: Value) -> SinkRecord {
    SinkRecord {
        record: ConnectRecord {
            kafka_offset: Some(offset),
            ..ConnectRecord::new("topic", None, value)
        },
        original_topic: "topic".into(),
        original_kafka_offset: offset,
        ..SinkRecord::default()
    }
}

async fn started(path: &Path) -> FileStreamSinkTask {
    let config = config_map(&[
        ("file", path.to_str().unwrap()),
        ("topics", "topic"),
        ("name", "sink"),
    ]);
    let mut task = FileStreamSinkTask::new();
    let context = Arc::new(SinkContext {
        configs: config.clone(),
    });
    task.start(context, &config).await.unwrap();
    task
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[tokio::test]
async fn writes_java_renderings_one_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let mut task = started(&path).await;
    task.put(vec![
        record(0, Value::from("héllo")),
        record(1, Value::Int32(42)),
        record(2, Value::Null),
        record(3, Value::Float64(1.0)),
        record(4, Value::Array(vec![Value::Int64(1), Value::from("x")])),
        record(5, Value::Boolean(true)),
    ])
    .await
    .unwrap();
    task.flush(&HashMap::new()).await.unwrap();
    assert_eq!(read(&path), "héllo\n42\nnull\n1.0\n[1, x]\ntrue\n");
    task.stop().await.unwrap();
}

#[tokio::test]
async fn appends_to_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    std::fs::write(&path, "earlier\n").unwrap();
    let mut task = started(&path).await;
    task.put(vec![record(0, Value::from("later"))])
        .await
        .unwrap();
    // Records put are in the file right away (Java prints each one straight to the file).
    assert_eq!(read(&path), "earlier\nlater\n");
    task.put(Vec::new()).await.unwrap();
    task.flush(&HashMap::new()).await.unwrap();
    assert_eq!(read(&path), "earlier\nlater\n");
}

#[tokio::test]
async fn pre_commit_and_stop_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let mut task = started(&path).await;
    task.put(vec![record(0, Value::from("a"))]).await.unwrap();
    let offsets = HashMap::from([(kconnect_api::TopicPartition::new("topic", 0), 1)]);
    assert_eq!(task.pre_commit(offsets.clone()).await.unwrap(), offsets);
    assert_eq!(read(&path), "a\n");
    task.put(vec![record(1, Value::from("b"))]).await.unwrap();
    task.stop().await.unwrap();
    assert_eq!(read(&path), "a\nb\n");
    // A stopped task refuses new records.
    assert!(task.put(vec![record(2, Value::from("c"))]).await.is_err());
}

#[tokio::test]
async fn many_records_in_many_batches() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let mut task = started(&path).await;
    for batch in 0..100 {
        let records = (0..500)
            .map(|i| record(batch * 500 + i, Value::Int64(batch * 500 + i)))
            .collect();
        task.put(records).await.unwrap();
    }
    task.flush(&HashMap::new()).await.unwrap();
    let content = read(&path);
    let lines: Vec<&str> = content.lines().collect();
    assert_eq!(lines.len(), 50_000);
    assert_eq!(lines[0], "0");
    assert_eq!(lines[49_999], "49999");
}

#[tokio::test]
async fn unopenable_file_fails_start_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("out.txt");
    let config = config_map(&[("file", path.to_str().unwrap())]);
    let mut task = FileStreamSinkTask::new();
    let context = Arc::new(SinkContext {
        configs: config.clone(),
    });
    let err = task.start(context, &config).await.unwrap_err();
    assert!(matches!(err, ConnectError::Other(_)));
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}
