//! `StringConverter` (`org.apache.kafka.connect.storage.StringConverter`): writes any value as
//! its Java `toString()` text in a configurable character set, and reads bytes back as an
//! optional string.

use kconnect_api::config::{ConfigKey, ConfigType, Importance, Width};
use kconnect_api::plugin::{Converter, HeaderConverter};
use kconnect_api::value::SchemaAndValue;
use kconnect_api::{ConfigDef, ConfigError, ConfigMap, ConnectResult, Schema, SchemaRef, Value};

use crate::config::{
    converter_type_key, parse_for_header, parse_for_record, ConverterType, Parsed,
};
use crate::encoding::Charset;
use crate::values::temporal::java_date_to_string;

/// The Java class name of [`StringConverter`].
pub const STRING_CONVERTER_CLASS: &str = "org.apache.kafka.connect.storage.StringConverter";

/// The key naming the character set (Java charset names, default `UTF-8`).
pub const ENCODING_CONFIG: &str = "converter.encoding";

const ENCODING_DEFAULT: &str = "UTF-8";

/// Converts values to and from text. Any value is written as Java's `toString()` would write
/// it, encoded with `converter.encoding`; null is written as no bytes. Bytes are read back as
/// a string with the optional string schema.
///
/// Two renderings differ from Java: Date/Time/Timestamp values print as `java.util.Date`
/// does in a UTC JVM (`Tue Jan 02 12:34:56 UTC 2024`), whatever the local time zone, and byte
/// arrays print their contents (`[1, 2]`) where Java prints an identity hash (`[B@1b6d3586`).
#[derive(Debug, Clone, Default)]
pub struct StringConverter {
    charset: Charset,
    converter_type: ConverterType,
}

impl StringConverter {
    /// A converter using UTF-8, as it is before configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The character set in use.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// How the converter was configured to be used.
    pub fn converter_type(&self) -> ConverterType {
        self.converter_type
    }

    /// The configuration keys: `converter.type` and `converter.encoding`.
    pub fn definition() -> ConfigDef {
        ConfigDef::new().define(converter_type_key()).define(
            ConfigKey::new(ENCODING_CONFIG, ConfigType::String)
                .default_value(ENCODING_DEFAULT)
                .importance(Importance::High)
                .doc("Name of the Java character set used to turn strings into bytes and back.")
                .group("Encoding", 0)
                .width(Width::Medium)
                .display_name("Encoding"),
        )
    }

    fn apply(&mut self, parsed: Parsed) -> ConnectResult<()> {
        let name = parsed
            .config
            .string(ENCODING_CONFIG)
            .unwrap_or(ENCODING_DEFAULT);
        self.charset = Charset::for_name(name).ok_or_else(|| {
            ConfigError::invalid(
                ENCODING_CONFIG,
                name,
                "Unsupported character set; supported are UTF-8, ISO-8859-1, US-ASCII, \
                 UTF-16, UTF-16BE and UTF-16LE (and their Java aliases)",
            )
        })?;
        self.converter_type = parsed.converter_type;
        Ok(())
    }

    fn to_bytes(&self, value: &Value) -> Option<Vec<u8>> {
        (!value.is_null()).then(|| self.charset.encode(&java_text(value)))
    }

    fn to_value(&self, bytes: Option<&[u8]>) -> SchemaAndValue {
        let value = bytes.map_or(Value::Null, |b| Value::String(self.charset.decode(b)));
        SchemaAndValue::with_schema(Schema::optional_string(), value)
    }
}

/// Java's `String.valueOf(value)`, with dates printed like `java.util.Date.toString` in UTC.
fn java_text(value: &Value) -> String {
    match value {
        Value::Instant(ms) => java_date_to_string(*ms),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(java_text).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}={}", java_text(k), java_text(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        Value::Struct(s) => {
            let fields: Vec<String> = s
                .schema()
                .fields
                .iter()
                .zip(s.values())
                .filter(|(_, v)| !v.is_null())
                .map(|(f, v)| format!("{}={}", f.name, java_text(v)))
                .collect();
            format!("Struct{{{}}}", fields.join(","))
        }
        other => other.to_string(),
    }
}

impl Converter for StringConverter {
    fn configure(&mut self, props: &ConfigMap, is_key: bool) -> ConnectResult<()> {
        let parsed = parse_for_record(&Self::definition(), props, is_key)?;
        self.apply(parsed)
    }

    fn serialize(
        &mut self,
        _topic: &str,
        _schema: Option<&SchemaRef>,
        value: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        Ok(self.to_bytes(value))
    }

    fn deserialize(&mut self, _topic: &str, bytes: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        Ok(self.to_value(bytes))
    }

    fn config_def(&self) -> ConfigDef {
        Self::definition()
    }
}

impl HeaderConverter for StringConverter {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let parsed = parse_for_header(&Self::definition(), props)?;
        self.apply(parsed)
    }

    fn serialize_header(
        &mut self,
        _topic: &str,
        _header_key: &str,
        _schema: Option<&SchemaRef>,
        value: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        Ok(self.to_bytes(value))
    }

    fn deserialize_header(
        &mut self,
        _topic: &str,
        _header_key: &str,
        bytes: Option<&[u8]>,
    ) -> ConnectResult<SchemaAndValue> {
        Ok(self.to_value(bytes))
    }

    fn config_def(&self) -> ConfigDef {
        Self::definition()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::schema::logical::MILLIS_PER_DAY;
    use kconnect_api::{config_map, ConnectError, SchemaBuilder, Struct};

    fn configured(pairs: &[(&str, &str)]) -> ConnectResult<StringConverter> {
        let props = config_map(pairs);
        let mut c = StringConverter::new();
        Converter::configure(&mut c, &props, false)?;
        Ok(c)
    }

    fn write(c: &mut StringConverter, value: Value) -> Option<Vec<u8>> {
        c.serialize("t", None, &value).unwrap()
    }

    #[test]
    fn writes_java_to_string_in_utf8() {
        let mut c = configured(&[]).unwrap();
        assert_eq!(c.charset(), Charset::Utf8);
        assert_eq!(c.converter_type(), ConverterType::Value);
        assert_eq!(
            write(&mut c, Value::from("héllo")),
            Some("héllo".as_bytes().to_vec())
        );
        assert_eq!(write(&mut c, Value::Int32(42)), Some(b"42".to_vec()));
        assert_eq!(write(&mut c, Value::Float64(2.0)), Some(b"2.0".to_vec()));
        assert_eq!(
            write(&mut c, Value::Boolean(false)),
            Some(b"false".to_vec())
        );
        assert_eq!(write(&mut c, Value::Null), None);
        let list = Value::Array(vec![Value::Int8(1), Value::from("a")]);
        assert_eq!(write(&mut c, list), Some(b"[1, a]".to_vec()));
        let map = Value::Map(vec![(Value::from("k"), Value::Float32(1.5))]);
        assert_eq!(write(&mut c, map), Some(b"{k=1.5}".to_vec()));
    }

    #[test]
    fn writes_structs_and_dates_like_java() {
        let mut c = configured(&[]).unwrap();
        let schema = SchemaBuilder::struct_()
            .field("a", Schema::int32())
            .field("b", Schema::optional_string())
            .field("c", Schema::optional_int64())
            .build()
            .unwrap();
        let mut s = Struct::new(schema).unwrap();
        s.put("a", 1).unwrap().put("c", 5i64).unwrap();
        assert_eq!(
            write(&mut c, Value::Struct(s)),
            Some(b"Struct{a=1,c=5}".to_vec())
        );
        let date = Value::Instant(19_724 * MILLIS_PER_DAY);
        assert_eq!(
            write(&mut c, date),
            Some(b"Tue Jan 02 00:00:00 UTC 2024".to_vec())
        );
    }

    #[test]
    fn reads_optional_strings() {
        let mut c = configured(&[]).unwrap();
        let sv = c.deserialize("t", Some(b"abc")).unwrap();
        assert_eq!(sv.schema, Some(Schema::optional_string()));
        assert_eq!(sv.value, Value::from("abc"));
        let sv = c.deserialize("t", None).unwrap();
        assert_eq!(sv.schema, Some(Schema::optional_string()));
        assert_eq!(sv.value, Value::Null);
    }

    #[test]
    fn honours_the_encoding() {
        let mut c = configured(&[("converter.encoding", "ISO-8859-1")]).unwrap();
        assert_eq!(write(&mut c, Value::from("é")), Some(vec![0xE9]));
        assert_eq!(
            c.deserialize("t", Some(&[0xE9])).unwrap().value,
            Value::from("é")
        );
        let mut c = configured(&[("converter.encoding", "UTF-16BE")]).unwrap();
        assert_eq!(write(&mut c, Value::from("A")), Some(vec![0, 0x41]));
    }

    #[test]
    fn unknown_encoding_is_a_config_error_naming_the_key() {
        match configured(&[("converter.encoding", "KLINGON-8")]) {
            Err(ConnectError::Config(e)) => {
                assert_eq!(e.key.as_deref(), Some(ENCODING_CONFIG));
                assert_eq!(e.value.as_deref(), Some("KLINGON-8"));
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn works_as_a_header_converter() {
        let mut c = StringConverter::new();
        HeaderConverter::configure(&mut c, &ConfigMap::new()).unwrap();
        assert_eq!(c.converter_type(), ConverterType::Header);
        let bytes = c
            .serialize_header("t", "h", None, &Value::Int64(7))
            .unwrap();
        assert_eq!(bytes, Some(b"7".to_vec()));
        let sv = c.deserialize_header("t", "h", Some(b"7")).unwrap();
        assert_eq!(sv.value, Value::from("7"));
        let keys: Vec<String> = HeaderConverter::config_def(&c)
            .keys()
            .map(|k| k.name.clone())
            .collect();
        assert_eq!(keys, ["converter.type", "converter.encoding"]);
    }
}
