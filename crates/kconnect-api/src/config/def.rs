//! Definition of configuration keys.

use indexmap::IndexMap;

use super::validator::Validator;

/// The type of a configuration value, with Java's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// `true`/`false`, case-insensitive.
    Boolean,
    /// Any string (trimmed).
    String,
    /// 32-bit integer.
    Int,
    /// 16-bit integer.
    Short,
    /// 64-bit integer.
    Long,
    /// Double-precision float.
    Double,
    /// Comma-separated list of strings.
    List,
    /// A plugin class name or alias.
    Class,
    /// A secret: never shown in clear text.
    Password,
}

impl ConfigType {
    /// The name the REST API reports (`BOOLEAN`, `STRING`, `INT`...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Int => "INT",
            Self::Short => "SHORT",
            Self::Long => "LONG",
            Self::Double => "DOUBLE",
            Self::List => "LIST",
            Self::Class => "CLASS",
            Self::Password => "PASSWORD",
        }
    }
}

/// How important a key is to set (for documentation and UIs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importance {
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
}

impl Importance {
    /// The name the REST API reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
        }
    }
}

/// Display width hint for UIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Width {
    /// No hint.
    #[default]
    None,
    /// Short.
    Short,
    /// Medium.
    Medium,
    /// Long.
    Long,
}

impl Width {
    /// The name the REST API reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Short => "SHORT",
            Self::Medium => "MEDIUM",
            Self::Long => "LONG",
        }
    }
}

/// The default of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigDefault {
    /// No default: the key must be set.
    Required,
    /// Defaults to null (unset but not required).
    Null,
    /// Defaults to this value, written as a user would write it.
    Value(String),
}

/// One configuration key.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    /// Key name.
    pub name: String,
    /// Value type.
    pub config_type: ConfigType,
    /// Default.
    pub default: ConfigDefault,
    /// Check applied to the parsed value (also to the default).
    pub validator: Option<Validator>,
    /// Importance.
    pub importance: Importance,
    /// Documentation shown by the REST API.
    pub documentation: String,
    /// Group the key belongs to.
    pub group: Option<String>,
    /// Position within the group.
    pub order_in_group: i32,
    /// Width hint.
    pub width: Width,
    /// Human-readable name.
    pub display_name: String,
    /// Keys whose validity depends on this one.
    pub dependents: Vec<String>,
}

impl ConfigKey {
    /// A key of the given type, required, medium importance, undocumented.
    pub fn new(name: impl Into<String>, config_type: ConfigType) -> Self {
        let name = name.into();
        Self {
            display_name: name.clone(),
            name,
            config_type,
            default: ConfigDefault::Required,
            validator: None,
            importance: Importance::Medium,
            documentation: String::new(),
            group: None,
            order_in_group: -1,
            width: Width::None,
            dependents: Vec::new(),
        }
    }

    /// Sets a default value (as the user would write it).
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default = ConfigDefault::Value(value.into());
        self
    }

    /// Makes the key optional with a null default.
    pub fn default_null(mut self) -> Self {
        self.default = ConfigDefault::Null;
        self
    }

    /// Sets the validator.
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = Some(validator);
        self
    }

    /// Sets the importance.
    pub fn importance(mut self, importance: Importance) -> Self {
        self.importance = importance;
        self
    }

    /// Sets the documentation.
    pub fn doc(mut self, documentation: impl Into<String>) -> Self {
        self.documentation = documentation.into();
        self
    }

    /// Places the key in a group at a position.
    pub fn group(mut self, group: impl Into<String>, order: i32) -> Self {
        self.group = Some(group.into());
        self.order_in_group = order;
        self
    }

    /// Sets the width hint.
    pub fn width(mut self, width: Width) -> Self {
        self.width = width;
        self
    }

    /// Sets the display name.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = name.into();
        self
    }

    /// Whether the key has no default.
    pub fn is_required(&self) -> bool {
        self.default == ConfigDefault::Required
    }

    /// The default as the REST API shows it (`None` when there is none or it is null;
    /// passwords are shown as `[hidden]`).
    pub fn default_display(&self) -> Option<String> {
        match &self.default {
            ConfigDefault::Value(_) if self.config_type == ConfigType::Password => {
                Some("[hidden]".into())
            }
            ConfigDefault::Value(v) => Some(v.clone()),
            _ => None,
        }
    }
}

/// A set of configuration keys, in definition order.
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: IndexMap<String, ConfigKey>,
}

impl ConfigDef {
    /// An empty definition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a key.
    pub fn define(mut self, key: ConfigKey) -> Self {
        self.keys.insert(key.name.clone(), key);
        self
    }

    /// Adds (or replaces) a key in place.
    pub fn add(&mut self, key: ConfigKey) {
        self.keys.insert(key.name.clone(), key);
    }

    /// Adds every key of another definition, each renamed with `prefix` (and its group, if
    /// given, replaced).
    pub fn embed(mut self, prefix: &str, group: Option<&str>, other: &ConfigDef) -> Self {
        for key in other.keys() {
            let mut key = key.clone();
            key.name = format!("{prefix}{}", key.name);
            if let Some(group) = group {
                key.group = Some(group.to_string());
            }
            self.keys.insert(key.name.clone(), key);
        }
        self
    }

    /// A key by name.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.get(name)
    }

    /// Every key, in definition order.
    pub fn keys(&self) -> impl Iterator<Item = &ConfigKey> {
        self.keys.values()
    }

    /// Group names in order of first appearance.
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for g in self.keys.values().filter_map(|k| k.group.as_ref()) {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        groups
    }
}
