//! The plugin registry: names, aliases and Java class names mapped to factories. The runtime
//! never names a concrete plugin; the binary registers them.

use std::sync::Arc;

use kconnect_api::plugin::{
    Converter, HeaderConverter, PluginType, Predicate, SinkConnector, SourceConnector,
    Transformation,
};

/// A connector factory.
#[derive(Clone)]
pub enum ConnectorFactory {
    /// Builds a source connector.
    Source(Arc<dyn Fn() -> Box<dyn SourceConnector> + Send + Sync>),
    /// Builds a sink connector.
    Sink(Arc<dyn Fn() -> Box<dyn SinkConnector> + Send + Sync>),
}

/// A plugin as listed by `/connector-plugins`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginDesc {
    /// Java class name.
    pub class: String,
    /// Kind of plugin.
    pub plugin_type: PluginType,
    /// Version.
    pub version: String,
}

type Lookup<T> = Arc<dyn Fn(&str) -> Option<Box<T>> + Send + Sync>;

/// Every plugin this worker can run.
#[derive(Clone, Default)]
pub struct Registry {
    connectors: Vec<(PluginDesc, Vec<String>, ConnectorFactory)>,
    converters: Vec<Lookup<dyn Converter>>,
    header_converters: Vec<Lookup<dyn HeaderConverter>>,
    transformations: Vec<Lookup<dyn Transformation>>,
    predicates: Vec<Lookup<dyn Predicate>>,
    listed: Vec<PluginDesc>,
}

/// Java's aliases for a class: its simple name and the simple name without `suffix`.
fn aliases(class: &str, suffix: &str) -> Vec<String> {
    let simple = class.rsplit(['.', '$']).next().unwrap_or(class).to_string();
    let mut out = vec![class.to_string(), simple.clone()];
    if let Some(short) = simple.strip_suffix(suffix).filter(|s| !s.is_empty()) {
        out.push(short.to_string());
    }
    out
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a source connector under its Java class name (and Java's aliases).
    pub fn source_connector(
        &mut self,
        class: &str,
        version: &str,
        factory: impl Fn() -> Box<dyn SourceConnector> + Send + Sync + 'static,
    ) -> &mut Self {
        let desc = PluginDesc {
            class: class.into(),
            plugin_type: PluginType::Source,
            version: version.into(),
        };
        self.listed.push(desc.clone());
        self.connectors.push((
            desc,
            aliases(class, "Connector"),
            ConnectorFactory::Source(Arc::new(factory)),
        ));
        self
    }

    /// Registers a sink connector.
    pub fn sink_connector(
        &mut self,
        class: &str,
        version: &str,
        factory: impl Fn() -> Box<dyn SinkConnector> + Send + Sync + 'static,
    ) -> &mut Self {
        let desc = PluginDesc {
            class: class.into(),
            plugin_type: PluginType::Sink,
            version: version.into(),
        };
        self.listed.push(desc.clone());
        self.connectors.push((
            desc,
            aliases(class, "Connector"),
            ConnectorFactory::Sink(Arc::new(factory)),
        ));
        self
    }

    /// Registers a family of converters: a name lookup plus the class names to list.
    pub fn converters(
        &mut self,
        classes: &[&str],
        version: &str,
        lookup: impl Fn(&str) -> Option<Box<dyn Converter>> + Send + Sync + 'static,
    ) -> &mut Self {
        self.list(classes, PluginType::Converter, version);
        self.converters.push(Arc::new(lookup));
        self
    }

    /// Registers a family of header converters.
    pub fn header_converters(
        &mut self,
        classes: &[&str],
        version: &str,
        lookup: impl Fn(&str) -> Option<Box<dyn HeaderConverter>> + Send + Sync + 'static,
    ) -> &mut Self {
        self.list(classes, PluginType::HeaderConverter, version);
        self.header_converters.push(Arc::new(lookup));
        self
    }

    /// Registers a family of transformations.
    pub fn transformations(
        &mut self,
        classes: &[&str],
        version: &str,
        lookup: impl Fn(&str) -> Option<Box<dyn Transformation>> + Send + Sync + 'static,
    ) -> &mut Self {
        self.list(classes, PluginType::Transformation, version);
        self.transformations.push(Arc::new(lookup));
        self
    }

    /// Registers a family of predicates.
    pub fn predicates(
        &mut self,
        classes: &[&str],
        version: &str,
        lookup: impl Fn(&str) -> Option<Box<dyn Predicate>> + Send + Sync + 'static,
    ) -> &mut Self {
        self.list(classes, PluginType::Predicate, version);
        self.predicates.push(Arc::new(lookup));
        self
    }

    fn list(&mut self, classes: &[&str], plugin_type: PluginType, version: &str) {
        for class in classes {
            self.listed.push(PluginDesc {
                class: class.to_string(),
                plugin_type,
                version: version.into(),
            });
        }
    }

    /// The connector registered under `name` (class name or alias).
    pub fn connector(&self, name: &str) -> Option<(&PluginDesc, &ConnectorFactory)> {
        let name = name.trim();
        self.connectors
            .iter()
            .find(|(_, aliases, _)| aliases.iter().any(|a| a == name))
            .map(|(d, _, f)| (d, f))
    }

    /// Names of the registered connectors, for error messages.
    pub fn connector_names(&self) -> Vec<String> {
        self.connectors
            .iter()
            .map(|(d, _, _)| d.class.clone())
            .collect()
    }

    /// A new converter by name.
    pub fn converter(&self, name: &str) -> Option<Box<dyn Converter>> {
        self.converters.iter().find_map(|l| l(name.trim()))
    }

    /// A new header converter by name.
    pub fn header_converter(&self, name: &str) -> Option<Box<dyn HeaderConverter>> {
        self.header_converters.iter().find_map(|l| l(name.trim()))
    }

    /// A new transformation by name.
    pub fn transformation(&self, name: &str) -> Option<Box<dyn Transformation>> {
        self.transformations.iter().find_map(|l| l(name.trim()))
    }

    /// A new predicate by name.
    pub fn predicate(&self, name: &str) -> Option<Box<dyn Predicate>> {
        self.predicates.iter().find_map(|l| l(name.trim()))
    }

    /// Every registered plugin, in registration order.
    pub fn plugins(&self) -> &[PluginDesc] {
        &self.listed
    }
}

#[cfg(test)]
mod tests {
    use super::aliases;

    #[test]
    fn java_aliases() {
        assert_eq!(
            aliases(
                "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "Connector"
            ),
            [
                "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "FileStreamSourceConnector",
                "FileStreamSource"
            ]
        );
    }
}
