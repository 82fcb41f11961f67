//! The distributed herder: the REST API's view of a Connect cluster. Reads come from this
//! worker's copy of the config topic and the status topic; writes go to the config topic
//! from the leader (the REST layer forwards them there first, kafka-connect-spec.md §1.3), except pause and
//! resume, which any worker writes. The owner of a connector reacts to what the topic says
//! (see [`super::worker_runner`]).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use kconnect_api::ConfigMap;
use tokio::sync::watch;

use super::config::DistributedConfig;
use super::protocol::ConnectProtocol;
use super::runtime::RuntimeView;
use super::signing::verify;
use crate::config::keys::CONNECTOR_CLASS;
use crate::herder::cluster_id::ClusterId;
use crate::herder::connector_kind;
use crate::herder::{
    passwords, validation, ConfigInfos, ConnectorInfo, ConnectorKind, HerderError, HerderResult,
    TaskIdInfo,
};
use crate::storage::config_state::ConfigState;
use crate::storage::kafka_config_store::KafkaConfigStore;
use crate::storage::kafka_status_store::KafkaStatusStore;
use crate::worker::{plugin_call, Worker};

/// Distributed control plane.
pub struct DistributedHerder {
    pub(super) worker: Arc<Worker>,
    pub(super) worker_id: String,
    pub(super) config: DistributedConfig,
    pub(super) configs: Arc<KafkaConfigStore>,
    pub(super) statuses: Arc<KafkaStatusStore>,
    view: OnceLock<watch::Receiver<RuntimeView>>,
    ready: AtomicBool,
    cluster_id: ClusterId,
}

pub(super) fn unknown(name: &str) -> HerderError {
    HerderError::NotFound(format!("Connector {name} not found"))
}

impl DistributedHerder {
    /// A herder over this worker's stores; [`attach`](Self::attach) the coordination loop's
    /// view once it runs.
    pub fn new(
        worker: Arc<Worker>,
        worker_id: String,
        config: DistributedConfig,
        configs: Arc<KafkaConfigStore>,
        statuses: Arc<KafkaStatusStore>,
    ) -> Self {
        Self {
            worker,
            worker_id,
            config,
            configs,
            statuses,
            view: OnceLock::new(),
            ready: AtomicBool::new(false),
            cluster_id: ClusterId::default(),
        }
    }

    /// Connects the herder to the coordination loop's state.
    pub fn attach(&self, view: watch::Receiver<RuntimeView>) {
        let _ = self.view.set(view);
    }

    /// Marks startup as finished (`/health` turns healthy).
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }

    pub(super) fn ready_flag(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// The coordination state (nothing before the loop runs).
    pub fn view(&self) -> RuntimeView {
        self.view
            .get()
            .map(|v| v.borrow().clone())
            .unwrap_or_default()
    }

    /// Whether this worker leads the group, and the leader's URL if one is known.
    pub fn leadership(&self) -> (bool, Option<String>) {
        let view = self.view();
        let url = Some(view.leader_url.clone()).filter(|u| !u.is_empty());
        (view.is_leader, url)
    }

    /// A `Conflict` unless this worker leads the group (requests reaching a follower are
    /// forwarded before they get here; this covers a leadership change in between).
    pub(super) fn require_leader(&self) -> HerderResult<()> {
        if self.view().is_leader {
            Ok(())
        } else {
            Err(HerderError::Conflict(
                "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
                    .into(),
            ))
        }
    }

    pub(super) fn snapshot(&self) -> ConfigState {
        self.configs.snapshot()
    }

    pub(super) fn stored(&self, name: &str) -> HerderResult<ConfigMap> {
        self.snapshot()
            .connector_config(name)
            .cloned()
            .ok_or_else(|| unknown(name))
    }

    pub(super) fn secrets(&self, config: &ConfigMap) -> HashSet<String> {
        passwords::password_keys(self.worker.registry(), config)
    }

    pub(super) fn kind_of(&self, config: &ConfigMap) -> ConnectorKind {
        connector_kind(self.worker.registry(), config)
    }

    pub(super) fn info(
        &self,
        name: &str,
        config: &ConfigMap,
        snapshot: &ConfigState,
    ) -> ConnectorInfo {
        ConnectorInfo {
            name: name.to_string(),
            config: passwords::hide(config, &self.secrets(config)),
            tasks: (0..snapshot.task_configs(name).len() as u32)
                .map(|task| TaskIdInfo {
                    connector: name.to_string(),
                    task,
                })
                .collect(),
            kind: self.kind_of(config),
        }
    }

    /// Validates a configuration as the validate endpoint reports it.
    pub(super) async fn validate(&self, config: ConfigMap) -> HerderResult<ConfigInfos> {
        let worker = self.worker.clone();
        let class = config.get(CONNECTOR_CLASS).cloned().unwrap_or_default();
        let what = format!("Connector plugin {class}: validate()");
        plugin_call::blocking(&what, self.worker.plugin_timeout(), move || {
            validation::validate_written(worker.registry(), &config, worker.config())
        })
        .await?
    }

    /// Checks an internal request's signature (kafka-connect-spec.md §1.6) when the group is `sessioned`.
    pub(super) fn verify_internal(
        &self,
        body: &[u8],
        signature: Option<(String, String)>,
    ) -> HerderResult<()> {
        if self.config.protocol != ConnectProtocol::Sessioned {
            return Ok(());
        }
        let Some((signature, algorithm)) = signature else {
            return Err(HerderError::BadRequest(
                "Internal request missing required signature".into(),
            ));
        };
        if !self.config.verification_algorithms.contains(&algorithm) {
            return Err(HerderError::BadRequest(format!(
                "This worker does not support the signature algorithm {algorithm} for internal requests"
            )));
        }
        let snapshot = self.snapshot();
        let Some(key) = snapshot.session_key() else {
            return Err(HerderError::Unavailable(
                "This worker is still starting up and has not been able to read a session key from the config topic yet"
                    .into(),
            ));
        };
        verify(&key.key, &algorithm, body, &signature).map_err(|e| match e.status() {
            403 => HerderError::Forbidden(e.to_string()),
            _ => HerderError::BadRequest(e.to_string()),
        })
    }

    /// The Kafka cluster id (looked up once).
    pub(super) async fn lookup_cluster_id(&self) -> Option<String> {
        self.cluster_id.get(&self.worker.config().props).await
    }
}
