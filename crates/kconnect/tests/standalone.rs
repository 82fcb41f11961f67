//! End-to-end tests of `kconnect standalone` on a real Apache Kafka broker: file → topic →
//! file. Tests share the broker of the test run, each with its own topics and connector names.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{append_lines, lines, wait_lines, Kconnect};
use kconnect_testkit::{unique, Broker, TopicReader};

fn source_file(
    k: &Kconnect,
    name: &str,
    input: &std::path::Path,
    topic: &str,
) -> std::path::PathBuf {
    k.connector_file(
        "source.properties",
        &format!(
            "name={name}\nconnector.class=FileStreamSource\ntasks.max=1\nfile={}\ntopic={topic}\ntopic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n",
            input.display()
        ),
    )
}

/// A sink named `name`: its consumer group is `connect-<name>`, on the shared broker.
fn sink_file(
    k: &Kconnect,
    name: &str,
    output: &std::path::Path,
    topic: &str,
) -> std::path::PathBuf {
    k.connector_file(
        "sink.json",
        &format!(
            r#"{{"name": "{name}", "config": {{"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "tasks.max": "1", "file": "{}", "topics": "{topic}"}}}}"#,
            output.display()
        ),
    )
}

/// A topic and names for a source and a sink, none used by any other test.
fn names(prefix: &str) -> (String, String, String) {
    (
        unique(prefix),
        unique(&format!("{prefix}-source")),
        unique(&format!("{prefix}-sink")),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_thousand_lines_file_to_topic_to_file() {
    let broker = Broker::shared();
    let (topic, source_name, sink_name) = names("lines");
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.txt"), dir.path().join("out.txt"));
    append_lines(&input, 0, 100_000);
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let (src, sink) = (
        source_file(&k, &source_name, &input, &topic),
        sink_file(&k, &sink_name, &output, &topic),
    );
    k.start(&[&src, &sink]);
    k.wait_rest().await;
    let got = wait_lines(&output, 100_000, Duration::from_secs(120), &k);
    assert_eq!(got, lines(&input), "output differs from input");
    let (code, status) = k.get(&format!("/connectors/{source_name}/status")).await;
    assert_eq!(code, 200);
    assert_eq!(status["connector"]["state"], "RUNNING", "{status}");
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
    assert_eq!(status["type"], "source");
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    // Every record in the topic is the JSON string envelope of one line, in order.
    let records = TopicReader::new(&broker).read(&topic, 1, 100_000, Duration::from_secs(30));
    assert_eq!(records.len(), 100_000);
    let first = String::from_utf8(records[0].value.clone().unwrap()).unwrap();
    assert_eq!(
        first,
        r#"{"schema":{"type":"string","optional":false},"payload":"line 0 of the input ✓"}"#
    );
    assert_eq!(records[0].key, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_resumes_without_duplicating_committed_data() {
    let broker = Broker::shared();
    let (topic, source_name, sink_name) = names("resume");
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.txt"), dir.path().join("out.txt"));
    append_lines(&input, 0, 5_000);
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let (src, sink) = (
        source_file(&k, &source_name, &input, &topic),
        sink_file(&k, &sink_name, &output, &topic),
    );
    k.start(&[&src, &sink]);
    wait_lines(&output, 5_000, Duration::from_secs(60), &k);
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    append_lines(&input, 5_000, 3_000);
    k.start(&[&src, &sink]);
    let got = wait_lines(&output, 8_000, Duration::from_secs(60), &k);
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    assert_eq!(got, lines(&input), "restart duplicated or lost lines");
    let records = TopicReader::new(&broker).read(&topic, 1, 8_001, Duration::from_secs(5));
    assert_eq!(
        records.len(),
        8_000,
        "the source re-sent committed lines after restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_stream_then_restart_delivers_every_line() {
    let broker = Broker::shared();
    let (topic, source_name, sink_name) = names("crash");
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.txt"), dir.path().join("out.txt"));
    let total = 300_000;
    append_lines(&input, 0, total);
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let (src, sink) = (
        source_file(&k, &source_name, &input, &topic),
        sink_file(&k, &sink_name, &output, &topic),
    );
    k.start(&[&src, &sink]);
    wait_lines(&output, 1, Duration::from_secs(60), &k);
    k.kill9();
    let partial = lines(&output).len();
    k.start(&[&src, &sink]);
    let expected: HashSet<String> = lines(&input).into_iter().collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let got: HashSet<String> = lines(&output).into_iter().collect();
        if got.is_superset(&expected) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {} distinct lines delivered after restart:\n{}",
            got.len(),
            expected.len(),
            k.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    assert!(partial < total, "the kill happened after everything was delivered ({partial} lines); the test proved nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_sample_config_files_run_unchanged() {
    let broker = Broker::shared();
    // The samples' topic `connect-test` and connector names `local-file-source` and
    // `local-file-sink`, made unique to this test: the broker is shared by every test.
    let (topic, source_name, sink_name) = (
        unique("connect-test"),
        unique("local-file-source"),
        unique("local-file-sink"),
    );
    broker.create_topic(&topic, 1).await;
    let dir = tempfile::tempdir().unwrap();
    // config/connect-standalone.properties as shipped with Kafka, with this test's broker,
    // offsets file and port.
    let port = kconnect_testkit::free_port();
    let worker = format!(
        "bootstrap.servers={}\nkey.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable=true\nvalue.converter.schemas.enable=true\noffset.storage.file.filename={}\noffset.flush.interval.ms=10000\nlisteners=http://127.0.0.1:{port}\n# plugin.path=/usr/share/java,/usr/local/share/kafka/plugins\nplugin.path=/usr/share/java\n",
        broker.bootstrap(),
        dir.path().join("connect.offsets").display()
    );
    std::fs::write(dir.path().join("connect-standalone.properties"), worker).unwrap();
    std::fs::write(
        dir.path().join("connect-file-source.properties"),
        format!("name={source_name}\nconnector.class=FileStreamSource\ntasks.max=1\nfile={}\ntopic={topic}\n", dir.path().join("test.txt").display()),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("connect-file-sink.properties"),
        format!("name={sink_name}\nconnector.class=FileStreamSink\ntasks.max=1\nfile={}\ntopics={topic}\n", dir.path().join("test.sink.txt").display()),
    )
    .unwrap();
    std::fs::write(dir.path().join("test.txt"), "foo\nbar\n").unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kconnect"))
        .current_dir(dir.path())
        .args([
            "standalone",
            "connect-standalone.properties",
            "connect-file-source.properties",
            "connect-file-sink.properties",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let out = dir.path().join("test.sink.txt");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while lines(&out).len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "sample pipeline produced nothing"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(lines(&out), ["foo", "bar"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_errors_name_the_problem() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let k = Kconnect::new(dir.path(), &broker, "");
    let missing_topic = k.connector_file(
        "a.properties",
        "name=a\nconnector.class=FileStreamSource\nfile=/tmp/x\n",
    );
    let (code, out) = k.run_to_exit(&[&missing_topic]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("topic"), "{out}");
    let unknown = k.connector_file(
        "b.properties",
        "name=b\nconnector.class=com.example.NoSuchConnector\n",
    );
    let (code, out) = k.run_to_exit(&[&unknown]);
    assert_eq!(code, Some(3), "{out}");
    assert!(
        out.contains("com.example.NoSuchConnector") && out.contains("FileStreamSourceConnector"),
        "{out}"
    );
    let (code, out) = std::process::Command::new(env!("CARGO_BIN_EXE_kconnect"))
        .args(["standalone", "/nonexistent/worker.properties"])
        .output()
        .map(|o| {
            (
                o.status.code(),
                String::from_utf8_lossy(&o.stderr).to_string(),
            )
        })
        .unwrap();
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("/nonexistent/worker.properties"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_down_at_start_then_back_resumes_without_crashing() {
    let port = kconnect_testkit::free_port();
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.txt"), dir.path().join("out.txt"));
    append_lines(&input, 0, 1_000);
    // A worker file pointing at a broker that is not there yet: written for the shared
    // broker, then pointed at `port`, where this test starts a private broker later.
    let mut k = Kconnect::new(dir.path(), &Broker::shared(), "");
    let worker = std::fs::read_to_string(dir.path().join("worker.properties")).unwrap();
    let worker = worker
        .lines()
        .map(|l| {
            if l.starts_with("bootstrap.servers=") {
                format!("bootstrap.servers=127.0.0.1:{port}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("worker.properties"), worker).unwrap();
    let (topic, source_name, sink_name) = names("late");
    let (src, sink) = (
        source_file(&k, &source_name, &input, &topic),
        sink_file(&k, &sink_name, &output, &topic),
    );
    k.start(&[&src, &sink]);
    k.wait_rest().await;
    // The worker keeps running and says why it is waiting.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !k.log().contains("is the broker up?") {
        assert!(
            std::time::Instant::now() < deadline,
            "no retry message while the broker is down:\n{}",
            k.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, status) = k.get(&format!("/connectors/{source_name}/status")).await;
    assert_eq!(code, 200);
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
    // A private broker: this test needs one that is down at first, on a port of its own.
    let _broker = Broker::start_on(port);
    let got = wait_lines(&output, 1_000, Duration::from_secs(90), &k);
    assert_eq!(got, lines(&input));
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
