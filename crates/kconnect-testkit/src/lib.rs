//! Test support: starts a real Apache Kafka broker (a single KRaft node from the pinned
//! Kafka jars, with PLAINTEXT, SASL and TLS listeners on loopback) and reads or writes topics
//! with plain clients so tests can check what kconnect put there.

mod broker;
mod broker_config;
mod failure_log;
mod java_connect;
pub mod kafka_dist;
mod oauth;
mod schema_registry;
mod shared;
pub mod tls;
mod topics;

pub use broker::Broker;
pub use broker_config::{Listener, Ports, SASL_MECHANISMS};
pub use java_connect::JavaConnect;
pub use kafka_dist::{TEST_PASSWORD, TEST_USER};
pub use oauth::TokenEndpoint;
pub use schema_registry::SchemaRegistry;
pub use tls::{JavaStores, TlsFiles};
pub use topics::{ConsumedRecord, TopicReader};

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// A name no other test of any run uses: `prefix` followed by a process-unique counter and
/// random digits. Tests sharing a broker name their topics, groups and connectors with it.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{n}-{nanos:x}", std::process::id())
}

/// A process that did not exit in time after SIGTERM (it was then killed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DidNotStop;

/// Sends SIGTERM to `child` and waits up to `within` for it to exit; returns its exit code
/// (`None` when a signal ended it), or [`DidNotStop`] after killing it.
pub fn terminate(
    child: &mut std::process::Child,
    within: std::time::Duration,
) -> Result<Option<i32>, DidNotStop> {
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Ok(status.code());
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(DidNotStop);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
