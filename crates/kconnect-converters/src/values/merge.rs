//! Finding one schema for the elements of a parsed array or map (numbers widen to the wider
//! type), and converting each element to it.

use kconnect_api::{ConnectResult, Schema, SchemaRef, SchemaType, Value};

use super::convert::convert_to;
use kconnect_api::value::SchemaAndValue;

/// Accumulates the common schema of a sequence of parsed elements. Null elements are
/// ignored; once two elements have no common schema, there is none for the whole sequence.
#[derive(Debug, Default)]
pub(crate) struct SchemaMerger {
    common: Option<SchemaRef>,
    incompatible: bool,
}

impl SchemaMerger {
    /// Takes one more element into account.
    pub(crate) fn merge(&mut self, element: Option<&SchemaAndValue>) {
        let Some(schema) = element.and_then(|e| e.schema.as_ref()) else {
            return;
        };
        if self.incompatible {
            return;
        }
        self.common = match self.common.take() {
            None => Some(schema.clone()),
            Some(previous) => merge_schemas(&previous, schema),
        };
        self.incompatible = self.common.is_none();
    }

    /// The common schema, if every non-null element shares one.
    pub(crate) fn common(&self) -> Option<SchemaRef> {
        self.common.clone()
    }
}

/// Numeric rank for widening: integers widen to wider integers and to floats.
fn rank(t: SchemaType) -> Option<u8> {
    Some(match t {
        SchemaType::Int8 => 0,
        SchemaType::Int16 => 1,
        SchemaType::Int32 => 2,
        SchemaType::Int64 => 3,
        SchemaType::Float32 => 4,
        SchemaType::Float64 => 5,
        _ => return None,
    })
}

/// The schema both inputs fit in (Java `Values.mergeSchemas`). Numbers of different types
/// widen to the wider one (keeping that schema as it is, logical name included). Schemas of
/// the same type merge into the later one when their optionality agrees, whatever else they
/// say; other combinations have nothing in common.
fn merge_schemas(previous: &SchemaRef, latest: &SchemaRef) -> Option<SchemaRef> {
    if previous.schema_type != latest.schema_type {
        let (p, l) = (rank(previous.schema_type)?, rank(latest.schema_type)?);
        return Some(if l > p {
            latest.clone()
        } else {
            previous.clone()
        });
    }
    if previous.optional == latest.optional {
        return Some(if previous.optional {
            previous.clone()
        } else {
            latest.clone()
        });
    }
    (previous == latest).then(|| previous.clone())
}

/// Converts one element to the common schema; null stays null only if that schema is optional.
pub(crate) fn align(schema: &Schema, value: &Value) -> ConnectResult<Value> {
    convert_to(schema, None, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::schema::logical;
    use std::sync::Arc;

    fn merged(schemas: &[SchemaRef]) -> Option<SchemaRef> {
        let mut merger = SchemaMerger::default();
        for s in schemas {
            merger.merge(Some(&SchemaAndValue::new(Some(s.clone()), Value::Null)));
            merger.merge(None);
        }
        merger.common()
    }

    #[test]
    fn numbers_widen() {
        assert_eq!(
            merged(&[Schema::int8(), Schema::int16()]),
            Some(Schema::int16())
        );
        assert_eq!(
            merged(&[Schema::int64(), Schema::int8()]),
            Some(Schema::int64())
        );
        assert_eq!(
            merged(&[Schema::int8(), Schema::float32()]),
            Some(Schema::float32())
        );
        assert_eq!(
            merged(&[Schema::float64(), Schema::int32()]),
            Some(Schema::float64())
        );
        let date = Arc::new(logical::date_builder().into_schema());
        assert_eq!(merged(&[Schema::int8(), date.clone()]), Some(date.clone()));
        assert_eq!(merged(&[date.clone(), Schema::int16()]), Some(date));
    }

    #[test]
    fn no_common_schema_is_final() {
        assert_eq!(merged(&[Schema::int8(), Schema::string()]), None);
        assert_eq!(
            merged(&[Schema::int8(), Schema::string(), Schema::int8()]),
            None
        );
        assert_eq!(merged(&[Schema::string(), Schema::boolean()]), None);
        assert_eq!(merged(&[Schema::optional_int8(), Schema::int8()]), None);
    }

    #[test]
    fn same_type_takes_the_later_or_the_optional() {
        let d2 = logical::decimal_schema(2);
        let d3 = logical::decimal_schema(3);
        assert_eq!(merged(&[d2, d3.clone()]), Some(d3));
        assert_eq!(
            merged(&[Schema::optional_string(), Schema::optional_string()]),
            Some(Schema::optional_string())
        );
        assert_eq!(merged(&[]), None);
    }
}
