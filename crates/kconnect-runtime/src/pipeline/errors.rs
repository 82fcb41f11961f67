//! Error handling for record processing (spec §9): with `errors.tolerance=none` a failed
//! conversion or transformation fails the task; with `all` the record is skipped. Failures
//! are logged when `errors.log.enable` is set.

use kconnect_api::ConnectError;

use crate::config::keys::{ERRORS_LOG_ENABLE, ERRORS_LOG_INCLUDE_MESSAGES};
use crate::config::ConnectorConfig;

/// Where in the pipeline a failure happened (Java `Stage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The source task's `poll`.
    TaskPoll,
    /// The sink task's `put`.
    TaskPut,
    /// A transformation.
    Transformation,
    /// The key converter.
    KeyConverter,
    /// The value converter.
    ValueConverter,
    /// The header converter.
    HeaderConverter,
    /// Sending to Kafka.
    KafkaProduce,
    /// Reading from Kafka.
    KafkaConsume,
}

impl Stage {
    /// The Java enum name (`VALUE_CONVERTER`...).
    pub fn name(self) -> &'static str {
        match self {
            Self::TaskPoll => "TASK_POLL",
            Self::TaskPut => "TASK_PUT",
            Self::Transformation => "TRANSFORMATION",
            Self::KeyConverter => "KEY_CONVERTER",
            Self::ValueConverter => "VALUE_CONVERTER",
            Self::HeaderConverter => "HEADER_CONVERTER",
            Self::KafkaProduce => "KAFKA_PRODUCE",
            Self::KafkaConsume => "KAFKA_CONSUME",
        }
    }
}

/// Decides what a record failure means for the task.
#[derive(Debug, Clone)]
pub struct ErrorHandler {
    task: String,
    tolerate_all: bool,
    log: bool,
    include_messages: bool,
}

impl ErrorHandler {
    /// The handler for task `task` (`<connector>-<n>`) of a connector.
    pub fn new(task: String, config: &ConnectorConfig) -> Self {
        Self {
            task,
            tolerate_all: config.tolerate_all(),
            log: config.parsed().boolean(ERRORS_LOG_ENABLE),
            include_messages: config.parsed().boolean(ERRORS_LOG_INCLUDE_MESSAGES),
        }
    }

    /// Handles a failure: `Ok(())` means skip the record and go on; `Err` means the task
    /// must fail, with a message saying where and why.
    pub fn handle(
        &self,
        stage: Stage,
        class: &str,
        error: &ConnectError,
        record: impl FnOnce() -> String,
    ) -> Result<(), ConnectError> {
        if self.log {
            let details = if self.include_messages {
                format!(", where {}", record())
            } else {
                String::new()
            };
            tracing::error!(
                "Error encountered in task {}. Executing stage '{}' with class '{}'{}. {}",
                self.task,
                stage.name(),
                class,
                details,
                error
            );
        }
        if self.tolerate_all {
            Ok(())
        } else {
            Err(ConnectError::other(format!(
                "Tolerance exceeded in error handler: stage {} with class {} failed: {} ({}). Fix the data or the configuration, or set errors.tolerance=all to skip such records.",
                stage.name(),
                class,
                error,
                error.java_class()
            )))
        }
    }
}
