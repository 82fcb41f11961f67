//! Avro schemas as Connect schemas, as Confluent's `AvroData` reads them back, and Avro's
//! binary encoding as Connect values.
//!
//! The `connect.*` properties restore what the writer's Connect schema said (names, docs,
//! versions, parameters, defaults, `int8`/`int16`); without them the Avro schema speaks for
//! itself: records keep their Avro name, logical types become Connect's, a union with null
//! is an optional value, and an array of `io.confluent.connect.avro.MapEntry` records is a
//! map. Unions of several non-null types are not read yet.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use kconnect_api::schema::logical::{
    DATE_NAME as DATE, DECIMAL_NAME as DECIMAL, DECIMAL_SCALE_PARAM, MILLIS_PER_DAY,
    TIMESTAMP_NAME as TIMESTAMP, TIME_NAME as TIME,
};
use kconnect_api::{Decimal, Field, Schema, SchemaRef, SchemaType, Struct, Value};
use serde_json::{Map, Value as Json};

use crate::to_avro::CONNECT_NAMESPACE;
use crate::AvroError;

/// How to read one Avro value into a Connect value.
#[derive(Debug, Clone)]
enum Node {
    Null,
    Boolean,
    /// `int`, read as the Connect type of the schema (INT8, INT16, INT32, Date, Time).
    Int,
    /// `long`, as INT64 or Timestamp.
    Long,
    Float,
    Double,
    /// `bytes`, as BYTES or Decimal.
    Bytes,
    /// `fixed` of this size.
    Fixed(usize),
    String,
    /// An enum's symbols, read as a string.
    Enum(Vec<String>),
    /// A record's fields, and (once bound) the Connect schema of its structs.
    Record(Vec<Node>, Option<SchemaRef>),
    Array(Box<Node>),
    /// An Avro map (string keys).
    Map(Box<Node>),
    /// An array of key/value records, read as a map.
    Entries(Box<Node>, Box<Node>),
    /// A union of null and one type; `null_index` is null's branch.
    Optional {
        null_index: i64,
        inner: Box<Node>,
    },
}

/// A registered Avro schema, ready to read values written with it.
#[derive(Debug, Clone)]
pub struct Reader {
    node: Node,
    schema: SchemaRef,
}

impl Reader {
    /// The reader of the Avro schema `text`, registered under `version` (the root Connect
    /// schema's version when the Avro schema does not carry one).
    pub fn new(text: &str, version: Option<i32>) -> Result<Self, AvroError> {
        let json: Json = serde_json::from_str(text)
            .map_err(|e| AvroError::Data(format!("the registry's schema is not JSON: {e}")))?;
        let mut parser = Parser {
            named: HashMap::new(),
        };
        let (mut node, mut schema) = parser.parse(&json, None)?;
        if schema.version.is_none() && !schema.optional {
            schema.version = version;
        }
        let schema = Arc::new(schema);
        bind(&mut node, &schema);
        Ok(Self { node, schema })
    }

    /// This reader with the root Connect schema's version set to `version` where the Avro
    /// schema carries none (the version under a subject, learnt after parsing).
    pub fn with_root_version(mut self, version: Option<i32>) -> Self {
        if self.schema.version.is_none() && !self.schema.optional && version.is_some() {
            let mut schema = (*self.schema).clone();
            schema.version = version;
            self.schema = Arc::new(schema);
            bind(&mut self.node, &self.schema);
        }
        self
    }

    /// The Connect schema of the values.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Reads a whole payload. A required top-level `bytes` value is the payload itself, as
    /// Confluent's serializer writes it.
    pub fn read(&self, payload: &[u8]) -> Result<Value, AvroError> {
        if let Node::Bytes = self.node {
            return Ok(bytes_value(&self.schema, payload.to_vec()));
        }
        let mut input = payload;
        let value = read(&self.node, &self.schema, &mut input)?;
        if !input.is_empty() {
            return Err(AvroError::Data(format!(
                "{} bytes left over after the value: the payload does not match its schema",
                input.len()
            )));
        }
        Ok(value)
    }
}

struct Parser {
    /// Named types seen so far, by full name.
    named: HashMap<String, (Node, Schema)>,
}

fn props_str<'a>(o: &'a Map<String, Json>, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Json::as_str)
}

impl Parser {
    fn parse(&mut self, json: &Json, ns: Option<&str>) -> Result<(Node, Schema), AvroError> {
        match json {
            Json::String(name) => self.primitive_or_named(name, ns, None),
            Json::Array(branches) => self.union(branches, ns),
            Json::Object(o) => {
                let type_name = props_str(o, "type").ok_or_else(|| {
                    AvroError::Data(format!("an Avro schema without a type: {json}"))
                })?;
                let (node, mut schema) = match type_name {
                    "record" => self.record(o, ns)?,
                    "enum" => self.enumeration(o, ns)?,
                    "array" => self.array(o, ns)?,
                    "map" => {
                        let values = o.get("values").unwrap_or(&Json::Null);
                        let (node, values) = self.parse(values, ns)?;
                        let mut schema = Schema::of(SchemaType::Map, false);
                        schema.key_schema = Some(Schema::string());
                        schema.value_schema = Some(Arc::new(values));
                        (Node::Map(Box::new(node)), schema)
                    }
                    "fixed" => {
                        let size = o.get("size").and_then(Json::as_u64).unwrap_or(0);
                        let mut schema = Schema::of(SchemaType::Bytes, false);
                        schema.name = full_name(o, ns);
                        (Node::Fixed(usize::try_from(size).unwrap_or(0)), schema)
                    }
                    other => self.primitive_or_named(other, ns, Some(o))?,
                };
                apply_connect_props(o, &mut schema);
                Ok((node, schema))
            }
            other => Err(AvroError::Data(format!("not an Avro schema: {other}"))),
        }
    }

    fn primitive_or_named(
        &mut self,
        name: &str,
        ns: Option<&str>,
        props: Option<&Map<String, Json>>,
    ) -> Result<(Node, Schema), AvroError> {
        let logical = props.and_then(|o| props_str(o, "logicalType"));
        let connect_type = props.and_then(|o| props_str(o, "connect.type"));
        let (node, schema_type, logical_name) = match (name, logical, connect_type) {
            ("null", _, _) => (Node::Null, SchemaType::String, None),
            ("boolean", _, _) => (Node::Boolean, SchemaType::Boolean, None),
            ("int", _, Some("int8")) => (Node::Int, SchemaType::Int8, None),
            ("int", _, Some("int16")) => (Node::Int, SchemaType::Int16, None),
            ("int", Some("date"), _) => (Node::Int, SchemaType::Int32, Some(DATE)),
            ("int", Some("time-millis"), _) => (Node::Int, SchemaType::Int32, Some(TIME)),
            ("int", _, _) => (Node::Int, SchemaType::Int32, None),
            ("long", Some("timestamp-millis"), _) => {
                (Node::Long, SchemaType::Int64, Some(TIMESTAMP))
            }
            ("long", _, _) => (Node::Long, SchemaType::Int64, None),
            ("float", _, _) => (Node::Float, SchemaType::Float32, None),
            ("double", _, _) => (Node::Double, SchemaType::Float64, None),
            ("bytes", Some("decimal"), _) => (Node::Bytes, SchemaType::Bytes, Some(DECIMAL)),
            ("bytes", _, _) => (Node::Bytes, SchemaType::Bytes, None),
            ("string", _, _) => (Node::String, SchemaType::String, None),
            (named, _, _) => {
                let full = if named.contains('.') {
                    named.to_string()
                } else {
                    ns.map_or(named.to_string(), |n| format!("{n}.{named}"))
                };
                let found = self
                    .named
                    .get(&full)
                    .or_else(|| self.named.get(named))
                    .ok_or_else(|| AvroError::Data(format!("unknown Avro type {named}")))?;
                return Ok(found.clone());
            }
        };
        let mut schema = Schema::of(schema_type, false);
        if let Some(logical) = logical_name {
            schema.name = Some(logical.to_string());
            schema.version = Some(1);
            if logical == DECIMAL {
                let scale = props
                    .and_then(|o| o.get("scale"))
                    .and_then(Json::as_i64)
                    .unwrap_or(0);
                let mut parameters = IndexMap::new();
                parameters.insert(DECIMAL_SCALE_PARAM.to_string(), scale.to_string());
                schema.parameters = Some(parameters);
            }
        }
        Ok((node, schema))
    }

    fn union(&mut self, branches: &[Json], ns: Option<&str>) -> Result<(Node, Schema), AvroError> {
        let is_null = |b: &Json| b.as_str() == Some("null");
        match branches {
            [a, b] if is_null(a) != is_null(b) => {
                let (null_index, other) = if is_null(a) { (0, b) } else { (1, a) };
                let (inner, mut schema) = self.parse(other, ns)?;
                schema.optional = true;
                Ok((
                    Node::Optional {
                        null_index,
                        inner: Box::new(inner),
                    },
                    schema,
                ))
            }
            _ => Err(AvroError::Data(format!(
                "Avro unions other than a type with null are not read yet: {}",
                Json::Array(branches.to_vec())
            ))),
        }
    }

    fn record(
        &mut self,
        o: &Map<String, Json>,
        ns: Option<&str>,
    ) -> Result<(Node, Schema), AvroError> {
        let full = full_name(o, ns).unwrap_or_default();
        let own_ns = full.rsplit_once('.').map(|(n, _)| n.to_string());
        let mut schema = Schema::of(SchemaType::Struct, false);
        let mut nodes = Vec::new();
        for (index, field) in o
            .get("fields")
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let name = field["name"].as_str().unwrap_or_default().to_string();
            let (node, mut field_schema) = self.parse(&field["type"], own_ns.as_deref())?;
            // The Avro default stands for a type that is not a union; a union's comes from
            // its `connect.default`.
            if field_schema.default_value.is_none() && !field["type"].is_array() {
                if let Some(default) = field.get("default").filter(|d| !d.is_null()) {
                    field_schema.default_value = default_from_json(&field_schema, default);
                }
            }
            nodes.push(node);
            schema.fields.push(Field {
                name,
                index,
                schema: Arc::new(field_schema),
            });
        }
        let connect_default = full.starts_with(&format!("{CONNECT_NAMESPACE}.ConnectDefault"));
        if !connect_default {
            schema.name = Some(full.clone());
        }
        let node = Node::Record(nodes, None);
        self.named.insert(full, (node.clone(), schema.clone()));
        Ok((node, schema))
    }

    fn enumeration(
        &mut self,
        o: &Map<String, Json>,
        ns: Option<&str>,
    ) -> Result<(Node, Schema), AvroError> {
        let full = full_name(o, ns).unwrap_or_default();
        let symbols: Vec<String> = o
            .get("symbols")
            .and_then(Json::as_array)
            .map(|s| {
                s.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let mut schema = Schema::of(SchemaType::String, false);
        schema.name = Some(full.clone());
        let node = Node::Enum(symbols);
        self.named.insert(full, (node.clone(), schema.clone()));
        Ok((node, schema))
    }

    fn array(
        &mut self,
        o: &Map<String, Json>,
        ns: Option<&str>,
    ) -> Result<(Node, Schema), AvroError> {
        let items = o.get("items").unwrap_or(&Json::Null);
        let (node, items_schema) = self.parse(items, ns)?;
        if let (Node::Record(fields, _), true) = (&node, is_map_entry(items, &items_schema)) {
            if let [key, value] = fields.as_slice() {
                let mut schema = Schema::of(SchemaType::Map, false);
                schema.key_schema = Some(items_schema.fields[0].schema.clone());
                schema.value_schema = Some(items_schema.fields[1].schema.clone());
                return Ok((
                    Node::Entries(Box::new(key.clone()), Box::new(value.clone())),
                    schema,
                ));
            }
        }
        let mut schema = Schema::of(SchemaType::Array, false);
        schema.value_schema = Some(Arc::new(items_schema));
        Ok((Node::Array(Box::new(node)), schema))
    }
}

/// Gives every record node the final Connect schema of its structs (shared, so that reading
/// a record does not copy its schema).
fn bind(node: &mut Node, schema: &SchemaRef) {
    match node {
        Node::Record(fields, bound) => {
            for (field_node, field) in fields.iter_mut().zip(&schema.fields) {
                bind(field_node, &field.schema);
            }
            *bound = Some(schema.clone());
        }
        Node::Array(items) | Node::Map(items) => {
            if let Some(values) = &schema.value_schema {
                bind(items, values);
            }
        }
        Node::Entries(key, value) => {
            if let (Some(k), Some(v)) = (&schema.key_schema, &schema.value_schema) {
                bind(key, k);
                bind(value, v);
            }
        }
        Node::Optional { inner, .. } => bind(inner, schema),
        _ => {}
    }
}

/// Whether array items are Confluent's map entries (a `MapEntry` record of `key` and
/// `value`).
fn is_map_entry(items: &Json, schema: &Schema) -> bool {
    let named = schema
        .name
        .as_deref()
        .is_some_and(|n| n.starts_with(&format!("{CONNECT_NAMESPACE}.MapEntry")))
        || items.as_str().is_some_and(|n| n.contains("MapEntry"));
    named
        && schema.fields.len() == 2
        && schema.fields[0].name == "key"
        && schema.fields[1].name == "value"
}

/// The full name of a named type declared in `o` within namespace `ns`.
fn full_name(o: &Map<String, Json>, ns: Option<&str>) -> Option<String> {
    let name = props_str(o, "name")?;
    if name.contains('.') {
        return Some(name.to_string());
    }
    match props_str(o, "namespace").or(ns).filter(|n| !n.is_empty()) {
        Some(n) => Some(format!("{n}.{name}")),
        None => Some(name.to_string()),
    }
}

/// Applies the `connect.*` properties of `o` to `schema`.
fn apply_connect_props(o: &Map<String, Json>, schema: &mut Schema) {
    if let Some(name) = props_str(o, "connect.name") {
        schema.name = Some(name.to_string());
    }
    if let Some(doc) = props_str(o, "connect.doc") {
        schema.doc = Some(doc.to_string());
    }
    if let Some(version) = o.get("connect.version").and_then(Json::as_i64) {
        schema.version = i32::try_from(version).ok();
    }
    if let Some(Json::Object(parameters)) = o.get("connect.parameters") {
        schema.parameters = Some(
            parameters
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect(),
        );
    }
    if let Some(default) = o.get("connect.default").filter(|d| !d.is_null()) {
        schema.default_value = default_from_json(schema, default);
    }
}

/// An Avro default (JSON) as a Connect value of `schema`.
fn default_from_json(schema: &Schema, json: &Json) -> Option<Value> {
    let int = || json.as_i64();
    Some(match schema.schema_type {
        SchemaType::Int8 => Value::Int8(i8::try_from(int()?).ok()?),
        SchemaType::Int16 => Value::Int16(i16::try_from(int()?).ok()?),
        SchemaType::Int32 if schema.is_named(DATE) => Value::Instant(int()? * MILLIS_PER_DAY),
        SchemaType::Int32 if schema.is_named(TIME) => Value::Instant(int()?),
        SchemaType::Int32 => Value::Int32(i32::try_from(int()?).ok()?),
        SchemaType::Int64 if schema.is_named(TIMESTAMP) => Value::Instant(int()?),
        SchemaType::Int64 => Value::Int64(int()?),
        SchemaType::Float32 => Value::Float32(json.as_f64()? as f32),
        SchemaType::Float64 => Value::Float64(json.as_f64()?),
        SchemaType::Boolean => Value::Boolean(json.as_bool()?),
        SchemaType::String => Value::String(json.as_str()?.to_string()),
        SchemaType::Bytes => {
            let bytes: Vec<u8> = json
                .as_str()?
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect();
            bytes_value(schema, bytes)
        }
        SchemaType::Array => {
            let items = schema.value_schema.as_deref()?;
            Value::Array(
                json.as_array()?
                    .iter()
                    .map(|i| default_from_json(items, i).unwrap_or(Value::Null))
                    .collect(),
            )
        }
        SchemaType::Map => {
            let values = schema.value_schema.as_deref()?;
            Value::Map(
                json.as_object()?
                    .iter()
                    .map(|(k, v)| {
                        (
                            Value::String(k.clone()),
                            default_from_json(values, v).unwrap_or(Value::Null),
                        )
                    })
                    .collect(),
            )
        }
        SchemaType::Struct => {
            let mut s = Struct::new(Arc::new(schema.clone())).ok()?;
            for field in &schema.fields {
                if let Some(v) = json
                    .get(&field.name)
                    .and_then(|v| default_from_json(&field.schema, v))
                {
                    s.put_unchecked(field.index, v);
                }
            }
            Value::Struct(s)
        }
    })
}

/// Bytes as a Connect value: a Decimal for the Decimal logical type.
fn bytes_value(schema: &Schema, bytes: Vec<u8>) -> Value {
    if schema.is_named(DECIMAL) {
        let scale = schema
            .parameter(DECIMAL_SCALE_PARAM)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Value::Decimal(Decimal::from_unscaled_bytes(&bytes, scale))
    } else {
        Value::Bytes(bytes)
    }
}

fn truncated() -> AvroError {
    AvroError::Data("the payload ends inside a value".into())
}

/// A zig-zag varint.
fn read_long(input: &mut &[u8]) -> Result<i64, AvroError> {
    let mut z: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first().ok_or_else(truncated)?;
        *input = rest;
        z |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((z >> 1) as i64 ^ -((z & 1) as i64));
        }
    }
    Err(AvroError::Data("a varint longer than 10 bytes".into()))
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Result<&'a [u8], AvroError> {
    if input.len() < n {
        return Err(truncated());
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

fn read_len(input: &mut &[u8]) -> Result<usize, AvroError> {
    usize::try_from(read_long(input)?).map_err(|_| AvroError::Data("a negative length".into()))
}

/// The items of one array or map: blocks of items until a zero count (a negative count is
/// followed by the block's size in bytes).
fn read_blocks(
    input: &mut &[u8],
    mut item: impl FnMut(&mut &[u8]) -> Result<(), AvroError>,
) -> Result<(), AvroError> {
    loop {
        let count = read_long(input)?;
        if count == 0 {
            return Ok(());
        }
        if count < 0 {
            read_long(input)?;
        }
        for _ in 0..count.unsigned_abs() {
            item(input)?;
        }
    }
}

fn read(node: &Node, schema: &Schema, input: &mut &[u8]) -> Result<Value, AvroError> {
    Ok(match node {
        Node::Null => Value::Null,
        Node::Boolean => Value::Boolean(take(input, 1)?[0] != 0),
        Node::Int => {
            let n = read_long(input)?;
            match schema.schema_type {
                SchemaType::Int8 => Value::Int8(n as i8),
                SchemaType::Int16 => Value::Int16(n as i16),
                _ if schema.is_named(DATE) => Value::Instant(n * MILLIS_PER_DAY),
                _ if schema.is_named(TIME) => Value::Instant(n),
                _ => Value::Int32(n as i32),
            }
        }
        Node::Long => {
            let n = read_long(input)?;
            if schema.is_named(TIMESTAMP) {
                Value::Instant(n)
            } else {
                Value::Int64(n)
            }
        }
        Node::Float => {
            let b = take(input, 4)?;
            Value::Float32(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        }
        Node::Double => {
            let b = take(input, 8)?;
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            Value::Float64(f64::from_le_bytes(a))
        }
        Node::Bytes => {
            let n = read_len(input)?;
            bytes_value(schema, take(input, n)?.to_vec())
        }
        Node::Fixed(n) => bytes_value(schema, take(input, *n)?.to_vec()),
        Node::String => {
            let n = read_len(input)?;
            let text = std::str::from_utf8(take(input, n)?)
                .map_err(|_| AvroError::Data("a string that is not UTF-8".into()))?;
            Value::String(text.to_string())
        }
        Node::Enum(symbols) => {
            let i = read_len(input)?;
            Value::String(
                symbols
                    .get(i)
                    .cloned()
                    .ok_or_else(|| AvroError::Data(format!("enum symbol {i} does not exist")))?,
            )
        }
        Node::Record(fields, bound) => {
            let schema_ref = bound.clone().unwrap_or_else(|| Arc::new(schema.clone()));
            let mut s = Struct::new(schema_ref).map_err(|e| AvroError::Data(e.to_string()))?;
            for (field, node) in schema.fields.iter().zip(fields) {
                let v = read(node, &field.schema, input)?;
                s.put_unchecked(field.index, v);
            }
            Value::Struct(s)
        }
        Node::Array(item) => {
            let item_schema = schema.value_schema.as_deref().ok_or_else(truncated)?;
            let mut items = Vec::new();
            read_blocks(input, |i| {
                items.push(read(item, item_schema, i)?);
                Ok(())
            })?;
            Value::Array(items)
        }
        Node::Map(values) => {
            let value_schema = schema.value_schema.as_deref().ok_or_else(truncated)?;
            let mut entries = Vec::new();
            read_blocks(input, |i| {
                let n = read_len(i)?;
                let key = std::str::from_utf8(take(i, n)?)
                    .map_err(|_| AvroError::Data("a map key that is not UTF-8".into()))?
                    .to_string();
                entries.push((Value::String(key), read(values, value_schema, i)?));
                Ok(())
            })?;
            Value::Map(entries)
        }
        Node::Entries(key, value) => {
            let (Some(ks), Some(vs)) =
                (schema.key_schema.as_deref(), schema.value_schema.as_deref())
            else {
                return Err(truncated());
            };
            let mut entries = Vec::new();
            read_blocks(input, |i| {
                let k = read(key, ks, i)?;
                let v = read(value, vs, i)?;
                entries.push((k, v));
                Ok(())
            })?;
            Value::Map(entries)
        }
        Node::Optional { null_index, inner } => {
            let branch = read_long(input)?;
            if branch == *null_index {
                Value::Null
            } else if branch == 1 - null_index {
                read(inner, schema, input)?
            } else {
                return Err(AvroError::Data(format!(
                    "union branch {branch} does not exist"
                )));
            }
        }
    })
}
