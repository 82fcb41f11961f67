//! Cancelled-task suppression (kafka-connect-spec.md §8.1-8.2, Java's `WorkerTask.cancel`). A task that did
//! not stop within `task.shutdown.graceful.timeout.ms` is cancelled and aborted, but an abort
//! only takes effect at the task's next `.await`: a task inside a blocking call may still
//! finish its drain, commit offsets and report a final state after its replacement started.
//! Each task instance gets its own [`TaskFence`]; the status and offset handles its loop
//! writes through ([`TaskStatus`], [`TaskOffsets`]) drop every write once it is cancelled,
//! and cancelling waits for a write already being handed over, so no write of the cancelled
//! instance starts afterwards (offsets handed over before are ordered before the
//! replacement's).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use kconnect_api::ConnectResult;

use super::status::{State, StatusStore};
use crate::storage::java_serialization::Entry;
use crate::storage::OffsetStore;
use crate::task::TaskId;

#[derive(Debug, Default)]
struct Inner {
    cancelled: AtomicBool,
    /// Held (shared) by each write; cancelling takes it exclusively to wait for them.
    writes: RwLock<()>,
}

/// Whether one task instance was cancelled; clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct TaskFence(Arc<Inner>);

impl TaskFence {
    /// A fence for a new task instance.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the task: writes started from now on are dropped. Returns once any write
    /// already under way finished.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        drop(
            self.0
                .writes
                .write()
                .unwrap_or_else(PoisonError::into_inner),
        );
    }

    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Runs `write` unless the task was cancelled (`None` then). A concurrent
    /// [`cancel`](Self::cancel) waits for it.
    pub fn unless_cancelled<T>(&self, write: impl FnOnce() -> T) -> Option<T> {
        let _shared = self.0.writes.read().unwrap_or_else(PoisonError::into_inner);
        (!self.is_cancelled()).then(write)
    }
}

/// How a task instance reports its state and the topics it uses: the status store behind
/// the task's fence. A failure is marked as a data failure when the task's error handling
/// raised the flag (a record under `errors.tolerance=none`).
#[derive(Debug, Clone)]
pub struct TaskStatus {
    store: Arc<StatusStore>,
    fence: TaskFence,
    data_failure: Arc<AtomicBool>,
    task: u32,
}

impl TaskStatus {
    /// Reports to `store` until `fence` is cancelled; `data_failure` is the error handling's
    /// flag.
    pub fn new(store: Arc<StatusStore>, fence: TaskFence, data_failure: Arc<AtomicBool>) -> Self {
        Self {
            store,
            fence,
            data_failure,
            task: 0,
        }
    }

    /// The same handle for task number `task` (recorded with the topics it uses).
    pub fn with_task(mut self, task: u32) -> Self {
        self.task = task;
        self
    }

    /// Sets the task's state, unless the task was cancelled.
    pub fn put_task(&self, id: &TaskId, state: State, trace: Option<String>) {
        let data_failure = state == State::Failed && self.data_failure.load(Ordering::Relaxed);
        let written = self
            .fence
            .unless_cancelled(|| self.store.put_task_marked(id, state, trace, data_failure));
        if written.is_none() {
            tracing::debug!(task = %id, state = state.name(), "task was cancelled; its state is not recorded");
        }
    }

    /// Records that the task used `topic` (see [`StatusStore::task_used_topic`]), unless it
    /// was cancelled.
    pub fn topic_used(&self, connector: &str, topic: &str) {
        if !self.fence.is_cancelled() {
            self.store.task_used_topic(connector, self.task, topic);
        }
    }

    /// Whether the task was cancelled: it must not commit anything any more.
    pub fn is_cancelled(&self) -> bool {
        self.fence.is_cancelled()
    }
}

/// The offsets store as a source task instance commits to it: behind the task's fence. The
/// fence covers handing the entries to the store (quick, ordered before any later write);
/// waiting for them to be persisted happens outside it, so cancelling never waits for I/O.
#[derive(Clone)]
pub struct TaskOffsets {
    store: Arc<dyn OffsetStore>,
    fence: TaskFence,
}

impl TaskOffsets {
    /// Commits to `store` until `fence` is cancelled.
    pub fn new(store: Arc<dyn OffsetStore>, fence: TaskFence) -> Self {
        Self { store, fence }
    }

    /// Whether the store has accepted offsets it could not persist yet.
    pub fn is_dirty(&self) -> bool {
        self.store.is_dirty()
    }

    /// Writes offsets and waits until they are persisted (see
    /// [`OffsetStore::start_put_all`]); a cancelled task writes nothing.
    pub async fn put_all(&self, entries: Vec<Entry>) -> ConnectResult<()> {
        match self
            .fence
            .unless_cancelled(|| self.store.start_put_all(entries))
        {
            Some(pending) => pending.await,
            None => {
                tracing::debug!("skipping the offset commit of a cancelled task");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::FileOffsetStore;

    fn id() -> TaskId {
        TaskId {
            connector: "c".into(),
            task: 0,
        }
    }

    #[tokio::test]
    async fn a_cancelled_task_neither_reports_nor_commits() {
        let store = Arc::new(StatusStore::new("w"));
        let flag = Arc::new(AtomicBool::new(false));
        let fence = TaskFence::new();
        let status = TaskStatus::new(store.clone(), fence.clone(), flag.clone());
        status.put_task(&id(), State::Running, None);
        status.topic_used("c", "t1");
        fence.cancel();
        status.put_task(&id(), State::Unassigned, None);
        status.topic_used("c", "t2");
        assert!(status.is_cancelled());
        assert_eq!(store.tasks("c")[0].1.state, State::Running);
        assert_eq!(store.topics("c"), ["t1"]);

        let dir = tempfile::tempdir().unwrap();
        let file = Arc::new(FileOffsetStore::open(dir.path().join("offsets")).unwrap());
        let live = TaskOffsets::new(file.clone(), TaskFence::new());
        live.put_all(vec![(b"k".to_vec(), Some(b"new".to_vec()))])
            .await
            .unwrap();
        let old = TaskOffsets::new(file.clone(), fence);
        old.put_all(vec![(b"k".to_vec(), Some(b"old".to_vec()))])
            .await
            .unwrap();
        assert_eq!(file.get(b"k"), Some(b"new".to_vec()));
        assert_eq!(
            FileOffsetStore::open(file.path()).unwrap().get(b"k"),
            Some(b"new".to_vec())
        );
    }

    #[test]
    fn failures_flagged_by_the_error_handling_are_data_failures() {
        let store = Arc::new(StatusStore::new("w"));
        let flag = Arc::new(AtomicBool::new(false));
        let status = TaskStatus::new(store.clone(), TaskFence::new(), flag.clone());
        status.put_task(&id(), State::Failed, Some("boom".into()));
        assert!(!store.tasks("c")[0].1.data_failure);
        flag.store(true, Ordering::Relaxed);
        status.put_task(&id(), State::Failed, Some("no mention of tolerance".into()));
        assert!(store.tasks("c")[0].1.data_failure);
    }

    #[test]
    fn cancelling_waits_for_a_write_under_way() {
        let fence = TaskFence::new();
        let (entered_tx, entered) = std::sync::mpsc::channel();
        let (release_tx, release) = std::sync::mpsc::channel::<()>();
        let writer = {
            let fence = fence.clone();
            std::thread::spawn(move || {
                fence.unless_cancelled(|| {
                    entered_tx.send(()).unwrap();
                    release.recv().unwrap();
                })
            })
        };
        entered.recv().unwrap();
        let (cancelled_tx, cancelled) = std::sync::mpsc::channel();
        let canceller = {
            let fence = fence.clone();
            std::thread::spawn(move || {
                fence.cancel();
                cancelled_tx.send(()).unwrap();
            })
        };
        while !fence.is_cancelled() {
            std::thread::yield_now();
        }
        // The write is still under way: cancel must not return before it ends.
        assert!(cancelled
            .recv_timeout(std::time::Duration::from_millis(50))
            .is_err());
        release_tx.send(()).unwrap();
        assert_eq!(writer.join().unwrap(), Some(()));
        canceller.join().unwrap();
        cancelled.recv().unwrap();
        assert_eq!(fence.unless_cancelled(|| ()), None);
    }
}
