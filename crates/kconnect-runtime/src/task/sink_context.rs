//! The [`SinkTaskContext`] handed to a sink task (kafka-connect-spec.md §8.5): what it asks of the runtime is
//! recorded here and applied by the loop — offsets to continue from (`offset`), partitions to
//! pause and resume, a timeout before the next `put`, an early commit — plus its errant
//! record reporter (KIP-610).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kconnect_api::plugin::{ErrantRecordReporter, SinkTaskContext};
use kconnect_api::{ConfigMap, TopicPartition};

use super::sink_offsets::Offsets;

/// The runtime's context for a sink task.
pub struct SinkContext {
    configs: ConfigMap,
    /// Partitions assigned to the task.
    pub(super) assignment: Mutex<Vec<TopicPartition>>,
    commit_requested: AtomicBool,
    /// Delay before the next `put` (or redelivery after a retriable failure); 0: not set.
    timeout_ms: AtomicU64,
    reporter: Option<Arc<dyn ErrantRecordReporter>>,
    /// Offsets the task asked to continue from, not applied yet.
    rewinds: Mutex<Offsets>,
    /// Partitions the task paused.
    paused: Mutex<HashSet<TopicPartition>>,
    /// The task paused or resumed partitions since the loop last looked.
    pauses_changed: AtomicBool,
}

impl SinkContext {
    /// A context with the task's configuration.
    pub fn new(configs: ConfigMap) -> Self {
        Self {
            configs,
            assignment: Mutex::new(Vec::new()),
            commit_requested: false.into(),
            timeout_ms: AtomicU64::new(0),
            reporter: None,
            rewinds: Mutex::new(Offsets::new()),
            paused: Mutex::new(HashSet::new()),
            pauses_changed: AtomicBool::new(false),
        }
    }

    /// The same context offering an errant record reporter to the task.
    pub fn with_reporter(mut self, reporter: Option<Arc<dyn ErrantRecordReporter>>) -> Self {
        self.reporter = reporter;
        self
    }

    /// The timeout the task asked for with `timeout(ms)`, once (Java resets it after use).
    pub fn take_timeout(&self) -> Option<u64> {
        match self.timeout_ms.swap(0, Ordering::Relaxed) {
            0 => None,
            ms => Some(ms),
        }
    }

    /// Whether the task asked for a commit (resets the request).
    pub fn take_commit_request(&self) -> bool {
        self.commit_requested.swap(false, Ordering::Relaxed)
    }

    /// The offsets the task asked to continue from (with `offset`) since the last call.
    pub fn take_rewinds(&self) -> Offsets {
        self.rewinds
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    /// Takes the requested offsets of these partitions only.
    pub fn take_rewinds_of(&self, partitions: &[TopicPartition]) -> Offsets {
        let Ok(mut rewinds) = self.rewinds.lock() else {
            return Offsets::new();
        };
        let taken: Offsets = rewinds
            .iter()
            .filter(|(tp, _)| partitions.contains(tp))
            .map(|(tp, o)| (tp.clone(), *o))
            .collect();
        rewinds.retain(|tp, _| !taken.contains_key(tp));
        taken
    }

    /// Puts back rewinds that could not be applied yet (the newer request wins).
    pub fn restore_rewinds(&self, offsets: Offsets) {
        if let Ok(mut rewinds) = self.rewinds.lock() {
            for (tp, o) in offsets {
                rewinds.entry(tp).or_insert(o);
            }
        }
    }

    /// The partitions the task paused, if that changed since the last call.
    pub fn take_pause_change(&self) -> Option<HashSet<TopicPartition>> {
        if !self.pauses_changed.swap(false, Ordering::SeqCst) {
            return None;
        }
        self.paused.lock().ok().map(|p| p.clone())
    }

    /// Forgets the partitions that left the task, from its pauses and rewinds (Java keeps
    /// only assigned partitions paused across rebalances).
    pub fn forget(&self, partitions: &[TopicPartition]) {
        if let Ok(mut a) = self.assignment.lock() {
            a.retain(|tp| !partitions.contains(tp));
        }
        if let Ok(mut p) = self.paused.lock() {
            let before = p.len();
            p.retain(|tp| !partitions.contains(tp));
            if p.len() != before {
                self.pauses_changed.store(true, Ordering::SeqCst);
            }
        }
        if let Ok(mut r) = self.rewinds.lock() {
            r.retain(|tp, _| !partitions.contains(tp));
        }
    }

    fn is_assigned(&self, tp: &TopicPartition) -> bool {
        self.assignment
            .lock()
            .map(|a| a.contains(tp))
            .unwrap_or(false)
    }
}

impl SinkTaskContext for SinkContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }
    fn offset(&self, offsets: HashMap<TopicPartition, i64>) {
        if let Ok(mut rewinds) = self.rewinds.lock() {
            rewinds.extend(offsets);
        }
    }
    fn timeout(&self, millis: u64) {
        self.timeout_ms.store(millis.max(1), Ordering::Relaxed);
    }
    fn assignment(&self) -> Vec<TopicPartition> {
        self.assignment
            .lock()
            .map(|a| a.clone())
            .unwrap_or_default()
    }
    fn pause(&self, partitions: &[TopicPartition]) {
        let (assigned, unassigned): (Vec<_>, Vec<_>) =
            partitions.iter().partition(|tp| self.is_assigned(tp));
        if !unassigned.is_empty() {
            tracing::warn!(
                "a sink task cannot pause partitions not assigned to it: {unassigned:?}"
            );
        }
        if let Ok(mut p) = self.paused.lock() {
            p.extend(assigned.into_iter().cloned());
        }
        self.pauses_changed.store(true, Ordering::SeqCst);
    }
    fn resume(&self, partitions: &[TopicPartition]) {
        if let Ok(mut p) = self.paused.lock() {
            for tp in partitions {
                p.remove(tp);
            }
        }
        self.pauses_changed.store(true, Ordering::SeqCst);
    }
    fn request_commit(&self) {
        self.commit_requested.store(true, Ordering::Relaxed);
    }
    fn errant_record_reporter(&self) -> Option<Arc<dyn ErrantRecordReporter>> {
        self.reporter.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: i32) -> TopicPartition {
        TopicPartition::new("t", p)
    }

    #[test]
    fn timeout_and_commit_requests_are_one_shot() {
        let ctx = SinkContext::new(ConfigMap::new());
        assert!(ctx.errant_record_reporter().is_none());
        assert_eq!(ctx.take_timeout(), None);
        ctx.timeout(250);
        assert_eq!(ctx.take_timeout(), Some(250));
        assert_eq!(ctx.take_timeout(), None);
        assert!(!ctx.take_commit_request());
        ctx.request_commit();
        assert!(ctx.take_commit_request());
        assert!(!ctx.take_commit_request());
    }

    #[test]
    fn requested_offsets_are_kept_until_the_loop_applies_them() {
        let ctx = SinkContext::new(ConfigMap::new());
        ctx.offset(HashMap::from([(tp(0), 5), (tp(1), 9)]));
        ctx.offset(HashMap::from([(tp(0), 3)]));
        assert_eq!(ctx.take_rewinds_of(&[tp(1)]), HashMap::from([(tp(1), 9)]));
        // Not applied yet: put back, unless the task asked again meanwhile.
        ctx.offset(HashMap::from([(tp(0), 4)]));
        ctx.restore_rewinds(HashMap::from([(tp(0), 3), (tp(2), 1)]));
        assert_eq!(ctx.take_rewinds(), HashMap::from([(tp(0), 4), (tp(2), 1)]));
        assert!(ctx.take_rewinds().is_empty());
    }

    #[test]
    fn pauses_of_assigned_partitions_are_kept_until_they_leave() {
        let ctx = SinkContext::new(ConfigMap::new());
        assert_eq!(ctx.take_pause_change(), None);
        if let Ok(mut a) = ctx.assignment.lock() {
            a.extend([tp(0), tp(1)]);
        }
        ctx.pause(&[tp(0), tp(1), tp(7)]);
        assert_eq!(ctx.take_pause_change(), Some(HashSet::from([tp(0), tp(1)])));
        assert_eq!(ctx.take_pause_change(), None);
        ctx.resume(&[tp(1)]);
        assert_eq!(ctx.take_pause_change(), Some(HashSet::from([tp(0)])));
        ctx.offset(HashMap::from([(tp(0), 5)]));
        ctx.forget(&[tp(0)]);
        assert_eq!(ctx.take_pause_change(), Some(HashSet::new()));
        assert!(ctx.take_rewinds().is_empty());
        assert_eq!(ctx.assignment(), vec![tp(1)]);
    }
}
