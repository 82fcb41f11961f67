//! `SimpleHeaderConverter` (`org.apache.kafka.connect.storage.SimpleHeaderConverter`), the
//! default header converter: header values travel as UTF-8 text in the format of
//! [`values::convert_to_string`], and their schemas are inferred back with
//! [`values::parse_string`].

use kconnect_api::plugin::HeaderConverter;
use kconnect_api::value::SchemaAndValue;
use kconnect_api::{ConfigDef, ConfigMap, ConnectResult, Schema, SchemaRef, Value};

use crate::values;

/// The Java class name of [`SimpleHeaderConverter`].
pub const SIMPLE_HEADER_CONVERTER_CLASS: &str =
    "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// Writes header values as UTF-8 text and infers schemas when reading them back. Null is
/// written as no bytes; no bytes read as no schema and a null value. Text that cannot be
/// read at all (only arrays or maps nested beyond [`values::MAX_NESTING`]) is kept as its raw
/// bytes with the `BYTES` schema, as Java does for any failure while parsing. Bytes that are
/// not valid UTF-8 are read with U+FFFD in place of the bad sequences, as Java does.
///
/// It has no configuration of its own.
#[derive(Debug, Clone, Default)]
pub struct SimpleHeaderConverter;

impl SimpleHeaderConverter {
    /// A new converter.
    pub fn new() -> Self {
        Self
    }
}

impl HeaderConverter for SimpleHeaderConverter {
    fn configure(&mut self, _props: &ConfigMap) -> ConnectResult<()> {
        Ok(())
    }

    fn serialize_header(
        &mut self,
        _topic: &str,
        _header_key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        Ok(values::convert_to_string(schema.map(|s| s.as_ref()), value).map(String::into_bytes))
    }

    fn deserialize_header(
        &mut self,
        _topic: &str,
        _header_key: &str,
        bytes: Option<&[u8]>,
    ) -> ConnectResult<SchemaAndValue> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::null());
        };
        let text = String::from_utf8_lossy(bytes);
        Ok(values::parse_string(&text).unwrap_or_else(|_| {
            SchemaAndValue::with_schema(Schema::bytes(), Value::Bytes(bytes.to_vec()))
        }))
    }

    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::schema::logical::{DATE_NAME, MILLIS_PER_DAY};
    use kconnect_api::SchemaType;

    fn round_trip(value: Value) -> SchemaAndValue {
        let mut c = SimpleHeaderConverter::new();
        let bytes = c.serialize_header("t", "h", None, &value).unwrap();
        c.deserialize_header("t", "h", bytes.as_deref()).unwrap()
    }

    fn read(bytes: &[u8]) -> SchemaAndValue {
        SimpleHeaderConverter::new()
            .deserialize_header("t", "h", Some(bytes))
            .unwrap()
    }

    #[test]
    fn null_is_no_bytes_both_ways() {
        let mut c = SimpleHeaderConverter::new();
        assert_eq!(
            c.serialize_header("t", "h", None, &Value::Null).unwrap(),
            None
        );
        assert_eq!(
            c.deserialize_header("t", "h", None).unwrap(),
            SchemaAndValue::null()
        );
        assert!(c.config_def().keys().next().is_none());
    }

    #[test]
    fn writes_text() {
        let mut c = SimpleHeaderConverter::new();
        let write = |c: &mut SimpleHeaderConverter, v: Value| {
            c.serialize_header("t", "h", None, &v).unwrap().unwrap()
        };
        assert_eq!(write(&mut c, Value::from("plain")), b"plain");
        assert_eq!(write(&mut c, Value::Int32(258)), b"258");
        let list = Value::Array(vec![Value::from("a"), Value::Int8(1)]);
        assert_eq!(write(&mut c, list), br#"["a",1]"#);
    }

    #[test]
    fn round_trips_infer_types() {
        let sv = round_trip(Value::Int32(42));
        assert_eq!(sv.schema.map(|s| s.schema_type), Some(SchemaType::Int8));
        assert_eq!(sv.value, Value::Int8(42));
        let sv = round_trip(Value::from("hello world"));
        assert_eq!(sv.value, Value::from("hello world"));
        let sv = round_trip(Value::Boolean(true));
        assert_eq!(sv.value, Value::Boolean(true));
        let day = Value::Instant(19_724 * MILLIS_PER_DAY);
        let sv = round_trip(day.clone());
        assert!(sv.schema.unwrap().is_named(DATE_NAME));
        assert_eq!(sv.value, day);
        let map = Value::Map(vec![(Value::from("a"), Value::Int8(1))]);
        assert_eq!(round_trip(map.clone()).value, map);
    }

    #[test]
    fn empty_text_is_an_empty_string() {
        let sv = read(b"");
        assert_eq!(
            sv,
            SchemaAndValue::with_schema(Schema::string(), Value::from(""))
        );
    }

    #[test]
    fn invalid_utf8_is_read_lossily() {
        assert_eq!(read(&[b'a', 0xFF]).value, Value::from("a\u{FFFD}"));
    }

    #[test]
    fn unreadable_nesting_falls_back_to_bytes() {
        let deep = "[".repeat(values::MAX_NESTING + 10) + &"]".repeat(values::MAX_NESTING + 10);
        let sv = read(deep.as_bytes());
        assert_eq!(sv.schema, Some(Schema::bytes()));
        assert_eq!(sv.value, Value::Bytes(deep.into_bytes()));
    }
}
