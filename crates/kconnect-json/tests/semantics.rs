//! Java behaviours beyond the golden vectors: null handling, defaults, decimals, floats,
//! schemaless inference, map ordering, caches, configuration and the header converter.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use kconnect_api::plugin::{Converter, HeaderConverter};
use kconnect_api::schema::logical;
use kconnect_api::{
    config_map, ConfigMap, ConnectError, Decimal, Schema, SchemaAndValue, SchemaBuilder,
    SchemaType, Struct, Value,
};
use kconnect_json::{config_def, DecimalFormat, JsonConverter};

fn converter(pairs: &[(&str, &str)]) -> JsonConverter {
    let props = config_map(pairs);
    let mut c = JsonConverter::new();
    Converter::configure(&mut c, &props, false).unwrap();
    c
}

fn plain() -> JsonConverter {
    converter(&[("schemas.enable", "false")])
}

fn write(c: &mut JsonConverter, schema: Option<&kconnect_api::SchemaRef>, v: Value) -> String {
    let bytes = c.serialize("t", schema, &v).unwrap().expect("bytes");
    String::from_utf8(bytes).unwrap()
}

fn read(c: &mut JsonConverter, text: &str) -> SchemaAndValue {
    c.deserialize("t", Some(text.as_bytes())).unwrap()
}

#[test]
fn nulls_tombstones_and_defaults() {
    let mut c = JsonConverter::new();
    assert_eq!(c.serialize("t", None, &Value::Null).unwrap(), None);
    assert_eq!(plain().serialize("t", None, &Value::Null).unwrap(), None);
    assert_eq!(c.deserialize("t", None).unwrap(), SchemaAndValue::null());
    // An optional schema with a null value is not a tombstone.
    assert_eq!(
        write(&mut plain(), Some(&Schema::optional_string()), Value::Null),
        "null"
    );
    assert_eq!(
        write(&mut c, None, Value::Int32(5)),
        r#"{"schema":null,"payload":5}"#
    );
    let with_default = SchemaBuilder::new(SchemaType::Int32)
        .optional()
        .default_value(Value::Int32(7))
        .build()
        .unwrap();
    assert_eq!(write(&mut plain(), Some(&with_default), Value::Null), "7");
    let mut keep_null = converter(&[
        ("schemas.enable", "false"),
        ("replace.null.with.default", "false"),
    ]);
    assert_eq!(
        write(&mut keep_null, Some(&with_default), Value::Null),
        "null"
    );
    let env = r#"{"schema":{"type":"int32","optional":true,"default":7},"payload":null}"#;
    assert_eq!(read(&mut c, env).value, Value::Int32(7));
    let mut keep_null = converter(&[("replace.null.with.default", "false")]);
    assert_eq!(read(&mut keep_null, env).value, Value::Null);
    // Empty input without envelope: Jackson's missing node, read as null.
    assert_eq!(
        plain().deserialize("t", Some(b"")).unwrap(),
        SchemaAndValue::null()
    );
}

#[test]
fn decimals_base64_and_numeric() {
    let schema = logical::decimal_schema(2);
    let value = Value::Decimal(Decimal::new(12345, 2));
    assert_eq!(
        write(&mut plain(), Some(&schema), value.clone()),
        r#""MDk=""#
    );
    let mut numeric = converter(&[("schemas.enable", "false"), ("decimal.format", "numeric")]);
    assert_eq!(numeric.config().decimal_format, DecimalFormat::Numeric);
    assert_eq!(write(&mut numeric, Some(&schema), value), "123.45");
    let cases = [
        (Decimal::new(300, 2), "3"),
        (Decimal::new(0, 2), "0"),
        (Decimal::new(120000, 2), "1.2E+3"),
    ];
    for (d, text) in cases {
        assert_eq!(write(&mut numeric, Some(&schema), Value::Decimal(d)), text);
    }
    // Reading accepts both forms whatever the format, and restores the schema's scale.
    let env = |payload: &str| {
        format!(
            r#"{{"schema":{{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{{"scale":"2"}}}},"payload":{payload}}}"#
        )
    };
    let mut c = JsonConverter::new();
    for payload in ["3", "3.00", "3.0", "0.03E2", "\"ASw=\""] {
        assert_eq!(
            read(&mut c, &env(payload)).value,
            Value::Decimal(Decimal::new(300, 2)),
            "{payload}"
        );
    }
    // Digits beyond the scale are kept as written (Java keeps the number's own scale).
    assert_eq!(
        read(&mut c, &env("1.234")).value,
        Value::Decimal(Decimal::new(1234, 3))
    );
    // A decimal default is written in the configured format.
    let with_default = logical::decimal_builder(1)
        .default_value(Value::Decimal(Decimal::new(15, 1)))
        .into_schema();
    let with_default = Arc::new(with_default);
    let mut numeric_env = converter(&[("decimal.format", "NUMERIC")]);
    assert!(write(&mut numeric_env, Some(&with_default), Value::Null)
        .ends_with(r#""parameters":{"scale":"1"},"default":1.5},"payload":1.5}"#));
}

#[test]
fn floats_follow_java_and_jackson() {
    let mut c = plain();
    assert_eq!(
        write(&mut c, Some(&Schema::float32()), Value::Float32(0.1)),
        "0.1"
    );
    assert_eq!(
        write(&mut c, Some(&Schema::float64()), Value::Float64(1e21)),
        "1.0E21"
    );
    assert_eq!(
        write(&mut c, Some(&Schema::float64()), Value::Float64(1e-5)),
        "1.0E-5"
    );
    assert_eq!(
        write(&mut c, Some(&Schema::float64()), Value::Float64(f64::NAN)),
        "\"NaN\""
    );
    assert_eq!(
        write(
            &mut c,
            Some(&Schema::float64()),
            Value::Float64(f64::NEG_INFINITY)
        ),
        "\"-Infinity\""
    );
    let nan = read(
        &mut JsonConverter::new(),
        r#"{"schema":{"type":"double"},"payload":"NaN"}"#,
    );
    assert!(matches!(nan.value, Value::Float64(f) if f.is_nan()));
    let f = read(
        &mut JsonConverter::new(),
        r#"{"schema":{"type":"float"},"payload":16777217}"#,
    );
    assert_eq!(f.value, Value::Float32(16_777_216.0));
}

#[test]
fn schemaless_inference() {
    let mut c = plain();
    assert_eq!(read(&mut c, "42").value, Value::Int64(42));
    assert_eq!(read(&mut c, "007").value, Value::Int64(7));
    assert_eq!(read(&mut c, "1.0").value, Value::Float64(1.0));
    let one = read(&mut c, "1.0").value;
    assert_eq!(write(&mut c, None, one), "1.0");
    assert_eq!(read(&mut c, "1e2").value, Value::Float64(100.0));
    // Integers beyond 64 bits keep their low 64 bits, as Java's longValue() does.
    assert_eq!(read(&mut c, "18446744073709551617").value, Value::Int64(1));
    assert_eq!(
        read(&mut c, "\"\\ud83d\\ude00\"").value,
        Value::String("\u{1F600}".into())
    );
    assert_eq!(
        read(&mut c, "\"\\ud83d\"").value,
        Value::String("\u{FFFD}".into())
    );
    // Jackson ignores what follows the first value.
    assert_eq!(read(&mut c, "1 2").value, Value::Int64(1));
    let map = read(&mut c, r#"{"name":1,"id":2,"b":3,"a":4,"b":5}"#).value;
    assert_eq!(write(&mut c, None, map), r#"{"a":4,"b":5,"name":1,"id":2}"#);
    let mixed = Value::Map(vec![
        (Value::Int32(1), Value::Null),
        (Value::String("x".into()), Value::Boolean(true)),
    ]);
    assert_eq!(write(&mut c, None, mixed), r#"[[1,null],["x",true]]"#);
    // A repeated key is written once, where it first appears, with its last value.
    let s = |v: &str| Value::String(v.into());
    let repeated = Value::Map(vec![(s("a"), s("1")), (s("b"), s("2")), (s("a"), s("3"))]);
    assert_eq!(write(&mut c, None, repeated), r#"{"a":"3","b":"2"}"#);
    let many: Vec<(Value, Value)> = (0..40)
        .map(|i| (s(&(i % 20).to_string()), Value::Int64(i)))
        .collect();
    let text = write(&mut c, None, Value::Map(many));
    assert!(
        text.starts_with(r#"{"0":20,"1":21,"#) && text.ends_with(r#""19":39}"#),
        "{text}"
    );
    assert_eq!(
        write(&mut c, None, Value::Bytes(vec![104, 105])),
        r#""aGk=""#
    );
}

#[test]
fn typed_reading_follows_java_casts() {
    let mut c = JsonConverter::new();
    let env = |t: &str, p: &str| format!(r#"{{"schema":{{"type":"{t}"}},"payload":{p}}}"#);
    assert_eq!(read(&mut c, &env("int8", "300")).value, Value::Int8(44));
    assert_eq!(read(&mut c, &env("int32", "3.9")).value, Value::Int32(3));
    assert_eq!(
        read(&mut c, &env("int64", "-2.5e1")).value,
        Value::Int64(-25)
    );
    assert_eq!(read(&mut c, &env("double", "1")).value, Value::Float64(1.0));
    // Payload before schema, and a repeated key (the last one wins, as in Jackson).
    let swapped = r#"{"payload":[[1,"a"]],"schema":{"type":"map","keys":{"type":"int8"},"values":{"type":"string"}}}"#;
    assert_eq!(
        read(&mut c, swapped).value,
        Value::Map(vec![(Value::Int8(1), Value::String("a".into()))])
    );
    let repeated = r#"{"schema":{"type":"string"},"payload":5,"schema":{"type":"int16"}}"#;
    assert_eq!(read(&mut c, repeated).value, Value::Int16(5));
    // Unknown struct members are ignored, missing optional ones are null.
    let s = read(
        &mut c,
        r#"{"schema":{"type":"struct","fields":[{"type":"int8","optional":true,"field":"a"}]},"payload":{"zz":[1,{}]}}"#,
    );
    assert_eq!(s.value.as_struct().unwrap().values(), &[Value::Null]);
}

#[test]
fn schemas_are_cached_and_shared() {
    let mut c = JsonConverter::new();
    let text = r#"{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"x"}],"optional":false},"payload":{"x":1}}"#;
    let a = read(&mut c, text);
    let b = read(&mut c, text);
    let (sa, sb) = (a.schema.unwrap(), b.schema.unwrap());
    assert!(Arc::ptr_eq(&sa, &sb));
    assert!(Arc::ptr_eq(a.value.as_struct().unwrap().schema(), &sa));
    // Writing the value back reproduces the input byte for byte.
    assert_eq!(write(&mut c, Some(&sa), b.value), text);
    assert_eq!(
        String::from_utf8(c.as_json_schema(&sa).unwrap()).unwrap(),
        r#"{"type":"struct","fields":[{"type":"int64","optional":false,"field":"x"}],"optional":false}"#
    );
    let parsed = c
        .as_connect_schema(br#"{"type":"int8","optional":true}"#)
        .unwrap()
        .unwrap();
    assert_eq!(*parsed, *Schema::optional_int8());
    assert_eq!(c.as_connect_schema(b" null ").unwrap(), None);
    assert!(c.as_connect_schema(br#"{"type":"int8"} x"#).is_err());
    // An empty "parameters" object leaves the parameters unset, as in Java.
    let empty = c
        .as_connect_schema(br#"{"type":"string","parameters":{}}"#)
        .unwrap()
        .unwrap();
    assert_eq!(empty.parameters, None);
    // A zero-size cache still works.
    let mut uncached = converter(&[("schemas.cache.size", "0")]);
    assert_eq!(read(&mut uncached, text).value, read(&mut c, text).value);
}

#[test]
fn struct_defaults_and_logical_schema_json() {
    // A struct default's own schema is the struct schema without the default.
    let inner = SchemaBuilder::struct_()
        .field("x", Schema::int32())
        .optional()
        .build()
        .unwrap();
    let mut default = Struct::new(inner.clone()).unwrap();
    default.put("x", 9).unwrap();
    let mut with_default = SchemaBuilder::from_schema(&inner).into_schema();
    with_default.default_value = Some(Value::Struct(default));
    let with_default = Arc::new(with_default);
    let mut c = JsonConverter::new();
    let text = write(&mut c, Some(&with_default), Value::Null);
    assert_eq!(
        text,
        r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"x"}],"optional":true,"default":{"x":9}},"payload":{"x":9}}"#
    );
    let back = read(&mut c, &text);
    assert_eq!(write(&mut c, back.schema.as_ref(), back.value), text);

    let time = Arc::new(logical::time_builder().into_schema());
    let ts = Arc::new(logical::timestamp_builder().optional().into_schema());
    assert_eq!(
        write(&mut plain(), Some(&time), Value::Instant(3_723_000)),
        "3723000"
    );
    assert_eq!(write(&mut plain(), Some(&ts), Value::Instant(-5)), "-5");
}

#[test]
fn configuration_and_header_converter() {
    let mut c = JsonConverter::new();
    Converter::configure(&mut c, &ConfigMap::new(), true).unwrap();
    assert_eq!(c.config().converter_type.as_deref(), Some("key"));
    let bad = [
        ("decimal.format", "HEX"),
        ("schemas.enable", "maybe"),
        ("schemas.cache.size", "lots"),
        ("replace.null.with.default", "1"),
        ("converter.type", "both"),
    ];
    for (key, value) in bad {
        let props = config_map(&[(key, value)]);
        match HeaderConverter::configure(&mut c, &props) {
            Err(ConnectError::Config(e)) => {
                assert_eq!(e.key.as_deref(), Some(key));
                assert_eq!(e.value.as_deref(), Some(value));
                assert!(!e.reason.is_empty());
            }
            other => panic!("{key}={value}: {other:?}"),
        }
    }
    let names: Vec<String> = config_def().keys().map(|k| k.name.clone()).collect();
    assert_eq!(
        names,
        [
            "schemas.enable",
            "schemas.cache.size",
            "decimal.format",
            "replace.null.with.default",
            "converter.type"
        ]
    );
    let mut h = JsonConverter::new();
    let props = config_map(&[("converter.type", "header")]);
    HeaderConverter::configure(&mut h, &props).unwrap();
    let bytes = h
        .serialize_header(
            "t",
            "k",
            Some(&Schema::string()),
            &Value::String("v".into()),
        )
        .unwrap();
    assert_eq!(
        bytes.as_deref(),
        Some(&br#"{"schema":{"type":"string","optional":false},"payload":"v"}"#[..])
    );
    let back = h.deserialize_header("t", "k", bytes.as_deref()).unwrap();
    assert_eq!(back.value, Value::String("v".into()));
    assert_eq!(HeaderConverter::config_def(&h).keys().count(), 5);
}
