//! The checks transformations make on the data they receive, with the error messages Kafka
//! Connect users know ("Only Struct objects supported for [...]"), plus small helpers for
//! schemaless maps (Java `Map<String, Object>`).

use kconnect_api::{
    ConnectError, ConnectRecord, ConnectResult, SchemaRef, SchemaType, Struct, Value,
};

/// Entries of a schemaless map value, as Connect stores them.
pub(crate) type MapEntries = Vec<(Value, Value)>;

/// Fails unless the value is a struct.
pub(crate) fn require_struct<'a>(value: &'a Value, purpose: &str) -> ConnectResult<&'a Struct> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(ConnectError::data(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            other.java_class_name()
        ))),
    }
}

/// Like [`require_struct`], but a null value is accepted and yields `None`.
pub(crate) fn require_struct_or_null<'a>(
    value: &'a Value,
    purpose: &str,
) -> ConnectResult<Option<&'a Struct>> {
    if value.is_null() {
        Ok(None)
    } else {
        require_struct(value, purpose).map(Some)
    }
}

fn not_a_map(value: &Value, purpose: &str) -> ConnectError {
    ConnectError::data(format!(
        "Only Map objects supported in absence of schema for [{purpose}], found: {}",
        value.java_class_name()
    ))
}

/// Fails unless the value is a map (the only shape schemaless records can be transformed in).
pub(crate) fn require_map<'a>(value: &'a Value, purpose: &str) -> ConnectResult<&'a MapEntries> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(not_a_map(other, purpose)),
    }
}

/// Takes ownership of a map value, failing like [`require_map`] on anything else.
pub(crate) fn into_map(value: Value, purpose: &str) -> ConnectResult<MapEntries> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(not_a_map(&other, purpose)),
    }
}

/// Fails unless there is a schema.
pub(crate) fn require_schema<'a>(
    schema: Option<&'a SchemaRef>,
    purpose: &str,
) -> ConnectResult<&'a SchemaRef> {
    schema.ok_or_else(|| ConnectError::data(format!("Schema required for [{purpose}]")))
}

/// The Kafka offset of a sink record; source records have none and are rejected.
pub(crate) fn require_sink_record(record: &ConnectRecord, purpose: &str) -> ConnectResult<i64> {
    record.kafka_offset.ok_or_else(|| {
        ConnectError::data(format!(
            "Only SinkRecord supported for [{purpose}], found: org.apache.kafka.connect.source.SourceRecord"
        ))
    })
}

/// The schema type Java's `ConnectSchema.schemaType(Class)` finds for a schemaless value:
/// `None` for null and for the logical-type classes (`BigDecimal`, `java.util.Date`), which
/// have no schema type of their own.
pub(crate) fn connect_schema_type(value: &Value) -> Option<SchemaType> {
    match value {
        Value::Decimal(_) | Value::Instant(_) => None,
        other => other.inferred_type(),
    }
}

/// The Java class of a value as `Object.getClass().toString()` prints it (`class java.lang.Long`).
pub(crate) fn java_class(value: &Value) -> String {
    format!("class {}", value.java_class_name())
}

/// Looks up a string key in schemaless map entries (Java `Map.get`).
pub(crate) fn map_get<'a>(entries: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    entries
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// Sets a string key in schemaless map entries, replacing an existing entry (Java `Map.put`).
pub(crate) fn map_put(entries: &mut MapEntries, key: &str, value: Value) {
    match entries.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
        Some((_, slot)) => *slot = value,
        None => entries.push((Value::String(key.to_string()), value)),
    }
}

/// Removes a string key from schemaless map entries (Java `Map.remove`).
pub(crate) fn map_remove(entries: &mut MapEntries, key: &str) -> Option<Value> {
    let index = entries.iter().position(|(k, _)| k.as_str() == Some(key))?;
    Some(entries.remove(index).1)
}

/// The text of a map key, as Java's string concatenation would show it.
pub(crate) fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_kafka() {
        let err = require_struct(&Value::from("x"), "field insertion").unwrap_err();
        assert_eq!(
            err,
            ConnectError::Data(
                "Only Struct objects supported for [field insertion], found: java.lang.String"
                    .into()
            )
        );
        let err = require_map(&Value::Null, "flattening").unwrap_err();
        assert!(
            err.to_string().ends_with("[flattening], found: null"),
            "{err}"
        );
        assert!(into_map(Value::Int32(1), "p").is_err());
        assert!(require_schema(None, "x").is_err());
        let record = ConnectRecord::default();
        assert!(require_sink_record(&record, "x")
            .unwrap_err()
            .to_string()
            .contains("SourceRecord"));
        assert_eq!(require_struct_or_null(&Value::Null, "p").unwrap(), None);
    }

    #[test]
    fn map_helpers_behave_like_java_maps() {
        let mut m: MapEntries = vec![(Value::from("a"), Value::Int32(1))];
        map_put(&mut m, "a", Value::Int32(2));
        map_put(&mut m, "b", Value::Int32(3));
        assert_eq!(map_get(&m, "a"), Some(&Value::Int32(2)));
        assert_eq!(map_remove(&mut m, "b"), Some(Value::Int32(3)));
        assert_eq!(m.len(), 1);
        assert_eq!(key_text(&Value::Int64(4)), "4");
        assert_eq!(connect_schema_type(&Value::Instant(0)), None);
        assert_eq!(java_class(&Value::Int64(1)), "class java.lang.Long");
    }
}
