//! Topic creation for source connectors (KIP-158, kafka-connect-spec.md §3.5): active when the worker allows
//! it and the connector sets any `topic.creation.` key; the first time a task sends to a
//! topic that does not exist, it is created with the settings of the first matching group.

use std::collections::HashSet;

use kconnect_api::config::with_prefix;
use kconnect_api::{ConfigError, ConfigMap, ConnectError, ConnectResult};
use kconnect_kafka::admin::{Admin, TopicSpec};
use regex::Regex;

use crate::config::keys::{TOPIC_CREATION_GROUPS, TOPIC_CREATION_PREFIX};

struct Group {
    is_default: bool,
    include: Option<Regex>,
    exclude: Option<Regex>,
    partitions: i32,
    replication_factor: i16,
    configs: Vec<(String, String)>,
}

/// Creates missing topics for one source task.
pub struct TopicCreator {
    admin: Admin,
    groups: Vec<Group>,
    known: HashSet<String>,
}

fn patterns(key: &str, raw: Option<&String>) -> Result<Option<Regex>, ConfigError> {
    let list: Vec<&str> = raw
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if list.is_empty() {
        return Ok(None);
    }
    let joined = format!("^(?:{})$", list.join("|"));
    Regex::new(&joined)
        .map(Some)
        .map_err(|e| ConfigError::invalid(key, raw.cloned().unwrap_or_default(), e.to_string()))
}

fn number<T: std::str::FromStr>(
    props: &ConfigMap,
    key: &str,
    default: Option<T>,
) -> Result<T, ConfigError> {
    match props.get(key) {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConfigError::invalid(key, v, "Not a number")),
        None => default.ok_or_else(|| ConfigError::missing(key)),
    }
}

fn group(props: &ConfigMap, name: &str, default: Option<(i32, i16)>) -> Result<Group, ConfigError> {
    let prefix = format!("{TOPIC_CREATION_PREFIX}{name}.");
    let own = with_prefix(props, &prefix);
    let partitions_key = format!("{prefix}partitions");
    let rf_key = format!("{prefix}replication.factor");
    let partitions: i32 = number(props, &partitions_key, default.map(|d| d.0))?;
    let replication_factor: i16 = number(props, &rf_key, default.map(|d| d.1))?;
    if partitions == 0 || partitions < -1 {
        return Err(ConfigError::invalid(
            partitions_key,
            partitions.to_string(),
            "Number of partitions must be positive, or -1 to use the broker's default",
        ));
    }
    if replication_factor == 0 || replication_factor < -1 {
        return Err(ConfigError::invalid(
            rf_key,
            replication_factor.to_string(),
            "Replication factor must be positive, or -1 to use the broker's default",
        ));
    }
    let (include, exclude) = if default.is_none() {
        (None, None)
    } else {
        (
            patterns(&format!("{prefix}include"), own.get("include"))?,
            patterns(&format!("{prefix}exclude"), own.get("exclude"))?,
        )
    };
    let configs = own
        .into_iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "include" | "exclude" | "partitions" | "replication.factor"
            )
        })
        .collect();
    Ok(Group {
        is_default: default.is_none(),
        include,
        exclude,
        partitions,
        replication_factor,
        configs,
    })
}

/// The first group that claims `topic`. The default group (last) takes every topic not
/// claimed earlier; any other group claims only topics its `include` matches (as in Java,
/// an empty include matches nothing), unless its `exclude` matches too.
fn matching_group<'a>(groups: &'a [Group], topic: &str) -> Option<&'a Group> {
    groups.iter().find(|g| {
        let included = match &g.include {
            Some(r) => r.is_match(topic),
            None => g.is_default,
        };
        let excluded = g.exclude.as_ref().is_some_and(|r| r.is_match(topic));
        included && !excluded
    })
}

/// Whether a connector config asks for topic creation.
pub fn requested(props: &ConfigMap) -> bool {
    props.keys().any(|k| k.starts_with(TOPIC_CREATION_PREFIX))
}

/// Checks a connector's `topic.creation.*` settings.
pub fn validate(props: &ConfigMap) -> Result<(), ConfigError> {
    parse_groups(props).map(|_| ())
}

fn parse_groups(props: &ConfigMap) -> Result<Vec<Group>, ConfigError> {
    let default = group(props, "default", None)?;
    let mut groups = Vec::new();
    let names: Vec<String> = props
        .get(TOPIC_CREATION_GROUPS)
        .map(|s| {
            s.split(',')
                .map(|g| g.trim().to_string())
                .filter(|g| !g.is_empty() && g != "default")
                .collect()
        })
        .unwrap_or_default();
    for name in names {
        groups.push(group(
            props,
            &name,
            Some((default.partitions, default.replication_factor)),
        )?);
    }
    groups.push(default);
    Ok(groups)
}

impl TopicCreator {
    /// A creator for a connector's settings.
    pub fn new(admin: Admin, props: &ConfigMap) -> Result<Self, ConfigError> {
        Ok(Self {
            admin,
            groups: parse_groups(props)?,
            known: HashSet::new(),
        })
    }

    /// Makes sure `topic` exists, creating it on first use if needed.
    pub async fn ensure(&mut self, topic: &str) -> ConnectResult<()> {
        if self.known.contains(topic) {
            return Ok(());
        }
        let exists = tokio::task::block_in_place(|| self.admin.partition_count(topic))
            .map_err(|e| ConnectError::Retriable(format!("cannot describe topic {topic}: {e}")))?
            .is_some();
        if !exists {
            let group = matching_group(&self.groups, topic).ok_or_else(|| {
                ConnectError::other(format!("no topic creation group matches topic {topic}"))
            })?;
            let spec = TopicSpec {
                name: topic.to_string(),
                partitions: group.partitions,
                replication_factor: group.replication_factor,
                configs: group.configs.clone(),
            };
            let created =
                self.admin.create_topic(&spec).await.map_err(|e| {
                    ConnectError::other(format!("cannot create topic {topic}: {e}"))
                })?;
            if created {
                tracing::info!(topic, partitions = spec.partitions, "created topic");
            }
        }
        self.known.insert(topic.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn default_group_required_values() {
        let err = validate(&config_map(&[("topic.creation.default.partitions", "3")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("topic.creation.default.replication.factor"),
            "{err}"
        );
        assert!(validate(&config_map(&[
            ("topic.creation.default.partitions", "3"),
            ("topic.creation.default.replication.factor", "1")
        ]))
        .is_ok());
        let err = validate(&config_map(&[
            ("topic.creation.default.partitions", "0"),
            ("topic.creation.default.replication.factor", "1"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains("partitions"), "{err}");
    }

    #[test]
    fn a_group_without_include_claims_nothing() {
        let p = config_map(&[
            ("topic.creation.groups", "compacted"),
            ("topic.creation.compacted.exclude", "tmp-.*"),
            ("topic.creation.default.partitions", "1"),
            ("topic.creation.default.replication.factor", "1"),
        ]);
        let groups = parse_groups(&p).unwrap();
        assert!(groups[0].include.is_none() && !groups[0].is_default);
        assert!(matching_group(&groups, "orders").is_some_and(|g| g.is_default));
    }

    #[test]
    fn groups_match_in_order() {
        let p = config_map(&[
            ("topic.creation.groups", "big"),
            ("topic.creation.big.include", "big-.*"),
            ("topic.creation.big.partitions", "8"),
            ("topic.creation.default.partitions", "1"),
            ("topic.creation.default.replication.factor", "1"),
            ("topic.creation.default.cleanup.policy", "compact"),
        ]);
        let groups = parse_groups(&p).unwrap();
        assert_eq!(groups.len(), 2);
        assert!(groups[0].include.as_ref().unwrap().is_match("big-x"));
        assert_eq!(groups[0].partitions, 8);
        assert_eq!(
            groups[1].configs,
            vec![("cleanup.policy".to_string(), "compact".to_string())]
        );
    }
}
