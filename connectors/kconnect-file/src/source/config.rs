//! Configuration of the source connector and task, and the shape of its offsets.

use kconnect_api::config::{ConfigKey, ConfigType, Importance, Validator};
use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigDef, ConfigError, ConfigMap, Value};

use crate::{file_path, FILE_CONFIG};

/// Destination topic of every record (required, non-empty).
pub const TOPIC_CONFIG: &str = "topic";

/// Largest number of records one `poll` returns.
pub const TASK_BATCH_SIZE_CONFIG: &str = "batch.size";

/// Default of [`TASK_BATCH_SIZE_CONFIG`].
pub const DEFAULT_TASK_BATCH_SIZE: i32 = 2000;

/// Key of the source partition map: the file name as configured.
pub const FILENAME_FIELD: &str = "filename";

/// Key of the source offset map: bytes of the file consumed so far.
pub const POSITION_FIELD: &str = "position";

/// The configuration keys of the source connector (and of its task, which receives the same
/// configuration).
pub fn source_config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(FILE_CONFIG, ConfigType::String)
                .default_null()
                .importance(Importance::High)
                .doc("File to read lines from. When unset or empty, lines are read from standard input and no offsets are kept."),
        )
        .define(
            ConfigKey::new(TOPIC_CONFIG, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc("Topic that receives one record per line read."),
        )
        .define(
            ConfigKey::new(TASK_BATCH_SIZE_CONFIG, ConfigType::Int)
                .default_value(DEFAULT_TASK_BATCH_SIZE.to_string())
                .validator(Validator::at_least(1.0))
                .importance(Importance::Low)
                .doc("Largest number of records the task returns from a single poll."),
        )
}

/// A parsed and checked source configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    /// The file to read; `None` for standard input.
    pub file: Option<String>,
    /// Destination topic.
    pub topic: String,
    /// Largest number of records per poll (at least 1).
    pub batch_size: usize,
}

impl SourceConfig {
    /// Parses a connector or task configuration. Errors name the key, the value and the
    /// reason.
    pub fn parse(props: &ConfigMap) -> Result<Self, ConfigError> {
        let parsed = source_config_def().parse(props)?;
        let topic = parsed
            .string(TOPIC_CONFIG)
            .ok_or_else(|| ConfigError::missing(TOPIC_CONFIG))?
            .to_string();
        let raw_batch = parsed
            .int(TASK_BATCH_SIZE_CONFIG)
            .unwrap_or(DEFAULT_TASK_BATCH_SIZE);
        let batch_size = usize::try_from(raw_batch)
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                ConfigError::invalid(
                    TASK_BATCH_SIZE_CONFIG,
                    raw_batch.to_string(),
                    "Value must be at least 1",
                )
            })?;
        Ok(Self {
            file: file_path(parsed.string(FILE_CONFIG)),
            topic,
            batch_size,
        })
    }
}

/// The source partition of a file: `{"filename": <file>}`.
pub fn source_partition(file: &str) -> OffsetMap {
    let mut partition = OffsetMap::new();
    partition.insert(FILENAME_FIELD.to_string(), Value::String(file.to_string()));
    partition
}

/// The source offset after `position` bytes: `{"position": <position>}`.
pub fn source_offset(position: i64) -> OffsetMap {
    let mut offset = OffsetMap::new();
    offset.insert(POSITION_FIELD.to_string(), Value::Int64(position));
    offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::{config_map, ConnectError};

    #[test]
    fn defaults_apply() {
        let config = SourceConfig::parse(&config_map(&[("topic", "t")])).unwrap();
        assert_eq!(
            config,
            SourceConfig {
                file: None,
                topic: "t".into(),
                batch_size: 2000
            }
        );
        let config = SourceConfig::parse(&config_map(&[("topic", "t"), ("file", "")])).unwrap();
        assert_eq!(config.file, None);
    }

    #[test]
    fn values_are_trimmed() {
        let config = SourceConfig::parse(&config_map(&[
            ("topic", " t "),
            ("file", " /data/in.txt "),
            ("batch.size", " 5 "),
        ]))
        .unwrap();
        assert_eq!(config.file.as_deref(), Some("/data/in.txt"));
        assert_eq!(config.topic, "t");
        assert_eq!(config.batch_size, 5);
    }

    #[test]
    fn missing_topic_names_the_key() {
        let err = SourceConfig::parse(&config_map(&[("file", "/x")])).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("topic"));
        assert_eq!(
            ConnectError::from(err).to_string(),
            "Missing required configuration \"topic\" which has no default value."
        );
    }

    #[test]
    fn empty_topic_is_rejected() {
        let err = SourceConfig::parse(&config_map(&[("topic", "")])).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("topic"));
        assert_eq!(err.reason, "String must be non-empty");
    }

    #[test]
    fn batch_size_must_be_positive() {
        for bad in ["0", "-3"] {
            let err = SourceConfig::parse(&config_map(&[("topic", "t"), ("batch.size", bad)]))
                .unwrap_err();
            assert_eq!(err.key.as_deref(), Some("batch.size"));
            assert_eq!(err.value.as_deref(), Some(bad));
            assert_eq!(
                err.to_string(),
                format!(
                    "Invalid value {bad} for configuration batch.size: Value must be at least 1"
                )
            );
        }
        let err = SourceConfig::parse(&config_map(&[("topic", "t"), ("batch.size", "lots")]))
            .unwrap_err();
        assert_eq!(err.reason, "Not a number of type INT");
    }

    #[test]
    fn offset_maps_have_java_keys() {
        let partition = source_partition("/tmp/a");
        assert_eq!(partition.get("filename"), Some(&Value::from("/tmp/a")));
        let offset = source_offset(42);
        assert_eq!(offset.get("position"), Some(&Value::Int64(42)));
    }
}
