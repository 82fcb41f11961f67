//! The heartbeat task: every `heartbeat.interval.ms`, on its own connection, for whatever
//! member id and generation the membership task last published, whatever else is going on.

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::client::Coordinator;
use super::GroupConfig;

/// What the heartbeat task heartbeats for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Session {
    /// Member id; empty before the first join.
    pub member_id: String,
    /// Generation of the last join.
    pub generation: i32,
    /// Coordinator address, once known.
    pub coordinator: Option<String>,
}

/// Something the membership task must react to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signal {
    /// The coordinator answered a heartbeat of `generation` with an error code.
    Error {
        /// Generation the heartbeat was sent for.
        generation: i32,
        /// Kafka error code.
        code: i16,
    },
    /// No answer from the coordinator for a whole session timeout.
    Unreachable,
}

/// Runs until the signal receiver is dropped.
pub(crate) async fn run(
    config: GroupConfig,
    mut session: watch::Receiver<Session>,
    signals: mpsc::UnboundedSender<Signal>,
) {
    let mut conn: Option<(String, Coordinator)> = None;
    let mut last_answer = Instant::now();
    let mut unreachable_reported = false;
    let interval = config.heartbeat_interval.max(Duration::from_millis(10));
    loop {
        let wait = tokio::time::sleep(interval);
        tokio::select! {
            _ = wait => {}
            changed = session.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
        if signals.is_closed() {
            return;
        }
        let current = session.borrow().clone();
        let Some(addr) = current.coordinator.clone() else {
            last_answer = Instant::now();
            continue;
        };
        if current.member_id.is_empty() {
            last_answer = Instant::now();
            continue;
        }
        if conn.as_ref().is_none_or(|(a, _)| *a != addr) {
            conn = Coordinator::connect(&addr, &config)
                .await
                .ok()
                .map(|c| (addr.clone(), c));
        }
        let answer = match conn.as_mut() {
            Some((_, c)) => {
                c.heartbeat(&config, current.generation, &current.member_id)
                    .await
            }
            None => Err(super::GroupError::Io(format!("cannot connect to {addr}"))),
        };
        match answer {
            Ok(code) => {
                last_answer = Instant::now();
                unreachable_reported = false;
                if code != 0 {
                    tracing::debug!(code, generation = current.generation, "heartbeat error");
                    let _ = signals.send(Signal::Error {
                        generation: current.generation,
                        code,
                    });
                }
            }
            Err(e) => {
                tracing::debug!("heartbeat failed: {e}");
                conn = None;
                if !unreachable_reported && last_answer.elapsed() >= config.session_timeout {
                    unreachable_reported = true;
                    let _ = signals.send(Signal::Unreachable);
                }
            }
        }
    }
}
