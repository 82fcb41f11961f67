//! Connector configuration (kafka-connect-spec.md §3): the keys every connector has, plus the sink and source
//! specific ones, validated before anything starts.

use kconnect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigError, ConfigMap};

use super::keys::*;

/// Source or sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectorType {
    /// Reads from an external system into Kafka.
    Source,
    /// Writes from Kafka to an external system.
    Sink,
}

impl ConnectorType {
    /// `source` or `sink`, as the REST API reports it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Sink => "sink",
        }
    }
}

fn common_def() -> ConfigDef {
    ConfigDef::new()
        .define(ConfigKey::new(NAME, ConfigType::String).validator(Validator::NonEmptyNoControlChars).importance(Importance::High).group("Common", 1).doc("Globally unique name to use for this connector."))
        .define(ConfigKey::new(CONNECTOR_CLASS, ConfigType::String).importance(Importance::High).group("Common", 2).doc("Name or alias of the connector class, e.g. org.apache.kafka.connect.file.FileStreamSinkConnector or FileStreamSink."))
        .define(ConfigKey::new(TASKS_MAX, ConfigType::Int).default_value("1").validator(Validator::at_least(1.0)).importance(Importance::High).group("Common", 3).doc("Maximum number of tasks to use for this connector."))
        .define(ConfigKey::new("tasks.max.enforce", ConfigType::Boolean).default_value("true").importance(Importance::Low).group("Common", 4).doc("Fail the connector if it generates more tasks than tasks.max (deprecated)."))
        .define(ConfigKey::new(KEY_CONVERTER, ConfigType::Class).default_null().importance(Importance::Low).group("Common", 5).doc("Converter for keys; overrides the worker's."))
        .define(ConfigKey::new(VALUE_CONVERTER, ConfigType::Class).default_null().importance(Importance::Low).group("Common", 6).doc("Converter for values; overrides the worker's."))
        .define(ConfigKey::new(HEADER_CONVERTER, ConfigType::Class).default_null().importance(Importance::Low).group("Common", 7).doc("Converter for headers; overrides the worker's."))
        .define(ConfigKey::new("config.action.reload", ConfigType::String).default_value("restart").validator(Validator::one_of_ignore_case(&["none", "restart"])).importance(Importance::Low).group("Common", 8).doc("What to do when configuration provider values change: none or restart."))
        .define(ConfigKey::new(TRANSFORMS, ConfigType::List).default_value("").importance(Importance::Low).group("Transforms", 1).doc("Aliases of the transformations to apply to records, in order."))
        .define(ConfigKey::new(PREDICATES, ConfigType::List).default_value("").importance(Importance::Low).group("Predicates", 1).doc("Aliases of the predicates used by the transformations."))
        .define(ConfigKey::new(ERRORS_RETRY_TIMEOUT, ConfigType::Long).default_value("0").validator(Validator::at_least(-1.0)).importance(Importance::Medium).group("Error Handling", 1).doc("Maximum time in ms a failed operation is retried; -1 retries forever, 0 not at all."))
        .define(ConfigKey::new(ERRORS_RETRY_DELAY_MAX_MS, ConfigType::Long).default_value("60000").validator(Validator::at_least(0.0)).importance(Importance::Medium).group("Error Handling", 2).doc("Maximum delay in ms between retries of a failed operation."))
        .define(ConfigKey::new(ERRORS_TOLERANCE, ConfigType::String).default_value("none").validator(Validator::one_of_ignore_case(&["none", "all"])).importance(Importance::Medium).group("Error Handling", 3).doc("none: a failed record fails the task; all: failed records are skipped (and reported)."))
        .define(ConfigKey::new(ERRORS_LOG_ENABLE, ConfigType::Boolean).default_value("false").importance(Importance::Medium).group("Error Handling", 4).doc("Log every failed operation and record."))
        .define(ConfigKey::new(ERRORS_LOG_INCLUDE_MESSAGES, ConfigType::Boolean).default_value("false").importance(Importance::Medium).group("Error Handling", 5).doc("Include the failed record's coordinates and content in the log."))
}

/// The configuration definition of a sink connector (common keys plus topics and DLQ).
pub fn sink_def() -> ConfigDef {
    with_restart(with_dlq(common_def()))
        .define(
            ConfigKey::new(TOPICS, ConfigType::List)
                .default_value("")
                .importance(Importance::High)
                .group("Common", 4)
                .doc("Topics to consume, comma-separated."),
        )
        .define(
            ConfigKey::new(TOPICS_REGEX, ConfigType::String)
                .default_value("")
                .importance(Importance::High)
                .group("Common", 4)
                .doc("Regular expression of topics to consume."),
        )
}

/// The dead letter queue keys. Java defines them for sink connectors only; kconnect also
/// accepts them on source connectors, whose failed records then go to the dead letter queue
/// too (see `pipeline::dlq` for what such a record contains).
fn with_dlq(def: ConfigDef) -> ConfigDef {
    def
        .define(ConfigKey::new(DLQ_TOPIC_NAME, ConfigType::String).default_value("").importance(Importance::Medium).group("Error Handling", 6).doc("Dead letter queue topic for records whose conversion or transformation fails (with errors.tolerance=all); empty: no dead letter queue. Created with 1 partition if missing."))
        .define(ConfigKey::new(DLQ_TOPIC_REPLICATION_FACTOR, ConfigType::Short).default_value("3").importance(Importance::Medium).group("Error Handling", 7).doc("Replication factor of the dead letter queue topic when it is created."))
        .define(ConfigKey::new(DLQ_CONTEXT_HEADERS_ENABLE, ConfigType::Boolean).default_value("false").importance(Importance::Medium).group("Error Handling", 8).doc("Add __connect.errors.* headers describing the failure to dead letter queue records."))
}

/// kconnect's automatic restart of failed tasks (not in Java, where failed tasks stay down
/// until restarted through the REST API).
fn with_restart(def: ConfigDef) -> ConfigDef {
    def
        .define(ConfigKey::new(RESTART_ENABLE, ConfigType::Boolean).default_value("true").importance(Importance::Medium).group("Automatic Restart", 1).doc("Restart failed tasks automatically, waiting longer after each failure in a row. Tasks stopped by a bad record with errors.tolerance=none are not restarted: the same record would fail again."))
        .define(ConfigKey::new(RESTART_BACKOFF_INITIAL_MS, ConfigType::Long).default_value("1000").validator(Validator::at_least(1.0)).importance(Importance::Low).group("Automatic Restart", 2).doc("Delay in ms before the first automatic restart; it doubles with each failure in a row."))
        .define(ConfigKey::new(RESTART_BACKOFF_MAX_MS, ConfigType::Long).default_value("300000").validator(Validator::at_least(1.0)).importance(Importance::Low).group("Automatic Restart", 3).doc("Longest delay in ms between automatic restarts. A task that ran this long without failing starts over from the initial delay."))
        .define(ConfigKey::new(RESTART_MAX_ATTEMPTS, ConfigType::Int).default_value("-1").validator(Validator::at_least(-1.0)).importance(Importance::Low).group("Automatic Restart", 4).doc("Automatic restarts in a row before the task is left FAILED; -1: no limit."))
}

/// The configuration definition of a source connector (common keys, dead letter queue, topic
/// creation).
pub fn source_def() -> ConfigDef {
    with_restart(with_dlq(common_def()))
        .define(
            ConfigKey::new(TOPIC_CREATION_GROUPS, ConfigType::List)
                .default_value("")
                .importance(Importance::Low)
                .group("Topic Creation", 1)
                .doc("Groups of topic creation settings besides the default group."),
        )
        .define(
            ConfigKey::new("exactly.once.support", ConfigType::String)
                .default_value("requested")
                .validator(Validator::one_of_ignore_case(&["requested", "required"]))
                .importance(Importance::Medium)
                .group("Exactly Once Support", 1)
                .doc("Whether exactly-once support is required for this connector."),
        )
        .define(
            ConfigKey::new("transaction.boundary", ConfigType::String)
                .default_value("poll")
                .validator(Validator::one_of_ignore_case(&[
                    "poll",
                    "interval",
                    "connector",
                ]))
                .importance(Importance::Medium)
                .group("Exactly Once Support", 2)
                .doc("Transaction boundaries for exactly-once source connectors."),
        )
        .define(
            ConfigKey::new("offsets.storage.topic", ConfigType::String)
                .default_null()
                .importance(Importance::Low)
                .group("offsets.topic", 1)
                .doc("Separate offsets topic for this connector (distributed mode)."),
        )
}

/// A validated connector configuration.
#[derive(Debug, Clone)]
pub struct ConnectorConfig {
    /// The configuration with config-provider placeholders resolved (what the connector and
    /// the runtime use).
    pub props: ConfigMap,
    /// The configuration as written, placeholders unresolved (what REST shows and the
    /// config topic and connectors file hold).
    pub raw: ConfigMap,
    parsed: ParsedConfig,
    /// Source or sink.
    pub connector_type: ConnectorType,
}

impl ConnectorConfig {
    /// Validates the framework keys of a connector of the given type; the connector's own
    /// keys are validated by the connector.
    pub fn parse(props: ConfigMap, connector_type: ConnectorType) -> Result<Self, ConfigError> {
        let def = match connector_type {
            ConnectorType::Source => source_def(),
            ConnectorType::Sink => sink_def(),
        };
        let parsed = def.parse(&props)?;
        if connector_type == ConnectorType::Sink {
            check_sink_topics(&parsed)?;
        }
        Ok(Self {
            raw: props.clone(),
            props,
            parsed,
            connector_type,
        })
    }

    /// The same configuration, remembering `raw` as what was written before config
    /// providers resolved it.
    pub fn with_raw(mut self, raw: ConfigMap) -> Self {
        self.raw = raw;
        self
    }

    /// The parsed framework keys.
    pub fn parsed(&self) -> &ParsedConfig {
        &self.parsed
    }

    /// The connector name.
    pub fn name(&self) -> &str {
        self.parsed.string(NAME).unwrap_or("")
    }

    /// `tasks.max`.
    pub fn tasks_max(&self) -> usize {
        self.parsed.int(TASKS_MAX).unwrap_or(1).max(1) as usize
    }

    /// Sink topics (trimmed, empties dropped, de-duplicated).
    pub fn topics(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in self.parsed.list(TOPICS).iter().filter(|t| !t.is_empty()) {
            if !out.contains(t) {
                out.push(t.clone());
            }
        }
        out
    }

    /// Sink `topics.regex`, if set.
    pub fn topics_regex(&self) -> Option<&str> {
        self.parsed.string(TOPICS_REGEX).filter(|s| !s.is_empty())
    }

    /// Whether `errors.tolerance` is `all`.
    pub fn tolerate_all(&self) -> bool {
        self.parsed
            .string(ERRORS_TOLERANCE)
            .is_some_and(|s| s.eq_ignore_ascii_case("all"))
    }
}

fn check_sink_topics(parsed: &ParsedConfig) -> Result<(), ConfigError> {
    let topics: Vec<&String> = parsed
        .list(TOPICS)
        .iter()
        .filter(|t| !t.is_empty())
        .collect();
    let regex = parsed.string(TOPICS_REGEX).unwrap_or("");
    if !topics.is_empty() && !regex.is_empty() {
        return Err(ConfigError::invalid(
            TOPICS,
            parsed.list(TOPICS).join(","),
            "topics and topics.regex are mutually exclusive options, but both are set.",
        ));
    }
    if topics.is_empty() && regex.is_empty() {
        return Err(ConfigError {
            key: Some(TOPICS.into()),
            value: None,
            reason: "Must configure one of topics or topics.regex".into(),
        });
    }
    if !regex.is_empty() {
        regex::Regex::new(regex).map_err(|e| {
            ConfigError::invalid(
                TOPICS_REGEX,
                regex,
                format!("not a valid regular expression: {e}"),
            )
        })?;
    }
    let dlq = parsed.string(DLQ_TOPIC_NAME).unwrap_or("");
    if !dlq.is_empty() {
        if topics.iter().any(|t| *t == dlq) {
            return Err(ConfigError::invalid(
                DLQ_TOPIC_NAME,
                dlq,
                "The DLQ topic cannot be one of the topics the connector consumes",
            ));
        }
        if !regex.is_empty()
            && regex::Regex::new(&format!("^(?:{regex})$")).is_ok_and(|r| r.is_match(dlq))
        {
            return Err(ConfigError::invalid(
                DLQ_TOPIC_NAME,
                dlq,
                "The DLQ topic cannot match the connector's topics.regex",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn sink_needs_exactly_one_of_topics_and_regex() {
        let base = [("name", "s"), ("connector.class", "FileStreamSink")];
        let err = ConnectorConfig::parse(config_map(&base), ConnectorType::Sink)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Must configure one of topics or topics.regex"),
            "{err}"
        );
        let mut both = config_map(&base);
        both.insert("topics".into(), "a".into());
        both.insert("topics.regex".into(), "b.*".into());
        let err = ConnectorConfig::parse(both, ConnectorType::Sink)
            .unwrap_err()
            .to_string();
        assert!(err.contains("mutually exclusive"), "{err}");
        let mut ok = config_map(&base);
        ok.insert("topics".into(), " a, b ,a,".into());
        let c = ConnectorConfig::parse(ok, ConnectorType::Sink).unwrap();
        assert_eq!(c.topics(), ["a", "b"]);
    }

    #[test]
    fn common_keys_are_checked() {
        let err = ConnectorConfig::parse(
            config_map(&[("name", "c"), ("connector.class", "X"), ("tasks.max", "0")]),
            ConnectorType::Source,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "Invalid value 0 for configuration tasks.max: Value must be at least 1"
        );
        let err = ConnectorConfig::parse(
            config_map(&[("connector.class", "X")]),
            ConnectorType::Source,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"name\""), "{err}");
    }
}
