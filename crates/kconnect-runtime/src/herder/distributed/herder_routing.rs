//! Requests of the distributed herder that concern work wherever it runs: a connector's
//! offsets (KIP-875, kafka-connect-spec.md §8.7), which any worker reads and the leader changes once the
//! connector is stopped (it then runs nowhere, so its configuration comes from the config
//! topic), and single task restarts, served by the worker running the task (kafka-connect-spec.md §8.8).

use super::herder::{unknown, DistributedHerder};
use crate::herder::{ConnectorOffset, ConnectorOffsets, HerderError, HerderResult, Message};
use crate::task::TaskId;
use crate::worker::TargetState;

impl DistributedHerder {
    /// The committed offsets of a connector, from any worker: source offsets from the
    /// offsets topic read to its end, sink offsets from the consumer group.
    pub(super) async fn offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        let config = self.stored(name)?;
        Ok(self.worker.connector_offsets_with(name, &config).await?)
    }

    /// Alters (`Some`) or resets (`None`) a stopped connector's offsets, on the leader, once
    /// the config topic is read to its end (Java's `modifyConnectorOffsets`).
    pub(super) async fn modify_offsets(
        &self,
        name: &str,
        offsets: Option<Vec<ConnectorOffset>>,
    ) -> HerderResult<Message> {
        self.require_leader()?;
        self.configs.read_to_end().await.map_err(|e| {
            HerderError::Internal(format!("Failed to read to end of config topic: {e}"))
        })?;
        self.check_stopped(name)?;
        let config = self.stored(name)?;
        Ok(self
            .worker
            .modify_offsets_with(name, &config, offsets)
            .await?)
    }

    /// A [`HerderError::BadRequest`] unless the connector's target state is STOPPED and it
    /// has no tasks (a [`HerderError::NotFound`] for an unknown connector).
    pub(super) fn check_stopped(&self, name: &str) -> HerderResult<()> {
        let snapshot = self.snapshot();
        snapshot
            .connector_config(name)
            .ok_or_else(|| unknown(name))?;
        if snapshot.target_state(name) != Some(TargetState::Stopped)
            || !snapshot.task_configs(name).is_empty()
        {
            return Err(HerderError::BadRequest(format!("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint")));
        }
        Ok(())
    }

    /// Restarts a task this worker runs. Otherwise names the worker to forward the request
    /// to (Java's `restartTask`): a follower names the leader; the leader names the worker
    /// running the task, as its status on the status topic says (its worker id is the
    /// `host:port` of that worker's REST API).
    pub(super) async fn restart_task_here_or_elsewhere(&self, id: &TaskId) -> HerderResult<()> {
        let snapshot = self.snapshot();
        if snapshot.connector_config(&id.connector).is_none() {
            return Err(HerderError::NotFound(format!(
                "Unknown connector: {}",
                id.connector
            )));
        }
        if snapshot.task_config(id).is_none() {
            return Err(HerderError::NotFound(format!("Unknown task: {id}")));
        }
        if self.runs_task(id) {
            let _guard = self.worker.operations().lock().await;
            return Ok(self.worker.restart_task(id).await?);
        }
        let view = self.view();
        let url = if view.is_leader {
            self.task_owner_url(id, &view.leader_url)
        } else {
            Some(view.leader_url).filter(|u| !u.is_empty())
        };
        Err(HerderError::Elsewhere {
            message: "Cannot restart task since it is not assigned to this member".into(),
            url,
        })
    }

    /// Whether this worker runs the task: the worker keeps statuses of its own work only.
    fn runs_task(&self, id: &TaskId) -> bool {
        self.worker.snapshot(&id.connector).is_some()
            && self
                .worker
                .status()
                .tasks(&id.connector)
                .iter()
                .any(|(n, _)| *n == id.task)
    }

    /// The REST URL of the worker the status topic says runs the task (not this one), with
    /// the scheme of `leader_url`.
    fn task_owner_url(&self, id: &TaskId, leader_url: &str) -> Option<String> {
        let owner = self
            .statuses
            .tasks(&id.connector)
            .into_iter()
            .find(|(n, _)| *n == id.task)
            .map(|(_, s)| s.worker_id)
            .filter(|w| !w.is_empty() && *w != self.worker_id)?;
        let scheme = if leader_url.starts_with("https://") {
            "https"
        } else {
            "http"
        };
        Some(format!("{scheme}://{owner}/"))
    }
}
