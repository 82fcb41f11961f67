//! Helpers for tests of `kconnect distributed`: starting a group of workers, waiting for
//! them to join, reading their logs.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use kconnect_testkit::Broker;
use serde_json::Value;

use super::Kconnect;

/// Starts `count` workers of `group` (directories `w0`, `w1`... under `root`, no extra
/// worker settings) and waits until each serves REST and has had an assignment.
pub async fn start_cluster(
    broker: &Broker,
    root: &Path,
    group: &str,
    count: usize,
) -> Vec<Kconnect> {
    let mut workers: Vec<Kconnect> = (0..count)
        .map(|n| Kconnect::new_distributed(&root.join(format!("w{n}")), broker, group, ""))
        .collect();
    for w in &mut workers {
        w.start_distributed();
    }
    for w in &workers {
        wait_healthy(w).await;
    }
    workers
}

/// Waits until `k` serves REST and has had an assignment (`/health` answers healthy).
pub async fn wait_healthy(k: &Kconnect) {
    k.wait_rest().await;
    k.until("/health", "worker joined", |b| b["status"] == "healthy")
        .await;
}

/// Log text without terminal colour sequences (`ESC [ ... m`).
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A connector instance (`task` is `None`) or one of its tasks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unit {
    /// Connector name.
    pub connector: String,
    /// Task number, `None` for the instance.
    pub task: Option<u32>,
}

impl fmt::Display for Unit {
    /// As the workers log it: `gen0` for an instance, `gen0-1` for a task.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.task {
            None => write!(f, "{}", self.connector),
            Some(t) => write!(f, "{}-{t}", self.connector),
        }
    }
}

/// Where every connector instance and task runs: unit → worker id.
pub type Placement = BTreeMap<Unit, String>;

/// The placement of every connector and task of `connectors` (name, task count) if all of
/// them are RUNNING, as `k` sees it.
pub async fn placement(k: &Kconnect, connectors: &[(&str, u32)]) -> Option<Placement> {
    let mut out = Placement::new();
    for &(name, tasks) in connectors {
        let (_, s) = k.get(&format!("/connectors/{name}/status")).await;
        let running = |v: &Value| v["state"] == "RUNNING";
        if !running(&s["connector"]) {
            return None;
        }
        let unit = |task| Unit {
            connector: name.to_string(),
            task,
        };
        out.insert(unit(None), s["connector"]["worker_id"].as_str()?.into());
        let listed = s["tasks"].as_array()?;
        if listed.len() != tasks as usize || !listed.iter().all(running) {
            return None;
        }
        for t in listed {
            let n = u32::try_from(t["id"].as_u64()?).ok()?;
            out.insert(unit(Some(n)), t["worker_id"].as_str()?.into());
        }
    }
    Some(out)
}

/// How many instances and how many tasks each of `workers` runs.
pub fn loads(p: &Placement, workers: &[String]) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> =
        workers.iter().map(|w| (w.clone(), (0, 0))).collect();
    for (unit, worker) in p {
        let load = out.entry(worker.clone()).or_default();
        match unit.task {
            None => load.0 += 1,
            Some(_) => load.1 += 1,
        }
    }
    out
}

/// Whether everything runs on `workers`, each with the floor or the ceiling of the average
/// number of instances and of tasks.
pub fn balanced(p: &Placement, workers: &[String]) -> bool {
    let loads = loads(p, workers);
    if loads.len() != workers.len() {
        return false; // some work runs on a worker not in the list
    }
    let fair = |n: usize, total: usize| {
        let (floor, ceil) = (total / workers.len(), total.div_ceil(workers.len()));
        n == floor || n == ceil
    };
    let instances = loads.values().map(|l| l.0).sum();
    let tasks = loads.values().map(|l| l.1).sum();
    loads
        .values()
        .all(|&(i, t)| fair(i, instances) && fair(t, tasks))
}

/// The logs of `workers`, one after the other.
pub fn all_logs(workers: &[&Kconnect]) -> String {
    let logs: Vec<String> = workers
        .iter()
        .map(|w| format!("==== {}\n{}", w.worker_id(), w.log()))
        .collect();
    logs.join("\n")
}

/// The worker ids of `workers`.
pub fn ids(workers: &[&Kconnect]) -> Vec<String> {
    workers.iter().map(|w| w.worker_id()).collect()
}

/// CPU time (user + system) process `pid` has used so far.
pub fn cpu_time(pid: u32) -> std::time::Duration {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    let ticks = *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    });
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields 14 and 15 (utime, stime), counted after the command name in parentheses.
    let fields: Vec<f64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    std::time::Duration::from_secs_f64(fields.iter().sum::<f64>() / ticks)
}

/// Creates, through `via` (a worker alone in its group `group`, so it leads it), one paced
/// Datagen connector per entry of `connectors` (name, `tasks.max`) writing sequence-keyed
/// records at `rate` per second to the topic `<group>-<name>`, which is created first. Each
/// request is repeated until the worker knows it leads the group (before that it answers
/// 409: no leader to forward to).
pub async fn create_datagen_connectors(
    broker: &Broker,
    group: &str,
    via: &Kconnect,
    connectors: &[(&str, u32)],
    rate: u32,
) {
    use std::time::{Duration, Instant};
    for (seed, (name, tasks)) in connectors.iter().enumerate() {
        let topic = format!("{group}-{name}");
        broker.create_topic(&topic, 1).await;
        let request = serde_json::json!({"name": name, "config": {
            "connector.class": "io.kconnect.datagen.DatagenConnector",
            "tasks.max": tasks.to_string(),
            "kafka.topic": topic,
            "key": "sequence",
            "seed": seed.to_string(),
            "records.per.second": rate.to_string(),
            "batch.size": "5"}});
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, body) = via.call("POST", "/connectors", Some(request.clone())).await;
            if status == 201 {
                break;
            }
            assert!(
                status == 409 && Instant::now() < deadline,
                "creating {name}: {status} {body}\n{}",
                via.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
