//! Struct values: a struct schema plus one value per field.

use crate::error::{ConnectError, ConnectResult};
use crate::schema::{SchemaRef, SchemaType};
use crate::value::Value;

/// A struct value (Java `Struct`). Field values are checked against their schemas on
/// [`put`](Struct::put); [`validate`](Struct::validate) checks that required fields are set.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    schema: SchemaRef,
    values: Vec<Value>,
}

impl Struct {
    /// An empty struct of the given struct schema.
    pub fn new(schema: SchemaRef) -> ConnectResult<Self> {
        if schema.schema_type != SchemaType::Struct {
            return Err(ConnectError::data(
                "Not a struct schema: ".to_string() + &schema.to_string(),
            ));
        }
        let values = vec![Value::Null; schema.fields.len()];
        Ok(Self { schema, values })
    }

    /// The struct's schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Field values in field order (null where unset, defaults not applied).
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Sets a field by name, checking the value against the field's schema.
    pub fn put(&mut self, field: &str, value: impl Into<Value>) -> ConnectResult<&mut Self> {
        let index = self.index_of(field)?;
        self.put_at(index, value.into())
    }

    /// Sets a field by index, checking the value against the field's schema.
    pub fn put_at(&mut self, index: usize, value: Value) -> ConnectResult<&mut Self> {
        let field = self
            .schema
            .fields
            .get(index)
            .ok_or_else(|| ConnectError::data(format!("Field index {index} out of range")))?;
        field.schema.validate_value(&value).map_err(|e| {
            ConnectError::data(format!("Invalid value for field \"{}\": {e}", field.name))
        })?;
        self.values[index] = value;
        Ok(self)
    }

    /// Sets a field by index without checking it (for code that built the value from the
    /// same schema and already knows it conforms).
    pub fn put_unchecked(&mut self, index: usize, value: Value) {
        if let Some(slot) = self.values.get_mut(index) {
            *slot = value;
        }
    }

    /// A field's value, or the field schema's default when the value is null (Java `get`).
    pub fn get(&self, field: &str) -> ConnectResult<&Value> {
        let index = self.index_of(field)?;
        Ok(self.get_at(index))
    }

    /// A field's value by index, or its default when null.
    pub fn get_at(&self, index: usize) -> &Value {
        match (
            &self.values[index],
            &self.schema.fields[index].schema.default_value,
        ) {
            (Value::Null, Some(default)) => default,
            (value, _) => value,
        }
    }

    /// A field's raw value, without default substitution (Java `getWithoutDefault`).
    pub fn get_without_default(&self, field: &str) -> ConnectResult<&Value> {
        let index = self.index_of(field)?;
        Ok(&self.values[index])
    }

    /// Checks every field against its schema, including that required fields are set.
    pub fn validate(&self) -> ConnectResult<()> {
        for field in &self.schema.fields {
            field
                .schema
                .validate_value(&self.values[field.index])
                .map_err(|e| {
                    ConnectError::data(format!("Invalid value for field \"{}\": {e}", field.name))
                })?;
        }
        Ok(())
    }

    fn index_of(&self, field: &str) -> ConnectResult<usize> {
        self.schema
            .field(field)
            .map(|f| f.index)
            .ok_or_else(|| ConnectError::data(format!("{field} is not a valid field name")))
    }
}
