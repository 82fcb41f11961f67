//! Java's `RetryWithToleranceOperator` (kafka-connect-spec.md §9): runs one converter or transformation call
//! for one record, retries retriable errors with exponential backoff until
//! `errors.retry.timeout`, and decides with `errors.tolerance` what any other error means.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use kconnect_api::{ConnectError, ConnectResult};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::errors::{Failure, Stage, Verdict};
use crate::config::keys::{ERRORS_RETRY_DELAY_MAX_MS, ERRORS_RETRY_TIMEOUT};
use crate::config::ConnectorConfig;

/// Delay before the first retry (Java `RETRIES_DELAY_MIN_MS`).
pub const RETRIES_DELAY_MIN_MS: u64 = 300;

/// The `errors.*` settings of a connector that decide retries and tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorPolicy {
    /// `errors.retry.timeout` in ms; `None` for -1 (retry forever).
    pub retry_timeout_ms: Option<u64>,
    /// `errors.retry.delay.max.ms`.
    pub delay_max_ms: u64,
    /// `errors.tolerance=all`.
    pub tolerate_all: bool,
}

impl ErrorPolicy {
    /// The policy of a validated connector configuration.
    pub fn from_config(config: &ConnectorConfig) -> Self {
        let parsed = config.parsed();
        let timeout = parsed.long(ERRORS_RETRY_TIMEOUT).unwrap_or(0);
        Self {
            retry_timeout_ms: u64::try_from(timeout).ok(),
            delay_max_ms: parsed
                .long(ERRORS_RETRY_DELAY_MAX_MS)
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or(60_000),
            tolerate_all: config.tolerate_all(),
        }
    }
}

/// A random number in `[0, bound)` (0 when `bound` is 0), from the standard library's
/// randomly seeded hasher; good enough for jitter.
pub fn random_below(bound: u64) -> u64 {
    if bound == 0 {
        return 0;
    }
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(bound);
    hasher.finish() % bound
}

/// Java's backoff before retry number `attempt` (1-based): `300 ms << (attempt - 1)`; when
/// that exceeds `delay_max_ms`, a random delay in `[0, delay_max_ms)` (from `random`); never
/// past `remaining_ms`, the time left before the deadline.
pub fn backoff_ms(
    attempt: u32,
    delay_max_ms: u64,
    remaining_ms: u64,
    random: impl FnOnce(u64) -> u64,
) -> u64 {
    let shift = attempt.saturating_sub(1);
    let delay = if shift >= 64 - RETRIES_DELAY_MIN_MS.leading_zeros() {
        u64::MAX
    } else {
        RETRIES_DELAY_MIN_MS << shift
    };
    let delay = if delay > delay_max_ms {
        random(delay_max_ms)
    } else {
        delay
    };
    delay.min(remaining_ms)
}

/// Runs record operations under an [`ErrorPolicy`]; one per task.
#[derive(Debug, Clone)]
pub struct RetryWithTolerance {
    policy: ErrorPolicy,
    cancel: CancellationToken,
}

impl RetryWithTolerance {
    /// An operator whose retries stop when `cancel` fires (the task is stopping).
    pub fn new(policy: ErrorPolicy, cancel: CancellationToken) -> Self {
        Self { policy, cancel }
    }

    /// The policy.
    pub fn policy(&self) -> &ErrorPolicy {
        &self.policy
    }

    /// Runs `op` (the call of `class` at `stage`). A retriable error is retried after
    /// [`backoff_ms`] until `errors.retry.timeout`; if it persists, the failure is
    /// [`Verdict::RetriesExhausted`]; if the task stops meanwhile, [`Verdict::Cancelled`]
    /// (a clean stop, not a task failure). Any other error at a
    /// tolerable stage is [`Verdict::Tolerated`] or [`Verdict::ToleranceExceeded`] by
    /// `errors.tolerance`; at other stages [`Verdict::Unhandled`].
    pub async fn execute<T>(
        &self,
        stage: Stage,
        class: &str,
        mut op: impl FnMut() -> ConnectResult<T>,
    ) -> Result<T, Failure> {
        // This runs at every stage of every record, and the first attempt nearly always
        // succeeds: the clock is only read once it failed, so the retry timeout counts from
        // the first failure (the first attempt's own duration aside, as Java counts).
        let mut deadline = None;
        let mut attempt = 0u32;
        loop {
            attempt = attempt.saturating_add(1);
            let error = match op() {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !error.is_retriable() {
                return Err(self.failure(stage, class, error));
            }
            let now = Instant::now();
            let deadline = *deadline.get_or_insert_with(|| {
                self.policy
                    .retry_timeout_ms
                    .map(|ms| now + Duration::from_millis(ms))
            });
            let remaining = match deadline {
                None => u64::MAX,
                Some(d) if now < d => u64::try_from((d - now).as_millis()).unwrap_or(u64::MAX),
                Some(_) => {
                    return Err(self.verdict(stage, class, error, Verdict::RetriesExhausted))
                }
            };
            let delay = backoff_ms(attempt, self.policy.delay_max_ms, remaining, random_below);
            tracing::debug!(
                stage = stage.name(),
                class,
                attempt,
                "retriable error, retrying in {delay} ms: {error}"
            );
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(delay)) => {}
                _ = self.cancel.cancelled() => {
                    return Err(self.verdict(stage, class, error, Verdict::Cancelled))
                }
            }
        }
    }

    /// The verdict for a non-retriable error (also used for failures raised outside
    /// [`Self::execute`], such as records reported by a sink task).
    pub fn failure(&self, stage: Stage, class: &str, error: ConnectError) -> Failure {
        let verdict = if !stage.is_tolerable() && stage != Stage::TaskPut {
            Verdict::Unhandled
        } else if self.policy.tolerate_all {
            Verdict::Tolerated
        } else {
            Verdict::ToleranceExceeded
        };
        Failure {
            stage,
            class: class.to_string(),
            error,
            verdict,
        }
    }

    fn verdict(&self, stage: Stage, class: &str, error: ConnectError, verdict: Verdict) -> Failure {
        Failure {
            stage,
            class: class.to_string(),
            error,
            verdict,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_300_ms_then_jitters_below_the_cap() {
        let no_random = |_: u64| -> u64 { panic!("no jitter expected") };
        assert_eq!(backoff_ms(1, 60_000, u64::MAX, no_random), 300);
        assert_eq!(backoff_ms(2, 60_000, u64::MAX, no_random), 600);
        assert_eq!(backoff_ms(8, 60_000, u64::MAX, no_random), 38_400);
        // 76 800 > 60 000: a random value below the cap instead.
        assert_eq!(backoff_ms(9, 60_000, u64::MAX, |b| b - 1), 59_999);
        assert_eq!(backoff_ms(9, 60_000, u64::MAX, |_| 17), 17);
        // Huge attempt numbers do not overflow.
        assert_eq!(backoff_ms(500, 1_000, u64::MAX, |_| 5), 5);
        // Never past the deadline.
        assert_eq!(backoff_ms(3, 60_000, 250, no_random), 250);
        assert_eq!(backoff_ms(1, 100, u64::MAX, |b| b / 2), 50);
    }

    #[test]
    fn random_values_stay_below_the_bound() {
        assert_eq!(random_below(0), 0);
        assert_eq!(random_below(1), 0);
        assert!((0..200).all(|_| random_below(7) < 7));
    }

    fn operator(timeout: Option<u64>, all: bool) -> RetryWithTolerance {
        RetryWithTolerance::new(
            ErrorPolicy {
                retry_timeout_ms: timeout,
                delay_max_ms: 50,
                tolerate_all: all,
            },
            CancellationToken::new(),
        )
    }

    #[tokio::test]
    async fn retriable_errors_are_retried_until_success() {
        let op = operator(None, false);
        let mut calls = 0;
        let got = op
            .execute(Stage::ValueConverter, "C", || {
                calls += 1;
                if calls < 4 {
                    Err(ConnectError::Retriable("registry down".into()))
                } else {
                    Ok(calls)
                }
            })
            .await;
        assert_eq!(got, Ok(4));
    }

    #[tokio::test]
    async fn retriable_errors_past_the_timeout_fail_the_task_whatever_the_tolerance() {
        for all in [false, true] {
            let op = operator(Some(200), all);
            let started = Instant::now();
            let f = op
                .execute(Stage::Transformation, "T", || -> ConnectResult<()> {
                    Err(ConnectError::Retriable("down".into()))
                })
                .await
                .unwrap_err();
            assert_eq!(f.verdict, Verdict::RetriesExhausted);
            assert!(f.is_fatal());
            assert!(started.elapsed() >= Duration::from_millis(200));
        }
        // The default timeout 0 means a single attempt.
        let mut calls = 0;
        let f = operator(Some(0), true)
            .execute(Stage::KeyConverter, "K", || -> ConnectResult<()> {
                calls += 1;
                Err(ConnectError::Retriable("down".into()))
            })
            .await
            .unwrap_err();
        assert_eq!((calls, f.verdict), (1, Verdict::RetriesExhausted));
    }

    #[tokio::test]
    async fn data_errors_follow_the_tolerance_and_stage() {
        let data = || -> ConnectResult<()> { Err(ConnectError::data("bad")) };
        let f = operator(None, true)
            .execute(Stage::ValueConverter, "V", data)
            .await
            .unwrap_err();
        assert_eq!((f.verdict, f.is_fatal()), (Verdict::Tolerated, false));
        assert_eq!(f.class, "V");
        let f = operator(None, false)
            .execute(Stage::Transformation, "T", data)
            .await
            .unwrap_err();
        assert_eq!(f.verdict, Verdict::ToleranceExceeded);
        let f = operator(None, true)
            .execute(Stage::KafkaProduce, "P", data)
            .await
            .unwrap_err();
        assert_eq!(f.verdict, Verdict::Unhandled);
    }

    #[tokio::test]
    async fn stopping_the_task_ends_the_retries_as_a_cancellation_not_a_failure() {
        for all in [false, true] {
            let op = operator(None, all);
            let stopper = op.cancel.clone();
            let mut calls = 0;
            let f = op
                .execute(Stage::ValueConverter, "V", || -> ConnectResult<()> {
                    calls += 1;
                    if calls == 2 {
                        // Stopped while the second attempt's backoff runs.
                        stopper.cancel();
                    }
                    Err(ConnectError::Retriable("down".into()))
                })
                .await
                .unwrap_err();
            assert_eq!((calls, f.verdict), (2, Verdict::Cancelled));
            assert!(f.is_fatal(), "the record must not be skipped");
        }
    }
}
