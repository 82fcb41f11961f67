//! What a record failure is (kafka-connect-spec.md §9): the stage and class that failed, the error, and
//! whether the task goes on. The operator in [`super::retry`] produces failures, the
//! reporters in [`super::report`] and [`super::dlq`] record them, and [`Failure::task_error`]
//! turns a fatal one into the trace a FAILED task shows.

use kconnect_api::ConnectError;

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
    /// The Java enum name (`VALUE_CONVERTER`...), as written in the `__connect.errors.stage`
    /// header.
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

    /// Whether `errors.tolerance=all` may skip records failing at this stage (Java's
    /// `TOLERABLE_EXCEPTIONS`: converters and transformations).
    pub fn is_tolerable(self) -> bool {
        matches!(
            self,
            Self::Transformation
                | Self::KeyConverter
                | Self::ValueConverter
                | Self::HeaderConverter
        )
    }

    /// What a user can do about a failure at this stage, for the task's trace.
    fn advice(self) -> &'static str {
        match self {
            Self::KeyConverter | Self::ValueConverter | Self::HeaderConverter => {
                "check that the converter settings (key.converter, value.converter, header.converter and their schemas.enable) match the data in the topic"
            }
            Self::Transformation => "check the transforms.* settings against the records they receive, or add a predicate so the transformation skips such records",
            Self::TaskPut | Self::TaskPoll => "check the connector's target system and settings",
            Self::KafkaProduce | Self::KafkaConsume => "check the broker and the client settings",
        }
    }
}

/// What the operator decided about a failed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// `errors.tolerance=all`: the record is reported and skipped; the task goes on.
    Tolerated,
    /// `errors.tolerance=none` (Java "Tolerance exceeded in error handler"): the record is
    /// reported, then the task fails. Restarting cannot help until the data or the
    /// configuration changes, so such failures are not restarted automatically.
    ToleranceExceeded,
    /// A retriable error persisted past `errors.retry.timeout`: the task fails (and may be
    /// restarted automatically). Java drops the record here; kconnect never skips a record
    /// because a system it needs was unavailable.
    RetriesExhausted,
    /// An error at a stage the framework does not tolerate (Java "Unhandled exception in
    /// error handler").
    Unhandled,
    /// The task was stopped while a retriable error was being retried: the record is neither
    /// reported nor skipped, and the task stops cleanly (its offset is not committed, so the
    /// record is processed again after a restart).
    Cancelled,
}

/// A failed operation on one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The stage that failed.
    pub stage: Stage,
    /// Java class name of the converter, transformation or task that failed.
    pub class: String,
    /// The error it raised.
    pub error: ConnectError,
    /// What happens next.
    pub verdict: Verdict,
}

impl Failure {
    /// Whether the task must stop after the failure was reported.
    pub fn is_fatal(&self) -> bool {
        self.verdict != Verdict::Tolerated
    }

    /// The error that fails the task, for a FAILED status: Java's first line
    /// (`ConnectException: Tolerance exceeded in error handler`), where it happened, the
    /// cause, and what to do. `task` is `<connector>-<n>`; `record` describes the record.
    pub fn task_error(&self, task: &str, record: &str) -> ConnectError {
        let headline = match self.verdict {
            Verdict::Tolerated | Verdict::ToleranceExceeded => {
                "Tolerance exceeded in error handler"
            }
            Verdict::RetriesExhausted => "Retries exhausted in error handler",
            Verdict::Unhandled => "Unhandled exception in error handler",
            Verdict::Cancelled => "The task was stopped while retrying in the error handler",
        };
        let todo = match self.verdict {
            Verdict::RetriesExhausted => format!(
                "The operation kept failing with a retriable error until errors.retry.timeout expired; {}, or raise errors.retry.timeout. The task is restarted automatically unless kconnect.restart.enable=false.",
                self.stage.advice()
            ),
            _ => format!(
                "To go on: {}; or set errors.tolerance=all (with errors.deadletterqueue.topic.name to keep such records). Then restart the task (POST /connectors/{}/tasks/{}/restart).",
                self.stage.advice(),
                connector_of(task),
                task_number_of(task)
            ),
        };
        ConnectError::other(format!(
            "{headline}\n\tat stage {} with class '{}' in task {task}, {record}\nCaused by: {}: {}\n{todo}",
            self.stage.name(),
            self.class,
            self.error.java_class(),
            self.error,
        ))
    }
}

fn connector_of(task: &str) -> &str {
    task.rsplit_once('-').map_or(task, |(c, _)| c)
}

fn task_number_of(task: &str) -> &str {
    task.rsplit_once('-').map_or("0", |(_, n)| n)
}

/// The text a FAILED status shows for an error: Java's `Throwable.toString()` first line
/// (`<exception class>: <message>`), followed by whatever detail lines the message carries.
pub fn trace(e: &ConnectError) -> String {
    format!("{}: {}", e.java_class(), e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_and_tolerance_are_javas() {
        let tolerable: Vec<&str> = [
            Stage::TaskPoll,
            Stage::TaskPut,
            Stage::Transformation,
            Stage::KeyConverter,
            Stage::ValueConverter,
            Stage::HeaderConverter,
            Stage::KafkaProduce,
            Stage::KafkaConsume,
        ]
        .into_iter()
        .filter(|s| s.is_tolerable())
        .map(Stage::name)
        .collect();
        assert_eq!(
            tolerable,
            [
                "TRANSFORMATION",
                "KEY_CONVERTER",
                "VALUE_CONVERTER",
                "HEADER_CONVERTER"
            ]
        );
    }

    #[test]
    fn task_error_names_stage_class_cause_and_remedy() {
        let f = Failure {
            stage: Stage::ValueConverter,
            class: "org.apache.kafka.connect.json.JsonConverter".into(),
            error: ConnectError::data("bad bytes"),
            verdict: Verdict::ToleranceExceeded,
        };
        let text = trace(&f.task_error(
            "my-sink-2",
            "consumed record is {topic='t', partition=0, offset=5}",
        ));
        assert!(text.starts_with(
            "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n"
        ), "{text}");
        for part in [
            "VALUE_CONVERTER",
            "'org.apache.kafka.connect.json.JsonConverter'",
            "Caused by: org.apache.kafka.connect.errors.DataException: bad bytes",
            "offset=5",
            "errors.tolerance=all",
            "POST /connectors/my-sink/tasks/2/restart",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
    }
}
