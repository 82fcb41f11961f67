//! `VerifiableSourceConnector`: increasing sequence numbers, one source partition per task,
//! printed as they are produced and as Kafka acknowledges them.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use kconnect_api::plugin::{RecordMetadata, SourceTask, SourceTaskContext};
use kconnect_api::record::OffsetMap;
use kconnect_api::{
    ConfigMap, ConnectRecord, ConnectResult, Schema, SchemaBuilder, SchemaRef, SourceRecord,
    Struct, Value,
};
use tokio::time::{sleep, Instant};
use tracing::info;

use crate::json_line::{connect_to_json, JsonLine, Output};
use crate::numbered::{parse_number, resume_seqno, ID_CONFIG};
use crate::throttle::{Throttle, IDLE_WAIT};
use crate::MAX_BATCH;

/// Java class name of the task.
pub const VERIFIABLE_SOURCE_TASK_CLASS: &str =
    "org.apache.kafka.connect.tools.VerifiableSourceTask";

/// Target topic.
pub const TOPIC_CONFIG: &str = "topic";
/// Records per second per task (negative: no limit).
pub const THROUGHPUT_CONFIG: &str = "throughput";
/// `true`: values are structs of the printed fields rather than the bare seqno.
pub const COMPLETE_RECORD_DATA_CONFIG: &str = "complete.record.data";

numbered_connector!(
    VerifiableSourceConnector,
    "The connector (see the [module](self) documentation).",
    VERIFIABLE_SOURCE_TASK_CLASS,
    SourceConnector,
    SourceTask,
    VerifiableSourceTask::new(Output::stdout())
);

/// The schema of complete record data.
fn complete_schema() -> ConnectResult<SchemaRef> {
    SchemaBuilder::struct_()
        .field("name", Schema::string())
        .field("task", Schema::int32())
        .field("topic", Schema::string())
        .field("time_ms", Schema::int64())
        .field("seqno", Schema::int64())
        .build()
}

/// The task.
pub struct VerifiableSourceTask {
    output: Output,
    state: Option<Running>,
}

struct Running {
    name: Option<String>,
    id: i32,
    topic: String,
    partition: Arc<OffsetMap>,
    starting_seqno: i64,
    seqno: i64,
    throttle: Throttle,
    complete: Option<SchemaRef>,
}

impl VerifiableSourceTask {
    /// A task that prints to `output`.
    pub fn new(output: Output) -> Self {
        Self {
            output,
            state: None,
        }
    }
}

/// The source partition of task `id`: `{"id": id}`.
fn source_partition(id: i32) -> OffsetMap {
    let mut partition = OffsetMap::new();
    partition.insert(ID_CONFIG.to_string(), Value::Int32(id));
    partition
}

/// Wall-clock time in epoch milliseconds.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Running {
    /// The printed fields of a record.
    fn line(&self, time_ms: i64, seqno: impl Into<serde_json::Value>) -> JsonLine {
        let mut line = JsonLine::new();
        line.put("name", self.name.clone())
            .put("task", self.id)
            .put("topic", self.topic.as_str())
            .put("time_ms", time_ms)
            .put("seqno", seqno);
        line
    }

    /// The record carrying `seqno`.
    fn record(&self, time_ms: i64) -> ConnectResult<SourceRecord> {
        let (value_schema, value) = match &self.complete {
            None => (Schema::int64(), Value::Int64(self.seqno)),
            Some(schema) => {
                let mut data = Struct::new(schema.clone())?;
                data.put("name", Value::from(self.name.clone().unwrap_or_default()))?
                    .put("task", self.id)?
                    .put("topic", self.topic.as_str())?
                    .put("time_ms", time_ms)?
                    .put("seqno", self.seqno)?;
                (schema.clone(), Value::Struct(data))
            }
        };
        let mut offset = OffsetMap::new();
        offset.insert("seqno".to_string(), Value::Int64(self.seqno));
        Ok(SourceRecord {
            record: ConnectRecord {
                topic: self.topic.clone(),
                key_schema: Some(Schema::int32()),
                key: Value::Int32(self.id),
                value_schema: Some(value_schema),
                value,
                ..ConnectRecord::default()
            },
            source_partition: Some(self.partition.clone()),
            source_offset: Some(offset),
        })
    }
}

#[async_trait]
impl SourceTask for VerifiableSourceTask {
    async fn start(
        &mut self,
        context: Arc<dyn SourceTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        let task = "VerifiableSourceTask";
        let id: i32 = parse_number(props, ID_CONFIG, task)?;
        let throughput: i64 = parse_number(props, THROUGHPUT_CONFIG, task)?;
        let name = props.get("name").cloned();
        let topic = props.get(TOPIC_CONFIG).cloned().unwrap_or_default();
        let partition = source_partition(id);
        let stored = context.offset_storage_reader().offset(&partition).await?;
        let seqno = resume_seqno(stored.as_ref())?;
        let complete = props
            .get(COMPLETE_RECORD_DATA_CONFIG)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            .then(complete_schema)
            .transpose()?;
        info!(
            "Started VerifiableSourceTask {}-{id} producing to topic {topic} resuming from seqno {seqno}",
            name.as_deref().unwrap_or("null")
        );
        self.state = Some(Running {
            name,
            id,
            topic,
            partition: Arc::new(partition),
            starting_seqno: seqno,
            seqno,
            throttle: Throttle::new(throughput, Instant::now()),
            complete,
        });
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        let Some(running) = self.state.as_mut() else {
            sleep(IDLE_WAIT).await;
            return Ok(Vec::new());
        };
        running.throttle.settle().await;
        let mut records = Vec::new();
        let mut printed = String::new();
        while records.len() < MAX_BATCH {
            let so_far = u64::try_from(running.seqno - running.starting_seqno).unwrap_or(0);
            if !running.throttle.admit(so_far, records.len()).await {
                break;
            }
            let now = now_millis();
            printed.push_str(&running.line(now, running.seqno).render());
            printed.push('\n');
            records.push(running.record(now)?);
            running.seqno += 1;
        }
        self.output.print(&printed);
        Ok(records)
    }

    fn wants_commit_record(&self) -> bool {
        true
    }

    async fn commit_record(
        &mut self,
        record: &SourceRecord,
        _metadata: Option<&RecordMetadata>,
    ) -> ConnectResult<()> {
        if let Some(running) = &self.state {
            let mut line = running.line(now_millis(), connect_to_json(&record.record.value));
            line.put("committed", true);
            self.output.print(&format!("{}\n", line.render()));
        }
        Ok(())
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        self.state = None;
        Ok(())
    }
}
