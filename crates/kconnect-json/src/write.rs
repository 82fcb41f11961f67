//! Connect value → JSON payload bytes (Java `convertToJson`), written straight into a buffer.

use std::borrow::Cow;

use kconnect_api::schema::logical;
use kconnect_api::{Schema, SchemaType, Value};

use crate::config::DecimalFormat;
use crate::escape::{write_base64, write_i64, write_str};
use crate::failure::{Failure, Res};
use crate::floats::{write_f32, write_f64};

/// The settings that change the written bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WriteOptions {
    /// How Decimals are written.
    pub decimal_format: DecimalFormat,
    /// Whether a null is replaced by the schema's default.
    pub replace_null_with_default: bool,
}

/// Whether a struct value's schema is the one being written. Identity is the fast path;
/// otherwise the schemas must be equal, ignoring the top-level default (a struct default's
/// own schema cannot contain itself).
pub(crate) fn same_struct_schema(actual: &Schema, expected: &Schema) -> bool {
    std::ptr::eq(actual, expected)
        || actual == expected
        || (actual.schema_type == expected.schema_type
            && actual.optional == expected.optional
            && actual.name == expected.name
            && actual.version == expected.version
            && actual.doc == expected.doc
            && actual.parameters == expected.parameters
            && actual.fields == expected.fields
            && actual.key_schema == expected.key_schema
            && actual.value_schema == expected.value_schema)
}

fn invalid_type(schema_type: SchemaType, value: &Value) -> Failure {
    Failure::new(format!(
        "Invalid type for {schema_type}: class {}",
        value.java_class_name()
    ))
}

/// Writes a value with its schema (or inferring the type from the value when schemaless).
pub(crate) fn write_value(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    value: &Value,
    opts: WriteOptions,
) -> Res<()> {
    if value.is_null() {
        return write_null(out, schema, opts);
    }
    let schema_type = match schema {
        Some(schema) => {
            if let Some(name) = schema.name.as_deref() {
                if write_logical(out, schema, name, value, opts)? {
                    return Ok(());
                }
            }
            schema.schema_type
        }
        None => match value {
            Value::Decimal(_) | Value::Instant(_) => {
                return Err(Failure::new(format!(
                    "Java class class {} does not have corresponding schema type.",
                    value.java_class_name()
                )))
            }
            _ => value.inferred_type().unwrap_or(SchemaType::String),
        },
    };
    match (schema_type, value) {
        (SchemaType::Int8, Value::Int8(v)) => write_i64(out, i64::from(*v)),
        (SchemaType::Int16, Value::Int16(v)) => write_i64(out, i64::from(*v)),
        (SchemaType::Int32, Value::Int32(v)) => write_i64(out, i64::from(*v)),
        (SchemaType::Int64, Value::Int64(v)) => write_i64(out, *v),
        (SchemaType::Float32, Value::Float32(v)) => write_f32(out, *v),
        (SchemaType::Float64, Value::Float64(v)) => write_f64(out, *v),
        (SchemaType::Boolean, Value::Boolean(v)) => {
            out.extend_from_slice(if *v { b"true" } else { b"false" })
        }
        (SchemaType::String, Value::String(s)) => write_str(out, s),
        (SchemaType::Bytes, Value::Bytes(b)) => write_base64(out, b),
        (SchemaType::Array, Value::Array(items)) => {
            let item_schema = schema.and_then(|s| s.value_schema.as_deref());
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item_schema, item, opts).map_err(|e| e.at_index(i))?;
            }
            out.push(b']');
        }
        (SchemaType::Map, Value::Map(entries)) => write_map(out, schema, entries, opts)?,
        (SchemaType::Struct, Value::Struct(st)) => {
            let schema = match schema {
                Some(schema) if same_struct_schema(st.schema(), schema) => schema,
                _ => return Err(Failure::new("Mismatching schema.")),
            };
            out.push(b'{');
            for (i, (field, field_value)) in schema.fields.iter().zip(st.values()).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, &field.name);
                out.push(b':');
                write_value(out, Some(&field.schema), field_value, opts)
                    .map_err(|e| e.at_field(&field.name))?;
            }
            out.push(b'}');
        }
        (schema_type, value) => return Err(invalid_type(schema_type, value)),
    }
    Ok(())
}

/// A struct schema's member keys as written (`"a":`, `,"b":`, ...), rendered once per schema
/// so that each record only writes its values.
#[derive(Debug)]
pub(crate) struct StructKeys {
    bytes: Box<[u8]>,
    /// Where each key ends in `bytes`.
    ends: Box<[usize]>,
}

impl StructKeys {
    /// The keys of a struct schema; `None` for other schemas.
    pub(crate) fn of(schema: &Schema) -> Option<Self> {
        if schema.schema_type != SchemaType::Struct {
            return None;
        }
        let mut bytes = Vec::new();
        let mut ends = Vec::with_capacity(schema.fields.len());
        for (i, field) in schema.fields.iter().enumerate() {
            if i > 0 {
                bytes.push(b',');
            }
            write_str(&mut bytes, &field.name);
            bytes.push(b':');
            ends.push(bytes.len());
        }
        Some(Self {
            bytes: bytes.into_boxed_slice(),
            ends: ends.into_boxed_slice(),
        })
    }

    fn key(&self, index: usize) -> &[u8] {
        let start = match index {
            0 => 0,
            i => self.ends[i - 1],
        };
        &self.bytes[start..self.ends[index]]
    }
}

/// Writes a value of a struct schema whose keys were rendered by [`StructKeys::of`]: the
/// same bytes and errors as [`write_value`].
pub(crate) fn write_struct_value(
    out: &mut Vec<u8>,
    schema: &Schema,
    keys: &StructKeys,
    value: &Value,
    opts: WriteOptions,
) -> Res<()> {
    let st = match value {
        Value::Struct(st)
            if same_struct_schema(st.schema(), schema)
                && !schema.name.as_deref().is_some_and(is_logical_name) =>
        {
            st
        }
        // Nulls, mismatches and struct schemas named like a logical type take the general
        // path (and its errors).
        _ => return write_value(out, Some(schema), value, opts),
    };
    out.push(b'{');
    for (i, (field, field_value)) in schema.fields.iter().zip(st.values()).enumerate() {
        out.extend_from_slice(keys.key(i));
        write_value(out, Some(&field.schema), field_value, opts)
            .map_err(|e| e.at_field(&field.name))?;
    }
    out.push(b'}');
    Ok(())
}

fn is_logical_name(name: &str) -> bool {
    matches!(
        name,
        logical::DECIMAL_NAME | logical::DATE_NAME | logical::TIME_NAME | logical::TIMESTAMP_NAME
    )
}

fn write_null(out: &mut Vec<u8>, schema: Option<&Schema>, opts: WriteOptions) -> Res<()> {
    let Some(schema) = schema else {
        out.extend_from_slice(b"null");
        return Ok(());
    };
    match &schema.default_value {
        Some(default) if opts.replace_null_with_default && !default.is_null() => {
            write_value(out, Some(schema), default, opts)
        }
        _ if schema.optional => {
            out.extend_from_slice(b"null");
            Ok(())
        }
        _ => Err(Failure::new(
            "Conversion error: null value for field that is required and has no default value",
        )),
    }
}

/// Writes a logical-type value; `false` if `name` is not a logical type.
fn write_logical(
    out: &mut Vec<u8>,
    schema: &Schema,
    name: &str,
    value: &Value,
    opts: WriteOptions,
) -> Res<bool> {
    let expected_instant = |type_name: &str| match value {
        Value::Instant(ms) => Ok(*ms),
        other => Err(Failure::new(format!(
            "Invalid type for {type_name}, expected Date but was class {}",
            other.java_class_name()
        ))),
    };
    match name {
        logical::DECIMAL_NAME => {
            let Value::Decimal(decimal) = value else {
                return Err(Failure::new(format!(
                    "Invalid type for Decimal, expected BigDecimal but was class {}",
                    value.java_class_name()
                )));
            };
            match opts.decimal_format {
                DecimalFormat::Numeric => {
                    out.extend_from_slice(decimal.strip_trailing_zeros().to_string().as_bytes())
                }
                DecimalFormat::Base64 => {
                    write_base64(out, &logical::decimal_from_logical(schema, decimal)?)
                }
            }
        }
        logical::DATE_NAME => {
            let days = logical::date_from_logical(expected_instant("Date")?)?;
            write_i64(out, i64::from(days));
        }
        logical::TIME_NAME => {
            let millis = logical::time_from_logical(expected_instant("Time")?)?;
            write_i64(out, i64::from(millis));
        }
        logical::TIMESTAMP_NAME => write_i64(out, expected_instant("Timestamp")?),
        _ => return Ok(false),
    }
    Ok(true)
}

fn key_label(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Maps with string keys (by schema, or schemaless with only string keys) are JSON objects;
/// others are arrays of `[key, value]` pairs.
fn write_map(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    entries: &[(Value, Value)],
    opts: WriteOptions,
) -> Res<()> {
    let (key_schema, value_schema) = match schema {
        Some(s) => (s.key_schema.as_deref(), s.value_schema.as_deref()),
        None => (None, None),
    };
    let object_mode = match schema {
        Some(_) => key_schema.is_some_and(|k| k.schema_type == SchemaType::String),
        None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
    };
    if object_mode {
        let keys = entries
            .iter()
            .map(|(key, _)| object_key_text(key_schema, key, opts))
            .collect::<Res<Vec<_>>>()
            .map_err(|e| e.at_key("<key>"))?;
        // Jackson's ObjectNode keeps one member per name: the first position, the last value.
        let last_of = |i: usize| keys.iter().rposition(|k| *k == keys[i]).unwrap_or(i);
        let unique = !has_duplicates(&keys);
        out.push(b'{');
        let mut written = 0;
        for (i, text) in keys.iter().enumerate() {
            let source = if unique {
                i
            } else if keys[..i].contains(text) {
                continue;
            } else {
                last_of(i)
            };
            if written > 0 {
                out.push(b',');
            }
            written += 1;
            write_str(out, text);
            out.push(b':');
            write_value(out, value_schema, &entries[source].1, opts).map_err(|e| e.at_key(text))?;
        }
        out.push(b'}');
    } else {
        out.push(b'[');
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'[');
            write_value(out, key_schema, key, opts).map_err(|e| e.at_key("<key>"))?;
            out.push(b',');
            write_value(out, value_schema, value, opts).map_err(|e| e.at_key(&key_label(key)))?;
            out.push(b']');
        }
        out.push(b']');
    }
    Ok(())
}

fn has_duplicates(keys: &[Cow<'_, str>]) -> bool {
    if keys.len() <= 16 {
        return keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k));
    }
    let mut seen = std::collections::HashSet::with_capacity(keys.len());
    !keys.iter().all(|k| seen.insert(k.as_ref()))
}

/// The text of an object-mode map key: Java converts the key and takes the node's text, so
/// a null key of an optional schema becomes `"null"`.
fn object_key_text<'v>(
    key_schema: Option<&'v Schema>,
    key: &'v Value,
    opts: WriteOptions,
) -> Res<Cow<'v, str>> {
    match (key, key_schema) {
        (Value::String(s), _) => Ok(Cow::Borrowed(s)),
        (Value::Null, Some(schema)) => match &schema.default_value {
            Some(Value::String(s)) if opts.replace_null_with_default => Ok(Cow::Borrowed(s)),
            _ if schema.optional => Ok(Cow::Borrowed("null")),
            _ => Err(Failure::new(
                "Conversion error: null value for field that is required and has no default value",
            )),
        },
        (other, _) => Err(invalid_type(SchemaType::String, other)),
    }
}
