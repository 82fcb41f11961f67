//! Errors that remember where they happened. Nested readers and writers add a path segment
//! (field name, `[index]`, `[key]`) as the error unwinds, so the happy path pays nothing and
//! the final `DataException` text names the offending field, e.g.
//! `Invalid null value for required INT32 field for field: "inner.items[2].id"`.

use kconnect_api::ConnectError;

/// Where in the document an error was found: in the payload or in the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// The value being converted.
    Value,
    /// The schema being parsed.
    Schema,
}

/// An error message plus the path to the place it concerns (outermost segment first once
/// [`Failure::into_connect`] reverses it).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    message: String,
    /// Path segments, innermost first (pushed while unwinding).
    path: Vec<String>,
    place: Place,
}

/// Result of internal conversions.
pub(crate) type Res<T> = Result<T, Failure>;

impl Failure {
    /// A failure in a value.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            path: Vec::new(),
            place: Place::Value,
        }
    }

    /// A failure in a schema.
    pub(crate) fn schema(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            path: Vec::new(),
            place: Place::Schema,
        }
    }

    /// Adds a struct field name (or map string key) as the next outer path segment.
    pub(crate) fn at_field(mut self, name: &str) -> Self {
        self.path.push(name.to_string());
        self
    }

    /// Adds an array index as the next outer path segment.
    pub(crate) fn at_index(mut self, index: usize) -> Self {
        self.path.push(format!("[{index}]"));
        self
    }

    /// Adds a map key (already rendered) as the next outer path segment.
    pub(crate) fn at_key(mut self, key: &str) -> Self {
        self.path.push(format!("[{key}]"));
        self
    }

    /// The path as text, outermost first: `a.b[2].c`.
    pub(crate) fn path_text(&self) -> String {
        let mut out = String::new();
        for seg in self.path.iter().rev() {
            if !out.is_empty() && !seg.starts_with('[') {
                out.push('.');
            }
            out.push_str(seg);
        }
        out
    }

    /// The message with its location appended.
    pub(crate) fn message(&self) -> String {
        if self.path.is_empty() {
            return self.message.clone();
        }
        match self.place {
            Place::Value => format!("{} for field: \"{}\"", self.message, self.path_text()),
            Place::Schema => format!(
                "{} in schema of field: \"{}\"",
                self.message,
                self.path_text()
            ),
        }
    }

    /// The Connect error (`DataException`) this failure becomes.
    pub(crate) fn into_connect(self) -> ConnectError {
        ConnectError::Data(self.message())
    }
}

impl From<ConnectError> for Failure {
    fn from(err: ConnectError) -> Self {
        match err {
            ConnectError::Data(msg) => Failure::new(msg),
            other => Failure::new(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_reads_outermost_first() {
        let f = Failure::new("bad")
            .at_field("id")
            .at_index(2)
            .at_field("items")
            .at_field("inner");
        assert_eq!(f.message(), "bad for field: \"inner.items[2].id\"");
        let f = Failure::schema("Unknown schema type: x").at_field("a");
        assert_eq!(
            f.into_connect().to_string(),
            "Unknown schema type: x in schema of field: \"a\""
        );
        assert_eq!(Failure::new("top").message(), "top");
    }
}
