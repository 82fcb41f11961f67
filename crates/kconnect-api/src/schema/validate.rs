//! Checking values against schemas (Java `ConnectSchema.validateValue`), recursively, with
//! errors that name the path of the offending field.

use super::{logical, Schema, SchemaType};
use crate::error::{ConnectError, ConnectResult};
use crate::value::Value;

fn path_text(path: &[String]) -> String {
    path.join(".").replace(".[", "[")
}

fn field_suffix(path: &[String]) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" for field: \"{}\"", path_text(path))
    }
}

pub(crate) fn validate(
    schema: &Schema,
    value: &Value,
    path: &mut Vec<String>,
) -> ConnectResult<()> {
    if value.is_null() {
        if schema.optional || schema.default_value.is_some() {
            return Ok(());
        }
        let field = if path.is_empty() {
            String::new()
        } else {
            format!(" field: \"{}\",", path_text(path))
        };
        return Err(ConnectError::data(format!(
            "Invalid value: null used for required{field} schema type: {}",
            schema.schema_type
        )));
    }
    let mismatch = || {
        ConnectError::data(format!(
            "Invalid Java object for schema \"{}\" with type {}: class {}{}",
            schema.name.as_deref().unwrap_or(""),
            schema.schema_type,
            value.java_class_name(),
            field_suffix(path)
        ))
    };
    match schema.name.as_deref() {
        Some(logical::DECIMAL_NAME) => {
            return if matches!(value, Value::Decimal(_)) {
                Ok(())
            } else {
                Err(mismatch())
            };
        }
        Some(logical::DATE_NAME | logical::TIME_NAME | logical::TIMESTAMP_NAME) => {
            return if matches!(value, Value::Instant(_)) {
                Ok(())
            } else {
                Err(mismatch())
            };
        }
        _ => {}
    }
    match (schema.schema_type, value) {
        (SchemaType::Int8, Value::Int8(_))
        | (SchemaType::Int16, Value::Int16(_))
        | (SchemaType::Int32, Value::Int32(_))
        | (SchemaType::Int64, Value::Int64(_))
        | (SchemaType::Float32, Value::Float32(_))
        | (SchemaType::Float64, Value::Float64(_))
        | (SchemaType::Boolean, Value::Boolean(_))
        | (SchemaType::String, Value::String(_))
        | (SchemaType::Bytes, Value::Bytes(_)) => Ok(()),
        (SchemaType::Array, Value::Array(items)) => {
            let Some(item_schema) = schema.value_schema.as_deref() else {
                return Err(ConnectError::data("Array schema has no item schema"));
            };
            for (i, item) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                validate(item_schema, item, path)?;
                path.pop();
            }
            Ok(())
        }
        (SchemaType::Map, Value::Map(entries)) => {
            let (Some(ks), Some(vs)) =
                (schema.key_schema.as_deref(), schema.value_schema.as_deref())
            else {
                return Err(ConnectError::data("Map schema has no key or value schema"));
            };
            for (k, v) in entries {
                path.push("<key>".to_string());
                validate(ks, k, path)?;
                path.pop();
                path.push(format!("[{}]", k));
                validate(vs, v, path)?;
                path.pop();
            }
            Ok(())
        }
        (SchemaType::Struct, Value::Struct(s)) => {
            if s.schema().as_ref() != schema {
                return Err(ConnectError::data(format!(
                    "Struct schemas do not match{}.",
                    field_suffix(path)
                )));
            }
            for field in &schema.fields {
                path.push(field.name.clone());
                validate(&field.schema, &s.values()[field.index], path)?;
                path.pop();
            }
            Ok(())
        }
        _ => Err(mismatch()),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Schema, SchemaBuilder, Struct, Value};

    #[test]
    fn names_the_path_of_a_missing_required_field() {
        let inner = SchemaBuilder::struct_()
            .field("b", Schema::int64())
            .build()
            .unwrap();
        let outer = SchemaBuilder::struct_()
            .field("inner", inner.clone())
            .build()
            .unwrap();
        let mut s = Struct::new(outer.clone()).unwrap();
        s.put("inner", Struct::new(inner).unwrap()).unwrap_err();
        let err = outer
            .validate_value(&Value::Struct(Struct::new(outer.clone()).unwrap()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"inner\""), "{err}");
    }

    #[test]
    fn wrong_type_in_array_names_index() {
        let schema = SchemaBuilder::array(Schema::int32()).build().unwrap();
        let err = schema
            .validate_value(&Value::Array(vec![
                Value::Int32(1),
                Value::String("x".into()),
            ]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("[1]") && err.contains("INT32"), "{err}");
    }

    #[test]
    fn optional_and_default_accept_null() {
        assert!(Schema::optional_string()
            .validate_value(&Value::Null)
            .is_ok());
        let with_default = SchemaBuilder::new(crate::SchemaType::Int32)
            .default_value(Value::Int32(7))
            .build()
            .unwrap();
        assert!(with_default.validate_value(&Value::Null).is_ok());
        assert!(Schema::string().validate_value(&Value::Null).is_err());
    }

    #[test]
    fn bad_default_is_rejected_at_build() {
        let err = SchemaBuilder::new(crate::SchemaType::Int32)
            .default_value(Value::String("x".into()))
            .build();
        assert!(err.is_err());
    }
}
