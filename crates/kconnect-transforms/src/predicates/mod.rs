//! The predicates Kafka ships (`org.apache.kafka.connect.transforms.predicates`), which make a
//! transformation apply only to some records.

mod has_header_key;
mod record_is_tombstone;
mod topic_name_matches;

pub use has_header_key::HasHeaderKey;
pub use record_is_tombstone::RecordIsTombstone;
pub use topic_name_matches::TopicNameMatches;
