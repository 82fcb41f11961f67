//! End-to-end: `${provider:path:key}` placeholders (config providers) in worker and connector
//! configurations are resolved for the connector and its tasks, and never shown or stored
//! resolved: REST, the standalone connectors file and the config topic hold the placeholder.
//! The Apache Kafka broker is shared by the test run, so topics and groups are unique.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::cluster::wait_healthy;
use common::Kconnect;
use kconnect_testkit::{unique, Broker, TopicReader};
use serde_json::{json, Value};

const SECRET: &str = "tok-5f1d0e";

/// Secrets for one test: a properties file (the input file's path and a token), a
/// directory with one file per secret (the topic), and the worker lines naming the
/// providers, limited to the test's directory.
struct Secrets {
    properties: String,
    directory: String,
    input: std::path::PathBuf,
    worker: String,
}

fn secrets(dir: &Path, topic: &str) -> Secrets {
    let input = dir.join(format!("{}.txt", unique("input")));
    std::fs::write(&input, "one\ntwo\nthree\n").unwrap();
    let properties = dir.join("secrets.properties");
    std::fs::write(
        &properties,
        format!("input={}\ntoken={SECRET}\nflush=700\n", input.display()),
    )
    .unwrap();
    let directory = dir.join("mounted");
    std::fs::create_dir(&directory).unwrap();
    std::fs::write(directory.join("topic"), topic).unwrap();
    let worker = format!(
        "config.providers=file,dir\nconfig.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\nconfig.providers.file.param.allowed.paths={d}\nconfig.providers.dir.class=DirectoryConfigProvider\nconfig.providers.dir.param.allowed.paths={d}\n",
        d = dir.display()
    );
    Secrets {
        properties: properties.display().to_string(),
        directory: directory.display().to_string(),
        input,
        worker,
    }
}

fn connector(s: &Secrets) -> Value {
    json!({
        "connector.class": "FileStreamSource",
        "file": format!("${{file:{}:input}}", s.properties),
        "topic": format!("${{dir:{}:topic}}", s.directory),
        "secret.token": format!("${{file:{}:token}}", s.properties),
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    })
}

/// Creates the connector `src` from the test's placeholders.
async fn create_source(k: &Kconnect, s: &Secrets) -> Value {
    let (status, body) = k
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": "src", "config": connector(s)})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

/// Every line of the input reached the topic: the task read the resolved file name and
/// wrote to the resolved topic.
fn assert_delivered(broker: &Broker, topic: &str, k: &Kconnect) {
    let records = TopicReader::new(broker).read(topic, 1, 3, Duration::from_secs(60));
    let values: Vec<String> = records
        .iter()
        .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned())
        .collect();
    assert_eq!(values, vec!["one", "two", "three"], "{}", k.log());
}

/// REST shows the placeholders as written, in the connector's and the tasks'
/// configurations and in a validation report.
async fn assert_rest_unresolved(k: &Kconnect, name: &str, s: &Secrets) {
    let mut written = connector(s);
    written["name"] = json!(name);
    let (status, config) = k.get(&format!("/connectors/{name}/config")).await;
    assert_eq!(status, 200);
    for key in ["file", "topic", "secret.token"] {
        assert_eq!(config[key], written[key], "{config}");
    }
    let (_, tasks) = k.get(&format!("/connectors/{name}/tasks")).await;
    assert_eq!(tasks[0]["config"]["file"], written["file"], "{tasks}");
    assert_eq!(
        tasks[0]["config"]["secret.token"], written["secret.token"],
        "{tasks}"
    );
    let (_, tasks_config) = k.get(&format!("/connectors/{name}/tasks-config")).await;
    let text = tasks_config.to_string();
    assert!(text.contains("${file:") && !text.contains(SECRET), "{text}");

    let (status, report) = k
        .call(
            "PUT",
            "/connector-plugins/FileStreamSource/config/validate",
            Some(written.clone()),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["error_count"], 0, "{report}");
    let text = report.to_string();
    assert!(!text.contains(SECRET), "{text}");
    let file_value = report["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"]["name"] == "file")
        .map(|c| c["value"]["value"].clone());
    assert_eq!(file_value, Some(written["file"].clone()), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standalone_resolves_placeholders_for_tasks_and_stores_them_unresolved() {
    let broker = Broker::shared();
    let topic = unique("providers-standalone");
    broker.create_topic(&topic, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let s = secrets(dir.path(), &topic);
    // A worker setting given by a placeholder is resolved at startup: an unresolved
    // `offset.flush.interval.ms` would not parse as a number.
    let worker = format!(
        "{}offset.flush.interval.ms=${{file:{}:flush}}\n",
        s.worker, s.properties
    );
    let mut k = Kconnect::new(dir.path(), &broker, &worker);
    k.start(&[]);
    k.wait_rest().await;
    let body = create_source(&k, &s).await;
    assert_eq!(body["config"]["file"], connector(&s)["file"], "{body}");
    assert_delivered(&broker, &topic, &k);
    assert_rest_unresolved(&k, "src", &s).await;

    // Configurations that fail with a resolved value in them: the errors show the
    // placeholder (the helpers fail the test if an answer holds the secret).
    let token = format!("${{file:{}:token}}", s.properties);
    for bad in [
        json!({"name": "no-class", "config": {"secret.token": token}}),
        json!({"name": "bad-max", "config": {"connector.class": "FileStreamSource", "topic": "t", "tasks.max": token}}),
        json!({"name": "bad-class", "config": {"connector.class": token, "topic": "t"}}),
    ] {
        let (status, body) = k.call("POST", "/connectors", Some(bad.clone())).await;
        assert_eq!(status, 400, "{bad}: {body}");
        let text = body.to_string();
        assert!(
            text.contains("${file:")
                || text.contains(
                    "the value resolved from the config provider reference failed validation"
                ),
            "{bad}: {body}"
        );
    }
    let (status, body) = k
        .call(
            "PUT",
            "/connector-plugins/FileStreamSource/config/validate",
            Some(json!({"name": "bad-max", "connector.class": "FileStreamSource", "topic": "t", "tasks.max": token})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["error_count"], 1, "{body}");
    assert_eq!(k.stop(), Some(0), "{}", k.log());

    let stored =
        std::fs::read_to_string(dir.path().join("connect.offsets.connectors.json")).unwrap();
    assert!(stored.contains("${file:"), "{stored}");
    let input_name = s.input.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        !stored.contains(SECRET) && !stored.contains(&input_name),
        "{stored}"
    );
    assert!(!k.log().contains(SECRET), "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_config_topic_holds_placeholders() {
    let broker = Broker::shared();
    let group = unique("providers-cluster");
    let topic = format!("{group}-data");
    broker.create_topic(&topic, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let s = secrets(dir.path(), &topic);
    let mut k = Kconnect::new_distributed(&dir.path().join("w0"), &broker, &group, &s.worker);
    k.start_distributed();
    wait_healthy(&k).await;
    create_source(&k, &s).await;
    assert_delivered(&broker, &topic, &k);
    assert_rest_unresolved(&k, "src", &s).await;

    // The config topic holds the connector record and the task record, both with the
    // placeholders and neither with what they resolve to.
    let records =
        TopicReader::new(&broker).read(&format!("{group}-configs"), 1, 5, Duration::from_secs(30));
    let values: Vec<String> = records
        .iter()
        .filter_map(|r| r.value.as_deref())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    let input_name = s.input.file_name().unwrap().to_string_lossy().into_owned();
    let with_placeholder = values.iter().filter(|v| v.contains("${file:")).count();
    assert!(with_placeholder >= 2, "{values:?}");
    for v in &values {
        assert!(!v.contains(SECRET) && !v.contains(&input_name), "{v}");
    }
    assert!(!k.log().contains(SECRET), "{}", k.log());
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_provider_class_stops_the_worker() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let k = Kconnect::new(
        dir.path(),
        &broker,
        "config.providers=vault\nconfig.providers.vault.class=com.example.VaultConfigProvider\n",
    );
    let (code, out) = k.run_to_exit(&[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("config.providers.vault.class")
            && out.contains("com.example.VaultConfigProvider"),
        "{out}"
    );
}
