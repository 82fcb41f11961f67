//! End-to-end tests of sink error handling on a real Apache Kafka broker (shared by the test
//! run: topics and connector names are unique to each test): a topic poisoned with invalid
//! JSON, JSON without the schema envelope, unknown schema types, bad keys and values a
//! transformation cannot cast. With `errors.tolerance=all` every good record reaches the file
//! and every bad one the dead letter queue, with its original bytes and Java's context
//! headers; with `none` the task fails with a useful trace, and is resumed after the fix.

mod common;
mod errors_support;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{lines, wait_lines, Kconnect};
use errors_support::{
    call, header, produce, string_envelope, task_state, wait_log, wait_status, Input,
};
use kconnect_testkit::{unique, Broker, TopicReader};
use serde_json::json;

const JSON: &str = "org.apache.kafka.connect.json.JsonConverter";
const CAST: &str = "org.apache.kafka.connect.transforms.Cast$Value";

/// What a poisoned record is and where it must fail.
struct Bad {
    stage: &'static str,
    class: &'static str,
    message_start: &'static str,
}

/// Record `i` of the poisoned input, and how it must fail (`None`: a good record whose
/// value, cast to an int32, is `i`).
fn record(i: usize) -> (Input, Option<Bad>) {
    let mut input = Input::value(&string_envelope(&i.to_string()));
    input
        .headers
        .push(("trace-id".into(), format!("t{i}").into_bytes()));
    let bad = match i % 10 {
        1 => {
            input.value = Some(br#"{"schema":{"type":"string""#.to_vec());
            Some(Bad {
                stage: "VALUE_CONVERTER",
                class: JSON,
                message_start:
                    "Converting byte[] to Kafka Connect data failed due to serialization error",
            })
        }
        3 => {
            input.value = Some(format!(r#"{{"id":{i}}}"#).into_bytes());
            Some(Bad {
                stage: "VALUE_CONVERTER",
                class: JSON,
                message_start:
                    "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields",
            })
        }
        4 => {
            input.value = Some(string_envelope(&format!("number {i}")));
            Some(Bad {
                stage: "TRANSFORMATION",
                class: CAST,
                message_start: "",
            })
        }
        6 => {
            input.key = Some(b"not json".to_vec());
            Some(Bad {
                stage: "KEY_CONVERTER",
                class: JSON,
                message_start:
                    "Converting byte[] to Kafka Connect data failed due to serialization error",
            })
        }
        8 => {
            input.value = Some(br#"{"schema":{"type":"nope"},"payload":1}"#.to_vec());
            Some(Bad {
                stage: "VALUE_CONVERTER",
                class: JSON,
                message_start: "",
            })
        }
        5 => {
            input.key =
                Some(br#"{"schema":{"type":"int32","optional":false},"payload":5}"#.to_vec());
            None
        }
        _ => None,
    };
    (input, bad)
}

fn sink_config(
    name: &str,
    topic: &str,
    output: &std::path::Path,
    extra: &[(&str, &str)],
) -> serde_json::Value {
    let mut config = json!({
        "connector.class": "FileStreamSink",
        "tasks.max": "1",
        "topics": topic,
        "file": output.display().to_string(),
        "transforms": "cast",
        "transforms.cast.type": CAST,
        "transforms.cast.spec": "int32",
        "kconnect.restart.backoff.initial.ms": "100",
    });
    for (k, v) in extra {
        config[*k] = json!(v);
    }
    json!({"name": name, "config": config})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolerance_all_sends_every_bad_record_to_the_dead_letter_queue_and_loses_nothing() {
    let broker = Broker::shared();
    let (topic, name) = (unique("orders"), unique("orders-sink"));
    let dlq_topic = format!("{topic}-dlq");
    broker.create_topic(&topic, 1).await;
    let total = 200;
    let (inputs, bads): (Vec<Input>, Vec<Option<Bad>>) = (0..total).map(record).unzip();
    produce(&broker, &topic, &inputs);
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("orders.txt");
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let connector = k.connector_file(
        "sink.json",
        &sink_config(
            &name,
            &topic,
            &output,
            &[
                ("errors.tolerance", "all"),
                ("errors.log.enable", "true"),
                ("errors.log.include.messages", "true"),
                ("errors.deadletterqueue.topic.name", dlq_topic.as_str()),
                ("errors.deadletterqueue.topic.replication.factor", "1"),
                ("errors.deadletterqueue.context.headers.enable", "true"),
            ],
        )
        .to_string(),
    );
    k.start(&[&connector]);
    let good: Vec<String> = (0..total)
        .filter(|i| bads[*i].is_none())
        .map(|i| i.to_string())
        .collect();
    let bad_count = total - good.len();
    assert_eq!(
        wait_lines(&output, good.len(), Duration::from_secs(60), &k),
        good
    );
    let originals = TopicReader::new(&broker).read(&topic, 1, total, Duration::from_secs(30));
    assert_eq!(originals.len(), total);
    // Exactly the bad records, in order, nothing more.
    let dlq = TopicReader::new(&broker).read(&dlq_topic, 1, bad_count + 1, Duration::from_secs(5));
    assert_eq!(dlq.len(), bad_count, "{}", k.log());
    let bad_offsets: Vec<usize> = (0..total).filter(|i| bads[*i].is_some()).collect();
    for (d, &i) in dlq.iter().zip(&bad_offsets) {
        let (o, bad) = (&originals[i], bads[i].as_ref().unwrap());
        assert_eq!(
            (&d.key, &d.value, d.timestamp),
            (&o.key, &o.value, o.timestamp),
            "record {i}"
        );
        // The original headers first, then Java's context headers.
        assert_eq!(d.headers[..o.headers.len()], o.headers[..], "record {i}");
        let context: Vec<&str> = d.headers[o.headers.len()..]
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(
            context,
            [
                "__connect.errors.topic",
                "__connect.errors.partition",
                "__connect.errors.offset",
                "__connect.errors.connector.name",
                "__connect.errors.task.id",
                "__connect.errors.stage",
                "__connect.errors.class.name",
                "__connect.errors.exception.class.name",
                "__connect.errors.exception.message",
                "__connect.errors.exception.stacktrace",
            ]
        );
        let h = |key: &str| header(d, key).unwrap_or_default();
        assert_eq!(h("__connect.errors.topic"), topic);
        assert_eq!(h("__connect.errors.partition"), "0");
        assert_eq!(h("__connect.errors.offset"), i.to_string());
        assert_eq!(h("__connect.errors.connector.name"), name);
        assert_eq!(h("__connect.errors.task.id"), "0");
        assert_eq!(h("__connect.errors.stage"), bad.stage, "record {i}");
        assert_eq!(h("__connect.errors.class.name"), bad.class, "record {i}");
        assert_eq!(
            h("__connect.errors.exception.class.name"),
            "org.apache.kafka.connect.errors.DataException"
        );
        let message = h("__connect.errors.exception.message");
        assert!(
            !message.is_empty() && message.starts_with(bad.message_start),
            "record {i}: {message}"
        );
        // The trace starts as Java's does, with the message, and goes on with the cause
        // where there is one (the converter's parse error).
        let trace = h("__connect.errors.exception.stacktrace");
        assert!(
            trace.starts_with(&format!(
                "org.apache.kafka.connect.errors.DataException: {message}"
            )),
            "record {i}: {trace}"
        );
    }
    // Good + dead letter queue = input, exactly.
    let sunk: BTreeSet<usize> = lines(&output).iter().map(|l| l.parse().unwrap()).collect();
    let dead: BTreeSet<usize> = dlq
        .iter()
        .map(|d| {
            header(d, "__connect.errors.offset")
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(sunk.is_disjoint(&dead));
    assert_eq!(
        sunk.union(&dead).copied().collect::<Vec<_>>(),
        (0..total).collect::<Vec<_>>()
    );
    // The error log names the stage, class and record, like Java's LogReporter.
    assert!(k.log().contains(&format!(
        "Error encountered in task {name}-0. Executing stage 'VALUE_CONVERTER' with class '{JSON}', where consumed record is {{topic='{topic}', partition=0, offset=1, timestamp={}, timestampType=CreateTime}}.",
        originals[1].timestamp.unwrap()
    )), "{}", k.log());
    let status = wait_status(&k, &name, "RUNNING", |s| task_state(s) == "RUNNING").await;
    assert_eq!(status["connector"]["state"], "RUNNING");
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolerance_none_fails_with_a_useful_trace_and_resumes_after_the_fix() {
    let broker = Broker::shared();
    let (topic, name) = (unique("payments"), unique("payments-sink"));
    let dlq_topic = format!("{topic}-dlq");
    broker.create_topic(&topic, 1).await;
    let mut inputs: Vec<Input> = (0..4)
        .map(|i| Input::value(&string_envelope(&i.to_string())))
        .collect();
    inputs[2] = Input::value(b"{oops");
    produce(&broker, &topic, &inputs);
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("payments.txt");
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let config = sink_config(&name, &topic, &output, &[]);
    let connector = k.connector_file("sink.json", &config.to_string());
    k.start(&[&connector]);
    let status = wait_status(&k, &name, "FAILED", |s| task_state(s) == "FAILED").await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    let failed_record = format!("consumed record is {{topic='{topic}', partition=0, offset=2");
    let restart_hint = format!("POST /connectors/{name}/tasks/0/restart");
    for part in [
        "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler",
        "stage VALUE_CONVERTER with class 'org.apache.kafka.connect.json.JsonConverter'",
        failed_record.as_str(),
        "Caused by: org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed due to serialization error",
        "errors.tolerance=all",
        restart_hint.as_str(),
    ] {
        assert!(trace.contains(part), "{part:?} missing from the trace:\n{trace}");
    }
    // Records before the bad one were delivered, the rest were not skipped.
    assert_eq!(
        wait_lines(&output, 2, Duration::from_secs(30), &k),
        ["0", "1"]
    );
    // A data failure is not restarted automatically: the record would fail again.
    wait_log(&k, "not restarting it automatically", 1).await;
    // A manual restart meets the same record again rather than skipping it.
    let failures = k
        .log()
        .matches("Tolerance exceeded in error handler")
        .count();
    let (code, _) = call(
        &k,
        "POST",
        &format!("/connectors/{name}/tasks/0/restart"),
        None,
    )
    .await;
    assert_eq!(code, 204);
    wait_log(&k, "Tolerance exceeded in error handler", failures + 1).await;
    assert_eq!(lines(&output), ["0", "1"]);
    // The fix: tolerate bad records and keep them in a dead letter queue.
    let mut fixed = config["config"].clone();
    fixed["errors.tolerance"] = json!("all");
    fixed["errors.deadletterqueue.topic.name"] = json!(dlq_topic);
    fixed["errors.deadletterqueue.topic.replication.factor"] = json!("1");
    let (code, body) = call(
        &k,
        "PUT",
        &format!("/connectors/{name}/config"),
        Some(fixed),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        wait_lines(&output, 3, Duration::from_secs(60), &k),
        ["0", "1", "3"]
    );
    let dlq = TopicReader::new(&broker).read(&dlq_topic, 1, 2, Duration::from_secs(5));
    assert_eq!(dlq.len(), 1);
    assert_eq!(dlq[0].value.as_deref(), Some(&b"{oops"[..]));
    wait_status(&k, &name, "RUNNING", |s| task_state(s) == "RUNNING").await;
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
