//! End-to-end: a task whose Kafka credentials are wrong, or whose trust store does not
//! trust the broker, logs what is wrong (mechanism, listener, certificate problem) at a
//! bounded rate instead of flooding the log or restarting in a loop, keeps what it read,
//! and delivers every record once the problem is fixed. The Apache Kafka broker is shared
//! by the test run, so topics and users are unique to each test.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{lines, Kconnect};
use kconnect_testkit::{unique, Broker, Listener, TopicReader, TEST_PASSWORD, TEST_USER};
use serde_json::json;

const RECORDS: usize = 200;

/// Waits until the log holds a line containing every one of `needles`; returns that line.
async fn wait_log_line(k: &Kconnect, needles: &[&str], timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(line) = k
            .log()
            .lines()
            .find(|l| needles.iter().all(|n| l.contains(n)))
        {
            return line.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "no log line with {needles:?}:\n{}",
            k.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn count_lines(k: &Kconnect, needle: &str) -> usize {
    k.log().lines().filter(|l| l.contains(needle)).count()
}

/// Waits for the first log line naming the problem (`needles`, and `listener` in it), then
/// watches the log for a few seconds: the client retries with a growing back-off, so only a
/// handful of lines may follow, not a flood. Returns (first line, lines in the window).
async fn reported_without_flood(k: &Kconnect, needles: &[&str], listener: &str) -> (String, usize) {
    let line = wait_log_line(k, needles, Duration::from_secs(30)).await;
    assert!(line.contains(listener), "{line}");
    let window = Duration::from_secs(6);
    tokio::time::sleep(window).await;
    let failures = count_lines(k, needles[needles.len() - 1]);
    assert!(
        failures <= 40,
        "{failures} lines in {window:?}:\n{}",
        k.log()
    );
    (line, failures)
}

fn write_input(dir: &std::path::Path) -> std::path::PathBuf {
    let input = dir.join("in.txt");
    let text: String = (0..RECORDS).map(|n| format!("line-{n}\n")).collect();
    std::fs::write(&input, text).unwrap();
    input
}

fn source(name: &str, input: &std::path::Path, topic: &str) -> serde_json::Value {
    json!({"name": name, "config": {
        "connector.class": "FileStreamSource",
        "file": input.display().to_string(),
        "topic": topic,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    }})
}

/// Every input line reached `topic`, once and in order.
fn assert_all_delivered(broker: &Broker, topic: &str, k: &Kconnect) {
    let records = TopicReader::new(broker).read(topic, 1, RECORDS, Duration::from_secs(60));
    let values: Vec<String> = records
        .iter()
        .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned())
        .collect();
    let expected: Vec<String> = (0..RECORDS).map(|n| format!("line-{n}")).collect();
    assert_eq!(values, expected, "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_reported_and_the_task_recovers_once_it_is_fixed() {
    let broker = Broker::shared();
    let topic = unique("late-credential");
    broker.create_topic(&topic, 1).await;
    let user = unique("late-user");
    let password = "late-secret-90d2";
    let dir = tempfile::tempdir().unwrap();
    let ca = broker.tls().ca_cert.display().to_string();
    let jaas = |u: &str, p: &str| {
        format!(
            r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="{u}" password="{p}";"#
        )
    };
    // The worker's own clients use a known user; the task producers a user the broker does
    // not know yet.
    let mut worker = format!(
        "bootstrap.servers={}\n",
        broker.bootstrap_for(Listener::SaslSsl)
    );
    for (prefix, (u, p)) in [
        ("", (TEST_USER, TEST_PASSWORD)),
        ("admin.", (TEST_USER, TEST_PASSWORD)),
        ("producer.", (user.as_str(), password)),
    ] {
        worker.push_str(&format!(
            "{prefix}security.protocol=SASL_SSL\n{prefix}sasl.mechanism=SCRAM-SHA-512\n{prefix}sasl.jaas.config={}\n{prefix}ssl.truststore.type=PEM\n{prefix}ssl.truststore.location={ca}\n",
            jaas(u, p)
        ));
    }
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.append_worker_lines(&worker);
    k.start(&[]);
    k.wait_rest().await;
    let input = write_input(dir.path());
    let (status, body) = k
        .call("POST", "/connectors", Some(source("late", &input, &topic)))
        .await;
    assert_eq!(status, 201, "{body}");

    // The failure names the mechanism and the listener, and says the credentials are wrong;
    // the task is not restarted over and over.
    let (line, failures) =
        reported_without_flood(&k, &["SCRAM-SHA-512", "invalid credentials"], "sasl_ssl://").await;
    assert_eq!(count_lines(&k, "restarting"), 0, "{}", k.log());
    let (_, status) = k.get("/connectors/late/status").await;
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");

    // Once the broker knows the user, every line arrives, once and in order.
    broker.upsert_scram_user(&user, password);
    assert_all_delivered(&broker, &topic, &k);
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    assert!(!k.log().contains(password), "{}", k.log());
    eprintln!("{failures} authentication failure lines in 6 s; the first:\n{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_broker_certificate_is_reported_and_a_fixed_trust_store_recovers() {
    let broker = Broker::shared();
    let topic = unique("untrusted");
    broker.create_topic(&topic, 1).await;
    let dir = tempfile::tempdir().unwrap();
    // A trust store that holds a CA, just not the broker's: the system's bundle.
    let truststore = dir.path().join("truststore.pem");
    let system = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ]
    .iter()
    .find_map(|p| std::fs::read(p).ok())
    .expect("a system CA bundle");
    std::fs::write(&truststore, system).unwrap();
    let tls = broker.tls().clone();
    let mut worker = format!(
        "bootstrap.servers={}\n",
        broker.bootstrap_for(Listener::Ssl)
    );
    for prefix in ["", "admin.", "producer."] {
        let trust = if prefix == "producer." {
            truststore.display().to_string()
        } else {
            tls.ca_cert.display().to_string()
        };
        worker.push_str(&format!(
            "{prefix}security.protocol=SSL\n{prefix}ssl.truststore.type=PEM\n{prefix}ssl.truststore.location={trust}\n{prefix}ssl.keystore.type=PEM\n{prefix}ssl.keystore.certificate.chain={}\n{prefix}ssl.keystore.key={}\n",
            lines(&tls.client_cert).join("\\n"),
            lines(&tls.client_key).join("\\n"),
        ));
    }
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.append_worker_lines(&worker);
    k.start(&[]);
    k.wait_rest().await;
    let input = write_input(dir.path());
    let (status, body) = k
        .call(
            "POST",
            "/connectors",
            Some(source("untrusted", &input, &topic)),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (line, failures) =
        reported_without_flood(&k, &["certificate verify failed"], "ssl://").await;

    // The trust store is fixed on disk; restarting the task makes it read the file again.
    std::fs::copy(&tls.ca_cert, &truststore).unwrap();
    let (status, body) = k
        .call("POST", "/connectors/untrusted/tasks/0/restart", None)
        .await;
    assert_eq!(status, 204, "{body}");
    assert_all_delivered(&broker, &topic, &k);
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    eprintln!("{failures} certificate failure lines in 6 s; the first:\n{line}");
}
