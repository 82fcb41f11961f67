//! `/connector-plugins`: the installed plugins in Java's order (sink connectors, source
//! connectors, transformations, predicates, converters, header converters; each sorted by
//! class name) and the configuration keys of one plugin.

use kconnect_api::plugin::PluginType;

use super::{ConfigKeyInfo, HerderError, HerderResult, PluginInfo};
use crate::plugins::{ConnectorFactory, Registry};

const ORDER: [PluginType; 6] = [
    PluginType::Sink,
    PluginType::Source,
    PluginType::Transformation,
    PluginType::Predicate,
    PluginType::Converter,
    PluginType::HeaderConverter,
];

/// The installed plugins; only connectors when `connectors_only`.
pub fn plugins(registry: &Registry, connectors_only: bool) -> Vec<PluginInfo> {
    let mut out = Vec::new();
    for kind in ORDER {
        if connectors_only && !matches!(kind, PluginType::Sink | PluginType::Source) {
            continue;
        }
        let mut of_kind: Vec<PluginInfo> = registry
            .plugins()
            .iter()
            .filter(|p| p.plugin_type == kind)
            .map(|p| PluginInfo {
                class: p.class.clone(),
                kind: kind.name().into(),
                version: Some(p.version.clone()).filter(|v| !v.is_empty() && v != "undefined"),
            })
            .collect();
        of_kind.sort_by(|a, b| a.class.cmp(&b.class));
        of_kind.dedup_by(|a, b| a.class == b.class);
        out.extend(of_kind);
    }
    out
}

/// The configuration keys of a plugin, by class name or alias.
pub fn plugin_config(registry: &Registry, name: &str) -> HerderResult<Vec<ConfigKeyInfo>> {
    let def = if let Some((_, factory)) = registry.connector(name) {
        Some(match factory {
            ConnectorFactory::Source(f) => f().config_def(),
            ConnectorFactory::Sink(f) => f().config_def(),
        })
    } else if let Some(t) = registry.transformation(name) {
        Some(t.config_def())
    } else if let Some(p) = registry.predicate(name) {
        Some(p.config_def())
    } else if let Some(c) = registry.converter(name) {
        Some(c.config_def())
    } else {
        registry.header_converter(name).map(|c| c.config_def())
    };
    def.map(|d| d.keys().map(ConfigKeyInfo::from).collect())
        .ok_or_else(|| HerderError::NotFound(format!("Unknown plugin {name}.")))
}
