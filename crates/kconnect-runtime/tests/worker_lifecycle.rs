//! Worker lifecycle with a scripted source connector (no broker needed): a task given up on
//! after `task.shutdown.graceful.timeout.ms` cannot overwrite its replacement's status nor
//! leave one behind for a deleted connector; connectors get new tasks when they request a
//! reconfiguration (only when the configurations changed); an error raised while starting
//! leaves the connector FAILED; shutdown shares one graceful budget; replacing a
//! connector's configuration keeps its status and active topics; automatic restarts wait
//! for the operations lock and skip tasks the connector no longer has.

#![allow(clippy::unwrap_used)] // test code

mod worker_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kconnect_runtime::herder::config_store::ConnectorStore;
use kconnect_runtime::herder::{Herder, HerderError, StandaloneHerder};
use kconnect_runtime::task::TaskId;
use kconnect_runtime::worker::status::State;
use kconnect_runtime::worker::{connector_context, supervisor, TargetState};
use worker_support::{connector, registry, wait_until, OpenGatesOnDrop, Script, TestWorker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_task_cannot_overwrite_its_replacement_nor_outlive_its_connector() {
    let script = Script::new(1);
    let _gates = OpenGatesOnDrop(script.clone());
    let t = TestWorker::new(
        registry(&script),
        &[("task.shutdown.graceful.timeout.ms", "200")],
    );
    t.worker
        .start_connector(connector("c"), TargetState::Started)
        .await
        .unwrap();
    wait_until("task 0 runs", || {
        t.task_state("c", 0) == Some(State::Running)
    })
    .await;

    // Task 0 blocks in stop() past the graceful timeout: it is given up on and replaced.
    script.task_stop_gate.close();
    let id = TaskId {
        connector: "c".into(),
        task: 0,
    };
    t.worker.restart_task(&id).await.unwrap();
    wait_until("the replacement started", || script.starts_of(0) == 2).await;
    wait_until("the replacement runs", || {
        t.task_state("c", 0) == Some(State::Running)
    })
    .await;
    // The old instance now finishes stopping and reports its final state, too late.
    script.task_stop_gate.open();
    assert_eq!(script.next_dropped(), 0);
    assert_eq!(t.task_state("c", 0), Some(State::Running));

    // Same with a deleted connector: nothing is left behind.
    script.task_stop_gate.close();
    t.worker.remove_connector("c").await.unwrap();
    assert!(t.status.tasks("c").is_empty());
    script.task_stop_gate.open();
    assert_eq!(script.next_dropped(), 0);
    assert!(t.status.tasks("c").is_empty(), "{:?}", t.status.tasks("c"));
    assert!(t.status.connector("c").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconfiguration_request_replaces_the_tasks_only_when_their_configs_changed() {
    let script = Script::new(1);
    let t = TestWorker::new(registry(&script), &[]);
    let _requests = connector_context::spawn(&t.worker);
    t.worker
        .start_connector(connector("c"), TargetState::Started)
        .await
        .unwrap();
    wait_until("task 0 runs", || {
        t.task_state("c", 0) == Some(State::Running)
    })
    .await;
    let running = |n: u32| (0..n).all(|i| t.task_state("c", i) == Some(State::Running));
    let configs = || t.worker.snapshot("c").unwrap().task_configs.len();

    // The connector found more work.
    script.task_count.store(2, Ordering::SeqCst);
    script.context().request_task_reconfiguration();
    wait_until("two tasks run", || configs() == 2 && running(2)).await;
    assert_eq!((script.starts_of(0), script.starts_of(1)), (2, 1));

    // Nothing changed: the tasks keep running.
    let calls = script.task_configs_calls.load(Ordering::SeqCst);
    script.context().request_task_reconfiguration();
    wait_until("the configs were generated again", || {
        script.task_configs_calls.load(Ordering::SeqCst) > calls
    })
    .await;
    script.task_count.store(3, Ordering::SeqCst);
    script.context().request_task_reconfiguration();
    wait_until("three tasks run", || configs() == 3 && running(3)).await;
    // Task 0 started for the initial set and each of the two changes, not for the request
    // that changed nothing.
    assert_eq!(
        (
            script.starts_of(0),
            script.starts_of(1),
            script.starts_of(2)
        ),
        (3, 2, 1)
    );
    t.worker.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_raised_while_starting_leaves_the_connector_failed_without_tasks() {
    let script = Script::new(1);
    script.raise_on_start.store(true, Ordering::SeqCst);
    let t = TestWorker::new(registry(&script), &[]);
    t.worker
        .start_connector(connector("c"), TargetState::Started)
        .await
        .unwrap();
    let status = t.status.connector("c").unwrap();
    assert_eq!(status.state, State::Failed);
    let trace = status.trace.unwrap();
    assert!(
        trace.contains("the source went away while starting"),
        "{trace}"
    );
    assert!(t.status.tasks("c").is_empty());
    assert!(script.task_starts.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_shares_one_graceful_budget_across_connectors() {
    let script = Script::new(1);
    script.task_stop_hangs.store(true, Ordering::SeqCst);
    let t = TestWorker::new(
        registry(&script),
        &[("task.shutdown.graceful.timeout.ms", "500")],
    );
    let names = ["a", "b", "c", "d"];
    for name in names {
        t.worker
            .start_connector(connector(name), TargetState::Started)
            .await
            .unwrap();
    }
    wait_until("every task runs", || {
        names
            .iter()
            .all(|n| t.task_state(n, 0) == Some(State::Running))
    })
    .await;
    let started = Instant::now();
    t.worker.stop_all().await;
    let took = started.elapsed();
    // Four tasks that never stop: one 500 ms budget in total, not 500 ms each.
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_millis(1_500), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_configuration_keeps_the_status_and_the_active_topics() {
    let script = Script::new(1);
    let _gates = OpenGatesOnDrop(script.clone());
    let t = TestWorker::new(registry(&script), &[]);
    let herder = Arc::new(StandaloneHerder::new(
        t.worker.clone(),
        ConnectorStore::new(None),
        None,
    ));
    herder
        .put_connector_config("c", connector("c"), None, false)
        .await
        .unwrap();
    wait_until("task 0 runs", || {
        t.task_state("c", 0) == Some(State::Running)
    })
    .await;
    t.status.topic_used("c", "used-topic");

    // The new configuration's connector instance blocks in start(): meanwhile the status
    // is still there.
    script.start_gate.close();
    let mut changed = connector("c");
    changed.insert("some.setting".into(), "2".into());
    let put = {
        let herder = herder.clone();
        tokio::spawn(async move { herder.put_connector_config("c", changed, None, true).await })
    };
    wait_until("the new instance is starting", || {
        script.start_gate.entered.load(Ordering::SeqCst) == 2
    })
    .await;
    let during = herder.connector_status("c").await;
    assert!(
        !matches!(during, Err(HerderError::NotFound(_))),
        "{during:?}"
    );
    script.start_gate.open();
    let replaced = put.await.unwrap().unwrap();
    assert!(!replaced.created);
    wait_until("the new task runs", || {
        script.starts_of(0) == 2 && t.task_state("c", 0) == Some(State::Running)
    })
    .await;
    let status = herder.connector_status("c").await.unwrap();
    assert_eq!(status.connector.state, "RUNNING");
    assert_eq!(
        herder.connector_active_topics("c").await.unwrap(),
        ["used-topic"]
    );
    herder.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_restarts_wait_for_the_operations_lock() {
    let script = Script::new(1);
    script.task_start_failures.store(1, Ordering::SeqCst);
    let t = TestWorker::new(registry(&script), &[]);
    let _supervisor = supervisor::spawn(&t.worker);
    let mut config = connector("c");
    config.insert("kconnect.restart.backoff.initial.ms".into(), "10".into());
    let ops = t.worker.operations().clone();
    let operation = ops.lock().await;
    t.worker
        .start_connector(config, TargetState::Started)
        .await
        .unwrap();
    wait_until("task 0 failed", || {
        t.task_state("c", 0) == Some(State::Failed)
    })
    .await;
    // An operation (a REST request) holds the lock: the restart due after 10 ms waits.
    let restarted = wait_until("task 0 restarted", || script.starts_of(0) == 2);
    assert!(
        tokio::time::timeout(Duration::from_secs(1), restarted)
            .await
            .is_err(),
        "restarted while an operation held the lock"
    );
    assert_eq!(t.task_state("c", 0), Some(State::Failed));
    drop(operation);
    wait_until("task 0 restarted and runs", || {
        script.starts_of(0) == 2 && t.task_state("c", 0) == Some(State::Running)
    })
    .await;
    t.worker.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_tasks_of_a_stopped_connector_leaves_no_restarting_status() {
    let script = Script::new(2);
    let t = TestWorker::new(registry(&script), &[]);
    t.worker
        .start_connector(connector("c"), TargetState::Started)
        .await
        .unwrap();
    wait_until("both tasks run", || {
        t.task_state("c", 1) == Some(State::Running)
    })
    .await;
    // Stopped by the user after a restart of both tasks was planned.
    t.worker
        .set_target("c", TargetState::Stopped)
        .await
        .unwrap();
    t.worker
        .restart_instances("c", false, &[0, 1])
        .await
        .unwrap();
    assert!(t.status.tasks("c").is_empty(), "{:?}", t.status.tasks("c"));
    assert_eq!(t.status.connector("c").unwrap().state, State::Stopped);
}
