//! A Tansu broker process for one test (or one demo run).

use std::io::Read;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kconnect_kafka::admin::{Admin, TopicSpec};
use kconnect_kafka::ClientProps;

/// A running broker, killed when dropped.
pub struct Broker {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

fn tansu_binary() -> PathBuf {
    if let Ok(path) = std::env::var("TANSU_BIN") {
        return PathBuf::from(path);
    }
    if let Some(home) = std::env::var_os("HOME") {
        let candidate = PathBuf::from(home).join(".cargo/bin/tansu");
        if candidate.exists() {
            return candidate;
        }
    }
    PathBuf::from("tansu")
}

impl Broker {
    /// Starts a broker on a free loopback port and waits until it answers metadata requests.
    ///
    /// # Panics
    /// If the broker cannot be started (the message says how to install it).
    pub fn start() -> Broker {
        Self::start_on(crate::free_port())
    }

    /// Starts a broker on a given loopback port (e.g. one a worker is already trying to
    /// reach) and waits until it answers.
    ///
    /// # Panics
    /// If the broker cannot be started.
    pub fn start_on(port: u16) -> Broker {
        let dir = tempfile::tempdir().expect("temporary directory");
        let log = dir.path().join("tansu.log");
        let url = format!("tcp://127.0.0.1:{port}");
        let log_file = std::fs::File::create(&log).expect("broker log file");
        let err_file = log_file.try_clone().expect("broker log file");
        let child = Command::new(tansu_binary())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .env("RUST_LOG", "warn")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start the tansu broker ({e}); run scripts/setup to install it")
            });
        let broker = Broker {
            child,
            port,
            log,
            _dir: dir,
        };
        broker.wait_ready(Duration::from_secs(30));
        broker
    }

    fn wait_ready(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let addr = format!("127.0.0.1:{}", self.port);
        while TcpStream::connect(&addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "broker did not listen on {addr}: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let admin = self.admin();
        while admin.partition_count("__kconnect_probe").is_err() {
            assert!(
                Instant::now() < deadline,
                "broker did not answer metadata: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `bootstrap.servers` for clients.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The broker's process id (benchmarks read its CPU time from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the broker logged so far.
    pub fn log_text(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Client properties pointing at this broker.
    pub fn client_props(&self) -> ClientProps {
        let mut props = ClientProps::new();
        props.set("bootstrap.servers", self.bootstrap());
        props
    }

    /// An admin client for this broker.
    pub fn admin(&self) -> Admin {
        Admin::new(&self.client_props()).expect("admin client")
    }

    /// Creates a topic (the broker does not auto-create topics).
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

    /// Stops the broker now (it is also stopped when dropped).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}
