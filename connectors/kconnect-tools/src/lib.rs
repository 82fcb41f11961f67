//! Kafka's own test connectors, rebuilt for kconnect, under their Java class names.
//!
//! Apache Kafka ships five connectors in its `connect-test-plugins` artifact that its system
//! tests use to drive Connect clusters. With the same connectors on both sides, kconnect and
//! Java Kafka Connect can run identical workloads and be compared record for record:
//!
//! - `VerifiableSourceConnector`: each task produces an increasing `seqno` (key: the task
//!   number; value: the seqno, or a struct with `complete.record.data=true`), resumes after
//!   its committed offset, and prints one JSON line per record produced and committed;
//! - `VerifiableSinkConnector`: prints one JSON line per record received and flushed;
//! - `SchemaSourceConnector`: each task produces `num.messages` struct records to partition
//!   `id`, optionally alternating between two versions of the schema;
//! - `MockSourceConnector` and `MockSinkConnector`: run one task and fail the connector or
//!   the task after `delay_ms` (`mock_mode` = `connector-failure` or `task-failure`).
//!
//! The printed lines are Java's byte for byte (same keys in the same order), except where
//! Java's own serializer fails (see [`json_line`]). Records are the same; unlike Java, a
//! source task returns up to [`MAX_BATCH`] records per poll while its throughput allows,
//! and writes the lines of a batch with one call.

pub mod json_line;
pub mod mock;
#[macro_use]
mod numbered;
pub mod schema_source;
pub mod throttle;
pub mod verifiable_sink;
pub mod verifiable_source;

pub use json_line::Output;
pub use mock::{MockSinkConnector, MockSourceConnector};
pub use schema_source::SchemaSourceConnector;
pub use verifiable_sink::VerifiableSinkConnector;
pub use verifiable_source::VerifiableSourceConnector;

/// The version these connectors report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Most records a source task returns from one poll.
pub const MAX_BATCH: usize = 1000;

/// Java class name of [`VerifiableSourceConnector`].
pub const VERIFIABLE_SOURCE_CONNECTOR_CLASS: &str =
    "org.apache.kafka.connect.tools.VerifiableSourceConnector";
/// Java class name of [`VerifiableSinkConnector`].
pub const VERIFIABLE_SINK_CONNECTOR_CLASS: &str =
    "org.apache.kafka.connect.tools.VerifiableSinkConnector";
/// Java class name of [`SchemaSourceConnector`].
pub const SCHEMA_SOURCE_CONNECTOR_CLASS: &str =
    "org.apache.kafka.connect.tools.SchemaSourceConnector";
/// Java class name of [`MockSourceConnector`].
pub const MOCK_SOURCE_CONNECTOR_CLASS: &str = "org.apache.kafka.connect.tools.MockSourceConnector";
/// Java class name of [`MockSinkConnector`].
pub const MOCK_SINK_CONNECTOR_CLASS: &str = "org.apache.kafka.connect.tools.MockSinkConnector";

#[cfg(test)]
mod task_tests;
