//! Test support: starts a real Kafka-protocol broker (Tansu, in-memory storage) on a free
//! loopback port, and reads or writes topics with plain clients so tests can check what
//! kconnect put there.

mod broker;
mod topics;

pub use broker::Broker;
pub use topics::{ConsumedRecord, TopicReader};

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}
