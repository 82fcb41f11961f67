//! An Apache Kafka broker for tests: a single KRaft node started from the pinned Kafka jars.
//!
//! [`Broker::shared`] gives the broker of the current test run: the first test process that
//! asks starts it, the others reuse it (tests stay independent through unique topic and group
//! names, see [`crate::unique`]), and it stops when the process that ran the tests (nextest,
//! or `cargo test`) exits. [`Broker::start`] starts a private broker, for tests that stop a
//! broker or need one of their own; it stops when dropped or when the test process exits.
//!
//! Each broker runs under a small shell watchdog in its own process group: the watchdog kills
//! the JVM when the owning process is gone, however it ended.

use std::io::{Read, Seek, SeekFrom};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kconnect_kafka::admin::{Admin, TopicSpec};
use kconnect_kafka::ClientProps;

use crate::broker_config::{self, Listener, Ports};
use crate::kafka_dist::{self, TEST_PASSWORD, TEST_USER};
use crate::tls::{self, TlsFiles};

/// How long a broker may take to answer after its JVM started.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// The watchdog: runs the JVM given as arguments, writes its pid, kills it once the owner
/// process is gone, and removes the broker's storage once it exited.
const WATCHDOG: &str = r#"owner=$1; dir=$2; shift 2
"$@" &
jvm=$!
echo "$jvm" > "$dir/broker.pid"
( tail --pid="$owner" -f /dev/null 2>/dev/null; kill -9 "$jvm" 2>/dev/null ) &
wait "$jvm"
rm -rf "$dir/data"
"#;

/// A running broker. A handle of the shared broker leaves it running when dropped; a private
/// broker is stopped.
pub struct Broker {
    dir: PathBuf,
    ports: Ports,
    tls: TlsFiles,
    jvm_pid: u32,
    /// The watchdog of a private broker.
    own: Option<Child>,
    _private_dir: Option<tempfile::TempDir>,
}

impl Broker {
    /// The broker of this test run, started by the first test that asks for it.
    ///
    /// # Panics
    /// If the broker cannot be started (the message says why, with its log).
    pub fn shared() -> Broker {
        let broker = crate::shared::attach();
        crate::failure_log::watch(&broker.log_path());
        broker
    }

    /// Starts a private broker on free loopback ports and waits until it answers.
    ///
    /// # Panics
    /// If the broker cannot be started (the message says how to install Kafka, or shows its
    /// log).
    pub fn start() -> Broker {
        Self::start_private(Ports::free(None))
    }

    /// Starts a private broker whose PLAINTEXT listener is on `port` (e.g. one a worker is
    /// already trying to reach) and waits until it answers.
    ///
    /// # Panics
    /// If the broker cannot be started.
    pub fn start_on(port: u16) -> Broker {
        Self::start_private(Ports::free(Some(port)))
    }

    fn start_private(ports: Ports) -> Broker {
        let dir = tempfile::Builder::new()
            .prefix("kconnect-broker-")
            .tempdir()
            .expect("temporary directory");
        let (mut broker, child) = launch(dir.path(), ports, std::process::id());
        broker.own = Some(child);
        broker._private_dir = Some(dir);
        crate::failure_log::watch(&broker.log_path());
        broker
    }

    /// A handle of a broker already running in `dir` (the shared broker).
    pub(crate) fn attached(dir: &Path, ports: Ports, jvm_pid: u32) -> Broker {
        Broker {
            dir: dir.to_path_buf(),
            ports,
            tls: tls_files(dir),
            jvm_pid,
            own: None,
            _private_dir: None,
        }
    }

    /// `bootstrap.servers` of the PLAINTEXT listener.
    pub fn bootstrap(&self) -> String {
        self.bootstrap_for(Listener::Plaintext)
    }

    /// `bootstrap.servers` of `listener`.
    pub fn bootstrap_for(&self, listener: Listener) -> String {
        format!("127.0.0.1:{}", self.ports.of(listener))
    }

    /// The PLAINTEXT listener's port.
    pub fn port(&self) -> u16 {
        self.ports.of(Listener::Plaintext)
    }

    /// The ports of every listener.
    pub fn ports(&self) -> Ports {
        self.ports
    }

    /// The broker JVM's process id (benchmarks read its CPU time from `/proc`).
    pub fn pid(&self) -> u32 {
        self.jvm_pid
    }

    /// The broker's CA, certificate and the client certificate for mutual TLS.
    pub fn tls(&self) -> &TlsFiles {
        &self.tls
    }

    /// The broker's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("broker.log")
    }

    /// What the broker logged so far.
    pub fn log_text(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(self.log_path()) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Client properties (librdkafka's names) for the PLAINTEXT listener.
    pub fn client_props(&self) -> ClientProps {
        let mut props = ClientProps::new();
        props.set("bootstrap.servers", self.bootstrap());
        props
    }

    /// Client properties (librdkafka's names) for `listener`, authenticating as the test
    /// user with `mechanism` on the SASL listeners and with the client certificate on SSL.
    pub fn secure_client_props(&self, listener: Listener, mechanism: &str) -> ClientProps {
        let mut props = ClientProps::new();
        props
            .set("bootstrap.servers", self.bootstrap_for(listener))
            .set("security.protocol", listener.name());
        if matches!(listener, Listener::SaslPlaintext | Listener::SaslSsl) {
            props.set("sasl.mechanism", mechanism);
            if mechanism == "OAUTHBEARER" {
                props.set("sasl.oauthbearer.config", format!("principal={TEST_USER}"));
                props.set("enable.sasl.oauthbearer.unsecure.jwt", "true");
            } else {
                props
                    .set("sasl.username", TEST_USER)
                    .set("sasl.password", TEST_PASSWORD);
            }
        }
        if matches!(listener, Listener::Ssl | Listener::SaslSsl) {
            props.set("ssl.ca.location", self.tls.ca_cert.display().to_string());
        }
        if listener == Listener::Ssl {
            props
                .set(
                    "ssl.certificate.location",
                    self.tls.client_cert.display().to_string(),
                )
                .set(
                    "ssl.key.location",
                    self.tls.client_key.display().to_string(),
                );
        }
        props
    }

    /// An admin client for this broker.
    pub fn admin(&self) -> Admin {
        Admin::new(&self.client_props()).expect("admin client")
    }

    /// Creates a topic (the broker does not create topics on first use).
    pub async fn create_topic(&self, name: &str, partitions: i32) {
        let spec = TopicSpec {
            name: name.into(),
            partitions,
            replication_factor: 1,
            configs: vec![],
        };
        self.admin()
            .create_topic(&spec)
            .await
            .expect("create topic");
    }

    /// Creates or updates a SCRAM user (both SCRAM-SHA-256 and SCRAM-SHA-512) through
    /// Kafka's Admin API, with Kafka's own `kafka-configs` tool.
    ///
    /// # Panics
    /// If the tool fails.
    pub fn upsert_scram_user(&self, user: &str, password: &str) {
        // One mechanism per request: Kafka refuses two changes of one user in a request.
        for mechanism in ["SCRAM-SHA-256", "SCRAM-SHA-512"] {
            let out = kafka_dist::kafka_java("org.apache.kafka.tools.ConfigCommand")
                .args(["--bootstrap-server", &self.bootstrap()])
                .args(["--alter", "--entity-type", "users", "--entity-name", user])
                .arg("--add-config")
                .arg(format!("{mechanism}=[iterations=4096,password={password}]"))
                .output()
                .expect("run kafka-configs");
            assert!(
                out.status.success(),
                "creating SCRAM user {user} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Stops a private broker now (it is also stopped when dropped); does nothing for the
    /// shared broker.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.own.take() {
            kill_jvm(self.jvm_pid);
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn kill_jvm(pid: u32) {
    let _ = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

fn tls_files(dir: &Path) -> TlsFiles {
    TlsFiles {
        ca_cert: dir.join("ca.pem"),
        broker_keystore: dir.join("broker-keystore.pem"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client-key.pem"),
    }
}

/// Starts a broker in `dir` watched on behalf of `owner`, and waits until every listener
/// answers. Returns the broker and its watchdog process.
pub(crate) fn launch(dir: &Path, ports: Ports, owner: u32) -> (Broker, Child) {
    let data = dir.join("data");
    let _ = std::fs::remove_dir_all(&data);
    kafka_dist::copy_dir(&kafka_dist::storage_template(), &data).expect("copy broker storage");
    let tls = tls::generate(dir);
    debug_assert_eq!(tls.ca_cert, tls_files(dir).ca_cert);
    let config = dir.join("server.properties");
    std::fs::write(
        &config,
        broker_config::server_properties(&ports, &data, &tls),
    )
    .expect("server.properties");
    let log4j = dir.join("log4j2.yaml");
    std::fs::write(&log4j, broker_config::LOG4J2).expect("log4j2.yaml");
    let _ = std::fs::remove_file(dir.join("broker.pid"));
    let log = std::fs::File::create(dir.join("broker.log")).expect("broker log file");
    let child = Command::new("sh")
        .args(["-c", WATCHDOG, "kconnect-test-broker"])
        .arg(owner.to_string())
        .arg(dir)
        .arg(kafka_dist::java())
        .args(["-Xms128m", "-Xmx1g", "-XX:+UseSerialGC", "-Xss512k"])
        .arg("-Djava.awt.headless=true")
        .arg(format!("-Dlog4j2.configurationFile={}", log4j.display()))
        .arg("-cp")
        .arg(kafka_dist::classpath())
        .arg("kafka.Kafka")
        .arg(&config)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("broker log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the Kafka broker ({e}); run scripts/setup"));
    let mut child = child;
    let jvm_pid = wait_ready(dir, &ports, &mut child);
    (Broker::attached(dir, ports, jvm_pid), child)
}

fn wait_ready(dir: &Path, ports: &Ports, watchdog: &mut Child) -> u32 {
    let deadline = Instant::now() + START_TIMEOUT;
    let log = || std::fs::read_to_string(dir.join("broker.log")).unwrap_or_default();
    let check_alive = |watchdog: &mut Child| {
        if let Ok(Some(status)) = watchdog.try_wait() {
            panic!(
                "the Kafka broker exited ({status}) before it was ready:\n{}",
                log()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the Kafka broker was not ready within {START_TIMEOUT:?}:\n{}",
            log()
        );
    };
    for listener in Listener::ALL {
        let addr = format!("127.0.0.1:{}", ports.of(listener));
        while TcpStream::connect(&addr).is_err() {
            check_alive(watchdog);
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let mut props = ClientProps::new();
    props.set(
        "bootstrap.servers",
        format!("127.0.0.1:{}", ports.of(Listener::Plaintext)),
    );
    let admin = Admin::new(&props).expect("admin client");
    while admin.partition_count("__kconnect_probe").is_err() {
        check_alive(watchdog);
        std::thread::sleep(Duration::from_millis(50));
    }
    loop {
        if let Some(pid) = std::fs::read_to_string(dir.join("broker.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            return pid;
        }
        check_alive(watchdog);
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Reads `path` from byte `from` on.
pub(crate) fn read_from(path: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        if f.seek(SeekFrom::Start(from)).is_ok() {
            let _ = f.read_to_string(&mut text);
        }
    }
    text
}
