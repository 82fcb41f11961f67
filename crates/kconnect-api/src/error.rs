//! Errors shared by every plugin and by the runtime.

use thiserror::Error;

/// Result alias used throughout the plugin API.
pub type ConnectResult<T> = Result<T, ConnectError>;

/// A configuration problem: which key, which value, and why it was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ConfigError {
    /// The configuration key at fault, when one key is to blame.
    pub key: Option<String>,
    /// The offending value as the user wrote it (never a password in clear text).
    pub value: Option<String>,
    /// What is wrong and, where possible, what to do about it.
    pub reason: String,
}

impl ConfigError {
    /// An invalid value for a key, rendered like Java's
    /// `Invalid value <v> for configuration <key>: <reason>`.
    pub fn invalid(
        key: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            key: Some(key.into()),
            value: Some(value.into()),
            reason: reason.into(),
        }
    }

    /// A required key that has no value and no default.
    pub fn missing(key: impl Into<String>) -> Self {
        let key = key.into();
        let reason =
            format!("Missing required configuration \"{key}\" which has no default value.");
        Self {
            key: Some(key),
            value: None,
            reason,
        }
    }

    /// A problem that is not tied to one key.
    pub fn general(reason: impl Into<String>) -> Self {
        Self {
            key: None,
            value: None,
            reason: reason.into(),
        }
    }

    /// The same error reported under a prefixed key (e.g. `transforms.a.` + `field`).
    pub fn prefixed(mut self, prefix: &str) -> Self {
        if let Some(key) = self.key.take() {
            let full = format!("{prefix}{key}");
            self.reason = self
                .reason
                .replace(&format!("\"{key}\""), &format!("\"{full}\""));
            self.key = Some(full);
        }
        self
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.key, &self.value) {
            (Some(key), Some(value)) => {
                write!(
                    f,
                    "Invalid value {value} for configuration {key}: {}",
                    self.reason
                )
            }
            _ => f.write_str(&self.reason),
        }
    }
}

/// What separates an error's own message from the text of its cause, as Java prints a
/// chained exception (`DataException: ...` then `Caused by: ...`). An error whose Java
/// counterpart carries its detail in a cause writes it after this separator:
/// [`ConnectError::java_message`] is then what Java's `getMessage()` returns, and the whole
/// text what a Java stack trace shows.
pub const CAUSE_SEPARATOR: &str = "\nCaused by: ";

/// The error type of every plugin operation. Each variant maps to the Java exception class a
/// Kafka Connect user would see, which also appears in dead letter queue headers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConnectError {
    /// Data does not match what was expected (Java `DataException`).
    #[error("{0}")]
    Data(String),
    /// Invalid configuration (Java `ConfigException`).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A transient failure; retrying the same operation may succeed (Java `RetriableException`).
    #[error("{0}")]
    Retriable(String),
    /// A named thing does not exist (Java `NotFoundException`).
    #[error("{0}")]
    NotFound(String),
    /// A caller passed an argument the operation cannot accept (Java `IllegalArgumentException`).
    #[error("{0}")]
    IllegalArgument(String),
    /// Any other failure (Java `ConnectException`).
    #[error("{0}")]
    Other(String),
}

impl ConnectError {
    /// Shorthand for [`ConnectError::Data`].
    pub fn data(msg: impl Into<String>) -> Self {
        Self::Data(msg.into())
    }

    /// Shorthand for [`ConnectError::Other`].
    pub fn other(msg: impl Into<String>) -> Self {
        Self::Other(msg.into())
    }

    /// Whether retrying the same operation may succeed.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Self::Retriable(_))
    }

    /// The fully qualified name of the equivalent Java exception class.
    pub fn java_class(&self) -> &'static str {
        match self {
            Self::Data(_) => "org.apache.kafka.connect.errors.DataException",
            Self::Config(_) => "org.apache.kafka.common.config.ConfigException",
            Self::Retriable(_) => "org.apache.kafka.connect.errors.RetriableException",
            Self::NotFound(_) => "org.apache.kafka.connect.errors.NotFoundException",
            Self::IllegalArgument(_) => "java.lang.IllegalArgumentException",
            Self::Other(_) => "org.apache.kafka.connect.errors.ConnectException",
        }
    }

    /// The message Java's exception would return from `getMessage()`: the text before the
    /// cause ([`CAUSE_SEPARATOR`]), if there is one. Dead letter queue headers carry it.
    pub fn java_message(&self) -> String {
        let text = self.to_string();
        match text.split_once(CAUSE_SEPARATOR) {
            Some((message, _)) => message.to_string(),
            None => text,
        }
    }

    /// The same error with each `secret` of `replacements` replaced by its stand-in wherever
    /// the text shows it (config providers use this to put placeholders back in place of
    /// the values they resolved to).
    pub fn redacted(self, replacements: &[(String, String)]) -> Self {
        if replacements.is_empty() {
            return self;
        }
        let clean = |text: String| redact_text(text, replacements);
        match self {
            Self::Data(m) => Self::Data(clean(m)),
            Self::Config(c) => Self::Config(ConfigError {
                key: c.key,
                value: c.value.map(clean),
                reason: clean(c.reason),
            }),
            Self::Retriable(m) => Self::Retriable(clean(m)),
            Self::NotFound(m) => Self::NotFound(clean(m)),
            Self::IllegalArgument(m) => Self::IllegalArgument(clean(m)),
            Self::Other(m) => Self::Other(clean(m)),
        }
    }

    /// The exception's simple class name (e.g. `DataException`).
    pub fn java_simple_class(&self) -> &'static str {
        let full = self.java_class();
        full.rsplit('.').next().unwrap_or(full)
    }
}

/// `text` with each `(secret, stand-in)` pair's secret replaced (longest secrets first, so a
/// secret containing another is replaced whole).
pub fn redact_text(mut text: String, replacements: &[(String, String)]) -> String {
    let mut ordered: Vec<&(String, String)> =
        replacements.iter().filter(|(s, _)| !s.is_empty()).collect();
    ordered.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    for (secret, stand_in) in ordered {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), stand_in);
        }
    }
    text
}

impl From<std::io::Error> for ConnectError {
    fn from(err: std::io::Error) -> Self {
        Self::Other(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_replaces_secrets_in_every_kind_of_error() {
        let pairs = vec![
            ("hunter2".to_string(), "${file:/s:pw}".to_string()),
            ("hunter".to_string(), "${x}".to_string()),
        ];
        let e = ConnectError::Config(ConfigError::invalid("k", "hunter2", "bad hunter2"))
            .redacted(&pairs);
        assert_eq!(
            e.to_string(),
            "Invalid value ${file:/s:pw} for configuration k: bad ${file:/s:pw}"
        );
        assert_eq!(
            ConnectError::other("x hunter2 y")
                .redacted(&pairs)
                .to_string(),
            "x ${file:/s:pw} y"
        );
    }

    #[test]
    fn the_java_message_stops_at_the_cause() {
        let e = ConnectError::data(format!("Converting failed: {CAUSE_SEPARATOR}x.Y: detail"));
        assert_eq!(e.java_message(), "Converting failed: ");
        assert!(e.to_string().ends_with("Caused by: x.Y: detail"));
        assert_eq!(ConnectError::other("plain").java_message(), "plain");
    }

    #[test]
    fn prefixing_renames_the_key_everywhere() {
        let e = ConfigError::missing("regex").prefixed("transforms.r.");
        assert_eq!(e.key.as_deref(), Some("transforms.r.regex"));
        assert_eq!(
            e.to_string(),
            "Missing required configuration \"transforms.r.regex\" which has no default value."
        );
        let e = ConfigError::invalid("spec", "id:decimal", "bad type").prefixed("transforms.c.");
        assert_eq!(
            e.to_string(),
            "Invalid value id:decimal for configuration transforms.c.spec: bad type"
        );
    }
}
