//! `VerifiableSinkConnector`: prints one JSON line per record received, and one per record
//! whose partition was flushed, so that a test can tell which records were delivered and
//! which committed.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::plugin::{SinkTask, SinkTaskContext};
use kconnect_api::{ConfigMap, ConnectResult, SinkRecord, TopicPartition};

use crate::json_line::{connect_to_json, JsonLine, Output};
use crate::numbered::{parse_number, ID_CONFIG};
use crate::verifiable_source::now_millis;

/// Java class name of the task.
pub const VERIFIABLE_SINK_TASK_CLASS: &str = "org.apache.kafka.connect.tools.VerifiableSinkTask";

numbered_connector!(
    VerifiableSinkConnector,
    "The connector (see the [module](self) documentation).",
    VERIFIABLE_SINK_TASK_CLASS,
    SinkConnector,
    SinkTask,
    VerifiableSinkTask::new(Output::stdout())
);

/// The task.
pub struct VerifiableSinkTask {
    output: Output,
    name: Option<String>,
    id: i32,
    /// Lines of records received and not yet flushed, by partition.
    unflushed: HashMap<TopicPartition, Vec<JsonLine>>,
}

impl VerifiableSinkTask {
    /// A task that prints to `output`.
    pub fn new(output: Output) -> Self {
        Self {
            output,
            name: None,
            id: 0,
            unflushed: HashMap::new(),
        }
    }
}

#[async_trait]
impl SinkTask for VerifiableSinkTask {
    async fn start(
        &mut self,
        _context: Arc<dyn SinkTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        self.id = parse_number(props, ID_CONFIG, "VerifiableSinkTask")?;
        self.name = props.get("name").cloned();
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()> {
        let now = now_millis();
        let mut printed = String::new();
        for record in &records {
            let r = &record.record;
            let mut line = JsonLine::new();
            line.put("name", self.name.clone())
                .put("task", connect_to_json(&r.key))
                .put("sinkTask", self.id)
                .put("topic", r.topic.as_str())
                .put("time_ms", now)
                .put("seqno", connect_to_json(&r.value))
                .put("offset", record.kafka_offset());
            printed.push_str(&line.render());
            printed.push('\n');
            let partition = TopicPartition::new(
                r.topic.clone(),
                r.kafka_partition.unwrap_or(record.original_kafka_partition),
            );
            self.unflushed.entry(partition).or_default().push(line);
        }
        self.output.print(&printed);
        Ok(())
    }

    async fn flush(&mut self, offsets: &HashMap<TopicPartition, i64>) -> ConnectResult<()> {
        let now = now_millis();
        let mut printed = String::new();
        for partition in offsets.keys() {
            for mut line in self.unflushed.remove(partition).unwrap_or_default() {
                line.put("time_ms", now).put("flushed", true);
                printed.push_str(&line.render());
                printed.push('\n');
            }
        }
        self.output.print(&printed);
        Ok(())
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}
