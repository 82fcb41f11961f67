//! The `__connect.errors.*` context headers of dead letter queue records (kafka-connect-spec.md §9): Java's
//! names, order and value formats (UTF-8 decimal or text), plus kconnect's two headers naming
//! the source position of a failed source record.

use kconnect_api::plugin::Converter;
use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigMap, Value};
use kconnect_json::JsonConverter;

use super::errors::{trace, Failure};
use crate::task::TaskId;

/// Prefix of the context headers.
pub const HEADER_PREFIX: &str = "__connect.errors.";
/// Original topic.
pub const ERROR_HEADER_ORIG_TOPIC: &str = "__connect.errors.topic";
/// Original partition.
pub const ERROR_HEADER_ORIG_PARTITION: &str = "__connect.errors.partition";
/// Original offset.
pub const ERROR_HEADER_ORIG_OFFSET: &str = "__connect.errors.offset";
/// Connector name.
pub const ERROR_HEADER_CONNECTOR_NAME: &str = "__connect.errors.connector.name";
/// Task number.
pub const ERROR_HEADER_TASK_ID: &str = "__connect.errors.task.id";
/// Stage name.
pub const ERROR_HEADER_STAGE: &str = "__connect.errors.stage";
/// Class that was executing.
pub const ERROR_HEADER_EXECUTING_CLASS: &str = "__connect.errors.class.name";
/// Exception class.
pub const ERROR_HEADER_EXCEPTION: &str = "__connect.errors.exception.class.name";
/// Exception message.
pub const ERROR_HEADER_EXCEPTION_MESSAGE: &str = "__connect.errors.exception.message";
/// Exception stack trace.
pub const ERROR_HEADER_EXCEPTION_STACK_TRACE: &str = "__connect.errors.exception.stacktrace";
/// Source partition of a failed source record (kconnect only).
pub const ERROR_HEADER_SOURCE_PARTITION: &str = "__connect.errors.source.partition";
/// Source offset of a failed source record (kconnect only).
pub const ERROR_HEADER_SOURCE_OFFSET: &str = "__connect.errors.source.offset";

/// Raw headers: key and bytes.
pub type RawHeaders = Vec<(String, Option<Vec<u8>>)>;

/// Where the failed record came from, for the context headers.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// Consumed at topic, partition, offset.
    Consumed(&'a str, i32, i64),
    /// Polled from a source task: topic, partition if named, source partition and offset.
    Source(
        &'a str,
        Option<i32>,
        Option<&'a OffsetMap>,
        Option<&'a OffsetMap>,
    ),
}

fn text(s: impl ToString) -> Option<Vec<u8>> {
    Some(s.to_string().into_bytes())
}

/// The `__connect.errors.*` headers for a failure of `task` on a record from `origin`.
pub fn context_headers(task: &TaskId, failure: &Failure, origin: Origin<'_>) -> RawHeaders {
    let mut h: RawHeaders = Vec::with_capacity(12);
    let mut push = |k: &str, v: Option<Vec<u8>>| h.push((k.to_string(), v));
    match origin {
        Origin::Consumed(topic, partition, offset) => {
            push(ERROR_HEADER_ORIG_TOPIC, text(topic));
            push(ERROR_HEADER_ORIG_PARTITION, text(partition));
            push(ERROR_HEADER_ORIG_OFFSET, text(offset));
        }
        Origin::Source(topic, partition, _, _) => {
            push(ERROR_HEADER_ORIG_TOPIC, text(topic));
            if let Some(p) = partition {
                push(ERROR_HEADER_ORIG_PARTITION, text(p));
            }
        }
    }
    push(ERROR_HEADER_CONNECTOR_NAME, text(&task.connector));
    push(ERROR_HEADER_TASK_ID, text(task.task));
    push(ERROR_HEADER_STAGE, text(failure.stage.name()));
    push(ERROR_HEADER_EXECUTING_CLASS, text(&failure.class));
    push(ERROR_HEADER_EXCEPTION, text(failure.error.java_class()));
    push(
        ERROR_HEADER_EXCEPTION_MESSAGE,
        text(failure.error.java_message()),
    );
    push(
        ERROR_HEADER_EXCEPTION_STACK_TRACE,
        text(trace(&failure.error)),
    );
    if let Origin::Source(_, _, partition, offset) = origin {
        if let Some(p) = partition {
            push(ERROR_HEADER_SOURCE_PARTITION, text(offset_json(p)));
        }
        if let Some(o) = offset {
            push(ERROR_HEADER_SOURCE_OFFSET, text(offset_json(o)));
        }
    }
    h
}

/// A source partition or offset as schemaless JSON (`{"filename":"/in"}`).
fn offset_json(map: &OffsetMap) -> String {
    let mut converter = JsonConverter::new();
    let props = ConfigMap::from([("schemas.enable".to_string(), "false".to_string())]);
    let value = Value::Map(
        map.iter()
            .map(|(k, v)| (Value::String(k.clone()), v.clone()))
            .collect(),
    );
    let bytes = Converter::configure(&mut converter, &props, false)
        .and_then(|()| Converter::serialize(&mut converter, "", None, &value));
    match bytes {
        Ok(Some(b)) => String::from_utf8_lossy(&b).into_owned(),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::errors::{Stage, Verdict};
    use kconnect_api::ConnectError;

    fn as_text(headers: &RawHeaders) -> Vec<(&str, Option<String>)> {
        headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    v.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()),
                )
            })
            .collect()
    }

    fn failure() -> Failure {
        Failure {
            stage: Stage::Transformation,
            class: "org.apache.kafka.connect.transforms.Cast$Value".into(),
            error: ConnectError::data("Cast transformation failed"),
            verdict: Verdict::Tolerated,
        }
    }

    #[test]
    fn consumed_records_get_javas_headers_in_javas_order() {
        let task = TaskId {
            connector: "my-sink".into(),
            task: 2,
        };
        let headers = context_headers(&task, &failure(), Origin::Consumed("orders", 3, 1234));
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            as_text(&headers),
            vec![
                ("__connect.errors.topic", some("orders")),
                ("__connect.errors.partition", some("3")),
                ("__connect.errors.offset", some("1234")),
                ("__connect.errors.connector.name", some("my-sink")),
                ("__connect.errors.task.id", some("2")),
                ("__connect.errors.stage", some("TRANSFORMATION")),
                (
                    "__connect.errors.class.name",
                    some("org.apache.kafka.connect.transforms.Cast$Value")
                ),
                (
                    "__connect.errors.exception.class.name",
                    some("org.apache.kafka.connect.errors.DataException")
                ),
                (
                    "__connect.errors.exception.message",
                    some("Cast transformation failed")
                ),
                (
                    "__connect.errors.exception.stacktrace",
                    some(
                        "org.apache.kafka.connect.errors.DataException: Cast transformation failed"
                    )
                ),
            ]
        );
        assert!(headers.iter().all(|(k, _)| k.starts_with(HEADER_PREFIX)));
    }

    #[test]
    fn source_records_name_their_source_position_instead_of_an_offset() {
        let task = TaskId {
            connector: "src".into(),
            task: 0,
        };
        let mut partition = OffsetMap::new();
        partition.insert("filename".into(), Value::String("/in.txt".into()));
        let mut offset = OffsetMap::new();
        offset.insert("position".into(), Value::Int64(42));
        let headers = context_headers(
            &task,
            &failure(),
            Origin::Source("lines", None, Some(&partition), Some(&offset)),
        );
        let text = as_text(&headers);
        let get = |k: &str| {
            text.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get(ERROR_HEADER_ORIG_TOPIC), Some(Some("lines".into())));
        assert_eq!(get(ERROR_HEADER_ORIG_PARTITION), None);
        assert_eq!(get(ERROR_HEADER_ORIG_OFFSET), None);
        assert_eq!(
            get(ERROR_HEADER_SOURCE_PARTITION),
            Some(Some(r#"{"filename":"/in.txt"}"#.into()))
        );
        assert_eq!(
            get(ERROR_HEADER_SOURCE_OFFSET),
            Some(Some(r#"{"position":42}"#.into()))
        );
        let with_partition =
            context_headers(&task, &failure(), Origin::Source("t", Some(4), None, None));
        assert_eq!(
            as_text(&with_partition)[1],
            ("__connect.errors.partition", Some("4".into()))
        );
    }
}
