//! A source task as its loop drives it: one `poll` at a time, and a `poll` in progress is
//! never dropped because the loop had something else to do (an offset commit on the flush
//! tick, a target-state change); only stopping the task drops it. `commit` and `stop` run
//! when no `poll` is in progress.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::plugin::{RecordMetadata, SourceTask, SourceTaskContext};
use kconnect_api::{ConfigMap, ConnectError, ConnectResult, SourceRecord};
use tokio::sync::Mutex;

type PollFuture = Pin<Box<dyn Future<Output = ConnectResult<Vec<SourceRecord>>> + Send>>;

/// A source task and its `poll` in progress, if any.
pub struct PolledTask {
    task: Arc<Mutex<Box<dyn SourceTask>>>,
    in_flight: Option<PollFuture>,
    started: bool,
}

impl PolledTask {
    /// Wraps a task that was not started yet.
    pub fn new(task: Box<dyn SourceTask>) -> Self {
        Self {
            task: Arc::new(Mutex::new(task)),
            in_flight: None,
            started: false,
        }
    }

    /// Starts the task.
    pub async fn start(
        &mut self,
        context: Arc<dyn SourceTaskContext>,
        config: &ConfigMap,
    ) -> ConnectResult<()> {
        self.started = true;
        self.task.lock().await.start(context, config).await
    }

    /// The next batch of records: resumes the `poll` in progress, or starts one. Dropping the
    /// returned future keeps the `poll` in progress for the next call.
    pub async fn next(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        let task = &self.task;
        let poll = self.in_flight.get_or_insert_with(|| {
            let task = task.clone();
            Box::pin(async move {
                let mut task = task.lock_owned().await;
                task.poll().await
            })
        });
        let records = poll.await;
        self.in_flight = None;
        records
    }

    /// Drops the `poll` in progress, if any (the task is stopping).
    pub fn drop_poll(&mut self) {
        self.in_flight = None;
    }

    /// Whether a `poll` is in progress.
    pub fn polling(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Calls the task's `commit`, unless a `poll` is in progress (`None` then: call again
    /// once it returned).
    pub async fn commit(&mut self) -> Option<ConnectResult<()>> {
        if self.polling() {
            return None;
        }
        Some(self.task.lock().await.commit().await)
    }

    /// Calls the task's `commit_record` for each record, in order, unless a `poll` is in
    /// progress (`None` then, and nothing was called). Returns the errors the task returned.
    pub async fn commit_records(
        &mut self,
        records: Vec<(SourceRecord, Option<RecordMetadata>)>,
    ) -> Option<Vec<ConnectError>> {
        if self.polling() {
            return None;
        }
        let mut task = self.task.lock().await;
        let mut errors = Vec::new();
        for (record, metadata) in &records {
            if let Err(e) = task.commit_record(record, metadata.as_ref()).await {
                errors.push(e);
            }
        }
        Some(errors)
    }

    /// Stops the task: drops the `poll` in progress, then calls `stop` (not for a task that
    /// was never started).
    pub async fn stop(&mut self) -> ConnectResult<()> {
        self.in_flight = None;
        if !self.started {
            return Ok(());
        }
        self.task.lock().await.stop().await
    }
}

/// Stands in for a task whose loop took it over.
pub(super) struct Detached;

#[async_trait]
impl SourceTask for Detached {
    async fn start(&mut self, _: Arc<dyn SourceTaskContext>, _: &ConfigMap) -> ConnectResult<()> {
        Err(ConnectError::other("the task is run by its loop"))
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        Err(ConnectError::other("the task is run by its loop"))
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Polls take 50 ms; counts polls started, finished and dropped unfinished.
    #[derive(Default)]
    struct Counts {
        started: AtomicUsize,
        finished: AtomicUsize,
        dropped: AtomicUsize,
        commits: AtomicUsize,
    }

    struct SlowPoll(Arc<Counts>);

    struct DropGuard(Arc<Counts>, bool);

    impl Drop for DropGuard {
        fn drop(&mut self) {
            if !self.1 {
                self.0.dropped.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    #[async_trait]
    impl SourceTask for SlowPoll {
        async fn start(
            &mut self,
            _: Arc<dyn SourceTaskContext>,
            _: &ConfigMap,
        ) -> ConnectResult<()> {
            Ok(())
        }
        async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
            self.0.started.fetch_add(1, Ordering::SeqCst);
            let mut guard = DropGuard(self.0.clone(), false);
            tokio::time::sleep(Duration::from_millis(50)).await;
            guard.1 = true;
            self.0.finished.fetch_add(1, Ordering::SeqCst);
            Ok(Vec::new())
        }
        async fn commit(&mut self) -> ConnectResult<()> {
            self.0.commits.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        async fn stop(&mut self) -> ConnectResult<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_poll_interrupted_by_other_work_resumes_instead_of_restarting() {
        let counts = Arc::new(Counts::default());
        let mut task = PolledTask::new(Box::new(SlowPoll(counts.clone())));
        let mut ticker = tokio::time::interval(Duration::from_millis(10));
        let mut ticks = 0;
        let mut batches = 0;
        while batches < 2 {
            tokio::select! {
                biased;
                polled = task.next() => {
                    assert_eq!(polled, Ok(Vec::new()));
                    batches += 1;
                }
                _ = ticker.tick() => {
                    ticks += 1;
                    // A commit is deferred while the poll is in progress.
                    assert!(task.commit().await.is_none());
                }
            }
        }
        assert!(ticks > 4, "the ticks interrupted the polls ({ticks})");
        assert_eq!(counts.started.load(Ordering::SeqCst), 2);
        assert_eq!(counts.finished.load(Ordering::SeqCst), 2);
        assert_eq!(counts.dropped.load(Ordering::SeqCst), 0);
        assert_eq!(task.commit().await, Some(Ok(())));
        assert_eq!(counts.commits.load(Ordering::SeqCst), 1);
        // Stopping drops the poll in progress.
        let _ = tokio::time::timeout(Duration::from_millis(5), task.next()).await;
        assert!(task.polling());
        assert_eq!(task.stop().await, Ok(()));
        assert_eq!(counts.dropped.load(Ordering::SeqCst), 1);
    }

    struct FailsToStop;

    #[async_trait]
    impl SourceTask for FailsToStop {
        async fn start(
            &mut self,
            _: Arc<dyn SourceTaskContext>,
            _: &ConfigMap,
        ) -> ConnectResult<()> {
            Ok(())
        }
        async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
            Ok(Vec::new())
        }
        async fn stop(&mut self) -> ConnectResult<()> {
            Err(ConnectError::other("stopped"))
        }
    }

    #[tokio::test]
    async fn a_task_never_started_is_not_stopped() {
        let mut task = PolledTask::new(Box::new(FailsToStop));
        assert_eq!(task.stop().await, Ok(()), "stop was called");
        let mut detached = PolledTask::new(Box::new(Detached));
        assert!(detached.next().await.is_err());
        assert!(!detached.polling());
    }
}
