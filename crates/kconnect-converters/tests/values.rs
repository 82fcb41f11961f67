//! `Values.parseString` and `Values.convertToString` behaviour, checked against what Java's
//! implementation produces.

#![allow(clippy::unwrap_used)]

use kconnect_api::schema::logical::{
    DATE_NAME, DECIMAL_NAME, MILLIS_PER_DAY, TIMESTAMP_NAME, TIME_NAME,
};
use kconnect_api::value::SchemaAndValue;
use kconnect_api::{Decimal, Schema, SchemaBuilder, SchemaType, Struct, Value};
use kconnect_converters::values::{convert_to, convert_to_string, parse_string};
use proptest::prelude::*;

fn parse(text: &str) -> SchemaAndValue {
    parse_string(text).unwrap()
}

fn typed(text: &str) -> (SchemaType, Value) {
    let sv = parse(text);
    (sv.schema.expect("a schema").schema_type, sv.value)
}

fn string(text: &str) -> (SchemaType, Value) {
    (SchemaType::String, Value::from(text))
}

fn array(items: Vec<Value>) -> Value {
    Value::Array(items)
}

#[test]
fn scalars() {
    assert_eq!(typed("42"), (SchemaType::Int8, Value::Int8(42)));
    assert_eq!(typed(" 42 "), (SchemaType::Int8, Value::Int8(42)));
    assert_eq!(typed("-128"), (SchemaType::Int8, Value::Int8(-128)));
    assert_eq!(typed("300"), (SchemaType::Int16, Value::Int16(300)));
    assert_eq!(typed("70000"), (SchemaType::Int32, Value::Int32(70_000)));
    assert_eq!(
        typed("5000000000"),
        (SchemaType::Int64, Value::Int64(5_000_000_000))
    );
    assert_eq!(typed("+7"), (SchemaType::Int8, Value::Int8(7)));
    assert_eq!(typed("1.0"), (SchemaType::Int8, Value::Int8(1)));
    assert_eq!(typed("3.5"), (SchemaType::Float32, Value::Float32(3.5)));
    assert_eq!(typed("-0.25"), (SchemaType::Float32, Value::Float32(-0.25)));
    assert_eq!(typed("1e300"), (SchemaType::Float64, Value::Float64(1e300)));
    assert_eq!(typed("true"), (SchemaType::Boolean, Value::Boolean(true)));
    assert_eq!(typed("false"), (SchemaType::Boolean, Value::Boolean(false)));
    assert_eq!(parse("null"), SchemaAndValue::null());
}

#[test]
fn big_numbers_become_decimals() {
    let sv = parse("9223372036854775808");
    let schema = sv.schema.unwrap();
    assert!(schema.is_named(DECIMAL_NAME));
    assert_eq!(schema.parameter("scale"), Some("0"));
    assert_eq!(
        sv.value,
        Value::Decimal("9223372036854775808".parse().unwrap())
    );
}

#[test]
fn strings() {
    assert_eq!(typed(""), string(""));
    assert_eq!(typed("   "), string("   "));
    assert_eq!(typed("hello world"), string("hello world"));
    assert_eq!(typed("true}"), string("true}"));
    assert_eq!(typed("nullable"), string("nullable"));
    assert_eq!(typed("12abc"), string("12abc"));
    assert_eq!(typed("-"), string("-"));
    assert_eq!(typed("[1,2"), string("[1,2"));
    assert_eq!(typed("[a, b]"), string("[a, b]"));
    assert_eq!(typed("{null:1}"), string("{null:1}"));
    assert_eq!(typed("{\"a\" 1}"), string("{\"a\" 1}"));
    assert_eq!(typed("[,]"), string("[,]"));
    // Strings are required-schema strings.
    assert_eq!(parse("x").schema, Some(Schema::string()));
}

#[test]
fn arrays() {
    let sv = parse("[1,2]");
    let schema = sv.schema.unwrap();
    assert_eq!(schema.schema_type, SchemaType::Array);
    assert_eq!(schema.value_schema, Some(Schema::int8()));
    assert_eq!(sv.value, array(vec![Value::Int8(1), Value::Int8(2)]));

    let sv = parse("[1, 300]");
    assert_eq!(sv.schema.unwrap().value_schema, Some(Schema::int16()));
    assert_eq!(sv.value, array(vec![Value::Int16(1), Value::Int16(300)]));

    let sv = parse("[1, 2.5]");
    assert_eq!(sv.schema.unwrap().value_schema, Some(Schema::float32()));
    assert_eq!(
        sv.value,
        array(vec![Value::Float32(1.0), Value::Float32(2.5)])
    );

    let sv = parse("[\"a\", \"b c\"]");
    assert_eq!(sv.schema.unwrap().value_schema, Some(Schema::string()));
    assert_eq!(sv.value, array(vec![Value::from("a"), Value::from("b c")]));

    // A trailing comma is tolerated.
    assert_eq!(parse("[true,]").value, array(vec![Value::Boolean(true)]));

    let sv = parse("[[1,2],[3]]");
    let inner = sv.schema.unwrap().value_schema.clone().unwrap();
    assert_eq!(inner.schema_type, SchemaType::Array);
    assert_eq!(inner.value_schema, Some(Schema::int8()));
}

#[test]
fn arrays_without_a_common_schema() {
    let sv = parse("[1, \"a\"]");
    let schema = sv.schema.unwrap();
    assert_eq!(schema.schema_type, SchemaType::Array);
    assert_eq!(schema.value_schema, None);
    assert_eq!(sv.value, array(vec![Value::Int8(1), Value::from("a")]));

    let sv = parse("[]");
    assert_eq!(sv.schema.unwrap().value_schema, None);
    assert_eq!(sv.value, array(vec![]));

    let sv = parse("[null]");
    assert_eq!(sv.schema.unwrap().value_schema, None);
    assert_eq!(sv.value, array(vec![Value::Null]));

    // Elements get a required schema, so a null among typed elements makes it a string.
    assert_eq!(typed("[1, null]"), string("[1, null]"));
    assert_eq!(typed("[null, 1]"), string("[null, 1]"));
}

#[test]
fn maps() {
    let sv = parse("{\"a\":1}");
    let schema = sv.schema.unwrap();
    assert_eq!(schema.schema_type, SchemaType::Map);
    assert_eq!(schema.key_schema, Some(Schema::string()));
    assert_eq!(schema.value_schema, Some(Schema::int8()));
    assert_eq!(
        sv.value,
        Value::Map(vec![(Value::from("a"), Value::Int8(1))])
    );

    let sv = parse("{1:true, 1000:false}");
    let schema = sv.schema.unwrap();
    assert_eq!(schema.key_schema, Some(Schema::int16()));
    assert_eq!(schema.value_schema, Some(Schema::boolean()));
    let expected = vec![
        (Value::Int16(1), Value::Boolean(true)),
        (Value::Int16(1000), Value::Boolean(false)),
    ];
    assert_eq!(sv.value, Value::Map(expected));

    // Values without a common schema keep their own types; so do null values.
    let sv = parse("{\"a\":1,\"b\":\"x\",\"c\":null}");
    let schema = sv.schema.unwrap();
    assert_eq!(schema.key_schema, Some(Schema::string()));
    assert_eq!(schema.value_schema, None);
    let expected = vec![
        (Value::from("a"), Value::Int8(1)),
        (Value::from("b"), Value::from("x")),
        (Value::from("c"), Value::Null),
    ];
    assert_eq!(sv.value, Value::Map(expected));

    let sv = parse("{}");
    let schema = sv.schema.unwrap();
    assert_eq!(
        (schema.key_schema.clone(), schema.value_schema.clone()),
        (None, None)
    );

    // A repeated key keeps its first position and its last value.
    let sv = parse("{\"k\":1,\"j\":2,\"k\":3}");
    let expected = vec![
        (Value::from("k"), Value::Int8(3)),
        (Value::from("j"), Value::Int8(2)),
    ];
    assert_eq!(sv.value, Value::Map(expected));
}

#[test]
fn temporal_values() {
    let day = 19_724;
    let cases = [
        ("2024-01-02", DATE_NAME, day * MILLIS_PER_DAY),
        ("12:34:56.789Z", TIME_NAME, 45_296_789),
        (
            "2024-01-02T12:34:56.789Z",
            TIMESTAMP_NAME,
            day * MILLIS_PER_DAY + 45_296_789,
        ),
        // Lenient like SimpleDateFormat: month 13 rolls into the next year.
        ("2024-13-01", DATE_NAME, 20_089 * MILLIS_PER_DAY),
    ];
    for (text, name, millis) in cases {
        let sv = parse(text);
        let schema = sv.schema.unwrap();
        assert!(schema.is_named(name), "{text}: {schema}");
        assert_eq!(schema.version, Some(1));
        assert_eq!(sv.value, Value::Instant(millis), "{text}");
    }
    assert_eq!(
        typed("2024-01-0"),
        (SchemaType::String, Value::from("2024-01-0"))
    );
    assert_eq!(typed("2024/01/02"), string("2024/01/02"));
}

#[test]
fn temporal_values_inside_containers() {
    let sv = parse("[2024-01-02, \"2024-01-03\"]");
    assert!(sv
        .schema
        .unwrap()
        .value_schema
        .clone()
        .unwrap()
        .is_named(DATE_NAME));
    let days = |d: i64| Value::Instant(d * MILLIS_PER_DAY);
    assert_eq!(sv.value, array(vec![days(19_724), days(19_725)]));
    let sv = parse("[12:34:56.789Z]");
    assert!(sv
        .schema
        .unwrap()
        .value_schema
        .clone()
        .unwrap()
        .is_named(TIME_NAME));
    assert_eq!(sv.value, array(vec![Value::Instant(45_296_789)]));
    let sv = parse("{\"at\":2024-01-02T00:00:00.001Z}");
    let value_schema = sv.schema.unwrap().value_schema.clone().unwrap();
    assert!(value_schema.is_named(TIMESTAMP_NAME));
}

#[test]
fn java_quirks_are_kept() {
    // Only the first token of a top-level number is read.
    assert_eq!(typed("1,2"), (SchemaType::Int8, Value::Int8(1)));
    // Escapes inside quoted strings are not undone.
    let sv = parse(r#"["a\"b"]"#);
    assert_eq!(sv.value, array(vec![Value::from(r#"a\"b"#)]));
    // Blank text before a failed array is all that is returned.
    assert_eq!(typed(" [a]"), string(" "));
}

#[test]
fn convert_to_string_forms() {
    let text = |v: &Value| convert_to_string(None, v).unwrap();
    assert_eq!(convert_to_string(None, &Value::Null), None);
    assert_eq!(text(&Value::from("top level \"raw\"")), "top level \"raw\"");
    assert_eq!(text(&Value::Float32(0.1)), "0.1");
    assert_eq!(text(&Value::Float64(1e-5)), "1.0E-5");
    assert_eq!(text(&Value::Decimal(Decimal::new(12345, 2))), "123.45");
    assert_eq!(text(&Value::Bytes(b"hi".to_vec())), "aGk=");
    let nested = array(vec![
        Value::Map(vec![(Value::from("k"), Value::Null)]),
        Value::Bytes(vec![0]),
    ]);
    assert_eq!(text(&nested), r#"[{"k":null},"AA=="]"#);
    let schema = SchemaBuilder::struct_()
        .field("a", Schema::int32())
        .field("b", Schema::optional_string())
        .build()
        .unwrap();
    let mut s = Struct::new(schema).unwrap();
    s.put("a", 1).unwrap();
    assert_eq!(text(&Value::Struct(s)), r#"{"a":1,"b":null}"#);
}

#[test]
fn round_trips_through_text() {
    let values = [
        Value::Int8(5),
        Value::Boolean(false),
        Value::from("some text"),
        array(vec![Value::Int8(1), Value::Int8(2)]),
        Value::Map(vec![(Value::from("x"), Value::Float32(2.5))]),
        Value::Instant(19_724 * MILLIS_PER_DAY),
        Value::Instant(1_000),
        Value::Instant(19_724 * MILLIS_PER_DAY + 7),
    ];
    for value in values {
        let text = convert_to_string(None, &value).unwrap();
        assert_eq!(parse(&text).value, value, "{text}");
    }
}

#[test]
fn convert_to_other_types() {
    let int8 = Schema::int8();
    assert_eq!(
        convert_to(&int8, None, &Value::Int32(300)).unwrap(),
        Value::Int8(44)
    );
    assert_eq!(
        convert_to(&int8, None, &Value::from("12.9")).unwrap(),
        Value::Int8(12)
    );
    assert!(convert_to(&int8, None, &Value::from("x")).is_err());
    assert!(convert_to(&int8, None, &Value::Null).is_err());
    assert_eq!(
        convert_to(&Schema::optional_int8(), None, &Value::Null).unwrap(),
        Value::Null
    );
    let boolean = Schema::boolean();
    assert_eq!(
        convert_to(&boolean, None, &Value::from("true")).unwrap(),
        Value::Boolean(true)
    );
    assert_eq!(
        convert_to(&boolean, None, &Value::Int64(0)).unwrap(),
        Value::Boolean(false)
    );
    let float64 = Schema::float64();
    assert_eq!(
        convert_to(&float64, None, &Value::Float32(0.5)).unwrap(),
        Value::Float64(0.5)
    );
    let string = Schema::string();
    assert_eq!(
        convert_to(&string, None, &Value::Int16(7)).unwrap(),
        Value::from("7")
    );
    let list = SchemaBuilder::array(Schema::int8()).build().unwrap();
    assert_eq!(
        convert_to(&list, None, &Value::from("[1]")).unwrap(),
        array(vec![Value::Int8(1)])
    );
}

proptest! {
    #[test]
    fn integers_parse_to_their_value(v: i64) {
        let sv = parse(&v.to_string());
        prop_assert_eq!(sv.value.as_i64(), Some(v));
    }

    #[test]
    fn parsing_never_panics(text in "[\\[\\]{}:,\"\\\\ a1.eE+\\-tnul0-9TZ]{0,24}") {
        let sv = parse_string(&text).unwrap();
        if let Some(schema) = sv.schema {
            if schema.schema_type == SchemaType::String {
                prop_assert!(matches!(sv.value, Value::String(_)));
            }
        }
    }

    #[test]
    fn plain_words_stay_strings(text in "[a-zA-Z ]{1,20}") {
        prop_assume!(!["true", "false", "null"].contains(&text.trim()));
        prop_assert_eq!(parse(&text).value, Value::from(text.as_str()));
    }
}

#[test]
fn deep_nesting_up_to_the_limit_parses() {
    use kconnect_converters::values::MAX_NESTING;
    let text = "[".repeat(MAX_NESTING) + "1" + &"]".repeat(MAX_NESTING);
    let mut value = parse(&text).value;
    for _ in 0..MAX_NESTING {
        value = match value {
            Value::Array(mut items) if items.len() == 1 => items.remove(0),
            other => panic!("unexpected {other:?}"),
        };
    }
    assert_eq!(value, Value::Int8(1));
    let too_deep = "{\"a\":".repeat(MAX_NESTING + 1) + "1" + &"}".repeat(MAX_NESTING + 1);
    assert!(parse_string(&too_deep).is_err());
}

#[test]
fn large_maps_and_arrays_parse() {
    let n = 20_000;
    let map: Vec<String> = (0..n).map(|i| format!("{i}:\"v{i}\"")).collect();
    let sv = parse(&format!("{{{}}}", map.join(",")));
    assert_eq!(sv.schema.unwrap().key_schema, Some(Schema::int16()));
    assert!(matches!(&sv.value, Value::Map(entries) if entries.len() == n));
    let list: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let sv = parse(&format!("[{}]", list.join(", ")));
    assert!(matches!(&sv.value, Value::Array(items) if items.len() == n));
}
