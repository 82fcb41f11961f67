//! Which configuration values are secrets, so the REST API never shows them in clear text:
//! password-typed keys of the connector, its transformations, predicates and converters, and
//! the secrets of Kafka and registry clients at any prefix
//! (`kconnect_kafka::security::is_secret_key`).

use std::collections::{BTreeMap, HashSet};

use kconnect_api::config::{ConfigDef, ConfigType};
use kconnect_api::ConfigMap;

use super::validation::enrich;
use crate::config::keys::{CONNECTOR_CLASS, HEADER_CONVERTER, KEY_CONVERTER, VALUE_CONVERTER};
use crate::plugins::{ConnectorFactory, Registry};

/// Shown instead of a password.
pub const HIDDEN: &str = "[hidden]";

/// The keys of `props` whose values are secrets: password-typed keys of the connector, its
/// transformations, predicates and converters, and password settings of client overrides.
pub fn password_keys(registry: &Registry, props: &ConfigMap) -> HashSet<String> {
    let mut defs: Vec<(String, ConfigDef)> = Vec::new();
    if let Some((_, factory)) = props
        .get(CONNECTOR_CLASS)
        .and_then(|c| registry.connector(c))
    {
        let def = match factory {
            ConnectorFactory::Source(f) => f().config_def(),
            ConnectorFactory::Sink(f) => f().config_def(),
        };
        defs.push((String::new(), def));
    }
    let (enriched, _) = enrich(registry, ConfigDef::new(), props);
    defs.push((String::new(), enriched));
    for key in [KEY_CONVERTER, VALUE_CONVERTER] {
        if let Some(c) = props.get(key).and_then(|c| registry.converter(c)) {
            defs.push((format!("{key}."), c.config_def()));
        }
    }
    if let Some(c) = props
        .get(HEADER_CONVERTER)
        .and_then(|c| registry.header_converter(c))
    {
        defs.push((format!("{HEADER_CONVERTER}."), c.config_def()));
    }
    let mut keys: HashSet<String> = defs
        .iter()
        .flat_map(|(prefix, def)| {
            def.keys()
                .filter(|k| k.config_type == ConfigType::Password)
                .map(move |k| format!("{prefix}{}", k.name))
        })
        .collect();
    // Secrets of Kafka and registry clients, whatever prefix carries them
    // (`producer.override.`, `errors.deadletterqueue.`, `value.converter.`...).
    keys.extend(
        props
            .keys()
            .filter(|k| kconnect_kafka::security::is_secret_key(k))
            .cloned(),
    );
    keys
}

/// The `GET /connectors/{c}/tasks` entries of a connector's task configurations, with
/// password values hidden.
pub fn task_infos(
    connector: &str,
    tasks: &[ConfigMap],
    secrets: &HashSet<String>,
) -> Vec<super::types::TaskInfo> {
    tasks
        .iter()
        .enumerate()
        .map(|(n, config)| super::types::TaskInfo {
            id: super::types::TaskIdInfo {
                connector: connector.to_string(),
                task: n as u32,
            },
            config: hide(config, secrets),
        })
        .collect()
}

/// `config` with the values of `secrets` replaced by `[hidden]`.
pub fn hide(config: &ConfigMap, secrets: &HashSet<String>) -> ConfigMap {
    config
        .iter()
        .map(|(k, v)| {
            let shown = if secrets.contains(k) {
                HIDDEN.to_string()
            } else {
                v.clone()
            };
            (k.clone(), shown)
        })
        .collect()
}

/// For a new configuration from a client that read `[hidden]` values back: keeps the stored
/// secret wherever the client sent `[hidden]` for a password key.
pub fn restore_hidden(
    new: &mut ConfigMap,
    old: &BTreeMap<String, String>,
    secrets: &HashSet<String>,
) {
    for (k, v) in new.iter_mut() {
        if v == HIDDEN && secrets.contains(k) {
            if let Some(stored) = old.get(k) {
                v.clone_from(stored);
            }
        }
    }
}
