//! The simple converters of Kafka Connect, for kconnect: `StringConverter`,
//! `ByteArrayConverter`, the number converters (`ShortConverter`, `IntegerConverter`,
//! `LongConverter`, `FloatConverter`, `DoubleConverter`), `BooleanConverter`, and the default
//! header converter `SimpleHeaderConverter` with the text forms of values it relies on
//! ([`values`]).
//!
//! Every converter here writes the same bytes as its Java counterpart and accepts the same
//! configuration; [`registry`] finds them by their Java class names and aliases.

pub mod config;
pub mod encoding;
pub mod values;

mod boolean;
mod bytes;
mod header;
mod number;
mod plumbing;
pub mod registry;
mod string;

pub use boolean::BooleanConverter;
pub use bytes::ByteArrayConverter;
pub use config::ConverterType;
pub use encoding::Charset;
pub use header::SimpleHeaderConverter;
pub use number::{
    DoubleConverter, DoubleFormat, FloatConverter, FloatFormat, IntegerConverter, IntegerFormat,
    LongConverter, LongFormat, NumberConverter, NumberFormat, ShortConverter, ShortFormat,
};
pub use registry::{converter_by_name, header_converter_by_name};
pub use string::{StringConverter, ENCODING_CONFIG};
