//! The benchmark's records, prepared once: the JSON bytes kconnect's Datagen source writes
//! (which the plain producer sends as they are), and the lines FileStreamSink writes for them.

use kconnect_api::plugin::Converter;
use kconnect_api::ConfigMap;
use kconnect_datagen::{Shape, ShapeKind};
use kconnect_json::JsonConverter;

/// `count` records of the `struct10` shape, serialized by JsonConverter with
/// `schemas.enable=true`, stored back to back.
pub struct Payloads {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// Sum of the lengths of the sink's lines, newlines included.
    sink_bytes: u64,
    first_line: String,
}

impl Payloads {
    /// Generates the records Datagen generates with `seed`, serialized as kconnect
    /// serializes them.
    pub fn generate(count: usize, seed: u64) -> Result<Self, String> {
        let shape = Shape::new(ShapeKind::Struct10).map_err(|e| e.to_string())?;
        let mut converter = JsonConverter::new();
        let props = ConfigMap::from([("schemas.enable".to_string(), "true".to_string())]);
        converter
            .configure(&props, false)
            .map_err(|e| e.to_string())?;
        let mut bytes = Vec::with_capacity(count.saturating_mul(800));
        let mut ends = Vec::with_capacity(count);
        let mut sink_bytes = 0u64;
        let mut first_line = String::new();
        for sequence in 0..count as u64 {
            let value = shape.value(seed, sequence);
            let json = converter
                .serialize("bench", Some(shape.schema()), &value)
                .map_err(|e| e.to_string())?
                .unwrap_or_default();
            bytes.extend_from_slice(&json);
            ends.push(bytes.len());
            let line = value.to_string();
            sink_bytes += line.len() as u64 + 1;
            if sequence == 0 {
                first_line = line;
            }
        }
        Ok(Self {
            bytes,
            ends,
            sink_bytes,
            first_line,
        })
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Record `i`'s bytes.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// The last record's bytes.
    pub fn last(&self) -> &[u8] {
        self.get(self.len().saturating_sub(1))
    }

    /// Mean record size in bytes.
    pub fn mean_size(&self) -> f64 {
        self.bytes.len() as f64 / self.len().max(1) as f64
    }

    /// Size in bytes of the file FileStreamSink writes for these records.
    pub fn sink_bytes(&self) -> u64 {
        self.sink_bytes
    }

    /// The first line FileStreamSink writes (Java `Struct.toString` of record 0).
    pub fn first_line(&self) -> &str {
        &self.first_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_json_envelopes() {
        let p = Payloads::generate(3, 1).unwrap();
        assert_eq!(p.len(), 3);
        let first = std::str::from_utf8(p.get(0)).unwrap();
        assert!(
            first.starts_with(r#"{"schema":{"type":"struct","fields":["#),
            "{first}"
        );
        assert!(first.contains(r#""payload":{"id":0,"#), "{first}");
        assert!(std::str::from_utf8(p.last())
            .unwrap()
            .contains(r#""id":2,"#));
        assert!(p.mean_size() > 100.0);
        assert!(
            p.first_line().starts_with("Struct{id=0,"),
            "{}",
            p.first_line()
        );
        assert!(p.sink_bytes() > 3 * p.first_line().len() as u64 / 2);
    }
}
