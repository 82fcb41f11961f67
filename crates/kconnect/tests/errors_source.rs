//! End-to-end tests of source error handling on a real Apache Kafka broker (a kconnect
//! extension: Java has no dead letter queue for source connectors): lines a transformation
//! cannot cast go to the dead letter queue as JSON with their source position; with
//! `errors.tolerance=none` the task fails, and a REST restart after fixing the input resumes
//! where it stopped. The broker is shared by the test run: each connector has a unique name
//! and its topics are named after it.

mod common;
mod errors_support;

use std::time::Duration;

use common::Kconnect;
use errors_support::{call, header, task_state, wait_status};
use kconnect_testkit::{unique, Broker, TopicReader};

/// A source named `name` writing to `<name>-out`.
fn source_file(
    k: &Kconnect,
    name: &str,
    input: &std::path::Path,
    extra: &str,
) -> std::path::PathBuf {
    k.connector_file(
        &format!("{name}.properties"),
        &format!(
            "name={name}\nconnector.class=FileStreamSource\ntasks.max=1\nfile={}\ntopic={name}-out\ntopic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\ntransforms=cast\ntransforms.cast.type=org.apache.kafka.connect.transforms.Cast$Value\ntransforms.cast.spec=int32\n{extra}",
            input.display()
        ),
    )
}

fn int32(n: i32) -> Vec<u8> {
    format!(r#"{{"schema":{{"type":"int32","optional":false}},"payload":{n}}}"#).into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_records_that_fail_go_to_the_dead_letter_queue_with_their_position() {
    let broker = Broker::shared();
    let name = unique("numbers");
    let (out_topic, dlq_topic) = (format!("{name}-out"), format!("{name}-dlq"));
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("numbers.txt");
    std::fs::write(&input, "1\n2\nthree\n4\nfive\n6\n").unwrap();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let source = source_file(
        &k,
        &name,
        &input,
        &format!("errors.tolerance=all\nerrors.deadletterqueue.topic.name={dlq_topic}\nerrors.deadletterqueue.topic.replication.factor=1\nerrors.deadletterqueue.context.headers.enable=true\n"),
    );
    k.start(&[&source]);
    let out = TopicReader::new(&broker).read(&out_topic, 1, 4, Duration::from_secs(60));
    let values: Vec<Vec<u8>> = out.iter().filter_map(|r| r.value.clone()).collect();
    assert_eq!(
        values,
        [int32(1), int32(2), int32(4), int32(6)],
        "{}",
        k.log()
    );
    let dlq = TopicReader::new(&broker).read(&dlq_topic, 1, 3, Duration::from_secs(10));
    assert_eq!(dlq.len(), 2, "{}", k.log());
    let filename = format!(r#"{{"filename":"{}"}}"#, input.display());
    for (d, (word, position)) in dlq.iter().zip([("three", 10), ("five", 17)]) {
        // The record as the task produced it, as JSON with its schema.
        assert_eq!(d.key, None);
        assert_eq!(
            d.value.as_deref(),
            Some(
                format!(r#"{{"schema":{{"type":"string","optional":false}},"payload":"{word}"}}"#)
                    .as_bytes()
            )
        );
        let h = |key: &str| header(d, key);
        assert_eq!(
            h("__connect.errors.topic").as_deref(),
            Some(out_topic.as_str())
        );
        assert_eq!(h("__connect.errors.partition"), None);
        assert_eq!(h("__connect.errors.offset"), None);
        assert_eq!(
            h("__connect.errors.connector.name").as_deref(),
            Some(name.as_str())
        );
        assert_eq!(h("__connect.errors.task.id").as_deref(), Some("0"));
        assert_eq!(
            h("__connect.errors.stage").as_deref(),
            Some("TRANSFORMATION")
        );
        assert_eq!(
            h("__connect.errors.class.name").as_deref(),
            Some("org.apache.kafka.connect.transforms.Cast$Value")
        );
        assert_eq!(
            h("__connect.errors.exception.class.name").as_deref(),
            Some("org.apache.kafka.connect.errors.DataException")
        );
        assert!(h("__connect.errors.exception.message").is_some_and(|m| !m.is_empty()));
        assert_eq!(
            h("__connect.errors.source.partition"),
            Some(filename.clone())
        );
        assert_eq!(
            h("__connect.errors.source.offset"),
            Some(format!(r#"{{"position":{position}}}"#))
        );
    }
    let status = wait_status(&k, &name, "RUNNING", |s| task_state(s) == "RUNNING").await;
    assert_eq!(status["connector"]["state"], "RUNNING");
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    // The skipped lines' offsets were committed: a restart sends nothing again.
    k.start(&[&source]);
    wait_status(&k, &name, "RUNNING", |s| task_state(s) == "RUNNING").await;
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    let again = TopicReader::new(&broker).read(&out_topic, 1, 5, Duration::from_secs(3));
    assert_eq!(again.len(), 4, "lines were sent twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tolerance_none_fails_then_a_rest_restart_after_the_fix_resumes() {
    let broker = Broker::shared();
    let name = unique("strict");
    let out_topic = format!("{name}-out");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("numbers.txt");
    std::fs::write(&input, "1\n2\nx\n3\n").unwrap();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let source = source_file(
        &k,
        &name,
        &input,
        "kconnect.restart.backoff.initial.ms=100\n",
    );
    k.start(&[&source]);
    let status = wait_status(&k, &name, "FAILED", |s| task_state(s) == "FAILED").await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    for part in [
        "Tolerance exceeded in error handler",
        "stage TRANSFORMATION with class 'org.apache.kafka.connect.transforms.Cast$Value'",
        "source record is = SourceRecord{sourcePartition={filename=",
        "value=x",
        "Caused by: org.apache.kafka.connect.errors.DataException",
    ] {
        assert!(
            trace.contains(part),
            "{part:?} missing from the trace:\n{trace}"
        );
    }
    let out = TopicReader::new(&broker).read(&out_topic, 1, 2, Duration::from_secs(30));
    assert_eq!(
        out.iter()
            .filter_map(|r| r.value.clone())
            .collect::<Vec<_>>(),
        [int32(1), int32(2)]
    );
    // The fix: correct the bad line (same length, so committed positions stay valid).
    std::fs::write(&input, "1\n2\n9\n3\n").unwrap();
    let (code, _) = call(
        &k,
        "POST",
        &format!("/connectors/{name}/tasks/0/restart"),
        None,
    )
    .await;
    assert_eq!(code, 204);
    let out = TopicReader::new(&broker).read(&out_topic, 1, 5, Duration::from_secs(10));
    let values: Vec<Vec<u8>> = out.iter().filter_map(|r| r.value.clone()).collect();
    assert_eq!(
        values,
        [int32(1), int32(2), int32(9), int32(3)],
        "{}",
        k.log()
    );
    wait_status(&k, &name, "RUNNING", |s| task_state(s) == "RUNNING").await;
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
