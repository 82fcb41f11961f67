//! The converter's configuration keys (Java `JsonConverterConfig`) and their parsed form.

use kconnect_api::config::{ConfigKey, ConfigType, Importance, Validator, Width};
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectResult};

/// `schemas.enable`: whether to wrap data in a `{"schema":...,"payload":...}` envelope.
pub const SCHEMAS_ENABLE_CONFIG: &str = "schemas.enable";
/// `schemas.cache.size`: bound of the schema caches (each direction).
pub const SCHEMAS_CACHE_SIZE_CONFIG: &str = "schemas.cache.size";
/// `decimal.format`: `BASE64` or `NUMERIC` (case-insensitive), how Decimals are written.
pub const DECIMAL_FORMAT_CONFIG: &str = "decimal.format";
/// `replace.null.with.default`: substitute schema defaults for null values.
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";
/// `converter.type`: `key`, `value` or `header` (set by the runtime).
pub const CONVERTER_TYPE_CONFIG: &str = "converter.type";

const SCHEMAS_GROUP: &str = "Schemas";

/// How Decimal values are written (Java `DecimalFormat`). Reading accepts both forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalFormat {
    /// Base64 text of the unscaled two's-complement bytes (the default).
    #[default]
    Base64,
    /// A JSON number (Java `BigDecimal` text after `stripTrailingZeros`).
    Numeric,
}

/// The keys `JsonConverter` understands, with Java's names, types and defaults.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(SCHEMAS_ENABLE_CONFIG, ConfigType::Boolean)
                .default_value("true")
                .importance(Importance::High)
                .doc("Include schemas within each of the serialized values and keys.")
                .group(SCHEMAS_GROUP, 0)
                .width(Width::Medium)
                .display_name("Enable Schemas"),
        )
        .define(
            ConfigKey::new(SCHEMAS_CACHE_SIZE_CONFIG, ConfigType::Int)
                .default_value("1000")
                .importance(Importance::High)
                .doc("The maximum number of schemas that can be cached in this converter instance.")
                .group(SCHEMAS_GROUP, 1)
                .width(Width::Medium)
                .display_name("Schema Cache Size"),
        )
        .define(
            ConfigKey::new(DECIMAL_FORMAT_CONFIG, ConfigType::String)
                .default_value("BASE64")
                .validator(Validator::one_of_ignore_case(&["BASE64", "NUMERIC"]))
                .importance(Importance::Low)
                .doc(
                    "Controls which format this converter will serialize decimals in. This value \
                     is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
                )
                .group(SCHEMAS_GROUP, 2)
                .width(Width::Medium)
                .display_name("Decimal Format"),
        )
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT_CONFIG, ConfigType::Boolean)
                .default_value("true")
                .importance(Importance::Low)
                .doc(
                    "Whether to replace fields that have a default value and that are null to \
                     the default value. When set to true, the default value is used, otherwise \
                     null is used.",
                )
                .group(SCHEMAS_GROUP, 3)
                .width(Width::Medium)
                .display_name("Replace null with default"),
        )
        .define(
            ConfigKey::new(CONVERTER_TYPE_CONFIG, ConfigType::String)
                .default_null()
                .validator(Validator::one_of(&["key", "value", "header"]))
                .importance(Importance::Low)
                .doc("How this converter will be used."),
        )
}

/// The parsed configuration of one converter instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonConverterConfig {
    /// `schemas.enable`.
    pub schemas_enable: bool,
    /// `schemas.cache.size` (Java accepts any int; zero or less disables caching).
    pub schemas_cache_size: i32,
    /// `decimal.format`.
    pub decimal_format: DecimalFormat,
    /// `replace.null.with.default`.
    pub replace_null_with_default: bool,
    /// `converter.type`, if given.
    pub converter_type: Option<String>,
}

impl Default for JsonConverterConfig {
    fn default() -> Self {
        Self {
            schemas_enable: true,
            schemas_cache_size: 1000,
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: true,
            converter_type: None,
        }
    }
}

impl JsonConverterConfig {
    /// Parses and validates a configuration map; errors name the key, the value and the reason.
    pub fn parse(props: &ConfigMap) -> ConnectResult<Self> {
        let parsed = config_def().parse(props).map_err(ConnectError::Config)?;
        let decimal_format = match parsed.string(DECIMAL_FORMAT_CONFIG) {
            Some(s) if s.eq_ignore_ascii_case("NUMERIC") => DecimalFormat::Numeric,
            _ => DecimalFormat::Base64,
        };
        Ok(Self {
            schemas_enable: parsed.boolean(SCHEMAS_ENABLE_CONFIG),
            schemas_cache_size: parsed.int(SCHEMAS_CACHE_SIZE_CONFIG).unwrap_or(1000),
            decimal_format,
            replace_null_with_default: parsed.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG),
            converter_type: parsed.string(CONVERTER_TYPE_CONFIG).map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn defaults_match_java() {
        assert_eq!(
            JsonConverterConfig::parse(&ConfigMap::new()).unwrap(),
            JsonConverterConfig::default()
        );
    }

    #[test]
    fn parses_every_key() {
        let c = JsonConverterConfig::parse(&config_map(&[
            ("schemas.enable", "FALSE"),
            ("schemas.cache.size", "5"),
            ("decimal.format", "numeric"),
            ("replace.null.with.default", "false"),
            ("converter.type", "header"),
        ]))
        .unwrap();
        assert!(!c.schemas_enable && !c.replace_null_with_default);
        assert_eq!(c.schemas_cache_size, 5);
        assert_eq!(c.decimal_format, DecimalFormat::Numeric);
        assert_eq!(c.converter_type.as_deref(), Some("header"));
    }

    #[test]
    fn bad_values_name_key_value_and_reason() {
        let err =
            JsonConverterConfig::parse(&config_map(&[("decimal.format", "HEX")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value HEX for configuration decimal.format: String must be one of (case \
             insensitive): BASE64, NUMERIC"
        );
        let err =
            JsonConverterConfig::parse(&config_map(&[("schemas.enable", "yes")])).unwrap_err();
        assert!(matches!(err, ConnectError::Config(ref c)
            if c.key.as_deref() == Some("schemas.enable") && c.value.as_deref() == Some("yes")));
    }
}
