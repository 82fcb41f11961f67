//! Building map values with Java `LinkedHashMap.put` semantics (a repeated key keeps its
//! first position and takes the new value) in linear time, so that large header maps read
//! from untrusted bytes cannot make parsing quadratic.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use kconnect_api::Value;

/// An insertion-ordered list of map entries with a hash index over the keys.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    entries: Vec<(Value, Value)>,
    index: HashMap<u64, Vec<usize>>,
    hasher: RandomState,
}

impl Entries {
    /// Adds an entry, or replaces the value of an equal key where it stands.
    pub(crate) fn put(&mut self, key: Value, value: Value) {
        let mut state = self.hasher.build_hasher();
        fingerprint(&key, &mut state);
        let slots = self.index.entry(state.finish()).or_default();
        if let Some(&i) = slots.iter().find(|&&i| self.entries[i].0 == key) {
            self.entries[i].1 = value;
        } else {
            slots.push(self.entries.len());
            self.entries.push((key, value));
        }
    }

    /// The entries in insertion order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, (Value, Value)> {
        self.entries.iter()
    }

    /// The entries as a map value.
    pub(crate) fn into_value(self) -> Value {
        Value::Map(self.entries)
    }
}

/// Feeds a hash consistent with `Value`'s equality: equal values (floats by bits, maps in any
/// order) hash alike.
fn fingerprint(value: &Value, state: &mut impl Hasher) {
    std::mem::discriminant(value).hash(state);
    match value {
        Value::Null => {}
        Value::Int8(v) => v.hash(state),
        Value::Int16(v) => v.hash(state),
        Value::Int32(v) => v.hash(state),
        Value::Int64(v) | Value::Instant(v) => v.hash(state),
        Value::Float32(v) => v.to_bits().hash(state),
        Value::Float64(v) => v.to_bits().hash(state),
        Value::Boolean(v) => v.hash(state),
        Value::String(v) => v.hash(state),
        Value::Bytes(v) => v.hash(state),
        Value::Decimal(v) => v.hash(state),
        Value::Array(items) => {
            items.len().hash(state);
            for item in items {
                fingerprint(item, state);
            }
        }
        Value::Map(entries) => {
            // Order-independent: combine per-entry hashes commutatively.
            let combined = entries.iter().fold(0u64, |acc, (k, v)| {
                let mut entry = FoldHasher::default();
                fingerprint(k, &mut entry);
                fingerprint(v, &mut entry);
                acc.wrapping_add(entry.finish())
            });
            entries.len().hash(state);
            combined.hash(state);
        }
        Value::Struct(s) => {
            for item in s.values() {
                fingerprint(item, state);
            }
        }
    }
}

/// A small deterministic hasher for the per-entry hashes of nested map keys (FNV-1a).
struct FoldHasher(u64);

impl Default for FoldHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for FoldHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_keep_their_place() {
        let mut e = Entries::default();
        e.put(Value::from("a"), Value::Int8(1));
        e.put(Value::from("b"), Value::Int8(2));
        e.put(Value::from("a"), Value::Int8(3));
        e.put(Value::Int8(1), Value::Null);
        e.put(Value::Int16(1), Value::Null);
        assert_eq!(e.iter().count(), 4);
        let keys: Vec<&Value> = e.iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                &Value::from("a"),
                &Value::from("b"),
                &Value::Int8(1),
                &Value::Int16(1)
            ]
        );
        assert_eq!(e.iter().next().map(|(_, v)| v), Some(&Value::Int8(3)));
    }

    #[test]
    fn map_keys_match_in_any_order() {
        let one = Value::Map(vec![
            (Value::from("x"), Value::Int8(1)),
            (Value::from("y"), Value::Int8(2)),
        ]);
        let other = Value::Map(vec![
            (Value::from("y"), Value::Int8(2)),
            (Value::from("x"), Value::Int8(1)),
        ]);
        let mut e = Entries::default();
        e.put(one, Value::Int8(1));
        e.put(other, Value::Int8(2));
        assert_eq!(e.iter().count(), 1);
        assert_eq!(
            e.into_value(),
            Value::Map(vec![(
                Value::Map(vec![
                    (Value::from("x"), Value::Int8(1)),
                    (Value::from("y"), Value::Int8(2)),
                ]),
                Value::Int8(2)
            )])
        );
    }

    #[test]
    fn many_keys_stay_fast() {
        let mut e = Entries::default();
        for i in 0..50_000i32 {
            e.put(Value::Int32(i), Value::Null);
        }
        assert_eq!(e.iter().count(), 50_000);
    }
}
