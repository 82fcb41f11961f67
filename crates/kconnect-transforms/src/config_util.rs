//! Configuration helpers shared by the transformations: parsing against a `ConfigDef`,
//! config errors that name their key, and the validators Kafka's transformations use.

use kconnect_api::config::{
    ConfigKey, ConfigType, Importance, ParsedConfig, TypedValue, Validator,
};
use kconnect_api::{ConfigDef, ConfigError, ConfigMap, ConnectError, ConnectResult};

use crate::java_regex::JavaRegex;

/// Name of the `replace.null.with.default` key several transformations share.
pub(crate) const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";

/// Parses a configuration; a missing or invalid key becomes a config error naming it.
pub(crate) fn parse(def: &ConfigDef, props: &ConfigMap) -> ConnectResult<ParsedConfig> {
    def.parse(props).map_err(ConnectError::Config)
}

/// A config error blamed on `key`, shown as just `reason`.
pub(crate) fn config_error(key: &str, reason: impl Into<String>) -> ConnectError {
    ConnectError::Config(ConfigError {
        key: Some(key.to_string()),
        value: None,
        reason: reason.into(),
    })
}

/// A config error for an invalid value (`Invalid value <v> for configuration <key>: <why>`).
pub(crate) fn invalid(key: &str, value: &str, reason: impl Into<String>) -> ConnectError {
    ConnectError::Config(ConfigError::invalid(key, value, reason))
}

/// The error of a transformation or predicate used before `configure`.
pub(crate) fn not_configured(what: &str) -> ConnectError {
    ConnectError::other(format!("{what} is used before it was configured"))
}

/// A list that must not be empty (Java `NonEmptyListValidator`).
pub(crate) fn non_empty_list() -> Validator {
    Validator::custom(|value| match value {
        TypedValue::List(items) if items.is_empty() => Err("Empty list".to_string()),
        _ => Ok(()),
    })
}

/// A string that must compile as a Java regular expression (Java `RegexValidator`).
pub(crate) fn valid_regex() -> Validator {
    Validator::custom(|value| match value.as_str() {
        Some(pattern) => JavaRegex::new(pattern)
            .map(|_| ())
            .map_err(|e| format!("Invalid regex: {e}")),
        None => Ok(()),
    })
}

/// The `replace.null.with.default` key (BOOLEAN, default true).
pub(crate) fn replace_null_with_default_key() -> ConfigKey {
    ConfigKey::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
        .default_value("true")
        .importance(Importance::Medium)
        .doc(
            "Whether a null field that has a default value is replaced by that default (true) \
             or kept null (false).",
        )
}

/// A key with the given type, importance and documentation (required unless a default is
/// set afterwards).
pub(crate) fn key(
    name: &str,
    config_type: ConfigType,
    importance: Importance,
    doc: &str,
) -> ConfigKey {
    ConfigKey::new(name, config_type)
        .importance(importance)
        .doc(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn validators_report_java_reasons() {
        let def = ConfigDef::new()
            .define(ConfigKey::new("fields", ConfigType::List).validator(non_empty_list()))
            .define(ConfigKey::new("regex", ConfigType::String).validator(valid_regex()))
            .define(replace_null_with_default_key());
        let err = parse(&def, &config_map(&[("fields", ""), ("regex", "a")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value  for configuration fields: Empty list"
        );
        let err = parse(&def, &config_map(&[("fields", "a"), ("regex", "(")])).unwrap_err();
        match err {
            ConnectError::Config(e) => {
                assert_eq!(e.key.as_deref(), Some("regex"));
                assert!(e.reason.starts_with("Invalid regex"), "{}", e.reason);
            }
            other => panic!("{other:?}"),
        }
        let ok = parse(&def, &config_map(&[("fields", "a"), ("regex", "a+")])).unwrap();
        assert!(ok.boolean(REPLACE_NULL_WITH_DEFAULT));
    }

    #[test]
    fn errors_name_their_key() {
        match config_error("format", "needed") {
            ConnectError::Config(e) => {
                assert_eq!(e.key.as_deref(), Some("format"));
                assert_eq!(e.to_string(), "needed");
            }
            other => panic!("{other:?}"),
        }
        assert!(invalid("k", "v", "r")
            .to_string()
            .contains("configuration k"));
        assert!(matches!(not_configured("Cast"), ConnectError::Other(_)));
        let k = key("a", ConfigType::String, Importance::High, "doc");
        assert!(k.is_required());
    }
}

/// Java `String.split` on a single character: trailing empty pieces are dropped.
pub(crate) fn java_split(text: &str, separator: char) -> Vec<&str> {
    let mut parts: Vec<&str> = text.split(separator).collect();
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    if parts == [""] && !text.is_empty() {
        parts.clear();
    }
    parts
}

#[cfg(test)]
mod split_tests {
    use super::java_split;

    #[test]
    fn splits_like_java() {
        assert_eq!(java_split("a:b", ':'), ["a", "b"]);
        assert_eq!(java_split("a:", ':'), ["a"]);
        assert_eq!(java_split(":b", ':'), ["", "b"]);
        assert_eq!(java_split("a:b:c", ':'), ["a", "b", "c"]);
        assert_eq!(java_split("", ':'), [""]);
        assert!(java_split("::", ':').is_empty());
    }
}
