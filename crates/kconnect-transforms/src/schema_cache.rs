//! A small least-recently-used cache from input schemas to whatever a transformation derives
//! from them (usually the updated schema), so that schemas are built once, not per record.
//!
//! Java keeps an `LRUCache` of 16 entries keyed by schema equality. kconnect does the same, and
//! checks pointer identity first: records decoded by the same converter usually share one
//! `Arc<Schema>`, so the common lookup costs a pointer comparison.

use std::sync::Arc;

use kconnect_api::{ConnectResult, Schema, SchemaRef};

/// How many derived schemas each transformation keeps (Java's `LRUCache(16)`).
pub const SCHEMA_CACHE_CAPACITY: usize = 16;

/// An LRU cache keyed by schema (equality, with a pointer-identity fast path).
#[derive(Debug, Clone)]
pub struct SchemaCache<V> {
    /// Most recently used last.
    entries: Vec<(SchemaRef, V)>,
    capacity: usize,
}

impl<V: Clone> Default for SchemaCache<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Clone> SchemaCache<V> {
    /// An empty cache of [`SCHEMA_CACHE_CAPACITY`] entries.
    pub fn new() -> Self {
        Self::with_capacity(SCHEMA_CACHE_CAPACITY)
    }

    /// An empty cache holding at most `capacity` entries (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::new(),
            capacity: capacity.max(1),
        }
    }

    /// Number of cached entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &SchemaRef) -> Option<usize> {
        self.entries
            .iter()
            .rposition(|(k, _)| Arc::ptr_eq(k, key))
            .or_else(|| {
                let wanted: &Schema = key;
                self.entries.iter().rposition(|(k, _)| **k == *wanted)
            })
    }

    /// The cached value for `key`, marking it most recently used.
    pub fn get(&mut self, key: &SchemaRef) -> Option<V> {
        let index = self.position(key)?;
        let last = self.entries.len() - 1;
        if index != last {
            let entry = self.entries.remove(index);
            self.entries.push(entry);
        }
        self.entries.last().map(|(_, v)| v.clone())
    }

    /// Caches a value, evicting the least recently used entry when full.
    pub fn put(&mut self, key: SchemaRef, value: V) {
        if let Some(index) = self.position(&key) {
            self.entries.remove(index);
        } else if self.entries.len() >= self.capacity {
            self.entries.remove(0);
        }
        self.entries.push((key, value));
    }

    /// The cached value for `key`, or the one `build` derives (which is then cached).
    /// Failures are not cached.
    pub fn get_or_try_insert(
        &mut self,
        key: &SchemaRef,
        build: impl FnOnce() -> ConnectResult<V>,
    ) -> ConnectResult<V> {
        if let Some(value) = self.get(key) {
            return Ok(value);
        }
        let value = build()?;
        self.put(key.clone(), value.clone());
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::{ConnectError, SchemaBuilder};

    fn named(name: &str) -> SchemaRef {
        Arc::new(SchemaBuilder::struct_().name(name).into_schema())
    }

    #[test]
    fn hits_by_pointer_and_by_equality() {
        let mut cache = SchemaCache::new();
        let a = named("a");
        cache.put(a.clone(), 1);
        assert_eq!(cache.get(&a), Some(1));
        assert_eq!(cache.get(&named("a")), Some(1));
        assert_eq!(cache.get(&named("b")), None);
    }

    #[test]
    fn evicts_least_recently_used() {
        let mut cache = SchemaCache::with_capacity(2);
        cache.put(named("a"), 1);
        cache.put(named("b"), 2);
        assert_eq!(cache.get(&named("a")), Some(1));
        cache.put(named("c"), 3);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&named("b")), None);
        assert_eq!(cache.get(&named("a")), Some(1));
        assert_eq!(cache.get(&named("c")), Some(3));
    }

    #[test]
    fn builds_once_and_does_not_cache_failures() {
        let mut cache: SchemaCache<i32> = SchemaCache::new();
        let key = named("k");
        let err = cache.get_or_try_insert(&key, || Err(ConnectError::data("no")));
        assert!(err.is_err() && cache.is_empty());
        let mut calls = 0;
        for _ in 0..3 {
            let v = cache.get_or_try_insert(&key, || {
                calls += 1;
                Ok(7)
            });
            assert_eq!(v.unwrap(), 7);
        }
        assert_eq!(calls, 1);
    }
}
