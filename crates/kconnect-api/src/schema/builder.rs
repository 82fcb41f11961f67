//! Fluent construction of schemas, with the checks Java's `SchemaBuilder` makes.

use std::sync::Arc;

use indexmap::IndexMap;

use super::{Field, Schema, SchemaRef, SchemaType};
use crate::error::{ConnectError, ConnectResult};
use crate::value::Value;

/// Builds a [`Schema`]. Struct fields must have unique names; array and map element schemas
/// are required; a default value is checked against the schema when [`build`](Self::build)
/// is called.
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    schema: Schema,
    error: Option<ConnectError>,
}

impl SchemaBuilder {
    /// A builder for a schema of the given type.
    pub fn new(schema_type: SchemaType) -> Self {
        Self {
            schema: Schema::of(schema_type, false),
            error: None,
        }
    }

    /// A struct schema builder.
    pub fn struct_() -> Self {
        Self::new(SchemaType::Struct)
    }

    /// An array schema builder with the given item schema.
    pub fn array(items: SchemaRef) -> Self {
        let mut b = Self::new(SchemaType::Array);
        b.schema.value_schema = Some(items);
        b
    }

    /// A map schema builder with the given key and value schemas.
    pub fn map(keys: SchemaRef, values: SchemaRef) -> Self {
        let mut b = Self::new(SchemaType::Map);
        b.schema.key_schema = Some(keys);
        b.schema.value_schema = Some(values);
        b
    }

    /// Starts from a copy of an existing schema (fields included).
    pub fn from_schema(schema: &Schema) -> Self {
        Self {
            schema: schema.clone(),
            error: None,
        }
    }

    /// Marks the schema optional.
    pub fn optional(mut self) -> Self {
        self.schema.optional = true;
        self
    }

    /// Sets optionality explicitly.
    pub fn set_optional(mut self, optional: bool) -> Self {
        self.schema.optional = optional;
        self
    }

    /// Sets the schema name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.schema.name = Some(name.into());
        self
    }

    /// Sets or clears the schema name.
    pub fn set_name(mut self, name: Option<String>) -> Self {
        self.schema.name = name;
        self
    }

    /// Sets the schema version.
    pub fn version(mut self, version: i32) -> Self {
        self.schema.version = Some(version);
        self
    }

    /// Sets or clears the schema version.
    pub fn set_version(mut self, version: Option<i32>) -> Self {
        self.schema.version = version;
        self
    }

    /// Sets the documentation.
    pub fn doc(mut self, doc: impl Into<String>) -> Self {
        self.schema.doc = Some(doc.into());
        self
    }

    /// Sets or clears the documentation.
    pub fn set_doc(mut self, doc: Option<String>) -> Self {
        self.schema.doc = doc;
        self
    }

    /// Adds one parameter.
    pub fn parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.schema
            .parameters
            .get_or_insert_with(IndexMap::new)
            .insert(key.into(), value.into());
        self
    }

    /// Replaces the parameters.
    pub fn set_parameters(mut self, parameters: Option<IndexMap<String, String>>) -> Self {
        self.schema.parameters = parameters;
        self
    }

    /// Sets the default value (validated at build time).
    pub fn default_value(mut self, value: Value) -> Self {
        self.schema.default_value = if value.is_null() { None } else { Some(value) };
        self
    }

    /// Adds a struct field. Fails at build time on a non-struct or a duplicate name.
    pub fn field(mut self, name: impl Into<String>, schema: SchemaRef) -> Self {
        let name = name.into();
        if self.schema.schema_type != SchemaType::Struct {
            self.error.get_or_insert(ConnectError::Other(
                "Cannot create fields on type ".to_string() + self.schema.schema_type.java_name(),
            ));
        } else if self.schema.field(&name).is_some() {
            self.error.get_or_insert(ConnectError::Other(format!(
                "Cannot create field because of field name duplication {name}"
            )));
        } else {
            let index = self.schema.fields.len();
            self.schema.fields.push(Field {
                name,
                index,
                schema,
            });
        }
        self
    }

    /// Finishes the schema, checking the default value against it.
    pub fn build(self) -> ConnectResult<SchemaRef> {
        if let Some(err) = self.error {
            return Err(err);
        }
        if let Some(default) = &self.schema.default_value {
            self.schema
                .validate_value(default)
                .map_err(|e| ConnectError::Other(format!("Invalid default value: {e}")))?;
        }
        Ok(Arc::new(self.schema))
    }

    /// The schema as built so far, without checks (for code that has already validated).
    pub fn into_schema(self) -> Schema {
        self.schema
    }
}
