//! `kconnect standalone`: one process, configs from files and the REST API, offsets in a file.
//! Connectors created or changed through the REST API are kept in
//! `<offset.storage.file.filename>.connectors.json` and restored at the next start (unless
//! `kconnect.connector.persistence.enable=false`); the command line's connector files are
//! applied on top of them.

use std::path::PathBuf;
use std::sync::Arc;

use thiserror::Error;

use crate::config::files::{read_connector_file, read_properties};
use crate::config::WorkerConfig;
use crate::herder::config_store::ConnectorStore;
use crate::herder::StandaloneHerder;
use crate::plugins::Registry;
use crate::rest::loggers::LogLevels;
use crate::rest::server::BoundRest;
use crate::rest::{routers, RestState};
use crate::storage::FileOffsetStore;
use crate::worker::status::StatusStore;
use crate::worker::Worker;

/// Worker key that turns persistence of connectors in standalone mode on or off.
pub const PERSISTENCE_ENABLE: &str = "kconnect.connector.persistence.enable";

/// Why the worker could not run; the CLI maps these to Java's exit codes.
#[derive(Debug, Error)]
pub enum StartupError {
    /// Bad worker configuration or unusable files (exit code 2).
    #[error("{0}")]
    Config(String),
    /// A connector could not be created (exit code 3).
    #[error("{0}")]
    Connector(String),
}

impl StartupError {
    /// The process exit code Java's CLI uses for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Config(_) => 2,
            Self::Connector(_) => 3,
        }
    }
}

fn flag(config: &WorkerConfig, key: &str, default: bool) -> Result<bool, StartupError> {
    match config.props.get(key).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if v == "true" => Ok(true),
        Some(v) if v == "false" => Ok(false),
        Some(v) => Err(StartupError::Config(format!(
            "Invalid value {v} for configuration {key}: Expected value to be either true or false"
        ))),
    }
}

/// Runs a standalone worker until SIGINT/SIGTERM.
pub async fn run(
    worker_file: PathBuf,
    connector_files: Vec<PathBuf>,
    registry: Registry,
    log_levels: Option<Arc<dyn LogLevels>>,
) -> Result<(), StartupError> {
    let props = read_properties(&worker_file).map_err(|e| StartupError::Config(e.to_string()))?;
    let config = WorkerConfig::parse(props)
        .map_err(|e| StartupError::Config(format!("{}: {e}", worker_file.display())))?;
    let offset_path = config
        .offset_file()
        .map_err(|e| StartupError::Config(e.to_string()))?
        .to_string();
    let store = ConnectorStore::new(
        flag(&config, PERSISTENCE_ENABLE, true)?.then(|| ConnectorStore::beside(&offset_path)),
    );
    let topic_tracking = flag(&config, "topic.tracking.enable", true)?;
    let topic_tracking_reset = flag(&config, "topic.tracking.allow.reset", true)?;
    let offsets = Arc::new(
        FileOffsetStore::open(&offset_path).map_err(|e| StartupError::Config(e.to_string()))?,
    );
    let connectors = connector_files
        .iter()
        .map(|p| read_connector_file(p).map_err(|e| StartupError::Connector(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let bound = BoundRest::bind(&config.listeners, &config.rest)
        .await
        .map_err(StartupError::Config)?;
    let port = bound.advertised_port(config.advertised_port());
    let host = config.advertised_host();
    let worker_id = format!("{host}:{port}");
    let rest = config.rest.clone();
    let status = Arc::new(StatusStore::new(&worker_id));
    let worker = Arc::new(Worker::new(config, registry, status, offsets));
    let supervisor = crate::worker::supervisor::spawn(&worker);
    let reconfigurations = crate::worker::connector_context::spawn(&worker);
    let herder = Arc::new(StandaloneHerder::new(worker, store, log_levels.clone()));
    let state = Arc::new(RestState {
        herder: herder.clone(),
        log_levels,
        topic_tracking,
        topic_tracking_reset,
        client_tls: rest.client_tls.clone(),
    });
    let listening = bound.describe();
    let (api, admin) = routers(state, &rest.admin);
    let server = bound.serve(api, admin).map_err(StartupError::Config)?;
    tracing::info!("REST API listening on {listening} (worker id {worker_id})");
    if herder.lookup_cluster_id().await.is_none() {
        tracing::warn!("the Kafka cluster id is not known yet (are the brokers reachable?)");
    }
    let restored = match herder.restore().await {
        Ok(n) => n,
        Err(e) => {
            server.abort();
            return Err(StartupError::Config(e.to_string()));
        }
    };
    if restored > 0 {
        tracing::info!("restored {restored} connector(s) from the previous run");
    }
    for file in connectors {
        let name = file.name.clone();
        if let Err(e) = herder.apply_file(file).await {
            supervisor.abort();
            reconfigurations.abort();
            herder.shutdown().await;
            server.abort();
            return Err(StartupError::Connector(format!(
                "Failed to create connector {name}: {e}"
            )));
        }
        tracing::info!(connector = %name, "created connector");
    }
    herder.set_ready();
    crate::signals::shutdown_requested().await;
    tracing::info!("stopping: committing offsets and stopping tasks");
    supervisor.abort();
    reconfigurations.abort();
    herder.shutdown().await;
    server.abort();
    Ok(())
}
