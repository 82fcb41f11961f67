//! `TopicNameMatches`: true for records whose whole topic name matches a Java regular
//! expression.

use kconnect_api::config::{ConfigType, Importance, Validator};
use kconnect_api::plugin::Predicate;
use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, ConnectResult};

use crate::config_util::{self, key};
use crate::java_regex::JavaRegex;

const PATTERN: &str = "pattern";

fn config_def() -> ConfigDef {
    let valid = Validator::custom(|value| match value.as_str() {
        Some("") => Err("String must be non-empty".into()),
        Some(pattern) => JavaRegex::new(pattern)
            .map(|_| ())
            .map_err(|e| format!("Invalid regex: {e}")),
        None => Ok(()),
    });
    ConfigDef::new().define(
        key(
            PATTERN,
            ConfigType::String,
            Importance::Medium,
            "A Java regular expression the whole topic name must match.",
        )
        .validator(valid),
    )
}

/// Matches records by topic name.
#[derive(Debug, Default)]
pub struct TopicNameMatches {
    pattern: Option<JavaRegex>,
}

impl TopicNameMatches {
    /// An unconfigured `TopicNameMatches`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Predicate for TopicNameMatches {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let pattern = config.string(PATTERN).unwrap_or_default();
        let regex = JavaRegex::new(pattern).map_err(|e| {
            config_util::invalid(
                PATTERN,
                pattern,
                format!("entry must be a Java-compatible regular expression: {e}"),
            )
        })?;
        self.pattern = Some(regex);
        Ok(())
    }

    fn test(&mut self, record: &ConnectRecord) -> bool {
        self.pattern
            .as_ref()
            .is_some_and(|p| p.matches(&record.topic))
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
    fn matches_whole_topic_names() {
        let mut p = configured_predicate(TopicNameMatches::new(), &[("pattern", "ord.*")]);
        let mut r = person_record();
        assert!(p.test(&r));
        r.topic = "my-orders".into();
        assert!(!p.test(&r));
        for bad in ["", "("] {
            let err = TopicNameMatches::new()
                .configure(&config_map(&[("pattern", bad)]))
                .unwrap_err();
            assert_eq!(config_key(err).as_deref(), Some("pattern"), "{bad:?}");
        }
        assert!(TopicNameMatches::new().configure(&config_map(&[])).is_err());
    }
}
