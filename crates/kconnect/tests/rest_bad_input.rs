//! End-to-end: what clients send wrong gets the right status code and a message naming the
//! problem, and nothing a client sends crashes the worker or corrupts its stored state.

#![allow(clippy::unwrap_used)]

mod common;

use common::Kconnect;
use kconnect_testkit::{unique, Broker};
use serde_json::{json, Value};

fn error(code: u16, message: &str) -> (u16, Value) {
    (code, json!({"error_code": code, "message": message}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_java_codes_and_clear_messages() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.start(&[]);
    k.wait_rest().await;
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "").unwrap();
    // The broker is shared by the test run: the topic is this test's own.
    let source = json!({"connector.class": "FileStreamSource", "file": input.to_str().unwrap(), "topic": unique("bad-input")});

    // Bodies that are not what the endpoint takes.
    let r = k
        .send(
            "POST",
            "/connectors",
            Some("application/json"),
            Some("{\"name\": \"x\",".into()),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Malformed JSON in the request body: "),
        "{}",
        r.body
    );
    let r = k
        .send(
            "POST",
            "/connectors",
            Some("text/plain"),
            Some("name=x".into()),
        )
        .await;
    assert_eq!(
        (r.status, r.body),
        error(415, "HTTP 415 Unsupported Media Type")
    );
    let r = k
        .send(
            "POST",
            "/connectors",
            Some("application/json"),
            Some(String::new()),
        )
        .await;
    assert_eq!(
        (r.status, r.body),
        error(
            400,
            "The request body is empty; a JSON document is required"
        )
    );
    assert_eq!(
        k.call("POST", "/connectors", Some(json!({"name": "x"})))
            .await,
        error(
            400,
            "The request body has no \"config\" object with the connector configuration"
        )
    );
    assert_eq!(
        k.call(
            "POST",
            "/connectors",
            Some(json!({"name": "x", "config": {"file": ["a"]}}))
        )
        .await,
        error(
            400,
            "The value of configuration 'file' must be a string, not a JSON array"
        )
    );
    assert_eq!(
        k.call(
            "POST",
            "/connectors",
            Some(json!({"name": "x", "config": source, "initial_state": "SLEEPING"}))
        )
        .await,
        error(
            400,
            "Invalid initial_state 'SLEEPING': expected RUNNING, PAUSED or STOPPED"
        )
    );

    // Configurations that are wrong.
    assert_eq!(
        k.call(
            "POST",
            "/connectors",
            Some(json!({"name": "x", "config": {"tasks.max": "1"}}))
        )
        .await,
        error(
            400,
            "Connector config {name=x, tasks.max=1} contains no connector type"
        )
    );
    let (code, body) = k
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": "x", "config": {"connector.class": "com.example.Nope"}})),
        )
        .await;
    assert_eq!(code, 400);
    let msg = body["message"].as_str().unwrap();
    assert!(msg.starts_with("Failed to find any class that implements Connector and which name matches com.example.Nope, available connectors are: ") && msg.contains("org.apache.kafka.connect.file.FileStreamSourceConnector"), "{msg}");
    let mut bad = source.clone();
    bad["tasks.max"] = json!("0");
    bad.as_object_mut().unwrap().remove("topic");
    assert_eq!(
        k.call("POST", "/connectors", Some(json!({"name": "x", "config": bad}))).await,
        error(400, "Connector configuration is invalid and contains the following 2 error(s):\nInvalid value 0 for configuration tasks.max: Value must be at least 1\nMissing required configuration \"topic\" which has no default value.\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
    );
    let (code, body) = k
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": "", "config": source})),
        )
        .await;
    assert_eq!(code, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("for configuration name"),
        "{body}"
    );
    assert_eq!(
        k.call(
            "PUT",
            "/connectors/x/config",
            Some(json!({"name": "y", "connector.class": "FileStreamSource"}))
        )
        .await,
        error(
            400,
            "Connector name configuration (y) doesn't match connector name in the URL (x)"
        )
    );

    // Duplicates and unknown names.
    assert_eq!(
        k.call(
            "POST",
            "/connectors",
            Some(json!({"name": "ok", "config": source}))
        )
        .await
        .0,
        201
    );
    assert_eq!(
        k.call(
            "POST",
            "/connectors",
            Some(json!({"name": "ok", "config": source}))
        )
        .await,
        error(409, "Connector ok already exists")
    );
    assert_eq!(
        k.get("/connectors/nope").await,
        error(404, "Connector nope not found")
    );
    assert_eq!(
        k.get("/connectors/nope/config").await,
        error(404, "Connector nope not found")
    );
    assert_eq!(
        k.get("/connectors/nope/tasks").await,
        error(404, "Connector nope not found")
    );
    assert_eq!(
        k.get("/connectors/nope/status").await,
        error(404, "No status found for connector nope")
    );
    assert_eq!(
        k.get("/connectors/ok/tasks/7/status").await,
        error(404, "No status found for task ok-7")
    );
    assert_eq!(
        k.get("/connectors/ok/tasks/x/status").await,
        error(404, "HTTP 404 Not Found")
    );
    assert_eq!(
        k.call("POST", "/connectors/ok/tasks/7/restart", None).await,
        error(404, "Task ok-7 not found")
    );
    assert_eq!(
        k.call("POST", "/connectors/nope/restart", None).await,
        error(404, "Connector nope not found")
    );
    assert_eq!(
        k.call("POST", "/connectors/nope/restart?includeTasks=true", None)
            .await,
        error(404, "Unknown connector: nope")
    );
    assert_eq!(
        k.call("PUT", "/connectors/nope/pause", None).await,
        error(404, "Unknown connector nope")
    );
    assert_eq!(
        k.call("PUT", "/connectors/nope/resume", None).await,
        error(404, "Unknown connector nope")
    );
    assert_eq!(
        k.call("PUT", "/connectors/nope/stop", None).await,
        error(404, "Unknown connector nope")
    );
    assert_eq!(
        k.call("DELETE", "/connectors/nope", None).await,
        error(404, "Connector nope not found")
    );
    assert_eq!(
        k.call("PATCH", "/connectors/nope/config", Some(json!({"a": "b"})))
            .await,
        error(404, "Connector nope not found")
    );
    assert_eq!(
        k.get("/connectors/nope/offsets").await,
        error(404, "Connector nope not found")
    );
    assert_eq!(
        k.call("PATCH", "/connectors/ok/offsets", Some(json!({})))
            .await,
        error(
            400,
            "Partitions / offsets need to be provided for an alter offsets request"
        )
    );
    assert_eq!(
        k.call(
            "PATCH",
            "/connectors/ok/offsets",
            Some(json!({"offsets": [{"offset": null}]}))
        )
        .await,
        error(
            400,
            "Every element of \"offsets\" needs a \"partition\" JSON object"
        )
    );
    assert_eq!(
        k.get("/connectors/nope/topics").await,
        (200, json!({"nope": {"topics": []}}))
    );

    // Routing.
    assert_eq!(
        k.get("/no/such/path").await,
        error(404, "HTTP 404 Not Found")
    );
    assert_eq!(
        k.call("DELETE", "/connectors", None).await,
        error(405, "HTTP 405 Method Not Allowed")
    );

    // Plugins and validation.
    assert_eq!(
        k.get("/connector-plugins/Nope/config").await,
        error(404, "Unknown plugin Nope.")
    );
    assert_eq!(
        k.call(
            "PUT",
            "/connector-plugins/FileStreamSource/config/validate",
            Some(json!({"connector.class": "FileStreamSink"}))
        )
        .await,
        error(
            400,
            "Included connector type FileStreamSink does not match request type FileStreamSource"
        )
    );
    let (code, infos) = k
        .call(
            "PUT",
            "/connector-plugins/FileStreamSource/config/validate",
            Some(json!({"connector.class": "FileStreamSource", "tasks.max": "0", "name": "v"})),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        (infos["name"].clone(), infos["error_count"].clone()),
        (json!("FileStreamSource"), json!(2))
    );
    let by_name = |n: &str| {
        infos["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"]["name"] == n)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        by_name("tasks.max")["value"],
        json!({"name": "tasks.max", "value": "0", "recommended_values": [], "errors": ["Invalid value 0 for configuration tasks.max: Value must be at least 1"], "visible": true})
    );
    assert_eq!(by_name("tasks.max")["definition"]["type"], "INT");
    assert_eq!(
        by_name("topic")["value"]["errors"],
        json!(["Missing required configuration \"topic\" which has no default value."])
    );
    assert!(
        infos["groups"]
            .as_array()
            .unwrap()
            .contains(&json!("Common")),
        "{infos}"
    );

    // Loggers.
    assert_eq!(
        k.call("PUT", "/admin/loggers/root", Some(json!({}))).await,
        error(
            400,
            "Desired 'level' parameter was not specified in request."
        )
    );
    assert_eq!(
        k.call("PUT", "/admin/loggers/root", Some(json!({"level": "LOUD"})))
            .await,
        error(404, "invalid log level 'LOUD'.")
    );
    assert_eq!(
        k.get("/admin/loggers/no.such.logger").await,
        error(404, "Logger no.such.logger not found.")
    );

    // The worker survived, and what it stored is intact.
    assert_eq!(k.get("/connectors").await, (200, json!(["ok"])));
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    let stored: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("connect.offsets.connectors.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        stored["connectors"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["ok"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_never_shown_and_loggers_change_at_runtime() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.start(&[]);
    k.wait_rest().await;
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "").unwrap();
    let config = json!({"connector.class": "FileStreamSource", "file": input.to_str().unwrap(), "topic": unique("passwords"), "producer.override.ssl.key.password": "s3cret"});
    let (code, info) = k
        .call("PUT", "/connectors/p/config", Some(config.clone()))
        .await;
    assert_eq!(
        (code, &info["config"]["producer.override.ssl.key.password"]),
        (201, &json!("[hidden]"))
    );
    assert_eq!(
        k.get("/connectors/p/config").await.1["producer.override.ssl.key.password"],
        "[hidden]"
    );
    assert_eq!(
        k.get("/connectors/p/tasks").await.1[0]["config"]["producer.override.ssl.key.password"],
        "[hidden]"
    );
    assert!(!k
        .get("/connectors?expand=info")
        .await
        .1
        .to_string()
        .contains("s3cret"));
    // Writing back what was read keeps the secret.
    let (_, shown) = k.get("/connectors/p/config").await;
    assert_eq!(
        k.call("PUT", "/connectors/p/config", Some(shown)).await.0,
        200
    );
    let stored =
        std::fs::read_to_string(dir.path().join("connect.offsets.connectors.json")).unwrap();
    assert!(
        stored.contains("s3cret") && !stored.contains("[hidden]"),
        "{stored}"
    );

    let (code, loggers) = k.get("/admin/loggers").await;
    assert_eq!(
        (code, &loggers["root"]),
        (200, &json!({"level": "INFO", "last_modified": null}))
    );
    let (code, changed) = k
        .call(
            "PUT",
            "/admin/loggers/kconnect_runtime",
            Some(json!({"level": "debug"})),
        )
        .await;
    assert_eq!(code, 200);
    let changed: Vec<&str> = changed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        changed.contains(&"kconnect_runtime")
            && changed.iter().all(|n| n.starts_with("kconnect_runtime")),
        "{changed:?}"
    );
    let (_, level) = k.get("/admin/loggers/kconnect_runtime").await;
    assert_eq!(level["level"], "DEBUG");
    assert!(level["last_modified"].as_i64().unwrap() > 0);
    assert_eq!(
        k.get("/admin/loggers").await.1["kconnect_runtime"]["level"],
        "DEBUG"
    );
    let r = k
        .send(
            "PUT",
            "/admin/loggers/kconnect_runtime?scope=cluster",
            Some("application/json"),
            Some(json!({"level": "WARN"}).to_string()),
        )
        .await;
    assert_eq!((r.status, r.body), (204, Value::Null));
    assert_eq!(
        k.get("/admin/loggers/kconnect_runtime").await.1["level"],
        "WARN"
    );
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
