//! `RecordIsTombstone`: true for records whose value is null.

use kconnect_api::plugin::Predicate;
use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, ConnectResult};

/// Matches tombstones (null values).
#[derive(Debug, Default, Clone, Copy)]
pub struct RecordIsTombstone;

impl RecordIsTombstone {
    /// A `RecordIsTombstone` (it has no configuration).
    pub fn new() -> Self {
        Self
    }
}

impl Predicate for RecordIsTombstone {
    fn configure(&mut self, _props: &ConfigMap) -> ConnectResult<()> {
        Ok(())
    }

    fn test(&mut self, record: &ConnectRecord) -> bool {
        record.value.is_null()
    }

    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use kconnect_api::Value;

    #[test]
    fn matches_null_values() {
        let mut p = configured_predicate(RecordIsTombstone::new(), &[]);
        assert!(!p.test(&person_record()));
        assert!(p.test(&record(None, Value::Null)));
    }
}
