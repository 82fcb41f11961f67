//! Where the Apache Kafka installation the tests run lives, and the formatted storage every
//! test broker starts from.
//!
//! `scripts/setup` copies the jars of the pinned Kafka version (`scripts/kafka/version`) from
//! the Maven registry into `<cache>/kafka-<version>/libs`, where `<cache>` is
//! `$KCONNECT_CACHE` or `~/.cache/kconnect`. Formatting KRaft storage takes a JVM start, so it
//! is done once per installation into a template that each broker copies.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION_FILE: &str = include_str!("../../../scripts/kafka/version");

/// The Apache Kafka version the tests run (the same one `scripts/setup` fetches).
pub fn kafka_version() -> &'static str {
    VERSION_FILE.trim()
}

/// The test users: the same name and password for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512.
pub const TEST_USER: &str = "kconnect";
/// The test user's password, distinctive so that a test can search output for it.
pub const TEST_PASSWORD: &str = "kc-test-secret-5e1d";

/// The kconnect cache directory (outside any clone).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KCONNECT_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
    PathBuf::from(home).join(".cache/kconnect")
}

/// The installation directory of the pinned Kafka version.
pub fn kafka_home() -> PathBuf {
    cache_dir().join(format!("kafka-{}", kafka_version()))
}

/// The classpath of Kafka's jars (`<home>/libs/*`).
///
/// # Panics
/// If Kafka is not installed (the message says to run `scripts/setup`).
pub fn classpath() -> String {
    let libs = kafka_home().join("libs");
    assert!(
        libs.join(".complete").exists(),
        "Apache Kafka {} is not installed in {}: run scripts/setup",
        kafka_version(),
        libs.display()
    );
    format!("{}/*", libs.display())
}

/// The `java` command: `$JAVA_HOME/bin/java` if set, else `java` on the PATH.
pub fn java() -> PathBuf {
    match std::env::var_os("JAVA_HOME") {
        Some(home) if Path::new(&home).join("bin/java").exists() => {
            Path::new(&home).join("bin/java")
        }
        _ => PathBuf::from("java"),
    }
}

/// A `java` command on Kafka's classpath, logging to stderr at WARN.
pub fn kafka_java(main_class: &str) -> Command {
    java_on(&classpath(), main_class, "WARN")
}

const CONNECT_VERSION_FILE: &str = include_str!("../../../scripts/java-connect/version");

/// The Java Kafka Connect version the compat tests run (`scripts/java-connect/version`).
pub fn java_connect_version() -> &'static str {
    CONNECT_VERSION_FILE.trim()
}

/// The classpath of Java Kafka Connect's jars.
///
/// # Panics
/// If they are not installed (the message says to run `scripts/setup`).
pub fn java_connect_classpath() -> String {
    let libs = cache_dir()
        .join(format!("java-connect-{}", java_connect_version()))
        .join("libs");
    assert!(
        libs.join(".complete").exists(),
        "Java Kafka Connect {} is not installed in {}: run scripts/setup",
        java_connect_version(),
        libs.display()
    );
    format!("{}/*", libs.display())
}

/// A `java` command on `classpath`, logging to stderr at `level` (log4j's names).
pub fn java_on(classpath: &str, main_class: &str, level: &str) -> Command {
    let mut cmd = Command::new(java());
    cmd.arg("-cp")
        .arg(classpath)
        .arg("-Xshare:auto")
        .arg("-XX:TieredStopAtLevel=1")
        .arg(format!("-Dlog4j2.level={level}"))
        .arg(main_class);
    cmd
}

/// A formatted KRaft log directory (node 1, SCRAM credentials of [`TEST_USER`] for both
/// SCRAM mechanisms), made once per installation; brokers copy it.
///
/// # Panics
/// If formatting fails.
pub fn storage_template() -> PathBuf {
    let template = kafka_home().join("storage-template");
    if template.join("meta.properties").exists() {
        return template;
    }
    let lock_path = kafka_home().join("storage-template.lock");
    let lock = File::create(&lock_path).expect("storage template lock file");
    lock.lock().expect("lock the storage template");
    if template.join("meta.properties").exists() {
        return template;
    }
    let staging = kafka_home().join("storage-template.staging");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).expect("storage template directory");
    let config = staging.join("format.properties");
    std::fs::write(
        &config,
        format!(
            "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@127.0.0.1:9\n\
             controller.listener.names=CONTROLLER\n\
             listeners=PLAINTEXT://127.0.0.1:8,CONTROLLER://127.0.0.1:9\n\
             listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n\
             log.dirs={}\n",
            staging.join("data").display()
        ),
    )
    .expect("format config");
    let scram =
        |mechanism: &str| format!("{mechanism}=[name={TEST_USER},password={TEST_PASSWORD}]");
    let out = kafka_java("kafka.tools.StorageTool")
        .arg("format")
        .args(["--cluster-id", "a2Nvbm5lY3QtdGVzdHMAAA"])
        .arg("--config")
        .arg(&config)
        .args(["--add-scram", &scram("SCRAM-SHA-256")])
        .args(["--add-scram", &scram("SCRAM-SHA-512")])
        .output()
        .expect("run Kafka's StorageTool");
    assert!(
        out.status.success(),
        "formatting Kafka storage failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::rename(staging.join("data"), &template).expect("install the storage template");
    let _ = std::fs::remove_dir_all(&staging);
    template
}

/// Copies the files of `from` into `to` (one level of subdirectories deep, as a formatted
/// KRaft directory is).
pub(crate) fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
