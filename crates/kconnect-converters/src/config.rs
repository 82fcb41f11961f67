//! The configuration every converter shares: `converter.type`, which tells a converter whether
//! it handles record keys, record values or headers (Java `ConverterConfig`).

use kconnect_api::config::{ConfigKey, ConfigType, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigDef, ConfigMap, ConnectResult};

/// Name of the key that says how a converter is used.
pub const CONVERTER_TYPE_CONFIG: &str = "converter.type";

const CONVERTER_TYPE_DOC: &str = "How this converter will be used.";

/// How a converter is used: for keys, values or headers (Java `ConverterType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConverterType {
    /// Converts record keys.
    Key,
    /// Converts record values.
    #[default]
    Value,
    /// Converts header values.
    Header,
}

impl ConverterType {
    /// The configuration spelling: `key`, `value` or `header`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Value => "value",
            Self::Header => "header",
        }
    }

    /// Parses the configuration spelling (exact, lower case, as Java's `ConverterType`).
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Key, Self::Value, Self::Header]
            .into_iter()
            .find(|t| t.name() == name)
    }

    /// `key` when converting keys, `value` otherwise.
    pub fn for_record(is_key: bool) -> Self {
        if is_key {
            Self::Key
        } else {
            Self::Value
        }
    }
}

/// The `converter.type` key: a required string, one of `key`, `value`, `header`.
pub fn converter_type_key() -> ConfigKey {
    ConfigKey::new(CONVERTER_TYPE_CONFIG, ConfigType::String)
        .validator(Validator::one_of(&["key", "value", "header"]))
        .importance(Importance::Low)
        .doc(CONVERTER_TYPE_DOC)
}

/// The definition shared by every converter that only knows `converter.type`
/// (Java `ConverterConfig.newConfigDef()`).
pub fn converter_config_def() -> ConfigDef {
    ConfigDef::new().define(converter_type_key())
}

/// Parses a converter configuration configured through the `Converter` interface: like Java's
/// `configure(Map, boolean)`, `converter.type` is forced to `key` or `value`.
pub fn parse_for_record(def: &ConfigDef, props: &ConfigMap, is_key: bool) -> ConnectResult<Parsed> {
    let mut props = props.clone();
    props.insert(
        CONVERTER_TYPE_CONFIG.to_string(),
        ConverterType::for_record(is_key).name().to_string(),
    );
    parse(def, &props)
}

/// Parses a converter configuration configured through the `HeaderConverter` interface. The
/// worker always supplies `converter.type=header`; when it is absent we assume `header`
/// rather than failing as Java would.
pub fn parse_for_header(def: &ConfigDef, props: &ConfigMap) -> ConnectResult<Parsed> {
    let mut props = props.clone();
    props
        .entry(CONVERTER_TYPE_CONFIG.to_string())
        .or_insert_with(|| ConverterType::Header.name().to_string());
    parse(def, &props)
}

/// A parsed converter configuration together with its `converter.type`.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The typed configuration.
    pub config: ParsedConfig,
    /// How the converter is used.
    pub converter_type: ConverterType,
}

fn parse(def: &ConfigDef, props: &ConfigMap) -> ConnectResult<Parsed> {
    let config = def.parse(props)?;
    let converter_type = config
        .string(CONVERTER_TYPE_CONFIG)
        .and_then(ConverterType::from_name)
        .unwrap_or_default();
    Ok(Parsed {
        config,
        converter_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::{config_map, ConnectError};

    #[test]
    fn record_configuration_forces_the_type() {
        let def = converter_config_def();
        let parsed =
            parse_for_record(&def, &config_map(&[("converter.type", "header")]), true).unwrap();
        assert_eq!(parsed.converter_type, ConverterType::Key);
        let parsed = parse_for_record(&def, &ConfigMap::new(), false).unwrap();
        assert_eq!(parsed.converter_type, ConverterType::Value);
    }

    #[test]
    fn header_configuration_defaults_and_validates_the_type() {
        let def = converter_config_def();
        let parsed = parse_for_header(&def, &ConfigMap::new()).unwrap();
        assert_eq!(parsed.converter_type, ConverterType::Header);
        let err = parse_for_header(&def, &config_map(&[("converter.type", "body")])).unwrap_err();
        match err {
            ConnectError::Config(e) => {
                assert_eq!(e.key.as_deref(), Some("converter.type"));
                assert!(e.to_string().contains("key, value, header"), "{e}");
            }
            other => panic!("unexpected error {other:?}"),
        }
    }
}
