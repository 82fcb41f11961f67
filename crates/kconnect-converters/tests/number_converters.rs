//! The number converters: exact bytes, errors, and round trips of every value.

#![allow(clippy::unwrap_used)]

use kconnect_api::plugin::{Converter, HeaderConverter};
use kconnect_api::{ConfigMap, ConnectError, Schema, SchemaType, Value};
use kconnect_converters::{
    ConverterType, DoubleConverter, FloatConverter, IntegerConverter, LongConverter, ShortConverter,
};
use proptest::prelude::*;

fn write(c: &mut dyn Converter, value: Value) -> Option<Vec<u8>> {
    c.serialize("topic", None, &value).unwrap()
}

fn read(c: &mut dyn Converter, bytes: &[u8]) -> Value {
    c.deserialize("topic", Some(bytes)).unwrap().value
}

#[test]
fn exact_big_endian_bytes() {
    assert_eq!(
        write(&mut ShortConverter::new(), Value::Int16(258)),
        Some(vec![1, 2])
    );
    assert_eq!(
        write(&mut IntegerConverter::new(), Value::Int32(258)),
        Some(vec![0, 0, 1, 2])
    );
    assert_eq!(
        write(&mut IntegerConverter::new(), Value::Int32(-2)),
        Some(vec![0xFF, 0xFF, 0xFF, 0xFE])
    );
    assert_eq!(
        write(&mut LongConverter::new(), Value::Int64(258)),
        Some(vec![0, 0, 0, 0, 0, 0, 1, 2])
    );
    assert_eq!(
        write(&mut FloatConverter::new(), Value::Float32(1.5)),
        Some(vec![0x3F, 0xC0, 0, 0])
    );
    assert_eq!(
        write(&mut DoubleConverter::new(), Value::Float64(-2.0)),
        Some(vec![0xC0, 0, 0, 0, 0, 0, 0, 0])
    );
}

#[test]
fn nan_bits_follow_the_kafka_serializers() {
    // FloatSerializer keeps the raw bits; DoubleSerializer writes the canonical NaN.
    let odd_float = f32::from_bits(0x7FC0_0001);
    let bytes = write(&mut FloatConverter::new(), Value::Float32(odd_float)).unwrap();
    assert_eq!(bytes, vec![0x7F, 0xC0, 0x00, 0x01]);
    let odd_double = f64::from_bits(0x7FF8_0000_0000_0001);
    let bytes = write(&mut DoubleConverter::new(), Value::Float64(odd_double)).unwrap();
    assert_eq!(bytes, vec![0x7F, 0xF8, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn null_is_no_bytes_and_reads_with_an_optional_schema() {
    let mut c = IntegerConverter::new();
    assert_eq!(write(&mut c, Value::Null), None);
    let sv = c.deserialize("topic", None).unwrap();
    assert_eq!(sv.schema, Some(Schema::optional_int32()));
    assert_eq!(sv.value, Value::Null);
    let cases: [(Box<dyn Converter>, SchemaType); 5] = [
        (Box::new(ShortConverter::new()), SchemaType::Int16),
        (Box::new(IntegerConverter::new()), SchemaType::Int32),
        (Box::new(LongConverter::new()), SchemaType::Int64),
        (Box::new(FloatConverter::new()), SchemaType::Float32),
        (Box::new(DoubleConverter::new()), SchemaType::Float64),
    ];
    for (mut c, t) in cases {
        let schema = c.deserialize("topic", None).unwrap().schema.unwrap();
        assert_eq!((schema.schema_type, schema.optional), (t, true));
    }
}

#[test]
fn wrong_value_types_are_data_errors() {
    let err = IntegerConverter::new()
        .serialize("topic", None, &Value::Int64(1))
        .unwrap_err();
    match err {
        ConnectError::Data(msg) => {
            assert!(msg.starts_with("Failed to serialize to integer"), "{msg}");
            assert!(msg.contains("java.lang.Long"), "{msg}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(ShortConverter::new()
        .serialize("topic", None, &Value::Int32(1))
        .is_err());
    assert!(DoubleConverter::new()
        .serialize("topic", None, &Value::Float32(1.0))
        .is_err());
    assert!(LongConverter::new()
        .serialize("topic", None, &Value::from("1"))
        .is_err());
}

#[test]
fn the_schema_is_not_checked() {
    // Like Java, only the value's type matters.
    let out = IntegerConverter::new()
        .serialize("topic", Some(&Schema::string()), &Value::Int32(1))
        .unwrap();
    assert_eq!(out, Some(vec![0, 0, 0, 1]));
}

#[test]
fn wrong_lengths_are_data_errors() {
    let err = IntegerConverter::new()
        .deserialize("topic", Some(&[1, 2, 3]))
        .unwrap_err();
    assert_eq!(
        err,
        ConnectError::data(
            "Failed to deserialize integer: Size of data received by IntegerDeserializer is not 4"
        )
    );
    let err = FloatConverter::new()
        .deserialize("topic", Some(&[]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Failed to deserialize float: Size of data received by Deserializer is not 4"
    );
    assert!(ShortConverter::new()
        .deserialize("topic", Some(&[1]))
        .is_err());
    assert!(LongConverter::new()
        .deserialize("topic", Some(&[0; 9]))
        .is_err());
    assert!(DoubleConverter::new()
        .deserialize("topic", Some(&[0; 4]))
        .is_err());
}

#[test]
fn configuration_and_header_use() {
    let mut c = LongConverter::new();
    Converter::configure(&mut c, &ConfigMap::new(), true).unwrap();
    assert_eq!(c.converter_type(), ConverterType::Key);
    let keys: Vec<String> = Converter::config_def(&c)
        .keys()
        .map(|k| k.name.clone())
        .collect();
    assert_eq!(keys, ["converter.type"]);

    let mut h = LongConverter::new();
    HeaderConverter::configure(&mut h, &ConfigMap::new()).unwrap();
    assert_eq!(h.converter_type(), ConverterType::Header);
    let bytes = h
        .serialize_header("t", "k", None, &Value::Int64(7))
        .unwrap();
    assert_eq!(bytes, Some(vec![0, 0, 0, 0, 0, 0, 0, 7]));
    let sv = h.deserialize_header("t", "k", bytes.as_deref()).unwrap();
    assert_eq!(sv.value, Value::Int64(7));
    let mut bad = ConfigMap::new();
    bad.insert("converter.type".into(), "sideways".into());
    assert!(matches!(
        HeaderConverter::configure(&mut h, &bad),
        Err(ConnectError::Config(_))
    ));
}

proptest! {
    #[test]
    fn shorts_round_trip(v: i16) {
        let mut c = ShortConverter::new();
        let bytes = write(&mut c, Value::Int16(v)).unwrap();
        prop_assert_eq!(&bytes, &v.to_be_bytes().to_vec());
        prop_assert_eq!(read(&mut c, &bytes), Value::Int16(v));
    }

    #[test]
    fn integers_round_trip(v: i32) {
        let mut c = IntegerConverter::new();
        let bytes = write(&mut c, Value::Int32(v)).unwrap();
        prop_assert_eq!(bytes.len(), 4);
        prop_assert_eq!(read(&mut c, &bytes), Value::Int32(v));
    }

    #[test]
    fn longs_round_trip(v: i64) {
        let mut c = LongConverter::new();
        let bytes = write(&mut c, Value::Int64(v)).unwrap();
        prop_assert_eq!(bytes.len(), 8);
        prop_assert_eq!(read(&mut c, &bytes), Value::Int64(v));
    }

    #[test]
    fn floats_round_trip_bit_for_bit(bits: u32) {
        let v = f32::from_bits(bits);
        let mut c = FloatConverter::new();
        let bytes = write(&mut c, Value::Float32(v)).unwrap();
        prop_assert_eq!(&bytes, &bits.to_be_bytes().to_vec());
        prop_assert_eq!(read(&mut c, &bytes), Value::Float32(v));
    }

    #[test]
    fn doubles_round_trip(bits: u64) {
        let v = f64::from_bits(bits);
        let mut c = DoubleConverter::new();
        let bytes = write(&mut c, Value::Float64(v)).unwrap();
        let back = read(&mut c, &bytes);
        if v.is_nan() {
            prop_assert_eq!(back, Value::Float64(f64::NAN));
        } else {
            prop_assert_eq!(back, Value::Float64(v));
        }
    }

    #[test]
    fn any_wrong_length_is_rejected(len in 0usize..16) {
        prop_assume!(len != 4);
        let result = IntegerConverter::new().deserialize("t", Some(&vec![0u8; len]));
        prop_assert!(matches!(result, Err(ConnectError::Data(_))));
    }
}
