//! The distributed workload of `--cluster`: three workers of one implementation in one
//! group, 50 connectors of two tasks each (Kafka's `SchemaSourceConnector`, one record per
//! task), then one worker killed with SIGKILL.
//!
//! Figures: seconds from the first create request until every connector and task runs,
//! resident memory per worker once they do, and seconds from the SIGKILL until every task
//! the dead worker ran runs on another one.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use crate::phases::Setup;
use crate::worker::{Engine, Worker};

/// Workers in the cluster.
const WORKERS: usize = 3;
/// Tasks of each connector.
const TASKS: usize = 2;

/// How one cluster did.
#[derive(Debug, Clone, Copy)]
pub struct ClusterRun {
    /// Seconds from the first create request until everything runs.
    pub all_running_s: f64,
    /// Mean resident memory of the workers once everything runs, MiB.
    pub rss_mib_mean: f64,
    /// Largest resident memory of a worker once everything runs, MiB.
    pub rss_mib_max: f64,
    /// Seconds from the SIGKILL until the dead worker's work runs elsewhere.
    pub failover_s: f64,
    /// Connectors and tasks the killed worker ran.
    pub killed_work: usize,
}

/// The REST port of the group's leader, from the last join a worker logged (Java:
/// `leaderUrl='http://127.0.0.1:8083/'`; kconnect: `leader_url="http://127.0.0.1:8083/"`).
fn leader_port(log: &str) -> Option<u16> {
    let at = ["leaderUrl='", "leader_url="]
        .iter()
        .filter_map(|marker| log.rfind(marker).map(|i| i + marker.len()))
        .max()?;
    let rest = &log[at..];
    let port = &rest[rest.find("127.0.0.1:")? + "127.0.0.1:".len()..];
    let digits: String = port.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Connectors and tasks that `worker` runs, as `statuses` shows.
fn work_on(statuses: &Json, worker: &str) -> usize {
    statuses.as_object().map_or(0, |m| {
        m.values()
            .map(|c| {
                let status = &c["status"];
                let tasks = status["tasks"]
                    .as_array()
                    .map_or(0, |t| t.iter().filter(|t| t["worker_id"] == worker).count());
                tasks + usize::from(status["connector"]["worker_id"] == worker)
            })
            .sum()
    })
}

/// `curl` with a method, a URL and an optional JSON body; returns (status, body).
fn curl(method: &str, url: &str, body: Option<&Json>) -> (u16, String) {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-m", "30", "-X", method, "-w", "\n%{http_code}"]);
    if let Some(b) = body {
        cmd.args(["-H", "Content-Type: application/json", "-d", &b.to_string()]);
    }
    let Ok(out) = cmd.arg(url).output() else {
        return (0, String::new());
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    match text.rsplit_once('\n') {
        Some((body, code)) => (code.trim().parse().unwrap_or(0), body.to_string()),
        None => (0, text),
    }
}

/// The workers' settings: one group, internal topics of their own, JSON with schemas.
fn properties(s: &Setup, group: &str, port: u16, delay_ms: Option<u64>) -> String {
    let mut text = format!(
        "bootstrap.servers={}\ngroup.id={group}\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\n\
         config.storage.topic={group}-configs\noffset.storage.topic={group}-offsets\n\
         status.storage.topic={group}-status\nconfig.storage.replication.factor=1\n\
         offset.storage.replication.factor=1\nstatus.storage.replication.factor=1\n\
         listeners=http://127.0.0.1:{port}\n",
        s.bootstrap
    );
    if let Some(delay) = delay_ms {
        text.push_str(&format!("scheduled.rebalance.max.delay.ms={delay}\n"));
    }
    text
}

/// Whether every connector of `expected` and its tasks run, as `statuses` (the answer to
/// `GET /connectors?expand=status`) shows; tasks on `dead` do not count.
fn all_running(statuses: &Json, expected: usize, dead: Option<&str>) -> bool {
    let Some(map) = statuses.as_object() else {
        return false;
    };
    let alive = |s: &Json| s["state"] == "RUNNING" && dead != s["worker_id"].as_str();
    map.len() == expected
        && map.values().all(|c| {
            let status = &c["status"];
            let tasks = status["tasks"].as_array();
            alive(&status["connector"])
                && tasks.is_some_and(|t| t.len() == TASKS && t.iter().all(alive))
        })
}

/// Polls `GET /connectors?expand=status` on `port` until `done`, for at most `limit`.
fn wait_statuses(port: u16, limit: Duration, done: impl Fn(&Json) -> bool) -> Result<(), String> {
    let url = format!("http://127.0.0.1:{port}/connectors?expand=status");
    let deadline = Instant::now() + limit;
    loop {
        let (code, body) = curl("GET", &url, None);
        if code == 200 && done(&serde_json::from_str(&body).unwrap_or(Json::Null)) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "not done after {limit:?}: last answer {code} {body}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs the workload on `engine`, with `scheduled.rebalance.max.delay.ms` set to `delay_ms`
/// (`None`: the implementation's default); the connectors write to `topic` (two
/// partitions, created by the caller).
pub fn run(
    s: &Setup,
    engine: &Engine,
    connectors: usize,
    delay_ms: Option<u64>,
    topic: &str,
) -> Result<ClusterRun, String> {
    let root = tempfile::tempdir().map_err(|e| e.to_string())?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let group = format!("bench-cluster-{}-{stamp}", engine.name());
    let mut workers = Vec::new();
    for n in 0..WORKERS {
        let dir = root.path().join(format!("worker{n}"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let port = kconnect_testkit::free_port();
        let props = properties(s, &group, port, delay_ms);
        workers.push(Worker::start_distributed(engine, &dir, port, &props)?);
    }
    for w in &mut workers {
        w.wait_rest_ready(Duration::from_secs(120))?;
    }
    let port = workers[0].port();
    let started = Instant::now();
    for c in 0..connectors {
        let body = json!({"name": format!("c{c:02}"), "config": {
            "connector.class": "org.apache.kafka.connect.tools.SchemaSourceConnector",
            "tasks.max": TASKS.to_string(),
            "topic": topic,
            "num.messages": "1",
            "throughput": "-1",
        }});
        let url = format!("http://127.0.0.1:{port}/connectors");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (code, answer) = curl("POST", &url, Some(&body));
            // A create during a rebalance is refused (409): try again.
            if code == 201 || answer.contains("already exists") {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("creating c{c:02}: {code} {answer}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    wait_statuses(port, Duration::from_secs(600), |v| {
        all_running(v, connectors, None)
    })?;
    let all_running_s = started.elapsed().as_secs_f64();
    let rss: Vec<f64> = workers.iter().map(Worker::rss_mib).collect();
    let rss_mib_mean = rss.iter().sum::<f64>() / rss.len() as f64;
    let rss_mib_max = rss.iter().copied().fold(0.0, f64::max);
    // The worker killed is a follower: Java's delay protects a follower's work (a new leader
    // reassigns at once).
    let leader = workers.iter().find_map(|w| leader_port(&w.full_log()));
    let victim = (0..WORKERS)
        .rev()
        .find(|n| Some(workers[*n].port()) != leader)
        .unwrap_or(WORKERS - 1);
    let port = workers[(victim + 1) % WORKERS].port();
    let dead = format!("127.0.0.1:{}", workers[victim].port());
    let (_, answer) = curl(
        "GET",
        &format!("http://127.0.0.1:{port}/connectors?expand=status"),
        None,
    );
    let killed_work = work_on(&serde_json::from_str(&answer).unwrap_or(Json::Null), &dead);
    if killed_work == 0 {
        return Err(format!(
            "the worker to kill ({dead}) runs nothing: {answer}"
        ));
    }
    let killed = Instant::now();
    workers[victim].kill9();
    wait_statuses(port, Duration::from_secs(900), |v| {
        all_running(v, connectors, Some(&dead))
    })?;
    let failover_s = killed.elapsed().as_secs_f64();
    for (n, w) in workers.into_iter().enumerate() {
        if n != victim {
            w.stop()?;
        }
    }
    Ok(ClusterRun {
        all_running_s,
        rss_mib_mean,
        rss_mib_max,
        failover_s,
        killed_work,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(worker: &str, tasks: &[&str]) -> Json {
        json!({"status": {
            "connector": {"state": "RUNNING", "worker_id": worker},
            "tasks": tasks.iter().map(|w| json!({"state": "RUNNING", "worker_id": w})).collect::<Vec<_>>(),
        }})
    }

    #[test]
    fn the_leader_port_is_the_last_one_logged() {
        let java = "Assignment{error=0, leader='connect-1', leaderUrl='http://127.0.0.1:8083/', offset=2}\n\
                    Assignment{error=0, leader='connect-2', leaderUrl='http://127.0.0.1:9000/', offset=3}";
        assert_eq!(leader_port(java), Some(9000));
        let kconnect = r#"INFO joined the group as follower generation=3 leader_url="http://127.0.0.1:41234/""#;
        assert_eq!(leader_port(kconnect), Some(41234));
        assert_eq!(leader_port("nothing"), None);
    }

    #[test]
    fn work_is_counted_per_worker() {
        let v = json!({"a": status("w1", &["w1", "w2"]), "b": status("w2", &["w2", "w3"])});
        assert_eq!(work_on(&v, "w2"), 3);
        assert_eq!(work_on(&v, "w4"), 0);
    }

    #[test]
    fn running_means_every_task_on_a_live_worker() {
        let v = json!({"a": status("w1", &["w1", "w2"]), "b": status("w2", &["w2", "w3"])});
        assert!(all_running(&v, 2, None));
        assert!(!all_running(&v, 3, None), "a connector is missing");
        assert!(
            !all_running(&v, 2, Some("w3")),
            "a task is still on the dead worker"
        );
        assert!(all_running(&v, 2, Some("w4")));
        let one_task = json!({"a": status("w1", &["w1"])});
        assert!(!all_running(&one_task, 1, None));
    }
}
