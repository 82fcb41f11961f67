//! Parsing string configurations into typed values, and per-key validation reports.

use std::collections::HashMap;
use std::fmt;

use super::def::{ConfigDef, ConfigDefault, ConfigKey, ConfigType};
use super::ConfigMap;
use crate::error::ConfigError;

/// A secret value: its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself.
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[hidden]")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[hidden]")
    }
}

/// A parsed configuration value.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// Unset, with a null default.
    Null,
    /// A boolean.
    Boolean(bool),
    /// A string.
    String(String),
    /// An int.
    Int(i32),
    /// A short.
    Short(i16),
    /// A long.
    Long(i64),
    /// A double.
    Double(f64),
    /// A list.
    List(Vec<String>),
    /// A class name or alias.
    Class(String),
    /// A secret.
    Password(Password),
}

impl TypedValue {
    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// Numeric values as `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Self::Int(v) => Some(v.into()),
            Self::Short(v) => Some(v.into()),
            Self::Long(v) => Some(v as f64),
            Self::Double(v) => Some(v),
            _ => None,
        }
    }

    /// String and class values as `&str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) | Self::Class(s) => Some(s),
            _ => None,
        }
    }

    /// Parses `raw` as a value of `config_type` for key `key` (Java `ConfigDef.parseType`).
    pub fn parse(key: &str, raw: &str, config_type: ConfigType) -> Result<Self, ConfigError> {
        let trimmed = raw.trim();
        let bad = |reason: &str| ConfigError::invalid(key, raw, reason);
        Ok(match config_type {
            ConfigType::Boolean => {
                if trimmed.eq_ignore_ascii_case("true") {
                    Self::Boolean(true)
                } else if trimmed.eq_ignore_ascii_case("false") {
                    Self::Boolean(false)
                } else {
                    return Err(bad("Expected value to be either true or false"));
                }
            }
            ConfigType::String => Self::String(trimmed.to_string()),
            ConfigType::Int => Self::Int(
                trimmed
                    .parse()
                    .map_err(|_| bad("Not a number of type INT"))?,
            ),
            ConfigType::Short => Self::Short(
                trimmed
                    .parse()
                    .map_err(|_| bad("Not a number of type SHORT"))?,
            ),
            ConfigType::Long => Self::Long(
                trimmed
                    .parse()
                    .map_err(|_| bad("Not a number of type LONG"))?,
            ),
            ConfigType::Double => Self::Double(
                trimmed
                    .parse()
                    .map_err(|_| bad("Not a number of type DOUBLE"))?,
            ),
            ConfigType::List => Self::List(parse_list(trimmed)),
            ConfigType::Class => Self::Class(trimmed.to_string()),
            ConfigType::Password => Self::Password(Password::new(raw)),
        })
    }
}

/// Splits a comma-separated list, trimming entries (an empty string is an empty list).
pub fn parse_list(raw: &str) -> Vec<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split(',').map(|s| s.trim().to_string()).collect()
    }
}

/// The validation result of one key, as the REST validate endpoint reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigValueReport {
    /// Key name.
    pub name: String,
    /// The value as given (or the default), `None` if unset; passwords are hidden.
    pub value: Option<String>,
    /// Recommended values.
    pub recommended_values: Vec<String>,
    /// Every problem found with this key.
    pub errors: Vec<String>,
    /// Whether the key is relevant given the other values.
    pub visible: bool,
}

/// A configuration parsed against a [`ConfigDef`]: typed values for defined keys plus the
/// original strings.
#[derive(Debug, Clone, Default)]
pub struct ParsedConfig {
    values: HashMap<String, TypedValue>,
    originals: ConfigMap,
}

fn parse_key(key: &ConfigKey, props: &ConfigMap) -> Result<TypedValue, ConfigError> {
    let value = match (props.get(&key.name), &key.default) {
        (Some(raw), _) => TypedValue::parse(&key.name, raw, key.config_type)?,
        (None, ConfigDefault::Value(raw)) => TypedValue::parse(&key.name, raw, key.config_type)?,
        (None, ConfigDefault::Null) => TypedValue::Null,
        (None, ConfigDefault::Required) => return Err(ConfigError::missing(&key.name)),
    };
    if let Some(validator) = &key.validator {
        if !value.is_null() {
            validator.check(&value).map_err(|reason| {
                let shown = match (&value, props.get(&key.name)) {
                    (TypedValue::Password(_), _) => "[hidden]".to_string(),
                    (_, Some(raw)) => raw.clone(),
                    (v, None) => format!("{v:?}"),
                };
                ConfigError::invalid(&key.name, shown, reason)
            })?;
        }
    }
    Ok(value)
}

impl ConfigDef {
    /// Parses a configuration, failing on the first invalid or missing key.
    pub fn parse(&self, props: &ConfigMap) -> Result<ParsedConfig, ConfigError> {
        let mut values = HashMap::new();
        for key in self.keys() {
            values.insert(key.name.clone(), parse_key(key, props)?);
        }
        Ok(ParsedConfig {
            values,
            originals: props.clone(),
        })
    }

    /// Validates a configuration, reporting every defined key with all of its problems.
    pub fn validate(&self, props: &ConfigMap) -> Vec<ConfigValueReport> {
        self.keys()
            .map(|key| {
                let errors = match parse_key(key, props) {
                    Ok(_) => Vec::new(),
                    Err(e) => vec![e.to_string()],
                };
                let value = match (props.get(&key.name), key.config_type) {
                    (Some(_), ConfigType::Password) => Some("[hidden]".to_string()),
                    (Some(v), _) => Some(v.clone()),
                    (None, _) => key.default_display(),
                };
                ConfigValueReport {
                    name: key.name.clone(),
                    value,
                    recommended_values: Vec::new(),
                    errors,
                    visible: true,
                }
            })
            .collect()
    }
}

impl ParsedConfig {
    /// The typed value of a defined key.
    pub fn get(&self, key: &str) -> Option<&TypedValue> {
        self.values.get(key)
    }

    /// A string (or class) value; `None` if null or undefined.
    pub fn string(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(TypedValue::as_str)
    }

    /// A boolean value (false if null or undefined).
    pub fn boolean(&self, key: &str) -> bool {
        matches!(self.get(key), Some(TypedValue::Boolean(true)))
    }

    /// An int value.
    pub fn int(&self, key: &str) -> Option<i32> {
        match self.get(key) {
            Some(TypedValue::Int(v)) => Some(*v),
            Some(TypedValue::Short(v)) => Some((*v).into()),
            _ => None,
        }
    }

    /// A long value (ints widen).
    pub fn long(&self, key: &str) -> Option<i64> {
        match self.get(key) {
            Some(TypedValue::Long(v)) => Some(*v),
            Some(TypedValue::Int(v)) => Some((*v).into()),
            Some(TypedValue::Short(v)) => Some((*v).into()),
            _ => None,
        }
    }

    /// A double value.
    pub fn double(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(TypedValue::as_f64)
    }

    /// A list value (empty if null or undefined).
    pub fn list(&self, key: &str) -> &[String] {
        match self.get(key) {
            Some(TypedValue::List(v)) => v,
            _ => &[],
        }
    }

    /// A password value.
    pub fn password(&self, key: &str) -> Option<&Password> {
        match self.get(key) {
            Some(TypedValue::Password(p)) => Some(p),
            _ => None,
        }
    }

    /// The configuration as given.
    pub fn originals(&self) -> &ConfigMap {
        &self.originals
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{config_map, ConfigKey, Validator};

    fn def() -> ConfigDef {
        ConfigDef::new()
            .define(ConfigKey::new("name", ConfigType::String).validator(Validator::NonEmptyString))
            .define(
                ConfigKey::new("tasks.max", ConfigType::Int)
                    .default_value("1")
                    .validator(Validator::at_least(1.0)),
            )
            .define(ConfigKey::new("flag", ConfigType::Boolean).default_value("false"))
            .define(ConfigKey::new("list", ConfigType::List).default_value(""))
            .define(ConfigKey::new("secret", ConfigType::Password).default_null())
    }

    #[test]
    fn parses_types_and_defaults() {
        let p = def()
            .parse(&config_map(&[
                ("name", " x "),
                ("flag", "TRUE"),
                ("list", "a , b,c"),
            ]))
            .unwrap();
        assert_eq!(p.string("name"), Some("x"));
        assert_eq!(p.int("tasks.max"), Some(1));
        assert!(p.boolean("flag"));
        assert_eq!(p.list("list"), ["a", "b", "c"]);
        assert!(p.password("secret").is_none());
    }

    #[test]
    fn errors_name_key_value_and_reason() {
        let err = def()
            .parse(&config_map(&[("name", "x"), ("tasks.max", "abc")]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value abc for configuration tasks.max: Not a number of type INT"
        );
        let err = def()
            .parse(&config_map(&[("name", "x"), ("tasks.max", "0")]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value 0 for configuration tasks.max: Value must be at least 1"
        );
        let err = def().parse(&config_map(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Missing required configuration \"name\" which has no default value."
        );
    }

    #[test]
    fn validate_reports_every_key() {
        let report = def().validate(&config_map(&[
            ("tasks.max", "-1"),
            ("flag", "maybe"),
            ("secret", "s3"),
        ]));
        let errors: Vec<usize> = report.iter().map(|r| r.errors.len()).collect();
        assert_eq!(errors, vec![1, 1, 1, 0, 0]);
        assert_eq!(report[4].value.as_deref(), Some("[hidden]"));
        assert_eq!(format!("{:?}", Password::new("s3")), "[hidden]");
    }
}
