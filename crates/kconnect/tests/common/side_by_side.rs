//! Running the same standalone worker files on Java Kafka Connect and on kconnect, and
//! comparing what they wrote.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kconnect_testkit::{Broker, ConsumedRecord, JavaConnect, TopicReader};

use super::Kconnect;

/// Which implementation runs a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// Java Kafka Connect.
    Java,
    /// kconnect.
    Kconnect,
}

impl Impl {
    /// `java` or `kconnect`, for names of topics and directories.
    pub fn tag(self) -> &'static str {
        match self {
            Impl::Java => "java",
            Impl::Kconnect => "kconnect",
        }
    }
}

/// A running worker of either implementation.
pub struct Worker {
    /// Its REST port.
    pub port: u16,
    process: Process,
}

enum Process {
    Java(JavaConnect),
    Kconnect(Kconnect),
}

impl Worker {
    /// Its output so far (log and standard output).
    pub fn log(&self) -> String {
        match &self.process {
            Process::Java(j) => j.log(),
            Process::Kconnect(k) => k.log(),
        }
    }

    /// Stops it (SIGTERM) and waits.
    pub fn stop(&mut self) {
        match &mut self.process {
            Process::Java(j) => {
                j.stop();
            }
            Process::Kconnect(k) => {
                k.stop();
            }
        }
    }
}

/// Starts `which` in standalone mode in `dir` with the worker lines `worker` (plus the
/// offsets file and a REST port of its own) and the connector files `connectors`.
pub fn start(
    which: Impl,
    broker: &Broker,
    dir: &Path,
    worker: &str,
    connectors: &[(&str, String)],
) -> Worker {
    std::fs::create_dir_all(dir).unwrap();
    let files: Vec<PathBuf> = connectors
        .iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let port = kconnect_testkit::free_port();
    let text = format!(
        "bootstrap.servers={}\noffset.storage.file.filename={}\noffset.flush.interval.ms=1000\nlisteners=http://127.0.0.1:{port}\n{worker}",
        broker.bootstrap(),
        dir.join("connect.offsets").display()
    );
    let process = match which {
        Impl::Java => {
            let path = dir.join("worker.properties");
            std::fs::write(&path, text).unwrap();
            Process::Java(JavaConnect::standalone(dir, &path, &paths))
        }
        Impl::Kconnect => {
            let mut k = Kconnect::new(dir, broker, "");
            std::fs::write(dir.join("worker.properties"), text).unwrap();
            k.start(&paths);
            Process::Kconnect(k)
        }
    };
    Worker { port, process }
}

/// Everything of a record but its offset and timestamp: partition, key, value, headers.
#[derive(Debug, PartialEq, Eq)]
pub struct Comparable {
    /// Partition.
    pub partition: i32,
    /// Key as text.
    pub key: Option<String>,
    /// Value as text.
    pub value: Option<String>,
    /// Headers, values as text.
    pub headers: Vec<(String, Option<String>)>,
}

/// The comparable parts of `records`.
pub fn comparable(records: &[ConsumedRecord]) -> Vec<Comparable> {
    let text = |b: &Option<Vec<u8>>| b.as_ref().map(|v| String::from_utf8_lossy(v).into_owned());
    records
        .iter()
        .map(|r| Comparable {
            partition: r.partition,
            key: text(&r.key),
            value: text(&r.value),
            headers: r
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), text(v)))
                .collect(),
        })
        .collect()
}

/// Reads `expected` records from `topic`, failing with the worker's log if they do not all
/// arrive.
pub fn read(broker: &Broker, topic: &str, expected: usize, worker: &Worker) -> Vec<ConsumedRecord> {
    read_partitions(broker, topic, 1, expected, worker)
}

/// [`read`] from a topic of `partitions` partitions.
pub fn read_partitions(
    broker: &Broker,
    topic: &str,
    partitions: i32,
    expected: usize,
    worker: &Worker,
) -> Vec<ConsumedRecord> {
    let records =
        TopicReader::new(broker).read(topic, partitions, expected, Duration::from_secs(90));
    assert_eq!(
        records.len(),
        expected,
        "{topic}: {} of {expected} records:\n{}",
        records.len(),
        worker.log()
    );
    records
}
