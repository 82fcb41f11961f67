//! A worker as a member of a cluster, with a scripted source connector (no broker needed):
//! the instance's generated task configurations go to the cluster instead of being started;
//! assigned tasks run with the committed configurations; a configuration change restarts
//! exactly the local tasks it concerns; revoked work stops and its statuses are forgotten;
//! a connector's task reconfiguration request reaches the cluster.

#![allow(clippy::unwrap_used)] // test code

mod worker_support;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use kconnect_api::{config_map, ConfigMap};
use kconnect_runtime::task::TaskId;
use kconnect_runtime::worker::status::State;
use kconnect_runtime::worker::{connector_context, GeneratedTasks, TargetState};
use tokio::sync::mpsc::UnboundedReceiver;
use worker_support::{connector, registry, wait_until, OpenGatesOnDrop, Script, TestWorker};

fn task(n: u32) -> TaskId {
    TaskId {
        connector: "c".into(),
        task: n,
    }
}

/// The next task configurations the worker hands to the cluster.
async fn next_generated(rx: &mut UnboundedReceiver<GeneratedTasks>) -> GeneratedTasks {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("task configurations generated")
        .unwrap()
}

/// Committed task configurations as the cluster would store them.
fn committed(numbers: &[&str]) -> Vec<ConfigMap> {
    numbers
        .iter()
        .map(|n| {
            config_map(&[
                ("task.number", n),
                ("task.class", "com.example.ScriptedSourceTask"),
            ])
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigned_instances_and_tasks_run_separately_and_follow_the_config_topic() {
    let script = Script::new(3);
    let _gates = OpenGatesOnDrop(script.clone());
    let (t, mut generated) = TestWorker::clustered(registry(&script), &[]);
    let w = &t.worker;

    // The instance alone: its three task configurations go to the cluster, none starts here.
    w.assign_connector("c", connector("c"), TargetState::Started)
        .await
        .unwrap();
    let (name, configs) = next_generated(&mut generated).await;
    assert_eq!(name, "c");
    assert_eq!(configs.len(), 3);
    assert_eq!(configs[1]["task.number"], "1");
    assert_eq!(configs[1]["task.class"], "com.example.ScriptedSourceTask");
    assert_eq!(
        t.status.connector("c").map(|s| s.state),
        Some(State::Running)
    );
    assert!(script.task_starts.lock().unwrap().is_empty());

    // Two of the three tasks are assigned here.
    let tasks = committed(&["0", "1", "2"]);
    w.assign_tasks("c", connector("c"), TargetState::Started, &tasks, &[0, 2])
        .await
        .unwrap();
    wait_until("tasks 0 and 2 run", || {
        t.task_state("c", 0) == Some(State::Running) && t.task_state("c", 2) == Some(State::Running)
    })
    .await;
    assert_eq!(script.starts_of(1), 0, "task 1 belongs to another worker");
    assert_eq!(t.task_state("c", 1), None);

    // Only task 2's committed configuration changes: only task 2 restarts.
    let mut changed = tasks.clone();
    changed[2].insert("extra".into(), "1".into());
    w.apply_cluster_config("c", &connector("c"), &changed)
        .await
        .unwrap();
    wait_until("task 2 restarted", || script.starts_of(2) == 2).await;
    assert_eq!(script.starts_of(0), 1);
    assert_eq!(script.connector_starts.load(Ordering::SeqCst), 1);

    // The connector's configuration changes: the instance restarts and generates again,
    // and both local tasks restart with it.
    let mut reconfigured = connector("c");
    reconfigured.insert("extra.setting".into(), "x".into());
    w.apply_cluster_config("c", &reconfigured, &changed)
        .await
        .unwrap();
    assert_eq!(script.connector_starts.load(Ordering::SeqCst), 2);
    assert_eq!(next_generated(&mut generated).await.1.len(), 3);
    wait_until("both tasks restarted", || {
        script.starts_of(0) == 2 && script.starts_of(2) == 3
    })
    .await;

    // The connector asks for a task reconfiguration: it reaches the cluster.
    let serving = connector_context::spawn(w);
    script.task_count.store(2, Ordering::SeqCst);
    script.context().request_task_reconfiguration();
    assert_eq!(next_generated(&mut generated).await.1.len(), 2);
    // So does the cluster's own request (how a failed publication is retried).
    w.request_task_reconfiguration("c");
    assert_eq!(next_generated(&mut generated).await.1.len(), 2);
    serving.abort();

    // The cluster commits two tasks: task 2 is gone and stops here.
    w.apply_cluster_config("c", &reconfigured, &changed[..2])
        .await
        .unwrap();
    assert_eq!(t.task_state("c", 2), None);
    assert_eq!(t.task_state("c", 0), Some(State::Running));

    // The instance and task 0 are revoked: nothing of "c" is left, no status either.
    let gone = w
        .revoke(
            &BTreeSet::from(["c".to_string()]),
            &BTreeSet::from([task(0)]),
        )
        .await;
    assert_eq!(gone, vec!["c".to_string()]);
    assert!(w.snapshot("c").is_none());
    assert!(t.status.connector("c").is_none());
    assert!(t.status.tasks("c").is_empty());
    assert_eq!(w.connector_names(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_without_their_instance_keep_running_when_the_instance_is_revoked() {
    let script = Script::new(2);
    let _gates = OpenGatesOnDrop(script.clone());
    let (t, mut generated) = TestWorker::clustered(registry(&script), &[]);
    let w = &t.worker;
    w.assign_connector("c", connector("c"), TargetState::Started)
        .await
        .unwrap();
    next_generated(&mut generated).await;
    w.assign_tasks(
        "c",
        connector("c"),
        TargetState::Started,
        &committed(&["0", "1"]),
        &[1],
    )
    .await
    .unwrap();
    wait_until("task 1 runs", || {
        t.task_state("c", 1) == Some(State::Running)
    })
    .await;

    let gone = w
        .revoke(&BTreeSet::from(["c".to_string()]), &BTreeSet::new())
        .await;
    assert!(gone.is_empty(), "task 1 still runs here");
    assert!(t.status.connector("c").is_none());
    assert_eq!(t.task_state("c", 1), Some(State::Running));
    assert_eq!(script.starts_of(1), 1);

    // A restart request for a task this worker does not run is refused.
    assert!(w.restart_task(&task(0)).await.is_err());

    // Pausing reaches the local task; stopping stops it; the instance is not restarted.
    w.set_target("c", TargetState::Paused).await.unwrap();
    wait_until("task 1 paused", || {
        t.task_state("c", 1) == Some(State::Paused)
    })
    .await;
    w.set_target("c", TargetState::Stopped).await.unwrap();
    assert_eq!(t.task_state("c", 1), None);
    assert_eq!(script.connector_starts.load(Ordering::SeqCst), 1);
}
