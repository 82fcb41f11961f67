//! `Filter`: drops every record it is applied to. Used with a predicate (and `negate`) to
//! drop only some records.

use kconnect_api::plugin::Transformation;
use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, ConnectResult};

/// Drops records.
#[derive(Debug, Default, Clone, Copy)]
pub struct Filter;

impl Filter {
    /// A `Filter` (it has no configuration).
    pub fn new() -> Self {
        Self
    }
}

impl Transformation for Filter {
    fn configure(&mut self, _props: &ConfigMap) -> ConnectResult<()> {
        Ok(())
    }

    fn apply(&mut self, _record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        Ok(None)
    }

    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    #[test]
    fn drops_everything() {
        let mut f = configured(Filter::new(), &[("anything", "x")]);
        assert_eq!(f.apply(person_record()).unwrap(), None);
        assert_eq!(f.config_def().keys().count(), 0);
    }
}
