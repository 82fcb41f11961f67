//! Task loops: the source loop (poll → transform → convert → produce → commit offsets) and
//! the sink loop (consume → convert → transform → put → commit).

pub mod sink;
pub mod sink_context;
pub mod sink_convert;
mod sink_loop;
pub mod source;
pub mod source_acks;
pub mod source_convert;
pub mod submitted;
pub mod topic_creation;

use std::fmt;

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
