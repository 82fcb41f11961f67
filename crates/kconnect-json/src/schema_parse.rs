//! JSON schema → Connect schema (Java `asConnectSchema`), with Java's rules: `type` is
//! required, `optional` is true only for JSON `true`, `name`/`version`/`doc` of the wrong
//! JSON type are ignored, parameter values must be strings, and `default` is converted with
//! the schema it belongs to.

use std::sync::Arc;

use indexmap::IndexMap;
use kconnect_api::{Field, Schema, SchemaRef, SchemaType, Value};

use crate::failure::{Failure, Res};
use crate::lexer::Lexer;
use crate::read::{wrapping_integer, ValueReader};
use crate::schema_json::schema_type_for;
use crate::tree::{parse_tree, Json, Node};

/// Parses the JSON text of a schema; `None` for JSON `null` (no schema).
pub(crate) fn parse_schema_text(text: &[u8], replace_null: bool) -> Res<Option<SchemaRef>> {
    let mut lx = Lexer::new(text);
    let node = parse_tree(&mut lx)?;
    if node.is_null() {
        return Ok(None);
    }
    build(text, &node, replace_null).map(|schema| Some(Arc::new(schema)))
}

fn child(src: &[u8], node: &Node<'_>, replace_null: bool, label: &str) -> Res<SchemaRef> {
    build(src, node, replace_null)
        .map(Arc::new)
        .map_err(|e| e.at_key(label))
}

/// Builds the schema described by `node`; `src` is the text `node`'s offsets point into.
fn build(src: &[u8], node: &Node<'_>, replace_null: bool) -> Res<Schema> {
    let type_name = node
        .get("type")
        .and_then(Node::as_str)
        .ok_or_else(|| Failure::schema("Schema must contain 'type' field"))?;
    let schema_type = schema_type_for(type_name)
        .ok_or_else(|| Failure::schema(format!("Unknown schema type: {type_name}")))?;
    let mut schema = Schema::of(schema_type, false);
    match schema_type {
        SchemaType::Array => {
            let items = node
                .get("items")
                .filter(|n| !n.is_null())
                .ok_or_else(|| Failure::schema("Array schema did not specify the element type"))?;
            schema.value_schema = Some(child(src, items, replace_null, "items")?);
        }
        SchemaType::Map => {
            let keys = node
                .get("keys")
                .ok_or_else(|| Failure::schema("Map schema did not specify the key type"))?;
            let values = node
                .get("values")
                .ok_or_else(|| Failure::schema("Map schema did not specify the value type"))?;
            if keys.is_null() {
                return Err(Failure::schema("keySchema cannot be null."));
            }
            if values.is_null() {
                return Err(Failure::schema("valueSchema cannot be null."));
            }
            schema.key_schema = Some(child(src, keys, replace_null, "keys")?);
            schema.value_schema = Some(child(src, values, replace_null, "values")?);
        }
        SchemaType::Struct => schema.fields = build_fields(src, node, replace_null)?,
        _ => {}
    }
    schema.optional = matches!(
        node.get("optional").map(|n| &n.json),
        Some(Json::Bool(true))
    );
    schema.name = node.get("name").and_then(Node::as_str).map(str::to_string);
    if let Some(Json::Num(n)) = node.get("version").map(|n| &n.json) {
        if n.integral {
            // Java's intValue(): the low 32 bits.
            schema.version = Some(wrapping_integer(n.text) as i32);
        }
    }
    schema.doc = node.get("doc").and_then(Node::as_str).map(str::to_string);
    // Java adds parameters one by one, so an empty object leaves them unset.
    if let Some(Json::Obj(members)) = node
        .get("parameters")
        .map(|n| &n.json)
        .filter(|json| !matches!(json, Json::Obj(m) if m.is_empty()))
    {
        let mut parameters = IndexMap::with_capacity(members.len());
        for (key, value) in members {
            let value = value
                .as_str()
                .ok_or_else(|| Failure::schema("Schema parameters must have string values."))?;
            parameters.insert(key.to_string(), value.to_string());
        }
        schema.parameters = Some(parameters);
    }
    if let Some(default) = node.get("default") {
        let value = read_default(src, default, &schema, replace_null)?;
        if !value.is_null() {
            schema.default_value = Some(value);
        }
    }
    Ok(schema)
}

fn build_fields(src: &[u8], node: &Node<'_>, replace_null: bool) -> Res<Vec<Field>> {
    let Some(Json::Arr(items)) = node.get("fields").map(|n| &n.json) else {
        return Err(Failure::schema(
            "Struct schema's \"fields\" argument is not an array.",
        ));
    };
    let mut fields: Vec<Field> = Vec::with_capacity(items.len());
    for item in items {
        let name = item
            .get("field")
            .and_then(Node::as_str)
            .ok_or_else(|| Failure::schema("Struct schema's field name not specified properly"))?;
        if fields.iter().any(|f| f.name == name) {
            return Err(Failure::schema(format!(
                "Cannot create field because of field name duplication {name}"
            )));
        }
        let schema = build(src, item, replace_null).map_err(|e| e.at_field(name))?;
        fields.push(Field {
            name: name.to_string(),
            index: fields.len(),
            schema: Arc::new(schema),
        });
    }
    Ok(fields)
}

/// Converts a `default` with the schema built so far (no default yet), as Java does.
fn read_default(src: &[u8], default: &Node<'_>, schema: &Schema, replace_null: bool) -> Res<Value> {
    let own: SchemaRef = Arc::new(schema.clone());
    let mut reader = ValueReader {
        lx: Lexer::at(src, default.start),
        replace_null_with_default: replace_null,
    };
    reader
        .read(&own)
        .map_err(|e| Failure::schema(format!("Invalid default value: {}", e.message())))
}
