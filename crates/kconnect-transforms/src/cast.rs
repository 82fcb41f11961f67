//! `Cast$Key` / `Cast$Value`: casts top-level fields (`spec=field:type,...`) or the whole key
//! or value (`spec=type`) to `int8`, `int16`, `int32`, `int64`, `float32`, `float64`,
//! `boolean` or `string`.

use std::collections::HashMap;
use std::sync::Arc;

use kconnect_api::config::{ConfigType, Importance, TypedValue, Validator};
use kconnect_api::plugin::Transformation;
use kconnect_api::schema::logical;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectRecord, ConnectResult, Schema, SchemaBuilder, SchemaRef,
    SchemaType, Struct, Value,
};

use crate::cast_value::{cast_value, is_output_type, SUPPORTED_OUTPUT};
use crate::config_util::{self, java_split, key, REPLACE_NULL_WITH_DEFAULT};
use crate::requirements::{into_map, map_get, map_put, require_struct};
use crate::schema_cache::SchemaCache;
use crate::schema_util::{build, copy_schema_basics, field_value, put_copied, put_validated};
use crate::Target;

const SPEC: &str = "spec";
const PURPOSE: &str = "cast types";

/// What the `spec` asks for.
#[derive(Debug, Clone, PartialEq)]
enum Casts {
    /// Cast the whole key or value.
    Whole(SchemaType),
    /// Cast these top-level fields.
    Fields(HashMap<String, SchemaType>),
}

fn output_type(name: &str) -> Result<SchemaType, String> {
    let t = SchemaType::from_name(name.trim())
        .ok_or_else(|| format!("Invalid type found in casting spec: {}", name.trim()))?;
    if is_output_type(t) {
        Ok(t)
    } else {
        Err(format!("Cast transformation does not support casting to {t}; supported types are {SUPPORTED_OUTPUT}"))
    }
}

fn parse_spec(mappings: &[String]) -> Result<Casts, String> {
    if mappings.is_empty() {
        return Err("Must specify at least one field to cast.".into());
    }
    let mut fields = HashMap::new();
    let mut whole = None;
    for mapping in mappings {
        match java_split(mapping, ':')[..] {
            [t] => whole = Some(output_type(t)?),
            [field, t] => {
                fields.insert(field.trim().to_string(), output_type(t)?);
            }
            _ => return Err(format!("Invalid cast mapping: {mapping}")),
        }
    }
    match whole {
        Some(_) if mappings.len() > 1 => Err(
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec"
                .into(),
        ),
        Some(t) => Ok(Casts::Whole(t)),
        None => Ok(Casts::Fields(fields)),
    }
}

fn config_def() -> ConfigDef {
    let spec_valid = Validator::custom(|value| match value {
        TypedValue::List(items) => parse_spec(items).map(|_| ()),
        _ => Ok(()),
    });
    ConfigDef::new()
        .define(
            key(
                SPEC,
                ConfigType::List,
                Importance::High,
                "Casts as field:type pairs (e.g. id:int64,score:float32), or a single type to cast the whole \
                 key or value. Types: int8, int16, int32, int64, float32, float64, boolean, string; bytes can \
                 only be cast to string (Base64).",
            )
            .validator(spec_valid),
        )
        .define(config_util::replace_null_with_default_key())
}

#[derive(Debug)]
struct Settings {
    casts: Casts,
    replace_null_with_default: bool,
}

/// The cast schema of one input schema and, per input field, the type it is cast to.
#[derive(Debug)]
struct Plan {
    schema: SchemaRef,
    field_casts: Vec<Option<SchemaType>>,
}

impl Settings {
    fn plan(&self, schema: &Schema) -> ConnectResult<Arc<Plan>> {
        let field_casts = match &self.casts {
            Casts::Whole(_) => Vec::new(),
            Casts::Fields(casts) => schema
                .fields
                .iter()
                .map(|f| casts.get(&f.name).copied())
                .collect(),
        };
        Ok(Arc::new(Plan {
            schema: self.updated_schema(schema)?,
            field_casts,
        }))
    }

    fn updated_schema(&self, schema: &Schema) -> ConnectResult<SchemaRef> {
        let mut builder = match &self.casts {
            // A logical name (Timestamp, Decimal...) would be wrong on the cast type.
            Casts::Whole(t) if logical::is_logical(schema) => SchemaBuilder::new(*t),
            Casts::Whole(t) => copy_schema_basics(schema, SchemaBuilder::new(*t)),
            Casts::Fields(casts) => {
                let mut builder = copy_schema_basics(schema, SchemaBuilder::struct_());
                for field in &schema.fields {
                    let field_schema = match casts.get(&field.name) {
                        None => field.schema.clone(),
                        Some(t) => {
                            let mut cast =
                                SchemaBuilder::new(*t).set_optional(field.schema.optional);
                            if let Some(default) = &field.schema.default_value {
                                cast = cast.default_value(cast_value(
                                    Some(&field.schema),
                                    default,
                                    *t,
                                )?);
                            }
                            build(cast)?
                        }
                    };
                    builder = builder.field(field.name.clone(), field_schema);
                }
                builder
            }
        };
        if schema.optional {
            builder = builder.optional();
        }
        if let Some(default) = &schema.default_value {
            let t = match &self.casts {
                Casts::Whole(t) => *t,
                Casts::Fields(_) => SchemaType::Struct,
            };
            builder = builder.default_value(cast_value(Some(schema), default, t)?);
        }
        build(builder)
    }
}

/// Casts fields, or the whole key or value, to other primitive types.
#[derive(Debug)]
pub struct Cast {
    target: Target,
    settings: Option<Settings>,
    cache: SchemaCache<Arc<Plan>>,
}

impl Cast {
    /// An unconfigured `Cast` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            settings: None,
            cache: SchemaCache::new(),
        }
    }
}

impl Transformation for Cast {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let casts = parse_spec(config.list(SPEC))
            .map_err(|reason| config_util::config_error(SPEC, reason))?;
        self.settings = Some(Settings {
            casts,
            replace_null_with_default: config.boolean(REPLACE_NULL_WITH_DEFAULT),
        });
        self.cache = SchemaCache::new();
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("Cast"))?;
        if self.target.value(&record).is_null() {
            return Ok(Some(record));
        }
        let (schema, value) = self.target.take(&mut record);
        let (schema, value) = match (schema, &settings.casts) {
            (None, Casts::Whole(t)) => (None, cast_value(None, &value, *t)?),
            (None, Casts::Fields(casts)) => {
                let mut entries = into_map(value, PURPOSE)?;
                for (field, t) in casts {
                    let cast =
                        cast_value(None, map_get(&entries, field).unwrap_or(&Value::Null), *t)?;
                    map_put(&mut entries, field, cast);
                }
                (None, Value::Map(entries))
            }
            (Some(schema), casts) => {
                let plan = self
                    .cache
                    .get_or_try_insert(&schema, || settings.plan(&schema))?;
                let value = match casts {
                    Casts::Whole(t) => cast_value(Some(&schema), &value, *t)?,
                    Casts::Fields(_) => {
                        let input = require_struct(&value, PURPOSE)?;
                        let mut output = Struct::new(plan.schema.clone())?;
                        let fields = input.schema().fields.iter().zip(&plan.field_casts);
                        for (field, cast) in fields {
                            let original =
                                field_value(input, field.index, settings.replace_null_with_default);
                            match cast {
                                Some(t) => {
                                    let cast = cast_value(Some(&field.schema), original, *t)?;
                                    put_validated(&mut output, field.index, cast)?;
                                }
                                None => put_copied(&mut output, field.index, original.clone())?,
                            }
                        }
                        Value::Struct(output)
                    }
                };
                (Some(plan.schema.clone()), value)
            }
        };
        self.target.set(&mut record, schema, value);
        Ok(Some(record))
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }
}

#[cfg(test)]
#[path = "cast_tests.rs"]
mod tests;
