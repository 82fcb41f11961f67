use super::*;
use crate::test_support::*;
use kconnect_api::ConnectError;

fn cast(target: Target, spec: &str) -> Cast {
    configured(Cast::new(target), &[("spec", spec)])
}

#[test]
fn casts_struct_fields_and_keeps_optionality() {
    let mut t = cast(Target::Value, "id:string,score:int32,ts:float64");
    let out = apply(&mut t, person_record());
    let schema = out.value_schema.clone().unwrap();
    assert_eq!(schema.name.as_deref(), Some("com.example.Person"));
    assert_eq!(schema.field("id").unwrap().schema, Schema::string());
    assert_eq!(
        schema.field("score").unwrap().schema,
        Schema::optional_int32()
    );
    assert_eq!(schema.field("ts").unwrap().schema, Schema::float64());
    let s = as_struct(&out.value);
    assert_eq!(s.get("id").unwrap(), &Value::from("7"));
    assert_eq!(s.get("score").unwrap(), &Value::Int32(1));
    assert_eq!(s.get("ts").unwrap(), &Value::Float64(1.700000000123e12));
    assert!(s.validate().is_ok());
}

#[test]
fn casts_schemaless_fields_and_whole_values() {
    let mut t = cast(Target::Value, "id:string,score:int32,gone:int8");
    let value = map(&[("id", Value::Int64(7)), ("score", Value::Float64(1.5))]);
    let out = apply(&mut t, record(None, value));
    let expected = map(&[
        ("id", Value::from("7")),
        ("score", Value::Int32(1)),
        ("gone", Value::Null),
    ]);
    assert_eq!(out.value, expected);
    let mut t = cast(Target::Value, "int64");
    let out = apply(&mut t, record(Some(Schema::string()), Value::from("12345")));
    assert_eq!(
        (out.value_schema, out.value),
        (Some(Schema::int64()), Value::Int64(12345))
    );
    let mut t = cast(Target::Key, "STRING");
    let mut r = person_record();
    r.key = Value::Int64(3);
    assert_eq!(apply(&mut t, r).key, Value::from("3"));
}

#[test]
fn whole_value_cast_of_a_logical_type_drops_the_logical_name() {
    let mut t = cast(Target::Value, "int64");
    let ts = build(logical::timestamp_builder().optional()).unwrap();
    let out = apply(&mut t, record(Some(ts), Value::Instant(5)));
    assert_eq!(
        (out.value_schema, out.value),
        (Some(Schema::optional_int64()), Value::Int64(5))
    );
}

#[test]
fn defaults_are_cast_too() {
    let field = shared(
        SchemaBuilder::new(SchemaType::Int32)
            .default_value(Value::Int32(5))
            .into_schema(),
    );
    let schema = SchemaBuilder::struct_().field("n", field).build().unwrap();
    let mut t = cast(Target::Value, "n:string");
    let out = apply(
        &mut t,
        record(
            Some(schema.clone()),
            Value::Struct(Struct::new(schema).unwrap()),
        ),
    );
    let n = &out.value_schema.as_ref().unwrap().fields[0].schema;
    assert_eq!(n.default_value, Some(Value::from("5")));
    assert_eq!(as_struct(&out.value).get("n").unwrap(), &Value::from("5"));
}

#[test]
fn bad_specs_are_config_errors_on_spec() {
    for spec in [
        "id:decimal",
        "bytes",
        "id:array",
        "int8,a:int16",
        "a:b:c",
        "",
    ] {
        let err = Cast::new(Target::Value)
            .configure(&config_map(&[("spec", spec)]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("spec"), "{spec}");
    }
    assert!(Cast::new(Target::Value)
        .configure(&config_map(&[]))
        .is_err());
}

#[test]
fn bad_values_are_data_errors_and_nulls_pass() {
    let mut t = cast(Target::Value, "name:int32");
    let err = t.apply(person_record()).unwrap_err();
    assert_eq!(
        err,
        ConnectError::Data("Value (Ann) was out of range for requested data type".into())
    );
    let tombstone = record(Some(person_schema()), Value::Null);
    assert_eq!(apply(&mut t, tombstone.clone()), tombstone);
    assert!(t
        .apply(record(Some(Schema::string()), Value::from("x")))
        .is_err());
}
