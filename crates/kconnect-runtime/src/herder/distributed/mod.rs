//! Distributed mode: workers sharing a `group.id` coordinate through Kafka's group protocol
//! (kafka-connect-spec.md §7) and keep their state in internal topics (kafka-connect-spec.md §6).
//!
//! Layers, bottom up: [`wire`] and [`protocol`] are the byte layouts of the Connect
//! sub-protocols; [`work`] names units of work; [`assignor`] decides who runs what;
//! [`group_protocol`] is the Connect protocol for the group client (metadata, leader
//! assignment) and [`member_state`] applies assignments on each member; [`config`] reads the
//! distributed worker settings and [`signing`] signs and verifies internal requests;
//! [`runtime`] is the coordination loop that applies assignments through a worker, and
//! [`forwarder`] sends followers' task configs to the leader over [`http_client`].
//! [`worker_runner`] runs assigned connectors on the real worker, [`state_sync`] copies
//! statuses to the status topic, and [`herder`] serves the REST API.

pub mod assignor;
pub mod config;
pub mod forwarder;
pub mod group_protocol;
pub mod herder;
mod herder_api;
mod herder_routing;
pub mod http_client;
pub mod member_state;
pub mod protocol;
pub mod runtime;
pub mod signing;
pub mod state_sync;
pub mod wire;
pub mod work;
pub mod worker_runner;

pub use protocol::{Assignment, ConnectProtocol, WorkerMetadata};
pub use wire::ProtocolError;
pub use work::WorkSet;
