//! `HeaderFrom$Key` / `HeaderFrom$Value`: copies fields of the key or value into headers, and
//! with `operation=move` also removes them from the key or value.

use std::sync::Arc;

use kconnect_api::config::{ConfigType, Importance, Validator};
use kconnect_api::plugin::Transformation;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, ConnectResult, Schema, SchemaBuilder,
    SchemaRef, Struct, Value,
};

use crate::config_util::{self, key, non_empty_list, REPLACE_NULL_WITH_DEFAULT};
use crate::requirements::{into_map, map_get, map_remove, require_struct};
use crate::schema_cache::SchemaCache;
use crate::schema_util::{build, copy_schema_basics, field_value, put_copied};
use crate::Target;

const FIELDS: &str = "fields";
const HEADERS: &str = "headers";
const OPERATION: &str = "operation";

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            key(
                FIELDS,
                ConfigType::List,
                Importance::High,
                "Fields whose values become headers.",
            )
            .validator(non_empty_list()),
        )
        .define(
            key(
                HEADERS,
                ConfigType::List,
                Importance::High,
                "Header names, one per field, in the same order.",
            )
            .validator(non_empty_list()),
        )
        .define(
            key(
                OPERATION,
                ConfigType::String,
                Importance::High,
                "move (remove the fields) or copy (keep them).",
            )
            .validator(Validator::one_of(&["move", "copy"])),
        )
        .define(config_util::replace_null_with_default_key())
}

#[derive(Debug)]
struct Settings {
    fields: Vec<String>,
    headers: Vec<String>,
    moving: bool,
    replace_null_with_default: bool,
}

impl Settings {
    fn purpose(&self) -> &'static str {
        if self.moving {
            "header move"
        } else {
            "header copy"
        }
    }

    /// The schema without the moved fields, and the input index of each remaining field.
    fn moved_plan(&self, schema: &Schema) -> ConnectResult<Arc<(SchemaRef, Vec<usize>)>> {
        let mut builder = copy_schema_basics(schema, SchemaBuilder::struct_());
        let mut sources = Vec::new();
        for field in schema
            .fields
            .iter()
            .filter(|f| !self.fields.contains(&f.name))
        {
            builder = builder.field(field.name.clone(), field.schema.clone());
            sources.push(field.index);
        }
        Ok(Arc::new((build(builder)?, sources)))
    }
}

/// Turns fields into headers.
#[derive(Debug)]
pub struct HeaderFrom {
    target: Target,
    settings: Option<Settings>,
    cache: SchemaCache<Arc<(SchemaRef, Vec<usize>)>>,
}

impl HeaderFrom {
    /// An unconfigured `HeaderFrom` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            settings: None,
            cache: SchemaCache::new(),
        }
    }
}

impl Transformation for HeaderFrom {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let (fields, headers) = (config.list(FIELDS).to_vec(), config.list(HEADERS).to_vec());
        if fields.len() != headers.len() {
            return Err(config_util::config_error(
                HEADERS,
                "'fields' config must have the same number of elements as 'headers' config.",
            ));
        }
        self.settings = Some(Settings {
            fields,
            headers,
            moving: config.string(OPERATION) == Some("move"),
            replace_null_with_default: config.boolean(REPLACE_NULL_WITH_DEFAULT),
        });
        self.cache = SchemaCache::new();
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("HeaderFrom"))?;
        let (schema, value) = self.target.take(&mut record);
        let Some(schema) = schema else {
            let mut entries = into_map(value, settings.purpose())?;
            for (field, header) in settings.fields.iter().zip(&settings.headers) {
                let value = if settings.moving {
                    map_remove(&mut entries, field)
                } else {
                    map_get(&entries, field).cloned()
                };
                record
                    .headers
                    .add(header.clone(), None, value.unwrap_or_default());
            }
            self.target.set(&mut record, None, Value::Map(entries));
            return Ok(Some(record));
        };
        let input = require_struct(&value, settings.purpose())?;
        let updated = if settings.moving {
            let plan = self
                .cache
                .get_or_try_insert(&schema, || settings.moved_plan(&schema))?;
            let mut output = Struct::new(plan.0.clone())?;
            for (index, &source) in plan.1.iter().enumerate() {
                put_copied(
                    &mut output,
                    index,
                    field_value(input, source, settings.replace_null_with_default).clone(),
                )?;
            }
            Some((plan.0.clone(), output))
        } else {
            None
        };
        for (field, header) in settings.fields.iter().zip(&settings.headers) {
            let field_schema = schema
                .field(field)
                .ok_or_else(|| ConnectError::data(format!("Field does not exist: {field}")))?
                .schema
                .clone();
            let value = match input.schema().field(field) {
                Some(f) => field_value(input, f.index, settings.replace_null_with_default).clone(),
                None => Value::Null,
            };
            record
                .headers
                .add(header.clone(), Some(field_schema), value);
        }
        match updated {
            Some((schema, output)) => {
                self.target
                    .set(&mut record, Some(schema), Value::Struct(output))
            }
            None => self.target.set(&mut record, Some(schema), value),
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

    fn header_from(op: &str) -> HeaderFrom {
        configured(
            HeaderFrom::new(Target::Value),
            &[
                ("fields", "id,name"),
                ("headers", "h_id,h_name"),
                ("operation", op),
            ],
        )
    }

    #[test]
    fn copies_and_moves_struct_fields() {
        let out = apply(&mut header_from("copy"), person_record());
        assert_eq!(out.value, Value::Struct(person()));
        let h = out.headers.last_with_name("h_id").unwrap();
        assert_eq!(
            (h.schema.clone(), h.value.clone()),
            (Some(Schema::int32()), Value::Int32(7))
        );
        let out = apply(&mut header_from("move"), person_record());
        let schema = out.value_schema.clone().unwrap();
        let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["email", "ts", "score"]);
        assert_eq!(schema.name.as_deref(), Some("com.example.Person"));
        assert_eq!(
            out.headers.last_with_name("h_name").unwrap().value,
            Value::from("Ann")
        );
        assert!(as_struct(&out.value).validate().is_ok());
    }

    #[test]
    fn moves_schemaless_fields() {
        let value = map(&[("id", Value::Int64(7)), ("x", Value::Int64(1))]);
        let out = apply(&mut header_from("move"), record(None, value));
        assert_eq!(out.value, map(&[("x", Value::Int64(1))]));
        let names: Vec<(&str, &Value)> = out
            .headers
            .iter()
            .map(|h| (h.key.as_str(), &h.value))
            .collect();
        assert_eq!(
            names,
            [("h_id", &Value::Int64(7)), ("h_name", &Value::Null)]
        );
        assert!(out.headers.iter().all(|h| h.schema.is_none()));
    }

    #[test]
    fn errors() {
        let mut t = header_from("copy");
        assert!(t.apply(record(None, Value::Null)).is_err());
        let mut t = configured(
            HeaderFrom::new(Target::Value),
            &[("fields", "nope"), ("headers", "h"), ("operation", "copy")],
        );
        assert!(matches!(
            t.apply(person_record()),
            Err(ConnectError::Data(_))
        ));
        let err = HeaderFrom::new(Target::Key)
            .configure(&config_map(&[
                ("fields", "a,b"),
                ("headers", "h"),
                ("operation", "move"),
            ]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("headers"));
        let err = HeaderFrom::new(Target::Key)
            .configure(&config_map(&[
                ("fields", "a"),
                ("headers", "h"),
                ("operation", "cut"),
            ]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("operation"));
    }
}
