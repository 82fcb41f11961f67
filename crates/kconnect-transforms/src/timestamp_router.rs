//! `TimestampRouter`: renames the topic from a template such as `${topic}-${timestamp}`, with
//! the record timestamp formatted by a Java date pattern (UTC).

use kconnect_api::config::{ConfigType, Importance};
use kconnect_api::plugin::Transformation;
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectRecord, ConnectResult};

use crate::config_util::{self, key};
use crate::java_date_format::JavaDateFormat;

const TOPIC_FORMAT: &str = "topic.format";
const TIMESTAMP_FORMAT: &str = "timestamp.format";

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            key(
                TOPIC_FORMAT,
                ConfigType::String,
                Importance::High,
                "Template of the new topic name; ${topic} and ${timestamp} are replaced by the topic and the formatted timestamp.",
            )
            .default_value("${topic}-${timestamp}"),
        )
        .define(
            key(TIMESTAMP_FORMAT, ConfigType::String, Importance::High, "A java.text.SimpleDateFormat pattern for the timestamp (UTC).")
                .default_value("yyyyMMdd"),
        )
}

#[derive(Debug)]
struct Settings {
    topic_format: String,
    timestamp_format: JavaDateFormat,
}

/// Routes records to topics named after their timestamp.
#[derive(Debug, Default)]
pub struct TimestampRouter {
    settings: Option<Settings>,
}

impl TimestampRouter {
    /// An unconfigured `TimestampRouter`.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A short description of a record for error messages (Java prints the whole record).
fn describe(record: &ConnectRecord) -> String {
    let partition = record
        .kafka_partition
        .map_or("null".to_string(), |p| p.to_string());
    format!(
        "ConnectRecord{{topic='{}', kafkaPartition={partition}, timestamp=null}}",
        record.topic
    )
}

impl Transformation for TimestampRouter {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let pattern = config.string(TIMESTAMP_FORMAT).unwrap_or_default();
        let timestamp_format = JavaDateFormat::new(pattern)
            .map_err(|e| config_util::invalid(TIMESTAMP_FORMAT, pattern, e))?;
        self.settings = Some(Settings {
            topic_format: config.string(TOPIC_FORMAT).unwrap_or_default().to_string(),
            timestamp_format,
        });
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("TimestampRouter"))?;
        let timestamp = record.timestamp.ok_or_else(|| {
            ConnectError::data(format!(
                "Timestamp missing on record: {}",
                describe(&record)
            ))
        })?;
        let formatted = settings.timestamp_format.format(timestamp);
        let topic = settings
            .topic_format
            .replace("${topic}", &record.topic)
            .replace("${timestamp}", &formatted);
        record.topic = topic;
        Ok(Some(record))
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    #[test]
    fn formats_the_topic() {
        let mut t = configured(TimestampRouter::new(), &[]);
        assert_eq!(apply(&mut t, person_record()).topic, "orders-20231114");
        let mut t = configured(
            TimestampRouter::new(),
            &[
                ("topic.format", "${topic}_${timestamp}/${topic}"),
                ("timestamp.format", "yyyy-MM"),
            ],
        );
        assert_eq!(
            apply(&mut t, person_record()).topic,
            "orders_2023-11/orders"
        );
    }

    #[test]
    fn needs_a_timestamp_and_a_valid_pattern() {
        let mut t = configured(TimestampRouter::new(), &[]);
        let mut r = person_record();
        r.timestamp = None;
        assert!(
            matches!(t.apply(r), Err(ConnectError::Data(m)) if m.starts_with("Timestamp missing on record"))
        );
        let err = TimestampRouter::new()
            .configure(&config_map(&[("timestamp.format", "yyyy-bb")]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("timestamp.format"));
    }
}
