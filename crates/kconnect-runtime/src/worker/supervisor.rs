//! Automatic restart of failed tasks and connectors (a kconnect extension; Java leaves them
//! FAILED until someone restarts them through the REST API).
//!
//! The supervisor watches the statuses of the connectors this worker runs. When a task or
//! connector of a started connector becomes FAILED, it waits `kconnect.restart.backoff.
//! initial.ms`, doubled for each failure in a row up to `kconnect.restart.backoff.max.ms`,
//! then restarts it (status RESTARTING, then RUNNING once it started), logging each step.
//! It gives up after `kconnect.restart.max.attempts` failures in a row (-1: never). A task
//! or connector that stayed RUNNING for `kconnect.restart.backoff.max.ms` starts over from
//! the initial delay. Nothing is restarted when `kconnect.restart.enable=false`, nor when a
//! task failed on a record with `errors.tolerance=none` ("Tolerance exceeded in error
//! handler"): the same record would fail again, so that needs a fix and a manual restart.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::status::{State, Status};
use super::{TargetState, Worker};
use crate::config::keys::{
    RESTART_BACKOFF_INITIAL_MS, RESTART_BACKOFF_MAX_MS, RESTART_ENABLE, RESTART_MAX_ATTEMPTS,
};
use crate::config::ConnectorConfig;
use crate::task::TaskId;

/// How often statuses are checked.
const POLL: Duration = Duration::from_millis(100);

/// The restart settings of a connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    /// `kconnect.restart.enable`.
    pub enabled: bool,
    /// `kconnect.restart.backoff.initial.ms`.
    pub initial: Duration,
    /// `kconnect.restart.backoff.max.ms`.
    pub max: Duration,
    /// `kconnect.restart.max.attempts`; `None` for no limit.
    pub max_attempts: Option<u32>,
}

impl RestartPolicy {
    /// The policy of a validated connector configuration.
    pub fn from_config(config: &ConnectorConfig) -> Self {
        let p = config.parsed();
        let ms = |key, default: u64| {
            Duration::from_millis(
                p.long(key)
                    .and_then(|v| u64::try_from(v).ok())
                    .unwrap_or(default),
            )
        };
        Self {
            enabled: p.get(RESTART_ENABLE).is_none() || p.boolean(RESTART_ENABLE),
            initial: ms(RESTART_BACKOFF_INITIAL_MS, 1_000),
            max: ms(RESTART_BACKOFF_MAX_MS, 300_000),
            max_attempts: p
                .int(RESTART_MAX_ATTEMPTS)
                .and_then(|v| u32::try_from(v).ok()),
        }
    }

    /// The delay before restart number `attempt` (1-based): the initial delay doubled for
    /// each earlier attempt, at most the maximum.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// Whether restart number `attempt` may happen.
    pub fn allows(&self, attempt: u32) -> bool {
        self.enabled && self.max_attempts.is_none_or(|max| attempt <= max)
    }
}

/// Whether a failure came from a record under `errors.tolerance=none`, which a restart
/// cannot fix.
pub fn is_data_failure(trace: &str) -> bool {
    trace.contains("Tolerance exceeded in error handler")
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Connector(String),
    Task(TaskId),
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connector(c) => write!(f, "connector {c}"),
            Self::Task(t) => write!(f, "task {t}"),
        }
    }
}

/// What the supervisor remembers of one task or connector.
#[derive(Debug, Default)]
struct Track {
    /// Failures in a row so far.
    attempts: u32,
    /// When the scheduled restart is due.
    due: Option<Instant>,
    /// Since when it has been running.
    up_since: Option<Instant>,
    /// No restart will be attempted for the current failure.
    given_up: bool,
}

impl Track {
    /// Looks at a status; returns whether to restart now.
    fn observe(
        &mut self,
        who: &Subject,
        status: &Status,
        policy: &RestartPolicy,
        now: Instant,
    ) -> bool {
        if status.state != State::Failed {
            if self.given_up {
                // Restarted by someone else after the supervisor gave up: start afresh.
                *self = Self::default();
            }
            // Restarted by someone else before the scheduled restart: that one is moot.
            self.due = None;
            if status.state == State::Running {
                let since = *self.up_since.get_or_insert(now);
                if self.attempts > 0 && now.duration_since(since) >= policy.max {
                    tracing::info!("{who} has been running for {:?}; automatic restarts start over from the initial delay", policy.max);
                    self.attempts = 0;
                }
            }
            return false;
        }
        self.up_since = None;
        if self.given_up {
            return false;
        }
        if let Some(due) = self.due {
            if now < due {
                return false;
            }
            self.due = None;
            tracing::warn!("{who}: automatic restart {} now", self.attempts);
            return true;
        }
        let trace = status.trace.as_deref().unwrap_or("");
        let next = self.attempts.saturating_add(1);
        if !policy.enabled {
            self.given_up = true;
            tracing::info!(
                "{who} failed; automatic restarts are off (kconnect.restart.enable=false)"
            );
        } else if is_data_failure(trace) {
            self.given_up = true;
            tracing::warn!("{who} failed on a record with errors.tolerance=none; not restarting it automatically (the record would fail again): fix the cause, then restart it through the REST API");
        } else if !policy.allows(next) {
            self.given_up = true;
            tracing::error!("{who} failed {} times in a row; giving up automatic restarts (kconnect.restart.max.attempts); restart it through the REST API", self.attempts);
        } else {
            self.attempts = next;
            let delay = policy.delay(next);
            self.due = Some(now + delay);
            tracing::warn!(
                "{who} failed; automatic restart {next} in {} ms",
                delay.as_millis()
            );
        }
        false
    }
}

/// Starts supervising `worker`'s connectors; stops when the worker is dropped.
pub fn spawn(worker: &Arc<Worker>) -> JoinHandle<()> {
    tokio::spawn(supervise(Arc::downgrade(worker)))
}

async fn supervise(worker: Weak<Worker>) {
    let mut tracks: HashMap<Subject, Track> = HashMap::new();
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(worker) = worker.upgrade() else {
            return;
        };
        sweep(&worker, &mut tracks).await;
    }
}

async fn sweep(worker: &Worker, tracks: &mut HashMap<Subject, Track>) {
    let now = Instant::now();
    let status = worker.status().clone();
    let mut seen = Vec::new();
    for name in worker.connector_names() {
        let Some(snapshot) = worker.snapshot(&name) else {
            continue;
        };
        if snapshot.target != TargetState::Started {
            continue;
        }
        let Ok(config) = ConnectorConfig::parse(snapshot.config, snapshot.connector_type) else {
            continue;
        };
        let policy = RestartPolicy::from_config(&config);
        let mut subjects: Vec<(Subject, Status)> = Vec::new();
        if let Some(s) = status.connector(&name) {
            subjects.push((Subject::Connector(name.clone()), s));
        }
        for (n, s) in status.tasks(&name) {
            let id = TaskId {
                connector: name.clone(),
                task: n,
            };
            subjects.push((Subject::Task(id), s));
        }
        let mut restart_connector = false;
        let mut restart_tasks = Vec::new();
        for (who, s) in subjects {
            let due = tracks
                .entry(who.clone())
                .or_default()
                .observe(&who, &s, &policy, now);
            match (&who, due) {
                (Subject::Connector(_), true) => restart_connector = true,
                (Subject::Task(t), true) => restart_tasks.push(t.task),
                _ => {}
            }
            seen.push(who);
        }
        let result = if restart_connector {
            worker.restart_connector(&name).await
        } else if !restart_tasks.is_empty() {
            worker.restart_instances(&name, false, &restart_tasks).await
        } else {
            Ok(())
        };
        if let Err(e) = result {
            tracing::warn!(connector = %name, "automatic restart failed: {e}");
        }
    }
    tracks.retain(|k, _| seen.contains(k));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(enabled: bool, max_attempts: Option<u32>) -> RestartPolicy {
        RestartPolicy {
            enabled,
            initial: Duration::from_millis(100),
            max: Duration::from_millis(1_000),
            max_attempts,
        }
    }

    fn status(state: State, trace: Option<&str>) -> Status {
        Status {
            state,
            trace: trace.map(str::to_string),
            worker_id: "w".into(),
        }
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = policy(true, None);
        let ms: Vec<u128> = (1..=6).map(|a| p.delay(a).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1_000, 1_000]);
        assert_eq!(p.delay(200), Duration::from_millis(1_000));
        assert!(p.allows(1_000_000));
        assert!(policy(true, Some(2)).allows(2));
        assert!(!policy(true, Some(2)).allows(3));
        assert!(!policy(false, None).allows(1));
    }

    #[test]
    fn a_failure_is_restarted_after_its_delay_then_counted_in_a_row() {
        let who = Subject::Task(TaskId {
            connector: "c".into(),
            task: 0,
        });
        let p = policy(true, Some(3));
        let failed = status(
            State::Failed,
            Some("org.apache.kafka.connect.errors.ConnectException: disk gone"),
        );
        let mut t = Track::default();
        let t0 = Instant::now();
        assert!(!t.observe(&who, &failed, &p, t0));
        assert!(!t.observe(&who, &failed, &p, t0 + Duration::from_millis(99)));
        assert!(t.observe(&who, &failed, &p, t0 + Duration::from_millis(100)));
        // Restarted, running briefly, failing again: the second delay is twice the first.
        let t1 = t0 + Duration::from_millis(150);
        assert!(!t.observe(&who, &status(State::Running, None), &p, t1));
        assert!(!t.observe(&who, &failed, &p, t1));
        assert!(!t.observe(&who, &failed, &p, t1 + Duration::from_millis(199)));
        assert!(t.observe(&who, &failed, &p, t1 + Duration::from_millis(200)));
        // Restarted through the REST API while restart 3 was scheduled: the schedule is
        // dropped.
        let t2 = t1 + Duration::from_millis(300);
        assert!(!t.observe(&who, &failed, &p, t2));
        assert_eq!(
            (t.attempts, t.due),
            (3, Some(t2 + Duration::from_millis(400)))
        );
        assert!(!t.observe(&who, &status(State::Restarting, None), &p, t2));
        assert!(t.due.is_none());
        // A fourth failure in a row exceeds max.attempts=3.
        assert!(!t.observe(&who, &failed, &p, t1 + Duration::from_secs(10)));
        assert!(t.given_up);
        // Once someone restarts it, the count starts over.
        assert!(!t.observe(
            &who,
            &status(State::Restarting, None),
            &p,
            t1 + Duration::from_secs(11)
        ));
        assert_eq!((t.attempts, t.given_up), (0, false));
    }

    #[test]
    fn long_runs_reset_the_count_and_data_failures_are_left_alone() {
        let who = Subject::Connector("c".into());
        let p = policy(true, None);
        let mut t = Track {
            attempts: 3,
            ..Track::default()
        };
        let t0 = Instant::now();
        t.observe(&who, &status(State::Running, None), &p, t0);
        t.observe(
            &who,
            &status(State::Running, None),
            &p,
            t0 + Duration::from_millis(1_000),
        );
        assert_eq!(t.attempts, 0);
        let data = status(
            State::Failed,
            Some("org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n..."),
        );
        assert!(!t.observe(&who, &data, &p, t0 + Duration::from_secs(5)));
        assert!(!t.observe(&who, &data, &p, t0 + Duration::from_secs(500)));
        assert!(t.given_up && t.due.is_none());
        let mut off = Track::default();
        let other = status(State::Failed, Some("boom"));
        assert!(!off.observe(&who, &other, &policy(false, None), t0));
        assert!(!off.observe(
            &who,
            &other,
            &policy(false, None),
            t0 + Duration::from_secs(500)
        ));
    }
}
