//! The JSON lines the verifiable connectors print, in Java's byte layout.
//!
//! Java builds each line as a `HashMap` and writes it with Jackson: compact JSON whose keys
//! come in the map's iteration order, which is fixed by the keys' hash codes. [`JsonLine`]
//! reproduces that order, so the lines of both implementations compare as text.
//!
//! One deliberate difference: Jackson cannot write a Connect `Struct` and Java prints
//! `Bad data can't be written as json: ...` instead of the line; kconnect writes the
//! struct's fields as a JSON object.

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine;
use kconnect_api::Value;
use serde_json::Value as Json;

/// The key/value pairs of one line, in the order they were put.
#[derive(Debug, Default, Clone)]
pub struct JsonLine {
    entries: Vec<(&'static str, Json)>,
}

impl JsonLine {
    /// An empty line.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts `key`, replacing its value if it is present (its position is kept, as in a
    /// `HashMap`).
    pub fn put(&mut self, key: &'static str, value: impl Into<Json>) -> &mut Self {
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.entries.push((key, value)),
        }
        self
    }

    /// The line as Java prints it, without the line break.
    pub fn render(&self) -> String {
        let mut order: Vec<(usize, usize)> = Vec::with_capacity(self.entries.len());
        let buckets = table_size(self.entries.len());
        for (i, (key, _)) in self.entries.iter().enumerate() {
            order.push((bucket(key, buckets), i));
        }
        order.sort_unstable();
        let mut out = String::from("{");
        for (n, (_, i)) in order.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let (key, value) = &self.entries[*i];
            out.push_str(&Json::String((*key).to_string()).to_string());
            out.push(':');
            out.push_str(&value.to_string());
        }
        out.push('}');
        out
    }
}

/// Java's `String.hashCode`.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// The bucket of `key` in a `HashMap` table of `buckets` slots (a power of two).
fn bucket(key: &str, buckets: usize) -> usize {
    let h = java_string_hash(key) as u32;
    let spread = h ^ (h >> 16);
    spread as usize & (buckets - 1)
}

/// The table size of a default `HashMap` holding `entries` keys (16, doubled whenever the
/// load factor 0.75 is exceeded).
fn table_size(entries: usize) -> usize {
    let mut size = 16;
    while entries * 4 > size * 3 {
        size *= 2;
    }
    size
}

/// A Connect value as Jackson writes the Java object it stands for (bytes as base64, structs
/// as objects of their fields).
pub fn connect_to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Int8(v) => Json::from(*v),
        Value::Int16(v) => Json::from(*v),
        Value::Int32(v) => Json::from(*v),
        Value::Int64(v) => Json::from(*v),
        Value::Float32(v) => Json::from(f64::from(*v)),
        Value::Float64(v) => Json::from(*v),
        Value::Boolean(v) => Json::from(*v),
        Value::String(v) => Json::from(v.as_str()),
        Value::Bytes(v) => Json::from(base64::engine::general_purpose::STANDARD.encode(v)),
        Value::Array(items) => Json::Array(items.iter().map(connect_to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (map_key(k), connect_to_json(v)))
                .collect(),
        ),
        Value::Struct(s) => Json::Object(
            s.schema()
                .fields
                .iter()
                .zip(s.values())
                .map(|(f, v)| (f.name.clone(), connect_to_json(v)))
                .collect(),
        ),
        Value::Instant(millis) => Json::from(*millis),
        Value::Decimal(d) => serde_json::from_str(&d.to_string()).unwrap_or(Json::Null),
    }
}

/// A map key as Jackson writes it (its `toString`).
fn map_key(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Where the tool connectors print their lines: the process's standard output, or a buffer
/// (for tests). Each [`Output::print`] writes its lines with one call, so lines of concurrent
/// tasks never interleave.
#[derive(Clone, Default)]
pub struct Output {
    buffer: Option<Arc<Mutex<Vec<u8>>>>,
}

impl Output {
    /// Standard output.
    pub fn stdout() -> Self {
        Self { buffer: None }
    }

    /// A buffer, and the output that appends to it.
    pub fn buffer() -> (Self, Arc<Mutex<Vec<u8>>>) {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        (
            Self {
                buffer: Some(buffer.clone()),
            },
            buffer,
        )
    }

    /// Writes `text` (lines, each ending with a line break). A failed write to standard
    /// output is ignored, as Java's `System.out` does.
    pub fn print(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        match &self.buffer {
            Some(buffer) => {
                if let Ok(mut b) = buffer.lock() {
                    b.extend_from_slice(text.as_bytes());
                }
            }
            None => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_in_java_hash_map_order() {
        let mut line = JsonLine::new();
        line.put("name", "v")
            .put("task", 0)
            .put("topic", "t")
            .put("time_ms", 5)
            .put("seqno", 7);
        assert_eq!(
            line.render(),
            r#"{"task":0,"seqno":7,"time_ms":5,"name":"v","topic":"t"}"#
        );
        line.put("committed", true);
        assert_eq!(
            line.render(),
            r#"{"committed":true,"task":0,"seqno":7,"time_ms":5,"name":"v","topic":"t"}"#
        );
    }

    #[test]
    fn sink_lines_and_replaced_values_keep_their_place() {
        let mut line = JsonLine::new();
        line.put("name", "s")
            .put("task", 1)
            .put("sinkTask", 0)
            .put("topic", "t")
            .put("time_ms", 1)
            .put("seqno", 2)
            .put("offset", 3);
        line.put("time_ms", 9).put("flushed", true);
        assert_eq!(
            line.render(),
            r#"{"task":1,"seqno":2,"offset":3,"time_ms":9,"name":"s","topic":"t","sinkTask":0,"flushed":true}"#
        );
    }

    #[test]
    fn hash_codes_match_java() {
        assert_eq!(java_string_hash("seqno"), 109_325_920);
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(table_size(12), 16);
        assert_eq!(table_size(13), 32);
    }

    #[test]
    fn null_and_bytes_values() {
        assert_eq!(connect_to_json(&Value::Null), Json::Null);
        assert_eq!(
            connect_to_json(&Value::Bytes(vec![1, 2])),
            Json::from("AQI=")
        );
    }

    #[test]
    fn buffer_output_collects_lines() {
        let (out, buffer) = Output::buffer();
        out.print("a\n");
        out.print("");
        out.print("b\n");
        assert_eq!(&*buffer.lock().unwrap(), b"a\nb\n");
    }
}
