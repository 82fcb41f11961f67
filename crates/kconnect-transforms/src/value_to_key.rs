//! `ValueToKey`: replaces the record key with a struct (or map) of some value fields.

use std::sync::Arc;

use kconnect_api::config::{ConfigType, Importance};
use kconnect_api::plugin::Transformation;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, ConnectResult, Schema, SchemaBuilder,
    SchemaRef, Struct, Value,
};

use crate::config_util::{self, key, non_empty_list, REPLACE_NULL_WITH_DEFAULT};
use crate::requirements::{map_get, map_put, require_map, require_struct};
use crate::schema_cache::SchemaCache;
use crate::schema_util::{build, field_value, put_copied};

const FIELDS: &str = "fields";
const PURPOSE: &str = "copying fields from value to key";

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            key(
                FIELDS,
                ConfigType::List,
                Importance::High,
                "Names of the value fields that form the new key.",
            )
            .validator(non_empty_list()),
        )
        .define(config_util::replace_null_with_default_key())
}

#[derive(Debug)]
struct Settings {
    fields: Vec<String>,
    replace_null_with_default: bool,
}

/// The key schema and, for each of its fields, the index of the value field it copies.
#[derive(Debug)]
struct Plan {
    schema: SchemaRef,
    sources: Vec<usize>,
}

impl Settings {
    fn plan(&self, value_schema: &Schema) -> ConnectResult<Arc<Plan>> {
        let mut builder = SchemaBuilder::struct_();
        let mut sources = Vec::with_capacity(self.fields.len());
        for name in &self.fields {
            let field = value_schema
                .field(name)
                .ok_or_else(|| ConnectError::data(format!("Field does not exist: {name}")))?;
            builder = builder.field(name.clone(), field.schema.clone());
            sources.push(field.index);
        }
        Ok(Arc::new(Plan {
            schema: build(builder)?,
            sources,
        }))
    }
}

/// Builds the record key from fields of the value.
#[derive(Debug, Default)]
pub struct ValueToKey {
    settings: Option<Settings>,
    cache: SchemaCache<Arc<Plan>>,
}

impl ValueToKey {
    /// An unconfigured `ValueToKey`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Transformation for ValueToKey {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        self.settings = Some(Settings {
            fields: config.list(FIELDS).to_vec(),
            replace_null_with_default: config.boolean(REPLACE_NULL_WITH_DEFAULT),
        });
        self.cache = SchemaCache::new();
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("ValueToKey"))?;
        if record.value_schema.is_none() {
            let value = require_map(&record.value, PURPOSE)?;
            let mut key = Vec::with_capacity(settings.fields.len());
            for name in &settings.fields {
                map_put(
                    &mut key,
                    name,
                    map_get(value, name).cloned().unwrap_or_default(),
                );
            }
            record.key_schema = None;
            record.key = Value::Map(key);
            return Ok(Some(record));
        }
        let value = require_struct(&record.value, PURPOSE)?;
        let plan = self
            .cache
            .get_or_try_insert(value.schema(), || settings.plan(value.schema()))?;
        let mut key = Struct::new(plan.schema.clone())?;
        for (index, &source) in plan.sources.iter().enumerate() {
            put_copied(
                &mut key,
                index,
                field_value(value, source, settings.replace_null_with_default).clone(),
            )?;
        }
        record.value_schema = Some(value.schema().clone());
        record.key_schema = Some(plan.schema.clone());
        record.key = Value::Struct(key);
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
    fn builds_a_struct_key() {
        let mut t = configured(ValueToKey::new(), &[("fields", "id,name")]);
        let out = apply(&mut t, person_record());
        let key_schema = out.key_schema.clone().unwrap();
        assert_eq!(key_schema.fields.len(), 2);
        assert!(key_schema.name.is_none());
        assert_eq!(
            as_struct(&out.key).get("name").unwrap(),
            &Value::from("Ann")
        );
        assert_eq!(out.value, Value::Struct(person()));
    }

    #[test]
    fn builds_a_map_key_without_schema() {
        let mut t = configured(ValueToKey::new(), &[("fields", "id,missing")]);
        let value = map(&[("id", Value::Int64(7)), ("x", Value::Int64(1))]);
        let out = apply(&mut t, record(None, value));
        assert_eq!(
            out.key,
            map(&[("id", Value::Int64(7)), ("missing", Value::Null)])
        );
        assert!(out.key_schema.is_none());
    }

    #[test]
    fn missing_fields_and_bad_values_fail() {
        let mut t = configured(ValueToKey::new(), &[("fields", "nope")]);
        assert_eq!(
            t.apply(person_record()).unwrap_err(),
            ConnectError::Data("Field does not exist: nope".into())
        );
        assert!(t.apply(record(None, Value::Null)).is_err());
        let mut t = ValueToKey::new();
        assert_eq!(
            config_key(t.configure(&config_map(&[("fields", "")])).unwrap_err()).as_deref(),
            Some("fields")
        );
    }
}
