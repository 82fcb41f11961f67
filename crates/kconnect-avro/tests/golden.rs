//! Every case written by Confluent's AvroConverter (testdata/golden/avro): kconnect maps the
//! Connect schema to the same registered Avro schema text, and writes the same bytes.

#![allow(clippy::unwrap_used)]

mod vectors;

use kconnect_api::plugin::Converter;
use kconnect_avro::to_avro::to_avro;
use kconnect_avro::{encode, wire, AvroDataConfig, Reader};
use serde_json::Value as Json;
use vectors::{cases, envelope, hex};

fn config(settings: &Json) -> AvroDataConfig {
    let flag = |key: &str, default: bool| {
        settings[key]
            .as_str()
            .map_or(default, |v| v.eq_ignore_ascii_case("true"))
    };
    AvroDataConfig {
        connect_meta_data: flag("connect.meta.data", true),
        scrub_invalid_names: flag("scrub.invalid.names", false),
        enhanced_schema_support: flag("enhanced.avro.schema.support", false),
    }
}

#[test]
fn schemas_and_bytes_match_confluents_converter() {
    let mut envelope = envelope();
    let cases = cases();
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["case"].as_str().unwrap();
        let connect = case["connect"].as_str().unwrap();
        let data = envelope
            .deserialize("golden", Some(connect.as_bytes()))
            .unwrap();
        let schema = data.schema.clone().unwrap();
        let Some(expected_bytes) = case["bytes"].as_str() else {
            assert!(
                data.value.is_null(),
                "{name}: only null values have no bytes"
            );
            continue;
        };
        let expected_schema = case["registered"].as_str().unwrap();
        let settings = config(&case["settings"]);
        let avro = to_avro(&schema, &settings).unwrap().text();
        if avro != expected_schema {
            failures.push(format!(
                "{name}: registered schema\n  Confluent: {expected_schema}\n  kconnect:  {avro}"
            ));
        }
        let mut payload = Vec::new();
        match encode(&schema, &data.value, &mut payload) {
            Ok(()) => {
                let id = i32::try_from(case["schema_id"].as_i64().unwrap()).unwrap();
                let framed = wire::frame(id, &payload);
                let hex = hex(&framed);
                if hex != expected_bytes {
                    failures.push(format!(
                        "{name}: bytes\n  Confluent: {expected_bytes}\n  kconnect:  {hex}"
                    ));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn confluents_bytes_read_back_as_confluents_converter_reads_them() {
    let mut envelope = envelope();
    let mut failures = Vec::new();
    let mut read = 0;
    for case in cases() {
        let name = case["case"].as_str().unwrap();
        let Some(hex) = case["bytes"].as_str() else {
            continue;
        };
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let (id, payload) = wire::unframe(&bytes).unwrap();
        assert_eq!(i64::from(id), case["schema_id"].as_i64().unwrap(), "{name}");
        let version = i32::try_from(case["version"].as_i64().unwrap()).unwrap();
        let outcome = Reader::new(case["registered"].as_str().unwrap(), Some(version))
            .and_then(|reader| Ok((reader.schema().clone(), reader.read(payload)?)));
        match outcome {
            Ok((schema, value)) => {
                let text = envelope
                    .serialize("golden", Some(&schema), &value)
                    .map(|b| String::from_utf8(b.unwrap_or_default()).unwrap());
                let expected = case["read_back"].as_str().unwrap();
                match text {
                    Ok(t) if t == expected => read += 1,
                    Ok(t) => failures.push(format!(
                        "{name}: read back\n  Confluent: {expected}\n  kconnect:  {t}"
                    )),
                    Err(e) => failures.push(format!("{name}: {e}")),
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(read >= 29, "{read} cases read");
}
