//! Sink task lifecycle (kafka-connect-spec.md §8.2, §9), with a scripted task run by a worker: a task created
//! while its connector is paused starts only once resumed; stopping a task while a converter
//! is being retried is a clean stop that skips nothing.

#![allow(clippy::unwrap_used)] // test code

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kconnect_api::plugin::Converter;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectResult, SchemaAndValue, SchemaRef, Value,
};
use kconnect_runtime::worker::status::State;
use kconnect_runtime::worker::TargetState;
use kconnect_testkit::{unique, Broker};
use support::scripted_sink::{produce, setup, written, Script, SINK};
use support::{committed_offset, registry, until, Harness};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_task_created_while_its_connector_is_paused_starts_only_once_resumed() {
    // No broker: nothing is consumed before the task starts anyway.
    let nowhere = format!("127.0.0.1:{}", kconnect_testkit::free_port());
    let s = setup("later", Script::default());
    let h = Harness::new(&nowhere, &[], registry(None, Some(s.factory)));
    h.start("later", SINK, &[("topics", "later")], TargetState::Paused)
        .await;
    until("the task reports PAUSED", WAIT, || {
        h.task_state("later") == Some(State::Paused)
    })
    .await;
    assert!(
        s.log.lock().unwrap().calls.is_empty(),
        "started while paused"
    );
    h.worker
        .set_target("later", TargetState::Started)
        .await
        .unwrap();
    until("the task runs", WAIT, || {
        h.task_state("later") == Some(State::Running)
    })
    .await;
    assert_eq!(s.log.lock().unwrap().calls, ["start"]);
    h.worker.stop_all().await;
}

/// A converter whose target (say, a schema registry) is down for good.
struct DownConverter(Arc<AtomicUsize>);

impl Converter for DownConverter {
    fn configure(&mut self, _: &ConfigMap, _: bool) -> ConnectResult<()> {
        Ok(())
    }
    fn serialize(
        &mut self,
        _: &str,
        _: Option<&SchemaRef>,
        _: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        Err(ConnectError::Retriable(
            "the schema registry is down".into(),
        ))
    }
    fn deserialize(&mut self, _: &str, _: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(ConnectError::Retriable(
            "the schema registry is down".into(),
        ))
    }
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_sink_task_while_a_converter_is_retried_is_a_clean_stop() {
    let broker = Broker::shared();
    // The topic and the connector (so its group `connect-<name>` too) have one name.
    let name = unique("retrying");
    broker.create_topic(&name, 1).await;
    produce(&broker.client_props(), &name, 1, 3);
    let s = setup(&name, Script::default());
    let mut registry = registry(None, Some(s.factory));
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    registry.converters(&["com.example.DownConverter"], "1", move |name| {
        (name == "com.example.DownConverter")
            .then(|| Box::new(DownConverter(counter.clone())) as Box<dyn Converter>)
    });
    let h = Harness::new(&broker.bootstrap(), &[], registry);
    h.start(
        &name,
        SINK,
        &[
            ("topics", &name),
            ("value.converter", "com.example.DownConverter"),
            ("errors.retry.timeout", "-1"),
            ("errors.retry.delay.max.ms", "20"),
        ],
        TargetState::Started,
    )
    .await;
    until("the converter is being retried", WAIT, || {
        attempts.load(Ordering::SeqCst) >= 3
    })
    .await;
    h.worker.stop_all().await;
    assert_eq!(
        h.task_state(&name),
        Some(State::Unassigned),
        "{}",
        h.task_status(&name)
    );
    assert!(written(&s.log).is_empty());
    // Nothing was skipped: the records are still to be consumed.
    assert_eq!(
        committed_offset(&broker.client_props(), &format!("connect-{name}"), &name, 0),
        None
    );
}
