//! `MockSourceConnector` and `MockSinkConnector`: one task that moves nothing, and a failure
//! on demand. `mock_mode=connector-failure` fails the connector `delay_ms` after it starts
//! (default 15 s); `mock_mode=task-failure` fails the task `delay_ms` after it starts. Any
//! other mode runs quietly until stopped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::plugin::{
    Connector, ConnectorContext, SinkConnector, SinkTask, SinkTaskContext, SourceConnector,
    SourceTask, SourceTaskContext,
};
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectResult, SinkRecord, SourceRecord};
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant};
use tracing::debug;

use crate::VERSION;

/// The setting that chooses the behaviour.
pub const MOCK_MODE_CONFIG: &str = "mock_mode";
/// Milliseconds after start until the failure.
pub const DELAY_MS_CONFIG: &str = "delay_ms";
/// `mock_mode` that fails the connector.
pub const CONNECTOR_FAILURE: &str = "connector-failure";
/// `mock_mode` that fails the task.
pub const TASK_FAILURE: &str = "task-failure";
/// The failure delay when `delay_ms` is not set.
pub const DEFAULT_FAILURE_DELAY: Duration = Duration::from_millis(15_000);

/// Java class name of the source task.
pub const MOCK_SOURCE_TASK_CLASS: &str = "org.apache.kafka.connect.tools.MockSourceTask";
/// Java class name of the sink task.
pub const MOCK_SINK_TASK_CLASS: &str = "org.apache.kafka.connect.tools.MockSinkTask";

/// Longest a quiet source task waits in one poll.
const QUIET_POLL: Duration = Duration::from_secs(1);
/// Longest wait between two `put` calls of a sink task scheduled to fail.
const SINK_WAKEUP: Duration = Duration::from_millis(250);

/// The failure delay configured in `props`.
fn failure_delay(props: &ConfigMap) -> ConnectResult<Duration> {
    match props.get(DELAY_MS_CONFIG) {
        None => Ok(DEFAULT_FAILURE_DELAY),
        Some(raw) => raw.parse::<u64>().map(Duration::from_millis).map_err(|_| {
            ConnectError::other(format!(
                "Invalid mock configuration: '{DELAY_MS_CONFIG}' must be a non-negative \
                 integer (milliseconds), found '{raw}'"
            ))
        }),
    }
}

/// When a task of this configuration is to fail, if it is.
fn task_deadline(props: &ConfigMap) -> ConnectResult<Option<Instant>> {
    if props.get(MOCK_MODE_CONFIG).map(String::as_str) != Some(TASK_FAILURE) {
        return Ok(None);
    }
    let delay = failure_delay(props)?;
    debug!("Mock task will fail in {} ms", delay.as_millis());
    Ok(Some(Instant::now() + delay))
}

/// The error a mock task or connector fails with.
fn requested_failure(what: &str) -> ConnectError {
    ConnectError::other(format!(
        "{what} failure requested by {MOCK_MODE_CONFIG} (mock connector)"
    ))
}

/// What both mock connectors do: keep the configuration, give it to one task, and fail on
/// demand.
#[derive(Debug, Default)]
struct MockConnector {
    config: Option<ConfigMap>,
    failure: Option<JoinHandle<()>>,
}

impl MockConnector {
    fn start(
        &mut self,
        context: Arc<dyn ConnectorContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        self.config = Some(props.clone());
        if props.get(MOCK_MODE_CONFIG).map(String::as_str) == Some(CONNECTOR_FAILURE) {
            let delay = failure_delay(props)?;
            debug!(
                "Started MockConnector with failure delay of {} ms",
                delay.as_millis()
            );
            self.failure = Some(tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                debug!("Triggering connector failure");
                context.raise_error(requested_failure("Connector"));
            }));
        }
        Ok(())
    }

    fn task_configs(&self) -> ConnectResult<Vec<ConfigMap>> {
        let config = self
            .config
            .clone()
            .ok_or_else(|| ConnectError::other("MockConnector has not been started"))?;
        Ok(vec![config])
    }

    fn stop(&mut self) {
        if let Some(failure) = self.failure.take() {
            failure.abort();
        }
    }
}

macro_rules! mock_connector {
    ($name:ident, $doc:literal, $task_class:expr) => {
        #[doc = $doc]
        #[derive(Debug, Default)]
        pub struct $name {
            inner: MockConnector,
        }

        #[async_trait]
        impl Connector for $name {
            fn version(&self) -> String {
                VERSION.to_string()
            }

            fn config_def(&self) -> ConfigDef {
                ConfigDef::new()
            }

            async fn start(
                &mut self,
                context: Arc<dyn ConnectorContext>,
                props: &ConfigMap,
            ) -> ConnectResult<()> {
                self.inner.start(context, props)
            }

            fn task_configs(&self, _max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
                self.inner.task_configs()
            }

            fn task_class(&self) -> &'static str {
                $task_class
            }

            async fn stop(&mut self) -> ConnectResult<()> {
                self.inner.stop();
                Ok(())
            }
        }
    };
}

mock_connector!(
    MockSourceConnector,
    "The mock source connector (see the [module](self) documentation).",
    MOCK_SOURCE_TASK_CLASS
);
mock_connector!(
    MockSinkConnector,
    "The mock sink connector (see the [module](self) documentation).",
    MOCK_SINK_TASK_CLASS
);

#[async_trait]
impl SourceConnector for MockSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(MockSourceTask::default())
    }
}

#[async_trait]
impl SinkConnector for MockSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(MockSinkTask::default())
    }
}

/// A source task that produces nothing, and fails on demand.
#[derive(Debug, Default)]
pub struct MockSourceTask {
    deadline: Option<Instant>,
}

#[async_trait]
impl SourceTask for MockSourceTask {
    async fn start(
        &mut self,
        _context: Arc<dyn SourceTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        self.deadline = task_deadline(props)?;
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        let now = Instant::now();
        match self.deadline {
            Some(deadline) if now >= deadline => Err(requested_failure("Task")),
            Some(deadline) => {
                sleep_until(deadline.min(now + QUIET_POLL)).await;
                Ok(Vec::new())
            }
            None => {
                sleep_until(now + QUIET_POLL).await;
                Ok(Vec::new())
            }
        }
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

/// A sink task that discards what it receives, and fails on demand.
#[derive(Default)]
pub struct MockSinkTask {
    deadline: Option<Instant>,
    context: Option<Arc<dyn SinkTaskContext>>,
}

impl MockSinkTask {
    /// Asks to be called again soon enough to fail on time.
    fn wake_up_before(&self, deadline: Instant) {
        if let Some(context) = &self.context {
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = left.min(SINK_WAKEUP).max(Duration::from_millis(1));
            context.timeout(u64::try_from(wait.as_millis()).unwrap_or(250));
        }
    }
}

#[async_trait]
impl SinkTask for MockSinkTask {
    async fn start(
        &mut self,
        context: Arc<dyn SinkTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        self.deadline = task_deadline(props)?;
        self.context = Some(context);
        if let Some(deadline) = self.deadline {
            self.wake_up_before(deadline);
        }
        Ok(())
    }

    async fn put(&mut self, _records: Vec<SinkRecord>) -> ConnectResult<()> {
        if let Some(deadline) = self.deadline {
            if Instant::now() >= deadline {
                debug!("Triggering sink task failure");
                return Err(requested_failure("Task"));
            }
            self.wake_up_before(deadline);
        }
        Ok(())
    }

    async fn flush(
        &mut self,
        _offsets: &HashMap<kconnect_api::TopicPartition, i64>,
    ) -> ConnectResult<()> {
        Ok(())
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}
