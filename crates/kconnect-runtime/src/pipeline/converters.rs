//! The key, value and header converters of one task, configured from the connector's
//! settings if it overrides the worker's (kafka-connect-spec.md §5.1).

use kconnect_api::config::with_prefix;
use kconnect_api::plugin::{Converter, HeaderConverter, PluginType};
use kconnect_api::{ConfigError, ConfigMap, ConnectError};

use crate::config::keys::{HEADER_CONVERTER, KEY_CONVERTER, VALUE_CONVERTER};
use crate::plugins::Registry;

/// A task's converters.
pub struct TaskConverters {
    /// Converts keys.
    pub key: Box<dyn Converter>,
    /// Class name of the key converter.
    pub key_class: String,
    /// Converts values.
    pub value: Box<dyn Converter>,
    /// Class name of the value converter.
    pub value_class: String,
    /// Converts headers.
    pub header: Box<dyn HeaderConverter>,
    /// Class name of the header converter.
    pub header_class: String,
}

/// The Java class name a plugin name designates: the registered class it names or is an
/// alias of (its simple name, or that without `Converter`, `Transformation`...), else the
/// name as written. Failure reports name classes like Java's `getClass().getName()`.
pub fn canonical_class(registry: &Registry, plugin_type: PluginType, name: &str) -> String {
    let name = name.trim();
    let matches = |class: &str| {
        if class == name {
            return true;
        }
        let simple = class.rsplit('.').next().unwrap_or(class);
        !simple.contains('$')
            && (simple == name
                || ["Converter", "Transformation", "Predicate"]
                    .iter()
                    .any(|suffix| simple.strip_suffix(suffix) == Some(name)))
    };
    registry
        .plugins()
        .iter()
        .find(|p| p.plugin_type == plugin_type && matches(&p.class))
        .map_or_else(|| name.to_string(), |p| p.class.clone())
}

/// The class and settings of one converter: the connector's if it sets the class, else the
/// worker's. Settings get `converter.type`.
fn settings(
    worker: &ConfigMap,
    connector: &ConfigMap,
    key: &str,
    kind: &str,
) -> Option<(String, ConfigMap)> {
    let source = if connector.get(key).is_some_and(|v| !v.trim().is_empty()) {
        connector
    } else {
        worker
    };
    let class = source.get(key)?.trim().to_string();
    let mut props = with_prefix(source, &format!("{key}."));
    props.insert("converter.type".into(), kind.into());
    Some((class, props))
}

fn config_error(key: &str, err: ConnectError) -> ConfigError {
    match err {
        ConnectError::Config(e) => e.prefixed(&format!("{key}.")),
        other => ConfigError::general(format!("{key}: {other}")),
    }
}

impl TaskConverters {
    /// Builds and configures the converters; an unknown class names the key.
    pub fn build(
        registry: &Registry,
        worker: &ConfigMap,
        connector: &ConfigMap,
    ) -> Result<Self, ConfigError> {
        let unknown = |key: &str, class: &str| {
            ConfigError::invalid(
                key,
                class,
                "Class could not be found: no such converter is built into kconnect",
            )
        };
        let (key_class, key_props) = settings(worker, connector, KEY_CONVERTER, "key")
            .ok_or_else(|| ConfigError::missing(KEY_CONVERTER))?;
        let mut key = registry
            .converter(&key_class)
            .ok_or_else(|| unknown(KEY_CONVERTER, &key_class))?;
        key.configure(&key_props, true)
            .map_err(|e| config_error(KEY_CONVERTER, e))?;
        let (value_class, value_props) = settings(worker, connector, VALUE_CONVERTER, "value")
            .ok_or_else(|| ConfigError::missing(VALUE_CONVERTER))?;
        let mut value = registry
            .converter(&value_class)
            .ok_or_else(|| unknown(VALUE_CONVERTER, &value_class))?;
        value
            .configure(&value_props, false)
            .map_err(|e| config_error(VALUE_CONVERTER, e))?;
        let (header_class, header_props) = settings(worker, connector, HEADER_CONVERTER, "header")
            .unwrap_or_else(|| {
                (
                    "org.apache.kafka.connect.storage.SimpleHeaderConverter".into(),
                    ConfigMap::from([("converter.type".into(), "header".into())]),
                )
            });
        let mut header = registry
            .header_converter(&header_class)
            .ok_or_else(|| unknown(HEADER_CONVERTER, &header_class))?;
        header
            .configure(&header_props)
            .map_err(|e| config_error(HEADER_CONVERTER, e))?;
        Ok(Self {
            key,
            key_class: canonical_class(registry, PluginType::Converter, &key_class),
            value,
            value_class: canonical_class(registry, PluginType::Converter, &value_class),
            header,
            header_class: canonical_class(registry, PluginType::HeaderConverter, &header_class),
        })
    }
}
