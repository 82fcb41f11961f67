//! `TimestampConverter$Key` / `TimestampConverter$Value`: converts a timestamp field (or the
//! whole key or value) between Unix epoch numbers, formatted strings (Java date patterns, in
//! UTC) and the Date, Time and Timestamp logical types.

use kconnect_api::config::{ConfigType, Importance, Validator};
use kconnect_api::plugin::Transformation;
use kconnect_api::schema::logical;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, ConnectResult, Schema, SchemaBuilder,
    SchemaRef, SchemaType, Struct, Value,
};

use crate::config_util::{self, key, REPLACE_NULL_WITH_DEFAULT};
use crate::java_date_format::JavaDateFormat;
use crate::requirements::{into_map, java_class, map_get, map_put, require_struct_or_null};
use crate::schema_cache::SchemaCache;
use crate::schema_util::{build, copy_schema_basics, field_value, put_validated};
use crate::Target;
use kconnect_api::calendar::MILLIS_PER_DAY;

const FIELD: &str = "field";
const TARGET_TYPE: &str = "target.type";
const FORMAT: &str = "format";
const UNIX_PRECISION: &str = "unix.precision";
const PURPOSE: &str = "converting timestamp formats";

/// The representations a timestamp can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Unix,
    Date,
    Time,
    Timestamp,
}

impl Kind {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "string" => Self::String,
            "unix" => Self::Unix,
            "Date" => Self::Date,
            "Time" => Self::Time,
            "Timestamp" => Self::Timestamp,
            _ => return None,
        })
    }

    /// The kind a schema describes (Java `timestampTypeFromSchema`).
    fn of_schema(schema: &Schema) -> ConnectResult<Self> {
        Ok(match (schema.name.as_deref(), schema.schema_type) {
            (Some(logical::TIMESTAMP_NAME), _) => Self::Timestamp,
            (Some(logical::DATE_NAME), _) => Self::Date,
            (Some(logical::TIME_NAME), _) => Self::Time,
            (_, SchemaType::String) => Self::String,
            (_, SchemaType::Int64) => Self::Unix,
            _ => {
                return Err(ConnectError::other(format!(
                    "Schema {schema} does not correspond to a known timestamp type format"
                )))
            }
        })
    }

    /// The kind of a schemaless value (Java `inferTimestampType`).
    fn of_value(value: &Value) -> ConnectResult<Self> {
        match value {
            Value::Instant(_) => Ok(Self::Timestamp),
            Value::Int64(_) => Ok(Self::Unix),
            Value::String(_) => Ok(Self::String),
            other => Err(ConnectError::data(format!(
                "TimestampConverter does not support {} objects as timestamps",
                java_class(other)
            ))),
        }
    }

    fn schema(self, optional: bool) -> ConnectResult<SchemaRef> {
        let builder = match self {
            Self::String => SchemaBuilder::new(SchemaType::String),
            Self::Unix => SchemaBuilder::new(SchemaType::Int64),
            Self::Date => logical::date_builder(),
            Self::Time => logical::time_builder(),
            Self::Timestamp => logical::timestamp_builder(),
        };
        build(builder.set_optional(optional))
    }
}

/// Units of Unix timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

impl Precision {
    fn unit_to_millis(self, value: i64) -> i64 {
        match self {
            Self::Seconds => value.saturating_mul(1000),
            Self::Milliseconds => value,
            Self::Microseconds => value / 1000,
            Self::Nanoseconds => value / 1_000_000,
        }
    }

    fn millis_to_unit(self, millis: i64) -> i64 {
        match self {
            Self::Seconds => millis / 1000,
            Self::Milliseconds => millis,
            Self::Microseconds => millis.saturating_mul(1000),
            Self::Nanoseconds => millis.saturating_mul(1_000_000),
        }
    }
}

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            key(FIELD, ConfigType::String, Importance::High, "The field holding the timestamp; empty for the whole key or value.")
                .default_value(""),
        )
        .define(
            key(TARGET_TYPE, ConfigType::String, Importance::High, "The representation to convert to: string, unix, Date, Time or Timestamp.")
                .validator(Validator::one_of(&["string", "unix", "Date", "Time", "Timestamp"])),
        )
        .define(
            key(
                FORMAT,
                ConfigType::String,
                Importance::Medium,
                "A java.text.SimpleDateFormat pattern (UTC) for string timestamps: required when converting to or from strings.",
            )
            .default_value(""),
        )
        .define(
            key(UNIX_PRECISION, ConfigType::String, Importance::Low, "The unit of Unix timestamps: seconds, milliseconds, microseconds or nanoseconds.")
                .default_value("milliseconds")
                .validator(Validator::one_of(&["nanoseconds", "microseconds", "milliseconds", "seconds"])),
        )
        .define(config_util::replace_null_with_default_key())
}

#[derive(Debug)]
struct Settings {
    field: String,
    target: Kind,
    /// The target schema when required (index 0) and optional (index 1).
    target_schemas: [SchemaRef; 2],
    format: Option<JavaDateFormat>,
    precision: Precision,
    replace_null_with_default: bool,
}

impl Settings {
    fn target_schema(&self, optional: bool) -> SchemaRef {
        self.target_schemas[usize::from(optional)].clone()
    }

    fn to_millis(&self, kind: Kind, value: &Value) -> ConnectResult<i64> {
        let expected = |what: &str, class: &str| {
            ConnectError::data(format!(
                "Expected {what} to be a {class}, but found {}",
                java_class(value)
            ))
        };
        match (kind, value) {
            (Kind::String, Value::String(text)) => {
                let format = self.format.as_ref().ok_or_else(|| {
                    ConnectError::data("TimestampConverter requires format option to be specified when using string timestamps")
                })?;
                format.parse(text).map_err(|_| {
                    ConnectError::data(format!(
                        "Could not parse timestamp: value ({text}) does not match pattern ({})",
                        format.pattern()
                    ))
                })
            }
            (Kind::String, _) => Err(expected("string timestamp", "String")),
            (Kind::Unix, Value::Int64(v)) => Ok(self.precision.unit_to_millis(*v)),
            (Kind::Unix, _) => Err(expected("Unix timestamp", "Long")),
            (_, Value::Instant(ms)) => Ok(*ms),
            (Kind::Date, _) => Err(expected("Date", "java.util.Date")),
            (Kind::Time, _) => Err(expected("Time", "java.util.Date")),
            (Kind::Timestamp, _) => Err(expected("Timestamp", "java.util.Date")),
        }
    }

    fn millis_to_target(&self, millis: i64) -> Value {
        match (self.target, &self.format) {
            (Kind::String, Some(format)) => Value::String(format.format(millis)),
            (Kind::String, None) | (Kind::Timestamp, _) => Value::Instant(millis),
            (Kind::Unix, _) => Value::Int64(self.precision.millis_to_unit(millis)),
            (Kind::Date, _) => Value::Instant(millis.div_euclid(MILLIS_PER_DAY) * MILLIS_PER_DAY),
            (Kind::Time, _) => Value::Instant(millis.rem_euclid(MILLIS_PER_DAY)),
        }
    }

    /// Converts a timestamp of the given kind (inferred from the value when `None`).
    fn convert(&self, value: &Value, kind: Option<Kind>) -> ConnectResult<Value> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        let kind = match kind {
            Some(kind) => kind,
            None => Kind::of_value(value)?,
        };
        Ok(self.millis_to_target(self.to_millis(kind, value)?))
    }

    fn updated_struct(&self, input: &Struct, schema: SchemaRef) -> ConnectResult<Struct> {
        let mut output = Struct::new(schema)?;
        for field in &input.schema().fields {
            let value = field_value(input, field.index, self.replace_null_with_default);
            let value = if field.name == self.field {
                let kind = Kind::of_schema(&field.schema)?;
                self.convert(value, Some(kind))?
            } else {
                value.clone()
            };
            put_validated(&mut output, field.index, value)?;
        }
        Ok(output)
    }

    fn updated_schema(&self, schema: &Schema) -> ConnectResult<SchemaRef> {
        let mut builder =
            copy_schema_basics(schema, SchemaBuilder::struct_()).set_optional(schema.optional);
        for field in &schema.fields {
            let field_schema = if field.name == self.field {
                self.target_schema(field.schema.optional)
            } else {
                field.schema.clone()
            };
            builder = builder.field(field.name.clone(), field_schema);
        }
        let Some(Value::Struct(default)) = &schema.default_value else {
            return build(builder);
        };
        // As in Java, the converted default struct refers to the schema without its default.
        let without_default = build(builder)?;
        let converted = self.updated_struct(default, without_default.clone())?;
        let mut with_default = (*without_default).clone();
        with_default.default_value = Some(Value::Struct(converted));
        Ok(std::sync::Arc::new(with_default))
    }
}

/// Converts timestamps between representations.
#[derive(Debug)]
pub struct TimestampConverter {
    target: Target,
    settings: Option<Settings>,
    cache: SchemaCache<SchemaRef>,
}

impl TimestampConverter {
    /// An unconfigured `TimestampConverter` for the key or the value.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            settings: None,
            cache: SchemaCache::new(),
        }
    }
}

impl Transformation for TimestampConverter {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let target_name = config.string(TARGET_TYPE).unwrap_or_default();
        let target = Kind::from_name(target_name).ok_or_else(|| {
            config_util::config_error(
                TARGET_TYPE,
                format!("Unknown timestamp type in TimestampConverter: {target_name}"),
            )
        })?;
        let pattern = config.string(FORMAT).unwrap_or_default();
        if target == Kind::String && pattern.trim().is_empty() {
            return Err(config_util::config_error(
                FORMAT,
                "TimestampConverter requires format option to be specified when using string timestamps",
            ));
        }
        let format = match pattern.trim() {
            "" => None,
            _ => Some(JavaDateFormat::new(pattern).map_err(|e| {
                config_util::config_error(
                    FORMAT,
                    format!("TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: {pattern} ({e})"),
                )
            })?),
        };
        let precision = match config.string(UNIX_PRECISION) {
            Some("seconds") => Precision::Seconds,
            Some("microseconds") => Precision::Microseconds,
            Some("nanoseconds") => Precision::Nanoseconds,
            _ => Precision::Milliseconds,
        };
        self.settings = Some(Settings {
            field: config.string(FIELD).unwrap_or_default().to_string(),
            target,
            target_schemas: [target.schema(false)?, target.schema(true)?],
            format,
            precision,
            replace_null_with_default: config.boolean(REPLACE_NULL_WITH_DEFAULT),
        });
        self.cache = SchemaCache::new();
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("TimestampConverter"))?;
        let (schema, value) = self.target.take(&mut record);
        let (schema, value) = match schema {
            None if value.is_null() || settings.field.is_empty() => {
                (None, settings.convert(&value, None)?)
            }
            None => {
                let mut entries = into_map(value, PURPOSE)?;
                let converted = settings.convert(
                    map_get(&entries, &settings.field).unwrap_or(&Value::Null),
                    None,
                )?;
                map_put(&mut entries, &settings.field, converted);
                (None, Value::Map(entries))
            }
            Some(schema) if settings.field.is_empty() => {
                let kind = Kind::of_schema(&schema)?;
                (
                    Some(settings.target_schema(schema.optional)),
                    settings.convert(&value, Some(kind))?,
                )
            }
            Some(schema) => {
                let input = require_struct_or_null(&value, PURPOSE)?;
                let updated = self
                    .cache
                    .get_or_try_insert(&schema, || settings.updated_schema(&schema))?;
                let value = match input {
                    Some(input) => Value::Struct(settings.updated_struct(input, updated.clone())?),
                    None => Value::Null,
                };
                (Some(updated), value)
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
#[path = "timestamp_converter_tests.rs"]
mod tests;
