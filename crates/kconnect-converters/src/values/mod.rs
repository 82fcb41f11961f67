//! Text forms of Connect values (Java `org.apache.kafka.connect.data.Values`): rendering any
//! value as text, inferring a schema and value back from text, and converting values between
//! schema types.
//!
//! Dates are always written and read as UTC. Java uses the JVM's default time zone (while
//! still writing a literal `Z`); kconnect deliberately does not reproduce that, so its text
//! matches a Java worker running in UTC.

mod convert;
mod entries;
mod format;
mod merge;
mod number;
mod parse;
pub mod temporal;
mod tokenizer;

pub use convert::convert_to;
pub use format::convert_to_string;
pub use number::parse_decimal;
pub use parse::{parse_string, MAX_NESTING};
