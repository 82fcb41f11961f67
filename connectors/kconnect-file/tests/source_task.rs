//! FileStreamSourceTask against real files.

// Test helpers may panic freely.
#![allow(clippy::unwrap_used)]

mod common;

use std::future::{poll_fn, Future};
use std::io::Write;
use std::path::Path;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{MemoryOffsets, SourceContext};
use kconnect_api::plugin::SourceTask;
use kconnect_api::{config_map, Schema, SourceRecord, Value};
use kconnect_file::source::{source_offset, source_partition};
use kconnect_file::FileStreamSourceTask;

const WAIT: Duration = Duration::from_millis(50);

fn append(path: &Path, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(bytes).unwrap();
}

async fn started(path: &Path, batch: usize, offsets: Arc<MemoryOffsets>) -> FileStreamSourceTask {
    let file = path.to_str().unwrap();
    let batch = batch.to_string();
    let config = config_map(&[("file", file), ("topic", "lines"), ("batch.size", &batch)]);
    let mut task = FileStreamSourceTask::new().with_idle_wait(WAIT);
    let context = Arc::new(SourceContext {
        configs: config.clone(),
        offsets,
    });
    task.start(context, &config).await.unwrap();
    task
}

fn texts(records: &[SourceRecord]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r.record.value.as_str().unwrap())
        .collect()
}

fn positions(records: &[SourceRecord]) -> Vec<i64> {
    records
        .iter()
        .map(|r| {
            let offset = r.source_offset.as_ref().unwrap();
            offset.get("position").and_then(Value::as_i64).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn records_carry_line_partition_and_byte_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    append(
        &path,
        "plain\r\nnaïve\rüber\n\n日本語\nunterminated".as_bytes(),
    );
    let mut task = started(&path, 100, Arc::default()).await;
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let records = task.poll().await.unwrap();
    assert_eq!(texts(&records), ["plain", "naïve", "über", "", "日本語"]);
    // Bytes: "plain\r\n" 7, "naïve\r" 7, "über\n" 6, "\n" 1, "日本語\n" 10.
    assert_eq!(positions(&records), [7, 14, 20, 21, 31]);
    let partition = source_partition(path.to_str().unwrap());
    for record in &records {
        assert_eq!(record.source_partition.as_deref(), Some(&partition));
        assert_eq!(record.record.topic, "lines");
        assert_eq!(record.record.kafka_partition, None);
        assert_eq!(record.record.key, Value::Null);
        assert!(record.record.key_schema.is_none());
        assert_eq!(record.record.value_schema, Some(Schema::string()));
        let timestamp = record.record.timestamp.unwrap();
        assert!((timestamp - before.as_millis() as i64).abs() < 10_000);
    }
    // The unterminated tail is held back until its terminator arrives.
    assert!(task.poll().await.unwrap().is_empty());
    append(&path, b"\n");
    let records = task.poll().await.unwrap();
    assert_eq!(texts(&records), ["unterminated"]);
    assert_eq!(positions(&records), [44]);
    task.stop().await.unwrap();
}

#[tokio::test]
async fn trailing_carriage_return_waits_for_the_next_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    append(&path, b"a\r");
    let mut task = started(&path, 10, Arc::default()).await;
    assert!(task.poll().await.unwrap().is_empty());
    append(&path, b"\nb\r");
    let records = task.poll().await.unwrap();
    assert_eq!(texts(&records), ["a"]);
    assert_eq!(positions(&records), [3]);
    append(&path, b"c\n");
    let records = task.poll().await.unwrap();
    assert_eq!(texts(&records), ["b", "c"]);
    assert_eq!(positions(&records), [5, 7]);
}

#[tokio::test]
async fn batch_size_limits_each_poll() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    let content: String = (0..10).map(|i| format!("line {i}\n")).collect();
    append(&path, content.as_bytes());
    let mut task = started(&path, 3, Arc::default()).await;
    let mut sizes = Vec::new();
    let mut all = Vec::new();
    for _ in 0..4 {
        let records = task.poll().await.unwrap();
        sizes.push(records.len());
        all.extend(records);
    }
    assert_eq!(sizes, [3, 3, 3, 1]);
    let expected: Vec<String> = (0..10).map(|i| format!("line {i}")).collect();
    assert_eq!(texts(&all), expected);
}

#[tokio::test]
async fn resumes_after_the_stored_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    append(&path, "één\ntwee\r\ndrie\rvier\nvijf\n".as_bytes());
    let mut first = started(&path, 3, Arc::default()).await;
    let records = first.poll().await.unwrap();
    assert_eq!(texts(&records), ["één", "twee", "drie"]);
    first.stop().await.unwrap();

    // Commit the offset of the second record only, as a runtime would after acknowledgement.
    let offsets = Arc::new(MemoryOffsets::default());
    let committed = records[1].source_offset.clone().unwrap();
    assert_eq!(committed, source_offset(12));
    offsets.commit(
        records[1].source_partition.as_deref().cloned().unwrap(),
        committed,
    );

    let mut second = started(&path, 100, offsets).await;
    let records = second.poll().await.unwrap();
    assert_eq!(texts(&records), ["drie", "vier", "vijf"]);
    assert_eq!(positions(&records), [17, 22, 27]);
}

#[tokio::test]
async fn missing_file_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.txt");
    let mut task = started(&path, 10, Arc::default()).await;
    let start = Instant::now();
    assert!(task.poll().await.unwrap().is_empty());
    assert!(start.elapsed() >= WAIT);
    append(&path, b"hello\n");
    assert_eq!(texts(&task.poll().await.unwrap()), ["hello"]);
}

#[tokio::test]
async fn appended_data_is_picked_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    append(&path, b"one\ntwo\n");
    let mut task = started(&path, 10, Arc::default()).await;
    assert_eq!(texts(&task.poll().await.unwrap()), ["one", "two"]);
    let start = Instant::now();
    assert!(task.poll().await.unwrap().is_empty());
    assert!(start.elapsed() >= WAIT);
    append(&path, b"three\nfour");
    let records = task.poll().await.unwrap();
    assert_eq!(texts(&records), ["three"]);
    assert_eq!(positions(&records), [14]);
    append(&path, b"\n");
    assert_eq!(texts(&task.poll().await.unwrap()), ["four"]);
}

#[tokio::test]
async fn lines_longer_than_a_read_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    let long = "é".repeat(400_000);
    append(&path, format!("{long}\r\nshort\n{long}\n").as_bytes());
    let mut task = started(&path, 10, Arc::default()).await;
    let mut records = Vec::new();
    while records.len() < 3 {
        records.extend(task.poll().await.unwrap());
    }
    assert_eq!(records[0].record.value.as_str(), Some(long.as_str()));
    assert_eq!(records[1].record.value.as_str(), Some("short"));
    assert_eq!(records[2].record.value.as_str(), Some(long.as_str()));
    assert_eq!(positions(&records), [800_002, 800_008, 1_600_009]);
}

/// Polls `future` at most `budget` times, yielding in between, then drops it.
async fn poll_with_budget<F: Future>(future: F, budget: usize) -> Option<F::Output> {
    let mut future = pin!(future);
    for _ in 0..budget {
        let step = poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
        if let Poll::Ready(output) = step {
            return Some(output);
        }
        tokio::task::yield_now().await;
    }
    None
}

#[tokio::test]
async fn cancelled_polls_lose_and_repeat_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    append(&path, b"");
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        for chunk in 0..50 {
            let lines: String = (chunk * 100..chunk * 100 + 100)
                .map(|i| format!("{i}\n"))
                .collect();
            // Split a line across writes now and then.
            let (head, tail) = lines.split_at(lines.len() - 2);
            append(&writer_path, head.as_bytes());
            append(&writer_path, tail.as_bytes());
            std::thread::sleep(Duration::from_micros(300));
        }
    });
    let config = config_map(&[
        ("file", path.to_str().unwrap()),
        ("topic", "t"),
        ("batch.size", "64"),
    ]);
    let mut task = FileStreamSourceTask::new().with_idle_wait(Duration::from_millis(2));
    let context = Arc::new(SourceContext {
        configs: config.clone(),
        offsets: Arc::default(),
    });
    task.start(context, &config).await.unwrap();
    let mut all = Vec::new();
    let (mut attempt, mut cancelled) = (0usize, 0usize);
    while all.len() < 5000 && attempt < 1_000_000 {
        attempt += 1;
        match poll_with_budget(task.poll(), attempt % 5 + 1).await {
            Some(records) => all.extend(records.unwrap()),
            None => cancelled += 1,
        }
    }
    writer.join().unwrap();
    eprintln!("{attempt} polls, {cancelled} cancelled");
    assert!(cancelled > 0);
    let expected: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
    assert_eq!(texts(&all), expected);
    let size = std::fs::metadata(&path).unwrap().len() as i64;
    assert_eq!(positions(&all).last().copied(), Some(size));
}

#[tokio::test]
async fn reads_a_large_file_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    let content: String = (0..100_000)
        .map(|i| format!("record number {i:06} with some padding text\n"))
        .collect();
    append(&path, content.as_bytes());
    let mut task = started(&path, 2000, Arc::default()).await;
    let start = Instant::now();
    let mut count = 0;
    let mut last = None;
    while count < 100_000 {
        let records = task.poll().await.unwrap();
        assert!(!records.is_empty() && records.len() <= 2000);
        count += records.len();
        last = records.last().cloned();
    }
    let elapsed = start.elapsed();
    eprintln!("read 100000 lines in {elapsed:?}");
    assert_eq!(count, 100_000);
    let last = last.unwrap();
    assert_eq!(
        last.record.value.as_str(),
        Some("record number 099999 with some padding text")
    );
    assert_eq!(
        last.source_offset,
        Some(source_offset(content.len() as i64))
    );
    // Generous bound for loaded, unoptimized test builds; release builds take a few ms.
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
}

#[tokio::test]
async fn start_rejects_invalid_config() {
    let config = config_map(&[("file", "/tmp/x"), ("topic", "t"), ("batch.size", "0")]);
    let mut task = FileStreamSourceTask::new();
    let context = Arc::new(SourceContext {
        configs: config.clone(),
        offsets: Arc::default(),
    });
    let err = task.start(context, &config).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid value 0 for configuration batch.size: Value must be at least 1"
    );
    assert_eq!(
        err.java_class(),
        "org.apache.kafka.common.config.ConfigException"
    );
}
