//! A bounded least-recently-used cache (Java's access-ordered `LRUCache`), used for schema
//! JSON on the way out and parsed schemas on the way in, plus a fast non-cryptographic hasher
//! for its keys.
//!
//! The cache is a hash map from key to a slot in a slab; the slots form a doubly linked list
//! in access order, so lookups, inserts and evictions are O(1).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A fast multiply-rotate hasher (in the spirit of FxHash). Keys are schema texts or schema
/// addresses; the cache is bounded, so adversarial collisions cost at most a slower lookup.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word));
        }
        self.mix(bytes.len() as u64);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `BuildHasher` for [`FastHasher`].
pub(crate) type FastBuild = BuildHasherDefault<FastHasher>;

const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Slot<K, V> {
    key: K,
    value: V,
    prev: usize,
    next: usize,
}

/// A map holding at most `capacity` entries, evicting the least recently used one.
/// A capacity of zero (or less, as Java allows) caches nothing.
#[derive(Debug)]
pub(crate) struct LruCache<K, V> {
    map: HashMap<K, usize, FastBuild>,
    slots: Vec<Slot<K, V>>,
    head: usize,
    tail: usize,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V> LruCache<K, V> {
    /// An empty cache of the given capacity (negative means zero).
    pub(crate) fn new(capacity: i32) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(0);
        Self {
            map: HashMap::default(),
            slots: Vec::new(),
            head: NIL,
            tail: NIL,
            capacity,
        }
    }

    /// The value for a key, marking it most recently used.
    pub(crate) fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let index = *self.map.get(key)?;
        self.touch(index);
        Some(&self.slots[index].value)
    }

    /// Inserts or replaces an entry, evicting the least recently used one when full.
    pub(crate) fn put(&mut self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        if let Some(&index) = self.map.get(&key) {
            self.slots[index].value = value;
            self.touch(index);
            return;
        }
        let index = if self.slots.len() < self.capacity {
            self.slots.push(Slot {
                key: key.clone(),
                value,
                prev: NIL,
                next: NIL,
            });
            self.slots.len() - 1
        } else {
            // Reuse the least recently used slot.
            let index = self.tail;
            self.unlink(index);
            let slot = &mut self.slots[index];
            let old_key = std::mem::replace(&mut slot.key, key.clone());
            slot.value = value;
            self.map.remove(&old_key);
            index
        };
        self.map.insert(key, index);
        self.push_front(index);
    }

    /// Number of entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    fn touch(&mut self, index: usize) {
        if self.head != index {
            self.unlink(index);
            self.push_front(index);
        }
    }

    fn unlink(&mut self, index: usize) {
        let (prev, next) = (self.slots[index].prev, self.slots[index].next);
        match prev {
            NIL => self.head = next,
            p => self.slots[p].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.slots[n].prev = prev,
        }
    }

    fn push_front(&mut self, index: usize) {
        self.slots[index].prev = NIL;
        self.slots[index].next = self.head;
        if self.head != NIL {
            self.slots[self.head].prev = index;
        }
        self.head = index;
        if self.tail == NIL {
            self.tail = index;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used() {
        let mut cache: LruCache<String, i32> = LruCache::new(2);
        cache.put("a".into(), 1);
        cache.put("b".into(), 2);
        assert_eq!(cache.get("a"), Some(&1));
        cache.put("c".into(), 3);
        assert_eq!(cache.get("b"), None);
        assert_eq!(cache.get("a"), Some(&1));
        assert_eq!(cache.get("c"), Some(&3));
        cache.put("c".into(), 4);
        assert_eq!(cache.get("c"), Some(&4));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn zero_or_negative_capacity_caches_nothing() {
        for capacity in [0, -5] {
            let mut cache: LruCache<u32, u32> = LruCache::new(capacity);
            cache.put(1, 1);
            assert_eq!(cache.get(&1), None);
        }
    }

    #[test]
    fn capacity_one_replaces() {
        let mut cache: LruCache<u32, u32> = LruCache::new(1);
        for i in 0..10 {
            cache.put(i, i * 2);
            assert_eq!(cache.get(&i), Some(&(i * 2)));
        }
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(&8), None);
    }
}
