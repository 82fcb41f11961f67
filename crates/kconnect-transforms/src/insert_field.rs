//! `InsertField$Key` / `InsertField$Value`: adds fields holding the record's topic, partition,
//! offset (sink records only), timestamp, or a fixed string.

use kconnect_api::config::{ConfigType, Importance, ParsedConfig};
use kconnect_api::plugin::Transformation;
use kconnect_api::schema::logical;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectRecord, ConnectResult, Schema, SchemaBuilder, SchemaRef, Struct,
    Value,
};

use crate::config_util::{self, key, REPLACE_NULL_WITH_DEFAULT};
use crate::requirements::{into_map, map_put, require_sink_record, require_struct};
use crate::schema_cache::SchemaCache;
use crate::schema_util::{build, copy_schema_basics, field_value, put_copied};
use crate::Target;

const TOPIC_FIELD: &str = "topic.field";
const PARTITION_FIELD: &str = "partition.field";
const OFFSET_FIELD: &str = "offset.field";
const TIMESTAMP_FIELD: &str = "timestamp.field";
const STATIC_FIELD: &str = "static.field";
const STATIC_VALUE: &str = "static.value";
const PURPOSE: &str = "field insertion";

/// A field to insert: `name` (optional), `name?` (optional) or `name!` (required).
#[derive(Debug, Clone)]
struct Spec {
    name: String,
    optional: bool,
}

impl Spec {
    fn parse(config: &ParsedConfig, key: &str) -> Option<Spec> {
        let spec = config.string(key)?;
        Some(match (spec.strip_suffix('?'), spec.strip_suffix('!')) {
            (Some(name), _) => Spec {
                name: name.into(),
                optional: true,
            },
            (_, Some(name)) => Spec {
                name: name.into(),
                optional: false,
            },
            _ => Spec {
                name: spec.into(),
                optional: true,
            },
        })
    }

    fn schema(&self, optional: SchemaRef, required: SchemaRef) -> SchemaRef {
        if self.optional {
            optional
        } else {
            required
        }
    }
}

#[derive(Debug, Clone)]
struct Settings {
    topic: Option<Spec>,
    partition: Option<Spec>,
    offset: Option<Spec>,
    timestamp: Option<Spec>,
    static_field: Option<(Spec, String)>,
    replace_null_with_default: bool,
}

/// Inserts record metadata into the key or value.
#[derive(Debug)]
pub struct InsertField {
    target: Target,
    settings: Option<Settings>,
    cache: SchemaCache<SchemaRef>,
}

impl InsertField {
    /// An unconfigured `InsertField` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            settings: None,
            cache: SchemaCache::new(),
        }
    }
}

fn config_def() -> ConfigDef {
    let optionality =
        "Suffix with ! to make the field required, or ? (the default) to keep it optional.";
    let spec = |name: &str, what: &str| {
        key(
            name,
            ConfigType::String,
            Importance::Medium,
            &format!("Field name for {what}. {optionality}"),
        )
        .default_null()
    };
    ConfigDef::new()
        .define(spec(TOPIC_FIELD, "the Kafka topic"))
        .define(spec(PARTITION_FIELD, "the Kafka partition"))
        .define(spec(
            OFFSET_FIELD,
            "the Kafka offset (sink connectors only)",
        ))
        .define(spec(TIMESTAMP_FIELD, "the record timestamp"))
        .define(spec(STATIC_FIELD, "a static value"))
        .define(
            key(
                STATIC_VALUE,
                ConfigType::String,
                Importance::Medium,
                "The static value to insert, when static.field is set.",
            )
            .default_null(),
        )
        .define(config_util::replace_null_with_default_key())
}

/// The fields to insert (name and value), in schema order, for one record.
fn inserted_values<'a>(
    settings: &'a Settings,
    record: &ConnectRecord,
    with_schema: bool,
) -> ConnectResult<Vec<(&'a str, Value)>> {
    let mut values = Vec::with_capacity(5);
    if let Some(spec) = &settings.topic {
        values.push((spec.name.as_str(), Value::String(record.topic.clone())));
    }
    if let Some(spec) = &settings.partition {
        let partition = record.kafka_partition.map_or(Value::Null, Value::Int32);
        values.push((spec.name.as_str(), partition));
    }
    if let Some(spec) = &settings.offset {
        let offset = require_sink_record(record, PURPOSE)?;
        values.push((spec.name.as_str(), Value::Int64(offset)));
    }
    if let Some(spec) = &settings.timestamp {
        let ts = match record.timestamp {
            None => Value::Null,
            Some(ts) if with_schema => Value::Instant(ts),
            Some(ts) => Value::Int64(ts),
        };
        values.push((spec.name.as_str(), ts));
    }
    if let Some((spec, value)) = &settings.static_field {
        values.push((spec.name.as_str(), Value::String(value.clone())));
    }
    Ok(values)
}

impl Settings {
    fn updated_schema(&self, schema: &Schema) -> ConnectResult<SchemaRef> {
        let mut builder = copy_schema_basics(schema, SchemaBuilder::struct_());
        for field in &schema.fields {
            builder = builder.field(field.name.clone(), field.schema.clone());
        }
        if let Some(s) = &self.topic {
            builder = builder.field(
                s.name.clone(),
                s.schema(Schema::optional_string(), Schema::string()),
            );
        }
        if let Some(s) = &self.partition {
            builder = builder.field(
                s.name.clone(),
                s.schema(Schema::optional_int32(), Schema::int32()),
            );
        }
        if let Some(s) = &self.offset {
            builder = builder.field(
                s.name.clone(),
                s.schema(Schema::optional_int64(), Schema::int64()),
            );
        }
        if let Some(s) = &self.timestamp {
            let optional = build(logical::timestamp_builder().optional())?;
            let required = build(logical::timestamp_builder())?;
            builder = builder.field(s.name.clone(), s.schema(optional, required));
        }
        if let Some((s, _)) = &self.static_field {
            builder = builder.field(
                s.name.clone(),
                s.schema(Schema::optional_string(), Schema::string()),
            );
        }
        build(builder)
    }
}

impl Transformation for InsertField {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let static_spec = Spec::parse(&config, STATIC_FIELD);
        let static_field = match (static_spec, config.string(STATIC_VALUE)) {
            (Some(spec), Some(value)) => Some((spec, value.to_string())),
            (Some(spec), None) => {
                return Err(config_util::config_error(
                    STATIC_VALUE,
                    format!("No value specified for static field: {}", spec.name),
                ))
            }
            (None, _) => None,
        };
        let settings = Settings {
            topic: Spec::parse(&config, TOPIC_FIELD),
            partition: Spec::parse(&config, PARTITION_FIELD),
            offset: Spec::parse(&config, OFFSET_FIELD),
            timestamp: Spec::parse(&config, TIMESTAMP_FIELD),
            static_field,
            replace_null_with_default: config.boolean(REPLACE_NULL_WITH_DEFAULT),
        };
        let none = settings.topic.is_none()
            && settings.partition.is_none()
            && settings.offset.is_none()
            && settings.timestamp.is_none()
            && settings.static_field.is_none();
        if none {
            return Err(config_util::config_error(
                TOPIC_FIELD,
                "No field insertion configured",
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
            .ok_or_else(|| config_util::not_configured("InsertField"))?;
        if self.target.value(&record).is_null() {
            return Ok(Some(record));
        }
        let (schema, value) = self.target.take(&mut record);
        if schema.is_none() {
            let mut entries = into_map(value, PURPOSE)?;
            for (name, value) in inserted_values(settings, &record, false)? {
                if !value.is_null() {
                    map_put(&mut entries, name, value);
                }
            }
            self.target.set(&mut record, None, Value::Map(entries));
            return Ok(Some(record));
        }
        let input = require_struct(&value, PURPOSE)?;
        let updated = self
            .cache
            .get_or_try_insert(input.schema(), || settings.updated_schema(input.schema()))?;
        let mut output = Struct::new(updated.clone())?;
        let copied = input.schema().fields.len();
        for index in 0..copied {
            put_copied(
                &mut output,
                index,
                field_value(input, index, settings.replace_null_with_default).clone(),
            )?;
        }
        for (offset, (_, value)) in inserted_values(settings, &record, true)?
            .into_iter()
            .enumerate()
        {
            if !value.is_null() {
                put_copied(&mut output, copied + offset, value)?;
            }
        }
        self.target
            .set(&mut record, Some(updated), Value::Struct(output));
        Ok(Some(record))
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }
}

#[cfg(test)]
#[path = "insert_field_tests.rs"]
mod tests;
