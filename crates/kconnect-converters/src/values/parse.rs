//! Schema inference from text (Java `Values.parseString`): the reverse of
//! [`convert_to_string`](super::convert_to_string), used by `SimpleHeaderConverter` and by the
//! `InsertHeader` transformation.

use std::sync::Arc;

use kconnect_api::schema::logical;
use kconnect_api::value::SchemaAndValue;
use kconnect_api::{ConnectError, ConnectResult, Schema, SchemaBuilder, SchemaType, Value};

use super::entries::Entries;
use super::merge::{align, SchemaMerger};
use super::number::parse_number;
use super::temporal::Layout;
use super::tokenizer::{is_blank, java_trim, Tokenizer};

/// How deeply arrays and maps may nest. Java recurses until its thread stack overflows and
/// `SimpleHeaderConverter` then keeps the raw bytes; an explicit limit gives the same outcome
/// without risking this process's stack on untrusted header bytes.
pub const MAX_NESTING: usize = 128;

/// Why parsing stopped.
pub(crate) enum Failure {
    /// The text is not what was being tried; an enclosing array or map attempt gives up and
    /// the text is read as something simpler (Java's `DataException`, caught internally).
    Reject(String),
    /// Parsing cannot continue at all; reported to the caller.
    Fatal(ConnectError),
}

impl From<ConnectError> for Failure {
    fn from(err: ConnectError) -> Self {
        match err {
            ConnectError::Data(msg) => Failure::Reject(msg),
            other => Failure::Fatal(other),
        }
    }
}

type Parsed = Result<Option<SchemaAndValue>, Failure>;

/// Infers a schema and value from text, as Java's `Values.parseString` does:
///
/// * the empty string, and text that matches nothing below, is a `STRING` (the whole text);
/// * `true` / `false` are `BOOLEAN` and `null` is a null value (no schema);
/// * integers become the smallest of `INT8`, `INT16`, `INT32`, `INT64` that holds them; other
///   numbers become `FLOAT32` when finite as a float, else `FLOAT64`, else a Decimal;
/// * `yyyy-MM-dd`, `HH:mm:ss.SSS'Z'` and `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` become the Date, Time
///   and Timestamp logical types (read as UTC; see [`super::temporal`]);
/// * `[a,b]` is an `ARRAY` and `{k:v}` a `MAP`, whose element schemas are the common schema of
///   the elements (numbers widen); an array or map whose elements have no common schema gets
///   an array or map schema without element schemas. Inside them strings may be quoted, and
///   anything unparseable makes the whole text a `STRING`.
///
/// Fails only when arrays or maps nest deeper than [`MAX_NESTING`].
pub fn parse_string(text: &str) -> ConnectResult<SchemaAndValue> {
    if text.is_empty() {
        return Ok(SchemaAndValue::with_schema(
            Schema::string(),
            Value::from(""),
        ));
    }
    let mut parser = ValueParser {
        tokens: Tokenizer::new(text),
    };
    match parser.parse(false, 0) {
        Ok(parsed) => Ok(parsed.unwrap_or_default()),
        Err(Failure::Fatal(err)) => Err(err),
        // A top-level parse never rejects: every rejection is turned into a string.
        Err(Failure::Reject(msg)) => Err(ConnectError::data(msg)),
    }
}

struct ValueParser<'a> {
    tokens: Tokenizer<'a>,
}

fn string(text: &str) -> SchemaAndValue {
    SchemaAndValue::with_schema(Schema::string(), Value::from(text))
}

impl ValueParser<'_> {
    fn parse(&mut self, embedded: bool, depth: usize) -> Parsed {
        if !self.tokens.has_next() {
            return Ok(None);
        }
        if embedded && self.tokens.can_consume("\"") {
            return Ok(Some(self.parse_quoted()));
        }
        if self.literal(embedded, "null") {
            return Ok(None);
        }
        for (literal, value) in [("true", true), ("false", false)] {
            if self.literal(embedded, literal) {
                return Ok(Some(SchemaAndValue::with_schema(
                    Schema::boolean(),
                    Value::Boolean(value),
                )));
            }
        }
        let start = self.tokens.mark();
        let attempt = if self.tokens.can_consume("[") {
            Some(self.parse_array(depth + 1))
        } else if self.tokens.can_consume("{") {
            Some(self.parse_map(depth + 1))
        } else {
            None
        };
        match attempt {
            Some(Ok(parsed)) => return Ok(Some(parsed)),
            Some(Err(Failure::Fatal(err))) => return Err(Failure::Fatal(err)),
            Some(Err(Failure::Reject(_))) => self.tokens.rewind(start),
            None => {}
        }
        let token = self.tokens.next_token();
        if is_blank(token) {
            return Ok(Some(string(token)));
        }
        self.parse_token(embedded, java_trim(token))
    }

    /// Whether the next token is `literal` and, at the top level, also the last token (so
    /// that `true}` stays a string).
    fn literal(&mut self, embedded: bool, literal: &str) -> bool {
        let start = self.tokens.mark();
        if self.tokens.can_consume(literal) && (embedded || !self.tokens.has_next()) {
            return true;
        }
        self.tokens.rewind(start);
        false
    }

    fn parse_token(&mut self, embedded: bool, token: &str) -> Parsed {
        let first = token.chars().next().unwrap_or(' ');
        if first.is_ascii_digit() {
            if let Some(temporal) = self.parse_temporal_tokens(token) {
                return Ok(Some(temporal));
            }
        }
        if first.is_ascii_digit() || first == '+' || first == '-' {
            if let Some(number) = parse_number(token) {
                return Ok(Some(number));
            }
        }
        if embedded {
            return Err(Failure::Reject("Failed to parse embedded value".into()));
        }
        Ok(Some(string(self.tokens.original())))
    }

    /// Times and timestamps contain colons, which split them into five tokens; try those
    /// five together before the single token.
    fn parse_temporal_tokens(&mut self, token: &str) -> Option<SchemaAndValue> {
        let mark = self.tokens.mark();
        if let Some(rest) = self.tokens.next_tokens(4) {
            if let Some(temporal) = parse_temporal(&format!("{token}{rest}")) {
                return Some(temporal);
            }
        }
        self.tokens.rewind(mark);
        parse_temporal(token)
    }

    /// The text up to the closing quote, kept verbatim (escapes are not undone); it is a
    /// Date, Time or Timestamp if it reads as one, else a string.
    fn parse_quoted(&mut self) -> SchemaAndValue {
        let mut content = String::new();
        while self.tokens.has_next() {
            if self.tokens.can_consume("\"") {
                break;
            }
            content.push_str(self.tokens.next_token());
        }
        parse_temporal(&content).unwrap_or_else(|| string(&content))
    }

    fn parse_array(&mut self, depth: usize) -> Result<SchemaAndValue, Failure> {
        check_depth(depth)?;
        let mut items = Vec::new();
        let mut merger = SchemaMerger::default();
        while self.tokens.has_next() {
            if self.tokens.can_consume("]") {
                let schema = match merger.common() {
                    Some(common) => {
                        items = items
                            .iter()
                            .map(|item| align(&common, item))
                            .collect::<ConnectResult<_>>()?;
                        SchemaBuilder::array(common).into_schema()
                    }
                    None => Schema::of(SchemaType::Array, false),
                };
                return Ok(SchemaAndValue::with_schema(
                    Arc::new(schema),
                    Value::Array(items),
                ));
            }
            if self.tokens.can_consume(",") {
                return Err(reject("Unable to parse an empty array element"));
            }
            let item = self.parse(true, depth)?;
            merger.merge(item.as_ref());
            items.push(item.map(|sv| sv.value).unwrap_or_default());
            let mark = self.tokens.mark();
            if self.tokens.can_consume("]") {
                self.tokens.rewind(mark);
            } else if !self.tokens.can_consume(",") {
                return Err(reject("Array elements missing ',' delimiter"));
            }
        }
        Err(reject("Array is missing terminating ']'"))
    }

    fn parse_map(&mut self, depth: usize) -> Result<SchemaAndValue, Failure> {
        check_depth(depth)?;
        let mut entries = Entries::default();
        let mut keys = SchemaMerger::default();
        let mut values = SchemaMerger::default();
        while self.tokens.has_next() {
            if self.tokens.can_consume("}") {
                let mut schema = Schema::of(SchemaType::Map, false);
                if let Some(key_schema) = keys.common() {
                    let value_schema = values.common();
                    let mut aligned = Entries::default();
                    for (k, v) in entries.iter() {
                        let v = match &value_schema {
                            Some(vs) => align(vs, v)?,
                            None => v.clone(),
                        };
                        aligned.put(align(&key_schema, k)?, v);
                    }
                    entries = aligned;
                    schema.key_schema = Some(key_schema);
                    schema.value_schema = value_schema;
                }
                return Ok(SchemaAndValue::with_schema(
                    Arc::new(schema),
                    entries.into_value(),
                ));
            }
            if self.tokens.can_consume(",") {
                return Err(reject("Unable to parse a map entry with no key or value"));
            }
            let key = match self.parse(true, depth)? {
                Some(key) if !key.value.is_null() => key,
                _ => return Err(reject("Map entry may not have a null key")),
            };
            if !self.tokens.can_consume(":") {
                return Err(reject("Map entry is missing ':'"));
            }
            let value = self.parse(true, depth)?;
            keys.merge(Some(&key));
            values.merge(value.as_ref());
            entries.put(key.value, value.map(|sv| sv.value).unwrap_or_default());
            self.tokens.can_consume(",");
        }
        Err(reject("Map is missing terminating '}'"))
    }
}

/// A rejection; the message is only for debugging, as rejections never reach the caller.
fn reject(what: &str) -> Failure {
    Failure::Reject(what.to_string())
}

fn check_depth(depth: usize) -> Result<(), Failure> {
    if depth > MAX_NESTING {
        return Err(Failure::Fatal(ConnectError::other(format!(
            "Arrays and maps are nested more than {MAX_NESTING} levels deep"
        ))));
    }
    Ok(())
}

/// Reads text of exactly the length of one of the ISO layouts as that layout. Escaped
/// colons (`\:`) count as colons; length is measured in UTF-16 units, as Java does.
fn parse_temporal(text: &str) -> Option<SchemaAndValue> {
    let text = text.replace("\\:", ":");
    let len = text.encode_utf16().count();
    let layout = [Layout::Time, Layout::Timestamp, Layout::Date]
        .into_iter()
        .find(|layout| layout.text_len() == len)?;
    let millis = layout.parse(&text)?;
    let schema = match layout {
        Layout::Date => logical::date_builder(),
        Layout::Time => logical::time_builder(),
        Layout::Timestamp => logical::timestamp_builder(),
    };
    Some(SchemaAndValue::with_schema(
        Arc::new(schema.into_schema()),
        Value::Instant(millis),
    ))
}
