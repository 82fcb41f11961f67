//! Task loops: the source loop (poll → transform → convert → produce → commit offsets) and
//! the sink loop (consume → convert → transform → put → commit).

pub mod sink;
mod sink_commit;
pub mod sink_context;
pub mod sink_convert;
mod sink_loop;
pub mod sink_offsets;
pub mod sink_rebalance;
pub mod source;
pub mod source_acks;
mod source_commit;
pub mod source_context;
pub mod source_convert;
pub mod source_poll;
pub mod submitted;
pub mod topic_creation;

use std::fmt;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::worker::TargetState;

/// Identifies a task: connector name and task number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    /// Connector name.
    pub connector: String,
    /// Task number.
    pub task: u32,
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.connector, self.task)
    }
}

/// Waits while the connector's target state is PAUSED: a task created while its connector is
/// paused reports PAUSED and starts only once resumed (kafka-connect-spec.md §8.2). `false` if the task was
/// stopped meanwhile.
pub(crate) async fn until_unpaused(
    cancel: &CancellationToken,
    target: &mut watch::Receiver<TargetState>,
) -> bool {
    loop {
        if cancel.is_cancelled() {
            return false;
        }
        if *target.borrow_and_update() != TargetState::Paused {
            return true;
        }
        tokio::select! {
            _ = cancel.cancelled() => return false,
            changed = target.changed() => if changed.is_err() {
                // The connector is gone: only stopping is left.
                cancel.cancelled().await;
                return false;
            },
        }
    }
}
