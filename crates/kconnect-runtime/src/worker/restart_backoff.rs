//! The restart backoff of the supervisor ([`super::supervisor`]): the restart settings of a
//! connector, and what is remembered of each failing task or connector (failures in a row,
//! when the next restart is due, whether restarts were given up) as statuses are observed.

use std::time::Duration;

use tokio::time::Instant;

use super::status::{State, Status};
use crate::config::keys::{
    RESTART_BACKOFF_INITIAL_MS, RESTART_BACKOFF_MAX_MS, RESTART_ENABLE, RESTART_MAX_ATTEMPTS,
};
use crate::config::ConnectorConfig;
use crate::task::TaskId;

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

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Subject {
    /// A connector.
    Connector(String),
    /// A task.
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
pub(super) struct Track {
    /// Failures in a row so far.
    attempts: u32,
    /// When the scheduled restart is due.
    due: Option<Instant>,
    /// Since when it has been running.
    up_since: Option<Instant>,
    /// No restart will be attempted for the current failure.
    given_up: bool,
    /// The status transition of the last failure seen.
    failure: Option<u64>,
}

impl Track {
    /// Looks at a status; returns whether to restart now.
    pub(super) fn observe(
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
        if self.failure.is_some_and(|seen| seen != status.transition) {
            // It left FAILED and failed again between two looks (restarted by someone else):
            // a new failure, as if the restart had been seen.
            if self.given_up {
                *self = Self::default();
            }
            self.due = None;
        }
        self.failure = Some(status.transition);
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
        let next = self.attempts.saturating_add(1);
        if !policy.enabled {
            self.given_up = true;
            tracing::info!(
                "{who} failed; automatic restarts are off (kconnect.restart.enable=false)"
            );
        } else if status.data_failure {
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
            version: None,
            data_failure: false,
            transition: 1,
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
        // The error handling's flag decides, whatever the trace says.
        let data = Status {
            data_failure: true,
            ..status(
                State::Failed,
                Some("java.lang.IllegalStateException: bad record"),
            )
        };
        assert!(!t.observe(&who, &data, &p, t0 + Duration::from_secs(5)));
        assert!(!t.observe(&who, &data, &p, t0 + Duration::from_secs(500)));
        assert!(t.given_up && t.due.is_none());
        let mentions = status(
            State::Failed,
            Some("org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler"),
        );
        let mut other = Track::default();
        assert!(!other.observe(&who, &mentions, &p, t0));
        assert!(!other.given_up && other.due.is_some());
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

    #[test]
    fn a_new_failure_seen_without_the_restart_before_it_waits_its_own_delay() {
        let who = Subject::Task(TaskId {
            connector: "c".into(),
            task: 0,
        });
        let p = policy(true, None);
        let mut t = Track::default();
        let t0 = Instant::now();
        let first = Status {
            transition: 7,
            ..status(State::Failed, Some("disk gone"))
        };
        assert!(!t.observe(&who, &first, &p, t0));
        // Restarted through the REST API and failed again between two looks: the failure
        // seen now is a new one (another transition), not the one the restart was for.
        let again = Status {
            transition: 10,
            ..first.clone()
        };
        let t1 = t0 + Duration::from_millis(100);
        assert!(!t.observe(&who, &again, &p, t1));
        assert_eq!(
            (t.attempts, t.due),
            (2, Some(t1 + Duration::from_millis(200)))
        );
        assert!(t.observe(&who, &again, &p, t1 + Duration::from_millis(200)));
        // Likewise after the supervisor gave up (max attempts): a restart by someone else
        // followed by a new failure starts over.
        let mut g = Track::default();
        let once = policy(true, Some(0));
        assert!(!g.observe(&who, &first, &once, t0));
        assert!(g.given_up);
        assert!(!g.observe(&who, &again, &p, t1));
        assert_eq!((g.given_up, g.attempts), (false, 1));
        assert_eq!(g.due, Some(t1 + Duration::from_millis(100)));
    }
}
