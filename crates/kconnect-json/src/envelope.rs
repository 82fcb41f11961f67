//! Bytes → (schema, value) (Java `toConnectData`): the envelope check, schema lookup in the
//! cache keyed by the schema's JSON text, and payload conversion.
//!
//! The envelope is read in one pass. The schema text is compared first with the last schema
//! seen (one `memcmp` for the usual one-schema topic), then looked up in the LRU cache, and
//! parsed only on a miss. A payload that follows its schema is converted in place; one that
//! comes first is skipped and converted afterwards. Errors keep Java's precedence: syntax,
//! then the envelope's shape, then the schema, then the payload.

use kconnect_api::{SchemaAndValue, SchemaRef, Value};

use crate::cache::LruCache;
use crate::failure::{Failure, Res};
use crate::lexer::Lexer;
use crate::read::ValueReader;
use crate::schema_parse::parse_schema_text;

/// Java's message when `schemas.enable=true` meets data without the envelope.
pub const ENVELOPE_ERROR: &str = "JsonConverter with schemas.enable requires \"schema\" and \
     \"payload\" fields and may not contain additional fields. If you are trying to deserialize \
     plain JSON data, set schemas.enable=false in your converter configuration.";

/// Parsed schemas by JSON text.
#[derive(Debug)]
pub(crate) struct SchemaTextCache {
    lru: LruCache<Box<[u8]>, SchemaRef>,
    last: Option<(Box<[u8]>, SchemaRef)>,
}

impl SchemaTextCache {
    /// An empty cache bounded by `capacity` (zero or less: no caching).
    pub(crate) fn new(capacity: i32) -> Self {
        Self {
            lru: LruCache::new(capacity),
            last: None,
        }
    }

    /// The schema for `text`, parsing (and caching) it on a miss.
    pub(crate) fn schema_for(&mut self, text: &[u8], replace: bool) -> Res<Option<SchemaRef>> {
        if let Some(schema) = self.lru.get(text) {
            let schema = schema.clone();
            self.last = Some((text.into(), schema.clone()));
            return Ok(Some(schema));
        }
        let parsed = parse_schema_text(text, replace)?;
        if let Some(schema) = &parsed {
            self.lru.put(text.into(), schema.clone());
            self.last = Some((text.into(), schema.clone()));
        }
        Ok(parsed)
    }

    /// Reads the schema value at the reader's position. The outer error is a syntax error
    /// (reported at once); the inner one a schema error (reported after the envelope check).
    fn read_schema(&mut self, r: &mut ValueReader<'_>) -> Res<Res<Option<SchemaRef>>> {
        r.lx.skip_ws();
        let start = r.lx.pos();
        let src = r.lx.src();
        if let Some((text, schema)) = &self.last {
            // A cached text is a complete JSON object, so a byte match is the whole value.
            if src[start..].starts_with(text) {
                r.lx.advance_to(start + text.len());
                return Ok(Ok(Some(schema.clone())));
            }
        }
        if r.lx.peek() == Some(b'n') {
            r.lx.literal(b"null")?;
            return Ok(Ok(None));
        }
        r.lx.skip_value()?;
        let text = &src[start..r.lx.pos()];
        Ok(self.schema_for(text, r.replace_null_with_default))
    }
}

/// Where the payload stands while the envelope is being read.
enum Payload {
    /// Not seen yet.
    Absent,
    /// Converted (or failed to convert) with the schema seen before it; starts at the offset.
    Read((usize, usize), Res<Value>),
    /// Seen before its schema: convert it from this offset at the end.
    Later((usize, usize)),
}

/// Converts one message. `bytes` is non-null (nulls are handled by the caller).
pub(crate) fn read_message(
    bytes: &[u8],
    schemas_enable: bool,
    replace_null_with_default: bool,
    cache: &mut SchemaTextCache,
) -> Res<SchemaAndValue> {
    let mut r = ValueReader {
        lx: Lexer::new(bytes),
        replace_null_with_default,
    };
    if !schemas_enable {
        // Jackson reads empty input as a missing node, which converts to null. Content after
        // the first value is ignored, as Jackson's `readTree` ignores it.
        if r.lx.at_end() {
            return Ok(SchemaAndValue::null());
        }
        r.lx.validate_rest();
        let value = r.read_schemaless()?;
        return Ok(SchemaAndValue::new(None, value));
    }
    match r.lx.peek() {
        Some(b'{') => {}
        None => return Err(Failure::new(ENVELOPE_ERROR)),
        Some(_) => {
            r.lx.skip_value()?;
            return Err(Failure::new(ENVELOPE_ERROR));
        }
    }
    r.lx.expect(b'{', "'{'")?;
    r.lx.enter()?;
    let mut schema: Option<Res<Option<SchemaRef>>> = None;
    let mut payload = Payload::Absent;
    let mut extra = false;
    let mut first = true;
    while r.lx.next_member(first)? {
        first = false;
        let key = r.lx.key()?;
        match key.as_ref() {
            "schema" => {
                schema = Some(cache.read_schema(&mut r)?);
                if let Payload::Read(start, _) = payload {
                    // A repeated "schema" replaces the one the payload was read with (Jackson
                    // keeps the last of repeated keys): read the payload again at the end.
                    payload = Payload::Later(start);
                }
            }
            "payload" => {
                r.lx.skip_ws();
                r.lx.validate_rest();
                let start = r.lx.mark();
                payload = match &schema {
                    Some(Ok(s)) => {
                        let result = read_payload(&mut r, s.as_ref());
                        if result.is_err() {
                            // Report bad syntax before a conversion error.
                            r.lx.rewind(start);
                            r.lx.skip_value()?;
                        }
                        Payload::Read(start, result)
                    }
                    _ => {
                        r.lx.skip_value()?;
                        Payload::Later(start)
                    }
                };
            }
            _ => {
                r.lx.skip_value()?;
                extra = true;
            }
        }
    }
    let (Some(schema), false) = (schema, extra || matches!(payload, Payload::Absent)) else {
        return Err(Failure::new(ENVELOPE_ERROR));
    };
    let schema = schema?;
    let value = match payload {
        Payload::Read(_, result) => result?,
        Payload::Later(start) => {
            r.lx.rewind(start);
            read_payload(&mut r, schema.as_ref())?
        }
        Payload::Absent => return Err(Failure::new(ENVELOPE_ERROR)),
    };
    Ok(SchemaAndValue::new(schema, value))
}

fn read_payload(r: &mut ValueReader<'_>, schema: Option<&SchemaRef>) -> Res<Value> {
    match schema {
        Some(schema) => r.read(schema),
        None => r.read_schemaless(),
    }
}
