//! The [`Herder`] operations of the standalone herder, as the REST API calls them.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use kconnect_api::ConfigMap;

use super::{connector_state, task_state, unknown, StandaloneHerder};
use crate::herder::apply_patch;
use crate::herder::{
    passwords, plugin_info, ConfigInfos, ConfigKeyInfo, ConnectorInfo, ConnectorKind,
    ConnectorOffsets, ConnectorStateInfo, Created, Herder, HerderError, HerderResult, Message,
    PluginInfo, RestartRequest, TaskInfo, TaskState,
};
use crate::task::TaskId;
use crate::worker::TargetState;

#[async_trait]
impl Herder for StandaloneHerder {
    fn worker_id(&self) -> String {
        self.worker.status().worker_id().to_string()
    }

    async fn kafka_cluster_id(&self) -> Option<String> {
        self.lookup_cluster_id().await
    }

    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    async fn connectors(&self) -> HerderResult<Vec<String>> {
        Ok(self.snapshot_all().into_keys().collect())
    }

    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo> {
        let stored = self.stored(name).ok_or_else(|| unknown(name))?;
        Ok(self.info(name, &stored))
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
        let _guard = self.ops.lock().await;
        self.put_locked(name, config, initial_state, allow_replace)
            .await
    }

    async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> HerderResult<ConnectorInfo> {
        let _guard = self.ops.lock().await;
        let mut config = self.stored(name).ok_or_else(|| unknown(name))?.config;
        apply_patch(&mut config, name, patch);
        Ok(self.put_locked(name, config, None, true).await?.value)
    }

    async fn delete_connector(&self, name: &str) -> HerderResult<()> {
        let _guard = self.ops.lock().await;
        let mut next = self.snapshot_all();
        next.remove(name).ok_or_else(|| unknown(name))?;
        self.commit(next)?;
        let _ = self.worker.remove_connector(name).await;
        self.worker.status().remove_connector(name);
        Ok(())
    }

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo> {
        let status = self.worker.status();
        let connector = status.connector(name).ok_or_else(|| {
            HerderError::NotFound(format!("No status found for connector {name}"))
        })?;
        let tasks = status
            .tasks(name)
            .iter()
            .map(|(id, s)| task_state(*id, s))
            .collect();
        let kind = self
            .stored(name)
            .map(|s| self.kind_of(&s.config))
            .unwrap_or(ConnectorKind::Unknown);
        Ok(ConnectorStateInfo {
            name: name.to_string(),
            connector: connector_state(&connector),
            tasks,
            kind,
        })
    }

    async fn task_status(&self, id: &TaskId) -> HerderResult<TaskState> {
        self.worker
            .status()
            .tasks(&id.connector)
            .into_iter()
            .find(|(n, _)| *n == id.task)
            .map(|(n, s)| task_state(n, &s))
            .ok_or_else(|| HerderError::NotFound(format!("No status found for task {id}")))
    }

    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let stored = self.stored(name).ok_or_else(|| unknown(name))?;
        let secrets = self.secrets(&stored.config);
        let tasks = self
            .worker
            .snapshot(name)
            .map(|s| s.task_configs)
            .unwrap_or_default();
        Ok(passwords::task_infos(name, &tasks, &secrets))
    }

    async fn pause_connector(&self, name: &str) -> HerderResult<()> {
        self.set_target(name, TargetState::Paused).await
    }

    async fn resume_connector(&self, name: &str) -> HerderResult<()> {
        self.set_target(name, TargetState::Started).await
    }

    async fn stop_connector(&self, name: &str) -> HerderResult<()> {
        self.set_target(name, TargetState::Stopped).await
    }

    async fn restart_connector(&self, name: &str) -> HerderResult<()> {
        let _guard = self.ops.lock().await;
        let stored = self.stored(name).ok_or_else(|| unknown(name))?;
        if self.worker.snapshot(name).is_none() {
            self.launch(name, &stored).await;
            return Ok(());
        }
        Ok(self.worker.restart_connector(name).await?)
    }

    async fn restart_connector_and_tasks(
        &self,
        request: &RestartRequest,
    ) -> HerderResult<ConnectorStateInfo> {
        let name = &request.connector;
        let _guard = self.ops.lock().await;
        if self.stored(name).is_none() {
            return Err(HerderError::NotFound(format!("Unknown connector: {name}")));
        }
        let mut plan = self
            .connector_status(name)
            .await
            .map_err(|_| HerderError::NotFound(format!("Status for connector {name} not found")))?;
        let restart_connector = request.restarts_connector(&plan.connector.state);
        if restart_connector {
            plan.connector.state = "RESTARTING".into();
        }
        let mut tasks = Vec::new();
        for t in &mut plan.tasks {
            if request.restarts_task(&t.state) {
                t.state = "RESTARTING".into();
                tasks.push(t.id);
            }
        }
        if self.worker.snapshot(name).is_some() {
            self.worker
                .restart_instances(name, restart_connector, &tasks)
                .await?;
        } else if restart_connector {
            if let Some(stored) = self.stored(name) {
                self.launch(name, &stored).await;
            }
        }
        Ok(plan)
    }

    async fn restart_task(&self, id: &TaskId) -> HerderResult<()> {
        let _guard = self.ops.lock().await;
        if self.stored(&id.connector).is_none() {
            return Err(unknown(&id.connector));
        }
        Ok(self.worker.restart_task(id).await?)
    }

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        self.stored(name).ok_or_else(|| unknown(name))?;
        Ok(self.worker.connector_offsets(name).await?)
    }

    async fn alter_connector_offsets(
        &self,
        name: &str,
        offsets: ConnectorOffsets,
    ) -> HerderResult<Message> {
        let _guard = self.ops.lock().await;
        self.check_stopped(name)?;
        Ok(self
            .worker
            .modify_offsets(name, Some(offsets.offsets))
            .await?)
    }

    async fn reset_connector_offsets(&self, name: &str) -> HerderResult<Message> {
        let _guard = self.ops.lock().await;
        self.check_stopped(name)?;
        Ok(self.worker.modify_offsets(name, None).await?)
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
        Ok(self.worker.status().topics(name))
    }

    async fn reset_connector_active_topics(&self, name: &str) -> HerderResult<()> {
        self.worker.status().reset_topics(name);
        Ok(())
    }

    async fn set_cluster_logger_level(&self, namespace: &str, level: &str) -> HerderResult<()> {
        match &self.log_levels {
            Some(l) => l
                .set_level(namespace, level)
                .map(|_| ())
                .map_err(HerderError::Internal),
            None => Ok(()),
        }
    }
}

impl StandaloneHerder {
    fn check_stopped(&self, name: &str) -> HerderResult<()> {
        let stored = self.stored(name).ok_or_else(|| unknown(name))?;
        let tasks = self
            .worker
            .snapshot(name)
            .map(|s| s.task_configs.len())
            .unwrap_or(0);
        if stored.target != TargetState::Stopped || tasks != 0 {
            return Err(HerderError::BadRequest(format!("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint")));
        }
        Ok(())
    }
}
