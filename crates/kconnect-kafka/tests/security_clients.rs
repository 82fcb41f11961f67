//! Kafka clients configured only with Java's security keys reach the test broker's secured
//! listeners: SASL (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER with unsecured tokens or client
//! credentials from a token endpoint) from `sasl.jaas.config`,
//! TLS trust and client certificates from JKS, PKCS#12 and PEM stores or PEM strings. Bad
//! settings are refused with the key named and no secret repeated.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use kconnect_kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use kconnect_kafka::rdkafka::message::Message;
use kconnect_kafka::rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use kconnect_kafka::rdkafka::{Offset, TopicPartitionList};
use kconnect_kafka::ClientProps;
use kconnect_testkit::{
    unique, Broker, JavaStores, Listener, TlsFiles, TokenEndpoint, TEST_PASSWORD, TEST_USER,
};

/// Produces one record through `props` and reads it back through the same settings.
async fn round_trip(broker: &Broker, props: &ClientProps) {
    let topic = unique("sec");
    broker.create_topic(&topic, 1).await;
    let producer: FutureProducer = props.to_rdkafka().unwrap().create().unwrap();
    producer
        .send(
            FutureRecord::<(), _>::to(&topic).payload("secret-path"),
            Duration::from_secs(30),
        )
        .await
        .unwrap_or_else(|(e, _)| panic!("produce: {e}"));
    producer.flush(Duration::from_secs(10)).unwrap();
    let mut consumer_props = props.clone();
    consumer_props.set("group.id", unique("sec-reader"));
    let consumer: BaseConsumer = consumer_props.to_rdkafka().unwrap().create().unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(&topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&tpl).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(m) = consumer.poll(Duration::from_millis(200)) {
            assert_eq!(m.unwrap().payload(), Some(&b"secret-path"[..]));
            return;
        }
        assert!(std::time::Instant::now() < deadline, "nothing read back");
    }
}

fn java(pairs: &[(&str, &str)]) -> ClientProps {
    let mut props = ClientProps::new();
    for (k, v) in pairs {
        props.set(*k, *v);
    }
    props
}

fn jaas(module: &str, user: &str, password: &str) -> String {
    format!(
        r#"org.apache.kafka.common.security.{module} required username="{user}" password="{password}";"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_mechanisms_from_jaas_config() {
    let broker = Broker::shared();
    let ca = broker.tls().ca_cert.display().to_string();
    for (mechanism, module) in [
        ("PLAIN", "plain.PlainLoginModule"),
        ("SCRAM-SHA-256", "scram.ScramLoginModule"),
        ("SCRAM-SHA-512", "scram.ScramLoginModule"),
    ] {
        let config = jaas(module, TEST_USER, TEST_PASSWORD);
        round_trip(
            &broker,
            &java(&[
                (
                    "bootstrap.servers",
                    &broker.bootstrap_for(Listener::SaslPlaintext),
                ),
                ("security.protocol", "SASL_PLAINTEXT"),
                ("sasl.mechanism", mechanism),
                ("sasl.jaas.config", &config),
            ]),
        )
        .await;
        round_trip(
            &broker,
            &java(&[
                (
                    "bootstrap.servers",
                    &broker.bootstrap_for(Listener::SaslSsl),
                ),
                ("security.protocol", "SASL_SSL"),
                ("sasl.mechanism", mechanism),
                ("sasl.jaas.config", &config),
                ("ssl.truststore.type", "PEM"),
                ("ssl.truststore.location", &ca),
            ]),
        )
        .await;
    }
    round_trip(
        &broker,
        &java(&[
            ("bootstrap.servers", &broker.bootstrap_for(Listener::SaslPlaintext)),
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanism", "OAUTHBEARER"),
            ("sasl.jaas.config", r#"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="kconnect";"#),
        ]),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauthbearer_client_credentials_from_a_token_endpoint() {
    let broker = Broker::shared();
    // A secret with characters URL encoding would change: both kinds of client must send it
    // as it is, as Java and librdkafka do.
    let secret = "app+secret/5e2c=";
    let endpoint = TokenEndpoint::start("kconnect-app", secret, "kconnect-app");
    let props = |secret: &str| {
        java(&[
            (
                "bootstrap.servers",
                &broker.bootstrap_for(Listener::SaslPlaintext),
            ),
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanism", "OAUTHBEARER"),
            (
                "sasl.login.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
            ),
            ("sasl.oauthbearer.token.endpoint.url", &endpoint.url()),
            (
                "sasl.jaas.config",
                &format!(
                    r#"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="kconnect-app" clientSecret="{secret}" scope="kafka";"#
                ),
            ),
        ])
    };
    round_trip(&broker, &props(secret)).await;
    let (granted, _) = endpoint.requests();
    assert!(granted >= 1, "no token was asked for");

    // The group client fetches its token from the same endpoint (OffsetDelete finds the
    // coordinator and authenticates to it; the group does not exist).
    let group_config = |secret: &str| {
        let mut c = kconnect_kafka::group::GroupConfig::new(
            &broker.bootstrap_for(Listener::SaslPlaintext),
            &unique("oauth-group"),
            "connect",
        );
        c.security = kconnect_kafka::group::ConnectionSecurity::from_props(&props(secret)).unwrap();
        c
    };
    let before = endpoint.requests().0;
    let partitions = [("no-such-topic".to_string(), 0)];
    kconnect_kafka::group::delete_offsets(&group_config(secret), &partitions)
        .await
        .unwrap_or_else(|e| panic!("group client over OAUTHBEARER: {e}"));
    assert!(
        endpoint.requests().0 > before,
        "the group client asked for no token"
    );

    // A wrong secret: the endpoint refuses it and the group client says so.
    let err = kconnect_kafka::group::delete_offsets(&group_config("not-the-secret"), &partitions)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("refused client kconnect-app"), "{err}");
    assert!(!err.contains("not-the-secret"), "{err}");
    assert!(endpoint.requests().1 >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_from_jks_pkcs12_and_pem_stores() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let stores = broker.tls().java_stores(dir.path());
    let pass = JavaStores::STORE_PASSWORD;
    let bootstrap = broker.bootstrap_for(Listener::Ssl);
    let path = |p: &std::path::Path| p.display().to_string();
    // JKS (Java's legacy default), with a key password of its own.
    round_trip(
        &broker,
        &java(&[
            ("bootstrap.servers", &bootstrap),
            ("security.protocol", "SSL"),
            ("ssl.truststore.location", &path(&stores.truststore_jks)),
            ("ssl.truststore.password", pass),
            ("ssl.keystore.location", &path(&stores.keystore_jks)),
            ("ssl.keystore.password", pass),
            ("ssl.key.password", JavaStores::KEY_PASSWORD),
        ]),
    )
    .await;
    // PKCS#12 (Java's default since Java 9).
    round_trip(
        &broker,
        &java(&[
            ("bootstrap.servers", &bootstrap),
            ("security.protocol", "SSL"),
            ("ssl.truststore.type", "PKCS12"),
            ("ssl.truststore.location", &path(&stores.truststore_p12)),
            ("ssl.truststore.password", pass),
            ("ssl.keystore.type", "PKCS12"),
            ("ssl.keystore.location", &path(&stores.keystore_p12)),
            ("ssl.keystore.password", pass),
        ]),
    )
    .await;
    // PEM strings in the configuration itself.
    let tls = broker.tls();
    round_trip(
        &broker,
        &java(&[
            ("bootstrap.servers", &bootstrap),
            ("security.protocol", "SSL"),
            ("ssl.truststore.type", "PEM"),
            ("ssl.truststore.certificates", &TlsFiles::pem(&tls.ca_cert)),
            ("ssl.keystore.type", "PEM"),
            (
                "ssl.keystore.certificate.chain",
                &TlsFiles::pem(&tls.client_cert),
            ),
            ("ssl.keystore.key", &TlsFiles::pem(&tls.client_key)),
        ]),
    )
    .await;
}

#[test]
fn refused_settings_name_the_key_and_hide_the_secret() {
    let refused = |pairs: &[(&str, &str)]| {
        let err = java(pairs).to_rdkafka().err().unwrap().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        err
    };
    let sasl = [("security.protocol", "SASL_SSL")];
    let err = refused(&sasl);
    assert!(
        err.contains("sasl.mechanism") && err.contains("GSSAPI"),
        "{err}"
    );
    let err = refused(&[
        ("security.protocol", "SASL_SSL"),
        ("sasl.mechanism", "SCRAM-SHA-512"),
        (
            "sasl.jaas.config",
            r#"org.apache.kafka.common.security.scram.ScramLoginModule required password="hunter2";"#,
        ),
    ]);
    assert!(
        err.contains("sasl.jaas.config") && err.contains("username"),
        "{err}"
    );
    let err = refused(&[
        ("security.protocol", "SASL_SSL"),
        ("sasl.mechanism", "SCRAM-SHA-512"),
        (
            "sasl.jaas.config",
            &jaas("plain.PlainLoginModule", "u", "hunter2"),
        ),
    ]);
    assert!(err.contains("does not serve"), "{err}");
    let err = refused(&[
        ("security.protocol", "SSL"),
        ("ssl.truststore.location", "/nonexistent/truststore.jks"),
        ("ssl.truststore.password", "hunter2"),
    ]);
    assert!(
        err.contains("ssl.truststore.location") && err.contains("/nonexistent"),
        "{err}"
    );
    let err = refused(&[
        ("security.protocol", "SSL"),
        ("ssl.cipher.suites", "TLS_AES_128_GCM_SHA256"),
    ]);
    assert!(err.contains("ssl.cipher.suites"), "{err}");
    let err = refused(&[
        ("security.protocol", "SASL_SSL"),
        ("sasl.mechanism", "PLAIN"),
        ("sasl.login.callback.handler.class", "com.example.Handler"),
    ]);
    assert!(err.contains("sasl.login.callback.handler.class"), "{err}");
    let oauth = |extra: &[(&str, &str)]| {
        let mut pairs = vec![
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanism", "OAUTHBEARER"),
            (
                "sasl.jaas.config",
                r#"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="app" clientSecret="hunter2";"#,
            ),
        ];
        pairs.extend_from_slice(extra);
        refused(&pairs)
    };
    let err = oauth(&[]);
    assert!(
        err.contains("sasl.oauthbearer.token.endpoint.url") && err.contains("missing"),
        "{err}"
    );
    let err = oauth(&[("sasl.oauthbearer.token.endpoint.url", "file:///run/token")]);
    assert!(err.contains("token file"), "{err}");
    let err = oauth(&[
        ("sasl.oauthbearer.token.endpoint.url", "https://idp/token"),
        ("sasl.oauthbearer.sub.claim.name", "client_id"),
    ]);
    assert!(err.contains("sasl.oauthbearer.sub.claim.name"), "{err}");
}

#[test]
fn wrong_store_passwords_are_refused() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let stores = broker.tls().java_stores(dir.path());
    for (key, store) in [
        ("ssl.truststore.location", &stores.truststore_jks),
        ("ssl.truststore.location", &stores.truststore_p12),
        ("ssl.keystore.location", &stores.keystore_jks),
        ("ssl.keystore.location", &stores.keystore_p12),
    ] {
        let password_key = key.replace("location", "password");
        let err = java(&[
            ("security.protocol", "SSL"),
            (key, &store.display().to_string()),
            (&password_key, "hunter2"),
        ])
        .to_rdkafka()
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains(key) && !err.contains("hunter2"), "{err}");
    }
    // The right store password, the wrong key password.
    let err = java(&[
        ("security.protocol", "SSL"),
        (
            "ssl.keystore.location",
            &stores.keystore_jks.display().to_string(),
        ),
        ("ssl.keystore.password", JavaStores::STORE_PASSWORD),
        ("ssl.key.password", "hunter2"),
    ])
    .to_rdkafka()
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("ssl.key.password"), "{err}");
}
