//! Where Connect state lives: source offsets (a file in standalone mode), and the internal
//! JSON encoding shared with Java workers.

pub mod config_records;
pub mod config_state;
pub mod internal_json;
pub mod internal_topics;
pub mod java_serialization;
pub mod kafka_config_store;
pub mod kafka_log;
pub mod kafka_offset_store;
pub mod kafka_status_store;
pub mod offset_file;
pub mod offset_reader;
pub mod offset_store;
pub mod status_records;

#[cfg(test)]
mod java_records_tests;

pub use offset_file::FileOffsetStore;
pub use offset_reader::ConnectorOffsetReader;
pub use offset_store::OffsetStore;
