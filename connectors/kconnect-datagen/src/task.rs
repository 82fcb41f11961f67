//! The source task: generates its share of the sequence, paced and bounded as configured,
//! and resumes after the last committed record.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use kconnect_api::plugin::{SourceTask, SourceTaskContext};
use kconnect_api::record::OffsetMap;
use kconnect_api::{
    ConfigMap, ConnectError, ConnectRecord, ConnectResult, Schema, SchemaRef, SourceRecord, Value,
};
use tokio::time::{sleep, sleep_until, Instant};
use tracing::info;

use crate::config::{DatagenConfig, KeyChoice};
use crate::pace::Pace;
use crate::shape::Shape;

/// Key of the source partition map: the task's number.
pub const TASK_ID_FIELD: &str = "task.id";

/// Key of the source offset map: records of the partition generated so far.
pub const ITERATION_FIELD: &str = "current.iteration";

/// How long `poll` waits before returning an empty batch once every record was generated.
pub const DEFAULT_IDLE_WAIT: Duration = Duration::from_secs(1);

/// The source partition of task `task_id`: `{"task.id": <task_id>}`.
pub fn source_partition(task_id: u64) -> OffsetMap {
    let mut partition = OffsetMap::new();
    partition.insert(
        TASK_ID_FIELD.to_string(),
        Value::Int64(i64::try_from(task_id).unwrap_or(i64::MAX)),
    );
    partition
}

/// The source offset after `iteration` records: `{"current.iteration": <iteration>}`.
pub fn source_offset(iteration: u64) -> OffsetMap {
    let mut offset = OffsetMap::new();
    offset.insert(
        ITERATION_FIELD.to_string(),
        Value::Int64(i64::try_from(iteration).unwrap_or(i64::MAX)),
    );
    offset
}

/// Generates records (see the [crate] documentation).
pub struct DatagenTask {
    idle_wait: Duration,
    state: Option<Running>,
    stopped: bool,
}

struct Running {
    /// Generates the records, in `poll`, on the thread that converts and sends them: a
    /// generator thread of its own cost more CPU per record than it saved the task's (records
    /// freed on another thread than they were built on, caches warmed on the wrong core).
    generator: Generator,
    pace: Option<Pace>,
    task_id: u64,
    /// Records of this task generated so far, for the log.
    generated: u64,
    announced_end: bool,
}

/// What generates this task's records, in order.
struct Generator {
    config: DatagenConfig,
    shape: Shape,
    /// Key schema and, for field keys, the field's index.
    key: Option<(SchemaRef, Option<usize>)>,
    /// The task's source partition, shared by all its records.
    partition: Arc<OffsetMap>,
    /// `{"current.iteration": 0}`: each record's offset is a copy with its own iteration
    /// (copying the map skips hashing its key again).
    offset: OffsetMap,
    /// Records of this task generated so far (resumed from the committed offset).
    iteration: u64,
    limit: Option<u64>,
}

impl Default for DatagenTask {
    fn default() -> Self {
        Self::new()
    }
}

impl DatagenTask {
    /// A task that has not been started.
    pub fn new() -> Self {
        Self {
            idle_wait: DEFAULT_IDLE_WAIT,
            state: None,
            stopped: false,
        }
    }

    /// Sets how long `poll` waits before returning an empty batch once the task has
    /// generated all its records (default [`DEFAULT_IDLE_WAIT`]).
    pub fn with_idle_wait(mut self, wait: Duration) -> Self {
        self.idle_wait = wait;
        self
    }
}

/// The iteration stored in a committed offset: 0 when there is none.
fn stored_iteration(offset: Option<&OffsetMap>) -> ConnectResult<u64> {
    match offset.and_then(|o| o.get(ITERATION_FIELD)) {
        None | Some(Value::Null) => Ok(0),
        Some(value) => value
            .as_i64()
            .and_then(|i| u64::try_from(i).ok())
            .ok_or_else(|| {
                ConnectError::other(format!(
                    "Offset {ITERATION_FIELD} is the incorrect type: expected a non-negative \
                     integer, found {value} ({})",
                    value.java_class_name()
                ))
            }),
    }
}

#[async_trait]
impl SourceTask for DatagenTask {
    async fn start(
        &mut self,
        context: Arc<dyn SourceTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        let config = DatagenConfig::parse(props)?;
        let shape = Shape::new(config.shape)?;
        let key = match &config.key {
            KeyChoice::None => None,
            KeyChoice::Sequence => Some((Schema::int64(), None)),
            KeyChoice::Field(name) => {
                let field = shape.schema().field(name).ok_or_else(|| {
                    ConnectError::other(format!("The schema has no field named {name}"))
                })?;
                Some((field.schema.clone(), Some(field.index)))
            }
        };
        let partition = source_partition(config.task_id);
        let stored = context.offset_storage_reader().offset(&partition).await?;
        let iteration = stored_iteration(stored.as_ref())?;
        if iteration > 0 {
            info!(
                "Datagen task {} resuming after {iteration} records",
                config.task_id
            );
        }
        let generator = Generator {
            limit: config.task_records(),
            config,
            shape,
            key,
            partition: Arc::new(partition),
            offset: source_offset(0),
            iteration,
        };
        let pace = generator
            .config
            .task_rate()
            .map(|r| Pace::new(r, Instant::now()));
        let task_id = generator.config.task_id;
        self.state = Some(Running {
            generator,
            pace,
            task_id,
            generated: iteration,
            announced_end: false,
        });
        self.stopped = false;
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        let Some(running) = self.state.as_mut() else {
            return if self.stopped {
                Ok(Vec::new())
            } else {
                Err(ConnectError::other("DatagenTask polled before start"))
            };
        };
        let generator = &mut running.generator;
        let remaining = generator.remaining();
        if remaining == 0 {
            return Ok(running.idle(self.idle_wait).await);
        }
        let mut count = remaining.min(generator.config.batch_size as u64);
        if let Some(pace) = running.pace.as_mut() {
            loop {
                match pace.allowed(Instant::now()) {
                    Ok(allowed) => {
                        count = count.min(allowed);
                        pace.emitted(count);
                        break;
                    }
                    Err(due) => sleep_until(due).await,
                }
            }
        }
        running.generated += count;
        Ok(generator.generate(count))
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        self.state = None;
        self.stopped = true;
        Ok(())
    }
}

impl Running {
    /// Waits when there is nothing left to generate, so that an idle task does not spin.
    async fn idle(&mut self, wait: Duration) -> Vec<SourceRecord> {
        if !self.announced_end {
            self.announced_end = true;
            info!(
                "Datagen task {} generated all its {} records; idling",
                self.task_id, self.generated
            );
        }
        sleep(wait).await;
        Vec::new()
    }
}

impl Generator {
    /// Records still to generate (`u64::MAX` when unlimited).
    fn remaining(&self) -> u64 {
        self.limit
            .map_or(u64::MAX, |l| l.saturating_sub(self.iteration))
    }

    /// The source offset after `iteration` records (as [`source_offset`]).
    fn offset_after(&self, iteration: u64) -> OffsetMap {
        let mut offset = self.offset.clone();
        if let Some((_, value)) = offset.get_index_mut(0) {
            *value = Value::Int64(i64::try_from(iteration).unwrap_or(i64::MAX));
        }
        offset
    }

    /// The next `count` records of this task.
    fn generate(&mut self, count: u64) -> Vec<SourceRecord> {
        let timestamp = now_millis();
        let schema = self.shape.schema().clone();
        let mut records = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for _ in 0..count {
            let sequence = self.config.sequence(self.iteration);
            let value = self.shape.value(self.config.seed, sequence);
            let (key_schema, key) = match &self.key {
                None => (None, Value::Null),
                Some((schema, None)) => (
                    Some(schema.clone()),
                    Value::Int64(i64::try_from(sequence).unwrap_or(i64::MAX)),
                ),
                Some((schema, Some(index))) => {
                    let key = value
                        .as_struct()
                        .map_or(Value::Null, |s| s.get_at(*index).clone());
                    (Some(schema.clone()), key)
                }
            };
            self.iteration += 1;
            records.push(SourceRecord {
                record: ConnectRecord {
                    topic: self.config.topic.clone(),
                    key_schema,
                    key,
                    value_schema: Some(schema.clone()),
                    value,
                    timestamp: Some(timestamp),
                    ..ConnectRecord::default()
                },
                source_partition: Some(self.partition.clone()),
                source_offset: Some(self.offset_after(self.iteration)),
            });
        }
        records
    }
}

/// Wall-clock time in epoch milliseconds.
fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
#[path = "task_tests.rs"]
mod tests;
