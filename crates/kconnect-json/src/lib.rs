//! JsonConverter (`org.apache.kafka.connect.json.JsonConverter`), byte-compatible with Java.
//!
//! [`JsonConverter`] turns Connect data into JSON bytes and back, as a key/value
//! [`Converter`] and as a [`HeaderConverter`]. With `schemas.enable=true` (the default) each
//! message is an envelope `{"schema":...,"payload":...}`; otherwise just the payload.
//!
//! The bytes written are those Java's converter writes (Kafka 2.5+): Java's schema key
//! order, compact output, Jackson's string escaping, Java's float formatting, Base64 or
//! numeric decimals. Reading follows Java's rules too (schemaless integers become INT64, maps
//! collect like a Java `HashMap`), but reports JSON that does not match the schema as a
//! [`ConnectError::Data`](kconnect_api::ConnectError::Data) naming the field, where Java would silently coerce it.
//!
//! Where this converter knowingly differs from Java's:
//! - JSON that does not fit the schema (a string for an `int32`, a number for a string, an
//!   object for an array) is a `DataException` naming the field; Java reads 0, `false` or
//!   null, or an empty list. Numeric conversions Java makes (narrowing casts, truncation of
//!   fractions) are kept; a fraction beyond the `i64` range in an integer field is an error.
//! - `"NaN"`, `"Infinity"` and `"-Infinity"` (how Jackson writes non-finite numbers) read
//!   back as those numbers for float schemas; Java reads 0.0.
//! - A Decimal given as a JSON number is rescaled to the schema's scale when that is exact.
//! - A struct schema may have a struct default (Java fails with "Mismatching schema.").
//! - A lone UTF-16 surrogate in a `\u` escape becomes U+FFFD; nesting deeper than 500
//!   arrays/objects is rejected.
//! - Map ordering follows Java's `HashMap` except inside treeified buckets (9+ colliding
//!   keys), which keep insertion order.
//!
//! ```
//! use kconnect_api::plugin::Converter;
//! use kconnect_api::{Schema, Value};
//! use kconnect_json::JsonConverter;
//!
//! let mut converter = JsonConverter::new();
//! let bytes = converter.serialize("t", Some(&Schema::int32()), &Value::Int32(7)).unwrap();
//! assert_eq!(
//!     bytes.as_deref(),
//!     Some(&br#"{"schema":{"type":"int32","optional":false},"payload":7}"#[..])
//! );
//! let back = converter.deserialize("t", bytes.as_deref()).unwrap();
//! assert_eq!(back.value, Value::Int32(7));
//! ```

mod cache;
mod config;
mod envelope;
mod escape;
mod failure;
mod floats;
mod java_hash;
mod lexer;
mod read;
mod schema_json;
mod schema_parse;
mod tree;
mod write;

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use kconnect_api::plugin::{Converter, HeaderConverter};
use kconnect_api::{ConfigDef, ConfigMap, ConnectResult, SchemaAndValue, SchemaRef, Value};

pub use config::{
    config_def, DecimalFormat, JsonConverterConfig, CONVERTER_TYPE_CONFIG, DECIMAL_FORMAT_CONFIG,
    REPLACE_NULL_WITH_DEFAULT_CONFIG, SCHEMAS_CACHE_SIZE_CONFIG, SCHEMAS_ENABLE_CONFIG,
};
pub use envelope::ENVELOPE_ERROR;

use cache::LruCache;
use envelope::SchemaTextCache;
use write::{StructKeys, WriteOptions};

/// A cache key that identifies a schema by address and keeps it alive, so the address
/// cannot be reused by another schema while the entry exists.
#[derive(Debug, Clone)]
struct SchemaAddress {
    addr: usize,
    _schema: SchemaRef,
}

impl SchemaAddress {
    fn of(schema: &SchemaRef) -> Self {
        Self {
            addr: Arc::as_ptr(schema) as usize,
            _schema: schema.clone(),
        }
    }
}

impl PartialEq for SchemaAddress {
    fn eq(&self, other: &Self) -> bool {
        self.addr == other.addr
    }
}

impl Eq for SchemaAddress {}

impl Hash for SchemaAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.addr.hash(state);
    }
}

impl Borrow<usize> for SchemaAddress {
    fn borrow(&self) -> &usize {
        &self.addr
    }
}

/// A schema as written, cached per schema: its JSON text and, for a struct, its members' keys.
#[derive(Debug)]
struct Rendered {
    json: Box<[u8]>,
    keys: Option<StructKeys>,
}

/// Kafka Connect's JSON converter. Create it with [`JsonConverter::new`] (Java's defaults)
/// and configure it through [`Converter::configure`] or [`HeaderConverter::configure`].
#[derive(Debug)]
pub struct JsonConverter {
    config: JsonConverterConfig,
    opts: WriteOptions,
    schema_json: LruCache<SchemaAddress, Rendered>,
    schemas: SchemaTextCache,
    size_hint: usize,
}

impl Default for JsonConverter {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonConverter {
    /// A converter with Java's defaults: schemas enabled, cache of 1000 schemas, Base64
    /// decimals, nulls replaced by defaults.
    pub fn new() -> Self {
        Self::with_config(JsonConverterConfig::default())
    }

    /// A converter with the given settings.
    pub fn with_config(config: JsonConverterConfig) -> Self {
        Self {
            opts: WriteOptions {
                decimal_format: config.decimal_format,
                replace_null_with_default: config.replace_null_with_default,
            },
            schema_json: LruCache::new(config.schemas_cache_size),
            schemas: SchemaTextCache::new(config.schemas_cache_size),
            size_hint: 64,
            config,
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &JsonConverterConfig {
        &self.config
    }

    /// Parses `props` and replaces the settings (clearing the caches). Java's `converter.type`
    /// is set from `is_key` when converting keys or values.
    fn apply(&mut self, props: &ConfigMap, converter_type: Option<&str>) -> ConnectResult<()> {
        let mut config = JsonConverterConfig::parse(props)?;
        if let Some(t) = converter_type {
            config.converter_type = Some(t.to_string());
        }
        *self = Self::with_config(config);
        Ok(())
    }

    /// Serializes a value (Java `fromConnectData`): `None` for a null value without schema
    /// (a tombstone), otherwise the JSON bytes.
    pub fn from_connect_data(
        &mut self,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        if schema.is_none() && value.is_null() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(self.size_hint);
        if self.config.schemas_enable {
            out.extend_from_slice(b"{\"schema\":");
            match schema {
                Some(schema) => {
                    let opts = self.opts;
                    self.with_rendered(schema, |rendered| {
                        out.extend_from_slice(&rendered.json);
                        out.extend_from_slice(b",\"payload\":");
                        match &rendered.keys {
                            Some(keys) => {
                                write::write_struct_value(&mut out, schema, keys, value, opts)
                            }
                            None => write::write_value(&mut out, Some(schema), value, opts),
                        }
                    })?
                    .map_err(failure::Failure::into_connect)?;
                }
                None => {
                    out.extend_from_slice(b"null,\"payload\":");
                    write::write_value(&mut out, None, value, self.opts)
                        .map_err(failure::Failure::into_connect)?;
                }
            }
            out.push(b'}');
        } else {
            write::write_value(&mut out, schema.map(|s| &**s), value, self.opts)
                .map_err(failure::Failure::into_connect)?;
        }
        self.size_hint = out.len().next_power_of_two().max(64);
        Ok(Some(out))
    }

    /// Deserializes bytes (Java `toConnectData`): `None` gives no schema and a null value.
    pub fn to_connect_data(&mut self, bytes: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::null());
        };
        envelope::read_message(
            bytes,
            self.config.schemas_enable,
            self.config.replace_null_with_default,
            &mut self.schemas,
        )
        .map_err(failure::Failure::into_connect)
    }

    /// The JSON form of a schema (Java `asJsonSchema`), as bytes; cached per schema.
    pub fn as_json_schema(&mut self, schema: &SchemaRef) -> ConnectResult<Vec<u8>> {
        self.with_rendered(schema, |rendered| rendered.json.to_vec())
    }

    /// The schema a JSON schema text describes (Java `asConnectSchema`); `None` for `null`.
    /// The text must hold exactly one JSON value (surrounding whitespace aside).
    pub fn as_connect_schema(&mut self, json: &[u8]) -> ConnectResult<Option<SchemaRef>> {
        let mut lx = lexer::Lexer::new(json);
        lx.skip_ws();
        let start = lx.pos();
        lx.skip_value().map_err(failure::Failure::into_connect)?;
        let end = lx.pos();
        if !lx.at_end() {
            return Err(lx
                .error("Unexpected content after the schema")
                .into_connect());
        }
        self.schemas
            .schema_for(&json[start..end], self.config.replace_null_with_default)
            .map_err(failure::Failure::into_connect)
    }

    /// Calls `f` with the schema as written, rendering (and caching) it on a miss.
    fn with_rendered<R>(
        &mut self,
        schema: &SchemaRef,
        f: impl FnOnce(&Rendered) -> R,
    ) -> ConnectResult<R> {
        let addr = Arc::as_ptr(schema) as usize;
        if let Some(rendered) = self.schema_json.get(&addr) {
            return Ok(f(rendered));
        }
        let mut json = Vec::new();
        schema_json::write_schema(&mut json, schema, self.opts)
            .map_err(failure::Failure::into_connect)?;
        let rendered = Rendered {
            json: json.into_boxed_slice(),
            keys: StructKeys::of(schema),
        };
        let result = f(&rendered);
        self.schema_json.put(SchemaAddress::of(schema), rendered);
        Ok(result)
    }
}

impl Converter for JsonConverter {
    fn configure(&mut self, props: &ConfigMap, is_key: bool) -> ConnectResult<()> {
        self.apply(props, Some(if is_key { "key" } else { "value" }))
    }

    fn serialize(
        &mut self,
        _topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        self.from_connect_data(schema, value)
    }

    fn deserialize(&mut self, _topic: &str, bytes: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        self.to_connect_data(bytes)
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }
}

impl HeaderConverter for JsonConverter {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        self.apply(props, None)
    }

    fn serialize_header(
        &mut self,
        _topic: &str,
        _header_key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        self.from_connect_data(schema, value)
    }

    fn deserialize_header(
        &mut self,
        _topic: &str,
        _header_key: &str,
        bytes: Option<&[u8]>,
    ) -> ConnectResult<SchemaAndValue> {
        self.to_connect_data(bytes)
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }
}
