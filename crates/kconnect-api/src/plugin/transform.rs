//! Single message transformations and the predicates that make them conditional.

use crate::config::{ConfigDef, ConfigMap};
use crate::error::ConnectResult;
use crate::record::ConnectRecord;

/// Changes one record at a time (Java `Transformation`). Returning `Ok(None)` drops the
/// record. Each task owns its chain, so `apply` takes `&mut self` and may cache (e.g.
/// derived schemas).
pub trait Transformation: Send {
    /// Configures the transformation with its own keys (prefix already removed).
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()>;

    /// Transforms a record.
    fn apply(&mut self, record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>>;

    /// The transformation's configuration keys.
    fn config_def(&self) -> ConfigDef;
}

/// Decides whether a transformation applies to a record (Java `Predicate`).
pub trait Predicate: Send {
    /// Configures the predicate with its own keys.
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()>;

    /// Whether the record matches.
    fn test(&mut self, record: &ConnectRecord) -> bool;

    /// The predicate's configuration keys.
    fn config_def(&self) -> ConfigDef;
}
