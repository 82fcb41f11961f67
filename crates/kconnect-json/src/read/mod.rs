//! JSON payload → Connect value (Java `convertToConnect`), streamed straight from the bytes
//! under the guidance of the schema, or inferred when there is none.
//!
//! Where Java silently coerces mismatched JSON (a string read as an `int32` becomes 0, a
//! number read as a string becomes null) this reader reports a `DataException` instead;
//! numeric conversions Java performs (narrowing casts, float → integer truncation) are kept.

mod logical;
mod numbers;

use std::borrow::Cow;

use kconnect_api::{Schema, SchemaRef, SchemaType, Struct, Value};

use crate::failure::{Failure, Res};
use crate::java_hash::hash_map_order;
use crate::lexer::{Lexer, Num};

pub(crate) use logical::decode_base64;
pub(crate) use numbers::wrapping_integer;
use numbers::{integer_of, parse_f32, parse_f64};

fn null_value(schema: &Schema, replace_null_with_default: bool) -> Res<Value> {
    match &schema.default_value {
        Some(default) if replace_null_with_default && !default.is_null() => Ok(default.clone()),
        _ if schema.optional => Ok(Value::Null),
        _ => Err(Failure::new(format!(
            "Invalid null value for required {} field",
            schema.schema_type
        ))),
    }
}

/// The streaming converter: a lexer plus the null-replacement setting.
pub(crate) struct ValueReader<'a> {
    /// The token source.
    pub lx: Lexer<'a>,
    /// `replace.null.with.default`.
    pub replace_null_with_default: bool,
}

impl<'a> ValueReader<'a> {
    fn expected(&mut self, what: &str, schema_type: SchemaType) -> Failure {
        let found = self.lx.node_type();
        Failure::new(format!(
            "Expected {what} for schema type {schema_type} but found {found}"
        ))
    }

    fn number(&mut self, schema_type: SchemaType) -> Res<Num<'a>> {
        match self.lx.peek() {
            Some(b'-' | b'0'..=b'9') => self.lx.number(),
            _ => Err(self.expected("a JSON number", schema_type)),
        }
    }

    fn string(&mut self, what: &str, schema_type: SchemaType) -> Res<Cow<'a, str>> {
        match self.lx.peek() {
            Some(b'"') => self.lx.string(),
            _ => Err(self.expected(what, schema_type)),
        }
    }

    /// Reads the value at the current position with `schema`.
    pub(crate) fn read(&mut self, schema: &SchemaRef) -> Res<Value> {
        match self.lx.peek() {
            Some(b'n') => {
                self.lx.literal(b"null")?;
                return null_value(schema, self.replace_null_with_default);
            }
            None => return Err(self.lx.unexpected_value()),
            _ => {}
        }
        if let Some(name) = schema.name.as_deref() {
            if let Some(value) = self.read_logical(schema, name)? {
                return Ok(value);
            }
        }
        let t = schema.schema_type;
        Ok(match t {
            SchemaType::Int8 => Value::Int8(integer_of(self.number(t)?)? as i8),
            SchemaType::Int16 => Value::Int16(integer_of(self.number(t)?)? as i16),
            SchemaType::Int32 => Value::Int32(integer_of(self.number(t)?)? as i32),
            SchemaType::Int64 => Value::Int64(integer_of(self.number(t)?)?),
            SchemaType::Float32 => Value::Float32(self.float(t)? as f32),
            SchemaType::Float64 => Value::Float64(self.float(t)?),
            SchemaType::Boolean => match self.lx.peek() {
                Some(b't') => self.lx.literal(b"true").map(|_| Value::Boolean(true))?,
                Some(b'f') => self.lx.literal(b"false").map(|_| Value::Boolean(false))?,
                _ => return Err(self.expected("a JSON boolean", t)),
            },
            SchemaType::String => Value::String(self.string("a JSON string", t)?.into_owned()),
            SchemaType::Bytes => {
                let text = self.string("a Base64 JSON string", t)?;
                Value::Bytes(
                    decode_base64(&text)
                        .map_err(|e| Failure::new(format!("Invalid bytes field: {e}")))?,
                )
            }
            SchemaType::Array => self.read_array(schema.value_schema.as_ref())?,
            SchemaType::Map => self.read_map(schema)?,
            SchemaType::Struct => self.read_struct(schema)?,
        })
    }

    fn float(&mut self, t: SchemaType) -> Res<f64> {
        if self.lx.peek() == Some(b'"') {
            // Jackson writes non-finite numbers as these strings.
            return match self.lx.string()?.as_ref() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                other => Err(Failure::new(format!(
                    "Expected a JSON number for schema type {t} but found STRING \"{other}\""
                ))),
            };
        }
        let num = self.number(t)?;
        if t == SchemaType::Float32 {
            // Round once, directly to f32 (as Java's floatValue does).
            let f = parse_f32(num.text);
            return Ok(f64::from(f));
        }
        Ok(parse_f64(num.text))
    }

    fn read_array(&mut self, items: Option<&SchemaRef>) -> Res<Value> {
        if self.lx.peek() != Some(b'[') {
            let found = self.lx.node_type();
            return Err(Failure::new(format!(
                "Arrays should be encoded as JSON arrays, but found {found}"
            )));
        }
        self.lx.expect(b'[', "'['")?;
        self.lx.enter()?;
        let mut out = Vec::new();
        let mut first = true;
        while self.lx.next_element(first)? {
            first = false;
            let index = out.len();
            let item = match items {
                Some(schema) => self.read(schema),
                None => self.read_schemaless(),
            };
            out.push(item.map_err(|e| e.at_index(index))?);
        }
        self.lx.leave();
        Ok(Value::Array(out))
    }

    fn read_map(&mut self, schema: &Schema) -> Res<Value> {
        let (Some(keys), Some(values)) = (&schema.key_schema, &schema.value_schema) else {
            return Err(Failure::new(
                "Map schema did not specify the key or value type",
            ));
        };
        if keys.schema_type == SchemaType::String {
            if self.lx.peek() != Some(b'{') {
                let found = self.lx.node_type();
                return Err(Failure::new(format!(
                    "Maps with string fields should be encoded as JSON objects, but found {found}"
                )));
            }
            return self.read_object_map(Some(values));
        }
        if self.lx.peek() != Some(b'[') {
            let found = self.lx.node_type();
            return Err(Failure::new(format!(
                "Maps with non-string fields should be encoded as JSON array of tuples, but \
                 found {found}"
            )));
        }
        self.lx.expect(b'[', "'['")?;
        self.lx.enter()?;
        let mut entries = Vec::new();
        let mut first = true;
        while self.lx.next_element(first)? {
            first = false;
            let index = entries.len();
            let entry = self
                .read_pair(keys, values)
                .map_err(|e| e.at_index(index))?;
            entries.push(entry);
        }
        self.lx.leave();
        Ok(Value::Map(hash_map_order(entries)))
    }

    /// One `[key, value]` tuple of a map with non-string keys.
    fn read_pair(&mut self, keys: &SchemaRef, values: &SchemaRef) -> Res<(Value, Value)> {
        if self.lx.peek() != Some(b'[') {
            let found = self.lx.node_type();
            return Err(Failure::new(format!(
                "Found invalid map entry instead of array tuple: {found}"
            )));
        }
        let start = self.lx.pos();
        self.lx.expect(b'[', "'['")?;
        self.lx.enter()?;
        let mut pair = Vec::with_capacity(2);
        let mut first = true;
        while pair.len() < 2 && self.lx.next_element(first)? {
            first = false;
            let schema = if pair.is_empty() { keys } else { values };
            pair.push(self.read(schema)?);
        }
        let complete = pair.len() == 2 && !self.lx.next_element(false)?;
        self.lx.leave();
        if !complete {
            let mut lx = Lexer::at(self.lx.src(), start);
            let size = count_elements(&mut lx)?;
            return Err(Failure::new(format!(
                "Found invalid map entry, expected length 2 but found :{size}"
            )));
        }
        let value = pair.pop().unwrap_or_default();
        let key = pair.pop().unwrap_or_default();
        Ok((key, value))
    }

    /// A JSON object read as a map with string keys (schemaless when `values` is `None`).
    fn read_object_map(&mut self, values: Option<&SchemaRef>) -> Res<Value> {
        self.lx.expect(b'{', "'{'")?;
        self.lx.enter()?;
        let mut entries = Vec::new();
        let mut first = true;
        while self.lx.next_member(first)? {
            first = false;
            let key = self.lx.key()?;
            let value = match values {
                Some(schema) => self.read(schema),
                None => self.read_schemaless(),
            };
            let value = value.map_err(|e| e.at_key(&key))?;
            entries.push((Value::String(key.into_owned()), value));
        }
        self.lx.leave();
        Ok(Value::Map(hash_map_order(entries)))
    }

    fn read_struct(&mut self, schema: &SchemaRef) -> Res<Value> {
        if self.lx.peek() != Some(b'{') {
            let found = self.lx.node_type();
            return Err(Failure::new(format!(
                "Structs should be encoded as JSON objects, but found {found}"
            )));
        }
        self.lx.expect(b'{', "'{'")?;
        self.lx.enter()?;
        let fields = &schema.fields;
        let mut result = Struct::new(schema.clone())?;
        let mut next = 0;
        let mut first = true;
        while self.lx.next_member(first)? {
            first = false;
            let key = self.lx.key()?;
            let index = match fields.get(next) {
                Some(f) if f.name == key => Some(next),
                _ => fields.iter().position(|f| f.name == key),
            };
            match index {
                Some(i) => {
                    let field = &fields[i];
                    let value = self
                        .read(&field.schema)
                        .map_err(|e| e.at_field(&field.name))?;
                    result.put_unchecked(i, value);
                    next = i + 1;
                }
                None => self.lx.skip_value()?,
            }
        }
        self.lx.leave();
        // Missing fields are read as JSON null.
        for (i, field) in fields.iter().enumerate() {
            if result.values()[i].is_null() {
                let value = null_value(&field.schema, self.replace_null_with_default)
                    .map_err(|e| e.at_field(&field.name))?;
                result.put_unchecked(i, value);
            }
        }
        Ok(Value::Struct(result))
    }

    /// Reads a value without a schema: integers become INT64, other numbers FLOAT64,
    /// objects maps with string keys.
    pub(crate) fn read_schemaless(&mut self) -> Res<Value> {
        Ok(match self.lx.peek() {
            Some(b'{') => self.read_object_map(None)?,
            Some(b'[') => self.read_array(None)?,
            Some(b'"') => Value::String(self.lx.string()?.into_owned()),
            Some(b'-' | b'0'..=b'9') => {
                let num = self.lx.number()?;
                if num.integral {
                    Value::Int64(wrapping_integer(num.text))
                } else {
                    Value::Float64(parse_f64(num.text))
                }
            }
            Some(b't') => self.lx.literal(b"true").map(|_| Value::Boolean(true))?,
            Some(b'f') => self.lx.literal(b"false").map(|_| Value::Boolean(false))?,
            Some(b'n') => self.lx.literal(b"null").map(|_| Value::Null)?,
            _ => return Err(self.lx.unexpected_value()),
        })
    }
}

/// Number of elements of the array starting at the lexer's position.
fn count_elements(lx: &mut Lexer<'_>) -> Res<usize> {
    lx.expect(b'[', "'['")?;
    let mut count = 0;
    while lx.next_element(count == 0)? {
        lx.skip_value()?;
        count += 1;
    }
    Ok(count)
}
