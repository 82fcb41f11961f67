//! A worker process under test, kconnect's or Java Kafka Connect's: its files, its start,
//! its `/proc` figures, and a clean stop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::phases::Setup;
use crate::proc_stats;

/// The worker settings every run uses: JSON with schemas for keys and values, like the
/// Java reference figures; offsets in the run's directory; everything else default.
pub fn worker_properties(s: &Setup, dir: &Path, rest_port: u16) -> String {
    let mut text = format!(
        "bootstrap.servers={}\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\n\
         key.converter.schemas.enable=true\n\
         value.converter.schemas.enable=true\n\
         offset.storage.file.filename={}\n\
         listeners=http://127.0.0.1:{rest_port}\n",
        s.bootstrap,
        dir.join("connect.offsets").display()
    );
    for (key, value) in &s.extra {
        text.push_str(&format!("{key}={value}\n"));
    }
    text
}

/// Which implementation runs a worker.
#[derive(Debug, Clone)]
pub enum Engine {
    /// `kconnect standalone`, from this binary.
    Kconnect(PathBuf),
    /// Java Kafka Connect's `ConnectStandalone` on this classpath, with the JVM settings
    /// `connect-standalone.sh` uses by default.
    Java {
        /// The jars (`dir/*`).
        classpath: String,
    },
}

/// The JVM options `kafka-run-class.sh` and `connect-standalone.sh` use when the user sets
/// none: heap 256 MiB to 2 GiB, G1 with a 20 ms pause goal.
const JAVA_DEFAULT_OPTIONS: &[&str] = &[
    "-Xms256M",
    "-Xmx2G",
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:MaxInlineLevel=15",
    "-Djava.awt.headless=true",
    // Connect's default log4j configuration logs INFO to the console.
    "-Dlog4j2.level=INFO",
];

impl Engine {
    /// `kconnect` or `java`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Kconnect(_) => "kconnect",
            Self::Java { .. } => "java",
        }
    }

    /// The command that runs a worker on `worker_file` (standalone: with `connectors`;
    /// distributed when `connectors` is `None`).
    fn command(&self, worker_file: &Path, connectors: Option<&[PathBuf]>) -> Command {
        let distributed = connectors.is_none();
        let connectors = connectors.unwrap_or_default();
        match self {
            Self::Kconnect(binary) => {
                let mut cmd = Command::new(binary);
                cmd.arg(if distributed {
                    "distributed"
                } else {
                    "standalone"
                })
                .arg(worker_file)
                .args(connectors)
                .env("RUST_LOG", "info");
                cmd
            }
            Self::Java { classpath } => {
                let mut cmd = Command::new(kconnect_testkit::kafka_dist::java());
                cmd.args(JAVA_DEFAULT_OPTIONS)
                    .arg("-cp")
                    .arg(classpath)
                    .arg(if distributed {
                        "org.apache.kafka.connect.cli.ConnectDistributed"
                    } else {
                        "org.apache.kafka.connect.cli.ConnectStandalone"
                    })
                    .arg(worker_file)
                    .args(connectors);
                cmd
            }
        }
    }
}

/// A running standalone worker process.
pub struct Worker {
    child: Child,
    started: Instant,
    rest_port: u16,
    log: PathBuf,
    engine: &'static str,
}

impl Worker {
    /// Writes `worker.properties` and the connector files into `dir` and starts a
    /// standalone worker of `engine` on them; the clock for "time since start" starts just
    /// before the process is spawned.
    pub fn start(
        s: &Setup,
        engine: &Engine,
        dir: &Path,
        connectors: &[(&str, String)],
    ) -> Result<Self, String> {
        Self::start_with_lines(s, engine, dir, connectors, "")
    }

    /// [`Worker::start`] with `lines` appended to the worker settings (a later key replaces
    /// an earlier one).
    pub fn start_with_lines(
        s: &Setup,
        engine: &Engine,
        dir: &Path,
        connectors: &[(&str, String)],
        lines: &str,
    ) -> Result<Self, String> {
        let rest_port = kconnect_testkit::free_port();
        let mut files = Vec::new();
        for (name, content) in connectors {
            let path = dir.join(name);
            write(&path, content)?;
            files.push(path);
        }
        let props = worker_properties(s, dir, rest_port) + lines;
        Self::launch(engine, dir, rest_port, &props, Some(&files))
    }

    /// Starts a distributed worker of `engine` in `dir` with the worker settings `props`
    /// (which must listen on `rest_port`).
    pub fn start_distributed(
        engine: &Engine,
        dir: &Path,
        rest_port: u16,
        props: &str,
    ) -> Result<Self, String> {
        Self::launch(engine, dir, rest_port, props, None)
    }

    fn launch(
        engine: &Engine,
        dir: &Path,
        rest_port: u16,
        props: &str,
        connectors: Option<&[PathBuf]>,
    ) -> Result<Self, String> {
        let worker_file = dir.join("worker.properties");
        write(&worker_file, props)?;
        let log = dir.join(format!("{}.log", engine.name()));
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let started = Instant::now();
        let child = engine
            .command(&worker_file, connectors)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {engine:?}: {e}"))?;
        Ok(Self {
            child,
            started,
            rest_port,
            log,
            engine: engine.name(),
        })
    }

    /// The process id, as `/proc` names it.
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// The REST port.
    pub fn port(&self) -> u16 {
        self.rest_port
    }

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Time since just before the process was spawned.
    pub fn since_start(&self) -> Duration {
        self.started.elapsed()
    }

    /// CPU seconds the process used so far.
    pub fn cpu_seconds(&self) -> f64 {
        proc_stats::cpu_seconds(&self.pid()).unwrap_or(0.0)
    }

    /// Resident memory now, in MiB.
    pub fn rss_mib(&self) -> f64 {
        proc_stats::memory_mib(&self.pid(), "VmRSS").unwrap_or(0.0)
    }

    /// Peak resident memory so far, in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        proc_stats::memory_mib(&self.pid(), "VmHWM").unwrap_or(0.0)
    }

    /// Fails with the log if the process has exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "the {} worker exited ({status}):\n{}",
                self.engine,
                self.log()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Waits until `GET /` on the REST port answers 200; returns the time since start.
    pub fn wait_rest_ready(&mut self, timeout: Duration) -> Result<Duration, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if rest_answers(self.rest_port) {
                return Ok(self.since_start());
            }
            self.check_alive()?;
            if Instant::now() > deadline {
                return Err(format!(
                    "REST API not ready after {timeout:?}:\n{}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Everything the process logged so far.
    pub fn full_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last 40 lines the process logged.
    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// Sends SIGTERM and waits up to 30 s for the process to exit, then kills it.
    pub fn stop(mut self) -> Result<(), String> {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid()).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Err(format!(
                    "the {} worker did not stop within 30 s:\n{}",
                    self.engine,
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn write(path: &Path, content: &str) -> Result<(), String> {
    std::fs::write(path, content).map_err(|e| format!("{}: {e}", path.display()))
}

/// Whether `GET /` on this port answers with status 200.
fn rest_answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// The `kconnect` binary: `--kconnect`, else `KCONNECT_BIN`, else next to this binary
/// (both are built into the same target directory by `cargo build --release`).
pub fn find_binary(explicit: Option<PathBuf>) -> Result<PathBuf, String> {
    let candidate = explicit
        .or_else(|| std::env::var_os("KCONNECT_BIN").map(PathBuf::from))
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|dir| dir.join("kconnect")))
        })
        .ok_or("cannot locate the kconnect binary; pass --kconnect")?;
    if candidate.is_file() {
        Ok(candidate)
    } else {
        Err(format!(
            "{} does not exist: run `cargo build --release -p kconnect` first (or pass --kconnect)",
            candidate.display()
        ))
    }
}
