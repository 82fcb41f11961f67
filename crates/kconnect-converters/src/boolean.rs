//! `BooleanConverter` (`org.apache.kafka.connect.converters.BooleanConverter`): one byte,
//! `0x01` for true and `0x00` for false (Kafka `BooleanSerializer`).

use kconnect_api::value::SchemaAndValue;
use kconnect_api::{ConnectError, ConnectResult, Schema, SchemaRef, SchemaType, Value};

use crate::config::ConverterType;
use crate::plumbing::impl_simple_converter;

/// The Java class name of [`BooleanConverter`].
pub const BOOLEAN_CONVERTER_CLASS: &str = "org.apache.kafka.connect.converters.BooleanConverter";

/// Converts booleans to and from a single byte. A schema, when given, must be `BOOLEAN`;
/// null is written as no bytes. Reading accepts exactly one byte, `0x00` or `0x01`, and yields
/// the optional boolean schema.
#[derive(Debug, Clone, Default)]
pub struct BooleanConverter {
    converter_type: ConverterType,
}

impl BooleanConverter {
    /// A new converter.
    pub fn new() -> Self {
        Self::default()
    }

    /// How the converter was configured to be used.
    pub fn converter_type(&self) -> ConverterType {
        self.converter_type
    }

    fn to_bytes(schema: Option<&SchemaRef>, value: &Value) -> ConnectResult<Option<Vec<u8>>> {
        if let Some(schema) = schema.filter(|s| s.schema_type != SchemaType::Boolean) {
            return Err(ConnectError::data(format!(
                "Invalid schema type for BooleanConverter: {}",
                schema.schema_type
            )));
        }
        match value {
            Value::Null => Ok(None),
            Value::Boolean(b) => Ok(Some(vec![u8::from(*b)])),
            other => Err(ConnectError::data(format!(
                "BooleanConverter is not compatible with objects of type class {}",
                other.java_class_name()
            ))),
        }
    }

    fn to_value(bytes: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        let failed =
            |reason: String| ConnectError::data(format!("Failed to deserialize boolean: {reason}"));
        let value = match bytes {
            None => Value::Null,
            Some([0]) => Value::Boolean(false),
            Some([1]) => Value::Boolean(true),
            Some([other]) => {
                return Err(failed(format!(
                    "Unexpected byte received by BooleanDeserializer: {}",
                    *other as i8
                )))
            }
            Some(_) => {
                return Err(failed(
                    "Size of data received by BooleanDeserializer is not 1".into(),
                ))
            }
        };
        Ok(SchemaAndValue::with_schema(
            Schema::optional_boolean(),
            value,
        ))
    }
}

impl_simple_converter!(BooleanConverter);

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::plugin::{Converter, HeaderConverter};
    use kconnect_api::ConfigMap;

    #[test]
    fn writes_one_byte() {
        let mut c = BooleanConverter::new();
        Converter::configure(&mut c, &ConfigMap::new(), false).unwrap();
        let schema = Schema::boolean();
        assert_eq!(
            c.serialize("t", Some(&schema), &Value::Boolean(true))
                .unwrap(),
            Some(vec![1])
        );
        assert_eq!(
            c.serialize("t", None, &Value::Boolean(false)).unwrap(),
            Some(vec![0])
        );
        assert_eq!(c.serialize("t", None, &Value::Null).unwrap(), None);
    }

    #[test]
    fn reads_one_byte() {
        let mut c = BooleanConverter::new();
        let sv = c.deserialize("t", Some(&[1])).unwrap();
        assert_eq!(
            sv,
            SchemaAndValue::with_schema(Schema::optional_boolean(), Value::Boolean(true))
        );
        assert_eq!(
            c.deserialize("t", Some(&[0])).unwrap().value,
            Value::Boolean(false)
        );
        let sv = c.deserialize("t", None).unwrap();
        assert_eq!(
            sv,
            SchemaAndValue::with_schema(Schema::optional_boolean(), Value::Null)
        );
    }

    #[test]
    fn rejects_bad_input() {
        let mut c = BooleanConverter::new();
        let err = c.deserialize("t", Some(&[0xFF])).unwrap_err();
        assert_eq!(
            err,
            ConnectError::data(
                "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: -1"
            )
        );
        let err = c.deserialize("t", Some(&[])).unwrap_err().to_string();
        assert!(err.contains("is not 1"), "{err}");
        assert!(c.deserialize("t", Some(&[1, 0])).is_err());
        let err = c
            .serialize("t", Some(&Schema::int8()), &Value::Boolean(true))
            .unwrap_err();
        assert_eq!(
            err,
            ConnectError::data("Invalid schema type for BooleanConverter: INT8")
        );
        let err = c
            .serialize("t", None, &Value::Int8(1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("java.lang.Byte"), "{err}");
    }

    #[test]
    fn works_as_a_header_converter() {
        let mut c = BooleanConverter::new();
        HeaderConverter::configure(&mut c, &ConfigMap::new()).unwrap();
        assert_eq!(c.converter_type(), ConverterType::Header);
        let out = c
            .serialize_header("t", "h", None, &Value::Boolean(true))
            .unwrap();
        assert_eq!(out, Some(vec![1]));
        let sv = c.deserialize_header("t", "h", Some(&[1])).unwrap();
        assert_eq!(sv.value, Value::Boolean(true));
    }
}
