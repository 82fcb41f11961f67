//! What happens to a record between a task and Kafka: the transformation chain, the
//! converters, and the error handling that decides whether a failure stops the task.

pub mod converters;
pub mod errors;
pub mod transforms;

pub use converters::TaskConverters;
pub use errors::{ErrorHandler, Stage};
pub use transforms::TransformChain;
