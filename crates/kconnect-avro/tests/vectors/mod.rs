//! Confluent's AvroConverter vectors (testdata/golden/avro), for the tests of this crate.

#![allow(dead_code, clippy::unwrap_used)]

use kconnect_api::config_map;
use kconnect_api::plugin::Converter;
use kconnect_json::JsonConverter;
use serde_json::Value as Json;

/// Every case, in file order.
pub fn cases() -> Vec<Json> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/golden/avro/avro.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The JsonConverter (schemas enabled) that reads and writes the cases' `connect` and
/// `read_back` envelopes.
pub fn envelope() -> JsonConverter {
    let mut c = JsonConverter::new();
    Converter::configure(&mut c, &config_map(&[("schemas.enable", "true")]), false).unwrap();
    c
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
