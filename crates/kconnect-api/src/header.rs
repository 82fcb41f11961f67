//! Record headers: an ordered list of (key, schema, value); keys may repeat.

use crate::schema::SchemaRef;
use crate::value::Value;

/// One header of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Header key.
    pub key: String,
    /// Schema of the value, if known.
    pub schema: Option<SchemaRef>,
    /// Header value.
    pub value: Value,
}

/// The headers of a record (Java `ConnectHeaders`), in order, duplicates allowed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a header.
    pub fn add(
        &mut self,
        key: impl Into<String>,
        schema: Option<SchemaRef>,
        value: Value,
    ) -> &mut Self {
        self.0.push(Header {
            key: key.into(),
            schema,
            value,
        });
        self
    }

    /// Appends a string header with the optional string schema.
    pub fn add_string(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.add(
            key,
            Some(crate::Schema::optional_string()),
            Value::String(value.into()),
        )
    }

    /// All headers, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.0.iter()
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every header with this key, in order.
    pub fn all_with_name<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        self.0.iter().filter(move |h| h.key == key)
    }

    /// The last header with this key.
    pub fn last_with_name(&self, key: &str) -> Option<&Header> {
        self.0.iter().rev().find(|h| h.key == key)
    }

    /// Removes every header with this key.
    pub fn remove(&mut self, key: &str) -> &mut Self {
        self.0.retain(|h| h.key != key);
        self
    }

    /// Keeps only the last header of each key.
    pub fn retain_latest(&mut self) -> &mut Self {
        let mut seen = std::collections::HashSet::new();
        let mut kept: Vec<Header> = self
            .0
            .drain(..)
            .rev()
            .filter(|h| seen.insert(h.key.clone()))
            .collect();
        kept.reverse();
        self.0 = kept;
        self
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Header> for Headers {
    fn from_iter<T: IntoIterator<Item = Header>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retain_latest_keeps_last_of_each_key_in_order() {
        let mut h = Headers::new();
        h.add_string("a", "1")
            .add_string("b", "2")
            .add_string("a", "3");
        h.retain_latest();
        let got: Vec<_> = h.iter().map(|h| (h.key.clone(), h.value.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("b".into(), Value::from("2")),
                ("a".into(), Value::from("3"))
            ]
        );
        assert_eq!(
            h.last_with_name("a").map(|h| &h.value),
            Some(&Value::from("3"))
        );
    }
}
