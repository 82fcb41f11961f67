//! Calls into connector code (start, stop, task configs, validation, offset changes) run on
//! the blocking thread pool under a deadline. A connector that blocks, in a synchronous
//! method or inside an async one without yielding, then holds one pool thread instead of
//! one of the runtime's few worker threads, so the REST API and the other tasks keep
//! running; the caller gets a clear error once the deadline passes (the call itself keeps
//! its thread until it returns, as Java's stuck plugin threads do).

use std::future::Future;
use std::time::Duration;

use kconnect_api::{ConnectError, ConnectResult};

/// How long a call into connector code may take by default.
pub const PLUGIN_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a connector may take to stop (Java's `CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS`).
pub const CONNECTOR_STOP_TIMEOUT: Duration = Duration::from_secs(5);

fn timed_out(what: &str, timeout: Duration) -> ConnectError {
    ConnectError::other(format!(
        "{what} did not return within {} ms; the connector may be hung (the call is left running on its own thread)",
        timeout.as_millis()
    ))
}

/// Runs the synchronous `call` on the blocking pool; an error if it does not return within
/// `timeout` or panics. `what` names the call in the error (`Connector x: validate()`).
pub async fn blocking<T: Send + 'static>(
    what: &str,
    timeout: Duration,
    call: impl FnOnce() -> T + Send + 'static,
) -> ConnectResult<T> {
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(call)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(ConnectError::other(format!("{what} failed: {e}"))),
        Err(_) => Err(timed_out(what, timeout)),
    }
}

/// Drives the future `call` to completion on the blocking pool (so that it may block
/// without stalling the runtime); an error if it does not finish within `timeout`.
pub async fn isolated<T: Send + 'static>(
    what: &str,
    timeout: Duration,
    call: impl Future<Output = T> + Send + 'static,
) -> ConnectResult<T> {
    let runtime = tokio::runtime::Handle::current();
    blocking(what, timeout, move || runtime.block_on(call)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_blocked_call_neither_stalls_the_runtime_nor_its_caller() {
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let hung = tokio::spawn(blocking(
            "Connector c: validate()",
            Duration::from_millis(200),
            move || gate.recv().is_ok(),
        ));
        // The only worker thread is free: other work runs while the call blocks.
        assert_eq!(tokio::spawn(async { 42 }).await.unwrap(), 42);
        let err = hung.await.unwrap().unwrap_err().to_string();
        assert_eq!(
            err,
            "Connector c: validate() did not return within 200 ms; the connector may be hung (the call is left running on its own thread)"
        );
        drop(release);

        // An async call that blocks inside `poll` (no `.await` to stop at).
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let blocked_in_poll = isolated(
            "Connector c: start()",
            Duration::from_millis(200),
            async move {
                let _ = gate.recv();
            },
        );
        let err = blocked_in_poll.await.unwrap_err().to_string();
        assert!(
            err.starts_with("Connector c: start() did not return within 200 ms"),
            "{err}"
        );
        drop(release);
        let done = isolated("x", Duration::from_secs(5), async { 7 })
            .await
            .unwrap();
        assert_eq!(done, 7);
        let panicked = blocking("Connector c: taskConfigs()", Duration::from_secs(5), || {
            panic!("plugin bug")
        })
        .await
        .unwrap_err()
        .to_string();
        assert!(
            panicked.starts_with("Connector c: taskConfigs() failed"),
            "{panicked}"
        );
    }
}
