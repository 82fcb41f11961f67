//! Acknowledgements of a source task's records (spec §8.3e): the producer's delivery reports
//! (and dead letter queue writes) acknowledge submitted records so their offsets become
//! committable; a failed delivery either fails the task or, when the record itself was
//! refused and `errors.tolerance=all`, is reported and skipped.

use std::sync::{Arc, Mutex};

use kconnect_kafka::rdkafka::error::{KafkaError, RDKafkaErrorCode};
use kconnect_kafka::rdkafka::producer::{DeliveryResult, ProducerContext};
use kconnect_kafka::rdkafka::ClientContext;
use tokio::sync::Notify;

use super::submitted::SubmittedRecords;
use super::TaskId;

/// Shared between the loop, the producer's delivery callback and dead letter queue writes.
pub struct AckState {
    /// Records sent and not yet acknowledged.
    pub submitted: Mutex<SubmittedRecords>,
    /// Why the task must fail, once something failed for good.
    pub failure: Mutex<Option<String>>,
    /// Wakes the loop when records were acknowledged.
    pub notify: Notify,
    /// `errors.tolerance=all`.
    pub tolerate_all: bool,
    /// `errors.log.enable`.
    pub log_errors: bool,
    /// The task, for logs.
    pub task: TaskId,
}

impl AckState {
    /// A fresh state.
    pub fn new(task: TaskId, tolerate_all: bool, log_errors: bool) -> Self {
        Self {
            submitted: Mutex::new(SubmittedRecords::new()),
            failure: Mutex::new(None),
            notify: Notify::new(),
            tolerate_all,
            log_errors,
            task,
        }
    }

    /// Acknowledges a record: its offset may be committed once all before it are.
    pub fn ack(&self, opaque: usize) {
        if let Ok(mut s) = self.submitted.lock() {
            s.ack(opaque);
        }
        self.notify.notify_one();
    }

    /// Records why the task must fail (the first reason wins) and wakes the loop.
    pub fn fail(&self, reason: String) {
        if let Ok(mut failure) = self.failure.lock() {
            failure.get_or_insert(reason);
        }
        self.notify.notify_one();
    }

    /// Why the task must fail, if it must.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }
}

/// Whether a delivery error means Kafka was unavailable (the record is fine and must not be
/// skipped) rather than that the record was refused.
pub fn is_unavailable(err: &KafkaError) -> bool {
    use RDKafkaErrorCode as C;
    matches!(
        err.rdkafka_error_code(),
        Some(
            C::MessageTimedOut
                | C::BrokerTransportFailure
                | C::AllBrokersDown
                | C::OperationTimedOut
                | C::RequestTimedOut
                | C::NetworkException
                | C::LeaderNotAvailable
                | C::NotLeaderForPartition
                | C::NotEnoughReplicas
                | C::NotEnoughReplicasAfterAppend
                | C::UnknownTopicOrPartition
                | C::QueueFull
        )
    )
}

/// The producer context: delivery reports acknowledge submitted records.
pub struct AckContext {
    /// The shared state.
    pub state: Arc<AckState>,
}

impl ClientContext for AckContext {}

impl ProducerContext for AckContext {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, opaque: usize) {
        let Err((err, _)) = result else {
            self.state.ack(opaque);
            return;
        };
        let state = &self.state;
        if is_unavailable(err) {
            // Never skip a record because Kafka was down: fail, and let the restart (with its
            // backoff) send it again from the last committed offset.
            state.fail(format!(
                "Kafka did not accept a record in time ({err}); the task stops without committing it and can be restarted to send it again"
            ));
        } else if state.tolerate_all {
            if state.log_errors {
                tracing::error!(
                    "Error encountered in task {}. Executing stage 'KAFKA_PRODUCE' with class 'org.apache.kafka.connect.runtime.WorkerSourceTask'.\n{err}",
                    state.task
                );
            }
            tracing::warn!(task = %state.task, "Kafka refused a record, skipped (errors.tolerance=all): {err}");
            state.ack(opaque);
        } else {
            state.fail(format!(
                "Unrecoverable exception from producer send callback: {err}"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailability_is_told_from_refusal() {
        let timeout = KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut);
        let too_large = KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge);
        assert!(is_unavailable(&timeout));
        assert!(!is_unavailable(&too_large));
    }

    #[test]
    fn first_failure_wins_and_acks_free_offsets() {
        let task = TaskId {
            connector: "c".into(),
            task: 0,
        };
        let state = AckState::new(task, false, false);
        assert_eq!(state.failure(), None);
        state.fail("one".into());
        state.fail("two".into());
        assert_eq!(state.failure().as_deref(), Some("one"));
        let opaque = state
            .submitted
            .lock()
            .map(|mut s| s.submit(None, None))
            .unwrap_or(usize::MAX);
        state.ack(opaque);
        assert_eq!(state.submitted.lock().map(|s| s.in_flight()).ok(), Some(0));
    }
}
