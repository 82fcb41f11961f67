//! Distributed coordination against a real broker, in one process: several members run the
//! Connect group protocol (sessioned, incremental cooperative) over a shared config
//! snapshot, and a ledger checks that no connector or task ever has two owners, that a
//! crashed member's work moves to the survivors within the session timeout plus a few
//! seconds, that a joining member takes its share without stopping work that stays, and that
//! a graceful leave is noticed at once.

#![allow(clippy::unwrap_used)] // test helpers

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_kafka::group::{GroupConfig, GroupEvent, GroupMember, GroupProtocol};
use kconnect_runtime::herder::distributed::group_protocol::{
    ConfigSource, ConnectGroupProtocol, LocalAssignment,
};
use kconnect_runtime::herder::distributed::member_state::{MemberState, Reaction};
use kconnect_runtime::herder::distributed::ConnectProtocol;
use kconnect_runtime::storage::config_records::ConfigRecord;
use kconnect_runtime::storage::config_state::ConfigState;
use kconnect_runtime::task::TaskId;
use kconnect_testkit::{unique, Broker};

mod distributed_support;
use distributed_support::{all_owned_by, wait_for, Ledger};
use tokio::task::JoinHandle;
use tokio::time::Instant;

const SESSION: Duration = Duration::from_millis(6_000);
const CONVERGE: Duration = Duration::from_secs(60);
/// Crash to all work running elsewhere: the session timeout, after which the coordinator
/// removes the crashed member and starts a rebalance, then the rounds of the new leader (it
/// first has every member confirm what it runs, then hands out the crashed member's work).
/// Each round ends once every survivor has rejoined, which each does at its next heartbeat
/// (every 500 ms) or as soon as it applied the previous assignment.
const FAILOVER_BOUND: Duration = Duration::from_secs(6 + 10);

/// Three connectors with two tasks each.
fn config() -> ConfigState {
    let mut state = ConfigState::new();
    let mut offset = 0;
    for c in ["alpha", "beta", "gamma"] {
        let mut records = vec![ConfigRecord::Connector(c.into(), Some(BTreeMap::new()))];
        for n in 0..2 {
            records.push(ConfigRecord::Task(
                TaskId {
                    connector: c.into(),
                    task: n,
                },
                Some(BTreeMap::new()),
            ));
        }
        records.push(ConfigRecord::Commit(c.into(), 2));
        for r in records {
            state.apply(offset, r);
            offset += 1;
        }
    }
    state
}

struct TestWorker {
    member: GroupMember,
    events: JoinHandle<()>,
}

/// Name of the worker that led the last generation any worker saw.
type Leader = Arc<Mutex<String>>;

fn start_worker(
    broker: &Broker,
    group: &str,
    name: &str,
    ledger: Arc<Ledger>,
    leader: Leader,
) -> TestWorker {
    let snapshot = config();
    let source: ConfigSource = Arc::new(move || snapshot.clone());
    let local = Arc::new(Mutex::new(LocalAssignment::default()));
    let protocol = Arc::new(ConnectGroupProtocol::new(
        &format!("http://{name}/"),
        ConnectProtocol::Sessioned,
        0,
        source,
        local.clone(),
    ));
    let mut cfg = GroupConfig::new(&broker.bootstrap(), group, "connect");
    cfg.client_id = name.into();
    cfg.session_timeout = SESSION;
    cfg.heartbeat_interval = Duration::from_millis(500);
    cfg.rebalance_timeout = Duration::from_secs(20);
    let as_group: Arc<dyn GroupProtocol> = protocol.clone();
    let (member, mut events) = GroupMember::start(cfg, as_group);
    let rejoin = member.rejoin_handle();
    let name = name.to_string();
    let events = tokio::spawn(async move {
        let mut state = MemberState::new(local);
        while let Some(event) = events.recv().await {
            match event {
                GroupEvent::Assigned(joined) => {
                    protocol.observe(joined.generation, joined.leader_id == joined.member_id);
                    if let Some((who, _)) = joined.leader_id.split_once('-') {
                        *leader.lock().unwrap() = who.to_string();
                    }
                    match state.on_assigned(&joined) {
                        Reaction::Apply {
                            stop,
                            start,
                            rejoin: again,
                            rejoin_after,
                            ..
                        } => {
                            ledger.stop(&name, &stop);
                            state.on_stopped();
                            ledger.start(&name, &start);
                            if again {
                                rejoin.rejoin("confirming changes");
                            }
                            if let Some(delay) = rejoin_after {
                                let r = rejoin.clone();
                                tokio::spawn(async move {
                                    tokio::time::sleep(delay).await;
                                    r.rejoin("scheduled delay elapsed");
                                });
                            }
                        }
                        Reaction::CatchUpAndRejoin { .. } => rejoin.retry("config behind"),
                        Reaction::Retry { reason } => rejoin.retry(&reason),
                    }
                }
                GroupEvent::Rebalancing => ledger.stop(&name, &state.on_rebalancing()),
                GroupEvent::Lost(_) => ledger.stop(&name, &state.on_lost()),
            }
        }
    });
    TestWorker { member, events }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_runs_once_fails_over_rebalances_on_join_and_on_leave() {
    let broker = Broker::shared();
    let group = unique("coordination");
    let (ledger, mut changes) = Ledger::new();
    let ledger = Arc::new(ledger);
    let leader: Leader = Arc::default();
    let total = 9;
    let mut workers: BTreeMap<String, TestWorker> = BTreeMap::new();
    for name in ["a", "b", "c"] {
        workers.insert(
            name.into(),
            start_worker(&broker, &group, name, ledger.clone(), leader.clone()),
        );
    }
    wait_for(&ledger, &mut changes, CONVERGE, "three-way balance", |o| {
        all_owned_by(o, total, &["a", "b", "c"])
    })
    .await;

    // The leader crashes (the slowest case: the new leader first has every member confirm
    // what it runs). Its work runs on the survivors within the documented bound.
    let dead = leader.lock().unwrap().clone();
    let survivors: Vec<&str> = ["a", "b", "c"].into_iter().filter(|w| *w != dead).collect();
    let crashed = Instant::now();
    let w = workers.remove(&dead).unwrap();
    w.events.abort();
    drop(w.member);
    ledger.crash(&dead);
    wait_for(&ledger, &mut changes, FAILOVER_BOUND, "failover", |o| {
        all_owned_by(o, total, &survivors)
    })
    .await;
    let failover = crashed.elapsed();
    assert!(failover <= FAILOVER_BOUND, "failover took {failover:?}");

    // d joins and takes its share; work that stays where it is is never stopped.
    let before = ledger.owners();
    let stops_before = ledger.stopped.lock().unwrap().len();
    workers.insert(
        "d".into(),
        start_worker(&broker, &group, "d", ledger.clone(), leader.clone()),
    );
    let mut three = survivors.clone();
    three.push("d");
    wait_for(&ledger, &mut changes, CONVERGE, "share for d", |o| {
        all_owned_by(o, total, &three)
    })
    .await;
    let after = ledger.owners();
    let stops: Vec<(String, String)> = ledger.stopped.lock().unwrap()[stops_before..].to_vec();
    for (item, owner) in &before {
        if after.get(item) == Some(owner) {
            assert!(
                !stops.contains(&(owner.clone(), item.clone())),
                "{item} was stopped on {owner} although it stayed"
            );
        }
    }

    // A follower leaves gracefully: its work starts moving before a session timeout could
    // have passed, and is all running again soon after.
    let current = leader.lock().unwrap().clone();
    let leaver = three
        .iter()
        .copied()
        .find(|w| *w != current)
        .unwrap()
        .to_string();
    let rest: Vec<&str> = three.iter().copied().filter(|w| *w != leaver).collect();
    let leaver_items: Vec<String> = ledger
        .owners()
        .into_iter()
        .filter(|(_, w)| *w == leaver)
        .map(|(i, _)| i)
        .collect();
    assert!(!leaver_items.is_empty());
    let w = workers.remove(&leaver).unwrap();
    w.events.abort();
    w.member.leave().await;
    ledger.crash(&leaver);
    // An evicted member would hold its work for a whole session timeout after its last
    // heartbeat (right before the LeaveGroup); a departed one releases it before that.
    let left = Instant::now();
    wait_for(
        &ledger,
        &mut changes,
        SESSION - Duration::from_secs(1),
        "leaver's work moving",
        |o| leaver_items.iter().any(|i| o.contains_key(i)),
    )
    .await;
    wait_for(&ledger, &mut changes, CONVERGE, "after leave", |o| {
        all_owned_by(o, total, &rest)
    })
    .await;
    assert!(
        left.elapsed() < SESSION + Duration::from_secs(8),
        "leave handled after {:?}",
        left.elapsed()
    );

    assert!(
        ledger.violations.lock().unwrap().is_empty(),
        "{:?}",
        ledger.violations.lock().unwrap()
    );
    for (_, w) in workers {
        w.events.abort();
        w.member.leave().await;
    }
}
