//! Rate limiting: how many records a task may emit now to keep to `records.per.second`.

use std::time::Duration;

use tokio::time::Instant;

/// Spreads records evenly over time: record `k` (counted from the start) is due `k / rate`
/// seconds after the start. A task that fell far behind (paused, or a slow broker) does not
/// burst to catch up: it starts counting again from where it is.
#[derive(Debug, Clone)]
pub struct Pace {
    rate: f64,
    start: Instant,
    emitted: u64,
}

impl Pace {
    /// A pace of `rate` records per second (must be positive), starting now.
    pub fn new(rate: f64, now: Instant) -> Self {
        Self {
            rate,
            start: now,
            emitted: 0,
        }
    }

    /// How many records may be emitted at `now` (`Ok`, at least 1), or when the next one is
    /// due (`Err`).
    pub fn allowed(&mut self, now: Instant) -> Result<u64, Instant> {
        let elapsed = now.saturating_duration_since(self.start).as_secs_f64();
        let due = (elapsed * self.rate).floor() as u64 + 1;
        if due > self.emitted {
            let behind = due - self.emitted;
            // More than a second (or one record) behind: forget the debt instead of bursting.
            if behind as f64 > self.rate.max(1.0) + 1.0 {
                self.start = now;
                self.emitted = 0;
                return Ok(1);
            }
            return Ok(behind);
        }
        // A microsecond late, so that at that instant the record is due despite rounding.
        Err(self.start
            + Duration::from_secs_f64(self.emitted as f64 / self.rate)
            + Duration::from_micros(1))
    }

    /// Records that `n` records were emitted.
    pub fn emitted(&mut self, n: u64) {
        self.emitted += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ms` milliseconds after `t0`, plus the microsecond of margin.
    fn due(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms) + Duration::from_micros(1)
    }

    #[test]
    fn spreads_records_over_time() {
        let t0 = Instant::now();
        let mut pace = Pace::new(10.0, t0);
        assert_eq!(pace.allowed(t0), Ok(1));
        pace.emitted(1);
        assert_eq!(pace.allowed(t0), Err(due(t0, 100)));
        let t = t0 + Duration::from_millis(350);
        assert_eq!(pace.allowed(t), Ok(3));
        pace.emitted(3);
        assert_eq!(pace.allowed(t), Err(due(t0, 400)));
        // 1000 per second over 2 s: 2001 records (one at time zero).
        let mut fast = Pace::new(1000.0, t0);
        let mut total = 0;
        for ms in (0..=2000).step_by(100) {
            if let Ok(n) = fast.allowed(t0 + Duration::from_millis(ms)) {
                fast.emitted(n);
                total += n;
            }
        }
        assert_eq!(total, 2001);
    }

    #[test]
    fn does_not_burst_after_a_stall() {
        let t0 = Instant::now();
        let mut pace = Pace::new(100.0, t0);
        pace.emitted(1);
        let late = t0 + Duration::from_secs(60);
        assert_eq!(pace.allowed(late), Ok(1));
        pace.emitted(1);
        assert_eq!(pace.allowed(late), Err(due(late, 10)));
    }

    #[test]
    fn slow_rates_wait_long() {
        let t0 = Instant::now();
        let mut pace = Pace::new(0.5, t0);
        assert_eq!(pace.allowed(t0), Ok(1));
        pace.emitted(1);
        assert_eq!(
            pace.allowed(t0 + Duration::from_secs(1)),
            Err(due(t0, 2000))
        );
        assert_eq!(pace.allowed(t0 + Duration::from_secs(2)), Ok(1));
    }
}
