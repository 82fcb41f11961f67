//! The seam between kconnect and Kafka: client configurations derived from worker and
//! connector settings the way Java Kafka Connect derives them, and helpers to create
//! producers, consumers and topics with rdkafka.

pub mod admin;
pub mod client_config;
pub mod error;
pub mod group;
pub mod groups;
pub mod partitioner;
pub mod security;

pub use client_config::ClientProps;
pub use error::KafkaError;
pub use rdkafka;
