//! Kafka's own test connectors (`org.apache.kafka.connect.tools.*`) on Java Kafka Connect
//! and on kconnect, from the same worker and connector files: the same records in the
//! topics, the same JSON lines printed, the same failures on demand.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::side_by_side::{comparable, read_partitions, start, Impl, Worker};
use kconnect_testkit::{unique, Broker, ConsumedRecord};

const JSON_WORKER: &str = "key.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable=true\nvalue.converter.schemas.enable=true\n";

fn create_topic(broker: &Broker, topic: &str, partitions: i32) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(broker.create_topic(topic, partitions));
}

/// Records in (partition, offset) order.
fn ordered(mut records: Vec<ConsumedRecord>) -> Vec<ConsumedRecord> {
    records.sort_by_key(|r| (r.partition, r.offset));
    records
}

/// The worker's output lines that `keep` selects, once `done` holds for them (or after 90 s).
fn wait_for_lines(
    worker: &Worker,
    keep: impl Fn(&str) -> bool,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let lines: Vec<String> = worker
            .log()
            .lines()
            .filter(|l| keep(l))
            .map(str::to_string)
            .collect();
        if done(&lines) || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn schema_source_writes_the_same_records_and_lines() {
    let broker = Broker::shared();
    let run = unique("tools-schema");
    let root = tempfile::tempdir().unwrap();
    let per_task = 30;
    let [java, kconnect] = [Impl::Java, Impl::Kconnect].map(|which| {
        let topic = format!("{run}-{}", which.tag());
        create_topic(&broker, &topic, 2);
        let connector = format!(
            "name=schema-source\nconnector.class=org.apache.kafka.connect.tools.SchemaSourceConnector\ntasks.max=2\ntopic={topic}\nnum.messages={per_task}\nthroughput=-1\nmultiple.schema=true\npartition.count=3\n"
        );
        let mut w = start(
            which,
            &broker,
            &root.path().join(which.tag()),
            JSON_WORKER,
            &[("schema.properties", connector)],
        );
        let records = ordered(read_partitions(&broker, &topic, 2, 2 * per_task, &w));
        let lines: BTreeSet<String> = wait_for_lines(
            &w,
            |l| l.starts_with("{\"task\": "),
            |l| l.len() >= 2 * per_task,
        )
        .into_iter()
        .collect();
        w.stop();
        (comparable(&records), lines)
    });
    assert_eq!(java.0.len(), 2 * per_task);
    for (n, (j, k)) in java.0.iter().zip(&kconnect.0).enumerate() {
        assert_eq!(j, k, "record {n} differs (left: Java, right: kconnect)");
    }
    assert_eq!(java.0.len(), kconnect.0.len());
    // Both schema versions are really there.
    assert!(kconnect.0[1]
        .value
        .as_deref()
        .unwrap()
        .contains("\"string\":\"def\""));
    assert_eq!(java.1.len(), 2 * per_task, "{:?}", java.1);
    assert_eq!(java.1, kconnect.1, "printed lines (left: Java)");
}

/// A printed line with its `time_ms` zeroed and the implementation's tag out of topic names.
fn normalised(line: &str, tag: &str) -> String {
    let key = "\"time_ms\":";
    let line = line.replace(&format!("-{tag}"), "-<impl>");
    match line.find(key) {
        Some(at) => {
            let start = at + key.len();
            let end = start + line[start..].find([',', '}']).unwrap();
            format!("{}0{}", &line[..start], &line[end..])
        }
        None => line,
    }
}

/// The seqno of a printed line.
fn seqno(line: &str) -> Option<i64> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v["seqno"].as_i64()
}

/// The verifiable connectors' lines of seqno below `n`, normalised, by kind.
#[derive(Debug, Default, PartialEq)]
struct Printed {
    produced: BTreeSet<String>,
    committed: BTreeSet<String>,
    received: BTreeSet<String>,
    flushed: BTreeSet<String>,
}

fn printed(lines: &[String], tag: &str, n: i64) -> Printed {
    let mut p = Printed::default();
    for line in lines {
        if seqno(line).is_none_or(|s| s >= n) {
            continue;
        }
        let text = normalised(line, tag);
        let set = if line.contains("\"flushed\":true") {
            &mut p.flushed
        } else if line.contains("\"sinkTask\"") {
            &mut p.received
        } else if line.contains("\"committed\":true") {
            &mut p.committed
        } else {
            &mut p.produced
        };
        set.insert(text);
    }
    p
}

#[test]
fn verifiable_source_and_sink_write_and_print_the_same() {
    let broker = Broker::shared();
    let run = unique("tools-verifiable");
    let root = tempfile::tempdir().unwrap();
    let n = 40;
    let [java, kconnect] = [Impl::Java, Impl::Kconnect].map(|which| {
        let tag = which.tag();
        let topic = format!("{run}-{tag}");
        create_topic(&broker, &topic, 1);
        let source = format!(
            "name=verifiable-source\nconnector.class=org.apache.kafka.connect.tools.VerifiableSourceConnector\ntasks.max=1\ntopic={topic}\nthroughput=200\n"
        );
        let sink = format!(
            "name=verifiable-sink\nconnector.class=org.apache.kafka.connect.tools.VerifiableSinkConnector\ntasks.max=1\ntopics={topic}\nconsumer.override.group.id={run}-{tag}\n"
        );
        let mut w = start(
            which,
            &broker,
            &root.path().join(tag),
            JSON_WORKER,
            &[("source.properties", source), ("sink.properties", sink)],
        );
        let records = read_partitions(&broker, &topic, 1, n, &w);
        let lines = wait_for_lines(
            &w,
            |l| l.starts_with('{') && l.contains("\"seqno\""),
            |l| {
                let p = printed(l, tag, n as i64);
                p.produced.len() == n
                    && p.committed.len() == n
                    && p.received.len() == n
                    && !p.flushed.is_empty()
            },
        );
        w.stop();
        (comparable(&records[..n]), printed(&lines, tag, n as i64), w.log())
    });
    for (n, (j, k)) in java.0.iter().zip(&kconnect.0).enumerate() {
        assert_eq!(j, k, "record {n} differs (left: Java, right: kconnect)");
    }
    assert_eq!(
        kconnect.0[3].value.as_deref(),
        Some("{\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":3}")
    );
    let (j, k) = (&java.1, &kconnect.1);
    for (what, jl, kl) in [
        ("produced", &j.produced, &k.produced),
        ("committed", &j.committed, &k.committed),
        ("received by the sink", &j.received, &k.received),
    ] {
        assert_eq!(jl.len(), n, "Java's {what} lines:\n{}", java.2);
        assert_eq!(jl, kl, "{what} lines (left: Java):\n{}", kconnect.2);
    }
    // Flushes happen at each worker's own pace: each flushed line is a received line, marked.
    for (p, log) in [(j, &java.2), (k, &kconnect.2)] {
        assert!(!p.flushed.is_empty(), "no flushed line:\n{log}");
        for line in &p.flushed {
            let received = line.replace(",\"flushed\":true", "");
            assert!(p.received.contains(&received), "{line}");
        }
    }
}

/// The connector's and first task's states, once `done` holds for them (or after 90 s).
fn wait_states(
    worker: &Worker,
    name: &str,
    done: impl Fn(&str, &str) -> bool,
) -> (String, String, String) {
    let url = format!("http://127.0.0.1:{}/connectors/{name}/status", worker.port);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let body: serde_json::Value = std::process::Command::new("curl")
            .args(["-s", &url])
            .output()
            .ok()
            .and_then(|o| serde_json::from_slice(&o.stdout).ok())
            .unwrap_or_default();
        let connector = body["connector"]["state"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let task = body["tasks"][0]["state"].as_str().unwrap_or("").to_string();
        let trace = body["tasks"][0]["trace"]
            .as_str()
            .or(body["connector"]["trace"].as_str())
            .unwrap_or("")
            .to_string();
        if done(&connector, &task) || Instant::now() > deadline {
            return (connector, task, trace);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn mock_connectors_fail_on_demand_the_same_way() {
    let broker = Broker::shared();
    let run = unique("tools-mock");
    let root = tempfile::tempdir().unwrap();
    let topic = format!("{run}-in");
    create_topic(&broker, &topic, 1);
    let [java, kconnect] = [Impl::Java, Impl::Kconnect].map(|which| {
        let tag = which.tag();
        let connectors = [
            (
                "source-fails.properties",
                "name=source-fails\nconnector.class=org.apache.kafka.connect.tools.MockSourceConnector\ntasks.max=3\nmock_mode=connector-failure\ndelay_ms=500\n".to_string(),
            ),
            (
                "sink-task-fails.properties",
                format!("name=sink-task-fails\nconnector.class=org.apache.kafka.connect.tools.MockSinkConnector\ntasks.max=3\ntopics={topic}\nmock_mode=task-failure\ndelay_ms=500\nconsumer.override.group.id={run}-{tag}\n"),
            ),
            (
                "source-task-fails.properties",
                "name=source-task-fails\nconnector.class=org.apache.kafka.connect.tools.MockSourceConnector\ntasks.max=1\nmock_mode=task-failure\ndelay_ms=500\n".to_string(),
            ),
            (
                "quiet.properties",
                "name=quiet\nconnector.class=org.apache.kafka.connect.tools.MockSourceConnector\ntasks.max=3\n".to_string(),
            ),
        ];
        let mut w = start(which, &broker, &root.path().join(tag), JSON_WORKER, &connectors);
        let states = [
            wait_states(&w, "source-fails", |c, _| c == "FAILED"),
            wait_states(&w, "sink-task-fails", |_, t| t == "FAILED"),
            wait_states(&w, "source-task-fails", |_, t| t == "FAILED"),
            wait_states(&w, "quiet", |c, t| c == "RUNNING" && t == "RUNNING"),
        ];
        let tasks_of_quiet = {
            let url = format!("http://127.0.0.1:{}/connectors/quiet/tasks", w.port);
            let out = std::process::Command::new("curl").args(["-s", &url]).output().unwrap();
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
                .as_array()
                .map_or(0, Vec::len)
        };
        let log = w.log();
        w.stop();
        (states, tasks_of_quiet, log)
    });
    let summary = |s: &[(String, String, String); 4]| {
        s.iter()
            .map(|(c, t, _)| (c.clone(), t.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        summary(&java.0),
        [
            ("FAILED".to_string(), "RUNNING".to_string()),
            ("RUNNING".to_string(), "FAILED".to_string()),
            ("RUNNING".to_string(), "FAILED".to_string()),
            ("RUNNING".to_string(), "RUNNING".to_string()),
        ],
        "Java:\n{}",
        java.2
    );
    assert_eq!(
        summary(&java.0),
        summary(&kconnect.0),
        "kconnect:\n{}",
        kconnect.2
    );
    // One task however many are allowed, as in Java.
    assert_eq!((java.1, kconnect.1), (1, 1));
    // kconnect says why it failed.
    assert!(kconnect.0[1].2.contains("mock_mode"), "{}", kconnect.0[1].2);
}
