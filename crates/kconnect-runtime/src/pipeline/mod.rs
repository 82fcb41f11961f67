//! What happens to a record between a task and Kafka: the transformation chain, the
//! converters, and the error handling (retries, tolerance, error log, dead letter queue) that
//! decides whether a failure stops the task.

pub mod converters;
pub mod dlq;
pub mod dlq_headers;
pub mod errant;
pub mod errors;
pub mod report;
pub mod retry;
pub mod task_errors;
pub mod transforms;

pub use converters::TaskConverters;
pub use errors::{Failure, Stage, Verdict};
pub use task_errors::{ErrorHandler, TaskErrors};
pub use transforms::TransformChain;
