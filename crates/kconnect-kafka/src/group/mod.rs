//! A member of a Kafka "classic" group with a custom protocol type (Connect workers use
//! `connect`), speaking the wire protocol directly: librdkafka only exposes the consumer
//! protocol.
//!
//! [`GroupMember::start`] runs the membership on its own tokio tasks: one joins and syncs
//! (FindCoordinator, JoinGroup, SyncGroup), another sends Heartbeats on a separate
//! connection every `heartbeat.interval.ms`, also while a join is in progress, so nothing
//! the application does with its assignment (starting or stopping slow tasks) can delay a
//! heartbeat and get the member evicted. The application supplies its metadata and, when it
//! is the leader, the assignments through [`GroupProtocol`], and receives [`GroupEvent`]s.

mod client;
mod connection;
mod heartbeat;
mod member;
mod oauth;
mod offsets;
mod sasl;
mod transport;

use std::time::Duration;

use thiserror::Error;

pub use member::{GroupMember, RejoinHandle};
pub use offsets::delete_offsets;
pub use transport::ConnectionSecurity;

/// How to reach and take part in the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    /// `host:port` of brokers to ask for the group coordinator.
    pub bootstrap_servers: Vec<String>,
    /// Group id.
    pub group_id: String,
    /// Client id sent with every request (Connect: `connect-<n>`).
    pub client_id: String,
    /// Protocol type, e.g. `connect`.
    pub protocol_type: String,
    /// `session.timeout.ms`.
    pub session_timeout: Duration,
    /// `rebalance.timeout.ms`.
    pub rebalance_timeout: Duration,
    /// `heartbeat.interval.ms`.
    pub heartbeat_interval: Duration,
    /// `request.timeout.ms` (JoinGroup waits up to the rebalance timeout on top of it).
    pub request_timeout: Duration,
    /// `retry.backoff.ms`.
    pub retry_backoff: Duration,
    /// TLS and SASL settings of the connections (the worker's `security.protocol`,
    /// `ssl.*` and `sasl.*` keys).
    pub security: ConnectionSecurity,
}

impl GroupConfig {
    /// A configuration with Java's Connect defaults (session 10 s, heartbeat 3 s, rebalance
    /// 60 s, request 40 s, retry backoff 100 ms).
    pub fn new(bootstrap_servers: &str, group_id: &str, protocol_type: &str) -> Self {
        Self {
            bootstrap_servers: bootstrap_servers
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            group_id: group_id.to_string(),
            client_id: format!("{protocol_type}-member"),
            protocol_type: protocol_type.to_string(),
            session_timeout: Duration::from_millis(10_000),
            rebalance_timeout: Duration::from_millis(60_000),
            heartbeat_interval: Duration::from_millis(3_000),
            request_timeout: Duration::from_millis(40_000),
            retry_backoff: Duration::from_millis(100),
            security: ConnectionSecurity::plaintext(),
        }
    }
}

/// A failure talking to the group coordinator.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum GroupError {
    /// Network failure or timeout.
    #[error("group coordinator connection failed: {0}")]
    Io(String),
    /// A malformed request or response.
    #[error("group protocol error: {0}")]
    Protocol(String),
    /// The broker answered with an error code.
    #[error("{1} failed with Kafka error code {0}")]
    Kafka(i16, String),
    /// The broker does not support an API kconnect needs.
    #[error("the broker does not support {0}")]
    Unsupported(String),
    /// SASL authentication failed (wrong credentials, or a mechanism the listener does not
    /// accept).
    #[error("{0}")]
    Auth(String),
}

/// One member as the leader sees it in the JoinGroup response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedMember {
    /// Member id.
    pub member_id: String,
    /// Its metadata for the chosen protocol.
    pub metadata: Vec<u8>,
}

/// What the leader computes assignments from.
#[derive(Debug, Clone, Copy)]
pub struct LeaderContext<'a> {
    /// Generation being formed.
    pub generation: i32,
    /// Chosen sub-protocol.
    pub protocol: &'a str,
    /// The leader's own member id.
    pub leader_id: &'a str,
    /// All members with their metadata.
    pub members: &'a [JoinedMember],
}

/// The application side of the group protocol. Called from the membership task: keep both
/// methods quick and non-blocking (read state, compute; no I/O).
pub trait GroupProtocol: Send + Sync + 'static {
    /// Offered sub-protocols and this member's metadata for each, most preferred first.
    fn metadata(&self) -> Vec<(String, Vec<u8>)>;

    /// Leader only: the assignment of every member.
    fn assign(&self, leader: &LeaderContext<'_>) -> Vec<(String, Vec<u8>)>;

    /// Makes the next [`metadata`](Self::metadata) differ from the last, if the protocol can
    /// (returns whether it did). Used when the coordinator announced a rebalance but kept the
    /// generation: rejoining with changed metadata starts a new one. Protocols that cannot
    /// return false, and the member leaves and joins afresh instead.
    fn vary_metadata(&self) -> bool {
        false
    }
}

/// A completed join: this member's place in a generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    /// Generation id.
    pub generation: i32,
    /// This member's id.
    pub member_id: String,
    /// The leader's member id.
    pub leader_id: String,
    /// Chosen sub-protocol.
    pub protocol: String,
    /// This member's assignment bytes.
    pub assignment: Vec<u8>,
}

/// What happens to the membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupEvent {
    /// The coordinator started a rebalance; this member is about to rejoin.
    Rebalancing,
    /// This member joined a generation and received its assignment.
    Assigned(Joined),
    /// Membership was lost (evicted, or the coordinator was unreachable for a session
    /// timeout): stop all work until the next assignment.
    Lost(String),
}
