//! Removing a group's committed offsets for single partitions (OffsetDelete, KIP-496), which
//! librdkafka's Rust binding does not offer: sent to the group coordinator over the group
//! client's connection.

use kafka_protocol::messages::offset_delete_request::{
    OffsetDeleteRequest, OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use kafka_protocol::messages::offset_delete_response::OffsetDeleteResponse;
use kafka_protocol::messages::{ApiKey, GroupId, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::client::{find_coordinator, Coordinator};
use super::{GroupConfig, GroupError};

const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
const GROUP_ID_NOT_FOUND: i16 = 69;
const GROUP_SUBSCRIBED_TO_TOPIC: i16 = 86;

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_string())
}

/// Deletes the offsets `group` committed for `partitions` (topic, partition). A group or a
/// partition with nothing committed is not an error: afterwards, nothing is committed. The
/// coordinator refuses while members of the group consume one of the topics.
pub async fn delete_offsets(
    config: &GroupConfig,
    partitions: &[(String, i32)],
) -> Result<(), GroupError> {
    if partitions.is_empty() {
        return Ok(());
    }
    let mut topics: Vec<OffsetDeleteRequestTopic> = Vec::new();
    for (topic, partition) in partitions {
        let entry = OffsetDeleteRequestPartition::default().with_partition_index(*partition);
        match topics.iter_mut().find(|t| t.name.as_str() == topic) {
            Some(t) => t.partitions.push(entry),
            None => topics.push(
                OffsetDeleteRequestTopic::default()
                    .with_name(TopicName(s(topic)))
                    .with_partitions(vec![entry]),
            ),
        }
    }
    let request = OffsetDeleteRequest::default()
        .with_group_id(GroupId(s(&config.group_id)))
        .with_topics(topics);
    let addr = find_coordinator(config).await?;
    let mut coordinator = Coordinator::connect(&addr, config).await?;
    let version = coordinator
        .conn
        .negotiate_one(ApiKey::OffsetDelete, 0)
        .await?;
    let response: OffsetDeleteResponse = coordinator
        .conn
        .call(ApiKey::OffsetDelete, version, &request, None)
        .await?;
    match response.error_code {
        0 => {}
        GROUP_ID_NOT_FOUND => return Ok(()),
        code => return Err(GroupError::Kafka(code, "OffsetDelete".into())),
    }
    for topic in &response.topics {
        for p in &topic.partitions {
            match p.error_code {
                0 | UNKNOWN_TOPIC_OR_PARTITION => {}
                GROUP_SUBSCRIBED_TO_TOPIC => {
                    return Err(GroupError::Protocol(format!(
                        "group {} still has members consuming {}",
                        config.group_id,
                        topic.name.as_str()
                    )))
                }
                code => {
                    return Err(GroupError::Kafka(
                        code,
                        format!(
                            "OffsetDelete of {}-{}",
                            topic.name.as_str(),
                            p.partition_index
                        ),
                    ))
                }
            }
        }
    }
    Ok(())
}
