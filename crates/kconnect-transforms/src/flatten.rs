//! `Flatten$Key` / `Flatten$Value`: lifts the fields of nested structs (or nested maps, without
//! a schema) to the top level, naming them `parent<delimiter>child`. Arrays are kept as they
//! are; maps inside a schema are not supported.

use std::sync::Arc;

use kconnect_api::config::{ConfigType, Importance};
use kconnect_api::plugin::Transformation;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, ConnectResult, Schema, SchemaBuilder,
    SchemaRef, SchemaType, Struct, Value,
};

use crate::config_util::{self, key};
use crate::requirements::{
    connect_schema_type, into_map, java_class, key_text, map_put, require_struct, MapEntries,
};
use crate::schema_cache::SchemaCache;
use crate::schema_util::{build, copy_schema_basics, copy_schema_basics_of_type, put_copied};
use crate::Target;

const DELIMITER: &str = "delimiter";
const PURPOSE: &str = "flattening";

fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        key(
            DELIMITER,
            ConfigType::String,
            Importance::Medium,
            "Text placed between parent and child field names.",
        )
        .default_value("."),
    )
}

/// The flattened schema, and for each of its fields the path of field indexes leading to the
/// input value it takes.
#[derive(Debug)]
struct Plan {
    schema: SchemaRef,
    paths: Vec<Vec<usize>>,
}

struct PlanBuilder<'a> {
    delimiter: &'a str,
    builder: SchemaBuilder,
    paths: Vec<Vec<usize>>,
}

impl PlanBuilder<'_> {
    fn name(&self, prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}{}{name}", self.delimiter)
        }
    }

    fn add(
        &mut self,
        schema: &Schema,
        prefix: &str,
        optional: bool,
        parent_default: Option<&Struct>,
        path: &mut Vec<usize>,
    ) -> ConnectResult<()> {
        for field in &schema.fields {
            let name = self.name(prefix, &field.name);
            let field_optional = optional || field.schema.optional;
            let default = match (&field.schema.default_value, parent_default) {
                (Some(default), _) => Some(default),
                (None, Some(parent)) => Some(parent.get_at(field.index)).filter(|v| !v.is_null()),
                (None, None) => None,
            };
            path.push(field.index);
            match field.schema.schema_type {
                SchemaType::Struct => {
                    let default = default.and_then(Value::as_struct);
                    self.add(&field.schema, &name, field_optional, default, path)?;
                }
                SchemaType::Map => {
                    return Err(ConnectError::data(format!(
                        "Flatten transformation does not support MAP for record with schemas (for field {name})."
                    )))
                }
                _ => {
                    let mut converted = copy_schema_basics_of_type(&field.schema).set_optional(field_optional);
                    if let Some(default) = default {
                        converted = converted.default_value(default.clone());
                    }
                    let builder = std::mem::replace(&mut self.builder, SchemaBuilder::struct_());
                    self.builder = builder.field(name, build(converted)?);
                    self.paths.push(path.clone());
                }
            }
            path.pop();
        }
        Ok(())
    }
}

fn plan(schema: &Schema, delimiter: &str) -> ConnectResult<Arc<Plan>> {
    let mut plan = PlanBuilder {
        delimiter,
        builder: copy_schema_basics(schema, SchemaBuilder::struct_()),
        paths: Vec::new(),
    };
    let default = schema.default_value.as_ref().and_then(Value::as_struct);
    plan.add(schema, "", schema.optional, default, &mut Vec::new())?;
    Ok(Arc::new(Plan {
        schema: build(plan.builder)?,
        paths: plan.paths,
    }))
}

/// The value at a path of field indexes; null if a struct on the way is null.
fn value_at<'a>(root: &'a Struct, path: &[usize]) -> &'a Value {
    let mut current = root;
    let (last, parents) = match path.split_last() {
        Some(split) => split,
        None => return &Value::Null,
    };
    for &index in parents {
        match current.get_at(index) {
            Value::Struct(inner) => current = inner,
            _ => return &Value::Null,
        }
    }
    current.get_at(*last)
}

fn flatten_map(
    entries: MapEntries,
    prefix: &str,
    delimiter: &str,
    out: &mut MapEntries,
) -> ConnectResult<()> {
    for (key, value) in entries {
        let key = key_text(&key);
        let name = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}{delimiter}{key}")
        };
        match (connect_schema_type(&value), value) {
            (_, Value::Null) => map_put(out, &name, Value::Null),
            (Some(SchemaType::Map), Value::Map(inner)) => flatten_map(inner, &name, delimiter, out)?,
            (Some(SchemaType::Struct), other) => {
                return Err(ConnectError::data(format!(
                    "Flatten transformation does not support {} for record without schemas (for field {name}).",
                    java_class(&other)
                )))
            }
            (Some(_), other) => map_put(out, &name, other),
            (None, other) => {
                return Err(ConnectError::data(format!(
                    "Flatten transformation was passed a value of type {} which is not supported by Connect's data API",
                    java_class(&other)
                )))
            }
        }
    }
    Ok(())
}

/// Flattens nested structs or maps of the key or value.
#[derive(Debug)]
pub struct Flatten {
    target: Target,
    delimiter: Option<String>,
    cache: SchemaCache<Arc<Plan>>,
}

impl Flatten {
    /// An unconfigured `Flatten` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            delimiter: None,
            cache: SchemaCache::new(),
        }
    }
}

impl Transformation for Flatten {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        self.delimiter = Some(config.string(DELIMITER).unwrap_or_default().to_string());
        self.cache = SchemaCache::new();
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let delimiter = self
            .delimiter
            .as_deref()
            .ok_or_else(|| config_util::not_configured("Flatten"))?;
        if self.target.value(&record).is_null() {
            return Ok(Some(record));
        }
        let (schema, value) = self.target.take(&mut record);
        let Some(schema) = schema else {
            let mut flat = Vec::new();
            flatten_map(into_map(value, PURPOSE)?, "", delimiter, &mut flat)?;
            self.target.set(&mut record, None, Value::Map(flat));
            return Ok(Some(record));
        };
        let input = require_struct(&value, PURPOSE)?;
        let plan = self
            .cache
            .get_or_try_insert(&schema, || plan(&schema, delimiter))?;
        let mut output = Struct::new(plan.schema.clone())?;
        for (index, path) in plan.paths.iter().enumerate() {
            put_copied(&mut output, index, value_at(input, path).clone())?;
        }
        self.target.set(
            &mut record,
            Some(plan.schema.clone()),
            Value::Struct(output),
        );
        Ok(Some(record))
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }
}

#[cfg(test)]
#[path = "flatten_tests.rs"]
mod tests;
