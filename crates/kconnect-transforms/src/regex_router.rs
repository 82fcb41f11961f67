//! `RegexRouter`: renames topics that fully match a Java regular expression, using a Java
//! replacement string (`$1`, `${name}`) on the first match.

use kconnect_api::config::{ConfigType, Importance};
use kconnect_api::plugin::Transformation;
use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, ConnectResult};

use crate::config_util::{self, key, valid_regex};
use crate::java_regex::JavaRegex;
use crate::java_replacement::{replace_first, JavaReplacement};

const REGEX: &str = "regex";
const REPLACEMENT: &str = "replacement";

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            key(
                REGEX,
                ConfigType::String,
                Importance::High,
                "Java regular expression the whole topic must match.",
            )
            .validator(valid_regex()),
        )
        .define(key(
            REPLACEMENT,
            ConfigType::String,
            Importance::High,
            "Replacement (Java syntax: $1 and ${name} refer to groups).",
        ))
}

#[derive(Debug)]
struct Settings {
    regex: JavaRegex,
    replacement: JavaReplacement,
}

/// Renames topics with a regular expression.
#[derive(Debug, Default)]
pub struct RegexRouter {
    settings: Option<Settings>,
}

impl RegexRouter {
    /// An unconfigured `RegexRouter`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Transformation for RegexRouter {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let pattern = config.string(REGEX).unwrap_or_default();
        let regex = JavaRegex::new(pattern)
            .map_err(|e| config_util::invalid(REGEX, pattern, format!("Invalid regex: {e}")))?;
        let replacement_text = config.string(REPLACEMENT).unwrap_or_default();
        // Java reports a bad group reference only when a topic matches; kconnect reports it
        // when the transformation is configured.
        let replacement = JavaReplacement::parse(replacement_text, &regex)
            .map_err(|e| config_util::invalid(REPLACEMENT, replacement_text, e))?;
        self.settings = Some(Settings { regex, replacement });
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let settings = self
            .settings
            .as_ref()
            .ok_or_else(|| config_util::not_configured("RegexRouter"))?;
        if settings.regex.matches(&record.topic) {
            record.topic = replace_first(&settings.regex, &record.topic, &settings.replacement);
        }
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

    fn route(regex: &str, replacement: &str, topic: &str) -> String {
        let mut t = configured(
            RegexRouter::new(),
            &[("regex", regex), ("replacement", replacement)],
        );
        let mut r = person_record();
        r.topic = topic.to_string();
        apply(&mut t, r).topic
    }

    #[test]
    fn renames_fully_matching_topics() {
        assert_eq!(
            route("(.*)-(\\d+)", "$1_archived", "logs-2024"),
            "logs_archived"
        );
        assert_eq!(route("^foo$", "bar", "logs-2024"), "logs-2024");
        assert_eq!(route("foo", "bar", "foobar"), "foobar");
        assert_eq!(route("(.*)-raw", "$1-clean", "a-raw"), "a-clean");
        // The full match decides; the replacement applies to the first (shortest) match.
        assert_eq!(route("a|ab", "X", "ab"), "Xb");
    }

    #[test]
    fn bad_patterns_and_replacements_are_config_errors() {
        let err = RegexRouter::new()
            .configure(&config_map(&[("regex", "("), ("replacement", "x")]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("regex"));
        let err = RegexRouter::new()
            .configure(&config_map(&[("regex", "(a)"), ("replacement", "$2")]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("replacement"));
        let err = RegexRouter::new()
            .configure(&config_map(&[("regex", "a")]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("replacement"));
    }
}
