//! Sink offset commits (kafka-connect-spec.md §8.5), with a scripted task run by a worker: a failing
//! `pre_commit` rewinds to the committed offsets instead of failing the task; on shutdown the
//! partitions are closed before `stop`, after `pre_commit` and before a synchronous commit; a
//! failed asynchronous commit is sent again (librdkafka's mock cluster refuses the first one);
//! on revocation `pre_commit`, `close` and a commit happen before the partitions leave; pausing
//! the connector commits (Java requests a commit when pausing).

#![allow(clippy::unwrap_used)] // test code

mod support;

use std::time::{Duration, Instant};

use kconnect_kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use kconnect_kafka::rdkafka::mocking::MockCluster;
use kconnect_kafka::rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use kconnect_kafka::ClientProps;
use kconnect_runtime::worker::status::State;
use kconnect_runtime::worker::TargetState;
use kconnect_testkit::{unique, Broker};
use support::scripted_sink::{produce, setup, written, Script, SINK};
use support::{committed_offset, registry, until, Harness};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_pre_commit_rewinds_to_the_committed_offsets_instead_of_failing() {
    let broker = Broker::shared();
    // The topic and the connector (so its group `connect-<name>` too) have one name.
    let name = unique("flush");
    let group = format!("connect-{name}");
    broker.create_topic(&name, 1).await;
    produce(&broker.client_props(), &name, 1, 10);
    let s = setup(
        &name,
        Script {
            fail_first_pre_commit: true,
            ..Script::default()
        },
    );
    let h = Harness::new(&broker.bootstrap(), &[], registry(None, Some(s.factory)));
    h.start(&name, SINK, &[("topics", &name)], TargetState::Started)
        .await;
    // What was delivered before the failed pre_commit comes again, from offset 0.
    until(
        "every record written and some again, or the task failing",
        WAIT,
        || {
            let mut w = written(&s.log);
            let all = w.len();
            w.sort_unstable();
            w.dedup();
            (all > 10 && w.len() == 10) || h.task_state(&name) == Some(State::Failed)
        },
    )
    .await;
    assert_eq!(
        h.task_state(&name),
        Some(State::Running),
        "{}",
        h.task_status(&name)
    );
    h.worker.stop_all().await;
    let w = written(&s.log);
    assert!(
        w.iter().filter(|&&r| r == (0, 0)).count() == 2,
        "offset 0 not delivered again: {w:?}"
    );
    assert_eq!(
        committed_offset(&broker.client_props(), &group, &name, 0),
        Some(10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_commits_synchronously_and_closes_the_partitions_before_stop() {
    let broker = Broker::shared();
    let name = unique("shutdown");
    let group = format!("connect-{name}");
    broker.create_topic(&name, 1).await;
    produce(&broker.client_props(), &name, 1, 10);
    let s = setup(&name, Script::default());
    let h = Harness::new(
        &broker.bootstrap(),
        // Only the shutdown commits.
        &[("offset.flush.interval.ms", "600000")],
        registry(None, Some(s.factory)),
    );
    h.start(&name, SINK, &[("topics", &name)], TargetState::Started)
        .await;
    until("every record written", WAIT, || written(&s.log).len() >= 10).await;
    assert_eq!(
        committed_offset(&broker.client_props(), &group, &name, 0),
        None
    );
    h.worker.stop_all().await;
    let calls = s.log.lock().unwrap().calls.clone();
    assert_eq!(calls[..2], ["start", "open [0]"]);
    assert_eq!(
        calls[calls.len() - 3..],
        ["pre_commit [(0, 10)]", "close [0]", "stop"],
        "{calls:?}"
    );
    assert_eq!(
        committed_offset(&broker.client_props(), &group, &name, 0),
        Some(10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_asynchronous_commit_is_sent_again() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("retried", 1, 1).unwrap();
    let mut client = ClientProps::new();
    client.set("bootstrap.servers", cluster.bootstrap_servers());
    produce(&client, "retried", 1, 5);
    // The broker refuses the first offset commit.
    cluster.request_errors(
        RDKafkaApiKey::OffsetCommit,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED],
    );
    let s = setup("retried", Script::default());
    let h = Harness::new(
        &cluster.bootstrap_servers(),
        &[],
        registry(None, Some(s.factory)),
    );
    h.start(
        "retried",
        SINK,
        &[("topics", "retried")],
        TargetState::Started,
    )
    .await;
    until("every record written", WAIT, || written(&s.log).len() >= 5).await;
    until(
        "the group's offset committed while the task runs",
        WAIT,
        || committed_offset(&client, "connect-retried", "retried", 0) == Some(5),
    )
    .await;
    assert!(s.log.lock().unwrap().pre_commits >= 2);
    assert_eq!(h.task_state("retried"), Some(State::Running));
    h.worker.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_runs_pre_commit_close_and_a_commit_before_the_partitions_leave() {
    let broker = Broker::shared();
    let name = unique("revoked");
    let group = format!("connect-{name}");
    broker.create_topic(&name, 2).await;
    produce(&broker.client_props(), &name, 2, 5);
    let s = setup(&name, Script::default());
    let h = Harness::new(
        &broker.bootstrap(),
        // Only revocations and the shutdown commit.
        &[("offset.flush.interval.ms", "600000")],
        registry(None, Some(s.factory)),
    );
    h.start(&name, SINK, &[("topics", &name)], TargetState::Started)
        .await;
    until("every record written", WAIT, || written(&s.log).len() >= 10).await;
    // A second member joins the group: the task's partitions are revoked, then it gets a share.
    let mut props = broker.client_props();
    props
        .set("group.id", &group)
        .set("enable.auto.commit", "false");
    let other: BaseConsumer = props.to_rdkafka().unwrap().create().unwrap();
    other.subscribe(&[name.as_str()]).unwrap();
    let deadline = Instant::now() + WAIT;
    let reopened = |calls: &[String]| {
        calls
            .iter()
            .skip_while(|c| !c.starts_with("close"))
            .any(|c| c.starts_with("open"))
    };
    while !reopened(&s.log.lock().unwrap().calls) {
        assert!(
            Instant::now() < deadline,
            "no rebalance: {:?}",
            s.log.lock().unwrap().calls
        );
        tokio::task::block_in_place(|| {
            let _ = other.poll(Duration::from_millis(50));
        });
    }
    let calls = s.log.lock().unwrap().calls.clone();
    let close = calls.iter().position(|c| c == "close [0, 1]").unwrap();
    assert_eq!(calls[close - 1], "pre_commit [(0, 5), (1, 5)]", "{calls:?}");
    let client = broker.client_props();
    assert_eq!(committed_offset(&client, &group, &name, 0), Some(5));
    assert_eq!(committed_offset(&client, &group, &name, 1), Some(5));
    drop(other);
    h.worker.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pausing_the_connector_commits_what_was_delivered() {
    let broker = Broker::shared();
    let name = unique("pausing");
    let group = format!("connect-{name}");
    broker.create_topic(&name, 1).await;
    produce(&broker.client_props(), &name, 1, 10);
    let s = setup(&name, Script::default());
    let h = Harness::new(
        &broker.bootstrap(),
        // No periodic commit during the test.
        &[("offset.flush.interval.ms", "600000")],
        registry(None, Some(s.factory)),
    );
    h.start(&name, SINK, &[("topics", &name)], TargetState::Started)
        .await;
    until("every record written", WAIT, || written(&s.log).len() >= 10).await;
    h.worker
        .set_target(&name, TargetState::Paused)
        .await
        .unwrap();
    until("the task reports PAUSED", WAIT, || {
        h.task_state(&name) == Some(State::Paused)
    })
    .await;
    let client = broker.client_props();
    until("the offsets committed while paused", WAIT, || {
        committed_offset(&client, &group, &name, 0) == Some(10)
    })
    .await;
    assert!(s
        .log
        .lock()
        .unwrap()
        .calls
        .contains(&"pre_commit [(0, 10)]".to_string()));
    h.worker.stop_all().await;
}
