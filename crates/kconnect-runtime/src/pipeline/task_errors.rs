//! A task's error handling, assembled: the retry/tolerance operator, the reporters (error log
//! and dead letter queue) and the bookkeeping that tells a data failure (not worth an
//! automatic restart) from any other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_api::{ConfigMap, ConnectResult};
use tokio_util::sync::CancellationToken;

use super::dlq::{DeadLetterQueue, Delivery, DlqSettings};
use super::errors::{Failure, Verdict};
use super::report::{ErrorReporter, FailedRecord};
use super::retry::{ErrorPolicy, RetryWithTolerance};
use super::TaskConverters;
use crate::config::keys::OFFSET_FLUSH_TIMEOUT_MS;
use crate::config::ConnectorConfig;
use crate::plugins::Registry;
use crate::task::TaskId;

/// The error handling settings of one task, before it runs.
pub struct ErrorHandler {
    task: TaskId,
    config: ConnectorConfig,
    policy: ErrorPolicy,
    dlq: Option<DlqSettings>,
    fallback: Option<TaskConverters>,
    flush_timeout: Duration,
    data_failure: Arc<AtomicBool>,
}

/// `offset.flush.timeout.ms` of the worker (Java's default: 5 s).
fn flush_timeout(worker: &ConfigMap) -> Duration {
    let ms = worker
        .get(OFFSET_FLUSH_TIMEOUT_MS)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(5_000);
    Duration::from_millis(ms)
}

impl ErrorHandler {
    /// The error handling of task `task` of a connector. `worker` and `registry` configure
    /// the dead letter queue clients and the converters that re-serialize records a sink task
    /// reports but the runtime no longer holds.
    pub fn for_task(
        task: &TaskId,
        config: &ConnectorConfig,
        worker: &ConfigMap,
        registry: &Registry,
    ) -> Self {
        Self {
            task: task.clone(),
            config: config.clone(),
            policy: ErrorPolicy::from_config(config),
            dlq: DlqSettings::from_config(task, config, worker),
            fallback: TaskConverters::build(registry, worker, &config.props).ok(),
            flush_timeout: flush_timeout(worker),
            data_failure: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The flag that will mark the task's failure as a data failure (see
    /// [`TaskErrors::is_data_failure`]), for whoever records the task's status.
    pub fn data_failure_flag(&self) -> Arc<AtomicBool> {
        self.data_failure.clone()
    }

    /// The policy.
    pub fn policy(&self) -> &ErrorPolicy {
        &self.policy
    }

    /// Opens the dead letter queue (creating its topic if needed); `cancel` stops retries.
    /// The converters for reported records move to the returned handle.
    pub async fn open(&mut self, cancel: CancellationToken) -> ConnectResult<TaskErrors> {
        let dlq = match self.dlq.clone() {
            Some(settings) => Some(Arc::new(
                DeadLetterQueue::open(self.task.clone(), settings).await?,
            )),
            None => None,
        };
        Ok(TaskErrors {
            operator: RetryWithTolerance::new(self.policy, cancel),
            reporter: Arc::new(ErrorReporter::new(self.task.clone(), &self.config, dlq)),
            fallback: Mutex::new(self.fallback.take()),
            task: self.task.clone(),
            data_failure: self.data_failure.clone(),
            flush_timeout: self.flush_timeout,
            stopped: AtomicBool::new(false),
        })
    }
}

/// The error handling of a running task.
pub struct TaskErrors {
    /// Runs record operations with retries and tolerance.
    pub operator: RetryWithTolerance,
    /// Reports failures.
    pub reporter: Arc<ErrorReporter>,
    fallback: Mutex<Option<TaskConverters>>,
    task: TaskId,
    data_failure: Arc<AtomicBool>,
    flush_timeout: Duration,
    /// The task was stopped while an operation was being retried.
    stopped: AtomicBool,
}

impl TaskErrors {
    /// Reports a failure on `record`. A tolerated failure gives `Ok` with the pending dead
    /// letter queue write, if any: skip the record. A fatal one gives the error that fails
    /// the task. A [`Verdict::Cancelled`] one (the task stopped during retries) is not
    /// reported: its error ends the task loop, which then checks
    /// [`Self::stopped_while_retrying`] to stop cleanly instead of failing.
    pub async fn handle(
        &self,
        failure: Failure,
        record: FailedRecord<'_>,
    ) -> ConnectResult<Option<Delivery>> {
        if failure.verdict == Verdict::Cancelled {
            self.stopped.store(true, Ordering::Relaxed);
            return Err(failure.task_error(&self.task.to_string(), &record.describe()));
        }
        let delivery = self.reporter.report(&failure, record).await?;
        if !failure.is_fatal() {
            return Ok(delivery);
        }
        if let Some(d) = delivery {
            // The task is about to fail; keep the record in the dead letter queue anyway.
            if let Err(e) = d.wait().await {
                tracing::error!(task = %self.task, "{e}");
            }
        }
        if failure.verdict == Verdict::ToleranceExceeded {
            self.data_failure.store(true, Ordering::Relaxed);
        }
        Err(failure.task_error(&self.task.to_string(), &record.describe()))
    }

    /// The flag that marks the task's failure as caused by bad data, for the errant record
    /// reporter (a record a sink task reported with `errors.tolerance=none`).
    pub fn data_failure_flag(&self) -> Arc<AtomicBool> {
        self.data_failure.clone()
    }

    /// Takes the converters that serialize records a sink task reports after the runtime
    /// dropped their bytes.
    pub fn take_fallback(&self) -> Option<TaskConverters> {
        self.fallback.lock().ok().and_then(|mut f| f.take())
    }

    /// How long to wait for dead letter queue writes before committing offsets
    /// (`offset.flush.timeout.ms`).
    pub fn flush_timeout(&self) -> Duration {
        self.flush_timeout
    }

    /// The task's id.
    pub fn task(&self) -> &TaskId {
        &self.task
    }

    /// Whether the task was stopped while an operation on a record was being retried: the
    /// error that ended its loop is a clean stop, not a failure.
    pub fn stopped_while_retrying(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Whether the task failed because of a record under `errors.tolerance=none`: restarting
    /// it would meet the same record again, so it is not restarted automatically.
    pub fn is_data_failure(&self) -> bool {
        self.data_failure.load(Ordering::Relaxed)
    }

    /// Waits up to `timeout` for dead letter queue writes still in flight.
    pub fn close(&self, timeout: Duration) {
        if let Some(dlq) = self.reporter.dlq() {
            dlq.flush(timeout);
        }
    }
}
