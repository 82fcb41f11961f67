//! The Avro converter end to end, standalone, on a real broker and a real Schema Registry
//! (Apicurio Registry's Confluent API): Datagen writes Avro records (keys and values) whose
//! schemas it registers, a FileStreamSink reads them back into the same lines the records
//! render to, and a record that is not Avro goes to the dead letter queue.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{wait_lines, Kconnect};
use kconnect_datagen::{Shape, ShapeKind};
use kconnect_testkit::{unique, Broker, SchemaRegistry, TopicReader};

const AVRO: &str = "io.confluent.connect.avro.AvroConverter";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datagen_to_avro_to_file_sink_with_a_poison_record_in_the_dlq() {
    let broker = Broker::shared();
    let registry = SchemaRegistry::start();
    let topic = unique("avro");
    let dlq = format!("{topic}-dlq");
    broker.create_topic(&topic, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let url = registry.url();
    let mut k = Kconnect::new(
        dir.path(),
        &broker,
        &format!(
            "key.converter={AVRO}\nkey.converter.schema.registry.url={url}\nvalue.converter={AVRO}\nvalue.converter.schema.registry.url={url}\n"
        ),
    );
    let records = 500;
    let source = k.connector_file(
        "datagen.properties",
        &format!("name=gen\nconnector.class=Datagen\ntasks.max=1\nkafka.topic={topic}\nkey=sequence\nseed=7\nmax.records={records}\n"),
    );
    let out = dir.path().join("sink.txt");
    // Registry credentials in a connector's converter settings (the registry here asks for
    // none): never shown by the REST API nor logged (the `Kconnect` helper checks every
    // answer and the log for the test secrets).
    let sink = k.connector_file(
        "sink.properties",
        &format!(
            "name=sink\nconnector.class=FileStreamSink\ntasks.max=1\ntopics={topic}\nfile={}\nerrors.tolerance=all\nerrors.deadletterqueue.topic.name={dlq}\nerrors.deadletterqueue.topic.replication.factor=1\nerrors.deadletterqueue.context.headers.enable=true\nvalue.converter={AVRO}\nvalue.converter.schema.registry.url={url}\nvalue.converter.basic.auth.credentials.source=USER_INFO\nvalue.converter.basic.auth.user.info=reader:{}\n",
            out.display(),
            common::REGISTRY_SECRET
        ),
    );
    k.start(&[&source, &sink]);
    k.wait_rest().await;
    let lines = wait_lines(&out, records, Duration::from_secs(90), &k);
    assert_eq!(lines.len(), records, "{}", k.log());
    // Each line is the record as the source made it (Avro carried every field through).
    let shape = Shape::new(ShapeKind::Struct10).unwrap();
    for n in [0usize, 1, records - 1] {
        assert_eq!(lines[n], shape.value(7, n as u64).to_string(), "line {n}");
    }
    // On the wire: Confluent's framing, and both subjects registered.
    let written = TopicReader::new(&broker).read(&topic, 1, 1, Duration::from_secs(30));
    let value = written[0].value.as_deref().unwrap();
    assert_eq!(value[0], 0, "magic byte");
    let subjects = std::process::Command::new("curl")
        .args(["-s", &format!("{url}/subjects")])
        .output()
        .unwrap();
    let subjects = String::from_utf8_lossy(&subjects.stdout).to_string();
    assert!(
        subjects.contains(&format!("{topic}-value")) && subjects.contains(&format!("{topic}-key")),
        "{subjects}"
    );
    // A record written by something else is a data error: skipped into the DLQ.
    common::produce(&broker, &topic, 0, &["not avro at all"]).await;
    let dead = TopicReader::new(&broker).read(&dlq, 1, 1, Duration::from_secs(60));
    assert_eq!(dead.len(), 1, "{}", k.log());
    assert_eq!(dead[0].value.as_deref(), Some(&b"not avro at all"[..]));
    let header = |name: &str| {
        dead[0]
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_ref().map(|v| String::from_utf8_lossy(v).into_owned()))
            .unwrap_or_default()
    };
    assert_eq!(
        header("__connect.errors.exception.class.name"),
        "org.apache.kafka.connect.errors.DataException"
    );
    assert!(
        header("__connect.errors.exception.message").contains("magic byte"),
        "{}",
        header("__connect.errors.exception.message")
    );
    assert_eq!(
        common::lines(&out).len(),
        records,
        "the poison record wrote no line"
    );
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

/// Runs tests/python/avro_client.py (Confluent's Python serdes) in the tests' virtual
/// environment; returns its standard output.
fn python_client(args: &[&str]) -> String {
    let python = kconnect_testkit::kafka_dist::cache_dir().join("python/bin/python3");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/avro_client.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .expect("run the Python client (installed by scripts/setup)");
    assert!(
        out.status.success(),
        "avro_client.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluents_python_serdes_and_kconnect_read_each_other() {
    let broker = Broker::shared();
    let registry = SchemaRegistry::start();
    let url = registry.url();
    let from_python = unique("avro-py");
    let from_kconnect = unique("avro-kc");
    broker.create_topic(&from_python, 1).await;
    broker.create_topic(&from_kconnect, 1).await;
    let count = 20;
    // Python writes orders; kconnect's sink reads them.
    python_client(&[
        "produce",
        &broker.bootstrap(),
        &url,
        &from_python,
        &count.to_string(),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let mut k = Kconnect::new(
        dir.path(),
        &broker,
        &format!(
            "key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter={AVRO}\nvalue.converter.schema.registry.url={url}\n"
        ),
    );
    let out = dir.path().join("orders.txt");
    let sink = k.connector_file(
        "sink.properties",
        &format!(
            "name=orders\nconnector.class=FileStreamSink\ntopics={from_python}\nfile={}\n",
            out.display()
        ),
    );
    let source = k.connector_file(
        "datagen.properties",
        &format!("name=gen\nconnector.class=Datagen\nkafka.topic={from_kconnect}\nkey=none\nseed=7\nmax.records={count}\n"),
    );
    k.start(&[&sink, &source]);
    k.wait_rest().await;
    let lines = wait_lines(&out, count, Duration::from_secs(90), &k);
    let expected: Vec<String> = (0..count)
        .map(|n| {
            let note = if n % 2 == 1 {
                String::new()
            } else {
                format!(",note=note {n}")
            };
            format!("Struct{{id={n},item=item-{n},price={n}.5{note}}}")
        })
        .collect();
    assert_eq!(lines, expected, "{}", k.log());
    // kconnect writes Datagen records; Python reads them.
    let read = python_client(&[
        "consume",
        &broker.bootstrap(),
        &url,
        &from_kconnect,
        &count.to_string(),
    ]);
    let read: Vec<serde_json::Value> = read
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(read.len(), count, "{}", k.log());
    let shape = Shape::new(ShapeKind::Struct10).unwrap();
    for (n, value) in read.iter().enumerate() {
        let expected = shape.value(7, n as u64);
        let s = expected.as_struct().unwrap();
        for field in ["id", "name", "email", "age", "active", "country"] {
            let want = match s.get(field).unwrap() {
                kconnect_api::Value::Int64(v) => serde_json::json!(v),
                kconnect_api::Value::Int32(v) => serde_json::json!(v),
                kconnect_api::Value::Boolean(v) => serde_json::json!(v),
                kconnect_api::Value::String(v) => serde_json::json!(v),
                kconnect_api::Value::Null => serde_json::Value::Null,
                other => serde_json::json!(other.to_string()),
            };
            assert_eq!(value[field], want, "record {n}, field {field}: {value}");
        }
    }
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_distributed_cluster_moves_avro_records_end_to_end() {
    let broker = Broker::shared();
    let registry = SchemaRegistry::start();
    let url = registry.url();
    let group = unique("avro-cluster");
    let topic = format!("{group}-data");
    broker.create_topic(&topic, 2).await;
    let root = tempfile::tempdir().unwrap();
    let extra = format!("value.converter={AVRO}\nvalue.converter.schema.registry.url={url}\n");
    let mut workers: Vec<Kconnect> = (0..2)
        .map(|n| {
            Kconnect::new_distributed(&root.path().join(format!("w{n}")), &broker, &group, &extra)
        })
        .collect();
    for w in &mut workers {
        w.start_distributed();
    }
    for w in &workers {
        common::cluster::wait_healthy(w).await;
    }
    let records = 300;
    let out = root.path().join("sink.txt");
    let requests = [
        serde_json::json!({"name": "gen", "config": {
            "connector.class": "Datagen", "tasks.max": "2", "kafka.topic": topic,
            "key": "sequence", "seed": "7", "max.records": records.to_string()}}),
        serde_json::json!({"name": "sink", "config": {
            "connector.class": "FileStreamSink", "tasks.max": "1", "topics": topic,
            "file": out.display().to_string()}}),
    ];
    for (n, request) in requests.iter().enumerate() {
        // Through either worker: a follower forwards to the leader.
        let via = &workers[n % 2];
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (status, body) = via.call("POST", "/connectors", Some(request.clone())).await;
            if status == 201 {
                break;
            }
            assert!(
                status == 409 && std::time::Instant::now() < deadline,
                "{status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let lines = wait_lines(&out, records, Duration::from_secs(90), &workers[0]);
    assert_eq!(
        lines.len(),
        records,
        "{}",
        common::cluster::all_logs(&[&workers[0], &workers[1]])
    );
    // Two tasks split the sequence; every record arrives once, as Datagen made it.
    let shape = Shape::new(ShapeKind::Struct10).unwrap();
    let mut expected: Vec<String> = (0..records as u64)
        .map(|n| shape.value(7, n).to_string())
        .collect();
    let mut got = lines.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    for w in &mut workers {
        assert_eq!(w.stop(), Some(0), "{}", w.log());
    }
}
