//! The kconnect plugin API: the Connect data model (schemas, values, structs, logical types),
//! records and headers, configuration definitions, and the traits that connectors, tasks,
//! converters, header converters, transformations and predicates implement.
//!
//! This is the only crate a plugin depends on. Names the outside world sees (schema type names,
//! logical type names, configuration keys) match Kafka Connect exactly.

pub mod calendar;
pub mod config;
pub mod decimal;
pub mod error;
pub mod header;
pub mod plugin;
pub mod record;
pub mod schema;
pub mod value;

pub use config::{config_map, ConfigDef, ConfigMap};
pub use decimal::Decimal;
pub use error::{redact_text, ConfigError, ConnectError, ConnectResult, CAUSE_SEPARATOR};
pub use header::{Header, Headers};
pub use record::{ConnectRecord, SinkRecord, SourceRecord, TimestampType, TopicPartition};
pub use schema::{Field, Schema, SchemaBuilder, SchemaRef, SchemaType};
pub use value::{SchemaAndValue, Struct, Value};
