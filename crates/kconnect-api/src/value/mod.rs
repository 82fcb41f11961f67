//! Connect values: the in-memory data that schemas describe.

mod display;
mod structs;

use std::sync::Arc;

pub use display::{java_f32_to_string, java_f64_to_string};
pub use structs::Struct;

use crate::decimal::Decimal;
use crate::schema::{Schema, SchemaRef, SchemaType};

/// A Connect value. Each variant corresponds to the Java class Connect uses for it, so that
/// schemaless data (no schema) still carries its type.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// Absent value (Java `null`).
    #[default]
    Null,
    /// `INT8` (Java `Byte`).
    Int8(i8),
    /// `INT16` (Java `Short`).
    Int16(i16),
    /// `INT32` (Java `Integer`).
    Int32(i32),
    /// `INT64` (Java `Long`).
    Int64(i64),
    /// `FLOAT32` (Java `Float`).
    Float32(f32),
    /// `FLOAT64` (Java `Double`).
    Float64(f64),
    /// `BOOLEAN`.
    Boolean(bool),
    /// `STRING`.
    String(String),
    /// `BYTES` (Java `byte[]`).
    Bytes(Vec<u8>),
    /// `ARRAY` (Java `List`).
    Array(Vec<Value>),
    /// `MAP` (Java `Map`), entries in insertion order; equality ignores order.
    Map(Vec<(Value, Value)>),
    /// `STRUCT`.
    Struct(Struct),
    /// The Decimal logical type (Java `BigDecimal`).
    Decimal(Decimal),
    /// The Date, Time and Timestamp logical types (Java `java.util.Date`): milliseconds since
    /// the Unix epoch, UTC.
    Instant(i64),
}

impl Value {
    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The struct, if this is a struct.
    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Any integer variant widened to `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int8(v) => Some(v.into()),
            Value::Int16(v) => Some(v.into()),
            Value::Int32(v) => Some(v.into()),
            Value::Int64(v) => Some(v),
            _ => None,
        }
    }

    /// Looks up a key in a map value with string keys.
    pub fn map_get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The schema type Connect infers for this value without a schema (Java
    /// `ConnectSchema.schemaType(Class)`); `None` for null.
    pub fn inferred_type(&self) -> Option<SchemaType> {
        Some(match self {
            Value::Null => return None,
            Value::Int8(_) => SchemaType::Int8,
            Value::Int16(_) => SchemaType::Int16,
            Value::Int32(_) => SchemaType::Int32,
            Value::Int64(_) => SchemaType::Int64,
            Value::Float32(_) => SchemaType::Float32,
            Value::Float64(_) => SchemaType::Float64,
            Value::Boolean(_) => SchemaType::Boolean,
            Value::String(_) => SchemaType::String,
            Value::Bytes(_) => SchemaType::Bytes,
            Value::Array(_) => SchemaType::Array,
            Value::Map(_) => SchemaType::Map,
            Value::Struct(_) => SchemaType::Struct,
            Value::Decimal(_) => SchemaType::Bytes,
            Value::Instant(_) => SchemaType::Int64,
        })
    }

    /// The Java class name Connect would report for this value (used in error messages).
    pub fn java_class_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Int8(_) => "java.lang.Byte",
            Value::Int16(_) => "java.lang.Short",
            Value::Int32(_) => "java.lang.Integer",
            Value::Int64(_) => "java.lang.Long",
            Value::Float32(_) => "java.lang.Float",
            Value::Float64(_) => "java.lang.Double",
            Value::Boolean(_) => "java.lang.Boolean",
            Value::String(_) => "java.lang.String",
            Value::Bytes(_) => "[B",
            Value::Array(_) => "java.util.ArrayList",
            Value::Map(_) => "java.util.HashMap",
            Value::Struct(_) => "org.apache.kafka.connect.data.Struct",
            Value::Decimal(_) => "java.math.BigDecimal",
            Value::Instant(_) => "java.util.Date",
        }
    }
}

impl PartialEq for Value {
    /// Java `equals` semantics: floats compare by bits (so NaN equals NaN), maps ignore order.
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Int8(a), Int8(b)) => a == b,
            (Int16(a), Int16(b)) => a == b,
            (Int32(a), Int32(b)) => a == b,
            (Int64(a), Int64(b)) => a == b,
            (Float32(a), Float32(b)) => a.to_bits() == b.to_bits(),
            (Float64(a), Float64(b)) => a.to_bits() == b.to_bits(),
            (Boolean(a), Boolean(b)) => a == b,
            (String(a), String(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Map(a), Map(b)) => {
                a.len() == b.len() && a.iter().all(|entry| b.iter().any(|other| entry == other))
            }
            (Struct(a), Struct(b)) => a == b,
            (Decimal(a), Decimal(b)) => a == b,
            (Instant(a), Instant(b)) => a == b,
            _ => false,
        }
    }
}

macro_rules! from_impls {
    ($($t:ty => $v:ident),*) => {
        $(impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$v(v.into())
            }
        })*
    };
}

from_impls!(i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64, f32 => Float32,
    f64 => Float64, bool => Boolean, String => String, &str => String, Vec<u8> => Bytes,
    Struct => Struct, Decimal => Decimal);

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// A value with its (optional) schema, as converters produce and consume them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SchemaAndValue {
    /// The schema; `None` for schemaless data.
    pub schema: Option<SchemaRef>,
    /// The value.
    pub value: Value,
}

impl SchemaAndValue {
    /// A pair of schema and value.
    pub fn new(schema: Option<SchemaRef>, value: Value) -> Self {
        Self { schema, value }
    }

    /// No schema and a null value (what a converter returns for a Kafka tombstone).
    pub fn null() -> Self {
        Self::default()
    }

    /// A value with a schema.
    pub fn with_schema(schema: SchemaRef, value: Value) -> Self {
        Self {
            schema: Some(schema),
            value,
        }
    }
}

/// Shorthand for building a shared schema from a plain one.
pub fn shared(schema: Schema) -> SchemaRef {
    Arc::new(schema)
}
