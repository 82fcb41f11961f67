//! Helpers for deriving schemas and filling structs the way Kafka's transformations do
//! (Java `SchemaUtil`, `Struct.put` checks, `Struct.get` vs `getWithoutDefault`).

use kconnect_api::{
    ConnectError, ConnectResult, Field, Schema, SchemaBuilder, SchemaRef, SchemaType, Struct, Value,
};

/// Copies a schema's name, version, doc and parameters onto a builder (Java
/// `SchemaUtil.copySchemaBasics`). Optionality and default are deliberately not copied.
pub(crate) fn copy_schema_basics(source: &Schema, builder: SchemaBuilder) -> SchemaBuilder {
    let builder = builder
        .set_name(source.name.clone())
        .set_version(source.version)
        .set_doc(source.doc.clone());
    match &source.parameters {
        Some(params) => builder.set_parameters(Some(params.clone())),
        None => builder,
    }
}

/// A builder of the same type as `source` with its basics copied (arrays keep their item
/// schema), like Java's one-argument `copySchemaBasics`.
pub(crate) fn copy_schema_basics_of_type(source: &Schema) -> SchemaBuilder {
    let builder = match (source.schema_type, &source.value_schema) {
        (SchemaType::Array, Some(items)) => SchemaBuilder::array(items.clone()),
        (schema_type, _) => SchemaBuilder::new(schema_type),
    };
    copy_schema_basics(source, builder)
}

/// Builds a schema; builder failures are data errors, as Java's `SchemaBuilderException` is.
pub(crate) fn build(builder: SchemaBuilder) -> ConnectResult<SchemaRef> {
    builder.build().map_err(|e| match e {
        ConnectError::Other(msg) => ConnectError::Data(msg),
        other => other,
    })
}

/// A struct field's value: with the field default substituted for null (Java `Struct.get`)
/// when `replace_null_with_default` is set, raw otherwise (`getWithoutDefault`).
pub(crate) fn field_value(value: &Struct, index: usize, replace_null_with_default: bool) -> &Value {
    if replace_null_with_default {
        value.get_at(index)
    } else {
        &value.values()[index]
    }
}

/// The field of a struct schema; looking fields up on other types fails as in Java.
pub(crate) fn struct_field<'a>(schema: &'a Schema, name: &str) -> ConnectResult<Option<&'a Field>> {
    if schema.schema_type != SchemaType::Struct {
        return Err(ConnectError::data(
            "Cannot look up fields on non-struct type",
        ));
    }
    Ok(schema.field(name))
}

fn check_not_null_for_required(target: &Struct, index: usize, value: &Value) -> ConnectResult<()> {
    let field = &target.schema().fields[index];
    if value.is_null() && !field.schema.optional {
        return Err(ConnectError::data(format!(
            "Invalid value: null used for required field: \"{}\", schema type: {}",
            field.name, field.schema.schema_type
        )));
    }
    Ok(())
}

/// Puts a value copied from a field with the very same schema: only the null check Java's
/// `Struct.put` makes can fail (a raw null copied into a required field).
pub(crate) fn put_copied(target: &mut Struct, index: usize, value: Value) -> ConnectResult<()> {
    check_not_null_for_required(target, index, &value)?;
    target.put_unchecked(index, value);
    Ok(())
}

/// Puts a newly produced value, validating it against the field schema like Java's
/// `Struct.put`.
pub(crate) fn put_validated(target: &mut Struct, index: usize, value: Value) -> ConnectResult<()> {
    check_not_null_for_required(target, index, &value)?;
    target.put_at(index, value)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn person() -> SchemaRef {
        SchemaBuilder::struct_()
            .name("p")
            .version(2)
            .doc("d")
            .parameter("k", "v")
            .optional()
            .field("id", Schema::int32())
            .field(
                "n",
                Arc::new(
                    SchemaBuilder::new(SchemaType::String)
                        .default_value(Value::from("dflt"))
                        .into_schema(),
                ),
            )
            .build()
            .unwrap()
    }

    #[test]
    fn basics_are_copied_without_optionality() {
        let copied = copy_schema_basics(&person(), SchemaBuilder::struct_()).into_schema();
        assert_eq!(copied.name.as_deref(), Some("p"));
        assert_eq!(copied.version, Some(2));
        assert_eq!(copied.doc.as_deref(), Some("d"));
        assert_eq!(copied.parameter("k"), Some("v"));
        assert!(!copied.optional);
        let array = SchemaBuilder::array(Schema::string())
            .name("a")
            .into_schema();
        let copied = copy_schema_basics_of_type(&array).into_schema();
        assert_eq!(copied.value_schema, Some(Schema::string()));
        assert_eq!(copied.name.as_deref(), Some("a"));
    }

    #[test]
    fn puts_check_required_fields() {
        let schema = person();
        let mut s = Struct::new(schema.clone()).unwrap();
        assert!(put_copied(&mut s, 0, Value::Null).is_err());
        assert!(put_validated(&mut s, 0, Value::from("x")).is_err());
        put_validated(&mut s, 0, Value::Int32(1)).unwrap();
        assert_eq!(field_value(&s, 1, true), &Value::from("dflt"));
        assert_eq!(field_value(&s, 1, false), &Value::Null);
        assert!(struct_field(&Schema::string(), "x").is_err());
        assert!(struct_field(&schema, "id").unwrap().is_some());
        let dup = SchemaBuilder::struct_()
            .field("a", Schema::int8())
            .field("a", Schema::int8());
        assert!(matches!(build(dup), Err(ConnectError::Data(_))));
    }
}
