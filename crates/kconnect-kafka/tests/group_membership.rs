//! The group member against a real broker: joining, leader election, assignment delivery,
//! eviction of a silent member, graceful leave, and heartbeats that do not depend on the
//! application reading its events.

use std::sync::Arc;
use std::time::Duration;

use kconnect_kafka::group::{
    GroupConfig, GroupEvent, GroupMember, GroupProtocol, Joined, LeaderContext,
};
use kconnect_testkit::{unique, Broker};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{timeout_at, Instant};

const SESSION: Duration = Duration::from_millis(6_000);

/// Offers one protocol; the leader tells every member the sorted member list.
struct ListMembers;

impl GroupProtocol for ListMembers {
    fn metadata(&self) -> Vec<(String, Vec<u8>)> {
        vec![("list".into(), b"meta".to_vec())]
    }

    fn assign(&self, leader: &LeaderContext<'_>) -> Vec<(String, Vec<u8>)> {
        let mut ids: Vec<&str> = leader
            .members
            .iter()
            .map(|m| m.member_id.as_str())
            .collect();
        ids.sort_unstable();
        let text = ids.join(",");
        ids.iter()
            .map(|id| (id.to_string(), text.clone().into_bytes()))
            .collect()
    }
}

fn config(broker: &Broker, group: &str, client: &str) -> GroupConfig {
    let mut c = GroupConfig::new(&broker.bootstrap(), group, "connect");
    c.client_id = client.into();
    c.session_timeout = SESSION;
    c.heartbeat_interval = Duration::from_millis(500);
    c.rebalance_timeout = Duration::from_secs(20);
    c.request_timeout = Duration::from_secs(10);
    c
}

fn start(
    broker: &Broker,
    group: &str,
    client: &str,
) -> (GroupMember, UnboundedReceiver<GroupEvent>) {
    GroupMember::start(config(broker, group, client), Arc::new(ListMembers))
}

/// Waits for an assignment listing exactly `members` members.
async fn assigned_with(
    events: &mut UnboundedReceiver<GroupEvent>,
    members: usize,
    within: Duration,
) -> Joined {
    let deadline = Instant::now() + within;
    loop {
        match timeout_at(deadline, events.recv()).await {
            Ok(Some(GroupEvent::Assigned(j))) => {
                let listed = String::from_utf8_lossy(&j.assignment)
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .count();
                if listed == members {
                    return j;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("membership stopped"),
            Err(_) => panic!("no assignment with {members} members within {within:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_join_elect_one_leader_and_rebalance_on_eviction_and_leave() {
    let broker = Broker::shared();
    let group = unique("g1");
    let (a, mut a_events) = start(&broker, &group, "a");
    let first = assigned_with(&mut a_events, 1, Duration::from_secs(30)).await;
    assert_eq!(first.leader_id, first.member_id);
    assert_eq!(first.protocol, "list");

    let (b, mut b_events) = start(&broker, &group, "b");
    let b_joined = assigned_with(&mut b_events, 2, Duration::from_secs(30)).await;
    let a_joined = assigned_with(&mut a_events, 2, Duration::from_secs(30)).await;
    assert_eq!(a_joined.assignment, b_joined.assignment);
    assert_eq!(a_joined.leader_id, b_joined.leader_id);
    assert!([&a_joined.member_id, &b_joined.member_id].contains(&&a_joined.leader_id));
    assert_ne!(a_joined.member_id, b_joined.member_id);

    // B crashes: no LeaveGroup, no heartbeats. A has the whole assignment again within the
    // session timeout plus the heartbeat that notices and the rejoin.
    let crashed = Instant::now();
    drop(b);
    let alone = assigned_with(&mut a_events, 1, SESSION + Duration::from_secs(10)).await;
    assert!(
        crashed.elapsed() <= SESSION + Duration::from_secs(2),
        "failover took {:?}",
        crashed.elapsed()
    );
    assert_eq!(alone.assignment, alone.member_id.as_bytes());

    // C joins, then leaves gracefully: A rebalances well before a session timeout.
    let (c, mut c_events) = start(&broker, &group, "c");
    assigned_with(&mut c_events, 2, Duration::from_secs(30)).await;
    assigned_with(&mut a_events, 2, Duration::from_secs(30)).await;
    let left = Instant::now();
    c.leave().await;
    assigned_with(&mut a_events, 1, SESSION).await;
    assert!(
        left.elapsed() < SESSION,
        "leave was not noticed at once: {:?}",
        left.elapsed()
    );
    a.leave().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_continue_while_the_application_is_busy() {
    let broker = Broker::shared();
    let group = unique("g2");
    let (a, mut a_events) = start(&broker, &group, "a");
    let (b, mut b_events) = start(&broker, &group, "b");
    assigned_with(&mut a_events, 2, Duration::from_secs(40)).await;
    assigned_with(&mut b_events, 2, Duration::from_secs(40)).await;
    // Neither application reads its events for two session timeouts (as if starting slow
    // tasks); a third member then joins, and both are still members: the new assignment
    // lists three.
    let busy_until = Instant::now() + SESSION * 2;
    tokio::time::sleep_until(busy_until).await;
    let (c, mut c_events) = start(&broker, &group, "c");
    assigned_with(&mut c_events, 3, Duration::from_secs(40)).await;
    assigned_with(&mut a_events, 3, Duration::from_secs(40)).await;
    assigned_with(&mut b_events, 3, Duration::from_secs(40)).await;
    for m in [a, b, c] {
        m.leave().await;
    }
}
