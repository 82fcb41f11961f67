//! The OpenAPI document in `docs/openapi.yaml` against a running worker: every route of the
//! Kafka Connect REST API (kafka-connect-spec.md §1.4) is documented, every documented route is served (not
//! 404 from routing, not 405), every status a route answers is documented, and the bodies of
//! real responses match the documented schemas.

#![allow(clippy::unwrap_used)]

mod common;

use common::Kconnect;
use kconnect_testkit::{unique, Broker};
use serde_json::{json, Value};

fn load_doc() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/openapi.yaml"
    ))
    .unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    serde_json::to_value(yaml).unwrap()
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let mut node = doc;
            for part in r.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            resolve(doc, node)
        }
        None => v,
    }
}

/// A small JSON-schema check: type, nullable, required, properties, additionalProperties,
/// items, enum, oneOf, allOf.
fn check(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if v.is_null() && schema["nullable"] == true {
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check(doc, s, v, at, errors);
        }
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let matching = one
            .iter()
            .filter(|s| {
                let mut e = Vec::new();
                check(doc, s, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!(
                "{at}: {matching} of the oneOf alternatives match {v}"
            ));
        }
    }
    let ok = match schema["type"].as_str() {
        None => true,
        Some("object") => v.is_object(),
        Some("array") => v.is_array(),
        Some("string") => v.is_string(),
        Some("integer") => v.is_i64() || v.is_u64(),
        Some("number") => v.is_number(),
        Some("boolean") => v.is_boolean(),
        Some(other) => panic!("unknown type {other}"),
    };
    if !ok {
        errors.push(format!("{at}: expected {} but got {v}", schema["type"]));
        return;
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(v) {
            errors.push(format!("{at}: {v} is not one of {values:?}"));
        }
    }
    if let Some(obj) = v.as_object() {
        for r in schema["required"].as_array().into_iter().flatten() {
            if !obj.contains_key(r.as_str().unwrap()) {
                errors.push(format!("{at}: missing required field {r}"));
            }
        }
        for (k, field) in obj {
            if let Some(s) = schema["properties"].get(k) {
                check(doc, s, field, &format!("{at}.{k}"), errors);
            } else if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object())
            {
                check(doc, extra, field, &format!("{at}.{k}"), errors);
            } else if schema.get("properties").is_some() {
                errors.push(format!("{at}: undocumented field {k}"));
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), v.as_array()) {
        for (i, item) in list.iter().enumerate() {
            check(doc, items, item, &format!("{at}[{i}]"), errors);
        }
    }
}

/// Checks a reply against the documented responses of `method template`.
fn conforms(doc: &Value, method: &str, template: &str, status: u16, body: &Value) {
    let op = &doc["paths"][template][method.to_lowercase()];
    assert!(op.is_object(), "{method} {template} is not documented");
    let response = resolve(doc, &op["responses"][status.to_string()]);
    assert!(
        response.is_object(),
        "{method} {template} answered {status}, which is not documented: {body}"
    );
    match response["content"]["application/json"].get("schema") {
        Some(schema) => {
            let mut errors = Vec::new();
            check(doc, schema, body, "body", &mut errors);
            assert!(
                errors.is_empty(),
                "{method} {template} {status}: {errors:?}\n{body}"
            );
        }
        None => assert!(
            body.is_null(),
            "{method} {template} {status} has an undocumented body {body}"
        ),
    }
}

/// Every route of kafka-connect-spec.md §1.4 that kconnect serves.
const SPEC_ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/connectors"),
    ("POST", "/connectors"),
    ("GET", "/connectors/{connector}"),
    ("DELETE", "/connectors/{connector}"),
    ("GET", "/connectors/{connector}/config"),
    ("PUT", "/connectors/{connector}/config"),
    ("PATCH", "/connectors/{connector}/config"),
    ("GET", "/connectors/{connector}/status"),
    ("GET", "/connectors/{connector}/tasks"),
    ("GET", "/connectors/{connector}/tasks-config"),
    ("GET", "/connectors/{connector}/tasks/{task}/status"),
    ("POST", "/connectors/{connector}/tasks/{task}/restart"),
    ("POST", "/connectors/{connector}/restart"),
    ("PUT", "/connectors/{connector}/pause"),
    ("PUT", "/connectors/{connector}/resume"),
    ("PUT", "/connectors/{connector}/stop"),
    ("GET", "/connectors/{connector}/topics"),
    ("PUT", "/connectors/{connector}/topics/reset"),
    ("GET", "/connectors/{connector}/offsets"),
    ("PATCH", "/connectors/{connector}/offsets"),
    ("DELETE", "/connectors/{connector}/offsets"),
    ("GET", "/connector-plugins"),
    ("GET", "/connector-plugins/{plugin}/config"),
    ("PUT", "/connector-plugins/{plugin}/config/validate"),
    ("GET", "/admin/loggers"),
    ("GET", "/admin/loggers/{logger}"),
    ("PUT", "/admin/loggers/{logger}"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_documented_served_and_answers_as_documented() {
    let doc = load_doc();
    let documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|m| *m != "parameters")
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    for (method, path) in SPEC_ROUTES {
        assert!(
            documented.contains(&(method.to_string(), path.to_string())),
            "{method} {path} is missing from docs/openapi.yaml"
        );
    }

    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.start(&[]);
    k.wait_rest().await;

    // Every documented route is routed; with an unknown connector nothing is changed.
    for (method, template) in &documented {
        let path = template
            .replace("{connector}", "openapi-missing")
            .replace("{task}", "0")
            .replace("{plugin}", "FileStreamSource")
            .replace("{logger}", "root");
        let op = &doc["paths"][template.as_str()][method.to_lowercase()];
        let body = op.get("requestBody").map(|_| json!({}));
        let (status, reply) = k.call(method, &path, body).await;
        assert_ne!(status, 405, "{method} {path} is not served");
        assert_ne!(
            reply["message"], "HTTP 404 Not Found",
            "{method} {path} is not routed"
        );
        conforms(&doc, method, template, status, &reply);
    }

    // Real responses of a running connector match the schemas.
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "x\n").unwrap();
    // The broker is shared by the test run: the topic is this test's own.
    let topic = unique("oa");
    let config = json!({"connector.class": "FileStreamSource", "file": input.to_str().unwrap(), "topic": topic});
    let created = k
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": "oa", "config": config})),
        )
        .await;
    conforms(&doc, "POST", "/connectors", created.0, &created.1);
    assert_eq!(created.0, 201);
    k.until_state("oa", "RUNNING", 1).await;
    let checks: &[(&str, &str, &str, Option<Value>)] = &[
        ("GET", "/", "/", None),
        ("GET", "/health", "/health", None),
        ("GET", "/connectors", "/connectors", None),
        (
            "GET",
            "/connectors?expand=status&expand=info",
            "/connectors",
            None,
        ),
        ("GET", "/connectors/oa", "/connectors/{connector}", None),
        (
            "GET",
            "/connectors/oa/config",
            "/connectors/{connector}/config",
            None,
        ),
        (
            "GET",
            "/connectors/oa/status",
            "/connectors/{connector}/status",
            None,
        ),
        (
            "GET",
            "/connectors/oa/tasks",
            "/connectors/{connector}/tasks",
            None,
        ),
        (
            "GET",
            "/connectors/oa/tasks-config",
            "/connectors/{connector}/tasks-config",
            None,
        ),
        (
            "GET",
            "/connectors/oa/tasks/0/status",
            "/connectors/{connector}/tasks/{task}/status",
            None,
        ),
        (
            "GET",
            "/connectors/oa/topics",
            "/connectors/{connector}/topics",
            None,
        ),
        (
            "GET",
            "/connectors/oa/offsets",
            "/connectors/{connector}/offsets",
            None,
        ),
        (
            "PATCH",
            "/connectors/oa/config",
            "/connectors/{connector}/config",
            Some(json!({"batch.size": "10"})),
        ),
        (
            "POST",
            "/connectors/oa/restart?includeTasks=true",
            "/connectors/{connector}/restart",
            None,
        ),
        (
            "POST",
            "/connectors/oa/restart",
            "/connectors/{connector}/restart",
            None,
        ),
        (
            "POST",
            "/connectors/oa/tasks/0/restart",
            "/connectors/{connector}/tasks/{task}/restart",
            None,
        ),
        (
            "PUT",
            "/connectors/oa/pause",
            "/connectors/{connector}/pause",
            None,
        ),
        (
            "PUT",
            "/connectors/oa/resume",
            "/connectors/{connector}/resume",
            None,
        ),
        (
            "PUT",
            "/connectors/oa/stop",
            "/connectors/{connector}/stop",
            None,
        ),
        (
            "DELETE",
            "/connectors/oa/offsets",
            "/connectors/{connector}/offsets",
            None,
        ),
        (
            "PATCH",
            "/connectors/oa/offsets",
            "/connectors/{connector}/offsets",
            Some(json!({"offsets": [{"partition": {"filename": "f"}, "offset": {"position": 1}}]})),
        ),
        (
            "PUT",
            "/connectors/oa/topics/reset",
            "/connectors/{connector}/topics/reset",
            None,
        ),
        ("GET", "/connector-plugins", "/connector-plugins", None),
        (
            "GET",
            "/connector-plugins?connectorsOnly=false",
            "/connector-plugins",
            None,
        ),
        (
            "GET",
            "/connector-plugins/FileStreamSink/config",
            "/connector-plugins/{plugin}/config",
            None,
        ),
        (
            "GET",
            "/connector-plugins/org.apache.kafka.connect.transforms.InsertField$Value/config",
            "/connector-plugins/{plugin}/config",
            None,
        ),
        (
            "PUT",
            "/connector-plugins/FileStreamSink/config/validate",
            "/connector-plugins/{plugin}/config/validate",
            Some(
                json!({"connector.class": "FileStreamSink", "topics": topic, "transforms": "a", "transforms.a.type": "org.apache.kafka.connect.transforms.InsertField$Value", "value.converter": "org.apache.kafka.connect.storage.StringConverter"}),
            ),
        ),
        ("GET", "/admin/loggers", "/admin/loggers", None),
        (
            "GET",
            "/admin/loggers/root",
            "/admin/loggers/{logger}",
            None,
        ),
        (
            "PUT",
            "/admin/loggers/root",
            "/admin/loggers/{logger}",
            Some(json!({"level": "INFO"})),
        ),
        ("DELETE", "/connectors/oa", "/connectors/{connector}", None),
    ];
    for (method, path, template, body) in checks {
        let (status, reply) = k.call(method, path, body.clone()).await;
        assert!(status < 300, "{method} {path}: {status} {reply}");
        conforms(&doc, method, template, status, &reply);
    }
    let (_, plugins) = k.get("/connector-plugins?connectorsOnly=false").await;
    let kinds: Vec<&str> = plugins
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    for kind in [
        "sink",
        "source",
        "transformation",
        "predicate",
        "converter",
        "header_converter",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {plugins}");
    }
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
