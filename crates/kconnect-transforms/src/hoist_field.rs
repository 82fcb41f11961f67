//! `HoistField$Key` / `HoistField$Value`: wraps the whole key or value in a struct (or map)
//! with a single field.

use kconnect_api::config::{ConfigType, Importance};
use kconnect_api::plugin::Transformation;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectRecord, ConnectResult, SchemaBuilder, SchemaRef, Struct, Value,
};

use crate::config_util::{self, key};
use crate::schema_cache::SchemaCache;
use crate::schema_util::{build, put_copied};
use crate::Target;

const FIELD: &str = "field";

fn config_def() -> ConfigDef {
    ConfigDef::new().define(key(
        FIELD,
        ConfigType::String,
        Importance::Medium,
        "Name of the single field of the struct or map that wraps the key or value.",
    ))
}

/// Wraps the key or value in a one-field struct or map.
#[derive(Debug)]
pub struct HoistField {
    target: Target,
    field: Option<String>,
    cache: SchemaCache<SchemaRef>,
}

impl HoistField {
    /// An unconfigured `HoistField` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            field: None,
            cache: SchemaCache::new(),
        }
    }
}

impl Transformation for HoistField {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        self.field = config.string(FIELD).map(str::to_string);
        self.cache = SchemaCache::new();
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let field = self
            .field
            .as_deref()
            .ok_or_else(|| config_util::not_configured("HoistField"))?;
        let (schema, value) = self.target.take(&mut record);
        match schema {
            None => {
                let wrapped = Value::Map(vec![(Value::from(field), value)]);
                self.target.set(&mut record, None, wrapped);
            }
            Some(schema) => {
                let updated = self.cache.get_or_try_insert(&schema, || {
                    build(SchemaBuilder::struct_().field(field, schema.clone()))
                })?;
                let mut wrapped = Struct::new(updated.clone())?;
                put_copied(&mut wrapped, 0, value)?;
                self.target
                    .set(&mut record, Some(updated), Value::Struct(wrapped));
            }
        }
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
    use kconnect_api::Schema;

    #[test]
    fn wraps_values_with_a_schema() {
        let mut t = configured(HoistField::new(Target::Value), &[("field", "line")]);
        let out = apply(&mut t, record(Some(Schema::string()), Value::from("hello")));
        let schema = out.value_schema.clone().unwrap();
        assert_eq!(schema.fields[0].name, "line");
        assert_eq!(schema.fields[0].schema, Schema::string());
        assert!(!schema.optional);
        assert_eq!(
            as_struct(&out.value).get("line").unwrap(),
            &Value::from("hello")
        );
        assert!(t
            .apply(record(Some(Schema::string()), Value::Null))
            .is_err());
        let out = apply(&mut t, record(Some(Schema::optional_string()), Value::Null));
        assert_eq!(as_struct(&out.value).get("line").unwrap(), &Value::Null);
    }

    #[test]
    fn wraps_schemaless_values_in_a_map() {
        let mut t = configured(HoistField::new(Target::Key), &[("field", "k")]);
        let mut r = person_record();
        r.key = Value::Int64(42);
        let out = apply(&mut t, r);
        assert_eq!(out.key, map(&[("k", Value::Int64(42))]));
        assert_eq!(out.value, Value::Struct(person()));
        assert_eq!(
            config_key(
                HoistField::new(Target::Key)
                    .configure(&config_map(&[]))
                    .unwrap_err()
            )
            .as_deref(),
            Some("field")
        );
    }
}
