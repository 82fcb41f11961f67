//! Acknowledgements of a source task's records (kafka-connect-spec.md §8.3e): the producer's delivery reports
//! (and dead letter queue writes) acknowledge submitted records so their offsets become
//! committable; a failed delivery either fails the task or, when the record itself was
//! refused and `errors.tolerance=all`, is reported and skipped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kconnect_api::plugin::RecordMetadata;
use kconnect_kafka::rdkafka::error::{KafkaError, RDKafkaErrorCode};
use kconnect_kafka::rdkafka::message::Message;
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
    failure: Mutex<Option<String>>,
    /// Whether `failure` was set: the loop checks it for every record, without a lock.
    failed: AtomicBool,
    /// Wakes the loop when records were acknowledged.
    pub notify: Notify,
    /// `errors.tolerance=all`.
    pub tolerate_all: bool,
    /// `errors.log.enable`.
    pub log_errors: bool,
    /// The task, for logs.
    pub task: TaskId,
    /// Acknowledgements in order, for the task's `commit_record` (`None` when the task does
    /// not want them): opaque id and where the record landed (`None`: not written).
    pub record_acks: Option<Mutex<Vec<RecordAck>>>,
}

/// One acknowledged record, for the task's `commit_record`: its opaque id and where it
/// landed in Kafka (`None`: dropped or skipped).
pub type RecordAck = (usize, Option<RecordMetadata>);

impl AckState {
    /// A fresh state.
    pub fn new(task: TaskId, tolerate_all: bool, log_errors: bool) -> Self {
        Self {
            submitted: Mutex::new(SubmittedRecords::new()),
            failure: Mutex::new(None),
            failed: AtomicBool::new(false),
            notify: Notify::new(),
            tolerate_all,
            log_errors,
            task,
            record_acks: None,
        }
    }

    /// Also queues acknowledgements for the task's `commit_record`.
    pub fn with_record_acks(mut self) -> Self {
        self.record_acks = Some(Mutex::new(Vec::new()));
        self
    }

    /// Queues an acknowledgement for the task's `commit_record`, if it wants them (call
    /// before [`AckState::ack`]).
    pub fn record_ack(&self, opaque: usize, metadata: impl FnOnce() -> Option<RecordMetadata>) {
        if let Some(Ok(mut acks)) = self.record_acks.as_ref().map(|a| a.lock()) {
            acks.push((opaque, metadata()));
        }
    }

    /// Takes the acknowledgements queued for `commit_record`, oldest first.
    pub fn take_record_acks(&self) -> Vec<RecordAck> {
        match self.record_acks.as_ref().map(|a| a.lock()) {
            Some(Ok(mut acks)) => std::mem::take(&mut *acks),
            _ => Vec::new(),
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
        self.failed.store(true, Ordering::Release);
        self.notify.notify_one();
    }

    /// Whether the task must fail (cheap: no lock).
    pub fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// Why the task must fail, if it must.
    pub fn failure(&self) -> Option<String> {
        if !self.has_failed() {
            return None;
        }
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

/// What a failed delivery report means for the record and the task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryFailure {
    /// The producer was closed with the record still queued (shutdown): nothing to do. The
    /// record is not acknowledged, so its offset is not committed and it is sent again after
    /// a restart.
    Purged,
    /// Kafka refused the record and `errors.tolerance=all`: report it, then acknowledge it so
    /// its offset may be committed.
    Skip,
    /// The task must fail, for this reason.
    Fail(String),
}

/// Decides what a failed delivery means (kafka-connect-spec.md §8.3e).
pub fn delivery_failure(err: &KafkaError, tolerate_all: bool) -> DeliveryFailure {
    use RDKafkaErrorCode as C;
    if matches!(
        err.rdkafka_error_code(),
        Some(C::PurgeQueue | C::PurgeInflight)
    ) {
        DeliveryFailure::Purged
    } else if is_unavailable(err) {
        // Never skip a record because Kafka was down: fail, and let the restart (with its
        // backoff) send it again from the last committed offset.
        DeliveryFailure::Fail(format!(
            "Kafka did not accept a record in time ({err}); the task stops without committing it and can be restarted to send it again"
        ))
    } else if tolerate_all {
        DeliveryFailure::Skip
    } else {
        DeliveryFailure::Fail(format!(
            "Unrecoverable exception from producer send callback: {err}"
        ))
    }
}

impl ProducerContext for AckContext {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, opaque: usize) {
        let err = match result {
            Ok(message) => {
                self.state.record_ack(opaque, || {
                    Some(RecordMetadata {
                        topic: message.topic().to_owned(),
                        partition: message.partition(),
                        offset: message.offset(),
                    })
                });
                self.state.ack(opaque);
                return;
            }
            Err((err, _)) => err,
        };
        let state = &self.state;
        match delivery_failure(err, state.tolerate_all) {
            DeliveryFailure::Purged => {
                tracing::debug!(task = %state.task, "a record still queued when the producer closed was not sent: {err}");
            }
            DeliveryFailure::Skip => {
                if state.log_errors {
                    tracing::error!(
                        "Error encountered in task {}. Executing stage 'KAFKA_PRODUCE' with class 'org.apache.kafka.connect.runtime.WorkerSourceTask'.\n{err}",
                        state.task
                    );
                }
                tracing::warn!(task = %state.task, "Kafka refused a record, skipped (errors.tolerance=all): {err}");
                state.record_ack(opaque, || None);
                state.ack(opaque);
            }
            DeliveryFailure::Fail(reason) => state.fail(reason),
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
    fn purged_records_are_neither_skipped_nor_failed() {
        for code in [
            RDKafkaErrorCode::PurgeQueue,
            RDKafkaErrorCode::PurgeInflight,
        ] {
            let purged = KafkaError::MessageProduction(code);
            assert_eq!(delivery_failure(&purged, true), DeliveryFailure::Purged);
            assert_eq!(delivery_failure(&purged, false), DeliveryFailure::Purged);
        }
        let too_large = KafkaError::MessageProduction(RDKafkaErrorCode::MessageSizeTooLarge);
        assert_eq!(delivery_failure(&too_large, true), DeliveryFailure::Skip);
        assert!(matches!(
            delivery_failure(&too_large, false),
            DeliveryFailure::Fail(r) if r.starts_with("Unrecoverable exception from producer send callback")
        ));
        let timeout = KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut);
        assert!(matches!(
            delivery_failure(&timeout, true),
            DeliveryFailure::Fail(_)
        ));
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
