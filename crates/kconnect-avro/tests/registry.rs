//! The Avro converter against a real Schema Registry (Apicurio Registry's Confluent API):
//! every case of Confluent's vectors is registered and written with the same schema text and
//! payload bytes, and read back as Confluent's converter reads it; incompatible schemas,
//! unknown ids and bytes of another format fail with errors that say so.

#![allow(clippy::unwrap_used)]

mod vectors;

use std::process::Command;

use kconnect_api::plugin::Converter;
use kconnect_api::{config_map, ConfigMap, Schema, SchemaBuilder, Struct, Value};
use kconnect_avro::AvroConverter;
use kconnect_testkit::SchemaRegistry;
use serde_json::Value as Json;
use vectors::{cases, envelope, hex};

fn converter(registry: &SchemaRegistry, settings: &Json, is_key: bool) -> AvroConverter {
    let mut props: ConfigMap = settings
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default();
    props.insert("schema.registry.url".into(), registry.url());
    let mut c = AvroConverter::new();
    c.configure(&props, is_key).unwrap();
    c
}

fn get(url: &str) -> Json {
    let out = Command::new("curl").args(["-s", url]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(Json::Null)
}

#[test]
fn confluents_cases_register_write_and_read_back_the_same() {
    let registry = SchemaRegistry::start();
    let mut envelope = envelope();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (n, case) in cases().iter().enumerate() {
        let name = case["case"].as_str().unwrap();
        if name.starts_with("evolution") {
            continue;
        }
        // A topic of its own: each subject then has one version, as in Confluent's run.
        let topic = format!("golden{n}");
        let is_key = case["is_key"].as_bool().unwrap();
        let mut c = converter(&registry, &case["settings"], is_key);
        let data = envelope
            .deserialize("golden", Some(case["connect"].as_str().unwrap().as_bytes()))
            .unwrap();
        let bytes = c
            .serialize(&topic, data.schema.as_ref(), &data.value)
            .unwrap();
        let Some(expected) = case["bytes"].as_str() else {
            assert!(bytes.is_none(), "{name}: a null value has no bytes");
            continue;
        };
        let bytes = bytes.unwrap();
        if hex(&bytes[5..]) != expected[10..] {
            failures.push(format!(
                "{name}: payload {} (Confluent: {})",
                hex(&bytes[5..]),
                &expected[10..]
            ));
        }
        let id = i32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        let stored = get(&format!("{}/schemas/ids/{id}", registry.url()));
        if stored["schema"] != case["registered"] {
            failures.push(format!(
                "{name}: registered {} (Confluent: {})",
                stored["schema"], case["registered"]
            ));
        }
        let back = c.deserialize(&topic, Some(&bytes)).unwrap();
        let text = envelope
            .serialize("golden", back.schema.as_ref(), &back.value)
            .unwrap()
            .unwrap();
        if String::from_utf8(text.clone()).unwrap() != case["read_back"].as_str().unwrap() {
            failures.push(format!(
                "{name}: read back {} (Confluent: {})",
                String::from_utf8_lossy(&text),
                case["read_back"]
            ));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{}\n{}",
        failures.join("\n"),
        registry.log()
    );
    assert!(checked >= 25, "{checked} cases checked");
    // The subjects follow the strategies.
    let subjects = get(&format!("{}/subjects", registry.url()));
    let subjects: Vec<&str> = subjects
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Json::as_str)
        .collect();
    assert!(subjects.contains(&"com.example.Point"), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.ends_with("-key")), "{subjects:?}");
    assert!(
        subjects.iter().any(|s| s.ends_with("-com.example.Point")),
        "{subjects:?}"
    );
}

fn user(version: i32, email: bool) -> (kconnect_api::SchemaRef, Value) {
    let mut b = SchemaBuilder::struct_()
        .name("com.example.User")
        .version(version)
        .field("id", Schema::int64());
    if email {
        b = b.field("email", Schema::optional_string());
    }
    let schema = b.build().unwrap();
    let mut s = Struct::new(schema.clone()).unwrap();
    s.put("id", 7i64).unwrap();
    (schema, Value::Struct(s))
}

#[test]
fn evolution_incompatibility_and_bad_bytes_are_told_apart() {
    let registry = SchemaRegistry::start();
    let mut c = converter(&registry, &Json::Null, false);
    let out = Command::new("curl")
        .args([
            "-s",
            "-X",
            "PUT",
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"compatibility":"BACKWARD"}"#,
        ])
        .arg(format!("{}/config/users-value", registry.url()))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("BACKWARD"));
    // Adding an optional field is a backward-compatible evolution.
    let (v1, a) = user(1, false);
    let (v2, b) = user(2, true);
    let first = c.serialize("users", Some(&v1), &a).unwrap().unwrap();
    let second = c.serialize("users", Some(&v2), &b).unwrap().unwrap();
    assert_ne!(first[1..5], second[1..5], "two schemas, two ids");
    let read = c.deserialize("users", Some(&second)).unwrap();
    assert_eq!(read.schema.unwrap().version, Some(2));
    // A field whose type changes is not.
    let changed = SchemaBuilder::struct_()
        .name("com.example.User")
        .field("id", Schema::string())
        .build()
        .unwrap();
    let mut s = Struct::new(changed.clone()).unwrap();
    s.put("id", "seven").unwrap();
    let error = c
        .serialize("users", Some(&changed), &Value::Struct(s))
        .unwrap_err();
    let text = error.to_string();
    assert!(!error.is_retriable(), "{text}");
    assert!(
        text.contains("users-value") && text.contains("BACKWARD"),
        "{text}"
    );
    // Bytes that are not in the wire format, and an id the registry does not know.
    let e = c
        .deserialize("users", Some(b"{\"id\":7}"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("magic byte"), "{e}");
    let e = c
        .deserialize("users", Some(&[0, 0, 0, 0x7f, 0x7f, 2]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown schema id 32639"), "{e}");
    // With registration off, a schema that was never registered is refused.
    let mut strict = converter(
        &registry,
        &serde_json::json!({"auto.register.schemas": "false"}),
        false,
    );
    let (other, value) = {
        let schema = SchemaBuilder::struct_()
            .name("com.example.Other")
            .field("x", Schema::int32())
            .build()
            .unwrap();
        let mut s = Struct::new(schema.clone()).unwrap();
        s.put("x", 1).unwrap();
        (schema, Value::Struct(s))
    };
    let e = strict
        .serialize("others", Some(&other), &value)
        .unwrap_err()
        .to_string();
    assert!(e.contains("others-value"), "{e}");
    // And writes a registered one under its id.
    let again = strict.serialize("users", Some(&v1), &a).unwrap().unwrap();
    assert_eq!(again, first);
}

#[test]
fn https_registries_are_trusted_through_a_trust_store() {
    let dir = tempfile::tempdir().unwrap();
    let files = kconnect_testkit::tls::generate(dir.path());
    // The server key and certificate as separate files (the key store file holds both).
    let pem = std::fs::read_to_string(&files.broker_keystore).unwrap();
    let key_end =
        pem.find("-----END PRIVATE KEY-----").unwrap() + "-----END PRIVATE KEY-----".len();
    let (key, cert) = (
        dir.path().join("server-key.pem"),
        dir.path().join("server.pem"),
    );
    std::fs::write(&key, &pem[..key_end]).unwrap();
    std::fs::write(&cert, pem[key_end..].trim_start()).unwrap();
    let registry = SchemaRegistry::start_https(&cert, &key);
    assert!(registry.url().starts_with("https://"));
    let schema = SchemaBuilder::struct_()
        .name("com.example.T")
        .field("x", Schema::int32())
        .build()
        .unwrap();
    let mut s = Struct::new(schema.clone()).unwrap();
    s.put("x", 5).unwrap();
    let value = Value::Struct(s);
    // Without the CA, the registry's certificate is not trusted.
    let mut untrusting = converter(&registry, &Json::Null, false);
    let e = untrusting
        .serialize("tls", Some(&schema), &value)
        .unwrap_err();
    assert!(e.is_retriable(), "{e}");
    // With it (a PEM trust store), writing and reading work, host name checked.
    let settings = serde_json::json!({
        "schema.registry.ssl.truststore.location": files.ca_cert.display().to_string()
    });
    let mut trusting = converter(&registry, &settings, false);
    let bytes = trusting
        .serialize("tls", Some(&schema), &value)
        .unwrap()
        .unwrap();
    let back = trusting.deserialize("tls", Some(&bytes)).unwrap();
    assert_eq!(
        back.value.as_struct().unwrap().get("x").unwrap(),
        &Value::Int32(5)
    );
    // A trust store that is not there is a configuration error naming the key and path.
    let mut props: ConfigMap = config_map(&[("schema.registry.url", &registry.url())]);
    props.insert(
        "schema.registry.ssl.truststore.location".into(),
        "/nonexistent/ca.pem".into(),
    );
    let e = AvroConverter::new()
        .configure(&props, false)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("schema.registry.ssl.truststore.location") && e.contains("/nonexistent/ca.pem"),
        "{e}"
    );
}
