//! What the verifiable and schema connectors share: no configuration keys of their own, and
//! `max.tasks` tasks, each given the connector's configuration plus its number as `id`.

use kconnect_api::{ConfigMap, ConnectError, ConnectResult};

/// The task-configuration key holding the task's number.
pub const ID_CONFIG: &str = "id";

/// The configuration of a started connector.
#[derive(Debug, Default)]
pub struct Numbered {
    props: Option<ConfigMap>,
}

impl Numbered {
    /// Keeps the connector's configuration.
    pub fn start(&mut self, props: &ConfigMap) {
        self.props = Some(props.clone());
    }

    /// `max_tasks` copies of the configuration, numbered from 0.
    pub fn task_configs(&self, max_tasks: usize, connector: &str) -> ConnectResult<Vec<ConfigMap>> {
        let props = self
            .props
            .as_ref()
            .ok_or_else(|| ConnectError::other(format!("{connector} has not been started")))?;
        Ok((0..max_tasks)
            .map(|i| {
                let mut config = props.clone();
                config.insert(ID_CONFIG.to_string(), i.to_string());
                config
            })
            .collect())
    }
}

/// A required integer setting of a task, with Java's message when it is missing or invalid.
pub fn parse_number<T: std::str::FromStr>(
    props: &ConfigMap,
    key: &str,
    task: &str,
) -> ConnectResult<T> {
    let raw = props.get(key).map(String::as_str);
    raw.and_then(|v| v.parse().ok()).ok_or_else(|| {
        ConnectError::other(format!(
            "Invalid {task} configuration: '{key}' must be an integer, found {}",
            raw.map_or("nothing".to_string(), |v| format!("'{v}'"))
        ))
    })
}

/// The seqno after which a task resumes: one past the committed `seqno`, 0 without one.
pub fn resume_seqno(offset: Option<&kconnect_api::record::OffsetMap>) -> ConnectResult<i64> {
    match offset.and_then(|o| o.get("seqno")) {
        None | Some(kconnect_api::Value::Null) => Ok(0),
        Some(value) => value.as_i64().map(|s| s + 1).ok_or_else(|| {
            ConnectError::other(format!(
                "The committed offset's seqno is not an integer: {value}"
            ))
        }),
    }
}

/// Defines a connector that gives each of `tasks.max` tasks the connector's configuration
/// plus its number, has no keys of its own, and runs the task `$task` of class `$class`.
macro_rules! numbered_connector {
    ($name:ident, $doc:literal, $class:expr, $kind:ident, $task_trait:ident, $task:expr) => {
        #[doc = $doc]
        #[derive(Debug, Default)]
        pub struct $name {
            numbered: $crate::numbered::Numbered,
        }

        #[async_trait::async_trait]
        impl kconnect_api::plugin::Connector for $name {
            fn version(&self) -> String {
                $crate::VERSION.to_string()
            }

            fn config_def(&self) -> kconnect_api::ConfigDef {
                kconnect_api::ConfigDef::new()
            }

            async fn start(
                &mut self,
                _context: std::sync::Arc<dyn kconnect_api::plugin::ConnectorContext>,
                props: &kconnect_api::ConfigMap,
            ) -> kconnect_api::ConnectResult<()> {
                self.numbered.start(props);
                Ok(())
            }

            fn task_configs(
                &self,
                max_tasks: usize,
            ) -> kconnect_api::ConnectResult<Vec<kconnect_api::ConfigMap>> {
                self.numbered.task_configs(max_tasks, stringify!($name))
            }

            fn task_class(&self) -> &'static str {
                $class
            }

            async fn stop(&mut self) -> kconnect_api::ConnectResult<()> {
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl kconnect_api::plugin::$kind for $name {
            fn create_task(&self) -> Box<dyn kconnect_api::plugin::$task_trait> {
                Box::new($task)
            }
        }
    };
}
