//! Errors from Kafka clients.

use thiserror::Error;

/// A failure talking to Kafka.
#[derive(Debug, Error)]
pub enum KafkaError {
    /// The client configuration was rejected; names the key when librdkafka does.
    #[error("invalid Kafka client configuration: {0}")]
    Config(String),
    /// A transient failure (broker unavailable, timeout); retrying may succeed.
    #[error("Kafka is not reachable right now ({0}); will retry")]
    Retriable(String),
    /// Any other client failure.
    #[error("Kafka client error: {0}")]
    Client(String),
}

impl KafkaError {
    /// Whether retrying the operation may succeed.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Self::Retriable(_))
    }
}

impl From<rdkafka::error::KafkaError> for KafkaError {
    fn from(err: rdkafka::error::KafkaError) -> Self {
        use rdkafka::error::KafkaError as K;
        use rdkafka::types::RDKafkaErrorCode as C;
        match &err {
            K::ClientCreation(msg) => Self::Config(msg.clone()),
            _ => match err.rdkafka_error_code() {
                Some(
                    C::BrokerTransportFailure
                    | C::AllBrokersDown
                    | C::OperationTimedOut
                    | C::RequestTimedOut
                    | C::NetworkException
                    | C::LeaderNotAvailable
                    | C::NotLeaderForPartition
                    | C::CoordinatorNotAvailable
                    | C::NotCoordinator
                    | C::CoordinatorLoadInProgress
                    | C::QueueFull
                    | C::UnknownTopicOrPartition,
                ) => Self::Retriable(err.to_string()),
                _ => Self::Client(err.to_string()),
            },
        }
    }
}
