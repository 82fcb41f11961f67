//! The Kafka cluster id shown by `GET /`: looked up once through the worker's client
//! settings, then remembered (an unsuccessful lookup is tried again at the next call).

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::Duration;

use kconnect_kafka::admin::Admin;
use kconnect_kafka::client_config;

/// How long one lookup waits for the brokers.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// The cluster id once known.
#[derive(Default)]
pub struct ClusterId(RwLock<Option<String>>);

impl ClusterId {
    /// The cluster id, looked up with the client settings of `worker_props` if not known yet.
    pub async fn get(&self, worker_props: &BTreeMap<String, String>) -> Option<String> {
        if let Some(id) = self.0.read().ok().and_then(|c| c.clone()) {
            return Some(id);
        }
        let mut props = client_config::worker_client_base(worker_props);
        props.set("client.id", "kconnect-cluster-id");
        let lookup = tokio::task::spawn_blocking(move || Admin::new(&props).ok()?.cluster_id());
        let id = tokio::time::timeout(LOOKUP_TIMEOUT, lookup)
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        if let (Some(id), Ok(mut c)) = (&id, self.0.write()) {
            *c = Some(id.clone());
        }
        id
    }
}
