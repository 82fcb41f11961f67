//! The single message transformations (SMTs) and predicates that Apache Kafka ships, for
//! kconnect. Java class names are accepted as users write them in connector configs.

mod calendar;
pub mod cast;
mod cast_value;
mod config_util;
pub mod extract_field;
mod field_path;
pub mod insert_field;
pub mod java_date_format;
mod java_number;
pub mod java_regex;
pub mod java_replacement;
pub mod mask_field;
pub mod replace_field;
mod requirements;
pub mod schema_cache;
mod schema_util;
pub mod target;
#[cfg(test)]
mod test_support;
pub mod value_to_key;

pub use target::Target;
