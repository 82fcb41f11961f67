use super::*;
use crate::test_support::*;

const TS: i64 = 1_700_000_000_123;

fn converter(target: Target, pairs: &[(&str, &str)]) -> TimestampConverter {
    configured(TimestampConverter::new(target), pairs)
}

fn ts_field(pairs: &[(&str, &str)]) -> (Option<SchemaRef>, Value) {
    let mut t = converter(Target::Value, pairs);
    let out = apply(&mut t, person_record());
    let schema = out.value_schema.clone().unwrap();
    let ts = schema.field("ts").unwrap().schema.clone();
    (Some(ts), as_struct(&out.value).get("ts").unwrap().clone())
}

#[test]
fn converts_a_unix_field_to_every_type() {
    let (schema, value) = ts_field(&[
        ("field", "ts"),
        ("target.type", "string"),
        ("format", "yyyy-MM-dd HH:mm:ss.SSS"),
    ]);
    assert_eq!(
        (schema, value),
        (
            Some(Schema::string()),
            Value::from("2023-11-14 22:13:20.123")
        )
    );
    let (schema, value) = ts_field(&[("field", "ts"), ("target.type", "Timestamp")]);
    assert_eq!(
        schema.unwrap().name.as_deref(),
        Some(logical::TIMESTAMP_NAME)
    );
    assert_eq!(value, Value::Instant(TS));
    let (schema, value) = ts_field(&[("field", "ts"), ("target.type", "Date")]);
    assert_eq!(schema.unwrap().name.as_deref(), Some(logical::DATE_NAME));
    assert_eq!(value, Value::Instant(19_675 * MILLIS_PER_DAY));
    let (schema, value) = ts_field(&[("field", "ts"), ("target.type", "Time")]);
    assert_eq!(schema.unwrap().name.as_deref(), Some(logical::TIME_NAME));
    assert_eq!(value, Value::Instant(80_000_123));
    let (_, value) = ts_field(&[
        ("field", "ts"),
        ("target.type", "unix"),
        ("unix.precision", "seconds"),
    ]);
    // Read as seconds and written as seconds: unchanged.
    assert_eq!(value, Value::Int64(TS));
}

#[test]
fn parses_strings_with_java_patterns() {
    let schema = SchemaBuilder::struct_()
        .field("d", Schema::string())
        .build()
        .unwrap();
    let mut s = Struct::new(schema.clone()).unwrap();
    s.put("d", "2024-02-29T12:34:56Z").unwrap();
    let mut t = converter(
        Target::Value,
        &[
            ("field", "d"),
            ("target.type", "unix"),
            ("format", "yyyy-MM-dd'T'HH:mm:ssX"),
        ],
    );
    let out = apply(&mut t, record(Some(schema.clone()), Value::Struct(s)));
    assert_eq!(
        out.value_schema.as_ref().unwrap().fields[0].schema,
        Schema::int64()
    );
    assert_eq!(
        as_struct(&out.value).get("d").unwrap(),
        &Value::Int64(1_709_210_096_000)
    );
    let mut bad = Struct::new(schema.clone()).unwrap();
    bad.put("d", "yesterday").unwrap();
    let err = t
        .apply(record(Some(schema), Value::Struct(bad)))
        .unwrap_err();
    assert_eq!(
        err,
        ConnectError::Data(
            "Could not parse timestamp: value (yesterday) does not match pattern (yyyy-MM-dd'T'HH:mm:ssX)".into()
        )
    );
}

#[test]
fn whole_values_and_schemaless_fields() {
    let mut t = converter(Target::Value, &[("target.type", "unix")]);
    let ts_schema = build(logical::timestamp_builder()).unwrap();
    let out = apply(&mut t, record(Some(ts_schema), Value::Instant(TS)));
    assert_eq!(
        (out.value_schema, out.value),
        (Some(Schema::int64()), Value::Int64(TS))
    );
    let mut t = converter(
        Target::Key,
        &[
            ("target.type", "Timestamp"),
            ("unix.precision", "microseconds"),
        ],
    );
    let mut r = person_record();
    r.key = Value::Int64(TS * 1000 + 999);
    assert_eq!(apply(&mut t, r).key, Value::Instant(TS));
    let mut t = converter(
        Target::Value,
        &[
            ("field", "ts"),
            ("target.type", "string"),
            ("format", "yyyyMMdd"),
        ],
    );
    let out = apply(
        &mut t,
        record(
            None,
            map(&[("ts", Value::Int64(TS)), ("x", Value::Int64(1))]),
        ),
    );
    assert_eq!(
        out.value,
        map(&[("ts", Value::from("20231114")), ("x", Value::Int64(1))])
    );
    let out = apply(&mut t, record(None, Value::Null));
    assert_eq!(out.value, Value::Null);
}

#[test]
fn nulls_and_unsupported_types() {
    let mut t = converter(Target::Value, &[("field", "name"), ("target.type", "unix")]);
    assert!(matches!(
        t.apply(person_record()),
        Err(ConnectError::Data(_))
    ));
    let mut t = converter(Target::Value, &[("field", "id"), ("target.type", "unix")]);
    assert!(matches!(
        t.apply(person_record()),
        Err(ConnectError::Other(_))
    ));
    let out = apply(&mut t, record(Some(person_schema()), Value::Null));
    assert_eq!(out.value, Value::Null);
    assert_eq!(
        out.value_schema.unwrap().field("id").unwrap().schema,
        Schema::int64()
    );
    let mut t = converter(Target::Value, &[("target.type", "unix")]);
    let err = t.apply(record(None, Value::Int32(1))).unwrap_err();
    assert!(
        err.to_string()
            .contains("does not support class java.lang.Integer"),
        "{err}"
    );
    let mut t = converter(Target::Value, &[("target.type", "Timestamp")]);
    let err = t.apply(record(None, Value::from("2024"))).unwrap_err();
    assert!(err.to_string().contains("requires format"), "{err}");
}

#[test]
fn configuration_errors_name_their_key() {
    let check = |pairs: &[(&str, &str)], key: &str| {
        let err = TimestampConverter::new(Target::Value)
            .configure(&config_map(pairs))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some(key), "{pairs:?}");
    };
    check(&[("field", "ts")], "target.type");
    check(&[("target.type", "timestamp")], "target.type");
    check(&[("target.type", "string")], "format");
    check(&[("target.type", "unix"), ("format", "yyyy-bb")], "format");
    check(
        &[("target.type", "unix"), ("unix.precision", "hours")],
        "unix.precision",
    );
}
