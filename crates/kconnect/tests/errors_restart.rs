//! End-to-end tests of automatic restarts (a kconnect extension) on a real Apache Kafka
//! broker (shared by the test run: topics and connector names are unique to each test): a sink
//! task whose output directory is missing fails, is restarted with a growing backoff, and
//! delivers everything once the directory is back; with `kconnect.restart.enable=false` it
//! stays FAILED, as in Java.

mod common;
mod errors_support;

use std::time::Duration;

use common::{lines, wait_lines, Kconnect};
use errors_support::{produce, string_envelope, task_state, wait_log, wait_status, Input};
use kconnect_testkit::{unique, Broker};

fn sink(
    k: &Kconnect,
    name: &str,
    topic: &str,
    output: &std::path::Path,
    extra: &str,
) -> std::path::PathBuf {
    k.connector_file(
        &format!("{name}.properties"),
        &format!(
            "name={name}\nconnector.class=FileStreamSink\ntasks.max=1\nfile={}\ntopics={topic}\nkconnect.restart.backoff.initial.ms=100\nkconnect.restart.backoff.max.ms=400\n{extra}",
            output.display()
        ),
    )
}

/// Creates `topic` with five events; returns them.
async fn events(broker: &Broker, topic: &str) -> Vec<String> {
    broker.create_topic(topic, 1).await;
    let words: Vec<String> = (0..5).map(|i| format!("event {i}")).collect();
    let inputs: Vec<Input> = words
        .iter()
        .map(|w| Input::value(&string_envelope(w)))
        .collect();
    produce(broker, topic, &inputs);
    words
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_task_is_restarted_until_its_target_is_back() {
    let broker = Broker::shared();
    let (topic, name) = (unique("events"), unique("recovering"));
    let expected = events(&broker, &topic).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    let output = target.join("events.txt");
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let connector = sink(&k, &name, &topic, &output, "");
    k.start(&[&connector]);
    // The output directory does not exist: start fails, and is retried with backoff.
    let status = wait_status(&k, &name, "FAILED", |s| task_state(s) == "FAILED").await;
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("Couldn't find or create file"), "{trace}");
    wait_log(&k, &format!("task {name}-0: automatic restart 3 now"), 1).await;
    assert!(
        k.log().contains(&format!(
            "task {name}-0 failed; automatic restart 2 in 200 ms"
        )),
        "{}",
        k.log()
    );
    assert!(k.log().contains("\"RESTARTING\""), "{}", k.log());
    // The target comes back: the next restart succeeds and everything is delivered.
    std::fs::create_dir(&target).unwrap();
    assert_eq!(
        wait_lines(&output, expected.len(), Duration::from_secs(30), &k),
        expected
    );
    let status = wait_status(&k, &name, "RUNNING", |s| task_state(s) == "RUNNING").await;
    assert_eq!(status["connector"]["state"], "RUNNING");
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_restarts_can_be_turned_off() {
    let broker = Broker::shared();
    let (topic, name) = (unique("events"), unique("manual"));
    events(&broker, &topic).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    let output = target.join("events.txt");
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let connector = sink(
        &k,
        &name,
        &topic,
        &output,
        "kconnect.restart.enable=false\n",
    );
    k.start(&[&connector]);
    wait_status(&k, &name, "FAILED", |s| task_state(s) == "FAILED").await;
    wait_log(
        &k,
        &format!("task {name}-0 failed; automatic restarts are off"),
        1,
    )
    .await;
    std::fs::create_dir(&target).unwrap();
    // The supervisor has decided; the task stays down until restarted by hand.
    let (_, status) = k.get(&format!("/connectors/{name}/status")).await;
    assert_eq!(task_state(&status), "FAILED", "{status}");
    assert!(!k.log().contains("automatic restart 1"), "{}", k.log());
    assert!(lines(&output).is_empty());
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
