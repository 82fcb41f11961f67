//! Shared by the distributed tests: a ledger of who runs what that records every moment an
//! item has two owners, and waiting (event-driven, bounded) for the owners to reach a state.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use kconnect_runtime::herder::distributed::WorkSet;
use tokio::sync::watch;
use tokio::time::Instant;

/// Ledger names: `c:<connector>` and `t:<connector>-<n>`.
pub fn items(w: &WorkSet) -> Vec<String> {
    w.connectors
        .iter()
        .map(|c| format!("c:{c}"))
        .chain(w.tasks.iter().map(|t| format!("t:{t}")))
        .collect()
}

/// Who runs what, with every violation of "one owner" recorded.
pub struct Ledger {
    owners: Mutex<BTreeMap<String, String>>,
    /// Every (worker, item) stop, in order.
    pub stopped: Mutex<Vec<(String, String)>>,
    /// Every moment an item had two owners.
    pub violations: Mutex<Vec<String>>,
    changed: watch::Sender<u64>,
}

impl Ledger {
    /// An empty ledger and a receiver of its changes.
    pub fn new() -> (Self, watch::Receiver<u64>) {
        let (changed, rx) = watch::channel(0);
        let ledger = Ledger {
            owners: Mutex::default(),
            stopped: Mutex::default(),
            violations: Mutex::default(),
            changed,
        };
        (ledger, rx)
    }

    /// `worker` starts `work`.
    pub fn start(&self, worker: &str, work: &WorkSet) {
        let mut owners = self.owners.lock().unwrap();
        for item in items(work) {
            if let Some(other) = owners.insert(item.clone(), worker.to_string()) {
                if other != worker {
                    self.violations
                        .lock()
                        .unwrap()
                        .push(format!("{item} on {other} and {worker}"));
                }
            }
        }
        self.changed.send_modify(|n| *n += 1);
    }

    /// `worker` stops `work`.
    pub fn stop(&self, worker: &str, work: &WorkSet) {
        let mut owners = self.owners.lock().unwrap();
        for item in items(work) {
            if owners.get(&item).is_some_and(|w| w == worker) {
                owners.remove(&item);
            }
            self.stopped
                .lock()
                .unwrap()
                .push((worker.to_string(), item));
        }
        self.changed.send_modify(|n| *n += 1);
    }

    /// A crashed process runs nothing.
    #[allow(dead_code)] // not every test crashes a worker
    pub fn crash(&self, worker: &str) {
        self.owners.lock().unwrap().retain(|_, w| w != worker);
        self.changed.send_modify(|n| *n += 1);
    }

    /// Current owners by item.
    pub fn owners(&self) -> BTreeMap<String, String> {
        self.owners.lock().unwrap().clone()
    }
}

/// Waits until the owners satisfy `cond`, or panics after `within`.
pub async fn wait_for(
    ledger: &Ledger,
    changes: &mut watch::Receiver<u64>,
    within: Duration,
    what: &str,
    cond: impl Fn(&BTreeMap<String, String>) -> bool,
) {
    let deadline = Instant::now() + within;
    while !cond(&ledger.owners()) {
        if tokio::time::timeout_at(deadline, changes.changed())
            .await
            .is_err()
        {
            panic!(
                "{what}: not reached within {within:?}; owners: {:?}",
                ledger.owners()
            );
        }
    }
}

/// Whether exactly `total` items run, only on `workers`, and each worker's connector and
/// task counts differ from every other's by at most one.
pub fn all_owned_by(owners: &BTreeMap<String, String>, total: usize, workers: &[&str]) -> bool {
    if owners.len() != total || !owners.values().all(|w| workers.contains(&w.as_str())) {
        return false;
    }
    ["c:", "t:"].iter().all(|kind| {
        let counts: Vec<usize> = workers
            .iter()
            .map(|w| {
                owners
                    .iter()
                    .filter(|(i, o)| i.starts_with(kind) && o == w)
                    .count()
            })
            .collect();
        counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0) <= 1
    })
}
