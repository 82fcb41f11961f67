//! What a sink task asks of its context takes effect (kafka-connect-spec.md §8.5), with a scripted task run by a
//! worker against a real broker: `offset` in `put` makes the records after it come again (none
//! lost, none committed past it), `offset` in `open` sets where partitions start, `pause` holds
//! a partition back until `resume`, and `timeout` has `put` called without records.

#![allow(clippy::unwrap_used)] // test code

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use kconnect_runtime::worker::TargetState;
use kconnect_testkit::{unique, Broker};
use support::scripted_sink::{produce, range, setup, written, Script, SINK};
use support::{committed_offset, registry, until, Harness};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_after_a_requested_offset_are_delivered_again_not_lost() {
    let broker = Broker::shared();
    // The topic and the connector (so its group `connect-<name>` too) have one name.
    let name = unique("rewind");
    // The ten records are one batch: the rewind to the middle of the first `put` seeks into
    // the middle of that batch.
    broker.create_topic(&name, 1).await;
    produce(&broker.client_props(), &name, 1, 10);
    let s = setup(
        &name,
        Script {
            rewind_in_first_put: true,
            ..Script::default()
        },
    );
    let h = Harness::new(&broker.bootstrap(), &[], registry(None, Some(s.factory)));
    h.start(&name, SINK, &[("topics", &name)], TargetState::Started)
        .await;
    until("every record written", WAIT, || written(&s.log).len() >= 10).await;
    h.worker.stop_all().await;
    assert_eq!(
        written(&s.log),
        range(0, 0..10),
        "each record once, in order"
    );
    assert_eq!(
        committed_offset(&broker.client_props(), &format!("connect-{name}"), &name, 0),
        Some(10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_requested_in_open_are_where_the_partitions_start() {
    let broker = Broker::shared();
    let name = unique("start-at");
    // Offset 6 is in the middle of the batch of ten.
    broker.create_topic(&name, 1).await;
    produce(&broker.client_props(), &name, 1, 10);
    let s = setup(
        &name,
        Script {
            start_at: Some(6),
            ..Script::default()
        },
    );
    let h = Harness::new(&broker.bootstrap(), &[], registry(None, Some(s.factory)));
    h.start(&name, SINK, &[("topics", &name)], TargetState::Started)
        .await;
    until("the last record written", WAIT, || {
        written(&s.log).contains(&(0, 9))
    })
    .await;
    h.worker.stop_all().await;
    assert_eq!(written(&s.log), range(0, 6..10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_the_task_paused_delivers_nothing_until_resumed() {
    let broker = Broker::shared();
    let name = unique("paused");
    broker.create_topic(&name, 2).await;
    produce(&broker.client_props(), &name, 2, 5);
    let s = setup(
        &name,
        Script {
            pause: Some(1),
            ..Script::default()
        },
    );
    let h = Harness::new(&broker.bootstrap(), &[], registry(None, Some(s.factory)));
    h.start(&name, SINK, &[("topics", &name)], TargetState::Started)
        .await;
    until("partition 0 written", WAIT, || {
        written(&s.log).contains(&(0, 4))
    })
    .await;
    // The task asked to be called every 50 ms: a few calls later, still nothing from 1.
    let puts = s.log.lock().unwrap().puts;
    until("more calls without records", WAIT, || {
        s.log.lock().unwrap().puts >= puts + 5
    })
    .await;
    assert_eq!(
        written(&s.log),
        range(0, 0..5),
        "the paused partition delivered"
    );
    s.resume.store(true, Ordering::SeqCst);
    until("partition 1 written after it resumed", WAIT, || {
        written(&s.log).len() >= 10
    })
    .await;
    h.worker.stop_all().await;
    let mut got = written(&s.log);
    got.sort_unstable();
    assert_eq!(got, [range(0, 0..5), range(1, 0..5)].concat());
}
