//! `ByteArrayConverter` (`org.apache.kafka.connect.converters.ByteArrayConverter`): passes
//! bytes through untouched.

use kconnect_api::value::SchemaAndValue;
use kconnect_api::{ConnectError, ConnectResult, Schema, SchemaRef, SchemaType, Value};

use crate::config::ConverterType;
use crate::plumbing::impl_simple_converter;

/// The Java class name of [`ByteArrayConverter`].
pub const BYTE_ARRAY_CONVERTER_CLASS: &str =
    "org.apache.kafka.connect.converters.ByteArrayConverter";

/// Writes byte values as they are and reads bytes back with the optional bytes schema. A
/// schema, when given, must be of type `BYTES`; any value other than bytes or null is an
/// error (so is a Decimal, whose Java class is `BigDecimal`, not `byte[]`).
#[derive(Debug, Clone, Default)]
pub struct ByteArrayConverter {
    converter_type: ConverterType,
}

impl ByteArrayConverter {
    /// A new converter.
    pub fn new() -> Self {
        Self::default()
    }

    /// How the converter was configured to be used.
    pub fn converter_type(&self) -> ConverterType {
        self.converter_type
    }

    fn to_bytes(schema: Option<&SchemaRef>, value: &Value) -> ConnectResult<Option<Vec<u8>>> {
        if let Some(schema) = schema.filter(|s| s.schema_type != SchemaType::Bytes) {
            return Err(ConnectError::data(format!(
                "Invalid schema type for ByteArrayConverter: {}",
                schema.schema_type
            )));
        }
        match value {
            Value::Null => Ok(None),
            Value::Bytes(bytes) => Ok(Some(bytes.clone())),
            other => Err(ConnectError::data(format!(
                "ByteArrayConverter is not compatible with objects of type class {}",
                other.java_class_name()
            ))),
        }
    }

    fn to_value(bytes: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        let value = bytes.map_or(Value::Null, |b| Value::Bytes(b.to_vec()));
        Ok(SchemaAndValue::with_schema(Schema::optional_bytes(), value))
    }
}

impl_simple_converter!(ByteArrayConverter);

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::plugin::{Converter, HeaderConverter};
    use kconnect_api::ConfigMap;

    #[test]
    fn passes_bytes_through() {
        let mut c = ByteArrayConverter::new();
        Converter::configure(&mut c, &ConfigMap::new(), true).unwrap();
        assert_eq!(c.converter_type(), ConverterType::Key);
        let bytes = vec![0, 1, 255];
        let out = c
            .serialize("t", Some(&Schema::bytes()), &Value::Bytes(bytes.clone()))
            .unwrap();
        assert_eq!(out, Some(bytes.clone()));
        assert_eq!(
            c.serialize("t", None, &Value::Bytes(vec![])).unwrap(),
            Some(vec![])
        );
        assert_eq!(c.serialize("t", None, &Value::Null).unwrap(), None);
        let sv = c.deserialize("t", Some(&bytes)).unwrap();
        assert_eq!(
            sv,
            SchemaAndValue::with_schema(Schema::optional_bytes(), Value::Bytes(bytes))
        );
        let sv = c.deserialize("t", None).unwrap();
        assert_eq!(
            sv,
            SchemaAndValue::with_schema(Schema::optional_bytes(), Value::Null)
        );
    }

    #[test]
    fn rejects_other_schemas_and_values() {
        let mut c = ByteArrayConverter::new();
        let err = c
            .serialize("t", Some(&Schema::string()), &Value::Bytes(vec![1]))
            .unwrap_err();
        assert_eq!(
            err,
            ConnectError::data("Invalid schema type for ByteArrayConverter: STRING")
        );
        let err = c.serialize("t", None, &Value::from("x")).unwrap_err();
        assert!(
            matches!(&err, ConnectError::Data(m) if m.contains("java.lang.String")),
            "{err}"
        );
        // Even a null value is rejected when the schema is not BYTES, as in Java.
        assert!(c
            .serialize("t", Some(&Schema::optional_int32()), &Value::Null)
            .is_err());
    }

    #[test]
    fn works_as_a_header_converter() {
        let mut c = ByteArrayConverter::new();
        HeaderConverter::configure(&mut c, &ConfigMap::new()).unwrap();
        assert_eq!(c.converter_type(), ConverterType::Header);
        let out = c
            .serialize_header("t", "h", None, &Value::Bytes(vec![9]))
            .unwrap();
        assert_eq!(out, Some(vec![9]));
        let sv = c.deserialize_header("t", "h", Some(&[9])).unwrap();
        assert_eq!(sv.value, Value::Bytes(vec![9]));
        assert!(HeaderConverter::config_def(&c)
            .key("converter.type")
            .is_some());
    }
}
