//! End-to-end: connectors created, changed, paused or stopped through the REST API survive a
//! restart of the standalone worker (stored beside the offsets file), unless persistence is
//! turned off; connector files on the command line are applied on top of what was stored.
//! The Apache Kafka broker is shared by the test run, so the topics are unique to each test.

#![allow(clippy::unwrap_used)]

mod common;

use common::Kconnect;
use kconnect_testkit::{unique, Broker};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connectors_survive_a_restart() {
    let broker = Broker::shared();
    let prefix = unique("persisted");
    let topic = |name: &str| format!("{prefix}-{name}");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "").unwrap();
    let file = input.to_str().unwrap();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.start(&[]);
    k.wait_rest().await;
    let config = |name: &str| json!({"connector.class": "FileStreamSource", "file": file, "topic": topic(name)});
    assert_eq!(
        k.call(
            "POST",
            "/connectors",
            Some(json!({"name": "running", "config": config("a")}))
        )
        .await
        .0,
        201
    );
    assert_eq!(
        k.call(
            "POST",
            "/connectors",
            Some(json!({"name": "paused", "config": config("b")}))
        )
        .await
        .0,
        201
    );
    assert_eq!(k.call("PUT", "/connectors/paused/pause", None).await.0, 202);
    assert_eq!(
        k.call(
            "POST",
            "/connectors",
            Some(json!({"name": "stopped", "config": config("c"), "initial_state": "STOPPED"}))
        )
        .await
        .0,
        201
    );
    assert_eq!(
        k.call(
            "POST",
            "/connectors",
            Some(json!({"name": "deleted", "config": config("d")}))
        )
        .await
        .0,
        201
    );
    assert_eq!(k.call("DELETE", "/connectors/deleted", None).await.0, 204);
    assert_eq!(
        k.call(
            "PATCH",
            "/connectors/running/config",
            Some(json!({"topic": topic("a2")}))
        )
        .await
        .0,
        200
    );
    k.until_state("paused", "PAUSED", 1).await;
    assert_eq!(k.stop(), Some(0), "{}", k.log());

    k.start(&[]);
    k.wait_rest().await;
    assert_eq!(
        k.get("/connectors").await,
        (200, json!(["paused", "running", "stopped"]))
    );
    let mut expected = config("a2");
    expected["name"] = json!("running");
    assert_eq!(k.get("/connectors/running/config").await, (200, expected));
    k.until_state("running", "RUNNING", 1).await;
    k.until_state("paused", "PAUSED", 1).await;
    let stopped = k
        .until("/connectors/stopped/status", "stopped restored", |s| {
            s["connector"]["state"] == "STOPPED"
        })
        .await;
    assert_eq!(stopped["tasks"], json!([]));

    // A command-line file replaces a stored configuration and keeps its target state.
    let file_config = k.connector_file(
        "paused.properties",
        &format!(
            "name=paused\nconnector.class=FileStreamSource\nfile={file}\ntopic={}\n",
            topic("from-file")
        ),
    );
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    k.start(&[&file_config]);
    k.wait_rest().await;
    assert_eq!(
        k.get("/connectors/paused/config").await.1["topic"],
        topic("from-file")
    );
    k.until_state("paused", "PAUSED", 1).await;
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistence_can_be_turned_off() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "").unwrap();
    let mut k = Kconnect::new(
        dir.path(),
        &broker,
        "kconnect.connector.persistence.enable=false",
    );
    k.start(&[]);
    k.wait_rest().await;
    let config = json!({"connector.class": "FileStreamSource", "file": input.to_str().unwrap(), "topic": unique("not-persisted")});
    assert_eq!(
        k.call("PUT", "/connectors/c/config", Some(config)).await.0,
        201
    );
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    assert!(!dir.path().join("connect.offsets.connectors.json").exists());
    k.start(&[]);
    k.wait_rest().await;
    assert_eq!(k.get("/connectors").await, (200, json!([])));
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_store_stops_startup_with_its_path() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let k = Kconnect::new(dir.path(), &broker, "");
    std::fs::write(dir.path().join("connect.offsets.connectors.json"), "{oops").unwrap();
    let (code, out) = k.run_to_exit(&[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("connect.offsets.connectors.json"), "{out}");
}
