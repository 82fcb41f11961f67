//! Connect schemas: the type, optionality, default, name, version, doc and parameters of a
//! value, plus fields (structs), item schemas (arrays) and key/value schemas (maps).

mod builder;
pub mod logical;
mod validate;

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::value::Value;

pub use builder::SchemaBuilder;

/// Schemas are immutable and shared between records, so they travel behind an [`Arc`].
pub type SchemaRef = Arc<Schema>;

/// The type of a Connect schema (Java `Schema.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaType {
    /// 8-bit signed integer.
    Int8,
    /// 16-bit signed integer.
    Int16,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer.
    Int64,
    /// 32-bit IEEE 754 float.
    Float32,
    /// 64-bit IEEE 754 float.
    Float64,
    /// Boolean.
    Boolean,
    /// UTF-8 string.
    String,
    /// Byte array.
    Bytes,
    /// Ordered list of values of one item schema.
    Array,
    /// Map from key schema to value schema.
    Map,
    /// Ordered set of named fields.
    Struct,
}

impl SchemaType {
    /// Every type, in Java's declaration order.
    pub const ALL: [SchemaType; 12] = [
        Self::Int8,
        Self::Int16,
        Self::Int32,
        Self::Int64,
        Self::Float32,
        Self::Float64,
        Self::Boolean,
        Self::String,
        Self::Bytes,
        Self::Array,
        Self::Map,
        Self::Struct,
    ];

    /// The Java enum constant name (`INT8`, `FLOAT32`, `STRUCT`...).
    pub fn java_name(self) -> &'static str {
        match self {
            Self::Int8 => "INT8",
            Self::Int16 => "INT16",
            Self::Int32 => "INT32",
            Self::Int64 => "INT64",
            Self::Float32 => "FLOAT32",
            Self::Float64 => "FLOAT64",
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Bytes => "BYTES",
            Self::Array => "ARRAY",
            Self::Map => "MAP",
            Self::Struct => "STRUCT",
        }
    }

    /// The lower-case name used by Connect's own APIs (`int8`, `float32`, `struct`...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Int8 => "int8",
            Self::Int16 => "int16",
            Self::Int32 => "int32",
            Self::Int64 => "int64",
            Self::Float32 => "float32",
            Self::Float64 => "float64",
            Self::Boolean => "boolean",
            Self::String => "string",
            Self::Bytes => "bytes",
            Self::Array => "array",
            Self::Map => "map",
            Self::Struct => "struct",
        }
    }

    /// Parses a Java enum constant name, case-insensitively (`int32`, `INT32`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.java_name().eq_ignore_ascii_case(name))
    }

    /// Whether the type is primitive (not array, map or struct).
    pub fn is_primitive(self) -> bool {
        !matches!(self, Self::Array | Self::Map | Self::Struct)
    }
}

impl fmt::Display for SchemaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.java_name())
    }
}

/// One field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Field name, unique within its struct.
    pub name: String,
    /// Position of the field in its struct.
    pub index: usize,
    /// Schema of the field's values.
    pub schema: SchemaRef,
}

/// A Connect schema (Java `ConnectSchema`). Build one with [`SchemaBuilder`] or the
/// predefined constructors ([`Schema::int32`], [`Schema::optional_string`]...).
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The type.
    pub schema_type: SchemaType,
    /// Whether null is an acceptable value.
    pub optional: bool,
    /// Value used in place of null, if any.
    pub default_value: Option<Value>,
    /// Fully qualified name; logical types are identified by name.
    pub name: Option<String>,
    /// Version of the named schema.
    pub version: Option<i32>,
    /// Documentation.
    pub doc: Option<String>,
    /// Free-form string parameters, in insertion order (e.g. Decimal's `scale`).
    pub parameters: Option<IndexMap<String, String>>,
    /// Fields, for structs (empty otherwise).
    pub fields: Vec<Field>,
    /// Key schema, for maps.
    pub key_schema: Option<SchemaRef>,
    /// Value schema, for maps; item schema, for arrays.
    pub value_schema: Option<SchemaRef>,
}

impl Schema {
    /// A bare schema of the given type: required, unnamed, no default.
    pub fn of(schema_type: SchemaType, optional: bool) -> Self {
        Schema {
            schema_type,
            optional,
            default_value: None,
            name: None,
            version: None,
            doc: None,
            parameters: None,
            fields: Vec::new(),
            key_schema: None,
            value_schema: None,
        }
    }

    /// The field with this name, for structs.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A parameter's value.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters.as_ref()?.get(key).map(String::as_str)
    }

    /// Whether the schema is named `name` (used for logical types).
    pub fn is_named(&self, name: &str) -> bool {
        self.name.as_deref() == Some(name)
    }

    /// Checks that `value` conforms to this schema; the error names the offending field path.
    pub fn validate_value(&self, value: &Value) -> crate::ConnectResult<()> {
        validate::validate(self, value, &mut Vec::new())
    }
}

macro_rules! predefined {
    ($($req:ident, $opt:ident, $ty:ident);* $(;)?) => {
        impl Schema {
            $(
                #[doc = concat!("The shared required `", stringify!($ty), "` schema.")]
                pub fn $req() -> SchemaRef {
                    static S: std::sync::OnceLock<SchemaRef> = std::sync::OnceLock::new();
                    S.get_or_init(|| Arc::new(Schema::of(SchemaType::$ty, false))).clone()
                }
                #[doc = concat!("The shared optional `", stringify!($ty), "` schema.")]
                pub fn $opt() -> SchemaRef {
                    static S: std::sync::OnceLock<SchemaRef> = std::sync::OnceLock::new();
                    S.get_or_init(|| Arc::new(Schema::of(SchemaType::$ty, true))).clone()
                }
            )*
        }
    };
}

predefined! {
    int8, optional_int8, Int8;
    int16, optional_int16, Int16;
    int32, optional_int32, Int32;
    int64, optional_int64, Int64;
    float32, optional_float32, Float32;
    float64, optional_float64, Float64;
    boolean, optional_boolean, Boolean;
    string, optional_string, String;
    bytes, optional_bytes, Bytes;
}

impl fmt::Display for Schema {
    /// Like Java's `ConnectSchema.toString`: `Schema{name:TYPE}` or `Schema{TYPE}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "Schema{{{name}:{}}}", self.schema_type),
            None => write!(f, "Schema{{{}}}", self.schema_type),
        }
    }
}
