//! `SetSchemaMetadata$Key` / `SetSchemaMetadata$Value`: sets the name and/or version of the key
//! or value schema (struct values are re-created with the renamed schema).

use kconnect_api::config::{ConfigType, Importance};
use kconnect_api::plugin::Transformation;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectRecord, ConnectResult, Schema, SchemaRef, Struct, Value,
};

use crate::config_util::{self, key, REPLACE_NULL_WITH_DEFAULT};
use crate::requirements::require_schema;
use crate::schema_cache::SchemaCache;
use crate::schema_util::{field_value, put_copied};
use crate::Target;

const SCHEMA_NAME: &str = "schema.name";
const SCHEMA_VERSION: &str = "schema.version";

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            key(
                SCHEMA_NAME,
                ConfigType::String,
                Importance::High,
                "The schema name to set.",
            )
            .default_null(),
        )
        .define(
            key(
                SCHEMA_VERSION,
                ConfigType::Int,
                Importance::High,
                "The schema version to set.",
            )
            .default_null(),
        )
        .define(config_util::replace_null_with_default_key())
}

#[derive(Debug)]
struct Settings {
    name: Option<String>,
    version: Option<i32>,
    replace_null_with_default: bool,
}

/// Renames and/or re-versions the key or value schema.
#[derive(Debug)]
pub struct SetSchemaMetadata {
    target: Target,
    settings: Option<Settings>,
    cache: SchemaCache<SchemaRef>,
}

impl SetSchemaMetadata {
    /// An unconfigured `SetSchemaMetadata` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            settings: None,
            cache: SchemaCache::new(),
        }
    }
}

impl Transformation for SetSchemaMetadata {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let settings = Settings {
            name: config.string(SCHEMA_NAME).map(str::to_string),
            version: config.int(SCHEMA_VERSION),
            replace_null_with_default: config.boolean(REPLACE_NULL_WITH_DEFAULT),
        };
        if settings.name.is_none() && settings.version.is_none() {
            return Err(config_util::config_error(
                SCHEMA_NAME,
                "Neither schema name nor version configured",
            ));
        }
        self.settings = Some(settings);
        self.cache = SchemaCache::new();
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("SetSchemaMetadata"))?;
        let (schema, value) = self.target.take(&mut record);
        if schema.is_none() && value.is_null() {
            return Ok(Some(record));
        }
        let schema = require_schema(schema.as_ref(), "updating schema metadata")?;
        let updated = self.cache.get_or_try_insert(schema, || {
            let mut renamed: Schema = (**schema).clone();
            if let Some(name) = &settings.name {
                renamed.name = Some(name.clone());
            }
            if let Some(version) = settings.version {
                renamed.version = Some(version);
            }
            Ok(std::sync::Arc::new(renamed))
        })?;
        let value = match value {
            Value::Struct(input) => {
                let mut output = Struct::new(updated.clone())?;
                for index in 0..input.values().len() {
                    put_copied(
                        &mut output,
                        index,
                        field_value(&input, index, settings.replace_null_with_default).clone(),
                    )?;
                }
                Value::Struct(output)
            }
            other => other,
        };
        self.target.set(&mut record, Some(updated), value);
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
    use kconnect_api::{ConnectError, SchemaBuilder};

    #[test]
    fn renames_struct_schemas_and_rebuilds_values() {
        let mut t = configured(
            SetSchemaMetadata::new(Target::Value),
            &[
                ("schema.name", "com.example.Renamed"),
                ("schema.version", "9"),
            ],
        );
        let out = apply(&mut t, person_record());
        let schema = out.value_schema.clone().unwrap();
        assert_eq!(
            (schema.name.as_deref(), schema.version),
            (Some("com.example.Renamed"), Some(9))
        );
        assert_eq!(schema.fields, person_schema().fields);
        let s = as_struct(&out.value);
        assert_eq!(s.schema(), &schema);
        assert!(s.validate().is_ok());
    }

    #[test]
    fn keeps_what_is_not_configured() {
        let mut t = configured(
            SetSchemaMetadata::new(Target::Key),
            &[("schema.name", "k.Name")],
        );
        let mut r = person_record();
        r.key_schema = Some(
            SchemaBuilder::array(Schema::string())
                .version(3)
                .build()
                .unwrap(),
        );
        r.key = Value::Array(vec![]);
        let out = apply(&mut t, r);
        let schema = out.key_schema.unwrap();
        assert_eq!(
            (schema.name.as_deref(), schema.version),
            (Some("k.Name"), Some(3))
        );
        assert_eq!(schema.value_schema, Some(Schema::string()));
    }

    #[test]
    fn needs_a_schema_unless_everything_is_null() {
        let mut t = configured(
            SetSchemaMetadata::new(Target::Value),
            &[("schema.version", "2")],
        );
        let empty = record(None, Value::Null);
        assert_eq!(apply(&mut t, empty.clone()), empty);
        let err = t.apply(record(None, Value::from("x"))).unwrap_err();
        assert_eq!(
            err,
            ConnectError::Data("Schema required for [updating schema metadata]".into())
        );
        let err = SetSchemaMetadata::new(Target::Value)
            .configure(&config_map(&[]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("schema.name"));
    }
}
