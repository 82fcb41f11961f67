//! `DropHeaders`: removes every header with one of the configured names.

use std::collections::HashSet;

use kconnect_api::config::{ConfigType, Importance};
use kconnect_api::plugin::Transformation;
use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, ConnectResult};

use crate::config_util::{self, key, non_empty_list};

const HEADERS: &str = "headers";

fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        key(
            HEADERS,
            ConfigType::List,
            Importance::High,
            "Names of the headers to remove.",
        )
        .validator(non_empty_list()),
    )
}

/// Removes headers by name.
#[derive(Debug, Default)]
pub struct DropHeaders {
    names: Option<HashSet<String>>,
}

impl DropHeaders {
    /// An unconfigured `DropHeaders`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Transformation for DropHeaders {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        self.names = Some(config.list(HEADERS).iter().cloned().collect());
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let names = self
            .names
            .as_ref()
            .ok_or_else(|| config_util::not_configured("DropHeaders"))?;
        if record.headers.iter().any(|h| names.contains(&h.key)) {
            record.headers = record
                .headers
                .iter()
                .filter(|h| !names.contains(&h.key))
                .cloned()
                .collect();
        }
        Ok(Some(record))
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
    fn removes_named_headers_and_keeps_the_rest_in_order() {
        let mut t = configured(DropHeaders::new(), &[("headers", "a, c")]);
        let mut r = person_record();
        r.headers
            .add_string("a", "1")
            .add_string("b", "2")
            .add_string("a", "3")
            .add_string("d", "4");
        let out = apply(&mut t, r);
        let keys: Vec<&str> = out.headers.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(keys, ["b", "d"]);
        let err = DropHeaders::new()
            .configure(&config_map(&[("headers", "")]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("headers"));
    }
}
