//! The [`Herder`] operations of the distributed herder, as the REST API calls them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use kconnect_api::ConfigMap;

use super::herder::{unknown, DistributedHerder};
use crate::herder::apply_patch;
use crate::herder::{
    passwords, plugin_info, ConfigInfos, ConfigKeyInfo, ConnectorInfo, ConnectorKind,
    ConnectorOffsets, ConnectorState, ConnectorStateInfo, Created, Herder, HerderError,
    HerderResult, Message, PluginInfo, RestartRequest, TaskInfo, TaskState,
};
use crate::storage::status_records::{StatusKey, StatusRecord};
use crate::task::TaskId;
use crate::worker::invalid_config_message;
use crate::worker::TargetState;

fn task_state(id: u32, s: &StatusRecord) -> TaskState {
    TaskState {
        id,
        state: s.state.name().to_string(),
        worker_id: s.worker_id.clone(),
        version: s.version.clone(),
        trace: s.trace.clone().filter(|t| !t.is_empty()),
    }
}

impl DistributedHerder {
    async fn put_checked(
        &self,
        name: &str,
        mut config: ConfigMap,
        initial: Option<TargetState>,
        allow_replace: bool,
    ) -> HerderResult<Created<ConnectorInfo>> {
        self.require_leader()?;
        let existing = self.snapshot().connector_config(name).cloned();
        if let Some(old) = &existing {
            let secrets = self.secrets(&config);
            passwords::restore_hidden(&mut config, old, &secrets);
        }
        let infos = self.validate(config.clone()).await?;
        if infos.error_count > 0 {
            return Err(HerderError::BadRequest(invalid_config_message(
                &infos.error_messages(),
            )));
        }
        if existing.is_some() && !allow_replace {
            return Err(HerderError::AlreadyExists(format!(
                "Connector {name} already exists"
            )));
        }
        let target = match existing {
            Some(_) => None,
            None => Some(initial.unwrap_or(TargetState::Started)),
        };
        self.configs
            .put_connector_config(name, config.clone(), target)
            .await?;
        Ok(Created {
            created: existing.is_none(),
            value: self.info(name, &config, &self.snapshot()),
        })
    }

    /// Tombstones for every topic record of `name` (KIP-558 reset).
    async fn forget_topics(&self, name: &str) -> HerderResult<()> {
        for t in self.statuses.topics(name) {
            self.statuses.delete_topic(name, &t.topic).await?;
        }
        Ok(())
    }

    async fn set_target(&self, name: &str, target: TargetState) -> HerderResult<()> {
        if self.snapshot().connector_config(name).is_none() {
            return Err(HerderError::NotFound(format!("Unknown connector {name}")));
        }
        Ok(self.configs.put_target_state(name, target).await?)
    }
}

#[async_trait]
impl Herder for DistributedHerder {
    fn worker_id(&self) -> String {
        self.worker_id.clone()
    }

    async fn kafka_cluster_id(&self) -> Option<String> {
        self.lookup_cluster_id().await
    }

    fn is_ready(&self) -> bool {
        self.ready_flag()
    }

    async fn connectors(&self) -> HerderResult<Vec<String>> {
        Ok(self.snapshot().connectors().cloned().collect())
    }

    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo> {
        let snapshot = self.snapshot();
        let config = snapshot
            .connector_config(name)
            .ok_or_else(|| unknown(name))?;
        Ok(self.info(name, config, &snapshot))
    }

    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap> {
        Ok(self.connector_info(name).await?.config)
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        initial_state: Option<TargetState>,
        allow_replace: bool,
    ) -> HerderResult<Created<ConnectorInfo>> {
        self.put_checked(name, config, initial_state, allow_replace)
            .await
    }

    async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> HerderResult<ConnectorInfo> {
        let mut config = self.stored(name)?;
        apply_patch(&mut config, name, patch);
        Ok(self.put_checked(name, config, None, true).await?.value)
    }

    async fn delete_connector(&self, name: &str) -> HerderResult<()> {
        self.require_leader()?;
        let snapshot = self.snapshot();
        snapshot
            .connector_config(name)
            .ok_or_else(|| unknown(name))?;
        self.configs.remove_connector(name).await?;
        let mut keys = vec![StatusKey::Connector(name.to_string())];
        keys.extend(self.statuses.tasks(name).into_iter().map(|(task, _)| {
            StatusKey::Task(TaskId {
                connector: name.to_string(),
                task,
            })
        }));
        for key in keys {
            if let Err(e) = self.statuses.delete(&key).await {
                tracing::warn!(connector = name, "could not remove a status: {e}");
            }
        }
        if let Err(e) = self.forget_topics(name).await {
            tracing::warn!(connector = name, "could not remove its active topics: {e}");
        }
        Ok(())
    }

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo> {
        let snapshot = self.snapshot();
        // A deleted connector has no status, whatever is left on the status topic.
        let connector = self
            .statuses
            .connector(name)
            .filter(|_| snapshot.connector_config(name).is_some())
            .ok_or_else(|| {
                HerderError::NotFound(format!("No status found for connector {name}"))
            })?;
        let kind = snapshot
            .connector_config(name)
            .map(|c| self.kind_of(c))
            .unwrap_or(ConnectorKind::Unknown);
        // Statuses of task numbers the connector no longer has (it was stopped or now has
        // fewer tasks) stay on the status topic; they are not shown.
        let current = snapshot.task_configs(name).len();
        Ok(ConnectorStateInfo {
            name: name.to_string(),
            connector: ConnectorState {
                state: connector.state.name().to_string(),
                worker_id: connector.worker_id.clone(),
                version: connector.version.clone(),
                trace: connector.trace.clone().filter(|t| !t.is_empty()),
            },
            tasks: self
                .statuses
                .tasks(name)
                .iter()
                .filter(|(n, _)| (*n as usize) < current)
                .map(|(n, s)| task_state(*n, s))
                .collect(),
            kind,
        })
    }

    async fn task_status(&self, id: &TaskId) -> HerderResult<TaskState> {
        self.statuses
            .tasks(&id.connector)
            .iter()
            .find(|(n, _)| *n == id.task)
            .map(|(n, s)| task_state(*n, s))
            .ok_or_else(|| HerderError::NotFound(format!("No status found for task {id}")))
    }

    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let snapshot = self.snapshot();
        let config = snapshot
            .connector_config(name)
            .ok_or_else(|| unknown(name))?;
        let secrets = self.secrets(config);
        Ok(passwords::task_infos(
            name,
            snapshot.task_configs(name),
            &secrets,
        ))
    }

    async fn pause_connector(&self, name: &str) -> HerderResult<()> {
        self.set_target(name, TargetState::Paused).await
    }

    async fn resume_connector(&self, name: &str) -> HerderResult<()> {
        self.set_target(name, TargetState::Started).await
    }

    async fn stop_connector(&self, name: &str) -> HerderResult<()> {
        self.require_leader()?;
        self.set_target(name, TargetState::Stopped).await?;
        Ok(self.configs.put_task_configs(name, Vec::new()).await?)
    }

    async fn restart_connector(&self, name: &str) -> HerderResult<()> {
        self.require_leader()?;
        if self.snapshot().connector_config(name).is_none() {
            return Err(HerderError::NotFound(format!("Unknown connector: {name}")));
        }
        Ok(self.configs.put_restart_request(name, false, false).await?)
    }

    async fn restart_connector_and_tasks(
        &self,
        request: &RestartRequest,
    ) -> HerderResult<ConnectorStateInfo> {
        self.require_leader()?;
        let name = &request.connector;
        if self.snapshot().connector_config(name).is_none() {
            return Err(HerderError::NotFound(format!("Unknown connector: {name}")));
        }
        let mut plan = self
            .connector_status(name)
            .await
            .map_err(|_| HerderError::NotFound(format!("Status for connector {name} not found")))?;
        if request.restarts_connector(&plan.connector.state) {
            plan.connector.state = "RESTARTING".into();
        }
        for t in &mut plan.tasks {
            if request.restarts_task(&t.state) {
                t.state = "RESTARTING".into();
            }
        }
        self.configs
            .put_restart_request(name, request.include_tasks, request.only_failed)
            .await?;
        Ok(plan)
    }

    async fn restart_task(&self, id: &TaskId) -> HerderResult<()> {
        self.restart_task_here_or_elsewhere(id).await
    }

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        self.offsets(name).await
    }

    async fn alter_connector_offsets(
        &self,
        name: &str,
        offsets: ConnectorOffsets,
    ) -> HerderResult<Message> {
        self.modify_offsets(name, Some(offsets.offsets)).await
    }

    async fn reset_connector_offsets(&self, name: &str) -> HerderResult<Message> {
        self.modify_offsets(name, None).await
    }

    async fn validate_connector_config(&self, config: ConfigMap) -> HerderResult<ConfigInfos> {
        self.validate(config).await
    }

    fn connector_plugins(&self, connectors_only: bool) -> Vec<PluginInfo> {
        plugin_info::plugins(self.worker.registry(), connectors_only)
    }

    fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<ConfigKeyInfo>> {
        plugin_info::plugin_config(self.worker.registry(), plugin)
    }

    async fn connector_active_topics(&self, name: &str) -> HerderResult<Vec<String>> {
        // As the status topic records them, whichever worker ran the tasks.
        Ok(self
            .statuses
            .topics(name)
            .into_iter()
            .map(|t| t.topic)
            .collect())
    }

    async fn reset_connector_active_topics(&self, name: &str) -> HerderResult<()> {
        self.forget_topics(name).await?;
        Ok(self.statuses.read_to_end().await?)
    }

    async fn set_cluster_logger_level(&self, namespace: &str, level: &str) -> HerderResult<()> {
        // Applied by every worker, this one included, when it reads the record.
        Ok(self.configs.put_logger_level(namespace, level).await?)
    }

    async fn put_task_configs(
        &self,
        name: &str,
        tasks: Vec<ConfigMap>,
        body: &[u8],
        signature: Option<(String, String)>,
    ) -> HerderResult<()> {
        self.verify_internal(body, signature)?;
        self.require_leader()?;
        self.stored(name)?;
        Ok(self.configs.put_task_configs(name, tasks).await?)
    }
}
