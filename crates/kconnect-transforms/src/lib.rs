//! The single message transformations (SMTs) and predicates that Apache Kafka ships, for
//! kconnect, behaving as Kafka's do and accepting the Java class names users write in
//! connector configurations.
//!
//! * One module per transformation; those with `$Key`/`$Value` variants take a [`Target`].
//! * [`transformation_by_name`] and [`predicate_by_name`] build them from Java class names or
//!   aliases; [`TRANSFORMATION_CLASSES`] and [`PREDICATE_CLASSES`] list them.
//! * Java semantics users rely on are reproduced in shared modules: date patterns
//!   ([`java_date_format`]), regular expressions and replacement strings ([`java_regex`],
//!   [`java_replacement`]), number parsing and narrowing, and the per-transformation cache of
//!   derived schemas ([`schema_cache`]).
//! * Invalid configuration fails `configure` with [`ConnectError::Config`] naming the key;
//!   a record a transformation cannot handle fails `apply` (mostly [`ConnectError::Data`]).
//!
//! [`ConnectError::Config`]: kconnect_api::ConnectError::Config
//! [`ConnectError::Data`]: kconnect_api::ConnectError::Data

pub mod cast;
mod cast_value;
mod config_util;
pub mod drop_headers;
pub mod extract_field;
mod field_path;
pub mod filter;
pub mod flatten;
pub mod header_from;
pub mod hoist_field;
pub mod insert_field;
pub mod insert_header;
pub mod java_date_format;
mod java_date_parse;
mod java_number;
pub mod java_regex;
mod java_regex_syntax;
pub mod java_replacement;
pub mod mask_field;
pub mod predicates;
pub mod regex_router;
mod registry;
pub mod replace_field;
mod requirements;
pub mod schema_cache;
mod schema_util;
pub mod set_schema_metadata;
pub mod target;
#[cfg(test)]
mod test_support;
pub mod timestamp_converter;
pub mod timestamp_router;
pub mod value_to_key;

pub use registry::{
    predicate_by_name, transformation_by_name, PREDICATE_ALIASES, PREDICATE_CLASSES,
    TRANSFORMATION_ALIASES, TRANSFORMATION_CLASSES,
};
pub use target::Target;
