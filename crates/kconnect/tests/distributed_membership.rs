//! End-to-end tests of group membership changes in `kconnect distributed`: worker processes
//! on loopback sharing a group on a real Apache Kafka broker, running Datagen connectors. The
//! broker is shared by the test run: each test's group (hence its internal topics) is unique
//! and names the topics its connectors write to.
//!
//! * A worker joining a running cluster takes its share of the connectors and of the tasks
//!   (each worker ends up with the floor or the ceiling of the average), only work that
//!   moves to the newcomer is stopped on the other workers (their logs show which connectors
//!   and tasks they stopped as revoked), and the work that stays keeps producing records.
//! * A worker stopped with SIGTERM exits with status 0 right away and leaves the group: its
//!   connectors and tasks run on the remaining workers long before its session could have
//!   timed out.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::cluster::{
    all_logs, balanced, create_datagen_connectors, ids, loads, placement, plain, wait_healthy,
    Placement, Unit,
};
use common::Kconnect;
use kconnect_kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use kconnect_testkit::{unique, Broker, TopicReader};
use serde_json::Value;

/// The connectors of each test: name and `tasks.max`. Four connector instances and six
/// tasks: two workers hold 2 + 2 instances and 3 + 3 tasks, three hold 1-2 instances and
/// 2 tasks each.
const CONNECTORS: [(&str, u32); 4] = [("gen0", 2), ("gen1", 2), ("gen2", 1), ("gen3", 1)];

/// Records per second each connector generates (over all its tasks): enough to see the
/// tasks make progress, little enough to keep the machine quiet.
const RATE: u32 = 20;

/// How long work may take to settle after it is created or after a worker joins: moving work
/// takes a revocation round and an assignment round (docs/DISTRIBUTED.md), and the broker
/// completes each round only once every member rejoined (members learn of a rebalance from
/// their next heartbeat, every 500 ms).
const SETTLE_BOUND: Duration = Duration::from_secs(20);

/// How long a placement must stay the same to count as settled: longer than one more
/// rebalance round (every member rejoins after its next heartbeat) plus a status report
/// (500 ms).
const STABLE_FOR: Duration = Duration::from_secs(4);

/// `session.timeout.ms` of the graceful-leave test: far longer than a leave takes, so work
/// that moves before it did so because the worker left, not because it was evicted.
const LONG_SESSION: Duration = Duration::from_secs(45);

/// From SIGTERM to every connector and task of the stopped worker running elsewhere. The
/// LeaveGroup starts a rebalance at once: the remaining members learn of it from their next
/// heartbeat (500 ms) and rejoin, and the broker completes the round once both have. The
/// worker that leaves here is the leader, which adds a round: the new leader first has every
/// member confirm what it runs, then hands out the work that was the leader's. The process
/// also stops its own work first (under a second). The margin is for other builds and tests
/// sharing the machine; the bound stays far below [`LONG_SESSION`], so an eviction cannot
/// explain the move.
const LEAVE_BOUND: Duration = Duration::from_secs(10);

/// From SIGTERM to the process's exit: stopping paced Datagen tasks, copying offsets and
/// sending LeaveGroup (after finishing a JoinGroup in flight, if any: the broker answers it
/// once the other members rejoined too).
const EXIT_BOUND: Duration = Duration::from_secs(10);

/// The topic a connector of [`CONNECTORS`] writes to in the test whose group is `group`.
fn topic(group: &str, connector: &str) -> String {
    format!("{group}-{connector}")
}

/// Starts worker `w<n>` of `group` (with `extra` worker properties) under `root`.
fn start_worker(broker: &Broker, root: &Path, group: &str, n: usize, extra: &str) -> Kconnect {
    let mut k = Kconnect::new_distributed(&root.join(format!("w{n}")), broker, group, extra);
    k.start_distributed();
    k
}

/// Polls `k` until everything runs on `on`, balanced, with the placement unchanged for
/// [`STABLE_FOR`]; fails after `bound` with the workers' logs. Returns the placement and
/// when it was first seen.
async fn until_settled(
    k: &Kconnect,
    on: &[&Kconnect],
    bound: Duration,
    what: &str,
) -> (Placement, Instant) {
    let started = Instant::now();
    let workers = ids(on);
    let mut last: Option<(Placement, Instant)> = None;
    loop {
        let now = placement(k, &CONNECTORS)
            .await
            .filter(|p| balanced(p, &workers));
        last = match (now, last) {
            (Some(p), Some((q, since))) if p == q => {
                if since.elapsed() >= STABLE_FOR {
                    return (p, since);
                }
                Some((q, since))
            }
            (Some(p), _) => Some((p, Instant::now())),
            (None, _) => None,
        };
        if started.elapsed() > bound {
            let (_, body) = k.get("/connectors?expand=status").await;
            panic!(
                "{what}: not settled and balanced on {workers:?} within {bound:?}: {body}\n{}",
                all_logs(on)
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The value of `field=` on a log line.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let at = line.find(&format!(" {name}="))? + name.len() + 2;
    line[at..].split_whitespace().next()
}

/// The lines a worker writes when it stops revoked work, and the field naming the unit.
const REVOKED_LINES: [(&str, &str); 2] = [
    ("stopped connector (revoked)", "connector"),
    ("stopped task (revoked)", "task"),
];

/// The connectors and tasks (`gen0`, `gen0-1`) a worker's log says it stopped as revoked.
fn revoked_in(log: &str) -> BTreeSet<String> {
    let log = plain(log);
    let mut out = BTreeSet::new();
    for line in log.lines() {
        for (message, name) in REVOKED_LINES {
            if line.contains(message) {
                out.insert(field(line, name).unwrap_or(line).to_string());
            }
        }
    }
    out
}

/// Wall-clock time in milliseconds, as record timestamps have it.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The timestamps of the records each task of `connector` (with `tasks` tasks) of `group`
/// wrote: task `t` of Datagen writes the sequence numbers `t, t + tasks, ...`, which are the
/// keys.
fn timestamps_by_task(
    broker: &Broker,
    group: &str,
    connector: &str,
    tasks: u32,
) -> BTreeMap<u32, Vec<i64>> {
    let name = topic(group, connector);
    let consumer: BaseConsumer = broker
        .client_props()
        .to_rdkafka()
        .unwrap()
        .create()
        .unwrap();
    let (_, end) = consumer
        .fetch_watermarks(&name, 0, Duration::from_secs(10))
        .unwrap();
    let records = TopicReader::new(broker).read(
        &name,
        1,
        usize::try_from(end).unwrap(),
        Duration::from_secs(20),
    );
    let mut out: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for r in records {
        let key: Value = serde_json::from_slice(r.key.as_deref().unwrap()).unwrap();
        let sequence = key["payload"].as_u64().or(key.as_u64()).unwrap();
        let task = u32::try_from(sequence % u64::from(tasks)).unwrap();
        out.entry(task)
            .or_default()
            .push(r.timestamp.unwrap_or_default());
    }
    out
}

/// Starts one more worker of `group` and waits until the work settled over all workers.
/// Checks that work moved only to the newcomer and that each of the other workers stopped
/// exactly the work that moved away from it (the newcomer's share is checked by
/// [`until_settled`]: every worker ends with the floor or the ceiling of the average).
/// Returns the placements before and after.
async fn join_one(
    broker: &Broker,
    root: &Path,
    group: &str,
    workers: &mut Vec<Kconnect>,
) -> (Placement, Placement) {
    let old: Vec<&Kconnect> = workers.iter().collect();
    let (before, _) = until_settled(&workers[0], &old, SETTLE_BOUND, "before the join").await;
    // Only what the workers log from here on counts.
    let marks: Vec<usize> = workers.iter().map(|w| w.log().len()).collect();
    let started = Instant::now();
    let newcomer = start_worker(broker, root, group, workers.len(), "");
    wait_healthy(&newcomer).await;
    workers.push(newcomer);
    let all: Vec<&Kconnect> = workers.iter().collect();
    let (after, settled) = until_settled(&workers[0], &all, SETTLE_BOUND, "after the join").await;
    let new_id = all[all.len() - 1].worker_id();
    eprintln!(
        "worker {} of {group} joined; settled {:?} after it started; loads {:?}",
        all.len(),
        settled - started,
        loads(&after, &ids(&all))
    );

    let moved: BTreeMap<&Unit, &String> = before
        .iter()
        .filter(|(unit, owner)| after.get(*unit) != Some(*owner))
        .collect();
    for unit in moved.keys() {
        assert_eq!(
            after[*unit],
            new_id,
            "{unit} moved between the workers that were already there: {before:?} -> {after:?}\n{}",
            all_logs(&all)
        );
    }
    for (w, mark) in workers.iter().zip(marks) {
        let log = w.log();
        let stopped = revoked_in(log.get(mark..).unwrap_or(&log));
        let moved_away: BTreeSet<String> = moved
            .iter()
            .filter(|(_, owner)| ***owner == w.worker_id())
            .map(|(unit, _)| unit.to_string())
            .collect();
        assert_eq!(
            stopped,
            moved_away,
            "worker {} stopped other work than what moved to the newcomer ({before:?} -> {after:?})\n{}",
            w.worker_id(),
            all_logs(&all)
        );
    }
    (before, after)
}

/// Four Datagen connectors (six tasks) are created on one worker; a second, then a third
/// worker joins. After each join every worker holds its share, only work that moved to the
/// newcomer was stopped (by the logs of the workers already there), and after the second
/// join the tasks that stayed keep writing records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joining_worker_takes_its_share_without_stopping_work_that_stays() {
    let broker = Broker::shared();
    let root = tempfile::tempdir().unwrap();
    let group = &unique("membership-join");
    // Connectors are created on a single worker (its rebalances wait for no other member),
    // then workers join one by one: 1 -> 2 and 2 -> 3.
    let mut workers = vec![start_worker(&broker, root.path(), group, 0, "")];
    workers[0].wait_rest().await;
    create_datagen_connectors(&broker, group, &workers[0], &CONNECTORS, RATE).await;
    join_one(&broker, root.path(), group, &mut workers).await;
    let (before, after) = join_one(&broker, root.path(), group, &mut workers).await;
    let settled_ms = now_ms();

    // The tasks that stayed where they were kept producing after the cluster settled.
    let stayed: Vec<&Unit> = after
        .iter()
        .filter(|(unit, owner)| unit.task.is_some() && before.get(*unit) == Some(*owner))
        .map(|(unit, _)| unit)
        .collect();
    assert!(!stayed.is_empty(), "{before:?} -> {after:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut stalled = Vec::new();
        for (name, count) in CONNECTORS {
            let written = timestamps_by_task(&broker, group, name, count);
            for unit in stayed.iter().filter(|u| u.connector == name) {
                let task = unit.task.unwrap_or_default();
                let wrote = written
                    .get(&task)
                    .is_some_and(|at| at.iter().any(|&t| t > settled_ms));
                if !wrote {
                    stalled.push(unit.to_string());
                }
            }
        }
        if stalled.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "tasks {stalled:?} stayed where they were but wrote nothing since the cluster settled"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Three workers with a 45 s session timeout share four Datagen connectors; the leader gets
/// SIGTERM. It exits with status 0 within [`EXIT_BOUND`], having sent LeaveGroup, and its
/// connectors and tasks run on the two others, balanced, within [`LEAVE_BOUND`].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stopped_with_sigterm_exits_and_leaves_the_group_at_once() {
    let broker = Broker::shared();
    let root = tempfile::tempdir().unwrap();
    let group = &unique("membership-leave");
    let extra = format!("session.timeout.ms={}", LONG_SESSION.as_millis());
    // Connectors are created on a single worker (its rebalances wait for no other member),
    // then two more join.
    let mut workers = vec![start_worker(&broker, root.path(), group, 0, &extra)];
    workers[0].wait_rest().await;
    create_datagen_connectors(&broker, group, &workers[0], &CONNECTORS, RATE).await;
    until_settled(&workers[0], &[&workers[0]], SETTLE_BOUND, "one worker").await;
    for n in 1..3 {
        workers.push(start_worker(&broker, root.path(), group, n, &extra));
    }
    for w in &workers {
        wait_healthy(w).await;
    }
    let all: Vec<&Kconnect> = workers.iter().collect();
    let (before, _) = until_settled(&workers[0], &all, SETTLE_BOUND, "three workers").await;
    // The worker that formed the group leaves. It leads the group, so this is the slower
    // case of a leave: the new leader first has every member confirm what it runs.
    let victim = 0;
    let victim_id = workers[victim].worker_id();
    let its_work: Vec<&Unit> = before
        .iter()
        .filter(|(_, w)| **w == victim_id)
        .map(|(u, _)| u)
        .collect();
    assert!(!its_work.is_empty());

    let signalled = Instant::now();
    let code = workers[victim].stop();
    let exited = signalled.elapsed();
    let log = workers[victim].log();
    assert_eq!(code, Some(0), "exit status after SIGTERM\n{log}");
    assert!(
        exited < EXIT_BOUND,
        "exited {exited:?} after SIGTERM\n{log}"
    );
    assert!(
        plain(&log).contains("left the group"),
        "no LeaveGroup was sent\n{log}"
    );

    let rest: Vec<&Kconnect> = workers
        .iter()
        .enumerate()
        .filter(|(n, _)| *n != victim)
        .map(|(_, w)| w)
        .collect();
    let rest_ids = ids(&rest);
    let deadline = signalled + LEAVE_BOUND;
    let moved_after = loop {
        let now = placement(rest[0], &CONNECTORS).await;
        if now.is_some_and(|p| balanced(&p, &rest_ids)) {
            break signalled.elapsed();
        }
        if Instant::now() > deadline {
            let (_, body) = rest[0].get("/connectors?expand=status").await;
            panic!(
                "the work of {victim_id} ({its_work:?}) was not running on {rest_ids:?} within {LEAVE_BOUND:?} of SIGTERM (session timeout {LONG_SESSION:?}): {body}\n{}",
                all_logs(&workers.iter().collect::<Vec<_>>())
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!("exited after {exited:?}; work running on the others {moved_after:?} after SIGTERM");
}
