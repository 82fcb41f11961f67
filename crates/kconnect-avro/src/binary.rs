//! Connect values in Avro's binary encoding, laid out as [`crate::to_avro`] maps their
//! schemas: zig-zag varints for ints and longs, little-endian floats, length-prefixed
//! strings and bytes, one block per array or map, and a branch index before each optional
//! value (null first unless the schema has a default).

use kconnect_api::schema::logical::{DATE_NAME as DATE, MILLIS_PER_DAY};
use kconnect_api::{Schema, SchemaType, Value};

use crate::to_avro::null_first;
use crate::AvroError;

/// Appends a whole record's `value`, written with `schema`, to `out`.
///
/// As Confluent's serializer does, a required top-level `BYTES` value (a Decimal's unscaled
/// bytes too) is written raw, without its length.
pub fn encode(schema: &Schema, value: &Value, out: &mut Vec<u8>) -> Result<(), AvroError> {
    if schema.schema_type == SchemaType::Bytes && !schema.optional {
        match value {
            Value::Bytes(raw) => {
                out.extend_from_slice(raw);
                return Ok(());
            }
            Value::Decimal(d) => {
                out.extend_from_slice(&d.unscaled_bytes());
                return Ok(());
            }
            _ => {}
        }
    }
    encode_nested(schema, value, out)
}

/// Appends `value`, written with `schema`, to `out`, as a part of a record.
fn encode_nested(schema: &Schema, value: &Value, out: &mut Vec<u8>) -> Result<(), AvroError> {
    let value = match value {
        Value::Null => schema.default_value.as_ref().unwrap_or(&Value::Null),
        v => v,
    };
    if schema.optional {
        let null_index = if null_first(schema) { 0 } else { 1 };
        if value.is_null() {
            write_long(out, null_index);
            return Ok(());
        }
        write_long(out, 1 - null_index);
    } else if value.is_null() {
        return Err(AvroError::Data(format!(
            "a required {} value is null",
            schema.schema_type.name()
        )));
    }
    encode_present(schema, value, out)
}

fn mismatch(schema: &Schema, value: &Value) -> AvroError {
    AvroError::Data(format!(
        "a {} schema cannot hold a value of type {}",
        schema.schema_type.name(),
        value.java_class_name()
    ))
}

fn encode_present(schema: &Schema, value: &Value, out: &mut Vec<u8>) -> Result<(), AvroError> {
    match (schema.schema_type, value) {
        (SchemaType::Int8, Value::Int8(v)) => write_long(out, i64::from(*v)),
        (SchemaType::Int16, Value::Int16(v)) => write_long(out, i64::from(*v)),
        (SchemaType::Int32, Value::Int32(v)) => write_long(out, i64::from(*v)),
        (SchemaType::Int32, Value::Instant(ms)) => {
            let n = if schema.is_named(DATE) {
                ms.div_euclid(MILLIS_PER_DAY)
            } else {
                ms.rem_euclid(MILLIS_PER_DAY)
            };
            write_long(out, n);
        }
        (SchemaType::Int64, Value::Int64(v) | Value::Instant(v)) => write_long(out, *v),
        (SchemaType::Float32, Value::Float32(v)) => out.extend_from_slice(&v.to_le_bytes()),
        (SchemaType::Float64, Value::Float64(v)) => out.extend_from_slice(&v.to_le_bytes()),
        (SchemaType::Boolean, Value::Boolean(v)) => out.push(u8::from(*v)),
        (SchemaType::String, Value::String(s)) => write_bytes(out, s.as_bytes()),
        (SchemaType::Bytes, Value::Bytes(b)) => write_bytes(out, b),
        (SchemaType::Bytes, Value::Decimal(d)) => write_bytes(out, &d.unscaled_bytes()),
        (SchemaType::Array, Value::Array(items)) => {
            let item_schema = schema
                .value_schema
                .as_deref()
                .ok_or_else(|| mismatch(schema, value))?;
            write_count(out, items.len());
            for item in items {
                encode_nested(item_schema, item, out)?;
            }
            if !items.is_empty() {
                write_long(out, 0);
            }
        }
        (SchemaType::Map, Value::Map(entries)) => {
            let (Some(keys), Some(values)) = (&schema.key_schema, &schema.value_schema) else {
                return Err(mismatch(schema, value));
            };
            write_count(out, entries.len());
            for (k, v) in entries {
                encode_nested(keys, k, out)?;
                encode_nested(values, v, out)?;
            }
            if !entries.is_empty() {
                write_long(out, 0);
            }
        }
        (SchemaType::Struct, Value::Struct(s)) => {
            for (field, v) in schema.fields.iter().zip(s.values()) {
                encode_nested(&field.schema, v, out)
                    .map_err(|e| AvroError::Data(format!("field {}: {e}", field.name)))?;
            }
        }
        _ => return Err(mismatch(schema, value)),
    }
    Ok(())
}

/// A zig-zag varint.
pub fn write_long(out: &mut Vec<u8>, n: i64) {
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// The item count that opens a block (nothing more for an empty array or map: its `0`
/// count also ends it).
fn write_count(out: &mut Vec<u8>, n: usize) {
    write_long(out, i64::try_from(n).unwrap_or(i64::MAX));
}

/// Length-prefixed bytes.
fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_count(out, bytes.len());
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longs_are_zig_zag_varints() {
        for (n, bytes) in [
            (0i64, vec![0u8]),
            (-1, vec![1]),
            (1, vec![2]),
            (-64, vec![0x7f]),
            (64, vec![0x80, 0x01]),
            (
                i64::MIN,
                vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ] {
            let mut out = Vec::new();
            write_long(&mut out, n);
            assert_eq!(out, bytes, "{n}");
        }
    }
}
