//! `HasHeaderKey`: true for records with at least one header of the configured name.

use kconnect_api::config::{ConfigType, Importance, Validator};
use kconnect_api::plugin::Predicate;
use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, ConnectResult};

use crate::config_util::{self, key};

const NAME: &str = "name";

fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        key(
            NAME,
            ConfigType::String,
            Importance::Medium,
            "The header name.",
        )
        .validator(Validator::NonEmptyString),
    )
}

/// Matches records carrying a header.
#[derive(Debug, Default)]
pub struct HasHeaderKey {
    name: Option<String>,
}

impl HasHeaderKey {
    /// An unconfigured `HasHeaderKey`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Predicate for HasHeaderKey {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        self.name = config.string(NAME).map(str::to_string);
        Ok(())
    }

    fn test(&mut self, record: &ConnectRecord) -> bool {
        match &self.name {
            Some(name) => record.headers.all_with_name(name).next().is_some(),
            None => false,
        }
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    #[test]
    fn matches_records_with_the_header() {
        let mut p = configured_predicate(HasHeaderKey::new(), &[("name", "h")]);
        let mut r = person_record();
        assert!(!p.test(&r));
        r.headers.add_string("h", "x");
        assert!(p.test(&r));
        let err = HasHeaderKey::new()
            .configure(&config_map(&[("name", "")]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("name"));
        assert!(!HasHeaderKey::new().test(&r));
    }
}
