//! Runs every case of the golden SMT vectors recorded from Kafka's own transformations
//! (`testdata/golden/smt.jsonl`): the output must be equal (schemaless values compared
//! as JSON objects), and configuration and apply errors must happen exactly where Java's do.
//! Connect data is read from and written to the JsonConverter envelopes the vectors use.

use kconnect_api::plugin::Converter;
use kconnect_api::{ConfigMap, ConnectError, ConnectRecord, SchemaAndValue};
use kconnect_json::JsonConverter;
use kconnect_transforms::transformation_by_name;
use serde_json::Value as Json;

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/golden/smt.jsonl"
);

/// JsonConverters with and without the schema envelope.
struct Json2 {
    enveloped: JsonConverter,
    bare: JsonConverter,
}

impl Json2 {
    fn new() -> Self {
        let mut enveloped = JsonConverter::new();
        let mut bare = JsonConverter::new();
        let props = |enable: &str| -> ConfigMap {
            [("schemas.enable".to_string(), enable.to_string())].into()
        };
        enveloped
            .configure(&props("true"), false)
            .expect("envelope converter");
        bare.configure(&props("false"), false)
            .expect("bare converter");
        Self { enveloped, bare }
    }

    /// `null`, `{"schemaless": x}` or `{"schema": ..., "payload": ...}` to Connect data.
    fn read(&mut self, data: &Json) -> SchemaAndValue {
        let (converter, doc) = match data {
            Json::Null => return SchemaAndValue::null(),
            Json::Object(o) if o.contains_key("schemaless") => (&mut self.bare, &o["schemaless"]),
            other => (&mut self.enveloped, other),
        };
        let bytes = serde_json::to_vec(doc).expect("JSON bytes");
        converter
            .deserialize("t", Some(&bytes))
            .expect("input the JsonConverter reads")
    }

    /// Connect data back to the vector form the expected output uses.
    fn write(&mut self, data: &SchemaAndValue, expected_form: &Json) -> Json {
        if data.schema.is_none() && data.value.is_null() {
            return Json::Null;
        }
        let schemaless = expected_form.get("schemaless").is_some() || data.schema.is_none();
        let converter = if schemaless {
            &mut self.bare
        } else {
            &mut self.enveloped
        };
        let bytes = converter
            .serialize("t", data.schema.as_ref(), &data.value)
            .expect("output the JsonConverter writes");
        let doc: Json = bytes.map_or(Json::Null, |b| {
            serde_json::from_slice(&b).expect("JSON output")
        });
        if schemaless {
            serde_json::json!({ "schemaless": doc })
        } else {
            doc
        }
    }
}

fn build_record(io: &mut Json2, spec: &Json, sink: bool) -> ConnectRecord {
    let key = io.read(&spec["key"]);
    let value = io.read(&spec["value"]);
    ConnectRecord {
        topic: spec["topic"].as_str().expect("a topic").to_string(),
        kafka_partition: spec["partition"].as_i64().map(|p| p as i32),
        key_schema: key.schema,
        key: key.value,
        value_schema: value.schema,
        value: value.value,
        timestamp: spec["timestamp"].as_i64(),
        kafka_offset: sink.then_some(42),
        ..ConnectRecord::default()
    }
}

fn config(case: &Json) -> ConfigMap {
    let Json::Object(entries) = &case["config"] else {
        panic!("config must be an object")
    };
    entries
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
            )
        })
        .collect()
}

/// Checks one case; returns a description of the mismatch, if any.
fn run_case(io: &mut Json2, case: &Json) -> Result<(), String> {
    let class = case["class"].as_str().expect("a class");
    let name = case["name"].as_str().expect("a name");
    // The vectors document a `sink` flag; where a line lacks it, the case name tells.
    let sink = case["sink"]
        .as_bool()
        .unwrap_or_else(|| name.ends_with("_sink"));
    let mut transform =
        transformation_by_name(class).ok_or_else(|| format!("unknown class {class}"))?;
    let configured = transform.configure(&config(case));
    if case.get("config_error").is_some() {
        return match configured {
            Err(ConnectError::Config(_)) => Ok(()),
            other => Err(format!("expected a config error, got {other:?}")),
        };
    }
    configured.map_err(|e| format!("configure failed: {e}"))?;
    let record = build_record(io, &case["record"], sink);
    let result = transform.apply(record);
    if case.get("apply_error").is_some() {
        return match result {
            Err(ConnectError::Config(e)) => Err(format!("apply failed with a config error: {e}")),
            Err(_) => Ok(()),
            Ok(r) => Err(format!("expected an apply error, got {r:?}")),
        };
    }
    let output = result.map_err(|e| format!("apply failed: {e}"))?;
    let expected = &case["output"];
    let Some(output) = output else {
        return if expected.is_null() {
            Ok(())
        } else {
            Err("record was dropped".into())
        };
    };
    if expected.is_null() {
        return Err(format!("expected the record to be dropped, got {output:?}"));
    }
    let actual = serde_json::json!({
        "topic": output.topic,
        "partition": output.kafka_partition,
        "key": io.write(&SchemaAndValue::new(output.key_schema.clone(), output.key.clone()), &expected["key"]),
        "value": io.write(&SchemaAndValue::new(output.value_schema.clone(), output.value.clone()), &expected["value"]),
        "timestamp": output.timestamp,
    });
    if &actual == expected {
        Ok(())
    } else {
        Err(format!("\n  expected {expected}\n  actual   {actual}"))
    }
}

#[test]
fn every_golden_smt_case_matches_kafka() {
    let text = std::fs::read_to_string(GOLDEN).expect("golden vectors");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut io = Json2::new();
    let mut failures = Vec::new();
    let mut ran = 0;
    for line in &lines {
        let case: Json = serde_json::from_str(line).expect("a JSON line");
        if let Err(why) = run_case(&mut io, &case) {
            failures.push(format!("{}: {why}", case["name"]));
        }
        ran += 1;
    }
    assert_eq!(ran, lines.len());
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{ran} golden SMT cases passed");
}
