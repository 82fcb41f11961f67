//! The sink task loop (kafka-connect-spec.md §8.5): consume from the connector's consumer group, convert,
//! transform, `put`; every `offset.flush.interval.ms` ask the task what is safe to commit
//! (`pre_commit`) and commit it; commit and close on partition revocation and on shutdown.
//! This file sets the loop up; [`super::sink_loop`] runs it.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use kconnect_api::plugin::{ErrantRecordReporter, SinkTask};
use kconnect_api::{ConfigMap, ConnectError, ConnectResult};
use kconnect_kafka::rdkafka::consumer::Consumer;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::sink_loop::SinkLoop;
use super::sink_offsets::Positions;
use super::sink_rebalance::{SinkConsumer, SinkConsumerContext};
use super::TaskId;
use crate::pipeline::errant::{PendingDeliveries, SinkErrantReporter};
use crate::pipeline::errors::trace;
use crate::pipeline::{ErrorHandler, TaskConverters, TaskErrors, TransformChain};
use crate::worker::fence::TaskStatus;
use crate::worker::status::State;
use crate::worker::TargetState;

pub use super::sink_context::SinkContext;

/// Everything a sink task loop needs.
pub struct SinkTaskRunner {
    /// Task id.
    pub id: TaskId,
    /// The task.
    pub task: Box<dyn SinkTask>,
    /// Its configuration.
    pub config: ConfigMap,
    /// Topics to subscribe to.
    pub topics: Vec<String>,
    /// Or a topic pattern.
    pub topics_regex: Option<String>,
    /// Transformations.
    pub chain: TransformChain,
    /// Converters.
    pub converters: TaskConverters,
    /// Error handling policy.
    pub errors: ErrorHandler,
    /// Consumer properties.
    pub consumer_props: kconnect_kafka::ClientProps,
    /// Status reporting (silenced once the task is cancelled).
    pub status: TaskStatus,
    /// `offset.flush.interval.ms`.
    pub flush_interval: Duration,
}

impl SinkTaskRunner {
    /// Runs the task until cancelled or failed; reports states to the status store.
    pub async fn run(
        mut self,
        cancel: CancellationToken,
        mut target: watch::Receiver<TargetState>,
    ) {
        let id = self.id.clone();
        let status = self.status.clone();
        let errors = match self.errors.open(cancel.clone()).await {
            Ok(e) => e,
            Err(e) => return status.put_task(&id, State::Failed, Some(trace(&e))),
        };
        if *target.borrow() == TargetState::Paused {
            // Created while its connector is paused: PAUSED, started once resumed (Java).
            status.put_task(&id, State::Paused, None);
            if !super::until_unpaused(&cancel, &mut target).await {
                return status.put_task(&id, State::Unassigned, None);
            }
        }
        let result = self.run_with(errors, cancel, target).await;
        let stop = self.task.stop().await;
        match result.and(stop) {
            Ok(()) => status.put_task(&id, State::Unassigned, None),
            Err(e) => status.put_task(&id, State::Failed, Some(trace(&e))),
        }
    }

    async fn run_with(
        &mut self,
        errors: TaskErrors,
        cancel: CancellationToken,
        target: watch::Receiver<TargetState>,
    ) -> ConnectResult<()> {
        let (events_tx, events) = mpsc::unbounded_channel();
        let consumer = SinkConsumer::new(
            self.consumer_props
                .to_rdkafka()
                .and_then(|c| {
                    c.create_with_context(SinkConsumerContext::new(events_tx))
                        .map_err(kconnect_kafka::KafkaError::from)
                })
                .map_err(|e| {
                    ConnectError::other(format!("cannot create the Kafka consumer: {e}"))
                })?,
        );
        let subscription: Vec<String> = match &self.topics_regex {
            // librdkafka treats a subscription starting with ^ as a regular expression that
            // may match anywhere; the group makes `a|b` mean "a or b", the whole name, as
            // Java's Pattern subscription does (not "starts with a or ends with b").
            Some(r) => vec![format!("^({r})$")],
            None => self.topics.clone(),
        };
        let refs: Vec<&str> = subscription.iter().map(String::as_str).collect();
        consumer.subscribe(&refs).map_err(|e| {
            ConnectError::other(format!("cannot subscribe to {subscription:?}: {e}"))
        })?;
        let pending = Arc::new(PendingDeliveries::default());
        let originals = errors.reporter.dlq().map(|_| Default::default());
        let reporter: Option<Arc<dyn ErrantRecordReporter>> = if errors.reporter.is_active() {
            Some(Arc::new(SinkErrantReporter::new(
                self.id.clone(),
                errors.operator.clone(),
                errors.reporter.clone(),
                originals.clone().unwrap_or_default(),
                errors.take_fallback(),
                pending.clone(),
                errors.data_failure_flag(),
            )))
        } else {
            None
        };
        let context = Arc::new(SinkContext::new(self.config.clone()).with_reporter(reporter));
        self.task.start(context.clone(), &self.config).await?;
        self.status.put_task(&self.id, State::Running, None);
        let mut l = SinkLoop {
            r: self,
            errors,
            context,
            pending,
            originals,
            positions: Positions::new(),
            held: VecDeque::new(),
            dlq_failed: false,
            task_paused: HashSet::new(),
            all_paused: false,
            wake: None,
        };
        l.run(&consumer, events, &cancel, target).await
    }
}
