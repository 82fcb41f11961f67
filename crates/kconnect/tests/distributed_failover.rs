//! Failover of `kconnect distributed` on Apache Kafka, with real processes and SIGKILL: a
//! cluster of 2, 3 or 5 workers runs Datagen connectors; the leader or a follower is killed;
//! every connector and task it ran must run on the survivors within `session.timeout.ms` plus
//! `scheduled.rebalance.max.delay.ms` plus a margin, for kconnect's default delay (0), 5 s,
//! 60 s and Java's default (300 s). While they wait, the survivors must not spin: their CPU
//! stays low and they send only a handful of JoinGroup requests (a rejoin loop once sent
//! about 90 per second).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::cluster::{
    all_logs, cpu_time, create_datagen_connectors, ids, placement, plain, wait_healthy, Placement,
};
use common::Kconnect;
use kconnect_testkit::{unique, Broker};

/// `session.timeout.ms` of the workers (Kafka's minimum by default).
const SESSION: Duration = Duration::from_secs(6);

/// Time on top of the session timeout and the scheduled delay for the work to run again:
/// the coordinator's rebalance after the eviction, a confirmation round when the leader
/// changed, the assignment round after the delay, starting the tasks and a status report;
/// plus room for other tests sharing the machine.
const MARGIN: Duration = Duration::from_secs(10);

/// Records per second of each connector: the tasks keep working, the machine stays quiet.
const RATE: u32 = 10;

/// Most CPU a survivor may use, as a share of one core, while it waits for the work.
const MAX_CPU_SHARE: f64 = 0.25;

/// Most JoinGroup requests a survivor may send while it waits: one rebalance after the
/// eviction, a confirmation round when the leader changed, rounds confirming revocations and
/// assignments, and one after the scheduled delay, each a request or two.
const MAX_JOINS: usize = 16;

/// The log line the group client writes (at debug level) for every JoinGroup it sends.
const JOIN_LINE: &str = "sending JoinGroup";

struct Case {
    workers: usize,
    kill_leader: bool,
    delay: Duration,
}

/// One connector per worker, two tasks each.
fn connectors(workers: usize) -> Vec<(String, u32)> {
    (0..workers).map(|n| (format!("gen{n}"), 2)).collect()
}

fn start_worker(broker: &Broker, root: &Path, group: &str, n: usize, delay: Duration) -> Kconnect {
    let extra = format!(
        "scheduled.rebalance.max.delay.ms={}\nsession.timeout.ms={}\n",
        delay.as_millis(),
        SESSION.as_millis()
    );
    let mut k = Kconnect::new_distributed(&root.join(format!("w{n}")), broker, group, &extra);
    k.log_filter = "info,kconnect_kafka::group=debug".into();
    k.start_distributed();
    k
}

/// Polls `k` until every connector and task runs on one of `on`; `None` after `bound`.
async fn until_running_on(
    k: &Kconnect,
    list: &[(&str, u32)],
    on: &[String],
    bound: Duration,
) -> Option<Placement> {
    let deadline = Instant::now() + bound;
    loop {
        if let Some(p) = placement(k, list).await {
            if p.values().all(|w| on.contains(w)) {
                return Some(p);
            }
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn failover(case: Case) {
    let broker = Broker::shared();
    let root = tempfile::tempdir().unwrap();
    let group = &unique("failover");
    let owned = connectors(case.workers);
    let list: Vec<(&str, u32)> = owned.iter().map(|(n, t)| (n.as_str(), *t)).collect();

    // The first worker forms the group alone and leads it as long as it lives.
    let mut workers = vec![start_worker(&broker, root.path(), group, 0, case.delay)];
    workers[0].wait_rest().await;
    create_datagen_connectors(&broker, group, &workers[0], &list, RATE).await;
    for n in 1..case.workers {
        workers.push(start_worker(&broker, root.path(), group, n, case.delay));
    }
    for w in &workers {
        wait_healthy(w).await;
    }
    let everyone = ids(&workers.iter().collect::<Vec<_>>());
    // Every worker holds some work before one is killed.
    let deadline = Instant::now() + Duration::from_secs(60);
    let before = loop {
        let p = placement(&workers[0], &list).await;
        if let Some(p) = p.filter(|p| everyone.iter().all(|w| p.values().any(|o| o == w))) {
            break p;
        }
        assert!(
            Instant::now() < deadline,
            "the work was not spread over all {} workers\n{}",
            case.workers,
            all_logs(&workers.iter().collect::<Vec<_>>())
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let victim = if case.kill_leader {
        0
    } else {
        case.workers - 1
    };
    let victim_id = workers[victim].worker_id();
    let its_work = before.values().filter(|w| **w == victim_id).count();
    assert!(its_work > 0, "{before:?}");
    let survivors: Vec<usize> = (0..case.workers).filter(|n| *n != victim).collect();
    let survivor_ids: Vec<String> = survivors.iter().map(|n| workers[*n].worker_id()).collect();
    let marks: Vec<usize> = survivors
        .iter()
        .map(|n| plain(&workers[*n].log()).len())
        .collect();
    let cpu_before: Vec<Duration> = survivors
        .iter()
        .map(|n| cpu_time(workers[*n].pid().unwrap()))
        .collect();

    let killed = Instant::now();
    workers[victim].kill9();
    let bound = SESSION + case.delay + MARGIN;
    let observer = &workers[survivors[0]];
    let after = until_running_on(observer, &list, &survivor_ids, bound).await;
    let elapsed = killed.elapsed();
    let survivors_refs: Vec<&Kconnect> = survivors.iter().map(|n| &workers[*n]).collect();
    let Some(after) = after else {
        let (_, body) = observer.get("/connectors?expand=status").await;
        panic!(
            "the killed worker's work did not run elsewhere within {bound:?}: {body}\n{}",
            all_logs(&survivors_refs)
        );
    };
    let moved = after
        .iter()
        .filter(|(unit, _)| before.get(*unit) == Some(&victim_id))
        .count();
    assert_eq!(moved, its_work, "{before:?} -> {after:?}");

    let mut report = Vec::new();
    for ((n, mark), cpu) in survivors.iter().zip(&marks).zip(&cpu_before) {
        let w = &workers[*n];
        let used = cpu_time(w.pid().unwrap()).saturating_sub(*cpu);
        let share = used.as_secs_f64() / elapsed.as_secs_f64();
        let log = plain(&w.log());
        let joins = log.get(*mark..).unwrap_or(&log).matches(JOIN_LINE).count();
        report.push(format!(
            "{}: {joins} JoinGroup, CPU {:.1}% of a core",
            w.worker_id(),
            share * 100.0
        ));
        assert!(
            joins <= MAX_JOINS,
            "{} sent {joins} JoinGroup requests in {elapsed:?} while waiting\n{}",
            w.worker_id(),
            all_logs(&survivors_refs)
        );
        assert!(
            share <= MAX_CPU_SHARE,
            "{} used {:.0}% of a core while waiting {elapsed:?}\n{}",
            w.worker_id(),
            share * 100.0,
            all_logs(&survivors_refs)
        );
    }
    eprintln!(
        "{} workers, {} killed, delay {:?}: its {its_work} units ran elsewhere {elapsed:?} after SIGKILL; {}",
        case.workers,
        if case.kill_leader { "leader" } else { "follower" },
        case.delay,
        report.join("; ")
    );
    if !case.kill_leader && !case.delay.is_zero() {
        // The survivors' leader waited for the worker to come back before moving its work.
        assert!(
            elapsed >= case.delay,
            "work moved after {elapsed:?}, before the scheduled delay of {:?}",
            case.delay
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_leader_killed_default_delay() {
    failover(Case {
        workers: 2,
        kill_leader: true,
        delay: Duration::ZERO,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_follower_killed_5s_delay() {
    failover(Case {
        workers: 2,
        kill_leader: false,
        delay: Duration::from_secs(5),
    })
    .await;
}

/// A new leader knows nothing of the previous assignment, so the dead leader's work is
/// unassigned work to it and runs again at once, whatever the delay (as in Java).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_leader_killed_60s_delay() {
    failover(Case {
        workers: 3,
        kill_leader: true,
        delay: Duration::from_secs(60),
    })
    .await;
}

/// Java's default delay: the leader keeps a dead follower's work for five minutes in case it
/// comes back, then moves it; the survivors stay quiet meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_follower_killed_javas_default_300s_delay() {
    failover(Case {
        workers: 3,
        kill_leader: false,
        delay: Duration::from_secs(300),
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_workers_leader_killed_5s_delay() {
    failover(Case {
        workers: 5,
        kill_leader: true,
        delay: Duration::from_secs(5),
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_workers_follower_killed_default_delay() {
    failover(Case {
        workers: 5,
        kill_leader: false,
        delay: Duration::ZERO,
    })
    .await;
}
