//! Java `HashMap` semantics for maps read from JSON. Java's JsonConverter collects every map
//! it reads into a `java.util.HashMap`, so a repeated key keeps its first position with the
//! last value, and iteration (hence the bytes written back out) follows the hash table's
//! bucket order. This module reproduces both for keys whose Java `hashCode` is
//! deterministic (strings, numbers, booleans, dates, null, and lists/maps of those).
//!
//! Known approximation: once a bucket becomes a red-black tree (9+ keys colliding in one
//! bucket of a table of 64+ buckets, which needs adversarial or highly regular keys), Java
//! moves the tree's root to the front of the bucket and links new keys next to their tree
//! parent; here such a bucket keeps insertion order.

use kconnect_api::Value;

/// Java's `hashCode` of the object a value stands for; `None` when it is identity-based or
/// too involved to reproduce (byte arrays, structs, decimals).
pub(crate) fn java_hash_code(value: &Value) -> Option<i32> {
    Some(match value {
        Value::Null => 0,
        Value::Int8(v) => i32::from(*v),
        Value::Int16(v) => i32::from(*v),
        Value::Int32(v) => *v,
        Value::Int64(v) => (*v ^ ((*v as u64) >> 32) as i64) as i32,
        Value::Boolean(b) => {
            if *b {
                1231
            } else {
                1237
            }
        }
        Value::Float32(f) => {
            let bits = if f.is_nan() { 0x7fc0_0000 } else { f.to_bits() };
            bits as i32
        }
        Value::Float64(f) => {
            let bits = if f.is_nan() {
                0x7ff8_0000_0000_0000
            } else {
                f.to_bits()
            };
            (bits ^ (bits >> 32)) as i32
        }
        Value::String(s) => s.encode_utf16().fold(0i32, |h, unit| {
            h.wrapping_mul(31).wrapping_add(i32::from(unit))
        }),
        Value::Instant(ms) => (*ms as i32) ^ ((*ms >> 32) as i32),
        Value::Array(items) => {
            let mut h = 1i32;
            for item in items {
                h = h.wrapping_mul(31).wrapping_add(java_hash_code(item)?);
            }
            h
        }
        Value::Map(entries) => {
            let mut h = 0i32;
            for (k, v) in entries {
                h = h.wrapping_add(java_hash_code(k)? ^ java_hash_code(v)?);
            }
            h
        }
        Value::Bytes(_) | Value::Struct(_) | Value::Decimal(_) => return None,
    })
}

/// `HashMap.hash`: the high half folded into the low half.
fn spread(h: i32) -> u32 {
    let h = h as u32;
    h ^ (h >> 16)
}

/// Entries as a Java `HashMap` built by inserting them in order would hold and iterate them.
pub(crate) fn hash_map_order(entries: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
    if entries.len() < 2 {
        return entries;
    }
    let hashes: Option<Vec<u32>> = entries
        .iter()
        .map(|(k, _)| java_hash_code(k).map(spread))
        .collect();
    match hashes {
        Some(hashes) => simulate(entries, &hashes),
        None => dedupe_in_order(entries),
    }
}

/// Keys without a reproducible hash: keep insertion order, last value wins.
fn dedupe_in_order(entries: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
    let mut out: Vec<(Value, Value)> = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        match out.iter_mut().find(|(existing, _)| *existing == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    out
}

/// Replays `HashMap.put` for each entry: buckets keep insertion order, a bucket reaching
/// 9 entries in a table under 64 buckets forces a resize, and the table doubles when its
/// size exceeds 3/4 of its capacity. Iteration is bucket by bucket.
fn simulate(entries: Vec<(Value, Value)>, hashes: &[u32]) -> Vec<(Value, Value)> {
    let mut slots: Vec<Option<(Value, Value)>> = entries.into_iter().map(Some).collect();
    let mut capacity = 16usize;
    let mut table: Vec<Vec<usize>> = vec![Vec::new(); capacity];
    let mut size = 0usize;
    for i in 0..slots.len() {
        let hash = hashes[i];
        let bucket = hash as usize & (capacity - 1);
        let existing = table[bucket].iter().copied().find(|&j| {
            hashes[j] == hash
                && matches!((&slots[j], &slots[i]), (Some((a, _)), Some((b, _))) if a == b)
        });
        if let Some(j) = existing {
            let value = slots[i].take().map(|(_, v)| v).unwrap_or_default();
            if let Some((_, slot_value)) = slots[j].as_mut() {
                *slot_value = value;
            }
            continue;
        }
        let chain_len = table[bucket].len();
        table[bucket].push(i);
        if chain_len >= 8 && capacity < 64 {
            resize(&mut table, &mut capacity, hashes);
        }
        size += 1;
        if size > capacity / 4 * 3 {
            resize(&mut table, &mut capacity, hashes);
        }
    }
    table
        .into_iter()
        .flatten()
        .filter_map(|i| slots[i].take())
        .collect()
}

/// Doubles the table; each bucket splits into a low and a high bucket, keeping order.
fn resize(table: &mut Vec<Vec<usize>>, capacity: &mut usize, hashes: &[u32]) {
    let old = *capacity;
    *capacity = old * 2;
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); *capacity];
    for (index, chain) in table.drain(..).enumerate() {
        for i in chain {
            let target = if hashes[i] as usize & old == 0 {
                index
            } else {
                index + old
            };
            next[target].push(i);
        }
    }
    *table = next;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    fn keys(entries: &[(Value, Value)]) -> Vec<String> {
        entries.iter().map(|(k, _)| k.to_string()).collect()
    }

    #[test]
    fn hash_codes_match_java() {
        assert_eq!(java_hash_code(&s("hello")), Some(99_162_322));
        assert_eq!(java_hash_code(&s("\u{1F600}")), Some(1_772_899));
        assert_eq!(java_hash_code(&Value::Int64(-1)), Some(0));
        assert_eq!(java_hash_code(&Value::Float64(1.0)), Some(1_072_693_248));
        assert_eq!(java_hash_code(&Value::Boolean(true)), Some(1231));
    }

    #[test]
    fn orders_like_a_java_hash_map() {
        // "a" and "b" land in buckets 1 and 2, "name" (3373707) in 8, "id" (3355) in 11.
        let entries = vec![
            (s("name"), Value::Int32(1)),
            (s("id"), Value::Int32(2)),
            (s("b"), Value::Int32(3)),
            (s("a"), Value::Int32(4)),
        ];
        let ordered = hash_map_order(entries);
        assert_eq!(keys(&ordered), ["a", "b", "name", "id"]);
    }

    #[test]
    fn repeated_key_keeps_first_position_last_value() {
        let entries = vec![
            (s("x"), Value::Int32(1)),
            (s("y"), Value::Int32(2)),
            (s("x"), Value::Int32(3)),
        ];
        let ordered = hash_map_order(entries);
        assert_eq!(
            ordered,
            vec![(s("x"), Value::Int32(3)), (s("y"), Value::Int32(2))]
        );
        let bytes = vec![
            (Value::Bytes(vec![1]), Value::Int32(1)),
            (Value::Bytes(vec![1]), Value::Int32(2)),
        ];
        assert_eq!(hash_map_order(bytes).len(), 1);
    }

    fn ordered_keys(keys: Vec<Value>) -> Vec<String> {
        let entries = keys.into_iter().map(|k| (k, Value::Int32(1))).collect();
        self::keys(&hash_map_order(entries))
    }

    #[test]
    fn matches_orders_printed_by_java() {
        // Each expectation is `new HashMap<>()` + puts in this order, printed by OpenJDK 17.
        let ints = (0..=12).rev().map(|i| Value::Int32(i * 16 % 40)).collect();
        assert_eq!(ordered_keys(ints), ["32", "16", "0", "24", "8"]);
        // Nine keys colliding in one bucket of a small table force resizes (treeifyBin).
        let mut colliding: Vec<Value> = (0..12).map(|i| Value::Int32(i * 32 + 5)).collect();
        colliding.push(Value::Int32(3));
        assert_eq!(
            ordered_keys(colliding),
            ["3", "5", "69", "133", "197", "261", "325", "37", "101", "165", "229", "293", "357"]
        );
        let names = [
            "zeta",
            "alpha",
            "name",
            "id",
            "Aa",
            "BB",
            "customer_id",
            "amount",
            "ts",
        ];
        assert_eq!(
            ordered_keys(names.iter().map(|k| s(k)).collect()),
            [
                "zeta",
                "Aa",
                "BB",
                "amount",
                "alpha",
                "name",
                "id",
                "customer_id",
                "ts"
            ]
        );
        let longs = [-1i64, 1 << 40, 7, -7, 123_456_789_012];
        assert_eq!(
            ordered_keys(longs.iter().map(|&k| Value::Int64(k)).collect()),
            ["-1", "1099511627776", "123456789012", "-7", "7"]
        );
    }
}
