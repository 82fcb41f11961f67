//! The test broker's listeners and `server.properties`: a single KRaft node (broker and
//! controller in one process) with PLAINTEXT, SASL_PLAINTEXT, SSL (mutual TLS) and SASL_SSL
//! listeners on loopback, and settings suited to one node.

use std::fmt::Write as _;
use std::path::Path;

use crate::kafka_dist::{TEST_PASSWORD, TEST_USER};
use crate::tls::TlsFiles;

/// A client listener of the test broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Listener {
    /// No encryption, no authentication.
    Plaintext,
    /// SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER unsecured) without TLS.
    SaslPlaintext,
    /// TLS with a required client certificate (mutual TLS).
    Ssl,
    /// SASL (the same mechanisms) over TLS, no client certificate.
    SaslSsl,
}

impl Listener {
    /// Every client listener.
    pub const ALL: [Listener; 4] = [
        Listener::Plaintext,
        Listener::SaslPlaintext,
        Listener::Ssl,
        Listener::SaslSsl,
    ];

    /// The listener's name, which is also its security protocol.
    pub fn name(self) -> &'static str {
        match self {
            Listener::Plaintext => "PLAINTEXT",
            Listener::SaslPlaintext => "SASL_PLAINTEXT",
            Listener::Ssl => "SSL",
            Listener::SaslSsl => "SASL_SSL",
        }
    }

    fn index(self) -> usize {
        match self {
            Listener::Plaintext => 0,
            Listener::SaslPlaintext => 1,
            Listener::Ssl => 2,
            Listener::SaslSsl => 3,
        }
    }
}

/// The SASL mechanisms the SASL listeners accept.
pub const SASL_MECHANISMS: [&str; 4] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"];

/// The ports of one broker: the four client listeners and the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// Client listener ports, in [`Listener::ALL`] order.
    pub listeners: [u16; 4],
    /// The KRaft controller listener.
    pub controller: u16,
}

impl Ports {
    /// Free loopback ports; `plaintext` if given.
    pub fn free(plaintext: Option<u16>) -> Self {
        let mut listeners = [0; 4];
        for (i, port) in listeners.iter_mut().enumerate() {
            *port = match (i, plaintext) {
                (0, Some(p)) => p,
                _ => crate::free_port(),
            };
        }
        Self {
            listeners,
            controller: crate::free_port(),
        }
    }

    /// The port of `listener`.
    pub fn of(&self, listener: Listener) -> u16 {
        self.listeners[listener.index()]
    }
}

/// `server.properties` for a broker with `ports`, storage in `data`, certificates `tls`.
pub fn server_properties(ports: &Ports, data: &Path, tls: &TlsFiles) -> String {
    let mut listeners = Vec::new();
    let mut advertised = Vec::new();
    for l in Listener::ALL {
        listeners.push(format!("{}://127.0.0.1:{}", l.name(), ports.of(l)));
        advertised.push(format!("{}://127.0.0.1:{}", l.name(), ports.of(l)));
    }
    listeners.push(format!("CONTROLLER://127.0.0.1:{}", ports.controller));
    let mut p = String::new();
    let mut line = |key: &str, value: &str| {
        let _ = writeln!(p, "{key}={value}");
    };
    line("process.roles", "broker,controller");
    line("node.id", "1");
    line(
        "controller.quorum.voters",
        &format!("1@127.0.0.1:{}", ports.controller),
    );
    line("controller.listener.names", "CONTROLLER");
    line("listeners", &listeners.join(","));
    line("advertised.listeners", &advertised.join(","));
    line("inter.broker.listener.name", "PLAINTEXT");
    line(
        "listener.security.protocol.map",
        "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
    );
    line("log.dirs", &data.display().to_string());
    // One node: every internal topic has one replica; few partitions start quickly.
    line("offsets.topic.replication.factor", "1");
    line("offsets.topic.num.partitions", "10");
    line("transaction.state.log.replication.factor", "1");
    line("transaction.state.log.min.isr", "1");
    line("transaction.state.log.num.partitions", "10");
    line("share.coordinator.state.topic.replication.factor", "1");
    line("share.coordinator.state.topic.min.isr", "1");
    line("group.initial.rebalance.delay.ms", "0");
    // As on most managed clusters: topics are created on purpose, not by a produce.
    line("auto.create.topics.enable", "false");
    line("num.network.threads", "2");
    line("num.io.threads", "4");
    line("log.cleaner.backoff.ms", "1000");
    // SASL: PLAIN users from the JAAS line, SCRAM users from the formatted storage,
    // OAUTHBEARER with Kafka's unsecured tokens (tests only).
    line("sasl.enabled.mechanisms", &SASL_MECHANISMS.join(","));
    for listener in ["sasl_plaintext", "sasl_ssl"] {
        line(
            &format!("listener.name.{listener}.plain.sasl.jaas.config"),
            &format!(
                "org.apache.kafka.common.security.plain.PlainLoginModule required \
                 user_{TEST_USER}=\"{TEST_PASSWORD}\";"
            ),
        );
        for scram in ["scram-sha-256", "scram-sha-512"] {
            line(
                &format!("listener.name.{listener}.{scram}.sasl.jaas.config"),
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            );
        }
        line(
            &format!("listener.name.{listener}.oauthbearer.sasl.jaas.config"),
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required \
             unsecuredLoginStringClaim_sub=\"broker\";",
        );
    }
    // TLS: the broker's key and certificate, and the CA for client certificates.
    line("ssl.keystore.type", "PEM");
    line(
        "ssl.keystore.location",
        &tls.broker_keystore.display().to_string(),
    );
    line("ssl.truststore.type", "PEM");
    line(
        "ssl.truststore.location",
        &tls.ca_cert.display().to_string(),
    );
    line("listener.name.ssl.ssl.client.auth", "required");
    p
}

/// A log4j2 configuration: warnings and errors, plus the group and transaction
/// coordinators' and the controller's information lines (rebalances, fencing, topic
/// changes), which explain what the tests see.
pub const LOG4J2: &str = "\
Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: \"[%d] %p %m (%c)%n\"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: org.apache.kafka.coordinator.group
        level: INFO
      - name: kafka.coordinator.transaction
        level: INFO
      - name: kafka.server.KafkaRaftServer
        level: INFO
";
