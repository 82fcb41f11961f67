//! Checks applied to parsed configuration values, with Java's messages.

use std::fmt;
use std::sync::Arc;

use super::parse::TypedValue;

/// A custom check: returns the reason a value is invalid.
pub type CustomCheck = Arc<dyn Fn(&TypedValue) -> Result<(), String> + Send + Sync>;

/// A check of a parsed value.
#[derive(Clone)]
pub enum Validator {
    /// A number within bounds (inclusive).
    Range {
        /// Smallest allowed value.
        min: Option<f64>,
        /// Largest allowed value.
        max: Option<f64>,
    },
    /// One of these strings, exactly.
    OneOf(Vec<String>),
    /// One of these strings, ignoring ASCII case.
    OneOfIgnoreCase(Vec<String>),
    /// A non-empty string.
    NonEmptyString,
    /// A non-empty string without ISO control characters.
    NonEmptyNoControlChars,
    /// Any other check.
    Custom(CustomCheck),
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Range { min, max } => write!(f, "Range({min:?}, {max:?})"),
            Self::OneOf(v) => write!(f, "OneOf({v:?})"),
            Self::OneOfIgnoreCase(v) => write!(f, "OneOfIgnoreCase({v:?})"),
            Self::NonEmptyString => f.write_str("NonEmptyString"),
            Self::NonEmptyNoControlChars => f.write_str("NonEmptyNoControlChars"),
            Self::Custom(_) => f.write_str("Custom"),
        }
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl Validator {
    /// At least `min`.
    pub fn at_least(min: f64) -> Self {
        Self::Range {
            min: Some(min),
            max: None,
        }
    }

    /// Between `min` and `max`, inclusive.
    pub fn between(min: f64, max: f64) -> Self {
        Self::Range {
            min: Some(min),
            max: Some(max),
        }
    }

    /// One of the given strings.
    pub fn one_of(values: &[&str]) -> Self {
        Self::OneOf(values.iter().map(|s| s.to_string()).collect())
    }

    /// One of the given strings, case-insensitively.
    pub fn one_of_ignore_case(values: &[&str]) -> Self {
        Self::OneOfIgnoreCase(values.iter().map(|s| s.to_string()).collect())
    }

    /// A custom check.
    pub fn custom(
        check: impl Fn(&TypedValue) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        Self::Custom(Arc::new(check))
    }

    /// Checks a value; the error is the reason (without the key and value).
    pub fn check(&self, value: &TypedValue) -> Result<(), String> {
        match self {
            Self::Range { min, max } => {
                let Some(n) = value.as_f64() else {
                    return if value.is_null() {
                        Err("Value must be non-null".into())
                    } else {
                        Ok(())
                    };
                };
                if let Some(min) = min.filter(|m| n < *m) {
                    return Err(format!("Value must be at least {}", number_text(min)));
                }
                if let Some(max) = max.filter(|m| n > *m) {
                    return Err(format!("Value must be no more than {}", number_text(max)));
                }
                Ok(())
            }
            Self::OneOf(allowed) => match value.as_str() {
                Some(s) if allowed.iter().any(|a| a == s) => Ok(()),
                _ => Err(format!("String must be one of: {}", allowed.join(", "))),
            },
            Self::OneOfIgnoreCase(allowed) => match value.as_str() {
                Some(s) if allowed.iter().any(|a| a.eq_ignore_ascii_case(s)) => Ok(()),
                _ => Err(format!(
                    "String must be one of (case insensitive): {}",
                    allowed.join(", ")
                )),
            },
            Self::NonEmptyString => match value.as_str() {
                Some(s) if !s.is_empty() => Ok(()),
                _ => Err("String must be non-empty".into()),
            },
            Self::NonEmptyNoControlChars => match value.as_str() {
                None | Some("") => Err("String may not be empty".into()),
                Some(s) => {
                    let bad: Vec<String> = s
                        .chars()
                        .filter(|c| c.is_control())
                        .map(|c| (c as u32).to_string())
                        .collect();
                    if bad.is_empty() {
                        Ok(())
                    } else {
                        Err(format!(
                            "String may not contain control sequences but had the following ASCII chars: {}",
                            bad.join(", ")
                        ))
                    }
                }
            },
            Self::Custom(check) => check(value),
        }
    }
}
