//! End-to-end: a running `kconnect standalone` driven over HTTP through a connector's whole
//! lifecycle, asserting Java's exact JSON: create, status, pause, resume, stop, offsets read,
//! alter and reset (source and sink), restart with each option, reconfigure, delete. The
//! Apache Kafka broker is shared by the test run: topics and connector names are unique to
//! each test (a sink's consumer group is named after the connector).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{append_lines, lines, wait_lines, Kconnect};
use kconnect_testkit::{unique, Broker};
use serde_json::{json, Value};

/// The plugin version every built-in connector reports in its statuses.
const VERSION: &str = env!("CARGO_PKG_VERSION");

const SOURCE_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const SINK_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";

fn source_config(input: &Path, topic: &str) -> Value {
    json!({"connector.class": SOURCE_CLASS, "tasks.max": "1", "file": input.to_str().unwrap(), "topic": topic})
}

fn sink_config(output: &Path, topic: &str) -> Value {
    json!({"connector.class": SINK_CLASS, "tasks.max": "1", "file": output.to_str().unwrap(), "topics": topic})
}

fn with_name(config: &Value, name: &str) -> Value {
    let mut c = config.clone();
    c["name"] = json!(name);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_lifecycle_over_http() {
    let broker = Broker::shared();
    let topic = unique("lc");
    // "sink-..." sorts before "src-...", as "sink" before "src".
    let (src, sink) = (unique("src"), unique("sink"));
    broker.create_topic(&topic, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.txt"), dir.path().join("out.txt"));
    std::fs::write(&input, "a\nb\nc\n").unwrap();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.start(&[]);
    k.wait_rest().await;
    let wid = k.worker_id();

    let (code, root) = k.get("/").await;
    assert_eq!(code, 200);
    assert_eq!(root["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        root["commit"].is_string() && root.get("kafka_cluster_id").is_some(),
        "{root}"
    );
    k.until("/health", "healthy", |h| h["status"] == "healthy")
        .await;
    assert_eq!(k.get("/connectors").await, (200, json!([])));

    // Create a source and a sink.
    let created = k
        .send(
            "POST",
            "/connectors",
            Some("application/json"),
            Some(json!({"name": src, "config": source_config(&input, &topic)}).to_string()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.location.as_deref(),
        Some(format!("http://127.0.0.1:{}/connectors/{src}", k.port).as_str())
    );
    let src_config = with_name(&source_config(&input, &topic), &src);
    assert_eq!(
        created.body,
        json!({"name": src, "config": src_config, "tasks": [{"connector": src, "task": 0}], "type": "source"})
    );
    let status = k.until_state(&src, "RUNNING", 1).await;
    assert_eq!(
        status,
        json!({"name": src, "connector": {"state": "RUNNING", "worker_id": wid, "version": VERSION}, "tasks": [{"id": 0, "state": "RUNNING", "worker_id": wid, "version": VERSION}], "type": "source"})
    );
    let (code, _) = k
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": sink, "config": sink_config(&output, &topic)})),
        )
        .await;
    assert_eq!(code, 201);
    wait_lines(&output, 3, Duration::from_secs(60), &k);
    assert_eq!(lines(&output), ["a", "b", "c"]);

    // Read it back.
    assert_eq!(k.get("/connectors").await, (200, json!([sink, src])));
    let (_, expanded) = k.get("/connectors?expand=status&expand=info").await;
    assert_eq!(expanded[&src]["info"]["config"], src_config);
    assert_eq!(expanded[&sink]["status"]["type"], "sink");
    assert_eq!(
        k.get(&format!("/connectors/{src}/config")).await,
        (200, src_config.clone())
    );
    let mut task_config = src_config.clone();
    task_config["task.class"] = json!("org.apache.kafka.connect.file.FileStreamSourceTask");
    assert_eq!(
        k.get(&format!("/connectors/{src}/tasks")).await,
        (
            200,
            json!([{"id": {"connector": src, "task": 0}, "config": task_config}])
        )
    );
    assert_eq!(
        k.get(&format!("/connectors/{src}/tasks-config")).await,
        (200, json!({format!("{src}-0"): task_config}))
    );
    assert_eq!(
        k.get(&format!("/connectors/{src}/tasks/0/status")).await,
        (
            200,
            json!({"id": 0, "state": "RUNNING", "worker_id": wid, "version": VERSION})
        )
    );

    // Topic tracking.
    assert_eq!(
        k.get(&format!("/connectors/{src}/topics")).await,
        (200, json!({&src: {"topics": [topic]}}))
    );
    assert_eq!(
        k.get(&format!("/connectors/{sink}/topics")).await,
        (200, json!({&sink: {"topics": [topic]}}))
    );
    let r = k
        .send(
            "PUT",
            &format!("/connectors/{sink}/topics/reset"),
            None,
            None,
        )
        .await;
    assert_eq!((r.status, r.body), (202, Value::Null));
    assert_eq!(
        k.get(&format!("/connectors/{sink}/topics")).await,
        (200, json!({&sink: {"topics": []}}))
    );

    // Pause and resume.
    let r = k
        .send("PUT", &format!("/connectors/{src}/pause"), None, None)
        .await;
    assert_eq!((r.status, r.body), (202, Value::Null));
    k.until_state(&src, "PAUSED", 1).await;
    assert_eq!(
        k.call("PUT", &format!("/connectors/{src}/resume"), None)
            .await
            .0,
        202
    );
    k.until_state(&src, "RUNNING", 1).await;

    // Source offsets: committed position of the whole file.
    let input_name = input.to_str().unwrap();
    k.until(&format!("/connectors/{src}/offsets"), "source offsets committed", |o| o == &json!({"offsets": [{"partition": {"filename": input_name}, "offset": {"position": 6}}]})).await;
    let not_stopped = k.call("PATCH", &format!("/connectors/{src}/offsets"), Some(json!({"offsets": [{"partition": {"filename": input_name}, "offset": {"position": 2}}]}))).await;
    assert_eq!(
        not_stopped,
        (
            400,
            json!({"error_code": 400, "message": format!("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{src}/stop' endpoint")})
        )
    );

    // Stop: zero tasks.
    let r = k
        .send("PUT", &format!("/connectors/{src}/stop"), None, None)
        .await;
    assert_eq!((r.status, r.body), (204, Value::Null));
    let stopped = k
        .until(&format!("/connectors/{src}/status"), "src stopped", |s| {
            s["connector"]["state"] == "STOPPED"
        })
        .await;
    assert_eq!(
        stopped,
        json!({"name": src, "connector": {"state": "STOPPED", "worker_id": wid, "version": VERSION}, "tasks": [], "type": "source"})
    );
    assert_eq!(
        k.get(&format!("/connectors/{src}")).await.1["tasks"],
        json!([])
    );
    assert_eq!(
        k.get(&format!("/connectors/{src}/tasks")).await,
        (200, json!([]))
    );

    // Alter, reset, alter again; resuming re-reads from the altered position.
    let altered = k.call("PATCH", &format!("/connectors/{src}/offsets"), Some(json!({"offsets": [{"partition": {"filename": input_name}, "offset": {"position": 2}}]}))).await;
    assert_eq!(
        altered,
        (
            200,
            json!({"message": "The offsets for this connector have been altered successfully"})
        )
    );
    assert_eq!(
        k.get(&format!("/connectors/{src}/offsets")).await,
        (
            200,
            json!({"offsets": [{"partition": {"filename": input_name}, "offset": {"position": 2}}]})
        )
    );
    let reset = k
        .call("DELETE", &format!("/connectors/{src}/offsets"), None)
        .await;
    assert_eq!(
        reset,
        (
            200,
            json!({"message": "The offsets for this connector have been reset successfully"})
        )
    );
    assert_eq!(
        k.get(&format!("/connectors/{src}/offsets")).await,
        (200, json!({"offsets": []}))
    );
    assert_eq!(k.call("PATCH", &format!("/connectors/{src}/offsets"), Some(json!({"offsets": [{"partition": {"filename": input_name}, "offset": {"position": 4}}]}))).await.0, 200);
    assert_eq!(
        k.call("PUT", &format!("/connectors/{src}/resume"), None)
            .await
            .0,
        202
    );
    k.until_state(&src, "RUNNING", 1).await;
    wait_lines(&output, 4, Duration::from_secs(60), &k);
    assert_eq!(
        lines(&output),
        ["a", "b", "c", "c"],
        "the source did not resume at the altered position"
    );

    // Sink offsets: the consumer group's.
    let sink_offsets = |o: i64| json!({"offsets": [{"partition": {"kafka_partition": 0, "kafka_topic": topic}, "offset": {"kafka_offset": o}}]});
    k.until(
        &format!("/connectors/{sink}/offsets"),
        "sink offsets committed",
        |o| o == &sink_offsets(4),
    )
    .await;
    k.stop_connector(&sink).await;
    // Offset 1: neither the start of the topic nor, most likely, of a record batch (the
    // source sent "a", "b" and "c" together), so the sink must fetch from inside a batch and
    // skip the records before its offset.
    let altered = k.call("PATCH", &format!("/connectors/{sink}/offsets"), Some(json!({"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": "0"}, "offset": {"kafka_offset": 1}}]}))).await;
    assert_eq!(
        altered,
        (
            200,
            json!({"message": "The offsets for this connector have been altered successfully"})
        )
    );
    assert_eq!(
        k.get(&format!("/connectors/{sink}/offsets")).await,
        (200, sink_offsets(1))
    );
    assert_eq!(
        k.call("PUT", &format!("/connectors/{sink}/resume"), None)
            .await
            .0,
        202
    );
    wait_lines(&output, 7, Duration::from_secs(60), &k);
    assert_eq!(
        lines(&output),
        ["a", "b", "c", "c", "b", "c", "c"],
        "the sink did not resume at the altered offset"
    );
    k.until(
        &format!("/connectors/{sink}/offsets"),
        "sink offsets after replay",
        |o| o == &sink_offsets(4),
    )
    .await;
    k.stop_connector(&sink).await;
    let reset = k
        .call("DELETE", &format!("/connectors/{sink}/offsets"), None)
        .await;
    assert_eq!(
        reset,
        (
            200,
            json!({"message": "The offsets for this connector have been reset successfully"})
        )
    );
    assert_eq!(
        k.get(&format!("/connectors/{sink}/offsets")).await,
        (200, json!({"offsets": []}))
    );
    assert_eq!(
        k.call("PUT", &format!("/connectors/{sink}/resume"), None)
            .await
            .0,
        202
    );
    wait_lines(&output, 11, Duration::from_secs(60), &k);
    assert_eq!(
        lines(&output)[7..],
        ["a", "b", "c", "c"],
        "the sink did not start over after the reset"
    );

    // Restarts.
    let r = k
        .send("POST", &format!("/connectors/{src}/restart"), None, None)
        .await;
    assert_eq!((r.status, r.body), (204, Value::Null));
    let (code, plan) = k
        .call(
            "POST",
            &format!("/connectors/{src}/restart?includeTasks=true"),
            None,
        )
        .await;
    assert_eq!(code, 202);
    assert_eq!(
        plan,
        json!({"name": src, "connector": {"state": "RESTARTING", "worker_id": wid, "version": VERSION}, "tasks": [{"id": 0, "state": "RESTARTING", "worker_id": wid, "version": VERSION}], "type": "source"})
    );
    k.until_state(&src, "RUNNING", 1).await;
    let (code, plan) = k
        .call(
            "POST",
            &format!("/connectors/{src}/restart?onlyFailed=true"),
            None,
        )
        .await;
    assert_eq!(code, 202);
    assert_eq!(
        plan,
        json!({"name": src, "connector": {"state": "RUNNING", "worker_id": wid, "version": VERSION}, "tasks": [{"id": 0, "state": "RUNNING", "worker_id": wid, "version": VERSION}], "type": "source"})
    );
    let (code, plan) = k
        .call(
            "POST",
            &format!("/connectors/{src}/restart?includeTasks=true&onlyFailed=true"),
            None,
        )
        .await;
    assert_eq!((code, &plan["tasks"][0]["state"]), (202, &json!("RUNNING")));
    let r = k
        .send(
            "POST",
            &format!("/connectors/{src}/tasks/0/restart"),
            None,
            None,
        )
        .await;
    assert_eq!((r.status, r.body), (204, Value::Null));
    k.until_state(&src, "RUNNING", 1).await;

    // Reconfigure with PUT and PATCH.
    let mut updated = src_config.clone();
    updated["batch.size"] = json!("100");
    let (code, info) = k
        .call(
            "PUT",
            &format!("/connectors/{src}/config"),
            Some(updated.clone()),
        )
        .await;
    assert_eq!((code, &info["config"]), (200, &updated));
    assert_eq!(k.get(&format!("/connectors/{src}/config")).await.1, updated);
    let (code, info) = k
        .call(
            "PATCH",
            &format!("/connectors/{src}/config"),
            Some(json!({"batch.size": null, "tasks.max": "2"})),
        )
        .await;
    let mut patched = src_config.clone();
    patched["tasks.max"] = json!("2");
    assert_eq!(
        (code, info),
        (
            200,
            json!({"name": src, "config": patched, "tasks": [{"connector": src, "task": 0}], "type": "source"})
        )
    );
    k.until_state(&src, "RUNNING", 1).await;
    append_lines(&input, 0, 1);
    wait_lines(&output, 12, Duration::from_secs(60), &k);

    // Delete.
    let r = k
        .send("DELETE", &format!("/connectors/{src}"), None, None)
        .await;
    assert_eq!((r.status, r.body), (204, Value::Null));
    assert_eq!(
        k.get(&format!("/connectors/{src}")).await,
        (
            404,
            json!({"error_code": 404, "message": format!("Connector {src} not found")})
        )
    );
    assert_eq!(
        k.get(&format!("/connectors/{src}/status")).await,
        (
            404,
            json!({"error_code": 404, "message": format!("No status found for connector {src}")})
        )
    );
    assert_eq!(k.get("/connectors").await, (200, json!([sink])));
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_task_shows_trace_and_restarts_only_failed() {
    let broker = Broker::shared();
    let (topic, bad) = (unique("f"), unique("bad"));
    broker.create_topic(&topic, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.start(&[]);
    k.wait_rest().await;
    let wid = k.worker_id();
    let bad_output = dir.path().join("no-such-dir").join("out.txt");
    // Automatic restarts (on by default in kconnect) would race with the checks below.
    let config = json!({"connector.class": "FileStreamSink", "topics": topic, "file": bad_output.to_str().unwrap(), "kconnect.restart.enable": "false"});
    assert_eq!(
        k.call("PUT", &format!("/connectors/{bad}/config"), Some(config))
            .await
            .0,
        201
    );
    let status = k
        .until(&format!("/connectors/{bad}/status"), "task failed", |s| {
            s["tasks"][0]["state"] == "FAILED"
        })
        .await;
    assert_eq!(
        status["connector"],
        json!({"state": "RUNNING", "worker_id": wid, "version": VERSION})
    );
    let trace = status["tasks"][0]["trace"].as_str().unwrap();
    assert!(trace.contains("no-such-dir"), "{trace}");
    let (_, task) = k.get(&format!("/connectors/{bad}/tasks/0/status")).await;
    assert_eq!(
        (task["state"].clone(), task["trace"].as_str().is_some()),
        (json!("FAILED"), true)
    );
    let (code, plan) = k
        .call(
            "POST",
            &format!("/connectors/{bad}/restart?includeTasks=true&onlyFailed=true"),
            None,
        )
        .await;
    assert_eq!(code, 202);
    assert_eq!(
        plan["connector"],
        json!({"state": "RUNNING", "worker_id": wid, "version": VERSION})
    );
    assert_eq!(plan["tasks"][0]["state"], "RESTARTING");
    std::fs::create_dir(dir.path().join("no-such-dir")).unwrap();
    assert_eq!(
        k.call("POST", &format!("/connectors/{bad}/tasks/0/restart"), None)
            .await
            .0,
        204
    );
    k.until_state(&bad, "RUNNING", 1).await;
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
