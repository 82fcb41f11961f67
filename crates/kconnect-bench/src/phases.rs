//! The worker measurements: a Datagen source into a topic (kconnect), a FileStreamSink out
//! of one and an idle worker (either implementation). Each starts a fresh standalone worker
//! process.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::ceiling::Probe;
use crate::payload::Payloads;
use crate::proc_stats::{CpuMeter, OthersMeter};
use crate::worker::{Engine, Worker};

/// Topic the plain producer fills and the plain consumer and the sink read.
pub const CEILING_TOPIC: &str = "bench-ceiling";
/// Topic the Datagen source writes.
pub const SOURCE_TOPIC: &str = "bench-source";

/// What every phase needs to know.
pub struct Setup {
    /// The kconnect binary.
    pub binary: PathBuf,
    /// `bootstrap.servers` of the broker.
    pub bootstrap: String,
    /// The broker's process id.
    pub broker_pid: String,
    /// Records per phase.
    pub records: usize,
    /// Datagen seed (the payloads were generated with it).
    pub seed: u64,
    /// Where to write `perf record` profiles of the kconnect processes, if anywhere.
    pub perf_dir: Option<PathBuf>,
    /// `perf record` sampling frequency (Hz).
    pub perf_freq: u32,
    /// `perf record --call-graph` mode (`none`: no call stacks).
    pub perf_call_graph: String,
    /// Run number, for file names.
    pub run: usize,
    /// Extra worker settings (`--set`).
    pub extra: BTreeMap<String, String>,
}

/// How a kconnect pipeline did.
#[derive(Debug, Clone, Copy)]
pub struct Pipeline {
    /// Records per second, from the first record to the last.
    pub records_per_s: f64,
    /// CPU seconds of the kconnect process from its start to the last record.
    pub cpu_s: f64,
    /// Peak resident memory of the kconnect process, MiB.
    pub peak_rss_mib: f64,
    /// Milliseconds from the process start to the first record (in the topic or file).
    pub first_record_ms: f64,
    /// CPU seconds the broker used from the process start to the last record.
    pub broker_cpu_s: f64,
    /// Wall-clock seconds from the first record to the last.
    pub elapsed_s: f64,
    /// CPU seconds other processes (builds, tests...) used from the process start to the
    /// last record.
    pub others_cpu_s: f64,
}

/// How an idle worker did.
#[derive(Debug, Clone, Copy)]
pub struct Idle {
    /// Resident memory two seconds after the REST API came up, MiB.
    pub rss_mib: f64,
    /// Milliseconds from the process start to the first `200` from `GET /`.
    pub rest_ready_ms: f64,
}

/// Datagen (struct10, JSON with schemas, one task) into [`SOURCE_TOPIC`].
pub fn source(s: &Setup, payloads: &Payloads, probe: &Probe) -> Result<Pipeline, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let n = s.records;
    let connector = format!(
        "name=bench-source\nconnector.class=Datagen\ntasks.max=1\nkafka.topic={SOURCE_TOPIC}\n\
         schema=struct10\nkey=none\nmax.records={n}\nseed={}\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n",
        s.seed
    );
    let broker = CpuMeter::start(s.broker_pid.as_str());
    let others = OthersMeter::start();
    let engine = Engine::Kconnect(s.binary.clone());
    let mut w = Worker::start(s, &engine, dir.path(), &[("datagen.properties", connector)])?;
    // Profiles cover the steady state: perf starts with the first record.
    let mut perf = Perf(None);
    let deadline = Instant::now() + Duration::from_secs(1200);
    // The latest offset as the broker reports it, and when it last changed.
    let mut latest = (0i64, Duration::ZERO);
    let mut first = None;
    let (last_at, last_value) = loop {
        let now = w.since_start();
        let value = probe.latest_offset(SOURCE_TOPIC).unwrap_or(0);
        if value != latest.0 {
            latest = (value, now);
            if first.is_none() {
                first = Some((now, value));
                perf = Perf::start(s, "source", &w.pid());
            }
        }
        // The broker's end offset is the offset after the last record: done once it
        // covers all of them (the time is when the end first reached it).
        if value >= n as i64 {
            match probe.find(SOURCE_TOPIC, n as i64 - 1, n as i64 - 1)? {
                Some(last) => break (latest.1, last),
                None => return Err(format!("{SOURCE_TOPIC} has no record at offset {}", n - 1)),
            }
        }
        w.check_alive()?;
        if Instant::now() > deadline {
            return Err(format!(
                "{SOURCE_TOPIC} did not get {n} records within 20 min:\n{}",
                w.log()
            ));
        }
        let pause = if first.is_some() { 10 } else { 1 };
        std::thread::sleep(Duration::from_millis(pause));
    };
    let (first_at, first_high) = first.unwrap_or((last_at, 0));
    let (cpu_s, peak_rss_mib) = (w.cpu_seconds(), w.peak_rss_mib());
    let broker_cpu_s = broker.elapsed();
    let others_cpu_s = others.elapsed(&[cpu_s, broker_cpu_s]);
    drop(perf);
    w.stop()?;
    if probe.read_at(SOURCE_TOPIC, 0)? != payloads.get(0) || last_value != payloads.last() {
        return Err("the source wrote other bytes than the plain producer sent".into());
    }
    let elapsed = (last_at - first_at).as_secs_f64().max(1e-9);
    Ok(Pipeline {
        records_per_s: (n as f64 - first_high as f64).max(1.0) / elapsed,
        cpu_s,
        peak_rss_mib,
        first_record_ms: first_at.as_secs_f64() * 1000.0,
        broker_cpu_s,
        elapsed_s: elapsed,
        others_cpu_s,
    })
}

/// FileStreamSink (one task) reading [`CEILING_TOPIC`] into a file, on `engine`.
pub fn sink(s: &Setup, engine: &Engine, payloads: &Payloads) -> Result<Pipeline, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let n = s.records;
    let out = dir.path().join("sink.txt");
    // A consumer group of its own: every sink reads the topic from the start.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let connector = format!(
        "name=bench-sink-{}-{stamp}\nconnector.class=FileStreamSink\ntasks.max=1\ntopics={CEILING_TOPIC}\nfile={}\n",
        engine.name(),
        out.display()
    );
    let broker = CpuMeter::start(s.broker_pid.as_str());
    let others = OthersMeter::start();
    let mut w = Worker::start(s, engine, dir.path(), &[("sink.properties", connector)])?;
    let mut perf = Perf(None);
    let mut tail = LineCounter::default();
    let deadline = Instant::now() + Duration::from_secs(1200);
    let mut first = None;
    let last_at = loop {
        let lines = tail.update(&out);
        if lines > 0 && first.is_none() {
            first = Some((w.since_start(), lines));
            perf = Perf::start(s, &format!("sink-{}", engine.name()), &w.pid());
        }
        if lines >= n {
            break w.since_start();
        }
        w.check_alive()?;
        if Instant::now() > deadline {
            return Err(format!(
                "only {lines} of {n} lines after 20 min:\n{}",
                w.log()
            ));
        }
        std::thread::sleep(Duration::from_millis(if first.is_some() { 10 } else { 1 }));
    };
    let (cpu_s, peak_rss_mib) = (w.cpu_seconds(), w.peak_rss_mib());
    let broker_cpu_s = broker.elapsed();
    let others_cpu_s = others.elapsed(&[cpu_s, broker_cpu_s]);
    drop(perf);
    w.stop()?;
    let (first_at, first_lines) = first.unwrap_or((last_at, 0));
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    let first_line = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| t.lines().next().map(str::to_string))
        .unwrap_or_default();
    if size != payloads.sink_bytes() || first_line != payloads.first_line() {
        return Err(format!(
            "the sink file differs from what the records render to: {size} bytes (expected {}), first line {first_line:?} (expected {:?})",
            payloads.sink_bytes(),
            payloads.first_line()
        ));
    }
    let elapsed = (last_at - first_at).as_secs_f64().max(1e-9);
    Ok(Pipeline {
        records_per_s: (n - first_lines).max(1) as f64 / elapsed,
        cpu_s,
        peak_rss_mib,
        first_record_ms: first_at.as_secs_f64() * 1000.0,
        broker_cpu_s,
        elapsed_s: elapsed,
        others_cpu_s,
    })
}

/// A worker of `engine` without connectors: time to REST ready, then its memory once
/// settled.
pub fn idle(s: &Setup, engine: &Engine) -> Result<Idle, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut w = Worker::start(s, engine, dir.path(), &[])?;
    let ready = w.wait_rest_ready(Duration::from_secs(30))?;
    std::thread::sleep(Duration::from_secs(2));
    let rss_mib = w.rss_mib();
    w.stop()?;
    Ok(Idle {
        rss_mib,
        rest_ready_ms: ready.as_secs_f64() * 1000.0,
    })
}

/// Counts the lines of a growing file, reading only what was appended since last time.
#[derive(Default)]
struct LineCounter {
    file: Option<std::fs::File>,
    lines: usize,
    buf: Vec<u8>,
}

impl LineCounter {
    fn update(&mut self, path: &Path) -> usize {
        if self.file.is_none() {
            self.file = std::fs::File::open(path).ok();
            self.buf = vec![0; 1 << 20];
        }
        if let Some(file) = self.file.as_mut() {
            while let Ok(read @ 1..) = file.read(&mut self.buf) {
                self.lines += self.buf[..read].iter().filter(|b| **b == b'\n').count();
            }
        }
        self.lines
    }
}

/// `perf record` attached to a worker process while it works (with `--perf-dir`).
pub struct Perf(pub Option<Child>);

impl Perf {
    /// Starts recording `pid` for `phase`, if profiles were asked for.
    pub fn start(s: &Setup, phase: &str, pid: &str) -> Self {
        let Some(dir) = &s.perf_dir else {
            return Self(None);
        };
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("cannot create {}: {e}", dir.display());
            return Self(None);
        }
        let log = std::fs::File::create(dir.join(format!("{phase}-run{}.perf.log", s.run)))
            .map_or_else(|_| Stdio::null(), Stdio::from);
        let output = dir.join(format!("{phase}-run{}.perf.data", s.run));
        let mut perf = Command::new("perf");
        perf.args(["record", "-F", &s.perf_freq.to_string(), "-o"])
            .arg(output);
        if s.perf_call_graph != "none" {
            perf.args(["--call-graph", &s.perf_call_graph]);
        }
        let child = perf
            .args(["-p", pid])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn();
        match child {
            Ok(child) => Self(Some(child)),
            Err(e) => {
                eprintln!("perf record failed to start: {e}");
                Self(None)
            }
        }
    }
}

impl Drop for Perf {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = Command::new("kill")
                .arg("-INT")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }
}
