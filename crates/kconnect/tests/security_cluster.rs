//! End-to-end on the test broker's secured listeners, configured only with Java's keys (as a
//! Java worker file would be, with the `producer.`, `consumer.` and `admin.` copies Java
//! needs): a standalone file pipeline and a three-worker distributed cluster over SASL_SSL
//! with SCRAM-SHA-512 (JKS trust store), and over mutual TLS (PKCS#12 and JKS key stores).
//! Every line arrives; the REST API and the logs never show the secrets.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::cluster::wait_healthy;
use common::{append_lines, lines, until_delivered, Kconnect};
use kconnect_testkit::{unique, Broker, JavaStores, Listener, TEST_PASSWORD, TEST_USER};
use serde_json::json;

/// Java's client security keys, repeated under every prefix Java's worker reads them from.
fn secure_lines(settings: &[(&str, String)]) -> String {
    let mut out = String::new();
    for prefix in ["", "producer.", "consumer.", "admin."] {
        for (k, v) in settings {
            out.push_str(&format!("{prefix}{k}={}\n", escape(v)));
        }
    }
    out
}

/// A value for a `.properties` line.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

fn sasl_ssl_scram(broker: &Broker, stores: &JavaStores) -> String {
    let jaas = format!(
        r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="{TEST_USER}" password="{TEST_PASSWORD}";"#
    );
    format!(
        "bootstrap.servers={}\n{}",
        broker.bootstrap_for(Listener::SaslSsl),
        secure_lines(&[
            ("security.protocol", "SASL_SSL".into()),
            ("sasl.mechanism", "SCRAM-SHA-512".into()),
            ("sasl.jaas.config", jaas),
            (
                "ssl.truststore.location",
                stores.truststore_jks.display().to_string()
            ),
            ("ssl.truststore.password", JavaStores::STORE_PASSWORD.into()),
        ])
    )
}

fn mutual_tls(broker: &Broker, stores: &JavaStores, jks: bool) -> String {
    let (keystore, kind) = if jks {
        (&stores.keystore_jks, "JKS")
    } else {
        (&stores.keystore_p12, "PKCS12")
    };
    let mut settings = vec![
        ("security.protocol", "SSL".to_string()),
        ("ssl.truststore.type", "PKCS12".into()),
        (
            "ssl.truststore.location",
            stores.truststore_p12.display().to_string(),
        ),
        ("ssl.truststore.password", JavaStores::STORE_PASSWORD.into()),
        ("ssl.keystore.type", kind.into()),
        ("ssl.keystore.location", keystore.display().to_string()),
        ("ssl.keystore.password", JavaStores::STORE_PASSWORD.into()),
    ];
    if jks {
        settings.push(("ssl.key.password", JavaStores::KEY_PASSWORD.into()));
    }
    format!(
        "bootstrap.servers={}\n{}",
        broker.bootstrap_for(Listener::Ssl),
        secure_lines(&settings)
    )
}

/// The secrets of these tests, which must appear in no REST answer and no log.
const SECRETS: [&str; 3] = [
    TEST_PASSWORD,
    JavaStores::STORE_PASSWORD,
    JavaStores::KEY_PASSWORD,
];

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} shows a secret:\n{text}");
    }
}

/// Runs a file → topic → file pipeline in standalone mode with `security` worker lines.
async fn standalone_pipeline(broker: &Broker, security: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.txt"), dir.path().join("out.txt"));
    append_lines(&input, 0, 2_000);
    let topic = unique("secure-lines");
    let (src, sink) = (unique("secure-src"), unique("secure-sink"));
    let mut k = Kconnect::new(dir.path(), broker, security);
    let source = k.connector_file(
        "source.properties",
        &format!("name={src}\nconnector.class=FileStreamSource\nfile={}\ntopic={topic}\ntopic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n", input.display()),
    );
    let sink_file = k.connector_file(
        "sink.properties",
        &format!(
            "name={sink}\nconnector.class=FileStreamSink\nfile={}\ntopics={topic}\n",
            output.display()
        ),
    );
    k.start(&[&source, &sink_file]);
    k.wait_rest().await;
    until_delivered(&input, &output, Duration::from_secs(90), &[&k]).await;
    assert_eq!(lines(&output), lines(&input));
    for path in [
        "/connectors?expand=status&expand=info",
        &format!("/connectors/{src}/config"),
    ] {
        let (code, body) = k.get(path).await;
        assert_eq!(code, 200);
        assert_no_secret(path, &body.to_string());
    }
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    assert_no_secret("the worker's log", &k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_over_sasl_ssl_scram_512() {
    let broker = Broker::shared();
    let stores_dir = tempfile::tempdir().unwrap();
    let stores = broker.tls().java_stores(stores_dir.path());
    standalone_pipeline(&broker, &sasl_ssl_scram(&broker, &stores)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_over_mutual_tls() {
    let broker = Broker::shared();
    let stores_dir = tempfile::tempdir().unwrap();
    let stores = broker.tls().java_stores(stores_dir.path());
    standalone_pipeline(&broker, &mutual_tls(&broker, &stores, false)).await;
}

/// Three distributed workers with `security` worker lines run a file pipeline created
/// through a follower; a connector-level client override with a secret is hidden by REST.
async fn distributed_pipeline(broker: &Broker, security: &str) {
    let root = tempfile::tempdir().unwrap();
    let (input, output) = (root.path().join("in.txt"), root.path().join("out.txt"));
    append_lines(&input, 0, 2_000);
    let topic = unique("secure-dist");
    let group = unique("secure-group");
    let (src, sink) = (unique("secure-src"), unique("secure-sink"));
    broker.create_topic(&topic, 1).await;
    let mut workers: Vec<Kconnect> = (0..3)
        .map(|n| {
            Kconnect::new_distributed(&root.path().join(format!("w{n}")), broker, &group, security)
        })
        .collect();
    for w in &mut workers {
        w.start_distributed();
    }
    for w in &workers {
        wait_healthy(w).await;
    }
    let (status, body) = workers[2]
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": src, "config": {
                "connector.class": "FileStreamSource", "tasks.max": "1",
                "file": input.display().to_string(), "topic": topic,
                "producer.override.ssl.truststore.password": JavaStores::STORE_PASSWORD}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = workers[1]
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": sink, "config": {
                "connector.class": "FileStreamSink", "tasks.max": "1",
                "file": output.display().to_string(), "topics": topic}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let refs: Vec<&Kconnect> = workers.iter().collect();
    until_delivered(&input, &output, Duration::from_secs(90), &refs).await;
    for w in &workers {
        let (code, config) = w.get(&format!("/connectors/{src}/config")).await;
        assert_eq!(code, 200);
        assert_eq!(
            config["producer.override.ssl.truststore.password"], "[hidden]",
            "{config}"
        );
        let (_, all) = w.get("/connectors?expand=status&expand=info").await;
        assert_no_secret("GET /connectors", &all.to_string());
    }
    for w in &mut workers {
        assert_eq!(w.stop(), Some(0), "{}", w.log());
        assert_no_secret("a worker's log", &w.log());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_distributed_workers_over_sasl_ssl_scram_512() {
    let broker = Broker::shared();
    let stores_dir = tempfile::tempdir().unwrap();
    let stores = broker.tls().java_stores(stores_dir.path());
    distributed_pipeline(&broker, &sasl_ssl_scram(&broker, &stores)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_distributed_workers_over_mutual_tls() {
    let broker = Broker::shared();
    let stores_dir = tempfile::tempdir().unwrap();
    let stores = broker.tls().java_stores(stores_dir.path());
    distributed_pipeline(&broker, &mutual_tls(&broker, &stores, true)).await;
}
