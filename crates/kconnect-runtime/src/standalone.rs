//! `kconnect standalone`: one process, configs from files, offsets in a file.

use std::path::PathBuf;
use std::sync::Arc;

use kconnect_api::ConnectError;
use thiserror::Error;
use tokio::net::TcpListener;

use crate::config::files::{read_connector_file, read_properties};
use crate::config::WorkerConfig;
use crate::herder::StandaloneHerder;
use crate::plugins::Registry;
use crate::rest::{router, RestState};
use crate::storage::FileOffsetStore;
use crate::worker::status::StatusStore;
use crate::worker::Worker;

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

/// Runs a standalone worker until SIGINT/SIGTERM.
pub async fn run(
    worker_file: PathBuf,
    connector_files: Vec<PathBuf>,
    registry: Registry,
) -> Result<(), StartupError> {
    let props = read_properties(&worker_file).map_err(|e| StartupError::Config(e.to_string()))?;
    let config = WorkerConfig::parse(props)
        .map_err(|e| StartupError::Config(format!("{}: {e}", worker_file.display())))?;
    let offset_path = config
        .offset_file()
        .map_err(|e| StartupError::Config(e.to_string()))?
        .to_string();
    let offsets = Arc::new(
        FileOffsetStore::open(&offset_path).map_err(|e| StartupError::Config(e.to_string()))?,
    );
    let connectors = connector_files
        .iter()
        .map(|p| read_connector_file(p).map_err(|e| StartupError::Connector(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let listener = config.listeners[0].clone();
    let tcp = TcpListener::bind(listener.bind_address())
        .await
        .map_err(|e| {
            StartupError::Config(format!(
                "cannot listen on {}: {e} (set listeners=http://host:port)",
                listener.bind_address()
            ))
        })?;
    let port = tcp.local_addr().map(|a| a.port()).unwrap_or(listener.port);
    let host = config
        .props
        .get("rest.advertised.host.name")
        .cloned()
        .filter(|h| !h.is_empty())
        .or_else(|| Some(listener.host.clone()).filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".into());
    let worker_id = format!("{host}:{port}");
    let status = Arc::new(StatusStore::new(&worker_id));
    let worker = Arc::new(Worker::new(config, registry, status, offsets));
    let herder = Arc::new(StandaloneHerder::new(worker));
    let state = Arc::new(RestState {
        herder: herder.clone(),
        kafka_cluster_id: None,
    });
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(tcp, router(state)).await {
            tracing::error!("REST server failed: {e}");
        }
    });
    tracing::info!("REST API listening on http://{host}:{port}/ (worker id {worker_id})");
    for file in connectors {
        let name = file.name.clone();
        if let Err(e) = herder.create(file).await {
            herder.shutdown().await;
            return Err(StartupError::Connector(format!(
                "Failed to create connector {name}: {}",
                describe(&e)
            )));
        }
        tracing::info!(connector = %name, "created connector");
    }
    wait_for_shutdown().await;
    tracing::info!("stopping: committing offsets and stopping tasks");
    herder.shutdown().await;
    server.abort();
    Ok(())
}

fn describe(e: &ConnectError) -> String {
    e.to_string()
}

async fn wait_for_shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
