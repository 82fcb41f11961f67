//! The number converters of `org.apache.kafka.connect.converters`: `ShortConverter`,
//! `IntegerConverter`, `LongConverter`, `FloatConverter` and `DoubleConverter`. Each writes its
//! type in the fixed-width big-endian layout of Kafka's matching serializer.

use std::fmt;
use std::marker::PhantomData;

use kconnect_api::value::SchemaAndValue;
use kconnect_api::{ConnectError, ConnectResult, Schema, SchemaRef, Value};

use crate::config::ConverterType;
use crate::plumbing::impl_simple_converter;

/// One fixed-width number layout: what a number converter accepts, writes and reads.
pub trait NumberFormat: Send + 'static {
    /// The Java class name of the converter using this layout.
    const CLASS: &'static str;
    /// The type name used in error messages (`short`, `integer`, `long`, `float`, `double`).
    const TYPE_NAME: &'static str;
    /// The Java class a value must have.
    const JAVA_CLASS: &'static str;
    /// The Kafka deserializer named in size errors (as Kafka names it).
    const DESERIALIZER: &'static str;
    /// Encoded width in bytes.
    const WIDTH: usize;

    /// The schema of deserialized values (optional, of this type).
    fn schema() -> SchemaRef;
    /// The big-endian encoding of a value of this type; `None` for any other value.
    fn encode(value: &Value) -> Option<Vec<u8>>;
    /// Decodes exactly [`Self::WIDTH`] bytes.
    fn decode(bytes: &[u8]) -> Value;
}

macro_rules! number_format {
    ($(#[$doc:meta])* $format:ident, $class:literal, $type_name:literal, $java:literal,
     $deser:literal, $variant:ident, $rust:ty, $schema:ident, $to_bytes:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $format;

        impl NumberFormat for $format {
            const CLASS: &'static str = $class;
            const TYPE_NAME: &'static str = $type_name;
            const JAVA_CLASS: &'static str = $java;
            const DESERIALIZER: &'static str = $deser;
            const WIDTH: usize = std::mem::size_of::<$rust>();

            fn schema() -> SchemaRef {
                Schema::$schema()
            }

            fn encode(value: &Value) -> Option<Vec<u8>> {
                let to_bytes: fn($rust) -> [u8; std::mem::size_of::<$rust>()] = $to_bytes;
                match value {
                    Value::$variant(v) => Some(to_bytes(*v).to_vec()),
                    _ => None,
                }
            }

            fn decode(bytes: &[u8]) -> Value {
                let mut buf = [0u8; std::mem::size_of::<$rust>()];
                buf.copy_from_slice(bytes);
                Value::$variant(<$rust>::from_be_bytes(buf))
            }
        }
    };
}

number_format!(
    /// 16-bit signed integers (Kafka `ShortSerializer`).
    ShortFormat, "org.apache.kafka.connect.converters.ShortConverter", "short",
    "java.lang.Short", "ShortDeserializer", Int16, i16, optional_int16, i16::to_be_bytes
);
number_format!(
    /// 32-bit signed integers (Kafka `IntegerSerializer`).
    IntegerFormat, "org.apache.kafka.connect.converters.IntegerConverter", "integer",
    "java.lang.Integer", "IntegerDeserializer", Int32, i32, optional_int32, i32::to_be_bytes
);
number_format!(
    /// 64-bit signed integers (Kafka `LongSerializer`).
    LongFormat, "org.apache.kafka.connect.converters.LongConverter", "long",
    "java.lang.Long", "LongDeserializer", Int64, i64, optional_int64, i64::to_be_bytes
);
number_format!(
    /// 32-bit floats, raw IEEE 754 bits (Kafka `FloatSerializer`, `floatToRawIntBits`). Kafka's
    /// `FloatDeserializer` names itself just `Deserializer` in its size error.
    FloatFormat, "org.apache.kafka.connect.converters.FloatConverter", "float",
    "java.lang.Float", "Deserializer", Float32, f32, optional_float32, f32::to_be_bytes
);
number_format!(
    /// 64-bit floats (Kafka `DoubleSerializer`, `doubleToLongBits`: every NaN is written as
    /// the canonical NaN).
    DoubleFormat, "org.apache.kafka.connect.converters.DoubleConverter", "double",
    "java.lang.Double", "DoubleDeserializer", Float64, f64, optional_float64,
    |d: f64| if d.is_nan() { f64::NAN.to_be_bytes() } else { d.to_be_bytes() }
);

/// A converter for one number type. Null is written as no bytes (and no bytes read as null);
/// any other value must have exactly the converter's type, whatever the schema says, and
/// bytes read must have exactly its width. Deserialized values carry the optional schema of
/// the type.
pub struct NumberConverter<F: NumberFormat> {
    converter_type: ConverterType,
    format: PhantomData<fn() -> F>,
}

/// `org.apache.kafka.connect.converters.ShortConverter`: `INT16`, 2 bytes big-endian.
pub type ShortConverter = NumberConverter<ShortFormat>;
/// `org.apache.kafka.connect.converters.IntegerConverter`: `INT32`, 4 bytes big-endian.
pub type IntegerConverter = NumberConverter<IntegerFormat>;
/// `org.apache.kafka.connect.converters.LongConverter`: `INT64`, 8 bytes big-endian.
pub type LongConverter = NumberConverter<LongFormat>;
/// `org.apache.kafka.connect.converters.FloatConverter`: `FLOAT32`, 4 bytes IEEE 754.
pub type FloatConverter = NumberConverter<FloatFormat>;
/// `org.apache.kafka.connect.converters.DoubleConverter`: `FLOAT64`, 8 bytes IEEE 754.
pub type DoubleConverter = NumberConverter<DoubleFormat>;

impl<F: NumberFormat> NumberConverter<F> {
    /// A new converter.
    pub fn new() -> Self {
        Self {
            converter_type: ConverterType::default(),
            format: PhantomData,
        }
    }

    /// How the converter was configured to be used.
    pub fn converter_type(&self) -> ConverterType {
        self.converter_type
    }

    /// The value's encoding; `None` for null. The schema is not consulted: like Java's, the
    /// number converters go by the value's type.
    pub fn to_bytes(_schema: Option<&SchemaRef>, value: &Value) -> ConnectResult<Option<Vec<u8>>> {
        if value.is_null() {
            return Ok(None);
        }
        F::encode(value).map(Some).ok_or_else(|| {
            ConnectError::data(format!(
                "Failed to serialize to {} (was class {}): a {} is required",
                F::TYPE_NAME,
                value.java_class_name(),
                F::JAVA_CLASS
            ))
        })
    }

    /// The value encoded by `bytes` (null for no bytes), with the optional schema of the type.
    pub fn to_value(bytes: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        let value = match bytes {
            None => Value::Null,
            Some(b) if b.len() == F::WIDTH => F::decode(b),
            Some(_) => {
                return Err(ConnectError::data(format!(
                    "Failed to deserialize {}: Size of data received by {} is not {}",
                    F::TYPE_NAME,
                    F::DESERIALIZER,
                    F::WIDTH
                )))
            }
        };
        Ok(SchemaAndValue::with_schema(F::schema(), value))
    }
}

impl<F: NumberFormat> Default for NumberConverter<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: NumberFormat> Clone for NumberConverter<F> {
    fn clone(&self) -> Self {
        Self {
            converter_type: self.converter_type,
            format: PhantomData,
        }
    }
}

impl<F: NumberFormat> fmt::Debug for NumberConverter<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NumberConverter")
            .field("class", &F::CLASS)
            .field("converter_type", &self.converter_type)
            .finish()
    }
}

impl_simple_converter!(generic F: NumberFormat; NumberConverter<F>);
