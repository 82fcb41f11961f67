//! Java's `ThroughputThrottler`: holds a task to a target number of records per second.
//!
//! A negative target means no limit; zero means nothing after the first record. Otherwise the
//! task is throttled whenever its average rate since it started exceeds the target, and each
//! throttled record adds `1/target` seconds of sleep, taken once at least 2 ms accumulated.

use std::time::Duration;

use tokio::time::{sleep, Instant};

/// Sleep is only taken once this much accumulated (Java's `MIN_SLEEP_NS`).
const MIN_SLEEP: Duration = Duration::from_millis(2);

/// A task's throughput limit.
#[derive(Debug, Clone)]
pub struct Throttle {
    target: i64,
    start: Instant,
    per_record: Duration,
    deficit: Duration,
    /// Sleep owed by the record that ended the last batch, taken before the next one.
    owed: Option<Duration>,
    /// The owed sleep was just taken: the next record goes unchecked.
    paid: bool,
}

/// How long a task that may produce nothing more waits before returning an empty batch.
pub const IDLE_WAIT: Duration = Duration::from_secs(1);

/// What a throttled task must do before its next record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Carry on.
    No,
    /// Sleep this long, then carry on.
    For(Duration),
    /// Produce nothing more (target 0): Java blocks until the task stops.
    Forever,
}

impl Throttle {
    /// A throttle of `target` records per second, counting from `start`.
    pub fn new(target: i64, start: Instant) -> Self {
        let per_record = u64::try_from(target)
            .ok()
            .filter(|t| *t > 0)
            .map_or(Duration::MAX, |t| Duration::from_nanos(1_000_000_000 / t));
        Self {
            target,
            start,
            per_record,
            deficit: Duration::ZERO,
            owed: None,
            paid: false,
        }
    }

    /// Before a batch: takes the sleep the last batch left owing.
    pub async fn settle(&mut self) {
        if let Some(wait) = self.owed.take() {
            sleep(wait).await;
            self.paid = true;
        }
    }

    /// Whether one more record may join a batch of `batch_len` records, the task having
    /// produced `so_far` since it started. Sleeps when the batch is empty; otherwise ends the
    /// batch and leaves the sleep owing. With a target of 0, an empty batch waits
    /// [`IDLE_WAIT`] and ends.
    pub async fn admit(&mut self, so_far: u64, batch_len: usize) -> bool {
        if std::mem::take(&mut self.paid) || !self.should_throttle(so_far, Instant::now()) {
            return true;
        }
        match self.throttle() {
            Wait::No => true,
            Wait::For(wait) if batch_len == 0 => {
                sleep(wait).await;
                true
            }
            Wait::For(wait) => {
                self.owed = Some(wait);
                false
            }
            Wait::Forever => {
                if batch_len == 0 {
                    sleep(IDLE_WAIT).await;
                }
                false
            }
        }
    }

    /// Whether a task that produced `so_far` records since `start` is ahead of its target at
    /// `now`.
    pub fn should_throttle(&self, so_far: u64, now: Instant) -> bool {
        if self.target < 0 {
            return false;
        }
        // Java lets everything through within the first millisecond (it measures whole
        // milliseconds); counting that millisecond as elapsed bounds the burst instead.
        let elapsed = now
            .saturating_duration_since(self.start)
            .as_secs_f64()
            .max(0.001);
        so_far as f64 / elapsed > self.target as f64
    }

    /// Records one throttled record and says how long to wait.
    pub fn throttle(&mut self) -> Wait {
        if self.target == 0 {
            return Wait::Forever;
        }
        self.deficit = self.deficit.saturating_add(self.per_record);
        if self.deficit >= MIN_SLEEP {
            let wait = self.deficit;
            self.deficit = Duration::ZERO;
            Wait::For(wait)
        } else {
            Wait::No
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_target_never_throttles() {
        let start = Instant::now();
        let t = Throttle::new(-1, start);
        assert!(!t.should_throttle(1_000_000, start + Duration::from_millis(1)));
    }

    #[test]
    fn throttles_above_the_target_rate() {
        let start = Instant::now();
        let t = Throttle::new(100, start);
        let one_second = start + Duration::from_secs(1);
        assert!(!t.should_throttle(100, one_second));
        assert!(t.should_throttle(101, one_second));
        assert!(
            t.should_throttle(5, start),
            "at most target/1000 in the first ms"
        );
    }

    #[test]
    fn sleep_accumulates_to_two_milliseconds() {
        let mut t = Throttle::new(1000, Instant::now());
        assert_eq!(t.throttle(), Wait::No);
        assert_eq!(t.throttle(), Wait::For(Duration::from_millis(2)));
        assert_eq!(t.throttle(), Wait::No);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_batch_leaves_its_sleep_owing() {
        let start = Instant::now();
        let mut t = Throttle::new(500, start);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(t.admit(500, 0).await, "on target");
        // Ahead of the target: 2 ms are owed by this record.
        assert!(!t.admit(501, 3).await);
        let before = Instant::now();
        t.settle().await;
        assert_eq!(Instant::now() - before, Duration::from_millis(2));
        assert!(t.admit(501, 0).await, "paid for");
    }

    #[test]
    fn zero_target_blocks() {
        let mut t = Throttle::new(0, Instant::now());
        assert_eq!(t.throttle(), Wait::Forever);
    }
}
