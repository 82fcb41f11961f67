//! Datagen: a source connector that generates records, for demos, tests and benchmarks
//! (in the spirit of Confluent's kafka-connect-datagen).
//!
//! ```properties
//! name=datagen
//! connector.class=Datagen
//! kafka.topic=users
//! schema=struct10            # or: string (with string.length=64)
//! key=id                     # none | sequence | a struct10 field
//! max.records=1000000        # -1: unlimited
//! records.per.second=-1      # -1: as fast as Kafka takes them
//! seed=42
//! ```
//!
//! * **Shapes** ([`shape`]): `struct10`, a struct of ten fields of mixed types (`int64`,
//!   strings, `int32`, `float64`, `boolean`, `float32`, `int8`, a Timestamp and an optional
//!   string), and `string`, a flat string.
//! * **Deterministic**: record number `n` is a pure function of `seed` and `n`; the same
//!   configuration produces the same records in every run, whatever the timing.
//! * **Resumable**: each task's source partition is `{"task.id": t}` and its source offset
//!   `{"current.iteration": i}` (records of that task written so far); a restarted task
//!   continues with the next record. Changing `tasks.max` changes which numbers each task
//!   owns, so resuming then is only exact for the same `tasks.max`.
//! * **Bounded and paced**: `max.records` over all tasks (then tasks idle), and
//!   `records.per.second` over all tasks, spread evenly rather than in bursts.
//! * **Fast**: a batch is generated in `poll`, on the thread that then converts and sends
//!   it, with few allocations per record.

pub mod config;
pub mod connector;
pub mod pace;
pub mod random;
pub mod shape;
pub mod task;

pub use config::{DatagenConfig, KeyChoice};
pub use connector::DatagenConnector;
pub use shape::{Shape, ShapeKind};
pub use task::DatagenTask;

/// Class name of the connector (`connector.class`; `DatagenConnector` and `Datagen` work too).
pub const DATAGEN_CONNECTOR_CLASS: &str = "io.kconnect.datagen.DatagenConnector";

/// Class name of the task (the `task.class` of its task configurations).
pub const DATAGEN_TASK_CLASS: &str = "io.kconnect.datagen.DatagenTask";

/// The version the connector reports: this crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
