//! The standalone herder: connectors from the command line (and later the REST API), run by
//! this process's worker.

use std::sync::Arc;

use kconnect_api::{ConfigMap, ConnectError, ConnectResult};

use crate::config::files::{ConnectorFile, InitialState};
use crate::config::ConnectorType;
use crate::worker::status::Status;
use crate::worker::{TargetState, Worker};

/// A connector as the REST API describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorView {
    /// Name.
    pub name: String,
    /// Configuration.
    pub config: ConfigMap,
    /// Source or sink.
    pub connector_type: ConnectorType,
    /// Task configurations.
    pub tasks: Vec<ConfigMap>,
}

/// Standalone control plane.
pub struct StandaloneHerder {
    worker: Arc<Worker>,
}

impl StandaloneHerder {
    /// A herder driving `worker`.
    pub fn new(worker: Arc<Worker>) -> Self {
        Self { worker }
    }

    /// The worker.
    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    /// Creates a connector from a CLI file.
    pub async fn create(&self, file: ConnectorFile) -> ConnectResult<()> {
        let target = match file.initial_state {
            InitialState::Running => TargetState::Started,
            InitialState::Paused => TargetState::Paused,
            InitialState::Stopped => TargetState::Stopped,
        };
        self.worker.start_connector(file.config, target).await
    }

    /// Names of all connectors.
    pub async fn connectors(&self) -> Vec<String> {
        self.worker.connector_names().await
    }

    /// One connector.
    pub async fn connector(&self, name: &str) -> ConnectResult<ConnectorView> {
        let (config, connector_type, tasks) = self
            .worker
            .connector_info(name)
            .await
            .ok_or_else(|| ConnectError::NotFound(format!("Connector {name} not found")))?;
        Ok(ConnectorView {
            name: name.to_string(),
            config,
            connector_type,
            tasks,
        })
    }

    /// A connector's status and its tasks' statuses.
    pub fn status(&self, name: &str) -> ConnectResult<(Status, Vec<(u32, Status)>)> {
        let status = self.worker.status();
        let connector = status.connector(name).ok_or_else(|| {
            ConnectError::NotFound(format!("No status found for connector {name}"))
        })?;
        Ok((connector, status.tasks(name)))
    }

    /// Stops everything.
    pub async fn shutdown(&self) {
        self.worker.stop_all().await;
    }
}
