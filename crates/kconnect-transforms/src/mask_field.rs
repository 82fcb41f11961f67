//! `MaskField$Key` / `MaskField$Value`: replaces fields with the "empty" value of their type
//! (0, false, "", empty list or map, the epoch), or with a configured replacement converted
//! to the field's type.

use std::collections::HashSet;

use kconnect_api::config::{ConfigType, Importance, Validator};
use kconnect_api::plugin::Transformation;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, ConnectResult, Decimal, Struct, Value,
};

use crate::config_util::{self, key, non_empty_list, REPLACE_NULL_WITH_DEFAULT};
use crate::java_number::decimal_long_value;
use crate::requirements::{into_map, java_class, map_get, map_put, require_struct};
use crate::schema_util::{field_value, put_validated};
use crate::Target;

const FIELDS: &str = "fields";
const REPLACEMENT: &str = "replacement";
const PURPOSE: &str = "mask fields";

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(key(FIELDS, ConfigType::List, Importance::High, "Names of the fields to mask.").validator(non_empty_list()))
        .define(
            key(
                REPLACEMENT,
                ConfigType::String,
                Importance::Low,
                "A replacement for every masked value, converted to the field's type (numeric and string fields only).",
            )
            .default_null()
            .validator(Validator::NonEmptyString),
        )
        .define(config_util::replace_null_with_default_key())
}

/// The "empty" value of a value's type (Java `MaskField.maskWithNullValue`).
fn empty_like(value: &Value) -> ConnectResult<Value> {
    Ok(match value {
        Value::Boolean(_) => Value::Boolean(false),
        Value::Int8(_) => Value::Int8(0),
        Value::Int16(_) => Value::Int16(0),
        Value::Int32(_) => Value::Int32(0),
        Value::Int64(_) => Value::Int64(0),
        Value::Float32(_) => Value::Float32(0.0),
        Value::Float64(_) => Value::Float64(0.0),
        // Java uses BigDecimal.ZERO; keeping the scale keeps the value valid for its schema.
        Value::Decimal(d) => Value::Decimal(Decimal::new(0, d.scale())),
        Value::Instant(_) => Value::Instant(0),
        Value::String(_) => Value::String(String::new()),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Map(_) => Value::Map(Vec::new()),
        other => {
            return Err(ConnectError::data(format!(
                "Cannot mask value of type: {}",
                java_class(other)
            )))
        }
    })
}

/// The replacement text converted to the value's type (Java's `Values.convertToXxx` with
/// `BigDecimal` parsing: `1.9` masks an integer as 1).
fn replacement_like(value: &Value, replacement: &str) -> ConnectResult<Value> {
    let decimal = || -> ConnectResult<Decimal> {
        replacement.parse().map_err(|_| {
            ConnectError::data(format!(
                "Unable to convert {replacement} (class java.lang.String) to a number"
            ))
        })
    };
    Ok(match value {
        Value::Int8(_) => Value::Int8(decimal_long_value(&decimal()?) as i8),
        Value::Int16(_) => Value::Int16(decimal_long_value(&decimal()?) as i16),
        Value::Int32(_) => Value::Int32(decimal_long_value(&decimal()?) as i32),
        Value::Int64(_) => Value::Int64(decimal_long_value(&decimal()?)),
        Value::Float32(_) => Value::Float32(decimal()?.to_f64() as f32),
        Value::Float64(_) => Value::Float64(decimal()?.to_f64()),
        Value::Decimal(_) => Value::Decimal(decimal()?),
        Value::String(_) => Value::String(replacement.to_string()),
        other => {
            return Err(ConnectError::data(format!(
                "Cannot mask value of type {} with custom replacement.",
                java_class(other)
            )))
        }
    })
}

#[derive(Debug)]
struct Settings {
    fields: HashSet<String>,
    replacement: Option<String>,
    replace_null_with_default: bool,
}

impl Settings {
    fn masked(&self, value: &Value) -> ConnectResult<Value> {
        match (value, &self.replacement) {
            (Value::Null, _) => Ok(Value::Null),
            (value, None) => empty_like(value),
            (value, Some(replacement)) => replacement_like(value, replacement),
        }
    }
}

/// Masks fields of the key or value.
#[derive(Debug)]
pub struct MaskField {
    target: Target,
    settings: Option<Settings>,
}

impl MaskField {
    /// An unconfigured `MaskField` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            settings: None,
        }
    }
}

impl Transformation for MaskField {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        self.settings = Some(Settings {
            fields: config.list(FIELDS).iter().cloned().collect(),
            replacement: config.string(REPLACEMENT).map(str::to_string),
            replace_null_with_default: config.boolean(REPLACE_NULL_WITH_DEFAULT),
        });
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("MaskField"))?;
        let (schema, value) = self.target.take(&mut record);
        let (schema, updated) = match schema {
            None => {
                let mut entries = into_map(value, PURPOSE)?;
                for field in &settings.fields {
                    let masked =
                        settings.masked(map_get(&entries, field).unwrap_or(&Value::Null))?;
                    map_put(&mut entries, field, masked);
                }
                (None, Value::Map(entries))
            }
            Some(schema) => {
                let input = require_struct(&value, PURPOSE)?;
                let mut output = Struct::new(input.schema().clone())?;
                for field in &input.schema().fields {
                    let original =
                        field_value(input, field.index, settings.replace_null_with_default);
                    let value = if settings.fields.contains(&field.name) {
                        settings.masked(original)?
                    } else {
                        original.clone()
                    };
                    put_validated(&mut output, field.index, value)?;
                }
                (Some(schema), Value::Struct(output))
            }
        };
        self.target.set(&mut record, schema, updated);
        Ok(Some(record))
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    #[test]
    fn masks_struct_fields_with_empty_values() {
        let mut t = configured(
            MaskField::new(Target::Value),
            &[("fields", "name,email,score,id")],
        );
        let out = apply(&mut t, person_record());
        assert_eq!(out.value_schema, Some(person_schema()));
        let s = as_struct(&out.value);
        assert_eq!(s.get("id").unwrap(), &Value::Int32(0));
        assert_eq!(s.get("name").unwrap(), &Value::from(""));
        assert_eq!(s.get("score").unwrap(), &Value::Float64(0.0));
        assert_eq!(s.get("ts").unwrap(), &Value::Int64(1_700_000_000_123));
    }

    #[test]
    fn masks_schemaless_maps_adding_missing_keys_as_null() {
        let mut t = configured(
            MaskField::new(Target::Value),
            &[("fields", "name,nope,tags,when")],
        );
        let value = map(&[
            ("name", Value::from("Ann")),
            ("tags", Value::Array(vec![Value::from("x")])),
            ("when", Value::Instant(5)),
        ]);
        let out = apply(&mut t, record(None, value));
        let expected = map(&[
            ("name", Value::from("")),
            ("tags", Value::Array(vec![])),
            ("when", Value::Instant(0)),
            ("nope", Value::Null),
        ]);
        assert_eq!(out.value, expected);
        assert!(t.apply(record(None, Value::Null)).is_err());
    }

    #[test]
    fn replacements_are_converted_to_the_field_type() {
        let mut t = configured(
            MaskField::new(Target::Value),
            &[("fields", "id,name,score,ts"), ("replacement", "12.9")],
        );
        let out = apply(&mut t, person_record());
        let s = as_struct(&out.value);
        assert_eq!(s.get("id").unwrap(), &Value::Int32(12));
        assert_eq!(s.get("ts").unwrap(), &Value::Int64(12));
        assert_eq!(s.get("name").unwrap(), &Value::from("12.9"));
        assert_eq!(s.get("score").unwrap(), &Value::Float64(12.9));
        let mut t = configured(
            MaskField::new(Target::Value),
            &[("fields", "id"), ("replacement", "x")],
        );
        assert!(t
            .apply(person_record())
            .unwrap_err()
            .to_string()
            .contains("Unable to convert x"));
        let mut t = configured(
            MaskField::new(Target::Value),
            &[("fields", "b"), ("replacement", "x")],
        );
        let err = t
            .apply(record(None, map(&[("b", Value::Boolean(true))])))
            .unwrap_err();
        assert!(err.to_string().contains("with custom replacement"), "{err}");
    }

    #[test]
    fn unmaskable_types_and_config_errors() {
        let mut t = configured(MaskField::new(Target::Value), &[("fields", "b")]);
        let err = t
            .apply(record(None, map(&[("b", Value::Bytes(vec![1]))])))
            .unwrap_err();
        assert_eq!(err.to_string(), "Cannot mask value of type: class [B");
        let mut t = MaskField::new(Target::Value);
        assert_eq!(
            config_key(t.configure(&config_map(&[])).unwrap_err()).as_deref(),
            Some("fields")
        );
        let err = t
            .configure(&config_map(&[("fields", "a"), ("replacement", "")]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("replacement"));
    }
}
