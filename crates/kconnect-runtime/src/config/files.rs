//! Reading the files users give the CLI: Java `.properties` worker and connector files, and
//! the JSON connector formats Java's standalone CLI accepts (kafka-connect-spec.md §11.3).

use std::path::Path;

use kconnect_api::{ConfigError, ConfigMap};

use super::keys::NAME;

/// Target state a connector file may ask for (`initial_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InitialState {
    /// Running (Java `RUNNING` → target STARTED).
    #[default]
    Running,
    /// Created paused.
    Paused,
    /// Created stopped.
    Stopped,
}

impl InitialState {
    /// Parses `RUNNING`, `PAUSED` or `STOPPED`, case-insensitively.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.to_ascii_uppercase().as_str() {
            "RUNNING" => Some(Self::Running),
            "PAUSED" => Some(Self::Paused),
            "STOPPED" => Some(Self::Stopped),
            _ => None,
        }
    }
}

/// A connector definition read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorFile {
    /// Connector name.
    pub name: String,
    /// Its configuration (always contains `name`).
    pub config: ConfigMap,
    /// Requested initial state.
    pub initial_state: InitialState,
}

fn read_text(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError::general(format!("cannot read {}: {e}", path.display())))
}

/// Parses Java properties text.
pub fn parse_properties(text: &str) -> Result<ConfigMap, ConfigError> {
    let map = java_properties::read(text.as_bytes())
        .map_err(|e| ConfigError::general(format!("not a valid properties file: {e}")))?;
    Ok(map.into_iter().collect())
}

/// Reads a Java properties file (the worker file).
pub fn read_properties(path: &Path) -> Result<ConfigMap, ConfigError> {
    parse_properties(&read_text(path)?)
        .map_err(|e| ConfigError::general(format!("{}: {}", path.display(), e.reason)))
}

fn json_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn json_object_to_map(obj: &serde_json::Map<String, serde_json::Value>) -> Option<ConfigMap> {
    obj.iter()
        .map(|(k, v)| json_string(v).map(|s| (k.clone(), s)))
        .collect()
}

/// Parses a connector file: (1) a JSON object of strings with `name`, (2) the
/// `POST /connectors` shape `{"name", "config", "initial_state"}`, or (3) Java properties.
pub fn parse_connector_file(text: &str, origin: &str) -> Result<ConnectorFile, ConfigError> {
    let fail = |reason: String| ConfigError::general(format!("{origin}: {reason}"));
    if let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(text) {
        if let Some(serde_json::Value::Object(config)) = obj.get("config") {
            let name = obj
                .get(NAME)
                .and_then(json_string)
                .ok_or_else(|| fail("the JSON connector file has no \"name\"".into()))?;
            let mut config = json_object_to_map(config)
                .ok_or_else(|| fail("\"config\" values must be strings".into()))?;
            match config.get(NAME) {
                Some(n) if n != &name => {
                    return Err(fail(format!(
                        "Connector name configuration ({n}) doesn't match connector name in the URL ({name})"
                    )))
                }
                _ => {
                    config.insert(NAME.into(), name.clone());
                }
            }
            let initial_state = match obj.get("initial_state").and_then(json_string) {
                None => InitialState::Running,
                Some(s) => InitialState::parse(&s).ok_or_else(|| {
                    fail(format!(
                        "invalid initial_state {s}: expected RUNNING, PAUSED or STOPPED"
                    ))
                })?,
            };
            return Ok(ConnectorFile {
                name,
                config,
                initial_state,
            });
        }
        let config = json_object_to_map(&obj)
            .ok_or_else(|| fail("JSON connector config values must be strings".into()))?;
        let name = config
            .get(NAME)
            .cloned()
            .ok_or_else(|| fail("the connector config has no \"name\"".into()))?;
        return Ok(ConnectorFile {
            name,
            config,
            initial_state: InitialState::Running,
        });
    }
    let config = parse_properties(text).map_err(|e| fail(e.reason))?;
    let name = config
        .get(NAME)
        .cloned()
        .ok_or_else(|| fail("the connector config has no \"name\"".into()))?;
    Ok(ConnectorFile {
        name,
        config,
        initial_state: InitialState::Running,
    })
}

/// Reads a connector file.
pub fn read_connector_file(path: &Path) -> Result<ConnectorFile, ConfigError> {
    parse_connector_file(&read_text(path)?, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_properties_with_comments_and_continuations() {
        let text = "# comment\nname=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\nfile=/tmp/a\\\n b.txt\ntopic : connect-test\n";
        let f = parse_connector_file(text, "x").unwrap();
        assert_eq!(f.name, "local-file-source");
        assert_eq!(f.config["file"], "/tmp/ab.txt");
        assert_eq!(f.config["topic"], "connect-test");
    }

    #[test]
    fn both_json_shapes() {
        let flat = parse_connector_file(
            r#"{"name":"a","connector.class":"FileStreamSink","tasks.max":"1"}"#,
            "x",
        )
        .unwrap();
        assert_eq!(flat.config["connector.class"], "FileStreamSink");
        let nested = parse_connector_file(r#"{"name":"b","config":{"connector.class":"FileStreamSink"},"initial_state":"paused"}"#, "x").unwrap();
        assert_eq!(nested.config["name"], "b");
        assert_eq!(nested.initial_state, InitialState::Paused);
        let err = parse_connector_file(r#"{"name":"b","config":{"name":"c"}}"#, "f.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("doesn't match"), "{err}");
        assert!(parse_connector_file("tasks.max=1\n", "f.properties")
            .unwrap_err()
            .to_string()
            .contains("no \"name\""));
    }
}
