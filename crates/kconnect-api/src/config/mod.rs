//! Configuration definitions (Java `ConfigDef`): typed keys with defaults, validators,
//! importance, documentation and groups; parsing of string maps into typed values; and
//! validation that reports every problem per key.

mod def;
mod parse;
mod validator;

use std::collections::BTreeMap;

pub use def::{ConfigDef, ConfigDefault, ConfigKey, ConfigType, Importance, Width};
pub use parse::{ConfigValueReport, ParsedConfig, Password, TypedValue};
pub use validator::Validator;

/// A configuration as users write it: string keys to string values.
pub type ConfigMap = BTreeMap<String, String>;

/// A [`ConfigMap`] from `(key, value)` string pairs; when a key appears more than once,
/// its last value is kept.
///
/// ```
/// use kconnect_api::config_map;
///
/// let props = config_map(&[("name", "src"), ("tasks.max", "1"), ("tasks.max", "2")]);
/// assert_eq!(props.len(), 2);
/// assert_eq!(props["name"], "src");
/// assert_eq!(props["tasks.max"], "2");
/// assert!(config_map(&[]).is_empty());
/// ```
pub fn config_map(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The subset of `props` whose keys start with `prefix`, with the prefix removed
/// (Java `originalsWithPrefix`).
pub fn with_prefix(props: &ConfigMap, prefix: &str) -> ConfigMap {
    props
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .map(|rest| (rest.to_string(), v.clone()))
        })
        .collect()
}
