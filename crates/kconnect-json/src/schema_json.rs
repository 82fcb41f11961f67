//! Connect schema → JSON schema bytes (Java `asJsonSchema`), in Java's key order:
//! `type`, then `items` / `keys`+`values` / `fields`, then `optional`, `name`, `version`,
//! `doc`, `parameters`, `default`; each struct field object ends with `"field":"<name>"`.

use kconnect_api::{Schema, SchemaType};

use crate::escape::{write_i64, write_str};
use crate::failure::Res;
use crate::write::{write_value, WriteOptions};

/// The JSON schema type name (`float` and `double`, not `float32`/`float64`).
pub(crate) fn json_type_name(schema_type: SchemaType) -> &'static str {
    match schema_type {
        SchemaType::Boolean => "boolean",
        SchemaType::Int8 => "int8",
        SchemaType::Int16 => "int16",
        SchemaType::Int32 => "int32",
        SchemaType::Int64 => "int64",
        SchemaType::Float32 => "float",
        SchemaType::Float64 => "double",
        SchemaType::Bytes => "bytes",
        SchemaType::String => "string",
        SchemaType::Array => "array",
        SchemaType::Map => "map",
        SchemaType::Struct => "struct",
    }
}

/// The schema type for a JSON schema type name (exact, lower-case, as Java matches it).
pub(crate) fn schema_type_for(name: &str) -> Option<SchemaType> {
    Some(match name {
        "boolean" => SchemaType::Boolean,
        "int8" => SchemaType::Int8,
        "int16" => SchemaType::Int16,
        "int32" => SchemaType::Int32,
        "int64" => SchemaType::Int64,
        "float" => SchemaType::Float32,
        "double" => SchemaType::Float64,
        "bytes" => SchemaType::Bytes,
        "string" => SchemaType::String,
        "array" => SchemaType::Array,
        "map" => SchemaType::Map,
        "struct" => SchemaType::Struct,
        _ => return None,
    })
}

/// Writes the JSON form of `schema`.
pub(crate) fn write_schema(out: &mut Vec<u8>, schema: &Schema, opts: WriteOptions) -> Res<()> {
    write_schema_object(out, schema, opts, None)
}

/// A nested schema; Java writes `null` for a missing element schema.
fn write_child(out: &mut Vec<u8>, child: Option<&Schema>, opts: WriteOptions) -> Res<()> {
    match child {
        Some(child) => write_schema_object(out, child, opts, None),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

fn write_schema_object(
    out: &mut Vec<u8>,
    schema: &Schema,
    opts: WriteOptions,
    field_name: Option<&str>,
) -> Res<()> {
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(json_type_name(schema.schema_type).as_bytes());
    out.push(b'"');
    match schema.schema_type {
        SchemaType::Array => {
            out.extend_from_slice(b",\"items\":");
            write_child(out, schema.value_schema.as_deref(), opts)?;
        }
        SchemaType::Map => {
            out.extend_from_slice(b",\"keys\":");
            write_child(out, schema.key_schema.as_deref(), opts)?;
            out.extend_from_slice(b",\"values\":");
            write_child(out, schema.value_schema.as_deref(), opts)?;
        }
        SchemaType::Struct => {
            out.extend_from_slice(b",\"fields\":[");
            for (i, field) in schema.fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_schema_object(out, &field.schema, opts, Some(&field.name))
                    .map_err(|e| e.at_field(&field.name))?;
            }
            out.push(b']');
        }
        _ => {}
    }
    out.extend_from_slice(if schema.optional {
        b",\"optional\":true"
    } else {
        b",\"optional\":false"
    });
    if let Some(name) = &schema.name {
        out.extend_from_slice(b",\"name\":");
        write_str(out, name);
    }
    if let Some(version) = schema.version {
        out.extend_from_slice(b",\"version\":");
        write_i64(out, i64::from(version));
    }
    if let Some(doc) = &schema.doc {
        out.extend_from_slice(b",\"doc\":");
        write_str(out, doc);
    }
    if let Some(parameters) = &schema.parameters {
        out.extend_from_slice(b",\"parameters\":{");
        for (i, (key, value)) in parameters.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, key);
            out.push(b':');
            write_str(out, value);
        }
        out.push(b'}');
    }
    if let Some(default) = schema.default_value.as_ref().filter(|d| !d.is_null()) {
        out.extend_from_slice(b",\"default\":");
        write_value(out, Some(schema), default, opts)?;
    }
    if let Some(name) = field_name {
        out.extend_from_slice(b",\"field\":");
        write_str(out, name);
    }
    out.push(b'}');
    Ok(())
}
