//! End-to-end tests of offsets and restarts in `kconnect distributed`: three worker processes
//! on loopback sharing a group on a real Apache Kafka broker. The broker is shared by the
//! test run: the group (hence the internal topics), the topic and the connector names (a
//! sink's consumer group is named after it) are unique to the test.
//!
//! * Every worker answers `GET /connectors/{c}/offsets`, for a source (the offsets topic, to
//!   which the source task commits directly) and a sink (the consumer group), whichever
//!   worker runs the connector.
//! * Offsets are changed only once the connector is stopped (400 before); `PATCH` and
//!   `DELETE` sent to any worker are forwarded to the leader; every worker then reads the
//!   new offsets, and the resumed source starts from them.
//! * `POST /connectors/{c}/tasks/{n}/restart` sent to a worker that does not run the task is
//!   forwarded (to the leader, then to the task's worker) and restarts it there (204); an
//!   unknown connector or task is a 404. `POST /connectors/{c}/restart` from any worker
//!   restarts the connector instance where it runs (204).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::cluster::{plain, start_cluster};
use common::{append_lines, lines, Kconnect};
use kconnect_testkit::{unique, Broker};
use serde_json::{json, Value};

const LINES: usize = 100;

/// How long a log line announcing an applied change may take to appear.
const APPLIED_BOUND: Duration = Duration::from_secs(20);

/// How many lines of `k`'s log contain every one of `needles`.
fn log_count(k: &Kconnect, needles: &[&str]) -> usize {
    plain(&k.log())
        .lines()
        .filter(|l| needles.iter().all(|n| l.contains(n)))
        .count()
}

/// Waits until `k`'s log has more than `before` lines with every one of `needles`.
async fn until_logged(k: &Kconnect, needles: &[&str], before: usize, what: &str) {
    let deadline = Instant::now() + APPLIED_BOUND;
    while log_count(k, needles) <= before {
        assert!(Instant::now() < deadline, "{what}\n{}", k.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The worker whose id is `id`.
fn by_id<'a>(workers: &'a [Kconnect], id: &Value) -> &'a Kconnect {
    workers
        .iter()
        .find(|w| id == w.worker_id().as_str())
        .unwrap_or_else(|| panic!("no worker {id}"))
}

fn source_offsets(input: &Path, position: u64) -> Value {
    json!({"offsets": [{"partition": {"filename": input.display().to_string()}, "offset": {"position": position}}]})
}

/// Waits until every worker answers `GET /connectors/{name}/offsets` with `want`.
async fn everywhere(workers: &[Kconnect], name: &str, want: &Value, what: &str) {
    for w in workers {
        w.until(&format!("/connectors/{name}/offsets"), what, |o| o == want)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_and_restarts_work_from_every_worker() {
    let broker = Broker::shared();
    let topic = unique("dofs-lines");
    let (src, sink) = (unique("src"), unique("sink"));
    broker.create_topic(&topic, 1).await;
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("input.txt");
    let output = root.path().join("output.txt");
    append_lines(&input, 0, LINES);
    let size = std::fs::metadata(&input).unwrap().len();
    let workers = start_cluster(&broker, root.path(), &unique("dist-offsets"), 3).await;
    for (name, config) in [
        (
            &src,
            json!({"connector.class": "FileStreamSource", "tasks.max": "1",
            "file": input.display().to_string(), "topic": topic}),
        ),
        (
            &sink,
            json!({"connector.class": "FileStreamSink", "tasks.max": "1",
            "file": output.display().to_string(), "topics": topic}),
        ),
    ] {
        let (status, body) = workers[1]
            .call(
                "POST",
                "/connectors",
                Some(json!({"name": name, "config": config})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    workers[0].until_state(&src, "RUNNING", 1).await;
    workers[0].until_state(&sink, "RUNNING", 1).await;

    // Every worker reads both connectors' offsets.
    everywhere(
        &workers,
        &src,
        &source_offsets(&input, size),
        "source offsets on the offsets topic",
    )
    .await;
    let sink_offsets = json!({"offsets": [{"partition": {"kafka_partition": 0, "kafka_topic": topic}, "offset": {"kafka_offset": LINES}}]});
    everywhere(&workers, &sink, &sink_offsets, "sink offsets of the group").await;
    for w in &workers {
        assert_eq!(
            w.get("/connectors/nope/offsets").await,
            (
                404,
                json!({"error_code": 404, "message": "Connector nope not found"})
            )
        );
    }

    // A task restarted through each worker that does not run it: forwarded to the leader,
    // and from there to the task's worker, which restarts it.
    let status = workers[0].until_state(&src, "RUNNING", 1).await;
    let owner = by_id(&workers, &status["tasks"][0]["worker_id"]);
    let task_field = format!("task={src}-0");
    let restarted = ["task state", task_field.as_str(), "UNASSIGNED"];
    for w in workers.iter().filter(|w| w.port != owner.port) {
        let before = log_count(owner, &restarted);
        let (status, body) = w
            .call("POST", &format!("/connectors/{src}/tasks/0/restart"), None)
            .await;
        assert_eq!(status, 204, "{body}");
        assert!(
            log_count(owner, &restarted) > before,
            "the task restarted on its worker before the answer\n{}",
            owner.log()
        );
    }
    for w in &workers {
        assert_eq!(
            w.call("POST", &format!("/connectors/{src}/tasks/7/restart"), None)
                .await,
            (
                404,
                json!({"error_code": 404, "message": format!("Unknown task: {src}-7")})
            )
        );
        assert_eq!(
            w.call("POST", "/connectors/nope/tasks/0/restart", None)
                .await,
            (
                404,
                json!({"error_code": 404, "message": "Unknown connector: nope"})
            )
        );
    }
    // The connector instance restarted (legacy restart) through a worker that does not run it.
    let status = workers[0].until_state(&src, "RUNNING", 1).await;
    let instance = by_id(&workers, &status["connector"]["worker_id"]);
    let other = workers.iter().find(|w| w.port != instance.port).unwrap();
    let quoted = format!("\"{src}\"");
    let restarting = ["connector state", quoted.as_str(), "RESTARTING"];
    let before = log_count(instance, &restarting);
    assert_eq!(
        other
            .call("POST", &format!("/connectors/{src}/restart"), None)
            .await
            .0,
        204
    );
    until_logged(
        instance,
        &restarting,
        before,
        "connector restarted where it runs",
    )
    .await;
    assert_eq!(
        other.call("POST", "/connectors/nope/restart", None).await,
        (
            404,
            json!({"error_code": 404, "message": "Unknown connector: nope"})
        )
    );

    // Offsets change only once the connector is stopped.
    let alter = json!({"offsets": [{"partition": {"filename": input.display().to_string()}, "offset": {"position": 5}}]});
    let not_stopped = json!({"error_code": 400, "message": format!("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{src}/stop' endpoint")});
    for w in &workers {
        assert_eq!(
            w.call(
                "PATCH",
                &format!("/connectors/{src}/offsets"),
                Some(alter.clone())
            )
            .await,
            (400, not_stopped.clone())
        );
        assert_eq!(
            w.call("DELETE", &format!("/connectors/{src}/offsets"), None)
                .await,
            (400, not_stopped.clone())
        );
    }
    assert_eq!(
        workers[2]
            .call("PATCH", "/connectors/nope/offsets", Some(alter.clone()))
            .await,
        (
            404,
            json!({"error_code": 404, "message": "Connector nope not found"})
        )
    );
    let (status, body) = workers[2]
        .call("PUT", &format!("/connectors/{src}/stop"), None)
        .await;
    assert_eq!(status, 204, "{body}");
    workers[0]
        .until(&format!("/connectors/{src}/status"), "src stopped", |s| {
            s["connector"]["state"] == "STOPPED"
        })
        .await;

    // Altered and reset through two different workers (at least one is a follower, whose
    // request is forwarded to the leader); every worker reads the result.
    let (status, body) = workers[1]
        .call("PATCH", &format!("/connectors/{src}/offsets"), Some(alter))
        .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"message": "The offsets for this connector have been altered successfully"})
        )
    );
    everywhere(
        &workers,
        &src,
        &source_offsets(&input, 5),
        "altered offsets",
    )
    .await;
    let (status, body) = workers[0]
        .call("DELETE", &format!("/connectors/{src}/offsets"), None)
        .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"message": "The offsets for this connector have been reset successfully"})
        )
    );
    everywhere(&workers, &src, &json!({"offsets": []}), "reset offsets").await;

    // Resumed, the source reads its file again from the start.
    let (status, _) = workers[2]
        .call("PUT", &format!("/connectors/{src}/resume"), None)
        .await;
    assert_eq!(status, 202);
    let deadline = Instant::now() + Duration::from_secs(60);
    while lines(&output).len() < 2 * LINES {
        assert!(
            Instant::now() < deadline,
            "the source did not start over: {} lines\n{}",
            lines(&output).len(),
            workers
                .iter()
                .map(Kconnect::log)
                .collect::<Vec<_>>()
                .join("\n----\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    everywhere(
        &workers,
        &src,
        &source_offsets(&input, size),
        "offsets after the replay",
    )
    .await;
}
