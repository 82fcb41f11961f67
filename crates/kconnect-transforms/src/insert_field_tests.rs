use super::*;
use crate::test_support::*;
use kconnect_api::ConnectError;

fn insert(target: Target, pairs: &[(&str, &str)]) -> InsertField {
    configured(InsertField::new(target), pairs)
}

const ALL: &[(&str, &str)] = &[
    ("static.field", "src"),
    ("static.value", "db1"),
    ("topic.field", "t"),
    ("partition.field", "p"),
    ("timestamp.field", "when"),
];

#[test]
fn inserts_metadata_into_a_struct() {
    let mut t = insert(Target::Value, ALL);
    let out = apply(&mut t, person_record());
    let schema = out.value_schema.clone().unwrap();
    let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["id", "name", "email", "ts", "score", "t", "p", "when", "src"]
    );
    assert_eq!(schema.name.as_deref(), Some("com.example.Person"));
    assert_eq!(
        schema.field("when").unwrap().schema.name.as_deref(),
        Some(logical::TIMESTAMP_NAME)
    );
    assert!(schema.field("t").unwrap().schema.optional);
    let s = as_struct(&out.value);
    assert_eq!(s.get("t").unwrap(), &Value::from("orders"));
    assert_eq!(s.get("p").unwrap(), &Value::Int32(1));
    assert_eq!(s.get("when").unwrap(), &Value::Instant(1_700_000_000_123));
    assert_eq!(s.get("src").unwrap(), &Value::from("db1"));
    assert!(s.validate().is_ok());
    // The derived schema is cached and shared between records.
    let again = apply(&mut t, person_record());
    assert!(std::sync::Arc::ptr_eq(
        &schema,
        again.value_schema.as_ref().unwrap()
    ));
}

#[test]
fn inserts_into_schemaless_maps() {
    let mut t = insert(
        Target::Key,
        &[
            ("static.field", "k"),
            ("static.value", "v"),
            ("timestamp.field", "ts"),
        ],
    );
    let mut r = record(None, map(&[("a", Value::Int64(1))]));
    r.key = map(&[("id", Value::Int64(1))]);
    let out = apply(&mut t, r);
    assert_eq!(
        out.key,
        map(&[
            ("id", Value::Int64(1)),
            ("k", Value::from("v")),
            ("ts", Value::Int64(1_700_000_000_123))
        ])
    );
    assert_eq!(out.value, map(&[("a", Value::Int64(1))]));
}

#[test]
fn offsets_need_sink_records() {
    let mut t = insert(
        Target::Value,
        &[("offset.field", "off"), ("topic.field", "topic!")],
    );
    let mut sink = person_record();
    sink.kafka_offset = Some(42);
    let out = apply(&mut t, sink);
    let schema = out.value_schema.clone().unwrap();
    assert!(!schema.field("topic").unwrap().schema.optional);
    assert_eq!(as_struct(&out.value).get("off").unwrap(), &Value::Int64(42));
    let err = t.apply(person_record()).unwrap_err();
    assert!(matches!(err, ConnectError::Data(m) if m.contains("Only SinkRecord supported")));
}

#[test]
fn missing_metadata_is_skipped_and_nulls_pass_through() {
    let mut t = insert(Target::Value, ALL);
    let mut r = person_record();
    r.kafka_partition = None;
    r.timestamp = None;
    let out = apply(&mut t, r);
    assert_eq!(as_struct(&out.value).get("p").unwrap(), &Value::Null);
    let tombstone = record(Some(person_schema()), Value::Null);
    assert_eq!(apply(&mut t, tombstone.clone()), tombstone);
    let err = t
        .apply(record(Some(Schema::string()), Value::from("plain")))
        .unwrap_err();
    assert!(err
        .to_string()
        .contains("Only Struct objects supported for [field insertion]"));
    assert!(t.apply(record(None, Value::from("x"))).is_err());
}

#[test]
fn configuration_is_checked() {
    let mut t = InsertField::new(Target::Value);
    assert_eq!(
        config_key(t.configure(&config_map(&[])).unwrap_err()).as_deref(),
        Some("topic.field")
    );
    let err = t
        .configure(&config_map(&[("static.field", "s")]))
        .unwrap_err();
    assert_eq!(config_key(err).as_deref(), Some("static.value"));
    assert!(t.apply(person_record()).is_err());
    assert!(t.config_def().key("offset.field").is_some());
}
