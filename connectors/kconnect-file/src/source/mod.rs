//! The FileStreamSource connector: one record per line of a file or of standard input.
//!
//! # Positions are byte offsets
//!
//! The source offset `{"position": n}` says that the first `n` **bytes** of the file have been
//! turned into records. On restart the task seeks to byte `n` and carries on.
//!
//! Java's task counts `position` in UTF-16 characters (what its `Reader` returns) but restarts
//! with `InputStream.skip`, which skips bytes. For ASCII files the two agree; for anything
//! else Java resumes in the wrong place (re-reading or skipping data, possibly mid-character).
//! This implementation deliberately counts bytes, so resuming is exact for every encoding.
//! Offsets of ASCII files are identical to Java's, so they carry over in both directions.

mod config;
mod connector;
mod lines;
mod task;

pub use config::{
    source_config_def, source_offset, source_partition, SourceConfig, DEFAULT_TASK_BATCH_SIZE,
    FILENAME_FIELD, POSITION_FIELD, TASK_BATCH_SIZE_CONFIG, TOPIC_CONFIG,
};
pub use connector::FileStreamSourceConnector;
pub use lines::{Line, LineBuffer};
pub use task::{FileStreamSourceTask, DEFAULT_IDLE_WAIT};
