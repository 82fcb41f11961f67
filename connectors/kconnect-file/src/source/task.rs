//! The source task: reads its file in large chunks and turns complete lines into records.

use std::io::{self, SeekFrom};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use kconnect_api::plugin::{SourceTask, SourceTaskContext};
use kconnect_api::record::OffsetMap;
use kconnect_api::{
    ConfigMap, ConnectError, ConnectRecord, ConnectResult, Schema, SourceRecord, Value,
};
use tokio::fs::File;
use tokio::io::{AsyncRead, AsyncSeekExt};
use tokio::time::{sleep_until, timeout_at, Instant};
use tracing::{debug, warn};

use super::config::{source_offset, source_partition, SourceConfig, POSITION_FIELD};
use super::lines::LineBuffer;

/// Bytes asked for by each read: large enough that a poll needs few system calls.
const READ_CHUNK: usize = 256 * 1024;

/// How long `poll` waits for data (or for the file to appear) by default, as Java does.
pub const DEFAULT_IDLE_WAIT: Duration = Duration::from_secs(1);

type Input = Box<dyn AsyncRead + Unpin + Send>;

/// Reads lines from a file or standard input (Java
/// `org.apache.kafka.connect.file.FileStreamSourceTask`).
///
/// The file is opened on the first `poll`, after which the task seeks to the stored source
/// offset. A missing file is retried on later polls. Each record is one line; its source offset
/// is the byte position just after the line's terminator. An unterminated last line is held
/// back until its terminator arrives.
///
/// `poll` may be cancelled at any await point without losing or repeating lines: bytes read
/// are kept in the task's buffer, and the position only advances for lines that are returned.
pub struct FileStreamSourceTask {
    idle_wait: Duration,
    state: Option<Running>,
    stopped: bool,
}

/// The state of a started task.
struct Running {
    context: Arc<dyn SourceTaskContext>,
    config: SourceConfig,
    /// `None` until the file is open.
    input: Option<Input>,
    lines: LineBuffer,
    /// The file's source partition; `None` when reading standard input (no offsets).
    partition: Option<Arc<OffsetMap>>,
    /// Bytes of the file consumed by the records returned so far.
    position: i64,
}

impl Default for FileStreamSourceTask {
    fn default() -> Self {
        Self::new()
    }
}

impl FileStreamSourceTask {
    /// A task that has not been started.
    pub fn new() -> Self {
        Self {
            idle_wait: DEFAULT_IDLE_WAIT,
            state: None,
            stopped: false,
        }
    }

    /// Sets how long `poll` waits for new data, or for a missing file to appear, before it
    /// returns an empty batch (default [`DEFAULT_IDLE_WAIT`]).
    pub fn with_idle_wait(mut self, wait: Duration) -> Self {
        self.idle_wait = wait;
        self
    }
}

#[async_trait]
impl SourceTask for FileStreamSourceTask {
    async fn start(
        &mut self,
        context: Arc<dyn SourceTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        let config = SourceConfig::parse(props)?;
        let partition = config
            .file
            .as_deref()
            .map(|f| Arc::new(source_partition(f)));
        let input: Option<Input> = match config.file {
            Some(_) => None,
            None => Some(Box::new(tokio::io::stdin())),
        };
        self.state = Some(Running {
            context,
            config,
            input,
            lines: LineBuffer::new(),
            partition,
            position: 0,
        });
        self.stopped = false;
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        let deadline = Instant::now() + self.idle_wait;
        let Some(running) = self.state.as_mut() else {
            return if self.stopped {
                Ok(Vec::new())
            } else {
                Err(ConnectError::other(
                    "FileStreamSourceTask polled before start",
                ))
            };
        };
        if running.input.is_none() && !running.open().await? {
            sleep_until(deadline).await;
            return Ok(Vec::new());
        }
        running.read_batch(deadline).await
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        // Dropping the input closes the file.
        self.state = None;
        self.stopped = true;
        Ok(())
    }
}

impl Running {
    /// Opens the file and seeks to the stored position. `Ok(false)`: the file does not exist
    /// yet. Nothing is recorded until everything succeeded, so a cancelled call is simply
    /// repeated by the next poll.
    async fn open(&mut self) -> ConnectResult<bool> {
        let (Some(path), Some(partition)) = (&self.config.file, &self.partition) else {
            return Ok(true);
        };
        let mut file = match File::open(path).await {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                warn!("Couldn't find file {path} for FileStreamSourceTask, waiting for it to be created");
                return Ok(false);
            }
            Err(e) => {
                return Err(ConnectError::other(format!(
                    "Error while trying to open file {path}: {e}"
                )))
            }
        };
        let stored = self
            .context
            .offset_storage_reader()
            .offset(partition)
            .await?;
        let position = stored_position(stored.as_ref())?;
        if let Ok(skip @ 1..) = u64::try_from(position) {
            file.seek(SeekFrom::Start(skip)).await.map_err(|e| {
                ConnectError::other(format!(
                    "Error while trying to seek to offset {position} in file {path}: {e}"
                ))
            })?;
            debug!("Resuming {path} at byte {position}");
        }
        self.position = position;
        self.input = Some(Box::new(file));
        Ok(true)
    }

    /// Reads until a full batch of lines is buffered, the input has nothing more for now, or
    /// `deadline` passes; then returns the buffered lines (at most one batch) as records.
    /// When there is nothing to return it waits until `deadline`, so an idle task does not
    /// spin.
    async fn read_batch(&mut self, deadline: Instant) -> ConnectResult<Vec<SourceRecord>> {
        let batch = self.config.batch_size;
        let mut drained = false;
        loop {
            let ready = self.lines.complete_lines();
            if ready >= batch || (ready > 0 && drained) {
                break;
            }
            let Some(input) = self.input.as_mut() else {
                break;
            };
            match timeout_at(deadline, self.lines.fill(input, READ_CHUNK)).await {
                // Nothing arrived in time (a pipe or terminal that is quiet).
                Err(_) => break,
                // End of the data for now.
                Ok(Ok(0)) => {
                    if ready == 0 {
                        sleep_until(deadline).await;
                    }
                    break;
                }
                // A short read means the input had no more at hand.
                Ok(Ok(n)) => drained = n < READ_CHUNK,
                Ok(Err(e)) => {
                    return Err(ConnectError::other(format!(
                        "Error while reading from {}: {e}",
                        self.config.file.as_deref().unwrap_or("standard input")
                    )))
                }
            }
        }
        Ok(self.take_records())
    }

    /// Turns up to one batch of buffered lines into records, advancing the position.
    fn take_records(&mut self) -> Vec<SourceRecord> {
        let lines = self.lines.take(self.config.batch_size);
        if lines.is_empty() {
            return Vec::new();
        }
        let timestamp = now_millis();
        let schema = Schema::string();
        let mut records = Vec::with_capacity(lines.len());
        for line in lines {
            let (source_partition, source_offset) = match &self.partition {
                Some(partition) => {
                    let len = i64::try_from(line.len).unwrap_or(i64::MAX);
                    self.position = self.position.saturating_add(len);
                    (Some(partition.clone()), Some(source_offset(self.position)))
                }
                None => (None, None),
            };
            records.push(SourceRecord {
                record: ConnectRecord {
                    topic: self.config.topic.clone(),
                    kafka_partition: None,
                    key_schema: None,
                    key: Value::Null,
                    value_schema: Some(schema.clone()),
                    value: Value::String(line.text),
                    timestamp: Some(timestamp),
                    ..ConnectRecord::default()
                },
                source_partition,
                source_offset,
            });
        }
        records
    }
}

/// The position stored in a committed offset: 0 when there is none.
fn stored_position(offset: Option<&OffsetMap>) -> ConnectResult<i64> {
    match offset.and_then(|o| o.get(POSITION_FIELD)) {
        None | Some(Value::Null) => Ok(0),
        Some(value) => value.as_i64().filter(|p| *p >= 0).ok_or_else(|| {
            ConnectError::other(format!(
                "Offset position is the incorrect type: expected a non-negative integer, \
                 found {value} ({})",
                value.java_class_name()
            ))
        }),
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
mod tests {
    use super::*;

    #[test]
    fn stored_positions() {
        assert_eq!(stored_position(None).unwrap(), 0);
        assert_eq!(stored_position(Some(&source_offset(17))).unwrap(), 17);
        let mut null = OffsetMap::new();
        null.insert(POSITION_FIELD.into(), Value::Null);
        assert_eq!(stored_position(Some(&null)).unwrap(), 0);
        assert!(stored_position(Some(&source_offset(-1))).is_err());
        let mut text = OffsetMap::new();
        text.insert(POSITION_FIELD.into(), Value::from("3"));
        let err = stored_position(Some(&text)).unwrap_err();
        assert!(err.to_string().contains("incorrect type"), "{err}");
    }

    #[tokio::test]
    async fn poll_before_start_fails_and_after_stop_is_empty() {
        let mut task = FileStreamSourceTask::new();
        assert!(task.poll().await.is_err());
        task.stop().await.unwrap();
        assert!(task.poll().await.unwrap().is_empty());
    }
}
