//! Casting one value to another primitive type the way Kafka's `Cast` does: Java's narrowing
//! conversions between numbers, `1`/`0` for booleans, Java's string parsers, Base64 for bytes,
//! and the ISO formats of `Values` for dates. Date, Time and Timestamp values are first
//! encoded to their int/long representation unless the target is a string.

use base64::Engine as _;
use kconnect_api::schema::logical;
use kconnect_api::{ConnectError, ConnectResult, Schema, SchemaType, Value};

use crate::java_date_format::format_iso;
use crate::java_number::{
    byte_value, double_value, float_value, int_value, long_value, parse_double, parse_float,
    parse_integer, short_value,
};
use crate::requirements::{connect_schema_type, java_class};

/// The types `Cast` accepts as input, as Java lists them in its error messages.
const SUPPORTED_INPUT: &str =
    "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]";
/// The types `Cast` can produce.
pub(crate) const SUPPORTED_OUTPUT: &str =
    "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";

/// Whether `Cast` can produce values of this type.
pub(crate) fn is_output_type(t: SchemaType) -> bool {
    !matches!(
        t,
        SchemaType::Bytes | SchemaType::Array | SchemaType::Map | SchemaType::Struct
    )
}

fn encode_logical(schema: &Schema, value: &Value) -> ConnectResult<Value> {
    let millis = match value {
        Value::Instant(ms) => *ms,
        _ => return Ok(value.clone()),
    };
    Ok(match schema.name.as_deref() {
        Some(logical::DATE_NAME) => Value::Int32(logical::date_from_logical(millis)?),
        Some(logical::TIME_NAME) => Value::Int32(logical::time_from_logical(millis)?),
        Some(logical::TIMESTAMP_NAME) => Value::Int64(millis),
        _ => value.clone(),
    })
}

fn unexpected(value: &Value) -> ConnectError {
    ConnectError::data(format!(
        "Unexpected type in Cast transformation: {}",
        java_class(value)
    ))
}

fn out_of_range(value: &Value) -> ConnectError {
    ConnectError::data(format!(
        "Value ({value}) was out of range for requested data type"
    ))
}

fn cast_to_integer(value: &Value, target: SchemaType) -> ConnectResult<Value> {
    let (min, max) = match target {
        SchemaType::Int8 => (i8::MIN.into(), i8::MAX.into()),
        SchemaType::Int16 => (i16::MIN.into(), i16::MAX.into()),
        SchemaType::Int32 => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    };
    let wide = match value {
        Value::Boolean(b) => i64::from(*b),
        Value::String(s) => parse_integer(s, min, max).ok_or_else(|| out_of_range(value))?,
        other => {
            let narrowed = match target {
                SchemaType::Int8 => byte_value(other).map(i64::from),
                SchemaType::Int16 => short_value(other).map(i64::from),
                SchemaType::Int32 => int_value(other).map(i64::from),
                _ => long_value(other),
            };
            narrowed.ok_or_else(|| unexpected(other))?
        }
    };
    // `wide` is within the target's range by construction.
    Ok(match target {
        SchemaType::Int8 => Value::Int8(wide as i8),
        SchemaType::Int16 => Value::Int16(wide as i16),
        SchemaType::Int32 => Value::Int32(wide as i32),
        _ => Value::Int64(wide),
    })
}

fn cast_to_string(value: &Value) -> String {
    match value {
        Value::Instant(ms) => format_iso(*ms),
        Value::Bytes(bytes) => base64::engine::general_purpose::STANDARD.encode(bytes),
        other => other.to_string(),
    }
}

/// Casts `value` (described by `schema`, or schemaless) to `target`.
pub(crate) fn cast_value(
    schema: Option<&Schema>,
    value: &Value,
    target: SchemaType,
) -> ConnectResult<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let input_type = match schema {
        Some(schema) => Some(schema.schema_type),
        None => connect_schema_type(value),
    };
    let input_type = input_type.ok_or_else(|| {
        ConnectError::data(format!(
            "Cast transformation was passed a value of type {} which is not supported by Connect's data API",
            java_class(value)
        ))
    })?;
    if !input_type.is_primitive() {
        return Err(ConnectError::data(format!(
            "Cast transformation does not support casting from {input_type}; supported types are {SUPPORTED_INPUT}"
        )));
    }
    let encoded;
    let value = match schema {
        Some(schema) if schema.name.is_some() && target != SchemaType::String => {
            encoded = encode_logical(schema, value)?;
            &encoded
        }
        _ => value,
    };
    Ok(match target {
        SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 | SchemaType::Int64 => {
            cast_to_integer(value, target)?
        }
        SchemaType::Float32 => Value::Float32(match value {
            Value::Boolean(b) => f32::from(u8::from(*b)),
            Value::String(s) => parse_float(s).ok_or_else(|| out_of_range(value))?,
            other => float_value(other).ok_or_else(|| unexpected(other))?,
        }),
        SchemaType::Float64 => Value::Float64(match value {
            Value::Boolean(b) => f64::from(u8::from(*b)),
            Value::String(s) => parse_double(s).ok_or_else(|| out_of_range(value))?,
            other => double_value(other).ok_or_else(|| unexpected(other))?,
        }),
        SchemaType::Boolean => Value::Boolean(match value {
            Value::Boolean(b) => *b,
            Value::String(s) => s.eq_ignore_ascii_case("true"),
            other => long_value(other).ok_or_else(|| unexpected(other))? != 0,
        }),
        SchemaType::String => Value::String(cast_to_string(value)),
        other => {
            return Err(ConnectError::data(format!(
                "{other} is not supported in the Cast transformation."
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::Decimal;

    fn cast(value: Value, target: SchemaType) -> ConnectResult<Value> {
        cast_value(None, &value, target)
    }

    #[test]
    fn numbers_narrow_like_java() {
        assert_eq!(
            cast(Value::Float64(300.7), SchemaType::Int8),
            Ok(Value::Int8(44))
        );
        assert_eq!(
            cast(Value::Float64(1.5), SchemaType::Int32),
            Ok(Value::Int32(1))
        );
        assert_eq!(
            cast(Value::Int64(1_700_000_000_123), SchemaType::Float64),
            Ok(Value::Float64(1.700000000123e12))
        );
        assert_eq!(
            cast(Value::Int32(70_000), SchemaType::Int16),
            Ok(Value::Int16(4464))
        );
        assert_eq!(
            cast(Value::Float64(0.5), SchemaType::Boolean),
            Ok(Value::Boolean(false))
        );
        assert_eq!(
            cast(Value::Int32(2), SchemaType::Boolean),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            cast(Value::Boolean(true), SchemaType::Float32),
            Ok(Value::Float32(1.0))
        );
    }

    #[test]
    fn strings_parse_with_java_rules() {
        assert_eq!(
            cast(Value::from("12345"), SchemaType::Int64),
            Ok(Value::Int64(12345))
        );
        assert_eq!(
            cast(Value::from("TRUE"), SchemaType::Boolean),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            cast(Value::from("yes"), SchemaType::Boolean),
            Ok(Value::Boolean(false))
        );
        assert_eq!(
            cast(Value::from("1.5f"), SchemaType::Float32),
            Ok(Value::Float32(1.5))
        );
        let err = cast(Value::from("Ann"), SchemaType::Int32).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Value (Ann) was out of range for requested data type"
        );
        assert!(cast(Value::from("128"), SchemaType::Int8).is_err());
    }

    #[test]
    fn to_string_uses_java_renderings() {
        assert_eq!(
            cast(Value::Int32(7), SchemaType::String),
            Ok(Value::from("7"))
        );
        assert_eq!(
            cast(Value::Float64(1e7), SchemaType::String),
            Ok(Value::from("1.0E7"))
        );
        assert_eq!(
            cast(Value::Bytes(b"hi".to_vec()), SchemaType::String),
            Ok(Value::from("aGk="))
        );
        let ts = logical::timestamp_builder().into_schema();
        assert_eq!(
            cast_value(
                Some(&ts),
                &Value::Instant(1_700_000_000_123),
                SchemaType::String
            ),
            Ok(Value::from("2023-11-14T22:13:20.123Z"))
        );
        let dec = Value::Decimal(Decimal::new(12345, 2));
        assert!(cast(dec.clone(), SchemaType::String).is_err());
        let dec_schema = logical::decimal_builder(2).into_schema();
        assert_eq!(
            cast_value(Some(&dec_schema), &dec, SchemaType::String),
            Ok(Value::from("123.45"))
        );
        assert_eq!(
            cast_value(Some(&dec_schema), &dec, SchemaType::Int32),
            Ok(Value::Int32(123))
        );
    }

    #[test]
    fn logical_values_are_encoded_first() {
        let date = logical::date_builder().into_schema();
        assert_eq!(
            cast_value(Some(&date), &Value::Instant(86_400_000), SchemaType::Int32),
            Ok(Value::Int32(1))
        );
        let time = logical::time_builder().into_schema();
        assert_eq!(
            cast_value(Some(&time), &Value::Instant(5), SchemaType::Int64),
            Ok(Value::Int64(5))
        );
    }

    #[test]
    fn unsupported_inputs_are_data_errors() {
        assert!(cast(Value::Instant(0), SchemaType::Int64)
            .unwrap_err()
            .to_string()
            .contains("not supported by Connect's data API"));
        assert!(cast(Value::Array(vec![]), SchemaType::String)
            .unwrap_err()
            .to_string()
            .contains("casting from ARRAY"));
        assert!(cast(Value::Bytes(vec![1]), SchemaType::Int32)
            .unwrap_err()
            .to_string()
            .contains("Unexpected type"));
        assert_eq!(cast(Value::Null, SchemaType::Int32), Ok(Value::Null));
    }
}
