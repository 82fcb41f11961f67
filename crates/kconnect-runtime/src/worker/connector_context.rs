//! What a connector's calls into the runtime do. `raise_error` marks the connector FAILED
//! (and keeps it so: a connector that raised an error while starting is not then reported
//! RUNNING). `request_task_reconfiguration` queues a request that [`spawn`]'s loop serves:
//! under the lifecycle lock the connector's task configurations are generated again, and its
//! tasks are replaced only if they changed (Java's `requestTaskReconfiguration`). Calls from
//! an instance that was stopped meanwhile are ignored.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use kconnect_api::plugin::ConnectorContext;
use kconnect_api::ConnectError;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::status::{trace, State, StatusStore};
use super::Worker;

/// The context of one started connector instance.
pub(super) struct WorkerConnectorContext {
    name: String,
    status: Arc<StatusStore>,
    requests: mpsc::UnboundedSender<String>,
    failed: AtomicBool,
    retired: AtomicBool,
}

impl WorkerConnectorContext {
    pub(super) fn new(
        name: &str,
        status: Arc<StatusStore>,
        requests: mpsc::UnboundedSender<String>,
    ) -> Self {
        Self {
            name: name.to_string(),
            status,
            requests,
            failed: AtomicBool::new(false),
            retired: AtomicBool::new(false),
        }
    }

    /// Whether the instance raised an error.
    pub(super) fn has_failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    /// The instance is being stopped: its later calls are ignored.
    pub(super) fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
    }

    fn is_retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }
}

impl ConnectorContext for WorkerConnectorContext {
    fn request_task_reconfiguration(&self) {
        if self.is_retired() {
            tracing::debug!(connector = %self.name, "ignoring a task reconfiguration request from a stopped connector instance");
            return;
        }
        tracing::info!(connector = %self.name, "task reconfiguration requested");
        let _ = self.requests.send(self.name.clone());
    }

    fn raise_error(&self, error: ConnectError) {
        if self.is_retired() {
            tracing::warn!(connector = %self.name, "a stopped connector instance raised an error (ignored): {error}");
            return;
        }
        tracing::error!(connector = %self.name, "connector raised an error: {error}");
        // Like Java, the first error is the one reported.
        if !self.failed.swap(true, Ordering::SeqCst) {
            self.status
                .put_connector(&self.name, State::Failed, Some(trace(&error)));
        }
    }
}

/// Starts serving the task reconfiguration requests of `worker`'s connectors; stops when the
/// worker is dropped. Call it once per worker.
pub fn spawn(worker: &Arc<Worker>) -> JoinHandle<()> {
    let requests = worker
        .reconfiguration_requests
        .lock()
        .ok()
        .and_then(|mut r| r.take());
    let worker = Arc::downgrade(worker);
    tokio::spawn(async move {
        match requests {
            Some(requests) => serve(worker, requests).await,
            None => tracing::warn!("task reconfiguration requests are already being served"),
        }
    })
}

async fn serve(worker: Weak<Worker>, mut requests: mpsc::UnboundedReceiver<String>) {
    while let Some(first) = requests.recv().await {
        // Several requests for a connector waiting here are served by one regeneration.
        let mut names = BTreeSet::from([first]);
        while let Ok(name) = requests.try_recv() {
            names.insert(name);
        }
        let Some(worker) = worker.upgrade() else {
            return;
        };
        for name in names {
            worker.reconfigure_tasks(&name).await;
        }
    }
}
