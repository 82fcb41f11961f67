//! Golden vectors produced by Java's JsonConverter (Kafka 2.5): every line of
//! `testdata/golden/converter.jsonl` is read back and re-serialized in all four
//! configurations, and the bytes must match Java's exactly.

#![allow(clippy::unwrap_used)]

use kconnect_api::config_map;
use kconnect_api::plugin::Converter;
use kconnect_json::JsonConverter;
use serde_json::Value as Json;

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/golden/converter.jsonl"
);

fn converter(schemas_enable: bool, decimal_format: &str) -> JsonConverter {
    let mut c = JsonConverter::new();
    let props = config_map(&[
        ("schemas.enable", &schemas_enable.to_string()),
        ("decimal.format", decimal_format),
    ]);
    Converter::configure(&mut c, &props, false).expect("configure");
    c
}

fn text(bytes: Option<Vec<u8>>) -> Option<String> {
    bytes.map(|b| String::from_utf8(b).expect("UTF-8 output"))
}

/// Parses the envelope with schemas enabled and checks all four re-serializations.
fn check_converter_vector(name: &str, line: &Json) {
    let envelope = line["envelope"].to_string();
    let mut reader = converter(true, "BASE64");
    let parsed = reader
        .deserialize("topic", Some(envelope.as_bytes()))
        .unwrap_or_else(|e| panic!("{name}: cannot read envelope {envelope}: {e}"));
    for (format_key, format) in [
        ("decimal_format_base64", "BASE64"),
        ("decimal_format_numeric", "NUMERIC"),
    ] {
        for (enable_key, enable) in [
            ("schemas_enable_true", true),
            ("schemas_enable_false", false),
        ] {
            let expected = line[format_key][enable_key]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no {format_key}.{enable_key}"));
            let mut writer = converter(enable, format);
            let got = writer
                .serialize("topic", parsed.schema.as_ref(), &parsed.value)
                .unwrap_or_else(|e| panic!("{name} {format_key}.{enable_key}: {e}"));
            assert_eq!(
                text(got).as_deref(),
                Some(expected),
                "{name}: {format_key}.{enable_key}"
            );
        }
    }
}

/// Parses the input without schemas and checks the re-serialization (null: no bytes).
fn check_schemaless_vector(name: &str, line: &Json) {
    let input = line["input"].as_str().expect("input text");
    let mut c = converter(false, "BASE64");
    let parsed = c
        .deserialize("topic", Some(input.as_bytes()))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        parsed.schema.is_none(),
        "{name}: schemaless data has no schema"
    );
    assert_eq!(
        line["schema_is_null"].as_bool(),
        Some(true),
        "{name}: schema_is_null"
    );
    let got = text(
        c.serialize("topic", None, &parsed.value)
            .unwrap_or_else(|e| panic!("{name}: {e}")),
    );
    assert_eq!(got.as_deref(), line["reserialized"].as_str(), "{name}");
    let class = line["value_java_class"].as_str().unwrap_or_default();
    let expected_class = match class {
        "HashMap" | "ArrayList" => format!("java.util.{class}"),
        "null" => "null".to_string(),
        other => format!("java.lang.{other}"),
    };
    assert_eq!(parsed.value.java_class_name(), expected_class, "{name}");
}

#[test]
fn every_golden_vector_matches_java_bytes() {
    let content = std::fs::read_to_string(GOLDEN).expect("golden file");
    let lines: Vec<&str> = content.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut checked = 0;
    for line in &lines {
        let json: Json = serde_json::from_str(line).expect("golden line is JSON");
        let name = json["name"].as_str().unwrap_or("?").to_string();
        match json["kind"].as_str() {
            Some("converter") => check_converter_vector(&name, &json),
            Some("schemaless") => check_schemaless_vector(&name, &json),
            other => panic!("{name}: unknown kind {other:?}"),
        }
        checked += 1;
    }
    assert_eq!(checked, lines.len(), "every vector checked");
    assert!(
        checked >= 44,
        "expected the full golden file, got {checked} vectors"
    );
}
