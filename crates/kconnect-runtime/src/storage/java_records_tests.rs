//! Decoding (and re-encoding) config, status and offset records exactly as Java workers
//! write them to the internal topics (kafka-connect-spec.md §6.2-6.4).

use kconnect_api::record::OffsetMap;
use kconnect_api::{config_map, Value};

use super::config_records::{ConfigRecord, SessionKey};
use super::config_state::{ConfigState, ConfigUpdate};
use super::internal_json::InternalJson;
use super::status_records::{StatusKey, StatusRecord, TopicStatus};
use crate::task::TaskId;
use crate::worker::status::State;
use crate::worker::TargetState;

const SRC_CONFIG: &str = r#"{"properties":{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector","file":"/tmp/in.txt","name":"src","tasks.max":"2","topic":"t"}}"#;
const TASK0: &str = r#"{"properties":{"file":"/tmp/in.txt","task.class":"org.apache.kafka.connect.file.FileStreamSourceTask","topic":"t"}}"#;
const TASK1: &str = r#"{"properties":{"task.class":"org.apache.kafka.connect.file.FileStreamSourceTask","topic":"t"}}"#;

/// The config topic of a Java cluster, in order: (key, value) with `None` for tombstones.
fn java_config_topic() -> Vec<(&'static str, Option<&'static str>)> {
    vec![
        ("connector-src", Some(SRC_CONFIG)),
        (
            "target-state-src",
            Some(r#"{"state":"STARTED","state.v2":"STARTED"}"#),
        ),
        ("task-src-0", Some(TASK0)),
        ("task-src-1", Some(TASK1)),
        ("commit-src", Some(r#"{"tasks":2}"#)),
        ("tasks-fencing-src", Some(r#"{"task-count":2}"#)),
        (
            "session-key",
            Some(
                r#"{"key":"AAECAw==","algorithm":"HmacSHA256","creation-timestamp":1700000000000}"#,
            ),
        ),
        (
            "connector-my-conn-1",
            Some(r#"{"properties":{"name":"my-conn-1","tasks.max":"2"}}"#),
        ),
        ("task-my-conn-1-0", Some(r#"{"properties":{"a":"b"}}"#)),
        ("commit-my-conn-1", Some(r#"{"tasks":2}"#)),
        ("target-state-my-conn-1", Some(r#"{"state":"PAUSED"}"#)),
        (
            "restart-connector-src",
            Some(r#"{"include-tasks":true,"only-failed":false}"#),
        ),
        (
            "target-state-src",
            Some(r#"{"state":"PAUSED","state.v2":"STOPPED"}"#),
        ),
        (
            "logger-cluster-org.apache.kafka",
            Some(r#"{"level":"DEBUG"}"#),
        ),
        ("connector-gone", Some(r#"{"properties":{"name":"gone"}}"#)),
        ("connector-gone", None),
        ("target-state-gone", None),
        ("commit-gone", Some(r#"{"tasks":0}"#)),
    ]
}

#[test]
fn reads_a_java_config_topic() {
    let json = InternalJson::new();
    let mut state = ConfigState::new();
    let mut updates = Vec::new();
    for (offset, (key, value)) in java_config_topic().into_iter().enumerate() {
        let record = ConfigRecord::parse(key, value.map(str::as_bytes), &json)
            .unwrap()
            .unwrap_or_else(|| panic!("{key} not understood"));
        // What kconnect writes for the record is what Java wrote.
        assert_eq!(record.key(), key);
        let ours = record.value(&json).unwrap();
        if !value.is_some_and(|v| v.contains(r#""state":"PAUSED"}"#)) {
            assert_eq!(ours.as_deref(), value.map(str::as_bytes), "{key}");
        } else {
            // A record of a pre-STOPPED worker is rewritten with both fields.
            assert_eq!(
                ours.unwrap(),
                br#"{"state":"PAUSED","state.v2":"PAUSED"}"#.to_vec()
            );
        }
        updates.extend(state.apply(offset as i64, record));
    }
    assert_eq!(state.offset(), 18);
    assert_eq!(
        state.connectors().cloned().collect::<Vec<_>>(),
        vec!["my-conn-1", "src"]
    );
    assert_eq!(state.connector_config("src").unwrap()["tasks.max"], "2");
    assert_eq!(state.target_state("src"), Some(TargetState::Stopped));
    assert_eq!(state.target_state("my-conn-1"), Some(TargetState::Paused));
    assert_eq!(state.task_configs("src").len(), 2);
    assert_eq!(
        state.task_config(&TaskId {
            connector: "src".into(),
            task: 1
        }),
        Some(&config_map(&[
            (
                "task.class",
                "org.apache.kafka.connect.file.FileStreamSourceTask"
            ),
            ("topic", "t")
        ]))
    );
    assert_eq!(state.task_config_generation("src"), Some(0));
    assert!(state.is_inconsistent("my-conn-1"));
    assert!(state.task_configs("my-conn-1").is_empty());
    assert_eq!(state.all_tasks().len(), 2);
    assert_eq!(state.task_count_record("src"), Some(2));
    assert!(state.pending_fencing().is_empty());
    assert_eq!(
        state.session_key(),
        Some(&SessionKey {
            key: vec![0, 1, 2, 3],
            algorithm: "HmacSHA256".into(),
            creation_timestamp: 1_700_000_000_000
        })
    );
    assert!(updates.contains(&ConfigUpdate::Inconsistent("my-conn-1".into())));
    assert!(updates.contains(&ConfigUpdate::Restart {
        connector: "src".into(),
        include_tasks: true,
        only_failed: false
    }));
    assert!(updates.contains(&ConfigUpdate::ConnectorRemoved("gone".into())));
    assert!(updates.contains(&ConfigUpdate::LoggerLevel(
        "org.apache.kafka".into(),
        "DEBUG".into()
    )));
    assert_eq!(state.connector_config("gone"), None);
}

#[test]
fn a_complete_recommit_repairs_an_inconsistent_connector_and_tolerates_extra_tasks() {
    let json = InternalJson::new();
    let mut state = ConfigState::new();
    let records = [
        ("connector-c", Some(r#"{"properties":{"name":"c"}}"#)),
        ("task-c-0", Some(r#"{"properties":{"n":"0"}}"#)),
        ("commit-c", Some(r#"{"tasks":2}"#)),
        ("task-c-1", Some(r#"{"properties":{"n":"1"}}"#)),
        ("task-c-0", Some(r#"{"properties":{"n":"0b"}}"#)),
        ("task-c-2", Some(r#"{"properties":{"n":"2"}}"#)),
        ("commit-c", Some(r#"{"tasks":2}"#)),
    ];
    for (offset, (key, value)) in records.into_iter().enumerate() {
        let record = ConfigRecord::parse(key, value.map(str::as_bytes), &json)
            .unwrap()
            .unwrap();
        let update = state.apply(offset as i64, record);
        if offset == 2 {
            assert_eq!(update, Some(ConfigUpdate::Inconsistent("c".into())));
        }
    }
    assert!(!state.is_inconsistent("c"));
    let tasks: Vec<_> = state
        .task_configs("c")
        .iter()
        .map(|t| t["n"].clone())
        .collect();
    assert_eq!(tasks, vec!["0b", "1"]);
}

#[test]
fn unknown_keys_and_bad_values() {
    let json = InternalJson::new();
    assert_eq!(
        ConfigRecord::parse("something-else", Some(b"{}"), &json).unwrap(),
        None
    );
    assert!(ConfigRecord::parse("commit-c", Some(br#"{"tasks":"x"}"#), &json).is_err());
    assert!(ConfigRecord::parse("target-state-c", Some(br#"{"state":"RUNNING"}"#), &json).is_err());
    assert!(ConfigRecord::parse("task-c", Some(br#"{"properties":{}}"#), &json).is_err());
    // Java writes ints; a long is accepted too.
    let commit = ConfigRecord::parse("commit-c", Some(br#"{"tasks":3}"#), &json).unwrap();
    assert_eq!(commit, Some(ConfigRecord::Commit("c".into(), 3)));
}

#[test]
fn reads_java_status_records() {
    let json = InternalJson::new();
    let running = br#"{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":7}"#;
    let status = StatusRecord::decode(running, &json).unwrap().unwrap();
    assert_eq!(
        status,
        StatusRecord {
            state: State::Running,
            trace: None,
            worker_id: "10.0.0.1:8083".into(),
            generation: 7,
            version: None,
        }
    );
    // Java 4.1+ adds the plugin version as the last field (null when unknown).
    let with_null = br#"{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":7,"version":null}"#;
    assert_eq!(status.encode(&json).unwrap(), with_null.to_vec());
    let versioned =
        br#"{"state":"RUNNING","trace":null,"worker_id":"w:1","generation":3,"version":"4.3.1"}"#;
    let status = StatusRecord::decode(versioned, &json).unwrap().unwrap();
    assert_eq!(status.version.as_deref(), Some("4.3.1"));
    assert_eq!(status.encode(&json).unwrap(), versioned.to_vec());
    let failed = br#"{"state":"FAILED","trace":"org.apache.kafka.connect.errors.ConnectException: boom\n\tat Foo.bar(Foo.java:1)\n","worker_id":"w:1","generation":2,"version":"0.1.0"}"#;
    let status = StatusRecord::decode(failed, &json).unwrap().unwrap();
    assert_eq!(status.state, State::Failed);
    assert_eq!(
        status.trace.as_deref(),
        Some("org.apache.kafka.connect.errors.ConnectException: boom\n\tat Foo.bar(Foo.java:1)\n")
    );
    assert_eq!(status.encode(&json).unwrap(), failed.to_vec());
    assert_eq!(
        StatusRecord::decode(
            br#"{"state":"DESTROYED","trace":null,"worker_id":"w","generation":1}"#,
            &json
        )
        .unwrap(),
        None
    );

    assert_eq!(
        StatusKey::parse("status-task-my-conn-12"),
        Some(StatusKey::Task(TaskId {
            connector: "my-conn".into(),
            task: 12
        }))
    );
    assert_eq!(
        StatusKey::parse("status-connector-my-conn"),
        Some(StatusKey::Connector("my-conn".into()))
    );
    assert_eq!(StatusKey::parse("status-task-x"), None);
    let topic_key = StatusKey::parse("status-topic-orders.v1:connector-src").unwrap();
    assert_eq!(topic_key.key(), "status-topic-orders.v1:connector-src");
    let topic = br#"{"topic":{"name":"orders.v1","connector":"src","task":0,"discoverTimestamp":1700000000123}}"#;
    let t = TopicStatus::decode(topic, &json).unwrap();
    assert_eq!(
        (
            t.topic.as_str(),
            t.connector.as_str(),
            t.task,
            t.discover_timestamp
        ),
        ("orders.v1", "src", 0, 1_700_000_000_123)
    );
    assert_eq!(t.encode(&json).unwrap(), topic.to_vec());
}

#[test]
fn reads_java_offset_records() {
    let json = InternalJson::new();
    let key = br#"["mm-src",{"cluster":"a","partition":3,"topic":"t"}]"#;
    let (connector, partition) = json.parse_offset_key(key).unwrap();
    assert_eq!(connector, "mm-src");
    assert_eq!(partition.get("partition"), Some(&Value::Int64(3)));
    assert_eq!(
        json.offset_key(&connector, &partition).unwrap(),
        key.to_vec()
    );
    let value = br#"{"offset":42,"ratio":0.5,"done":false,"note":null}"#;
    let offset: OffsetMap = json.parse_offset_value(value).unwrap();
    assert_eq!(offset.get("offset"), Some(&Value::Int64(42)));
    assert_eq!(offset.get("ratio"), Some(&Value::Float64(0.5)));
    assert_eq!(offset.get("done"), Some(&Value::Boolean(false)));
    assert_eq!(offset.get("note"), Some(&Value::Null));
    // Read-back maps iterate like Java's HashMap, so the rewrite may order fields differently,
    // exactly as a Java worker re-serializing the map would.
    let rewritten = json.offset_value(&offset).unwrap();
    assert_eq!(json.parse_offset_value(&rewritten).unwrap(), offset);
}
