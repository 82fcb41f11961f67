//! Fixtures shared by the unit tests of the transformations.

use std::sync::Arc;

use kconnect_api::plugin::{Predicate, Transformation};
use kconnect_api::{ConnectError, ConnectRecord, Schema, SchemaBuilder, SchemaRef, Struct, Value};

/// A configuration from key/value pairs.
pub(crate) use kconnect_api::config_map;

/// `com.example.Person` v1: id int32, name string?, email string?, ts int64, score double?
pub(crate) fn person_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .name("com.example.Person")
        .version(1)
        .field("id", Schema::int32())
        .field("name", Schema::optional_string())
        .field("email", Schema::optional_string())
        .field("ts", Schema::int64())
        .field("score", Schema::optional_float64())
        .build()
        .unwrap()
}

/// Ann, id 7.
pub(crate) fn person() -> Struct {
    let mut s = Struct::new(person_schema()).unwrap();
    s.put("id", 7).unwrap();
    s.put("name", "Ann").unwrap();
    s.put("email", "ann@example.com").unwrap();
    s.put("ts", 1_700_000_000_123i64).unwrap();
    s.put("score", 1.5f64).unwrap();
    s
}

/// A schemaless map with string keys.
pub(crate) fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (Value::from(*k), v.clone()))
            .collect(),
    )
}

/// A source record on topic `orders`, partition 1, timestamp 1700000000123.
pub(crate) fn record(schema: Option<SchemaRef>, value: Value) -> ConnectRecord {
    let mut r = ConnectRecord::new("orders", schema, value);
    r.kafka_partition = Some(1);
    r.timestamp = Some(1_700_000_000_123);
    r
}

/// The person as a record value.
pub(crate) fn person_record() -> ConnectRecord {
    record(Some(person_schema()), Value::Struct(person()))
}

/// A configured transformation.
pub(crate) fn configured<T: Transformation>(mut t: T, pairs: &[(&str, &str)]) -> T {
    t.configure(&config_map(pairs))
        .unwrap_or_else(|e| panic!("configure failed: {e}"));
    t
}

/// A configured predicate.
pub(crate) fn configured_predicate<P: Predicate>(mut p: P, pairs: &[(&str, &str)]) -> P {
    p.configure(&config_map(pairs))
        .unwrap_or_else(|e| panic!("configure failed: {e}"));
    p
}

/// Applies and expects a record back.
pub(crate) fn apply<T: Transformation>(t: &mut T, record: ConnectRecord) -> ConnectRecord {
    t.apply(record)
        .unwrap_or_else(|e| panic!("apply failed: {e}"))
        .expect("record dropped")
}

/// The key a configuration error names (panics on other errors).
pub(crate) fn config_key(err: ConnectError) -> Option<String> {
    match err {
        ConnectError::Config(e) => e.key,
        other => panic!("expected a config error, got {other:?}"),
    }
}

/// The struct inside a value (panics otherwise).
pub(crate) fn as_struct(value: &Value) -> &Struct {
    value.as_struct().expect("a struct")
}

/// A shared schema.
pub(crate) fn shared(schema: Schema) -> SchemaRef {
    Arc::new(schema)
}
