//! Side by side with Java Kafka Connect: one Java worker and two kconnect workers with one
//! `group.id` (protocol `sessioned`) form one cluster on the shared Apache Kafka broker.
//! Connectors created through any worker (a follower forwards to the leader, whichever kind
//! it is) run exactly once, spread over both kinds; when the Java worker is SIGKILLed its
//! work moves to the kconnect workers and no line is lost.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use common::cluster::wait_healthy;
use common::{append_lines, read_distinct, Kconnect};
use kconnect_testkit::{unique, Broker, JavaConnect, TopicReader};
use serde_json::{json, Value};

const CONNECTORS: usize = 4;

/// Waits until every connector and task runs, as `k` reports them; returns the worker ids
/// running each connector's task.
async fn until_all_running(
    k: &Kconnect,
    names: &[String],
    logs: &dyn Fn() -> String,
) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut owners = Vec::new();
        for name in names {
            let (status, body) = k.get(&format!("/connectors/{name}/status")).await;
            let task = &body["tasks"][0];
            if status == 200
                && body["connector"]["state"] == "RUNNING"
                && task["state"] == "RUNNING"
            {
                owners.push(task["worker_id"].as_str().unwrap_or_default().to_string());
            }
        }
        if owners.len() == names.len() {
            return owners;
        }
        assert!(Instant::now() < deadline, "not all running:\n{}", logs());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The values of `topic`, waiting until at least `expected` arrived.
fn values(broker: &Broker, topic: &str, expected: usize) -> Vec<String> {
    TopicReader::new(broker)
        .read(topic, 1, expected, Duration::from_secs(90))
        .iter()
        .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_java_worker_and_kconnect_workers_share_one_cluster() {
    let broker = Broker::shared();
    let root = tempfile::tempdir().unwrap();
    let group = unique("mixed");
    let extra = "scheduled.rebalance.max.delay.ms=0\nkey.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\n";
    // The Java worker gets the same worker file a kconnect worker would (its REST client
    // is a kconnect helper that is never started).
    let java_dir = root.path().join("java");
    let java_rest = Kconnect::new_distributed(&java_dir, &broker, &group, extra);
    let mut java = JavaConnect::distributed(&java_dir, &java_dir.join("worker.properties"));
    let java_id = format!("127.0.0.1:{}", java_rest.port);
    wait_healthy(&java_rest).await;
    let mut workers: Vec<Kconnect> = (0..2)
        .map(|n| {
            Kconnect::new_distributed(&root.path().join(format!("k{n}")), &broker, &group, extra)
        })
        .collect();
    for w in &mut workers {
        w.start_distributed();
    }
    for w in &workers {
        wait_healthy(w).await;
    }
    let all_logs = |java: &JavaConnect, workers: &[Kconnect]| {
        format!(
            "--- Java ---\n{}\n{}",
            java.log(),
            workers
                .iter()
                .map(|w| format!("--- kconnect ---\n{}", w.log()))
                .collect::<String>()
        )
    };

    // Four connectors, created through the Java worker and the kconnect workers in turn.
    let mut names = Vec::new();
    let mut inputs = Vec::new();
    for n in 0..CONNECTORS {
        let name = format!("mixed-{n}");
        let topic = format!("{group}-{n}");
        broker.create_topic(&topic, 1).await;
        let input = root.path().join(format!("in-{n}.txt"));
        append_lines(&input, 0, 100);
        let via: &Kconnect = if n % 2 == 0 {
            &java_rest
        } else {
            &workers[n / 2 % 2]
        };
        let (status, body) = via.create_file_source(&name, &input, &topic).await;
        assert_eq!(status, 201, "{body}\n{}", all_logs(&java, &workers));
        names.push(name);
        inputs.push((input, topic));
    }
    let logs = || all_logs(&java, &workers);
    let owners = until_all_running(&workers[0], &names, &logs).await;
    // Every worker of the cluster sees the same statuses, Java's included.
    let (_, listed) = java_rest.get("/connectors?expand=status").await;
    let java_version = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/java-connect/version"),
    )
    .unwrap();
    for name in &names {
        let task = &listed[name]["status"]["tasks"][0];
        assert_eq!(task["state"], "RUNNING", "{listed}");
        // Each status carries the plugin version of the worker kind that runs it (KIP-891),
        // written by one kind and read by the other through the status topic.
        let expected = if task["worker_id"] == java_id.as_str() {
            java_version.trim()
        } else {
            env!("CARGO_PKG_VERSION")
        };
        assert_eq!(task["version"], expected, "{listed}");
    }
    // Each line arrived exactly once: every task runs on exactly one worker.
    for (_, topic) in &inputs {
        let got = values(&broker, topic, 100);
        assert_eq!(got.len(), 100, "{topic}: {} lines\n{}", got.len(), logs());
        let distinct: BTreeSet<&String> = got.iter().collect();
        assert_eq!(distinct.len(), 100, "{topic} has duplicates");
    }
    eprintln!("task owners: {owners:?} (Java is {java_id})");

    // Lifecycle requests through either kind reach the connector wherever it runs.
    let by_java = &java_rest;
    let by_kconnect = &workers[1];
    for (via, name) in [(by_java, &names[1]), (by_kconnect, &names[0])] {
        let (status, body) = via
            .call("PUT", &format!("/connectors/{name}/pause"), None)
            .await;
        assert_eq!(status, 202, "{body}");
        for seen_by in [by_java, by_kconnect] {
            seen_by
                .until(
                    &format!("/connectors/{name}/status"),
                    "paused everywhere",
                    |b| b["connector"]["state"] == "PAUSED" && b["tasks"][0]["state"] == "PAUSED",
                )
                .await;
        }
        let (status, body) = via
            .call("PUT", &format!("/connectors/{name}/resume"), None)
            .await;
        assert_eq!(status, 202, "{body}");
        let (status, body) = via
            .call(
                "POST",
                &format!("/connectors/{name}/restart?includeTasks=true&onlyFailed=false"),
                None,
            )
            .await;
        assert!(status == 202 || status == 204, "{status}: {body}");
    }
    // A configuration change made through Java is seen, and applied, by kconnect.
    let (status, body) = by_java
        .call(
            "PATCH",
            &format!("/connectors/{}/config", names[2]),
            Some(json!({"batch.size": "500"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    by_kconnect
        .until(
            &format!("/connectors/{}/config", names[2]),
            "the new configuration",
            |b| b["batch.size"] == "500",
        )
        .await;
    // A connector created through kconnect is deleted through Java.
    let doomed_topic = format!("{group}-doomed");
    broker.create_topic(&doomed_topic, 1).await;
    let doomed_input = root.path().join("in-doomed.txt");
    append_lines(&doomed_input, 0, 1);
    let (status, body) = by_kconnect
        .create_file_source("mixed-doomed", &doomed_input, &doomed_topic)
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = by_java
        .call("DELETE", "/connectors/mixed-doomed", None)
        .await;
    assert_eq!(status, 204, "{body}");
    by_kconnect
        .until("/connectors", "the deletion", |b| {
            b.as_array()
                .is_some_and(|a| !a.iter().any(|n| n == "mixed-doomed"))
        })
        .await;
    until_all_running(&workers[0], &names, &logs).await;

    // The Java worker dies: its work moves to the kconnect workers, nothing is lost.
    java.kill9();
    for (input, _) in &inputs {
        append_lines(input, 100, 50);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let owners = loop {
        let owners = until_all_running(&workers[0], &names, &|| all_logs(&java, &workers)).await;
        if owners.iter().all(|o| *o != java_id) {
            break owners;
        }
        assert!(
            Instant::now() < deadline,
            "work stayed on the dead Java worker: {owners:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let mut duplicates = 0;
    for (_, topic) in &inputs {
        // Lines sent again after the restart (from the last committed offset) count toward
        // what is read: read until every distinct line is there.
        let (distinct, dup) = read_distinct(&broker, topic, 150);
        assert_eq!(
            distinct,
            150,
            "{topic}: lines lost\n{}",
            all_logs(&java, &workers)
        );
        duplicates += dup;
    }
    eprintln!("after the Java worker was killed: owners {owners:?}, {duplicates} duplicate lines (at-least-once window)");

    // A new Java worker joins a cluster a kconnect worker now leads, takes a share of the
    // work, and forwards a creation to that leader.
    let java2_dir = root.path().join("java2");
    let java2_rest = Kconnect::new_distributed(&java2_dir, &broker, &group, extra);
    let java2 = JavaConnect::distributed(&java2_dir, &java2_dir.join("worker.properties"));
    let java2_id = format!("127.0.0.1:{}", java2_rest.port);
    wait_healthy(&java2_rest).await;
    let extra_topic = format!("{group}-extra");
    broker.create_topic(&extra_topic, 1).await;
    let extra_input = root.path().join("in-extra.txt");
    append_lines(&extra_input, 0, 10);
    let (status, body) = java2_rest
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": "mixed-extra", "config": {
                "connector.class": "FileStreamSource",
                "file": extra_input.display().to_string(),
                "topic": extra_topic,
            }})),
        )
        .await;
    assert_eq!(status, 201, "{body}\n{}", java2.log());
    names.push("mixed-extra".to_string());
    let both = |java2: &JavaConnect, workers: &[Kconnect]| {
        format!(
            "--- Java ---\n{}\n{}",
            java2.log(),
            workers
                .iter()
                .map(|w| format!("--- kconnect ---\n{}", w.log()))
                .collect::<String>()
        )
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let owners = loop {
        let owners = until_all_running(&workers[1], &names, &|| both(&java2, &workers)).await;
        if owners.contains(&java2_id) {
            break owners;
        }
        assert!(
            Instant::now() < deadline,
            "the new Java worker got no work: {owners:?}\n{}",
            both(&java2, &workers)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    eprintln!("with a second Java worker: owners {owners:?} (Java is {java2_id})");
    assert_eq!(values(&broker, &extra_topic, 10).len(), 10);

    // A kconnect worker dies: its work moves to the others, Java's included.
    let killed = workers[0].worker_id();
    workers[0].kill9();
    for (input, _) in &inputs {
        append_lines(input, 150, 50);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let owners = until_all_running(&workers[1], &names, &|| both(&java2, &workers)).await;
        if owners.iter().all(|o| *o != killed) {
            eprintln!("after a kconnect worker was killed: owners {owners:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "work stayed on the dead kconnect worker: {owners:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for (_, topic) in &inputs {
        let (distinct, _) = read_distinct(&broker, topic, 200);
        assert_eq!(
            distinct,
            200,
            "{topic}: lines lost\n{}",
            both(&java2, &workers)
        );
    }
    let (_, info): (u16, Value) = workers[1].get("/connectors").await;
    assert_eq!(
        info.as_array().map(Vec::len),
        Some(CONNECTORS + 1),
        "{info}"
    );
    assert_eq!(workers[1].stop(), Some(0), "{}", workers[1].log());
}
