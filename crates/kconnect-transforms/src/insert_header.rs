//! `InsertHeader`: adds a header with a fixed value to every record. The value is written as
//! text and typed like `SimpleHeaderConverter` types header text (`42` is an INT8, `true` a
//! BOOLEAN, `[1,2]` an ARRAY, anything else a STRING).

use kconnect_api::config::{ConfigType, Importance};
use kconnect_api::plugin::Transformation;
use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, ConnectResult, SchemaAndValue};
use kconnect_converters::values::parse_string;

use crate::config_util::{self, key};

const HEADER: &str = "header";
const VALUE_LITERAL: &str = "value.literal";

fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(key(
            HEADER,
            ConfigType::String,
            Importance::High,
            "Name of the header to add.",
        ))
        .define(key(
            VALUE_LITERAL,
            ConfigType::String,
            Importance::High,
            "The header value, as text; its type is inferred.",
        ))
}

/// Adds a literal header.
#[derive(Debug, Default)]
pub struct InsertHeader {
    header: Option<(String, SchemaAndValue)>,
}

impl InsertHeader {
    /// An unconfigured `InsertHeader`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Transformation for InsertHeader {
    fn configure(&mut self, props: &ConfigMap) -> ConnectResult<()> {
        let config = config_util::parse(&config_def(), props)?;
        let literal = config.string(VALUE_LITERAL).unwrap_or_default();
        let value = parse_string(literal)
            .map_err(|e| config_util::invalid(VALUE_LITERAL, literal, e.to_string()))?;
        self.header = Some((config.string(HEADER).unwrap_or_default().to_string(), value));
        Ok(())
    }

    fn apply(&mut self, mut record: ConnectRecord) -> ConnectResult<Option<ConnectRecord>> {
        let (name, value) = self
            .header
            .as_ref()
            .ok_or_else(|| config_util::not_configured("InsertHeader"))?;
        record
            .headers
            .add(name.clone(), value.schema.clone(), value.value.clone());
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
    use kconnect_api::{Schema, Value};

    fn inserted(literal: &str) -> (Option<kconnect_api::SchemaRef>, Value) {
        let mut t = configured(
            InsertHeader::new(),
            &[("header", "h"), ("value.literal", literal)],
        );
        let out = apply(&mut t, person_record());
        let header = out
            .headers
            .last_with_name("h")
            .expect("header added")
            .clone();
        (header.schema, header.value)
    }

    #[test]
    fn adds_typed_literal_headers() {
        assert_eq!(
            inserted("hello"),
            (Some(Schema::string()), Value::from("hello"))
        );
        assert_eq!(inserted("42"), (Some(Schema::int8()), Value::Int8(42)));
        assert_eq!(
            inserted("true"),
            (Some(Schema::boolean()), Value::Boolean(true))
        );
        assert_eq!(
            inserted("  spaced  "),
            (Some(Schema::string()), Value::from("spaced"))
        );
    }

    #[test]
    fn keeps_existing_headers_and_needs_both_keys() {
        let mut t = configured(
            InsertHeader::new(),
            &[("header", "h"), ("value.literal", "v")],
        );
        let mut r = person_record();
        r.headers.add_string("h", "old");
        let out = apply(&mut t, r);
        assert_eq!(out.headers.all_with_name("h").count(), 2);
        let err = InsertHeader::new()
            .configure(&config_map(&[("header", "h")]))
            .unwrap_err();
        assert_eq!(config_key(err).as_deref(), Some("value.literal"));
    }
}
