use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::config_map;
use kconnect_api::plugin::{OffsetStorageReader, SourceTaskContext};

use super::*;
use crate::config::{TASK_COUNT_CONFIG, TASK_ID_CONFIG};

struct Stored(Option<OffsetMap>);

#[async_trait]
impl OffsetStorageReader for Stored {
    async fn offset(&self, _partition: &OffsetMap) -> ConnectResult<Option<OffsetMap>> {
        Ok(self.0.clone())
    }
}

struct Context {
    configs: ConfigMap,
    reader: Arc<Stored>,
}

impl SourceTaskContext for Context {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }
    fn offset_storage_reader(&self) -> Arc<dyn OffsetStorageReader> {
        self.reader.clone()
    }
}

fn props(pairs: &[(&str, &str)]) -> ConfigMap {
    let mut map = config_map(pairs);
    map.entry("kafka.topic".into()).or_insert("t".into());
    map
}

async fn started(pairs: &[(&str, &str)], stored: Option<OffsetMap>) -> DatagenTask {
    let configs = props(pairs);
    let context = Arc::new(Context {
        configs: configs.clone(),
        reader: Arc::new(Stored(stored)),
    });
    let mut task = DatagenTask::new().with_idle_wait(Duration::from_millis(1));
    task.start(context, &configs).await.unwrap();
    task
}

/// Polls until `count` records arrived (or a poll comes back empty).
async fn drain(task: &mut DatagenTask, count: usize) -> Vec<SourceRecord> {
    let mut out = Vec::new();
    while out.len() < count {
        let batch = task.poll().await.unwrap();
        if batch.is_empty() {
            break;
        }
        out.extend(batch);
    }
    out
}

fn ids(records: &[SourceRecord]) -> Vec<i64> {
    records
        .iter()
        .map(|r| {
            let s = r.record.value.as_struct().unwrap();
            s.get("id").unwrap().as_i64().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn generates_max_records_in_batches_then_idles() {
    let mut task = started(
        &[("max.records", "25"), ("batch.size", "10"), ("seed", "5")],
        None,
    )
    .await;
    let first = task.poll().await.unwrap();
    assert_eq!(first.len(), 10);
    let mut all = first;
    all.extend(drain(&mut task, 100).await);
    assert_eq!(all.len(), 25);
    assert_eq!(ids(&all), (0..25).collect::<Vec<_>>());
    let shape = Shape::new(crate::shape::ShapeKind::Struct10).unwrap();
    for (i, r) in all.iter().enumerate() {
        assert_eq!(r.record.topic, "t");
        assert_eq!(r.record.value, shape.value(5, i as u64));
        assert_eq!(r.record.value_schema.as_ref(), Some(shape.schema()));
        assert_eq!(r.record.key, Value::Null);
        assert_eq!(r.record.key_schema, None);
        assert_eq!(r.source_partition.as_deref(), Some(&source_partition(0)));
        assert_eq!(r.source_offset, Some(source_offset(i as u64 + 1)));
        assert!(r.record.timestamp.is_some());
    }
    assert!(task.poll().await.unwrap().is_empty());
}

#[tokio::test]
async fn resumes_after_the_committed_offset() {
    let mut task = started(&[("max.records", "10")], Some(source_offset(7))).await;
    let records = drain(&mut task, 100).await;
    assert_eq!(ids(&records), [7, 8, 9]);
    assert_eq!(records[0].source_offset, Some(source_offset(8)));
    let mut bad = OffsetMap::new();
    bad.insert(ITERATION_FIELD.into(), Value::from("x"));
    let configs = props(&[]);
    let context = Arc::new(Context {
        configs: configs.clone(),
        reader: Arc::new(Stored(Some(bad))),
    });
    let err = DatagenTask::new()
        .start(context, &configs)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("incorrect type"), "{err}");
}

#[tokio::test]
async fn tasks_generate_disjoint_sequences() {
    let mut seen = Vec::new();
    for t in 0..3 {
        let id = t.to_string();
        let mut task = started(
            &[
                ("max.records", "20"),
                (TASK_ID_CONFIG, &id),
                (TASK_COUNT_CONFIG, "3"),
            ],
            None,
        )
        .await;
        let records = drain(&mut task, 100).await;
        assert!(records
            .iter()
            .all(|r| r.source_partition.as_deref() == Some(&source_partition(t))));
        seen.extend(ids(&records));
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..20).collect::<Vec<_>>());
}

#[tokio::test]
async fn keys_follow_the_choice() {
    let mut task = started(&[("key", "sequence"), ("max.records", "3")], None).await;
    let records = drain(&mut task, 3).await;
    assert_eq!(records[2].record.key, Value::Int64(2));
    assert_eq!(records[2].record.key_schema, Some(Schema::int64()));
    let mut task = started(&[("key", "email"), ("max.records", "3")], None).await;
    let records = drain(&mut task, 3).await;
    let value = records[1].record.value.as_struct().unwrap();
    assert_eq!(&records[1].record.key, value.get("email").unwrap());
    assert_eq!(records[1].record.key_schema, Some(Schema::string()));
    let mut task = started(&[("schema", "string"), ("string.length", "5")], None).await;
    let records = task.poll().await.unwrap();
    assert_eq!(records.len(), 1000);
    assert_eq!(records[0].record.value.as_str().map(str::len), Some(5));
}

#[tokio::test(start_paused = true)]
async fn rate_limit_spreads_records() {
    let mut task = started(&[("records.per.second", "200")], None).await;
    let start = Instant::now();
    let mut total = 0;
    while total < 101 {
        total += task.poll().await.unwrap().len();
    }
    // Record 100 is due 0.5 s after the first.
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(495) && elapsed <= Duration::from_millis(520),
        "{elapsed:?}"
    );
    assert_eq!(total, 101);
}

#[tokio::test]
async fn poll_before_start_fails_and_after_stop_is_empty() {
    let mut task = DatagenTask::new();
    assert!(task.poll().await.is_err());
    task.stop().await.unwrap();
    assert!(task.poll().await.unwrap().is_empty());
}

#[test]
fn stored_iterations() {
    assert_eq!(stored_iteration(None).unwrap(), 0);
    assert_eq!(stored_iteration(Some(&source_offset(4))).unwrap(), 4);
    let mut negative = OffsetMap::new();
    negative.insert(ITERATION_FIELD.into(), Value::Int64(-1));
    assert!(stored_iteration(Some(&negative)).is_err());
}
