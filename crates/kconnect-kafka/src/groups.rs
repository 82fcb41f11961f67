//! Consumer-group offsets of sink connectors (KIP-875): read the committed offsets of a group,
//! commit explicit offsets on its behalf (only valid while the group has no members), and
//! delete the group. Blocking calls; run them off the async executor.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use crate::client_config::ClientProps;
use crate::error::KafkaError;

/// A committed offset: topic, partition, next offset to consume.
pub type PartitionOffset = (String, i32, i64);

fn consumer(props: &ClientProps) -> Result<BaseConsumer, KafkaError> {
    let mut props = props.clone();
    props.set("enable.auto.commit", "false");
    Ok(props.to_rdkafka()?.create()?)
}

/// The offsets the group in `props` (`group.id`) has committed for the partitions of every
/// topic accepted by `wants`, sorted by topic and partition.
pub fn committed_offsets(
    props: &ClientProps,
    wants: &dyn Fn(&str) -> bool,
    timeout: Duration,
) -> Result<Vec<PartitionOffset>, KafkaError> {
    let consumer = consumer(props)?;
    let metadata = consumer.fetch_metadata(None, timeout)?;
    let mut tpl = TopicPartitionList::new();
    for topic in metadata.topics() {
        if topic.error().is_none() && wants(topic.name()) {
            for p in topic.partitions() {
                tpl.add_partition(topic.name(), p.id());
            }
        }
    }
    if tpl.count() == 0 {
        return Ok(Vec::new());
    }
    let committed = consumer.committed_offsets(tpl, timeout)?;
    let mut out: Vec<PartitionOffset> = committed
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) if o >= 0 => Some((e.topic().to_string(), e.partition(), o)),
            _ => None,
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Commits `offsets` for the group in `props` without joining it. Kafka accepts this only
/// while the group has no active members.
pub fn commit_offsets(props: &ClientProps, offsets: &[PartitionOffset]) -> Result<(), KafkaError> {
    let consumer = consumer(props)?;
    let mut tpl = TopicPartitionList::new();
    for (topic, partition, offset) in offsets {
        tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset))?;
    }
    consumer.commit(&tpl, CommitMode::Sync)?;
    Ok(())
}

/// What deleting a group did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupDeletion {
    /// The group and its offsets are gone.
    Deleted,
    /// There was no such group (nothing to do).
    NotFound,
    /// The group still has members, so it was kept.
    NotEmpty,
}

/// Deletes a consumer group and its committed offsets.
pub async fn delete_group(
    props: &ClientProps,
    group: &str,
    timeout: Duration,
) -> Result<GroupDeletion, KafkaError> {
    let admin: AdminClient<DefaultClientContext> = props.to_rdkafka()?.create()?;
    let options = AdminOptions::new().operation_timeout(Some(timeout));
    let results = admin.delete_groups(&[group], &options).await?;
    match results.into_iter().next() {
        Some(Ok(_)) | None => Ok(GroupDeletion::Deleted),
        Some(Err((_, RDKafkaErrorCode::GroupIdNotFound))) => Ok(GroupDeletion::NotFound),
        Some(Err((_, RDKafkaErrorCode::NonEmptyGroup))) => Ok(GroupDeletion::NotEmpty),
        Some(Err((name, code))) => Err(KafkaError::Client(format!(
            "could not delete consumer group {name}: {code}"
        ))),
    }
}
