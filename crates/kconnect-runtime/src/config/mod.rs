//! Worker and connector configuration: the keys Java Kafka Connect defines, parsed once and
//! validated with errors that name the key, the value and the reason.

pub mod connector;
pub mod files;
pub mod keys;
pub mod override_policy;
pub mod providers;
pub mod worker;

pub use connector::{ConnectorConfig, ConnectorType};
pub use worker::{Listener, WorkerConfig};
