//! In-order acknowledgement tracking for source records (Java `SubmittedRecords`): the
//! offset of a source partition becomes committable only when the record carrying it and
//! every record before it in that partition were acknowledged by Kafka.

use std::collections::VecDeque;
use std::sync::Arc;

use kconnect_api::record::OffsetMap;

/// Marks records without a source partition or offset: tracked for in-flight counting only.
pub const UNTRACKED: u16 = u16::MAX;

const SEQ_BITS: u32 = 48;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

/// Packs a partition index and sequence number into the opaque value carried by a produced
/// record (no allocation per record).
pub fn pack(partition: u16, seq: u64) -> usize {
    ((u64::from(partition) << SEQ_BITS) | (seq & SEQ_MASK)) as usize
}

/// Unpacks [`pack`].
pub fn unpack(opaque: usize) -> (u16, u64) {
    let v = opaque as u64;
    ((v >> SEQ_BITS) as u16, v & SEQ_MASK)
}

struct Partition {
    key: Vec<u8>,
    /// The map last seen for this partition: records sharing it are recognized by pointer.
    partition: Arc<OffsetMap>,
    pending: VecDeque<(u64, OffsetMap, bool)>,
    committable: Option<OffsetMap>,
}

/// Submitted records of one task, per source partition.
#[derive(Default)]
pub struct SubmittedRecords {
    partitions: Vec<Partition>,
    /// The index of the partition last looked up, tried first.
    last: usize,
    next_seq: u64,
    in_flight: usize,
    /// Offsets that a later committable offset replaced, left for the submitting thread to
    /// drop (see [`SubmittedRecords::swap_superseded`]).
    superseded: Vec<OffsetMap>,
}

fn same_order(a: &OffsetMap, b: &OffsetMap) -> bool {
    a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x == y)
}

impl SubmittedRecords {
    /// Nothing submitted.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of a source partition, registering it (with its storage key, computed by
    /// `key` only the first time) if new. Returns `None` if there are too many partitions
    /// to track individually.
    ///
    /// A partition is recognized by pointer first (a task shares one map among the records
    /// of a partition), then by contents, in order: a distinct map with the same entries is
    /// the same partition, and becomes the one recognized by pointer from then on.
    pub fn partition_index<E>(
        &mut self,
        partition: &Arc<OffsetMap>,
        key: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Option<u16>, E> {
        if self
            .partitions
            .get(self.last)
            .is_some_and(|p| Arc::ptr_eq(&p.partition, partition))
        {
            return Ok(Some(self.last as u16));
        }
        let found = self
            .partitions
            .iter()
            .position(|p| Arc::ptr_eq(&p.partition, partition))
            .or_else(|| {
                let i = self
                    .partitions
                    .iter()
                    .position(|p| same_order(&p.partition, partition))?;
                self.partitions[i].partition = Arc::clone(partition);
                Some(i)
            });
        if let Some(i) = found {
            self.last = i;
            return Ok(Some(i as u16));
        }
        if self.partitions.len() >= usize::from(UNTRACKED) {
            return Ok(None);
        }
        self.partitions.push(Partition {
            key: key()?,
            partition: Arc::clone(partition),
            pending: VecDeque::new(),
            committable: None,
        });
        self.last = self.partitions.len() - 1;
        Ok(Some(self.last as u16))
    }

    /// Records a submitted record; returns its opaque id.
    pub fn submit(&mut self, partition: Option<u16>, offset: Option<OffsetMap>) -> usize {
        let seq = self.next_seq;
        self.next_seq = (self.next_seq + 1) & SEQ_MASK;
        self.in_flight += 1;
        match (partition, offset) {
            (Some(i), Some(offset)) => {
                self.partitions[usize::from(i)]
                    .pending
                    .push_back((seq, offset, false));
                pack(i, seq)
            }
            _ => pack(UNTRACKED, seq),
        }
    }

    /// Acknowledges the record with this opaque id.
    pub fn ack(&mut self, opaque: usize) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let (index, seq) = unpack(opaque);
        let Some(p) = self.partitions.get_mut(usize::from(index)) else {
            return;
        };
        if let Some(entry) = p.pending.iter_mut().find(|(s, _, _)| *s == seq) {
            entry.2 = true;
        }
        while p.pending.front().is_some_and(|(_, _, acked)| *acked) {
            if let Some((_, offset, _)) = p.pending.pop_front() {
                if let Some(old) = p.committable.replace(offset) {
                    self.superseded.push(old);
                }
            }
        }
    }

    /// Swaps the offsets superseded since the last call into `into` (which should be empty)
    /// for the caller to drop. Acknowledgements run on the producer's thread, but the offsets
    /// were built on the task's: dropped there, each of their allocations is freed without
    /// going through another thread.
    pub fn swap_superseded(&mut self, into: &mut Vec<OffsetMap>) {
        std::mem::swap(&mut self.superseded, into);
    }

    /// Records sent but not yet acknowledged.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Takes the offsets that became committable since the last call: (storage key, offset).
    pub fn take_committable(&mut self) -> Vec<(Vec<u8>, OffsetMap)> {
        self.partitions
            .iter_mut()
            .filter_map(|p| p.committable.take().map(|o| (p.key.clone(), o)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::Value;

    fn map(k: &str, v: i64) -> OffsetMap {
        let mut m = OffsetMap::new();
        m.insert(k.into(), Value::Int64(v));
        m
    }

    fn idx(s: &mut SubmittedRecords, name: &str) -> Option<u16> {
        s.partition_index::<()>(&Arc::new(map("file", name.len() as i64)), || {
            Ok(name.as_bytes().to_vec())
        })
        .unwrap()
    }

    #[test]
    fn partitions_are_recognized_by_pointer_and_by_contents() {
        let mut s = SubmittedRecords::new();
        let a = Arc::new(map("file", 1));
        let b = Arc::new(map("file", 2));
        let mut keys = 0;
        let mut index = |s: &mut SubmittedRecords, p: &Arc<OffsetMap>| {
            s.partition_index::<()>(p, || {
                keys += 1;
                Ok(vec![keys])
            })
            .unwrap()
        };
        assert_eq!(index(&mut s, &a), Some(0));
        assert_eq!(index(&mut s, &b), Some(1));
        assert_eq!(index(&mut s, &a), Some(0));
        // A distinct map with the same contents is the same partition.
        let a2 = Arc::new(map("file", 1));
        assert_eq!(index(&mut s, &a2), Some(0));
        assert_eq!(index(&mut s, &a), Some(0));
        assert_eq!(index(&mut s, &b), Some(1));
        // Same entries in another order: another partition (another storage key).
        let mut ab = map("file", 1);
        ab.insert("line".into(), Value::Int64(0));
        let mut ba = map("line", 0);
        ba.insert("file".into(), Value::Int64(1));
        assert_eq!(index(&mut s, &Arc::new(ab)), Some(2));
        assert_eq!(index(&mut s, &Arc::new(ba)), Some(3));
        assert_eq!(keys, 4, "one storage key per partition");
    }

    #[test]
    fn commits_only_contiguous_acks() {
        let mut s = SubmittedRecords::new();
        let p = idx(&mut s, "a");
        let ids: Vec<usize> = (1..=3)
            .map(|i| s.submit(p, Some(map("position", i))))
            .collect();
        s.ack(ids[1]);
        assert!(s.take_committable().is_empty(), "record 1 is not acked yet");
        s.ack(ids[0]);
        assert_eq!(
            s.take_committable(),
            vec![(b"a".to_vec(), map("position", 2))]
        );
        assert!(s.take_committable().is_empty());
        s.ack(ids[2]);
        assert_eq!(
            s.take_committable(),
            vec![(b"a".to_vec(), map("position", 3))]
        );
        assert_eq!(s.in_flight(), 0);
        let mut superseded = Vec::new();
        s.swap_superseded(&mut superseded);
        assert_eq!(superseded, vec![map("position", 1)]);
    }

    #[test]
    fn partitions_are_independent_and_untracked_count_in_flight() {
        let mut s = SubmittedRecords::new();
        let a = idx(&mut s, "a");
        let b = idx(&mut s, "bb");
        assert_ne!(a, b);
        let ra = s.submit(a, Some(map("position", 1)));
        let rb = s.submit(b, Some(map("position", 9)));
        let ru = s.submit(None, None);
        assert_eq!(s.in_flight(), 3);
        s.ack(rb);
        assert_eq!(
            s.take_committable(),
            vec![(b"bb".to_vec(), map("position", 9))]
        );
        s.ack(ru);
        s.ack(ra);
        assert_eq!(
            s.take_committable(),
            vec![(b"a".to_vec(), map("position", 1))]
        );
        assert_eq!(unpack(pack(7, 12345)), (7, 12345));
    }
}
