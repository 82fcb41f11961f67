//! Helpers for end-to-end tests: a kconnect process with worker and connector files.
//!
//! The tests share the Apache Kafka broker of the test run (`Broker::shared`) and stay
//! independent through names of their own (`kconnect_testkit::unique`): every topic they
//! create or have a connector use, every sink connector (its consumer group is
//! `connect-<name>`) and every distributed group.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kconnect_testkit::{free_port, Broker, JavaStores, TEST_PASSWORD};

pub mod cluster;
pub mod side_by_side;

/// The secrets the tests configure (broker passwords, store passwords, REST passwords,
/// values behind config providers). No REST answer and no log of any test may contain one:
/// [`Kconnect`] checks every answer its helpers receive and its log when it is dropped.
pub const TEST_SECRETS: &[&str] = &[
    REGISTRY_SECRET,
    TEST_PASSWORD,
    JavaStores::STORE_PASSWORD,
    JavaStores::KEY_PASSWORD,
    "rest-secret-7c41",
    "late-secret-90d2",
    "tok-5f1d0e",
    "app+secret/5e2c=",
];

/// A Schema Registry password the Avro tests configure.
pub const REGISTRY_SECRET: &str = "registry-secret-3e8a";

/// Fails the test if `text` holds one of [`TEST_SECRETS`].
pub fn assert_no_secret(what: &str, text: &str) {
    for secret in TEST_SECRETS {
        assert!(
            !text.contains(secret),
            "{what} shows the secret {secret}:\n{text}"
        );
    }
}

/// A working directory with a worker file and a running (or finished) kconnect process.
pub struct Kconnect {
    /// The working directory.
    pub dir: PathBuf,
    /// The REST port.
    pub port: u16,
    /// `RUST_LOG` of the process (default `info`).
    pub log_filter: String,
    /// Extra environment variables of the process (e.g. `KAFKA_OPTS`).
    pub env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Kconnect {
    /// Prepares a directory with `worker.properties` for `broker`, plus `extra` lines.
    pub fn new(dir: &Path, broker: &Broker, extra: &str) -> Self {
        let port = free_port();
        let worker = format!(
            "bootstrap.servers={}\nkey.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable=true\nvalue.converter.schemas.enable=true\noffset.storage.file.filename={}\noffset.flush.interval.ms=1000\nlisteners=http://127.0.0.1:{port}\n{extra}\n",
            broker.bootstrap(),
            dir.join("connect.offsets").display()
        );
        std::fs::write(dir.join("worker.properties"), worker).unwrap();
        Self {
            dir: dir.to_path_buf(),
            port,
            log_filter: "info".into(),
            env: Vec::new(),
            child: None,
        }
    }

    /// Appends lines to `worker.properties` (a later key replaces an earlier one).
    pub fn append_worker_lines(&self, lines: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.join("worker.properties"))
            .unwrap();
        writeln!(f, "{lines}").unwrap();
    }

    /// Writes a connector file into the directory.
    pub fn connector_file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Prepares a directory with `worker.properties` for a distributed worker of group
    /// `group` on `broker` (internal topics prefixed with the group), plus `extra` lines.
    /// Tests share the broker, so each test's group must be its own (see
    /// `kconnect_testkit::unique`).
    pub fn new_distributed(dir: &Path, broker: &Broker, group: &str, extra: &str) -> Self {
        let port = free_port();
        let worker = format!(
            "bootstrap.servers={}\ngroup.id={group}\nconfig.storage.topic={group}-configs\noffset.storage.topic={group}-offsets\nstatus.storage.topic={group}-status\nconfig.storage.replication.factor=1\noffset.storage.replication.factor=1\nstatus.storage.replication.factor=1\noffset.storage.partitions=5\nstatus.storage.partitions=2\nsession.timeout.ms=6000\nheartbeat.interval.ms=500\nrebalance.timeout.ms=20000\nkey.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\noffset.flush.interval.ms=1000\nlisteners=http://127.0.0.1:{port}\n{extra}\n",
            broker.bootstrap()
        );
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("worker.properties"), worker).unwrap();
        Self {
            dir: dir.to_path_buf(),
            port,
            log_filter: "info".into(),
            env: Vec::new(),
            child: None,
        }
    }

    /// Starts `kconnect distributed worker.properties`.
    pub fn start_distributed(&mut self) {
        self.spawn("distributed", &[]);
    }

    /// Starts `kconnect standalone worker.properties <files>`.
    pub fn start(&mut self, files: &[&Path]) {
        self.spawn("standalone", files);
    }

    fn spawn(&mut self, mode: &str, files: &[&Path]) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("kconnect.log"))
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kconnect"));
        cmd.arg(mode)
            .arg(self.dir.join("worker.properties"))
            .args(files);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd.env("RUST_LOG", &self.log_filter)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        self.child = Some(cmd.spawn().expect("spawn kconnect"));
    }

    /// Runs kconnect to completion (for startup failures) and returns (exit code, output).
    pub fn run_to_exit(&self, files: &[&Path]) -> (Option<i32>, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_kconnect"))
            .arg("standalone")
            .arg(self.dir.join("worker.properties"))
            .args(files)
            .stdin(Stdio::null())
            .output()
            .expect("run kconnect");
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        match kconnect_testkit::terminate(&mut child, Duration::from_secs(30)) {
            Ok(code) => code,
            Err(_) => panic!(
                "kconnect did not stop within 30 s of SIGTERM:\n{}",
                self.log()
            ),
        }
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the process with SIGKILL.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// What kconnect logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("kconnect.log")).unwrap_or_default()
    }

    /// GETs a REST path; returns (status, JSON body).
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let resp = reqwest::get(&url).await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        assert_no_secret(&format!("the answer to {url}"), &text);
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Creates a Java FileStreamSource connector `name` reading `input` into `topic`
    /// through this worker's REST API; returns (status, body).
    pub async fn create_file_source(
        &self,
        name: &str,
        input: &Path,
        topic: &str,
    ) -> (u16, serde_json::Value) {
        self.call(
            "POST",
            "/connectors",
            Some(serde_json::json!({"name": name, "config": {
                "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "file": input.display().to_string(),
                "topic": topic,
            }})),
        )
        .await
    }

    /// Waits until the REST API answers `GET /`.
    pub async fn wait_rest(&self) {
        let url = format!("http://127.0.0.1:{}/", self.port);
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(&url).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "REST API did not come up:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Kconnect {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if !std::thread::panicking() {
            assert_no_secret(&format!("the log in {}", self.dir.display()), &self.log());
        }
    }
}

/// Lines of a file (empty if it does not exist).
pub fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|s| s.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Waits until `path` has at least `n` lines; fails with the kconnect log otherwise.
pub fn wait_lines(path: &Path, n: usize, timeout: Duration, k: &Kconnect) -> Vec<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let got = lines(path);
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} lines in {} after {timeout:?}:\n{}",
            got.len(),
            path.display(),
            k.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes `count` numbered lines starting at `from` (appending).
pub fn append_lines(path: &Path, from: usize, count: usize) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut text = String::with_capacity(count * 24);
    for i in from..from + count {
        text.push_str(&format!("line {i} of the input ✓\n"));
    }
    f.write_all(text.as_bytes()).unwrap();
}

/// A REST response: status, `Location` header, JSON body (`Null` when empty).
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The body as JSON (`Null` if empty or not JSON).
    pub body: serde_json::Value,
}

impl Kconnect {
    /// Sends `method path` with a raw body and content type; returns the reply.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = reqwest::Client::new().request(method, &url);
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        let text = resp.text().await.unwrap();
        assert_no_secret(&format!("the answer to {url}"), &text);
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Reply {
            status,
            location,
            body,
        }
    }

    /// Sends `method path` with an optional JSON body; returns (status, JSON body).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let r = self
            .send(
                method,
                path,
                body.as_ref().map(|_| "application/json"),
                body.map(|b| b.to_string()),
            )
            .await;
        (r.status, r.body)
    }

    /// Polls `GET path` until `done(body)` holds (30 s deadline); returns the last body.
    pub async fn until(
        &self,
        path: &str,
        what: &str,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, body) = self.get(path).await;
            if done(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: GET {path} still answers {body}\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until a connector's status has `state` for the connector and for every one of
    /// `tasks` tasks; returns the status.
    pub async fn until_state(&self, name: &str, state: &str, tasks: usize) -> serde_json::Value {
        self.until(
            &format!("/connectors/{name}/status"),
            &format!("{name} {state} with {tasks} task(s)"),
            |s| {
                s["connector"]["state"] == state
                    && s["tasks"]
                        .as_array()
                        .is_some_and(|t| t.len() == tasks && t.iter().all(|t| t["state"] == state))
            },
        )
        .await
    }

    /// Stops connector `name` (`PUT /connectors/{name}/stop` answers 204) and waits until
    /// its status says STOPPED.
    pub async fn stop_connector(&self, name: &str) {
        let (code, body) = self
            .call("PUT", &format!("/connectors/{name}/stop"), None)
            .await;
        assert_eq!(code, 204, "stopping {name}: {body}");
        self.until(
            &format!("/connectors/{name}/status"),
            "connector stopped",
            |s| s["connector"]["state"] == "STOPPED",
        )
        .await;
    }

    /// The worker id (`127.0.0.1:<port>`).
    pub fn worker_id(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

fn numbered(path: &Path) -> BTreeSet<String> {
    lines(path).into_iter().collect()
}

/// Polls until every line of `input` is in `output` (duplicates allowed), or fails after
/// `timeout` with the logs of `logs`.
pub async fn until_delivered(input: &Path, output: &Path, timeout: Duration, logs: &[&Kconnect]) {
    let deadline = Instant::now() + timeout;
    loop {
        let want = numbered(input);
        let got = numbered(output);
        if want.is_subset(&got) {
            return;
        }
        if Instant::now() > deadline {
            let missing = want.difference(&got).count();
            let all: Vec<String> = logs.iter().map(|k| k.log()).collect();
            panic!(
                "{missing} input lines never reached the output\n{}",
                all.join("\n----\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Produces `values` to one partition of `topic` (created beforehand) in a single batch and
/// waits until the broker stored them all.
pub async fn produce(broker: &Broker, topic: &str, partition: i32, values: &[&str]) {
    use kconnect_kafka::rdkafka::producer::{FutureProducer, FutureRecord, Producer};
    let producer: FutureProducer = broker
        .client_props()
        .to_rdkafka()
        .unwrap()
        .create()
        .unwrap();
    let sends: Vec<_> = values
        .iter()
        .map(|v| {
            producer
                .send_result(
                    FutureRecord::<(), _>::to(topic)
                        .partition(partition)
                        .payload(*v),
                )
                .unwrap()
        })
        .collect();
    producer.flush(Duration::from_secs(30)).unwrap();
    for send in sends {
        send.await.unwrap().unwrap();
    }
}

/// Reads `topic` (one partition) until it holds `distinct` different values, or nothing more
/// arrives within a minute; returns (the number of different values, how many were read
/// more than once). Records sent again after a restart count toward what is read, so this
/// keeps reading past duplicates.
pub fn read_distinct(broker: &Broker, topic: &str, distinct: usize) -> (usize, usize) {
    let reader = kconnect_testkit::TopicReader::new(broker);
    let mut expected = distinct;
    loop {
        let got: Vec<String> = reader
            .read(topic, 1, expected, Duration::from_secs(60))
            .iter()
            .map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned())
            .collect();
        let different: BTreeSet<&String> = got.iter().collect();
        if different.len() >= distinct || got.len() < expected {
            return (different.len(), got.len() - different.len());
        }
        expected = got.len() + 1;
    }
}
