use super::*;
use crate::test_support::*;

fn nested_schema(addr_optional: bool) -> (SchemaRef, SchemaRef, SchemaRef) {
    let geo = SchemaBuilder::struct_()
        .field("n", Schema::int32())
        .build()
        .unwrap();
    let addr = SchemaBuilder::struct_()
        .field("city", Schema::optional_string())
        .field("geo", geo.clone())
        .set_optional(addr_optional)
        .build()
        .unwrap();
    let root = SchemaBuilder::struct_()
        .field("id", Schema::string())
        .field("addr", addr.clone())
        .field(
            "tags",
            SchemaBuilder::array(Schema::string())
                .optional()
                .build()
                .unwrap(),
        )
        .field("note", Schema::optional_string())
        .build()
        .unwrap();
    (root, addr, geo)
}

fn nested_value() -> (SchemaRef, Struct) {
    let (root, addr, geo) = nested_schema(false);
    let mut g = Struct::new(geo).unwrap();
    g.put("n", 5).unwrap();
    let mut a = Struct::new(addr).unwrap();
    a.put("city", "Oslo").unwrap().put("geo", g).unwrap();
    let mut r = Struct::new(root.clone()).unwrap();
    r.put("id", "a").unwrap().put("addr", a).unwrap();
    r.put("tags", Value::Array(vec![Value::from("x")])).unwrap();
    (root, r)
}

fn names(schema: &Schema) -> Vec<&str> {
    schema.fields.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn flattens_nested_structs() {
    let (schema, value) = nested_value();
    let mut t = configured(Flatten::new(Target::Value), &[]);
    let out = apply(&mut t, record(Some(schema), Value::Struct(value)));
    let flat = out.value_schema.clone().unwrap();
    assert_eq!(
        names(&flat),
        ["id", "addr.city", "addr.geo.n", "tags", "note"]
    );
    assert!(!flat.field("addr.geo.n").unwrap().schema.optional);
    assert_eq!(
        flat.field("tags").unwrap().schema.value_schema,
        Some(Schema::string())
    );
    let s = as_struct(&out.value);
    assert_eq!(s.get("addr.geo.n").unwrap(), &Value::Int32(5));
    assert_eq!(
        s.get("tags").unwrap(),
        &Value::Array(vec![Value::from("x")])
    );
    assert!(s.validate().is_ok());
}

#[test]
fn custom_delimiter_and_optional_parents() {
    let (root, _, _) = nested_schema(true);
    let mut value = Struct::new(root.clone()).unwrap();
    value.put("id", "a").unwrap();
    let mut t = configured(Flatten::new(Target::Key), &[("delimiter", "_")]);
    let mut r = record(None, Value::Null);
    r.key_schema = Some(root);
    r.key = Value::Struct(value);
    let out = apply(&mut t, r);
    let flat = out.key_schema.clone().unwrap();
    assert_eq!(
        names(&flat),
        ["id", "addr_city", "addr_geo_n", "tags", "note"]
    );
    assert!(flat.field("addr_geo_n").unwrap().schema.optional);
    assert_eq!(as_struct(&out.key).get("addr_geo_n").unwrap(), &Value::Null);
}

#[test]
fn parent_defaults_become_field_defaults() {
    let inner = SchemaBuilder::struct_()
        .field("x", Schema::int32())
        .build()
        .unwrap();
    let mut default = Struct::new(inner.clone()).unwrap();
    default.put("x", 9).unwrap();
    let with_default = shared(
        SchemaBuilder::from_schema(&inner)
            .default_value(Value::Struct(default))
            .into_schema(),
    );
    let root = SchemaBuilder::struct_()
        .field("inner", with_default)
        .build()
        .unwrap();
    let mut t = configured(Flatten::new(Target::Value), &[]);
    let out = apply(
        &mut t,
        record(
            Some(root.clone()),
            Value::Struct(Struct::new(root).unwrap()),
        ),
    );
    let x = &out.value_schema.as_ref().unwrap().fields[0];
    assert_eq!(
        (x.name.as_str(), &x.schema.default_value),
        ("inner.x", &Some(Value::Int32(9)))
    );
    assert_eq!(
        as_struct(&out.value).get("inner.x").unwrap(),
        &Value::Int32(9)
    );
}

#[test]
fn flattens_schemaless_maps() {
    let value = map(&[
        (
            "a",
            map(&[
                ("b", map(&[("c", Value::Int64(1))])),
                ("d", Value::from("y")),
            ]),
        ),
        ("e", Value::from("x")),
        ("n", Value::Null),
        ("l", Value::Array(vec![Value::Int64(1)])),
    ]);
    let mut t = configured(Flatten::new(Target::Value), &[]);
    let out = apply(&mut t, record(None, value));
    let expected = map(&[
        ("a.b.c", Value::Int64(1)),
        ("a.d", Value::from("y")),
        ("e", Value::from("x")),
        ("n", Value::Null),
        ("l", Value::Array(vec![Value::Int64(1)])),
    ]);
    assert_eq!(out.value, expected);
}

#[test]
fn unsupported_shapes_are_data_errors() {
    let mut t = configured(Flatten::new(Target::Value), &[]);
    let m = SchemaBuilder::map(Schema::string(), Schema::string())
        .build()
        .unwrap();
    let schema = SchemaBuilder::struct_().field("m", m).build().unwrap();
    let value = Struct::new(schema.clone()).unwrap();
    assert!(matches!(
        t.apply(record(Some(schema), Value::Struct(value))),
        Err(ConnectError::Data(_))
    ));
    let err = t
        .apply(record(None, map(&[("s", Value::Struct(person()))])))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("for record without schemas (for field s)"),
        "{err}"
    );
    assert!(t
        .apply(record(None, map(&[("d", Value::Instant(1))])))
        .is_err());
    assert!(t.apply(record(None, Value::from("x"))).is_err());
    let tombstone = record(Some(person_schema()), Value::Null);
    assert_eq!(apply(&mut t, tombstone.clone()), tombstone);
}
