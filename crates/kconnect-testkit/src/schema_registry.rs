//! A real Schema Registry for the converter tests: Apicurio Registry (from the Maven
//! registry, installed by `scripts/setup`), in-memory storage, serving Confluent's API under
//! `/apis/ccompat/v7`. Each instance is a process of its own, stopped when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;
use crate::kafka_dist::{cache_dir, java};

const VERSION_FILE: &str = include_str!("../../../scripts/schema-registry/version");

/// A running registry.
pub struct SchemaRegistry {
    child: Child,
    port: u16,
    https: bool,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl SchemaRegistry {
    /// Starts a registry and waits until its Confluent-compatible API answers.
    ///
    /// # Panics
    /// If it is not installed (run `scripts/setup`) or does not answer within 90 s.
    pub fn start() -> Self {
        Self::launch(None)
    }

    /// Starts a registry that serves HTTPS only, with the server certificate and key of
    /// these PEM files (a certificate for `localhost` and `127.0.0.1`, as
    /// [`crate::tls::generate`] makes).
    ///
    /// # Panics
    /// As [`SchemaRegistry::start`].
    pub fn start_https(cert: &std::path::Path, key: &std::path::Path) -> Self {
        Self::launch(Some((cert, key)))
    }

    fn launch(tls: Option<(&std::path::Path, &std::path::Path)>) -> Self {
        let version = VERSION_FILE.trim();
        let home = cache_dir().join(format!("apicurio-{version}"));
        let jar = home.join(format!("apicurio-registry-app-{version}-runner.jar"));
        assert!(
            home.join(".complete").exists(),
            "Apicurio Registry {version} is not installed in {}: run scripts/setup",
            home.display()
        );
        let dir = tempfile::tempdir().expect("temporary directory");
        let log = dir.path().join("registry.log");
        let file = std::fs::File::create(&log).expect("registry log file");
        let port = free_port();
        let management = free_port();
        let mut command = Command::new(java());
        command.arg("-Xmx384m").arg("-Dquarkus.http.host=127.0.0.1");
        match tls {
            None => {
                command.arg(format!("-Dquarkus.http.port={port}"));
            }
            Some((cert, key)) => {
                command
                    .arg(format!("-Dquarkus.http.port={}", free_port()))
                    .arg(format!("-Dquarkus.http.ssl-port={port}"))
                    .arg(format!(
                        "-Dquarkus.http.ssl.certificate.files={}",
                        cert.display()
                    ))
                    .arg(format!(
                        "-Dquarkus.http.ssl.certificate.key-files={}",
                        key.display()
                    ))
                    .arg("-Dquarkus.http.insecure-requests=disabled");
            }
        }
        let child = command
            .arg("-Dquarkus.management.host=127.0.0.1")
            .arg(format!("-Dquarkus.management.port={management}"))
            .arg("-Dapicurio.storage.kind=sql")
            .arg("-Dapicurio.storage.sql.kind=h2")
            .arg("-jar")
            .arg(&jar)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .expect("start Apicurio Registry with java");
        let registry = Self {
            child,
            port,
            https: tls.is_some(),
            log,
            _dir: dir,
        };
        registry.wait_ready();
        registry
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let answered = Command::new("curl")
                .args(["-s", "-k", "-o", "/dev/null", "-w", "%{http_code}"])
                .arg(format!("{}/subjects", self.url()))
                .output()
                .is_ok_and(|o| o.stdout == b"200");
            if answered {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the Schema Registry did not answer within 90 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The base URL of its Confluent-compatible API (`schema.registry.url`).
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/apis/ccompat/v7", self.port)
    }

    /// What it logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for SchemaRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
