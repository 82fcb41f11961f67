//! Java Kafka Connect, run from its pinned jars (`scripts/java-connect/version`;
//! `ConnectStandalone` and
//! `ConnectDistributed`, the entry points of `connect-standalone.sh` and
//! `connect-distributed.sh`), so tests can run it beside kconnect on the same broker.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::kafka_dist::{java_connect_classpath, java_on};

/// A Java Kafka Connect worker process; killed when dropped.
pub struct JavaConnect {
    child: Option<Child>,
    log: PathBuf,
}

fn spawn(main_class: &str, dir: &Path, args: &[&Path]) -> JavaConnect {
    let log = dir.join("java-connect.log");
    let file = std::fs::File::create(&log).expect("Java Connect log file");
    // Connect's INFO lines say what it is doing.
    let mut cmd: Command = java_on(&java_connect_classpath(), main_class, "INFO");
    cmd.args(args);
    let child = cmd
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log file"))
        .stderr(file)
        .spawn()
        .expect("start Java Kafka Connect (run scripts/setup)");
    JavaConnect {
        child: Some(child),
        log,
    }
}

impl JavaConnect {
    /// `connect-standalone.sh <worker> <connectors...>`, run in `dir`.
    pub fn standalone(dir: &Path, worker: &Path, connectors: &[&Path]) -> Self {
        let mut args = vec![worker];
        args.extend_from_slice(connectors);
        spawn("org.apache.kafka.connect.cli.ConnectStandalone", dir, &args)
    }

    /// `connect-distributed.sh <worker>`, run in `dir`.
    pub fn distributed(dir: &Path, worker: &Path) -> Self {
        spawn(
            "org.apache.kafka.connect.cli.ConnectDistributed",
            dir,
            &[worker],
        )
    }

    /// What the worker logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends SIGTERM and waits up to 60 s for the worker to stop; returns its exit code.
    ///
    /// # Panics
    /// If it does not stop in time.
    pub fn stop(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        match crate::terminate(&mut child, Duration::from_secs(60)) {
            Ok(code) => code,
            Err(_) => panic!(
                "Java Kafka Connect did not stop within 60 s:\n{}",
                self.log()
            ),
        }
    }

    /// Kills the worker with SIGKILL.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for JavaConnect {
    fn drop(&mut self) {
        self.kill9();
    }
}
