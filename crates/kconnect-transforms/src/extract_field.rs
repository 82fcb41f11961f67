//! `ExtractField$Key` / `ExtractField$Value`: replaces the key or value with one of its fields
//! (a nested one with `field.syntax.version=V2`).

use kconnect_api::config::{ConfigType, Importance};
use kconnect_api::plugin::Transformation;
use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, ConnectResult, Value};

use crate::config_util::{self, key, REPLACE_NULL_WITH_DEFAULT};
use crate::field_path::{field_syntax_version_key, unknown_field, SingleFieldPath};
use crate::requirements::{require_map, require_struct_or_null};
use crate::Target;

const FIELD: &str = "field";
const PURPOSE: &str = "field extraction";

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(key(
            FIELD,
            ConfigType::String,
            Importance::Medium,
            "Name (or V2 path) of the field to extract.",
        ))
        .define(config_util::replace_null_with_default_key())
        .define(field_syntax_version_key())
}

#[derive(Debug)]
struct Settings {
    original: String,
    path: SingleFieldPath,
    replace_null_with_default: bool,
}

/// Extracts one field of the key or value.
#[derive(Debug)]
pub struct ExtractField {
    target: Target,
    settings: Option<Settings>,
}

impl ExtractField {
    /// An unconfigured `ExtractField` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            settings: None,
        }
    }
}

impl Transformation for ExtractField {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let original = config.string(FIELD).unwrap_or_default().to_string();
        let path = SingleFieldPath::from_config(&original, &config, FIELD)?;
        self.settings = Some(Settings {
            original,
            path,
            replace_null_with_default: config.boolean(REPLACE_NULL_WITH_DEFAULT),
        });
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("ExtractField"))?;
        let (schema, value) = self.target.take(&mut record);
        let (schema, extracted) = match schema {
            None => {
                let extracted = match &value {
                    Value::Null => Value::Null,
                    other => settings
                        .path
                        .value_from_map(require_map(other, PURPOSE)?)?
                        .clone(),
                };
                (None, extracted)
            }
            Some(schema) => {
                let input = require_struct_or_null(&value, PURPOSE)?;
                let field = settings
                    .path
                    .field_from(&schema)?
                    .ok_or_else(|| unknown_field(&settings.original))?;
                let extracted = match input {
                    None => Value::Null,
                    Some(s) => settings
                        .path
                        .value_from_struct(s, settings.replace_null_with_default)?
                        .clone(),
                };
                (Some(field.schema.clone()), extracted)
            }
        };
        self.target.set(&mut record, schema, extracted);
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
    use kconnect_api::{ConnectError, Schema, SchemaBuilder, Struct};

    fn nested() -> (kconnect_api::SchemaRef, Struct) {
        let geo = SchemaBuilder::struct_()
            .field("n", Schema::int32())
            .build()
            .unwrap();
        let addr = SchemaBuilder::struct_()
            .field("city", Schema::optional_string())
            .field("geo", geo.clone())
            .build()
            .unwrap();
        let root = SchemaBuilder::struct_()
            .field("id", Schema::string())
            .field("addr", addr.clone())
            .build()
            .unwrap();
        let mut g = Struct::new(geo).unwrap();
        g.put("n", 5).unwrap();
        let mut a = Struct::new(addr).unwrap();
        a.put("city", "Oslo").unwrap().put("geo", g).unwrap();
        let mut r = Struct::new(root.clone()).unwrap();
        r.put("id", "a").unwrap().put("addr", a).unwrap();
        (root, r)
    }

    #[test]
    fn extracts_struct_fields_with_their_schema() {
        let mut t = configured(ExtractField::new(Target::Value), &[("field", "name")]);
        let out = apply(&mut t, person_record());
        assert_eq!(out.value_schema, Some(Schema::optional_string()));
        assert_eq!(out.value, Value::from("Ann"));
        let (schema, value) = nested();
        let mut t = configured(ExtractField::new(Target::Value), &[("field", "addr")]);
        let out = apply(
            &mut t,
            record(Some(schema.clone()), Value::Struct(value.clone())),
        );
        assert_eq!(out.value_schema.as_ref().unwrap().fields.len(), 2);
        let mut t = configured(
            ExtractField::new(Target::Value),
            &[("field", "addr.geo.n"), ("field.syntax.version", "v2")],
        );
        let out = apply(&mut t, record(Some(schema), Value::Struct(value)));
        assert_eq!(
            (out.value_schema, out.value),
            (Some(Schema::int32()), Value::Int32(5))
        );
    }

    #[test]
    fn schemaless_and_null_values() {
        let mut t = configured(ExtractField::new(Target::Value), &[("field", "nope")]);
        let out = apply(&mut t, record(None, map(&[("id", Value::Int64(7))])));
        assert_eq!(out.value, Value::Null);
        let mut t = configured(
            ExtractField::new(Target::Key),
            &[("field", "a.b"), ("field.syntax.version", "V2")],
        );
        let mut r = record(None, Value::Null);
        r.key = map(&[("a", map(&[("b", Value::Int64(1))]))]);
        assert_eq!(apply(&mut t, r).key, Value::Int64(1));
        let out = apply(&mut t, record(Some(person_schema()), Value::Null));
        assert_eq!(out.value_schema, Some(person_schema()));
    }

    #[test]
    fn unknown_fields_with_schema_are_illegal_arguments() {
        let mut t = configured(ExtractField::new(Target::Value), &[("field", "nope")]);
        assert!(matches!(
            t.apply(person_record()),
            Err(ConnectError::IllegalArgument(_))
        ));
        let err = t
            .apply(record(Some(Schema::string()), Value::from("x")))
            .unwrap_err();
        assert!(err.to_string().contains("Only Struct objects"), "{err}");
        let mut t = ExtractField::new(Target::Value);
        let err = t
            .configure(&config_map(&[
                ("field", "`a"),
                ("field.syntax.version", "V2"),
            ]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("field"));
        let err = t
            .configure(&config_map(&[
                ("field", "a"),
                ("field.syntax.version", "V3"),
            ]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("field.syntax.version"));
    }
}
