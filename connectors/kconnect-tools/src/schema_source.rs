//! `SchemaSourceConnector`: `num.messages` struct records per task, written to partition
//! `id`, optionally alternating between versions 1 and 2 of the schema `record`.

use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::plugin::{SourceTask, SourceTaskContext};
use kconnect_api::record::OffsetMap;
use kconnect_api::{
    ConfigMap, ConnectRecord, ConnectResult, Schema, SchemaBuilder, SchemaRef, SourceRecord,
    Struct, Value,
};
use tokio::time::{sleep, Instant};
use tracing::info;

use crate::json_line::Output;
use crate::numbered::{parse_number, resume_seqno, ID_CONFIG};
use crate::throttle::{Throttle, IDLE_WAIT};
use crate::MAX_BATCH;

/// Java class name of the task.
pub const SCHEMA_SOURCE_TASK_CLASS: &str = "org.apache.kafka.connect.tools.SchemaSourceTask";

/// Target topic.
pub const TOPIC_CONFIG: &str = "topic";
/// Records per task.
pub const NUM_MESSAGES_CONFIG: &str = "num.messages";
/// Records per second per task (negative: no limit).
pub const THROUGHPUT_CONFIG: &str = "throughput";
/// `true`: every other record uses version 2 of the schema.
pub const MULTIPLE_SCHEMA_CONFIG: &str = "multiple.schema";
/// The modulus of the `partitioning` field (default 1).
pub const PARTITION_COUNT_CONFIG: &str = "partition.count";

numbered_connector!(
    SchemaSourceConnector,
    "The connector (see the [module](self) documentation).",
    SCHEMA_SOURCE_TASK_CLASS,
    SourceConnector,
    SourceTask,
    SchemaSourceTask::new(Output::stdout())
);

/// Version 1 (`with_string` false) or 2 of the value schema.
fn value_schema(with_string: bool) -> ConnectResult<SchemaRef> {
    let mut builder = SchemaBuilder::struct_()
        .version(if with_string { 2 } else { 1 })
        .name("record")
        .field("boolean", Schema::boolean())
        .field("int", Schema::int32())
        .field("long", Schema::int64())
        .field("float", Schema::float32())
        .field("double", Schema::float64())
        .field("partitioning", Schema::int32());
    if with_string {
        builder = builder.field(
            "string",
            SchemaBuilder::new(kconnect_api::SchemaType::String)
                .default_value(Value::from("abc"))
                .build()?,
        );
    }
    builder
        .field("id", Schema::int32())
        .field("seqno", Schema::int64())
        .build()
}

/// The task.
pub struct SchemaSourceTask {
    output: Output,
    state: Option<Running>,
}

struct Running {
    id: i32,
    topic: String,
    partition: Arc<OffsetMap>,
    starting_seqno: i64,
    seqno: i64,
    /// Records produced since this task started.
    count: i64,
    max: i64,
    multiple_schema: bool,
    partition_count: i64,
    throttle: Throttle,
    v1: SchemaRef,
    v2: SchemaRef,
}

impl SchemaSourceTask {
    /// A task that prints to `output`.
    pub fn new(output: Output) -> Self {
        Self {
            output,
            state: None,
        }
    }
}

impl Running {
    /// The next record.
    fn record(&self) -> ConnectResult<SourceRecord> {
        let second = self.multiple_schema && self.count % 2 == 1;
        let schema = if second { &self.v2 } else { &self.v1 };
        let partitioning = i32::try_from(self.seqno % self.partition_count).unwrap_or(0);
        let mut data = Struct::new(schema.clone())?;
        data.put("boolean", true)?
            .put("int", 12i32)?
            .put("long", 12i64)?
            .put("float", 12.2f32)?
            .put("double", 12.2f64)?
            .put("partitioning", partitioning)?;
        if second {
            data.put("string", "def")?;
        }
        data.put("id", self.id)?.put("seqno", self.seqno)?;
        let mut offset = OffsetMap::new();
        offset.insert("seqno".to_string(), Value::Int64(self.seqno));
        Ok(SourceRecord {
            record: ConnectRecord {
                topic: self.topic.clone(),
                kafka_partition: Some(self.id),
                key_schema: Some(Schema::string()),
                key: Value::from("key"),
                value_schema: Some(schema.clone()),
                value: Value::Struct(data),
                ..ConnectRecord::default()
            },
            source_partition: Some(self.partition.clone()),
            source_offset: Some(offset),
        })
    }
}

#[async_trait]
impl SourceTask for SchemaSourceTask {
    async fn start(
        &mut self,
        context: Arc<dyn SourceTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        let task = "SchemaSourceTask";
        let id: i32 = parse_number(props, ID_CONFIG, task)?;
        let max: i64 = parse_number(props, NUM_MESSAGES_CONFIG, task)?;
        let partition_count: i32 = match props.get(PARTITION_COUNT_CONFIG) {
            None => 1,
            Some(_) => parse_number(props, PARTITION_COUNT_CONFIG, task)?,
        };
        let throughput: i64 = parse_number(props, THROUGHPUT_CONFIG, task)?;
        if partition_count == 0 {
            return Err(kconnect_api::ConnectError::other(format!(
                "Invalid {task} configuration: '{PARTITION_COUNT_CONFIG}' must not be 0"
            )));
        }
        let topic = props.get(TOPIC_CONFIG).cloned().unwrap_or_default();
        let partition = {
            let mut p = OffsetMap::new();
            p.insert(ID_CONFIG.to_string(), Value::Int32(id));
            p
        };
        let stored = context.offset_storage_reader().offset(&partition).await?;
        let seqno = resume_seqno(stored.as_ref())?;
        info!(
            "Started SchemaSourceTask {}-{id} producing to topic {topic} resuming from seqno {seqno}",
            props.get("name").map_or("null", String::as_str)
        );
        self.state = Some(Running {
            id,
            topic,
            partition: Arc::new(partition),
            starting_seqno: seqno,
            seqno,
            count: 0,
            max,
            multiple_schema: props
                .get(MULTIPLE_SCHEMA_CONFIG)
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            partition_count: i64::from(partition_count),
            throttle: Throttle::new(throughput, Instant::now()),
            v1: value_schema(false)?,
            v2: value_schema(true)?,
        });
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        let Some(running) = self.state.as_mut().filter(|r| r.count < r.max) else {
            sleep(IDLE_WAIT).await;
            return Ok(Vec::new());
        };
        running.throttle.settle().await;
        let mut records = Vec::new();
        let mut printed = String::new();
        while records.len() < MAX_BATCH && running.count < running.max {
            let so_far = u64::try_from(running.seqno - running.starting_seqno).unwrap_or(0);
            if !running.throttle.admit(so_far, records.len()).await {
                break;
            }
            records.push(running.record()?);
            printed.push_str(&format!(
                "{{\"task\": {}, \"seqno\": {}}}\n",
                running.id, running.seqno
            ));
            running.seqno += 1;
            running.count += 1;
        }
        self.output.print(&printed);
        Ok(records)
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        self.state = None;
        Ok(())
    }
}
