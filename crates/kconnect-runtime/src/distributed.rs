//! `kconnect distributed`: a worker of a Connect cluster. Workers sharing `group.id`
//! divide the connectors between them through Kafka's group protocol and keep
//! configurations, statuses and offsets in the internal topics (kafka-connect-spec.md §6, §7); any worker
//! serves the REST API, forwarding leader-only requests to the leader (kafka-connect-spec.md §1.3).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kconnect_kafka::admin::Admin;
use kconnect_kafka::client_config::worker_client_base;
use tokio::sync::mpsc;

use crate::config::files::read_properties;
use crate::config::WorkerConfig;
use crate::herder::distributed::config::DistributedConfig;
use crate::herder::distributed::forwarder::RestForwarder;
use crate::herder::distributed::herder::DistributedHerder;
use crate::herder::distributed::protocol::ConnectProtocol;
use crate::herder::distributed::runtime::{DistributedRuntime, RuntimeInputs};
use crate::herder::distributed::state_sync::StateSync;
use crate::herder::distributed::worker_runner::{route_updates, WorkerRunner};
use crate::plugins::Registry;
use crate::rest::forward::Forwarding;
use crate::rest::loggers::LogLevels;
use crate::rest::server::BoundRest;
use crate::rest::{distributed_routers, RestState};
use crate::signals::shutdown_requested;
use crate::standalone::StartupError;
use crate::storage::internal_topics::{ensure_topic, InternalTopic};
use crate::storage::kafka_config_store::KafkaConfigStore;
use crate::storage::kafka_offset_store::KafkaOffsetStore;
use crate::storage::kafka_status_store::KafkaStatusStore;
use crate::storage::OffsetStore;
use crate::worker::status::StatusStore;
use crate::worker::Worker;

/// How long reading an internal topic may take at startup.
const STORE_TIMEOUT: Duration = Duration::from_secs(30);

fn config_error(e: impl std::fmt::Display) -> StartupError {
    StartupError::Config(e.to_string())
}

/// The three internal topics, created if missing and read to their ends.
struct Stores {
    configs: Arc<KafkaConfigStore>,
    updates: mpsc::UnboundedReceiver<crate::storage::config_state::ConfigUpdate>,
    statuses: Arc<KafkaStatusStore>,
    offsets: Arc<KafkaOffsetStore>,
}

async fn open_stores(config: &WorkerConfig) -> Result<Stores, StartupError> {
    let props = &config.props;
    let admin = Admin::new(&worker_client_base(props)).map_err(config_error)?;
    let mut names = Vec::new();
    for topic in [
        InternalTopic::Config,
        InternalTopic::Offsets,
        InternalTopic::Status,
    ] {
        let spec = topic.spec(props).map_err(config_error)?;
        ensure_topic(&admin, topic, &spec)
            .await
            .map_err(config_error)?;
        names.push(spec.name);
    }
    let clients = |t: InternalTopic| t.clients(props);
    let (tx, updates) = mpsc::unbounded_channel();
    let (p, c) = clients(InternalTopic::Config);
    let configs =
        KafkaConfigStore::start(&names[0], &p, &c, STORE_TIMEOUT, tx).map_err(config_error)?;
    let (p, c) = clients(InternalTopic::Offsets);
    let offsets =
        KafkaOffsetStore::start(&names[1], &p, &c, STORE_TIMEOUT).map_err(config_error)?;
    let (p, c) = clients(InternalTopic::Status);
    let statuses =
        KafkaStatusStore::start(&names[2], &p, &c, STORE_TIMEOUT).map_err(config_error)?;
    configs.read_to_end().await.map_err(config_error)?;
    offsets.read_to_end().await.map_err(config_error)?;
    statuses.read_to_end().await.map_err(config_error)?;
    Ok(Stores {
        configs: Arc::new(configs),
        updates,
        statuses: Arc::new(statuses),
        offsets: Arc::new(offsets),
    })
}

/// Runs a distributed worker until SIGINT/SIGTERM; then stops its work (its source tasks'
/// final offsets go to the offsets topic) and leaves the group (no waiting for a session
/// timeout).
pub async fn run(
    worker_file: PathBuf,
    registry: Registry,
    log_levels: Option<Arc<dyn LogLevels>>,
) -> Result<(), StartupError> {
    let props = read_properties(&worker_file).map_err(config_error)?;
    let config = WorkerConfig::parse(props)
        .map_err(|e| StartupError::Config(format!("{}: {e}", worker_file.display())))?;
    let distributed = DistributedConfig::parse(&config.props).map_err(config_error)?;
    if config.rest.authenticates() && distributed.protocol != ConnectProtocol::Sessioned {
        // The internal endpoints are exempt from authentication because the session key
        // signs them; without it they would accept anyone's task configurations.
        return Err(config_error(format!(
            "connect.protocol={}: with REST authentication (rest.extension.classes) the group must use the sessioned protocol (the default), whose request signatures protect the internal endpoints that authentication exempts",
            format!("{:?}", distributed.protocol).to_ascii_lowercase()
        )));
    }
    let worker_clients: std::collections::BTreeMap<String, String> = config
        .props
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let security = kconnect_kafka::group::ConnectionSecurity::from_props(
        &kconnect_kafka::client_config::worker_client_base(&worker_clients),
    )
    .map_err(config_error)?;
    let stores = open_stores(&config).await?;
    // What is queued now was read at startup: cluster log levels among it are not applied.
    let replayed = stores.updates.len();
    let bound = BoundRest::bind(&config.listeners, &config.rest)
        .await
        .map_err(config_error)?;
    let port = bound.advertised_port(config.advertised_port());
    let host = config.advertised_host();
    let worker_id = format!("{host}:{port}");
    let url = format!("{}://{host}:{port}/", config.rest.advertised_scheme);
    let rest = config.rest.clone();
    let bootstrap = config
        .props
        .get("bootstrap.servers")
        .cloned()
        .unwrap_or_else(|| "localhost:9092".into());
    let client_id = config
        .props
        .get("client.id")
        .cloned()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| format!("connect-{worker_id}"));
    let topic_tracking = config
        .props
        .get("topic.tracking.enable")
        .map(String::as_str)
        != Some("false");
    let topic_tracking_reset = config
        .props
        .get("topic.tracking.allow.reset")
        .map(String::as_str)
        != Some("false");
    // The worker's source tasks commit straight to the offsets topic.
    let offsets: Arc<dyn OffsetStore> = stores.offsets.clone();
    let status = Arc::new(StatusStore::new(&worker_id));
    let (generated_tx, generated) = mpsc::unbounded_channel();
    let worker =
        Arc::new(Worker::new(config, registry, status, offsets).with_cluster_tasks(generated_tx));
    let supervisor = crate::worker::supervisor::spawn(&worker);
    let reconfigurations = crate::worker::connector_context::spawn(&worker);
    let herder = Arc::new(DistributedHerder::new(
        worker.clone(),
        worker_id.clone(),
        distributed.clone(),
        stores.configs.clone(),
        stores.statuses.clone(),
    ));
    let state = Arc::new(RestState {
        herder: herder.clone(),
        log_levels: log_levels.clone(),
        topic_tracking,
        topic_tracking_reset,
        client_tls: rest.client_tls.clone(),
    });
    let forwarding = {
        let herder = herder.clone();
        Forwarding {
            leader: Arc::new(move || herder.leadership()),
            tls: rest.client_tls.clone(),
        }
    };
    let listening = bound.describe();
    let (api, admin) = distributed_routers(state, forwarding, &rest.admin);
    let server = bound.serve(api, admin).map_err(config_error)?;
    tracing::info!(
        "REST API listening on {listening}, advertised as {url} (worker id {worker_id})"
    );
    let generation = {
        let herder = herder.clone();
        Arc::new(move || herder.view().generation)
    };
    let sync = StateSync::new(
        worker.clone(),
        stores.offsets.clone(),
        stores.statuses.clone(),
        generation,
    );
    let sync = Arc::new(if topic_tracking {
        let configs = stores.configs.clone();
        sync.track_topics(Arc::new(move |name: &str| {
            configs.snapshot().connector_config(name).is_some()
        }))
    } else {
        sync
    });
    let sync_task = sync.spawn();
    let keys = {
        let configs = stores.configs.clone();
        let signed = distributed.protocol == ConnectProtocol::Sessioned;
        let algorithm = distributed.signature_algorithm.clone();
        Arc::new(move || {
            let snapshot = configs.snapshot();
            let key = snapshot.session_key().filter(|_| signed)?;
            Some((key.key.clone(), algorithm.clone()))
        })
    };
    let forwarder = Arc::new(
        RestForwarder::new(keys, Duration::from_secs(30)).with_tls(rest.client_tls.clone()),
    );
    let runner = Arc::new(WorkerRunner::new(
        worker.clone(),
        sync.clone(),
        stores.configs.clone(),
    ));
    let (to_runtime, runtime_updates) = mpsc::unbounded_channel();
    let router = route_updates(
        stores.updates,
        to_runtime,
        worker.clone(),
        stores.configs.clone(),
        log_levels.clone(),
        replayed,
    );
    let mut group = distributed.group_config(&bootstrap, &client_id);
    group.security = security;
    let runtime = DistributedRuntime::start(
        distributed,
        group,
        &url,
        stores.configs.clone(),
        RuntimeInputs {
            updates: runtime_updates,
            generated,
            regenerate: {
                let worker = Arc::downgrade(&worker);
                Arc::new(move |name: &str| {
                    if let Some(w) = worker.upgrade() {
                        w.request_task_reconfiguration(name);
                    }
                })
            },
        },
        runner,
        forwarder,
    );
    herder.attach(runtime.subscribe());
    let ready = {
        let herder = herder.clone();
        let mut view = runtime.subscribe();
        tokio::spawn(async move {
            if view.wait_for(|v| v.joined).await.is_ok() {
                herder.set_ready();
                tracing::info!("joined the group; worker is ready");
            }
        })
    };
    shutdown_requested().await;
    tracing::info!("stopping: stopping connectors and tasks, then leaving the group");
    ready.abort();
    router.abort();
    supervisor.abort();
    reconfigurations.abort();
    {
        // Under the operations lock: the coordination loop is never stopped halfway through
        // starting or stopping work (it holds the lock while doing so).
        let _guard = worker.operations().lock().await;
        runtime.stop_coordinating();
        worker.stop_all().await;
    }
    sync_task.abort();
    // The final statuses (UNASSIGNED) reach the status topic before the others take over.
    sync.report_statuses().await;
    runtime.leave().await;
    server.abort();
    Ok(())
}
