//! Avro for kconnect, as Confluent's converters write it.
//!
//! - [`to_avro`]: a Connect schema as the Avro schema Confluent's `AvroData` registers
//!   (`connect.*` properties, optional fields as unions with null, Connect's logical types as
//!   Avro's, maps with non-string keys as arrays of `MapEntry` records, name scrubbing), in
//!   the registry's canonical text;
//! - [`binary`]: Connect values in Avro's binary encoding, following that mapping;
//! - [`wire`]: Confluent's framing, a magic byte 0 and the schema id before the payload.
//!
//! [`AvroConverter`] puts them together with a Schema Registry (`kconnect-registry`) under
//! Confluent's class name. Everything here is
//! checked byte for byte against vectors written by Confluent's own `AvroConverter`
//! (`testdata/golden/avro`).
//!
//! The encoder is written for Connect values directly, rather than through a general Avro
//! library's value tree: converting every record into another tree first would double the
//! allocations on the hot path, and the schema mapping, not the encoding, is where the work
//! lies.

pub mod binary;
pub mod converter;
pub mod from_avro;
mod names;
pub mod to_avro;
pub mod wire;

pub use binary::encode;
pub use converter::{AvroConverter, AVRO_CONVERTER_CLASS};
pub use from_avro::Reader;
pub use to_avro::{AvroDataConfig, AvroSchema};

/// What can go wrong mapping or encoding.
#[derive(Debug, thiserror::Error)]
pub enum AvroError {
    /// The value does not fit its schema.
    #[error("{0}")]
    Data(String),
    /// Bytes that are not in Confluent's wire format.
    #[error("{0}")]
    Wire(String),
}
