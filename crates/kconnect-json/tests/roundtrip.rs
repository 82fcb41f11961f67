//! Property tests: for arbitrary schemas (every type, nested structs/arrays/maps, optional
//! schemas, defaults, names, docs, parameters, logical types) and values that conform to
//! them, deserialize(serialize(x)) == x with schemas enabled, in both decimal formats.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use kconnect_api::plugin::Converter;
use kconnect_api::schema::logical;
use kconnect_api::value::{java_f32_to_string, java_f64_to_string};
use kconnect_api::{
    config_map, Decimal, Schema, SchemaBuilder, SchemaRef, SchemaType, Struct, Value,
};
use kconnect_json::JsonConverter;
use proptest::collection::vec;
use proptest::prelude::*;

fn converter(pairs: &[(&str, &str)]) -> JsonConverter {
    let props = config_map(pairs);
    let mut c = JsonConverter::new();
    Converter::configure(&mut c, &props, false).unwrap();
    c
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,8}",
        "\\PC{0,6}",
        Just("\"\\\n\t\u{1}\u{7f}é日😀".to_string()),
    ]
}

fn float64() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => any::<f64>().prop_filter("finite", |f| f.is_finite()),
        1 => Just(f64::NAN),
        1 => prop_oneof![Just(f64::INFINITY), Just(-0.0), Just(1e7), Just(1e-3)],
    ]
}

fn float32() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => any::<f32>().prop_filter("finite", |f| f.is_finite()),
        1 => Just(f32::NAN),
        1 => Just(f32::NEG_INFINITY),
    ]
}

/// A non-null value for a leaf (primitive or logical) schema.
fn leaf_value(schema: &Schema) -> BoxedStrategy<Value> {
    match schema.name.as_deref() {
        Some(logical::DECIMAL_NAME) => {
            let scale = logical::decimal_scale(schema).unwrap_or(0);
            return any::<i128>()
                .prop_map(move |u| Value::Decimal(Decimal::new(u, scale)))
                .boxed();
        }
        Some(logical::DATE_NAME) => {
            return (-1_000_000i64..1_000_000)
                .prop_map(|d| Value::Instant(d * logical::MILLIS_PER_DAY))
                .boxed()
        }
        Some(logical::TIME_NAME) => {
            return (0..logical::MILLIS_PER_DAY)
                .prop_map(Value::Instant)
                .boxed()
        }
        Some(logical::TIMESTAMP_NAME) => return any::<i64>().prop_map(Value::Instant).boxed(),
        _ => {}
    }
    match schema.schema_type {
        SchemaType::Int8 => any::<i8>().prop_map(Value::Int8).boxed(),
        SchemaType::Int16 => any::<i16>().prop_map(Value::Int16).boxed(),
        SchemaType::Int32 => any::<i32>().prop_map(Value::Int32).boxed(),
        SchemaType::Int64 => any::<i64>().prop_map(Value::Int64).boxed(),
        SchemaType::Float32 => float32().prop_map(Value::Float32).boxed(),
        SchemaType::Float64 => float64().prop_map(Value::Float64).boxed(),
        SchemaType::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
        SchemaType::String => text().prop_map(Value::String).boxed(),
        _ => vec(any::<u8>(), 0..12).prop_map(Value::Bytes).boxed(),
    }
}

/// A leaf schema: a primitive or logical type, maybe optional, named, documented, with
/// parameters and a default.
fn leaf_schema() -> impl Strategy<Value = SchemaRef> {
    let base = prop_oneof![
        Just(Schema::of(SchemaType::Int8, false)),
        Just(Schema::of(SchemaType::Int16, false)),
        Just(Schema::of(SchemaType::Int32, false)),
        Just(Schema::of(SchemaType::Int64, false)),
        Just(Schema::of(SchemaType::Float32, false)),
        Just(Schema::of(SchemaType::Float64, false)),
        Just(Schema::of(SchemaType::Boolean, false)),
        Just(Schema::of(SchemaType::String, false)),
        Just(Schema::of(SchemaType::Bytes, false)),
        (-4i32..8).prop_map(|scale| logical::decimal_builder(scale).into_schema()),
        Just(logical::date_builder().into_schema()),
        Just(logical::time_builder().into_schema()),
        Just(logical::timestamp_builder().into_schema()),
    ];
    let meta = (
        any::<bool>(),
        proptest::option::weighted(0.2, "[a-z]{1,5}(\\.[A-Z][a-z]{0,4})?"),
        proptest::option::weighted(0.2, any::<i32>()),
        proptest::option::weighted(0.2, text()),
        proptest::option::weighted(0.2, vec((text(), text()), 0..3)),
    );
    (base, meta)
        .prop_map(|(mut schema, (optional, name, version, doc, params))| {
            schema.optional = optional;
            if schema.name.is_none() {
                schema.name = name;
                schema.version = version;
            }
            schema.doc = doc;
            // Empty parameters read back as none (Java adds them one by one).
            if let Some(params) = params.filter(|p| !p.is_empty()) {
                let map = schema.parameters.get_or_insert_with(Default::default);
                for (k, v) in params {
                    if k != logical::DECIMAL_SCALE_PARAM {
                        map.insert(k, v);
                    }
                }
            }
            schema
        })
        .prop_flat_map(|schema| {
            let default = proptest::option::weighted(0.25, leaf_value(&schema));
            (Just(schema), default)
        })
        .prop_map(|(mut schema, default)| {
            // A "-0.0" default would read back as 0.0 (see `expected`).
            schema.default_value = default.map(no_negative_zero);
            Arc::new(schema)
        })
}

/// Any schema: leaves, arrays, maps (with leaf keys) and structs, nested up to 3 levels.
fn schema() -> impl Strategy<Value = SchemaRef> {
    leaf_schema().prop_recursive(3, 24, 4, |inner| {
        let key = leaf_schema().prop_map(|k| {
            let mut k = (*k).clone();
            k.optional = false;
            k.default_value = None;
            Arc::new(k)
        });
        prop_oneof![
            (inner.clone(), any::<bool>()).prop_map(|(items, optional)| {
                SchemaBuilder::array(items)
                    .set_optional(optional)
                    .build()
                    .unwrap()
            }),
            (key, inner.clone(), any::<bool>()).prop_map(|(k, v, optional)| {
                SchemaBuilder::map(k, v)
                    .set_optional(optional)
                    .build()
                    .unwrap()
            }),
            (
                vec(inner, 0..5),
                any::<bool>(),
                proptest::option::of("[A-Z][a-z]{0,6}")
            )
                .prop_map(|(fields, optional, name)| {
                    let mut b = SchemaBuilder::struct_()
                        .set_optional(optional)
                        .set_name(name);
                    for (i, f) in fields.into_iter().enumerate() {
                        b = b.field(format!("f{i}\u{e9}\"{}", i % 2), f);
                    }
                    b.build().unwrap()
                }),
        ]
    })
}

/// A value conforming to `schema` (null where the schema allows it).
fn value(schema: &SchemaRef) -> BoxedStrategy<Value> {
    let non_null = match schema.schema_type {
        SchemaType::Array => {
            let items = schema.value_schema.clone().unwrap();
            vec(value(&items), 0..4).prop_map(Value::Array).boxed()
        }
        SchemaType::Map => {
            let (k, v) = (
                schema.key_schema.clone().unwrap(),
                schema.value_schema.clone().unwrap(),
            );
            vec((value(&k), value(&v)), 0..4)
                .prop_map(|entries| {
                    let mut unique: Vec<(Value, Value)> = Vec::new();
                    for (k, v) in entries {
                        // Keys are compared after reading, where -0.0 is 0.0.
                        let k = no_negative_zero(k);
                        if !unique.iter().any(|(existing, _)| *existing == k) {
                            unique.push((k, v));
                        }
                    }
                    Value::Map(unique)
                })
                .boxed()
        }
        SchemaType::Struct => {
            let fields: Vec<BoxedStrategy<Value>> =
                schema.fields.iter().map(|f| value(&f.schema)).collect();
            let schema = schema.clone();
            fields
                .prop_map(move |values| {
                    let mut s = Struct::new(schema.clone()).unwrap();
                    for (i, v) in values.into_iter().enumerate() {
                        s.put_unchecked(i, v);
                    }
                    Value::Struct(s)
                })
                .boxed()
        }
        _ => leaf_value(schema),
    };
    if schema.optional || schema.default_value.is_some() {
        prop_oneof![1 => Just(Value::Null), 4 => non_null].boxed()
    } else {
        non_null
    }
}

/// `-0.0` as `0.0`; other values unchanged.
fn no_negative_zero(v: Value) -> Value {
    match v {
        Value::Float64(f) if f == 0.0 && f.is_sign_negative() => Value::Float64(0.0),
        Value::Float32(f) if f == 0.0 && f.is_sign_negative() => Value::Float32(0.0),
        other => other,
    }
}

/// What a round trip yields with `replace.null.with.default=true`: nulls become defaults,
/// and `-0.0` reads back as `0.0` (Java reads JSON numbers as `BigDecimal`, which has no
/// negative zero).
fn expected(schema: &Schema, v: &Value) -> Value {
    match v {
        Value::Float64(_) | Value::Float32(_) => no_negative_zero(v.clone()),
        Value::Null => schema.default_value.clone().unwrap_or(Value::Null),
        Value::Array(items) => {
            let item_schema = schema.value_schema.as_deref().unwrap();
            Value::Array(items.iter().map(|i| expected(item_schema, i)).collect())
        }
        Value::Map(entries) => {
            let vs = schema.value_schema.as_deref().unwrap();
            Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), expected(vs, v)))
                    .collect(),
            )
        }
        Value::Struct(s) => {
            let mut out = Struct::new(s.schema().clone()).unwrap();
            for (f, v) in schema.fields.iter().zip(s.values()) {
                out.put_unchecked(f.index, expected(&f.schema, v));
            }
            Value::Struct(out)
        }
        other => other.clone(),
    }
}

fn schema_and_value() -> impl Strategy<Value = (SchemaRef, Value)> {
    schema().prop_flat_map(|s| (Just(s.clone()), value(&s)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn round_trips_with_schema((schema, v) in schema_and_value()) {
        for format in ["BASE64", "NUMERIC"] {
            let mut c = converter(&[("decimal.format", format)]);
            let bytes = c.serialize("t", Some(&schema), &v).unwrap().expect("bytes");
            let text = String::from_utf8(bytes.clone()).unwrap();
            let back = c.deserialize("t", Some(&bytes))
                .unwrap_or_else(|e| panic!("{format}: cannot read back {text}: {e}"));
            prop_assert_eq!(back.schema.as_deref(), Some(&*schema), "{}", text);
            prop_assert_eq!(&back.value, &expected(&schema, &v), "{}", text);
            // Once read (maps now in Java HashMap order, no negative zeros), writing is stable.
            let again = c.serialize("t", back.schema.as_ref(), &back.value).unwrap().unwrap();
            let back2 = c.deserialize("t", Some(&again)).unwrap();
            let third = c.serialize("t", back2.schema.as_ref(), &back2.value).unwrap().unwrap();
            prop_assert_eq!(String::from_utf8(third).unwrap(), String::from_utf8(again).unwrap());
        }
    }

    #[test]
    fn schemaless_round_trips(json in schemaless_value()) {
        let mut c = converter(&[("schemas.enable", "false")]);
        let bytes = c.serialize("t", None, &json).unwrap();
        let back = c.deserialize("t", bytes.as_deref()).unwrap();
        prop_assert!(back.schema.is_none());
        prop_assert_eq!(back.value, json);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..64), enable in any::<bool>()) {
        let mut c = converter(&[("schemas.enable", if enable { "true" } else { "false" })]);
        let _ = c.deserialize("t", Some(&bytes));
    }

    #[test]
    fn floats_render_like_java(bits in any::<u64>(), bits32 in any::<u32>()) {
        let mut c = converter(&[("schemas.enable", "false")]);
        let (d, f) = (f64::from_bits(bits), f32::from_bits(bits32));
        if d.is_finite() {
            let out = c.serialize("t", Some(&Schema::float64()), &Value::Float64(d)).unwrap();
            prop_assert_eq!(String::from_utf8(out.unwrap()).unwrap(), java_f64_to_string(d));
        }
        if f.is_finite() {
            let out = c.serialize("t", Some(&Schema::float32()), &Value::Float32(f)).unwrap();
            prop_assert_eq!(String::from_utf8(out.unwrap()).unwrap(), java_f32_to_string(f));
        }
    }
}

/// Values JSON can carry without a schema: what the schemaless reader produces.
fn schemaless_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::Int64),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Value::Float64(if f == 0.0 { 0.0 } else { f })),
        any::<bool>().prop_map(Value::Boolean),
        text().prop_map(Value::String),
        Just(Value::Null),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z\u{e9}]{0,4}", inner, 0..5).prop_map(|m| {
                Value::Map(m.into_iter().map(|(k, v)| (Value::String(k), v)).collect())
            }),
        ]
    })
}
