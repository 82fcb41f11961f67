//! kconnect beside Java Kafka Connect (`--java`): the same workloads, one implementation
//! after the other on the same broker, and one table with both and their ratio.
//!
//! Workloads (each a fresh standalone worker with JSON converters, schemas on):
//! - Kafka's `SchemaSourceConnector` writing all the records with one task, then with four
//!   tasks into four partitions (the records are the same on both sides: `compat_tools`
//!   checks it);
//! - FileStreamSink (one task) reading the plain producer's topic into a file;
//! - an idle worker.

use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::ceiling::Probe;
use crate::cluster::ClusterRun;
use crate::phases::{Idle, Perf, Pipeline, Setup};
use crate::proc_stats::{CpuMeter, OthersMeter};
use crate::report::{median, RunFigures};
use crate::specs::number;
use crate::worker::{Engine, Worker};

/// The topic of the SchemaSource workload with `tasks` tasks.
pub fn schema_topic(tasks: usize) -> String {
    format!("bench-schema-{tasks}")
}

/// SchemaSourceConnector with `tasks` tasks writing `s.records` records in all into
/// [`schema_topic`] (`tasks` partitions, created by the caller), on `engine`.
pub fn schema_source(
    s: &Setup,
    engine: &Engine,
    tasks: usize,
    probe: &Probe,
) -> Result<Pipeline, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let topic = format!("{}-{}", schema_topic(tasks), engine.name());
    let per_task = s.records.div_ceil(tasks);
    let n = (per_task * tasks) as i64;
    let partitions = i32::try_from(tasks).map_err(|e| e.to_string())?;
    let connector = format!(
        "name=bench-schema\nconnector.class=org.apache.kafka.connect.tools.SchemaSourceConnector\n\
         tasks.max={tasks}\ntopic={topic}\nnum.messages={per_task}\nthroughput=-1\n\
         partition.count={tasks}\n"
    );
    let w = Worker::start(s, engine, dir.path(), &[("schema.properties", connector)])?;
    measure_source(
        s,
        w,
        probe,
        &topic,
        partitions,
        n,
        &format!("schema{tasks}-{}", engine.name()),
    )
}

/// Measures a started source worker `w` until `topic` (`partitions` partitions) holds `n`
/// records: records/s from the first to the last, and the worker's CPU and memory.
pub fn measure_source(
    s: &Setup,
    mut w: Worker,
    probe: &Probe,
    topic: &str,
    partitions: i32,
    n: i64,
    profile: &str,
) -> Result<Pipeline, String> {
    let broker = CpuMeter::start(s.broker_pid.as_str());
    let others = OthersMeter::start();
    let mut perf = Perf(None);
    let deadline = Instant::now() + Duration::from_secs(1200);
    let mut first = None;
    let mut latest = (0i64, Duration::ZERO);
    let last_at = loop {
        let written = probe.total_end_offset(topic, partitions);
        let now = w.since_start();
        if written != latest.0 {
            latest = (written, now);
            if first.is_none() {
                first = Some((now, written));
                perf = Perf::start(s, profile, &w.pid());
            }
        }
        if written >= n {
            break latest.1;
        }
        w.check_alive()?;
        if Instant::now() > deadline {
            return Err(format!(
                "{topic}: {written} of {n} records after 20 min:\n{}",
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
    let (first_at, first_written) = first.unwrap_or((last_at, 0));
    let elapsed = (last_at - first_at).as_secs_f64().max(1e-9);
    Ok(Pipeline {
        records_per_s: (n - first_written).max(1) as f64 / elapsed,
        cpu_s,
        peak_rss_mib,
        first_record_ms: first_at.as_secs_f64() * 1000.0,
        broker_cpu_s,
        elapsed_s: elapsed,
        others_cpu_s,
    })
}

/// The workloads of the side-by-side table: key prefix and label.
const WORKLOADS: &[(&str, &str)] = &[
    ("schema1", "SchemaSource, 1 task"),
    ("schema4", "SchemaSource, 4 tasks"),
    ("sink", "FileStreamSink, 1 task"),
];

/// The figures compared for each workload: key, label, and whether more is better.
const FIGURES: &[(&str, &str, bool)] = &[
    ("records_per_s", "records/s", true),
    ("cpu_s_per_million", "CPU µs/record", false),
    ("peak_rss_mib", "peak RSS MiB", false),
    ("first_record_ms", "start to first record, ms", false),
];

/// The key under which a figure of `engine` for `workload` is kept.
pub fn key(workload: &str, engine: &Engine) -> String {
    format!("versus.{workload}.{}", engine.name())
}

/// Adds an idle worker's figures for `engine`.
pub fn idle(figures: &mut RunFigures, engine: &Engine, idle: &Idle) {
    figures.set_figure(
        &format!("versus.idle.{}.rss_mib", engine.name()),
        idle.rss_mib,
    );
    figures.set_figure(
        &format!("versus.idle.{}.rest_ready_ms", engine.name()),
        idle.rest_ready_ms,
    );
}

/// Adds a distributed workload's figures for `engine` (`delay`: the
/// `scheduled.rebalance.max.delay.ms` it ran with; `None` for the default).
pub fn cluster(figures: &mut RunFigures, engine: &Engine, delay: Option<u64>, c: &ClusterRun) {
    let prefix = format!("versus.cluster.{}", engine.name());
    match delay {
        None => {
            figures.set_figure(&format!("{prefix}.all_running_s"), c.all_running_s);
            figures.set_figure(&format!("{prefix}.rss_mib_mean"), c.rss_mib_mean);
            figures.set_figure(&format!("{prefix}.rss_mib_max"), c.rss_mib_max);
            figures.set_figure(&format!("{prefix}.failover_default_s"), c.failover_s);
            figures.set_figure(&format!("{prefix}.killed_work"), c.killed_work as f64);
        }
        Some(_) => figures.set_figure(&format!("{prefix}.failover_delay0_s"), c.failover_s),
    }
}

/// The median over runs of one figure.
fn median_of(runs: &[RunFigures], key: &str) -> Option<f64> {
    let values: Vec<f64> = runs.iter().filter_map(|r| r.figure(key)).collect();
    median(&values)
}

/// One row: label, kconnect's median, Java's median, and how many times better kconnect is.
fn row(runs: &[RunFigures], label: String, key: &str, higher_is_better: bool) -> Option<String> {
    let k = median_of(runs, &format!("versus.{key}").replace("{}", "kconnect"))?;
    let j = median_of(runs, &format!("versus.{key}").replace("{}", "java"))?;
    let better = if higher_is_better { k / j } else { j / k };
    Some(format!(
        "{label:<48} {:>12} {:>12} {:>9}\n",
        number(k),
        number(j),
        format!("{better:.1}x")
    ))
}

/// The side-by-side table, or nothing if `--java` was not given.
pub fn table(runs: &[RunFigures], java_version: &str) -> String {
    let mut out = String::new();
    for (workload, name) in WORKLOADS {
        for (figure, label, higher) in FIGURES {
            // CPU seconds per million records is CPU microseconds per record.
            let key = format!("{workload}.{{}}.{figure}");
            if let Some(line) = row(runs, format!("{name}: {label}"), &key, *higher) {
                out.push_str(&line);
            }
        }
    }
    for (key, label) in [
        ("idle.{}.rss_mib", "idle worker: RSS MiB"),
        (
            "idle.{}.rest_ready_ms",
            "idle worker: start to REST ready, ms",
        ),
        (
            "cluster.{}.all_running_s",
            "cluster of 3: create to all RUNNING, s",
        ),
        (
            "cluster.{}.rss_mib_mean",
            "cluster of 3: RSS per worker MiB",
        ),
        (
            "cluster.{}.failover_default_s",
            "SIGKILL to tasks running elsewhere, defaults, s",
        ),
        (
            "cluster.{}.failover_delay0_s",
            "SIGKILL to tasks running elsewhere, delay 0, s",
        ),
    ] {
        if let Some(line) = row(runs, label.to_string(), key, false) {
            out.push_str(&line);
        }
    }
    if out.is_empty() {
        return out;
    }
    format!(
        "\nkconnect beside Java Kafka Connect {java_version} (medians of {} runs; \"better\" = how many times kconnect's figure beats Java's)\n{:<48} {:>12} {:>12} {:>9}\n{out}",
        runs.len(),
        "figure",
        "kconnect",
        "Java",
        "better"
    )
}

/// The side-by-side medians as JSON (`{"<workload>.<engine>.<figure>": median}`).
pub fn summary(runs: &[RunFigures]) -> Json {
    let mut keys: Vec<String> = runs
        .iter()
        .flat_map(|r| {
            r.keys()
                .filter(|k| k.starts_with("versus."))
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect();
    keys.sort();
    keys.dedup();
    Json::Object(
        keys.into_iter()
            .filter_map(|k| {
                let m = median_of(runs, &k)?;
                Some((k.trim_start_matches("versus.").to_string(), Json::from(m)))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_shows_both_sides_and_the_ratio() {
        let mut run = RunFigures::default();
        let (k, j) = (
            Engine::Kconnect("kconnect".into()),
            Engine::Java {
                classpath: String::new(),
            },
        );
        idle(
            &mut run,
            &k,
            &Idle {
                rss_mib: 20.0,
                rest_ready_ms: 100.0,
            },
        );
        idle(
            &mut run,
            &j,
            &Idle {
                rss_mib: 400.0,
                rest_ready_ms: 5000.0,
            },
        );
        let c = |s| ClusterRun {
            all_running_s: s,
            rss_mib_mean: s,
            rss_mib_max: s,
            failover_s: s,
            killed_work: 30,
        };
        cluster(&mut run, &k, None, &c(2.0));
        cluster(&mut run, &j, None, &c(8.0));
        let text = table(&[run], "4.3.1");
        assert!(text.contains("Java Kafka Connect 4.3.1"), "{text}");
        assert!(text.contains("idle worker: RSS MiB"), "{text}");
        assert!(text.contains("20.0x"), "{text}");
        assert!(
            text.contains("cluster of 3: create to all RUNNING, s"),
            "{text}"
        );
        assert!(text.contains("4.0x"), "{text}");
        assert!(!text.contains("delay 0"), "not measured: {text}");
    }
}
