//! Where a sink task stands in each of its partitions (kafka-connect-spec.md §8.5; Java's `currentOffsets` and
//! `lastCommittedOffsets`): the position after the last message converted, after the last
//! message delivered, and the last committed offset. Only delivered positions that the task
//! approves are committed; a commit counts once Kafka confirmed it, so a failed commit is
//! sent again; rewinds and removed partitions reset or forget the positions.

use std::collections::HashMap;

use kconnect_api::TopicPartition;

/// Offsets by partition.
pub type Offsets = HashMap<TopicPartition, i64>;

/// The positions of a sink task's partitions.
#[derive(Debug, Default)]
pub struct Positions {
    /// After the last message converted.
    consumed: Offsets,
    /// After the last message delivered (`put` succeeded).
    current: Offsets,
    /// Last offset Kafka confirmed as committed, else the position at assignment or rewind.
    committed: Offsets,
}

impl Positions {
    /// Nothing consumed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The message at `offset` of `tp` was converted (kept or dropped). The first one of a
    /// partition gives its position at assignment, which counts as committed.
    pub fn consumed(&mut self, tp: &TopicPartition, offset: i64) {
        if !self.committed.contains_key(tp) {
            self.committed.insert(tp.clone(), offset);
        }
        match self.consumed.get_mut(tp) {
            Some(next) => *next = offset + 1,
            None => {
                self.consumed.insert(tp.clone(), offset + 1);
            }
        }
    }

    /// `put` accepted everything converted so far.
    pub fn delivered(&mut self) {
        self.current.clone_from(&self.consumed);
    }

    /// The consumer continues `tp` at `offset` (the task asked with `SinkTaskContext::offset`):
    /// as in Java, the delivered and committed positions move there too.
    pub fn rewound(&mut self, tp: &TopicPartition, offset: i64) {
        self.consumed.insert(tp.clone(), offset);
        self.current.insert(tp.clone(), offset);
        self.committed.insert(tp.clone(), offset);
    }

    /// `pre_commit` failed: these partitions go back to their last committed offsets, which
    /// are returned for the consumer to seek to.
    pub fn back_to_committed<'a>(
        &mut self,
        partitions: impl IntoIterator<Item = &'a TopicPartition>,
    ) -> Offsets {
        let mut back = Offsets::new();
        for tp in partitions {
            if let Some(&offset) = self.committed.get(tp) {
                self.consumed.insert(tp.clone(), offset);
                self.current.insert(tp.clone(), offset);
                back.insert(tp.clone(), offset);
            }
        }
        back
    }

    /// The delivered positions to offer `pre_commit`: of `partitions`, or of every partition.
    pub fn to_commit(&self, partitions: Option<&[TopicPartition]>) -> Offsets {
        match partitions {
            None => self.current.clone(),
            Some(parts) => self
                .current
                .iter()
                .filter(|(tp, _)| parts.contains(tp))
                .map(|(tp, o)| (tp.clone(), *o))
                .collect(),
        }
    }

    /// What to commit of the offsets `pre_commit` approved out of those `offered`: only
    /// offered partitions, never past the delivered position, and nothing already committed.
    pub fn committable(&self, offered: &Offsets, approved: &Offsets) -> Offsets {
        approved
            .iter()
            .filter_map(|(tp, &offset)| {
                let offset = offset.min(*offered.get(tp)?);
                (self.committed.get(tp) != Some(&offset)).then(|| (tp.clone(), offset))
            })
            .collect()
    }

    /// Kafka confirmed a commit of these offsets; partitions not `assigned` any more are
    /// ignored (a late confirmation must not come back after a rebalance).
    pub fn confirmed(&mut self, offsets: &Offsets, assigned: &[TopicPartition]) {
        for (tp, &offset) in offsets {
            if assigned.contains(tp) {
                self.committed.insert(tp.clone(), offset);
            }
        }
    }

    /// Forgets partitions that were removed from the task (or just assigned: they start
    /// afresh).
    pub fn forget(&mut self, partitions: &[TopicPartition]) {
        for tp in partitions {
            self.consumed.remove(tp);
            self.current.remove(tp);
            self.committed.remove(tp);
        }
    }

    /// The last committed offset of a partition, as far as this task knows.
    pub fn last_committed(&self, tp: &TopicPartition) -> Option<i64> {
        self.committed.get(tp).copied()
    }

    /// The delivered position of a partition.
    pub fn current(&self, tp: &TopicPartition) -> Option<i64> {
        self.current.get(tp).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: i32) -> TopicPartition {
        TopicPartition::new("t", p)
    }

    fn offsets(pairs: &[(i32, i64)]) -> Offsets {
        pairs.iter().map(|(p, o)| (tp(*p), *o)).collect()
    }

    #[test]
    fn only_delivered_positions_are_offered_and_never_past_them() {
        let mut p = Positions::new();
        for o in 10..15 {
            p.consumed(&tp(0), o);
        }
        assert!(p.to_commit(None).is_empty(), "nothing delivered yet");
        p.delivered();
        p.consumed(&tp(0), 15);
        p.consumed(&tp(1), 3);
        let offered = p.to_commit(None);
        assert_eq!(offered, offsets(&[(0, 15)]));
        // The task approves more than was delivered, and a partition it was not offered.
        let approved = offsets(&[(0, 99), (1, 4)]);
        assert_eq!(p.committable(&offered, &approved), offsets(&[(0, 15)]));
        assert_eq!(p.to_commit(Some(&[tp(1)])), Offsets::new());
    }

    #[test]
    fn a_rewind_moves_every_position_so_nothing_past_it_is_committed() {
        let mut p = Positions::new();
        for o in 0..10 {
            p.consumed(&tp(0), o);
        }
        // The task wrote records 0..4 of the batch, then asked to continue at 4.
        p.delivered();
        p.rewound(&tp(0), 4);
        let offered = p.to_commit(None);
        assert_eq!(offered, offsets(&[(0, 4)]));
        // 4 counts as committed (as in Java): nothing to commit until more is delivered.
        assert!(p.committable(&offered, &offered).is_empty());
        p.consumed(&tp(0), 4);
        p.delivered();
        assert_eq!(
            p.committable(&p.to_commit(None), &offsets(&[(0, 5)])),
            offsets(&[(0, 5)])
        );
    }

    #[test]
    fn a_commit_counts_once_confirmed_so_a_failed_one_is_sent_again() {
        let mut p = Positions::new();
        p.consumed(&tp(0), 0);
        p.delivered();
        let offered = p.to_commit(None);
        let first = p.committable(&offered, &offered);
        assert_eq!(first, offsets(&[(0, 1)]));
        // The asynchronous commit failed: nothing confirmed, the next commit sends it again.
        assert_eq!(p.committable(&offered, &offered), first);
        p.confirmed(&first, &[tp(0)]);
        assert!(p.committable(&offered, &offered).is_empty());
        assert_eq!(p.last_committed(&tp(0)), Some(1));
    }

    #[test]
    fn removed_partitions_are_forgotten_and_late_confirmations_ignored() {
        let mut p = Positions::new();
        p.consumed(&tp(0), 7);
        p.consumed(&tp(1), 7);
        p.delivered();
        p.forget(&[tp(1)]);
        assert_eq!(p.to_commit(None), offsets(&[(0, 8)]));
        assert_eq!(p.last_committed(&tp(1)), None);
        p.confirmed(&offsets(&[(0, 8), (1, 8)]), &[tp(0)]);
        assert_eq!(p.last_committed(&tp(1)), None);
        assert_eq!(p.last_committed(&tp(0)), Some(8));
    }

    #[test]
    fn a_failed_pre_commit_goes_back_to_the_last_committed_offsets() {
        let mut p = Positions::new();
        for o in 20..30 {
            p.consumed(&tp(0), o);
        }
        p.delivered();
        let back = p.back_to_committed(p.to_commit(None).keys().collect::<Vec<_>>());
        assert_eq!(back, offsets(&[(0, 20)]));
        assert_eq!(p.current(&tp(0)), Some(20));
        assert!(p.to_commit(None).values().all(|&o| o == 20));
    }
}
