//! The test broker itself: every listener and SASL mechanism carries records, credentials
//! are checked, new SCRAM users can be created, and a private broker stops when dropped.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use std::sync::Mutex;

use kconnect_kafka::rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use kconnect_kafka::rdkafka::error::KafkaError;
use kconnect_kafka::rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use kconnect_kafka::rdkafka::ClientContext;
use kconnect_kafka::ClientProps;
use kconnect_testkit::{unique, Broker, Listener, TopicReader, TEST_PASSWORD, TEST_USER};

/// Produces three records through `props` and reads them back through the same listener.
async fn round_trip(broker: &Broker, props: ClientProps) {
    let topic = unique("tk-listener");
    broker.create_topic(&topic, 1).await;
    let producer: FutureProducer = props.to_rdkafka().unwrap().create().unwrap();
    for i in 0..3 {
        let value = format!("value-{i}");
        producer
            .send(
                FutureRecord::<(), _>::to(&topic).payload(&value),
                Duration::from_secs(30),
            )
            .await
            .unwrap_or_else(|(e, _)| panic!("produce through {props:?}: {e}"));
    }
    producer.flush(Duration::from_secs(10)).unwrap();
    let got = TopicReader::with_props(props).read(&topic, 1, 3, Duration::from_secs(30));
    let values: Vec<_> = got
        .iter()
        .map(|r| String::from_utf8(r.value.clone().unwrap()).unwrap())
        .collect();
    assert_eq!(values, ["value-0", "value-1", "value-2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_ssl_with_scram_sha_512_produces_and_consumes() {
    let broker = Broker::shared();
    round_trip(
        &broker,
        broker.secure_client_props(Listener::SaslSsl, "SCRAM-SHA-512"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listener_and_mechanism_carries_records() {
    let broker = Broker::shared();
    round_trip(&broker, broker.client_props()).await;
    round_trip(&broker, broker.secure_client_props(Listener::Ssl, "")).await;
    for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] {
        round_trip(
            &broker,
            broker.secure_client_props(Listener::SaslPlaintext, mechanism),
        )
        .await;
    }
    round_trip(
        &broker,
        broker.secure_client_props(Listener::SaslSsl, "PLAIN"),
    )
    .await;
}

/// The errors a client reports while it tries to fetch metadata through `props` for a
/// few seconds; empty if it succeeded.
fn client_errors(props: &ClientProps) -> Vec<String> {
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);
    impl ClientContext for Recorder {
        fn error(&self, error: KafkaError, reason: &str) {
            self.0.lock().unwrap().push(format!("{error}: {reason}"));
        }
    }
    impl ConsumerContext for Recorder {}
    let consumer: BaseConsumer<Recorder> = props
        .to_rdkafka()
        .unwrap()
        .create_with_context(Recorder::default())
        .unwrap();
    match consumer.fetch_metadata(None, Duration::from_secs(5)) {
        Ok(_) => vec![],
        Err(e) => {
            // Error events are served by polling.
            let _ = consumer.poll(Duration::from_millis(500));
            let mut errors = consumer.context().0.lock().unwrap().clone();
            errors.push(e.to_string());
            errors
        }
    }
}

#[test]
fn wrong_credentials_and_missing_client_certificates_are_refused() {
    let broker = Broker::shared();
    assert!(
        client_errors(&broker.secure_client_props(Listener::SaslSsl, "SCRAM-SHA-512")).is_empty()
    );
    let mut wrong = broker.secure_client_props(Listener::SaslSsl, "SCRAM-SHA-512");
    wrong.set("sasl.password", "not-the-password");
    let errors = client_errors(&wrong).join("\n");
    assert!(errors.contains("Authentication failed"), "{errors}");

    let mut no_cert = ClientProps::new();
    for (k, v) in broker.secure_client_props(Listener::Ssl, "").iter() {
        if !k.starts_with("ssl.certificate") && !k.starts_with("ssl.key") {
            no_cert.set(k.clone(), v.clone());
        }
    }
    let errors = client_errors(&no_cert).join("\n");
    assert!(
        !errors.is_empty(),
        "a client without a certificate was let in"
    );

    let untrusted_ca = broker.tls().client_cert.display().to_string();
    let mut untrusted = broker.secure_client_props(Listener::SaslSsl, "SCRAM-SHA-512");
    untrusted.set("ssl.ca.location", untrusted_ca);
    let errors = client_errors(&untrusted).join("\n");
    assert!(errors.contains("certificate verify failed"), "{errors}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_users_created_through_the_admin_api_can_log_in() {
    let broker = Broker::shared();
    let user = unique("tk-user");
    broker.upsert_scram_user(&user, "another-secret");
    for mechanism in ["SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let mut props = broker.secure_client_props(Listener::SaslPlaintext, mechanism);
        props
            .set("sasl.username", user.clone())
            .set("sasl.password", "another-secret");
        round_trip(&broker, props).await;
    }
    assert_ne!(user, TEST_USER);
    assert_ne!("another-secret", TEST_PASSWORD);
}

#[test]
fn a_private_broker_stops_when_dropped() {
    let broker = Broker::start();
    let shared = Broker::shared();
    assert_ne!(broker.port(), shared.port());
    let (port, pid) = (broker.port(), broker.pid());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(broker);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    let proc_dir = format!("/proc/{pid}");
    // The JVM was killed and reaped by its watchdog; its process entry goes with it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(&proc_dir).exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "broker JVM {pid} still exists"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
