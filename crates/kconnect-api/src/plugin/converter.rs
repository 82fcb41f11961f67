//! Converters between Connect data and the bytes stored in Kafka.

use crate::config::{ConfigDef, ConfigMap};
use crate::error::ConnectResult;
use crate::schema::SchemaRef;
use crate::value::{SchemaAndValue, Value};

/// Converts record keys or values (Java `Converter`). Each task owns its converters, so
/// methods take `&mut self` and may keep caches.
pub trait Converter: Send {
    /// Configures the converter; `is_key` tells whether it converts keys or values.
    fn configure(&mut self, props: &ConfigMap, is_key: bool) -> ConnectResult<()>;

    /// Serializes a value (Java `fromConnectData`); `None` means no bytes (a Kafka null, e.g.
    /// a tombstone).
    fn serialize(
        &mut self,
        topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> ConnectResult<Option<Vec<u8>>>;

    /// Deserializes bytes (Java `toConnectData`; `None`: a Kafka null).
    fn deserialize(&mut self, topic: &str, bytes: Option<&[u8]>) -> ConnectResult<SchemaAndValue>;

    /// The converter's configuration keys.
    fn config_def(&self) -> ConfigDef;
}

/// Converts record header values (Java `HeaderConverter`).
pub trait HeaderConverter: Send {
    /// Configures the converter.
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()>;

    /// Serializes one header value (Java `fromConnectHeader`).
    fn serialize_header(
        &mut self,
        topic: &str,
        header_key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> ConnectResult<Option<Vec<u8>>>;

    /// Deserializes one header value (Java `toConnectHeader`).
    fn deserialize_header(
        &mut self,
        topic: &str,
        header_key: &str,
        bytes: Option<&[u8]>,
    ) -> ConnectResult<SchemaAndValue>;

    /// The converter's configuration keys.
    fn config_def(&self) -> ConfigDef;
}
