//! Connect schemas as the Avro schemas Confluent's `AvroData` registers for them.
//!
//! The text is the registry's canonical form (Avro's own `Schema.toString`): compact JSON, a
//! named type written out the first time it appears and referred to by name afterwards (the
//! simple name within its own namespace, the full name elsewhere), and a record's
//! `namespace` written only where it differs from the enclosing one.

use std::collections::HashSet;

use kconnect_api::schema::logical::{
    DATE_NAME as DATE, DECIMAL_NAME as DECIMAL, DECIMAL_SCALE_PARAM, MILLIS_PER_DAY,
    TIMESTAMP_NAME as TIMESTAMP, TIME_NAME as TIME,
};
use kconnect_api::{Schema, SchemaType, Value};
use serde_json::{json, Map, Value as Json};

use crate::names;
use crate::AvroError;

/// The namespace of the records Confluent names itself (unnamed structs, map entries).
pub const CONNECT_NAMESPACE: &str = "io.confluent.connect.avro";
/// Precision given to decimals that do not say theirs.
pub const DEFAULT_DECIMAL_PRECISION: u32 = 64;

/// The settings of Confluent's converters that change the mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvroDataConfig {
    /// `connect.meta.data` (default true): keep Connect's names, docs, versions, parameters
    /// and defaults as `connect.*` properties.
    pub connect_meta_data: bool,
    /// `scrub.invalid.names` (default false): replace characters Avro names do not allow.
    pub scrub_invalid_names: bool,
    /// `enhanced.avro.schema.support` (default false): enums and unions kept through their
    /// Connect parameters.
    pub enhanced_schema_support: bool,
}

impl Default for AvroDataConfig {
    fn default() -> Self {
        Self {
            connect_meta_data: true,
            scrub_invalid_names: false,
            enhanced_schema_support: false,
        }
    }
}

/// An Avro schema, in the registry's canonical text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvroSchema {
    /// The schema as JSON.
    pub json: Json,
}

impl AvroSchema {
    /// The canonical text the registry stores and returns.
    pub fn text(&self) -> String {
        self.json.to_string()
    }
}

/// The Avro schema Confluent registers for `schema`.
///
/// Fails for a schema Avro cannot name: two maps with non-string keys of different types
/// (both entry records would be `io.confluent.connect.avro.MapEntry`, which Confluent's
/// converter cannot register either).
pub fn to_avro(schema: &Schema, config: &AvroDataConfig) -> Result<AvroSchema, AvroError> {
    let mut writer = Writer {
        config,
        defined: HashSet::new(),
        unnamed: 0,
        map_entry: None,
        conflict: None,
    };
    let json = writer.typed(schema, None);
    match writer.conflict {
        Some(e) => Err(e),
        None => Ok(AvroSchema { json }),
    }
}

struct Writer<'a> {
    config: &'a AvroDataConfig,
    /// Full names of the named types already written out.
    defined: HashSet<String>,
    /// Unnamed structs named so far (`ConnectDefault`, `ConnectDefault2`, ...).
    unnamed: usize,
    /// The key and value types of the `MapEntry` record, once written.
    map_entry: Option<(Json, Json)>,
    /// Why the schema cannot be written, if it cannot.
    conflict: Option<AvroError>,
}

/// Whether a union for `schema` puts null first: optional without a default.
pub fn null_first(schema: &Schema) -> bool {
    schema.default_value.as_ref().is_none_or(Value::is_null)
}

impl Writer<'_> {
    /// `schema`, wrapped in a union with null when optional.
    fn typed(&mut self, schema: &Schema, ns: Option<&str>) -> Json {
        let base = self.base(schema, ns);
        if !schema.optional {
            base
        } else if null_first(schema) {
            json!(["null", base])
        } else {
            json!([base, "null"])
        }
    }

    fn base(&mut self, schema: &Schema, ns: Option<&str>) -> Json {
        let name = schema.name.as_deref();
        let mut props = Map::new();
        let (avro_type, logical) = match (schema.schema_type, name) {
            (SchemaType::Int8, _) => {
                props.insert("connect.type".into(), json!("int8"));
                ("int", None)
            }
            (SchemaType::Int16, _) => {
                props.insert("connect.type".into(), json!("int16"));
                ("int", None)
            }
            (SchemaType::Int32, Some(DATE)) => ("int", Some("date")),
            (SchemaType::Int32, Some(TIME)) => ("int", Some("time-millis")),
            (SchemaType::Int32, _) => ("int", None),
            (SchemaType::Int64, Some(TIMESTAMP)) => ("long", Some("timestamp-millis")),
            (SchemaType::Int64, _) => ("long", None),
            (SchemaType::Float32, _) => ("float", None),
            (SchemaType::Float64, _) => ("double", None),
            (SchemaType::Boolean, _) => ("boolean", None),
            (SchemaType::String, _) => ("string", None),
            (SchemaType::Bytes, Some(DECIMAL)) => {
                let scale = schema
                    .parameter(DECIMAL_SCALE_PARAM)
                    .and_then(|s| s.parse::<i64>().ok())
                    .unwrap_or(0);
                let precision = schema
                    .parameter("connect.decimal.precision")
                    .and_then(|p| p.parse::<u32>().ok())
                    .unwrap_or(DEFAULT_DECIMAL_PRECISION);
                props.insert("scale".into(), json!(scale));
                props.insert("precision".into(), json!(precision));
                ("bytes", Some("decimal"))
            }
            (SchemaType::Bytes, _) => ("bytes", None),
            (SchemaType::Array, _) => return self.array(schema, ns),
            (SchemaType::Map, _) => return self.map(schema, ns),
            (SchemaType::Struct, _) => return self.record(schema, ns),
        };
        self.meta(schema, &mut props, true);
        if let Some(logical) = logical {
            props.insert("logicalType".into(), json!(logical));
        }
        if props.is_empty() {
            return json!(avro_type);
        }
        let mut object = Map::new();
        object.insert("type".into(), json!(avro_type));
        object.extend(props);
        Json::Object(object)
    }

    /// The `connect.*` properties of `schema` (with `name`: its `connect.name` too).
    fn meta(&self, schema: &Schema, props: &mut Map<String, Json>, name: bool) {
        if !self.config.connect_meta_data {
            return;
        }
        if let Some(doc) = &schema.doc {
            props.insert("connect.doc".into(), json!(doc));
        }
        if let Some(version) = schema.version {
            props.insert("connect.version".into(), json!(version));
        }
        if let Some(parameters) = &schema.parameters {
            let parameters: Map<String, Json> = parameters
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            props.insert("connect.parameters".into(), Json::Object(parameters));
        }
        if let Some(default) = schema.default_value.as_ref().filter(|d| !d.is_null()) {
            props.insert("connect.default".into(), default_json(schema, default));
        }
        if let (true, Some(n)) = (name, &schema.name) {
            props.insert("connect.name".into(), json!(n));
        }
    }

    fn array(&mut self, schema: &Schema, ns: Option<&str>) -> Json {
        let items = schema
            .value_schema
            .as_ref()
            .map_or(json!("null"), |items| self.typed(items, ns));
        let mut object = Map::new();
        object.insert("type".into(), json!("array"));
        object.insert("items".into(), items);
        self.meta(schema, &mut object, true);
        Json::Object(object)
    }

    fn map(&mut self, schema: &Schema, ns: Option<&str>) -> Json {
        let (Some(keys), Some(values)) = (&schema.key_schema, &schema.value_schema) else {
            return json!("null");
        };
        let mut object = Map::new();
        if keys.schema_type == SchemaType::String && !keys.optional {
            object.insert("type".into(), json!("map"));
            object.insert("values".into(), self.typed(values, ns));
        } else {
            // Avro maps have string keys: other keys make an array of key/value records.
            object.insert("type".into(), json!("array"));
            let full = format!("{CONNECT_NAMESPACE}.MapEntry");
            let inner = Some(CONNECT_NAMESPACE);
            let entry = match self.map_entry.clone() {
                None => {
                    self.defined.insert(full.clone());
                    let (k, v) = (self.typed(keys, inner), self.typed(values, inner));
                    self.map_entry = Some((k.clone(), v.clone()));
                    json!({
                        "type": "record",
                        "name": "MapEntry",
                        "namespace": CONNECT_NAMESPACE,
                        "fields": [{"name": "key", "type": k}, {"name": "value", "type": v}],
                    })
                }
                Some(first) => {
                    let mut probe = Writer {
                        config: self.config,
                        defined: self.defined.clone(),
                        unnamed: self.unnamed,
                        map_entry: None,
                        conflict: None,
                    };
                    let again = (probe.typed(keys, inner), probe.typed(values, inner));
                    if again != first {
                        self.conflict = Some(AvroError::Data(format!(
                            "two maps with non-string keys of different types ({} to {} and \
                             {} to {}) cannot be written in one Avro schema: both entry \
                             records would be named {full}",
                            first.0, first.1, again.0, again.1
                        )));
                    }
                    reference(&full, ns)
                }
            };
            let entry = drop_same_namespace(entry, ns == Some(CONNECT_NAMESPACE));
            object.insert("items".into(), entry);
        }
        self.meta(schema, &mut object, true);
        Json::Object(object)
    }

    fn record(&mut self, schema: &Schema, ns: Option<&str>) -> Json {
        let full = match &schema.name {
            Some(n) if self.config.scrub_invalid_names => names::scrub_full(n),
            Some(n) => n.clone(),
            None => {
                self.unnamed += 1;
                match self.unnamed {
                    1 => format!("{CONNECT_NAMESPACE}.ConnectDefault"),
                    n => format!("{CONNECT_NAMESPACE}.ConnectDefault{n}"),
                }
            }
        };
        if !self.defined.insert(full.clone()) {
            return reference(&full, ns);
        }
        let (own_ns, simple) = names::split(&full);
        let mut object = Map::new();
        object.insert("type".into(), json!("record"));
        object.insert("name".into(), json!(simple));
        if own_ns != ns {
            object.insert("namespace".into(), json!(own_ns.unwrap_or("")));
        }
        let mut fields = Vec::with_capacity(schema.fields.len());
        for field in &schema.fields {
            let name = if self.config.scrub_invalid_names {
                names::scrub(&field.name)
            } else {
                field.name.clone()
            };
            let mut f = Map::new();
            f.insert("name".into(), json!(name));
            f.insert("type".into(), self.typed(&field.schema, own_ns));
            match field.schema.default_value.as_ref().filter(|d| !d.is_null()) {
                Some(default) => {
                    f.insert("default".into(), default_json(&field.schema, default));
                }
                None if field.schema.optional => {
                    f.insert("default".into(), Json::Null);
                }
                None => {}
            }
            fields.push(Json::Object(f));
        }
        object.insert("fields".into(), Json::Array(fields));
        self.meta(schema, &mut object, true);
        Json::Object(object)
    }
}

/// Removes `namespace` from a record written inside its own namespace.
fn drop_same_namespace(mut record: Json, same: bool) -> Json {
    if same {
        if let Some(o) = record.as_object_mut() {
            o.remove("namespace");
        }
    }
    record
}

/// A reference to the named type `full` from inside namespace `ns`.
fn reference(full: &str, ns: Option<&str>) -> Json {
    let (own, simple) = names::split(full);
    if own.is_some() && own == ns {
        json!(simple)
    } else {
        json!(full)
    }
}

/// A Connect default value as Avro writes defaults: numbers, strings, bytes as a string of
/// code points 0-255, arrays, maps and records as JSON.
pub fn default_json(schema: &Schema, value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Int8(v) => json!(v),
        Value::Int16(v) => json!(v),
        Value::Int32(v) => json!(v),
        Value::Int64(v) => json!(v),
        Value::Float32(v) => json!(v),
        Value::Float64(v) => json!(v),
        Value::Boolean(v) => json!(v),
        Value::String(v) => json!(v),
        Value::Bytes(b) => json!(latin1(b)),
        Value::Decimal(d) => json!(latin1(&d.unscaled_bytes())),
        Value::Instant(ms) => match schema.name.as_deref() {
            Some(DATE) => json!(ms.div_euclid(MILLIS_PER_DAY)),
            _ => json!(ms),
        },
        Value::Array(items) => {
            let item_schema = schema.value_schema.as_deref();
            Json::Array(
                items
                    .iter()
                    .map(|i| item_schema.map_or(Json::Null, |s| default_json(s, i)))
                    .collect(),
            )
        }
        Value::Map(entries) => {
            let value_schema = schema.value_schema.as_deref();
            Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().map_or_else(|| k.to_string(), str::to_string),
                            value_schema.map_or(Json::Null, |s| default_json(s, v)),
                        )
                    })
                    .collect(),
            )
        }
        Value::Struct(s) => Json::Object(
            s.schema()
                .fields
                .iter()
                .zip(s.values())
                .map(|(f, v)| (f.name.clone(), default_json(&f.schema, v)))
                .collect(),
        ),
    }
}

/// Bytes as Avro writes them in JSON: one code point per byte.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::SchemaBuilder;

    fn map(
        keys: kconnect_api::SchemaRef,
        values: kconnect_api::SchemaRef,
    ) -> kconnect_api::SchemaRef {
        SchemaBuilder::map(keys, values).build().unwrap()
    }

    #[test]
    fn two_different_struct_key_maps_are_refused_and_two_alike_share_the_entry() {
        let config = AvroDataConfig::default();
        let clash = SchemaBuilder::struct_()
            .name("R")
            .field("a", map(Schema::int32(), Schema::string()))
            .field("b", map(Schema::int64(), Schema::boolean()))
            .build()
            .unwrap();
        let error = to_avro(&clash, &config).unwrap_err().to_string();
        assert!(
            error.contains("io.confluent.connect.avro.MapEntry"),
            "{error}"
        );
        let alike = SchemaBuilder::struct_()
            .name("R")
            .field("a", map(Schema::int32(), Schema::string()))
            .field("b", map(Schema::int32(), Schema::string()))
            .build()
            .unwrap();
        let text = to_avro(&alike, &config).unwrap().text();
        assert!(
            text.ends_with(r#"{"name":"b","type":{"type":"array","items":"io.confluent.connect.avro.MapEntry"}}],"connect.name":"R"}"#),
            "{text}"
        );
    }

    #[test]
    fn without_metadata_a_logical_type_keeps_only_avro_properties() {
        let config = AvroDataConfig {
            connect_meta_data: false,
            ..AvroDataConfig::default()
        };
        let decimal = kconnect_api::schema::logical::decimal_builder(2)
            .build()
            .unwrap();
        assert_eq!(
            to_avro(&decimal, &config).unwrap().text(),
            r#"{"type":"bytes","scale":2,"precision":64,"logicalType":"decimal"}"#
        );
    }
}
