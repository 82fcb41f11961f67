//! Bad input is reported as a `DataException` (never a panic) that says what is wrong and,
//! inside structs, arrays and maps, where.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use kconnect_api::plugin::Converter;
use kconnect_api::schema::logical;
use kconnect_api::{config_map, ConnectError, Decimal, Schema, SchemaBuilder, Struct, Value};
use kconnect_json::{JsonConverter, ENVELOPE_ERROR};

fn converter(pairs: &[(&str, &str)]) -> JsonConverter {
    let props = config_map(pairs);
    let mut c = JsonConverter::new();
    Converter::configure(&mut c, &props, false).unwrap();
    c
}

/// The `DataException` message for reading `input` with schemas enabled.
fn read_error(input: &str) -> String {
    read_error_with(&mut JsonConverter::new(), input.as_bytes())
}

fn read_error_with(c: &mut JsonConverter, input: &[u8]) -> String {
    match c.deserialize("t", Some(input)) {
        Err(ConnectError::Data(msg)) => msg,
        other => panic!("expected a DataException for {input:?}, got {other:?}"),
    }
}

fn envelope(schema: &str, payload: &str) -> String {
    format!(r#"{{"schema":{schema},"payload":{payload}}}"#)
}

#[test]
fn invalid_json_is_a_serialization_error() {
    for bad in [
        "{\"schema\":",
        "{\"schema\":null,\"payload\":[1,2}",
        "{\"schema\":null \"payload\":1}",
        "{'schema':null}",
        "{\"schema\":null,\"payload\":NaN}",
        "{\"schema\":null,\"payload\":\"a\u{1}b\"}",
        "{\"schema\":null,\"payload\":\"\\x\"}",
        "{\"schema\":null,\"payload\":01.}",
    ] {
        let msg = read_error(bad);
        assert!(
            msg.starts_with(
                "Converting byte[] to Kafka Connect data failed due to serialization error: "
            ),
            "{bad}: {msg}"
        );
        assert!(msg.contains("at byte offset"), "{bad}: {msg}");
    }
    let msg = read_error_with(
        &mut JsonConverter::new(),
        b"{\"schema\":null,\"payload\":\"\xff\"}",
    );
    assert!(msg.contains("Invalid UTF-8"), "{msg}");
}

#[test]
fn envelope_must_have_exactly_schema_and_payload() {
    for bad in [
        "{\"payload\":1}",
        "{\"schema\":null}",
        "{\"schema\":null,\"payload\":1,\"extra\":2}",
        "{}",
        "[1,2]",
        "42",
        "",
        "   ",
    ] {
        assert_eq!(read_error(bad), ENVELOPE_ERROR, "{bad}");
    }
    assert!(ENVELOPE_ERROR.starts_with(
        "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may \
         not contain additional fields. If you are trying to deserialize plain JSON data, set \
         schemas.enable=false in your converter configuration."
    ));
    // The envelope check comes before schema and payload errors, as in Java.
    let msg = read_error(r#"{"schema":{"type":"nope"},"payload":1,"x":0}"#);
    assert_eq!(msg, ENVELOPE_ERROR);
}

#[test]
fn bad_schemas_say_what_is_wrong() {
    let cases = [
        (
            r#"{"type":"nope","optional":false}"#,
            "Unknown schema type: nope",
        ),
        (r#"{"optional":false}"#, "Schema must contain 'type' field"),
        (r#"{"type":5}"#, "Schema must contain 'type' field"),
        ("5", "Schema must contain 'type' field"),
        (
            r#"{"type":"string","parameters":{"a":1}}"#,
            "Schema parameters must have string values.",
        ),
        (
            r#"{"type":"array"}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"array","items":null}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"map","values":{"type":"string"}}"#,
            "Map schema did not specify the key type",
        ),
        (
            r#"{"type":"map","keys":{"type":"string"}}"#,
            "Map schema did not specify the value type",
        ),
        (
            r#"{"type":"struct"}"#,
            "Struct schema's \"fields\" argument is not an array.",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int32"}]}"#,
            "Struct schema's field name not specified properly",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int32","field":"a"},{"type":"int8","field":"a"}]}"#,
            "Cannot create field because of field name duplication a",
        ),
        (
            r#"{"type":"int32","optional":false,"default":null}"#,
            "Invalid default value: Invalid null value for required INT32 field",
        ),
        (
            r#"{"type":"int32","default":"x"}"#,
            "Invalid default value: Expected a JSON number",
        ),
    ];
    for (schema, expected) in cases {
        let msg = read_error(&envelope(schema, "null"));
        assert!(msg.starts_with(expected), "{schema}: {msg}");
    }
    let nested = r#"{"type":"struct","fields":[{"type":"struct","field":"inner","fields":[
        {"type":"array","field":"tags","items":{"type":"bogus"}}]}]}"#;
    assert_eq!(
        read_error(&envelope(nested, "null")),
        "Unknown schema type: bogus in schema of field: \"inner.tags[items]\""
    );
}

const PERSON: &str = r#"{"type":"struct","fields":[
    {"type":"int32","optional":false,"field":"id"},
    {"type":"struct","optional":true,"field":"inner","fields":[
        {"type":"array","items":{"type":"string","optional":false},"optional":false,"field":"tags"},
        {"type":"map","keys":{"type":"string"},"values":{"type":"boolean"},"optional":true,"field":"flags"}
    ]}],"optional":false}"#;

#[test]
fn payload_mismatches_name_the_field_path() {
    let cases = [
        (
            r#"{"id":"abc"}"#,
            "Expected a JSON number for schema type INT32 but found STRING for field: \"id\"",
        ),
        (r#"{}"#, "Invalid null value for required INT32 field for field: \"id\""),
        (
            r#"{"id":1,"inner":{"tags":["a",2]}}"#,
            "Expected a JSON string for schema type STRING but found NUMBER for field: \"inner.tags[1]\"",
        ),
        (
            r#"{"id":1,"inner":{"tags":[],"flags":{"x":1}}}"#,
            "Expected a JSON boolean for schema type BOOLEAN but found NUMBER for field: \"inner.flags[x]\"",
        ),
        (
            r#"{"id":1,"inner":{"tags":{}}}"#,
            "Arrays should be encoded as JSON arrays, but found OBJECT for field: \"inner.tags\"",
        ),
        (
            r#"{"id":1,"inner":{"tags":[],"flags":[1]}}"#,
            "Maps with string fields should be encoded as JSON objects, but found ARRAY for field: \"inner.flags\"",
        ),
        (r#"[1]"#, "Structs should be encoded as JSON objects, but found ARRAY"),
        (r#"null"#, "Invalid null value for required STRUCT field"),
    ];
    for (payload, expected) in cases {
        assert_eq!(
            read_error(&envelope(PERSON, payload)),
            expected,
            "{payload}"
        );
    }
}

#[test]
fn map_tuples_and_logical_types_are_checked() {
    let int_map = r#"{"type":"map","keys":{"type":"int32"},"values":{"type":"string"}}"#;
    let cases = [
        (int_map, r#"{"a":"b"}"#, "Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT"),
        (int_map, r#"[5]"#, "Found invalid map entry instead of array tuple: NUMBER for field: \"[0]\""),
        (int_map, r#"[[1,"a",3]]"#, "Found invalid map entry, expected length 2 but found :3 for field: \"[0]\""),
        (int_map, r#"[[1]]"#, "Found invalid map entry, expected length 2 but found :1 for field: \"[0]\""),
        (r#"{"type":"bytes"}"#, r#""!!""#, "Invalid bytes field: "),
        (r#"{"type":"bytes"}"#, r#""QQ""#, "Invalid bytes field: "),
        (
            r#"{"type":"int32","name":"org.apache.kafka.connect.data.Date"}"#,
            r#""2020-01-01""#,
            "Invalid type for Date, underlying representation should be integer but was STRING",
        ),
        (
            r#"{"type":"int32","name":"org.apache.kafka.connect.data.Date"}"#,
            "1.5",
            "Invalid type for Date, underlying representation should be integer but was NUMBER",
        ),
        (
            r#"{"type":"int32","name":"org.apache.kafka.connect.data.Time"}"#,
            "86400001",
            "Time values must use number of milliseconds greater than 0 and less than 86400000",
        ),
        (
            r#"{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp"}"#,
            "1.0",
            "Invalid type for Timestamp, underlying representation should be integral but was NUMBER",
        ),
        (
            r#"{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"}}"#,
            "true",
            "Invalid type for Decimal, underlying representation should be numeric or bytes but was BOOLEAN",
        ),
        (r#"{"type":"int64"}"#, "1e30", "Numeric value (1e30) out of range"),
        (r#"{"type":"double"}"#, r#""fast""#, "Expected a JSON number for schema type FLOAT64 but found STRING"),
    ];
    for (schema, payload, expected) in cases {
        let msg = read_error(&envelope(schema, payload));
        assert!(msg.starts_with(expected), "{schema} {payload}: {msg}");
    }
}

#[test]
fn deep_nesting_and_garbage_do_not_panic() {
    let deep = "[".repeat(100_000);
    let msg = read_error_with(
        &mut converter(&[("schemas.enable", "false")]),
        deep.as_bytes(),
    );
    assert!(msg.contains("nesting depth"), "{msg}");
    let deep_envelope = format!(
        "{{\"schema\":null,\"payload\":{}}}",
        "{\"a\":".repeat(50_000)
    );
    assert!(read_error(&deep_envelope).contains("nesting depth"));
    for garbage in [
        &b"\xff\xfe"[..],
        b"{\"schema\"",
        b"\"\\u12",
        b"-",
        b"tru",
        b"{\"a\":}",
    ] {
        for enable in ["true", "false"] {
            let mut c = converter(&[("schemas.enable", enable)]);
            assert!(c.deserialize("t", Some(garbage)).is_err(), "{garbage:?}");
        }
    }
}

#[test]
fn serialization_errors_name_the_field() {
    let mut c = JsonConverter::new();
    let err = c
        .serialize("t", Some(&Schema::int32()), &Value::Null)
        .unwrap_err();
    assert_eq!(
        err,
        ConnectError::Data(
            "Conversion error: null value for field that is required and has no default value"
                .into()
        )
    );
    let err = c
        .serialize("t", Some(&Schema::int32()), &Value::String("x".into()))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for INT32: class java.lang.String"
    );

    let inner = SchemaBuilder::struct_()
        .field("n", Schema::int64())
        .build()
        .unwrap();
    let outer = SchemaBuilder::struct_()
        .field(
            "items",
            SchemaBuilder::array(inner.clone()).build().unwrap(),
        )
        .build()
        .unwrap();
    let mut bad_item = Struct::new(inner.clone()).unwrap();
    bad_item.put_unchecked(0, Value::Int32(1));
    let mut value = Struct::new(outer.clone()).unwrap();
    value.put_unchecked(0, Value::Array(vec![Value::Struct(bad_item)]));
    let err = c
        .serialize("t", Some(&outer), &Value::Struct(value))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for INT64: class java.lang.Integer for field: \"items[0].n\""
    );

    let other = SchemaBuilder::struct_()
        .field("x", Schema::int8())
        .build()
        .unwrap();
    let s = Struct::new(other).unwrap();
    let err = c
        .serialize("t", Some(&inner), &Value::Struct(s.clone()))
        .unwrap_err();
    assert_eq!(err.to_string(), "Mismatching schema.");
    let err = c.serialize("t", None, &Value::Struct(s)).unwrap_err();
    assert_eq!(err.to_string(), "Mismatching schema.");

    let err = c
        .serialize("t", None, &Value::Decimal(Decimal::new(1, 0)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Java class class java.math.BigDecimal does not have corresponding schema type."
    );
    let decimal = logical::decimal_schema(2);
    let err = c
        .serialize("t", Some(&decimal), &Value::Decimal(Decimal::new(1, 3)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "BigDecimal has mismatching scale value for given Decimal schema"
    );
    let date = Arc::new(logical::date_builder().into_schema());
    let err = c.serialize("t", Some(&date), &Value::Int32(1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for Date, expected Date but was class java.lang.Integer"
    );
    let err = c
        .serialize("t", Some(&date), &Value::Instant(1))
        .unwrap_err();
    assert!(err.to_string().contains("should not have any time fields"));
}
