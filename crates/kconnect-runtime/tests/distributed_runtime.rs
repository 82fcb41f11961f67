//! The coordination loop with connector configurations on a real config topic: connectors
//! written to the topic are assigned, their instances generate task configurations that the
//! leader commits (followers forward them), the tasks are assigned, every item runs exactly
//! once across three workers, and a deleted connector stops everywhere.

#![allow(clippy::unwrap_used)] // test helpers

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::{ConfigMap, ConnectResult};
use kconnect_runtime::herder::distributed::config::DistributedConfig;
use kconnect_runtime::herder::distributed::runtime::{
    DistributedRuntime, RuntimeInputs, TaskConfigForwarder, WorkRunner,
};
use kconnect_runtime::herder::distributed::WorkSet;
use kconnect_runtime::storage::config_state::ConfigState;
use kconnect_runtime::storage::internal_topics::{ensure_topic, InternalTopic};
use kconnect_runtime::storage::kafka_config_store::KafkaConfigStore;
use kconnect_testkit::{unique, Broker};
use tokio::sync::mpsc;

mod distributed_support;
use distributed_support::{all_owned_by, wait_for, Ledger};

const TIMEOUT: Duration = Duration::from_secs(20);

/// Records starts and stops; a started connector generates `tasks.max` task configs.
struct FakeRunner {
    name: String,
    ledger: Arc<Ledger>,
}

#[async_trait]
impl WorkRunner for FakeRunner {
    async fn stop(&self, work: &WorkSet) {
        self.ledger.stop(&self.name, work);
    }

    async fn start(&self, work: &WorkSet, config: &ConfigState) -> Vec<(String, Vec<ConfigMap>)> {
        self.ledger.start(&self.name, work);
        work.connectors
            .iter()
            .filter_map(|c| {
                let max: usize = config.connector_config(c)?.get("tasks.max")?.parse().ok()?;
                let tasks = (0..max)
                    .map(|n| {
                        [("task.id".to_string(), n.to_string())]
                            .into_iter()
                            .collect()
                    })
                    .collect();
                Some((c.clone(), tasks))
            })
            .collect()
    }
}

/// Stands in for the signed REST call: the leader's store commits what it receives.
struct DirectForwarder(Arc<KafkaConfigStore>);

#[async_trait]
impl TaskConfigForwarder for DirectForwarder {
    async fn forward(
        &self,
        _leader: &str,
        connector: &str,
        tasks: Vec<ConfigMap>,
    ) -> ConnectResult<()> {
        self.0.put_task_configs(connector, tasks).await
    }
}

/// The properties every worker of one test shares: a group and a config topic of the
/// test's own.
fn worker_props(broker: &Broker) -> BTreeMap<String, String> {
    [
        ("bootstrap.servers", broker.bootstrap()),
        ("group.id", unique("runtime")),
        ("config.storage.topic", unique("rt-configs")),
        ("config.storage.replication.factor", "1".into()),
        ("session.timeout.ms", "6000".into()),
        ("heartbeat.interval.ms", "500".into()),
        ("rebalance.timeout.ms", "20000".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn store(
    props: &BTreeMap<String, String>,
) -> (
    Arc<KafkaConfigStore>,
    mpsc::UnboundedReceiver<kconnect_runtime::storage::config_state::ConfigUpdate>,
) {
    let (producer, consumer) = InternalTopic::Config.clients(props);
    let (tx, rx) = mpsc::unbounded_channel();
    let topic = &props["config.storage.topic"];
    let store = KafkaConfigStore::start(topic, &producer, &consumer, TIMEOUT, tx).unwrap();
    (Arc::new(store), rx)
}

fn start(
    broker: &Broker,
    props: &BTreeMap<String, String>,
    name: &str,
    ledger: &Arc<Ledger>,
    admin: &Arc<KafkaConfigStore>,
) -> DistributedRuntime {
    let config = DistributedConfig::parse(props).unwrap();
    let group = config.group_config(&broker.bootstrap(), name);
    let (store, updates) = store(props);
    let runner = Arc::new(FakeRunner {
        name: name.into(),
        ledger: ledger.clone(),
    });
    let forwarder = Arc::new(DirectForwarder(admin.clone()));
    DistributedRuntime::start(
        config,
        group,
        &format!("http://{name}/"),
        store,
        RuntimeInputs {
            updates,
            generated: tokio::sync::mpsc::unbounded_channel().1,
            regenerate: Arc::new(|_: &str| {}),
        },
        runner,
        forwarder,
    )
}

fn connector(name: &str, tasks: usize) -> ConfigMap {
    [("name", name.to_string()), ("tasks.max", tasks.to_string())]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connectors_from_the_config_topic_run_exactly_once() {
    let broker = Broker::shared();
    let props = worker_props(&broker);
    ensure_topic(
        &broker.admin(),
        InternalTopic::Config,
        &InternalTopic::Config.spec(&props).unwrap(),
    )
    .await
    .unwrap();
    let (admin, _) = store(&props);
    admin.read_to_end().await.unwrap();
    let (ledger, mut changes) = Ledger::new();
    let ledger = Arc::new(ledger);
    let workers: Vec<DistributedRuntime> = ["a", "b", "c"]
        .iter()
        .map(|n| start(&broker, &props, n, &ledger, &admin))
        .collect();

    admin
        .put_connector_config("src", connector("src", 3), None)
        .await
        .unwrap();
    admin
        .put_connector_config("sink", connector("sink", 2), None)
        .await
        .unwrap();
    // 2 connectors + 5 tasks, spread over three workers.
    wait_for(
        &ledger,
        &mut changes,
        Duration::from_secs(60),
        "all work running",
        |o| all_owned_by(o, 7, &["a", "b", "c"]),
    )
    .await;

    admin.remove_connector("sink").await.unwrap();
    wait_for(
        &ledger,
        &mut changes,
        Duration::from_secs(60),
        "deleted connector stopped",
        |o| o.len() == 4 && o.keys().all(|i| i.contains("src")),
    )
    .await;
    assert!(
        ledger.violations.lock().unwrap().is_empty(),
        "{:?}",
        ledger.violations.lock().unwrap()
    );
    // The leader of the sessioned group wrote a session key for signed internal requests.
    admin.read_to_end().await.unwrap();
    let key = admin
        .snapshot()
        .session_key()
        .cloned()
        .expect("session key");
    assert_eq!((key.algorithm.as_str(), key.key.len()), ("HmacSHA256", 32));
    let views: Vec<_> = workers.iter().map(DistributedRuntime::view).collect();
    assert_eq!(views.iter().filter(|v| v.is_leader).count(), 1, "{views:?}");
    for w in workers {
        w.leave().await;
    }
}
