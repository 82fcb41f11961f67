//! Internal-topic and offsets-file encodings: JsonConverter output without schemas, exactly as
//! Java workers write them, so offset keys match byte for byte.

use std::sync::Mutex;

use indexmap::IndexMap;
use kconnect_api::plugin::Converter;
use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigMap, ConnectError, ConnectResult, Value};
use kconnect_json::JsonConverter;

/// A schemaless JSON converter for internal data.
pub struct InternalJson {
    converter: Mutex<JsonConverter>,
}

impl Default for InternalJson {
    fn default() -> Self {
        Self::new()
    }
}

fn map_value(map: &OffsetMap) -> Value {
    Value::Map(
        map.iter()
            .map(|(k, v)| (Value::String(k.clone()), v.clone()))
            .collect(),
    )
}

fn to_offset_map(value: Value, what: &str) -> ConnectResult<OffsetMap> {
    match value {
        Value::Map(entries) => entries
            .into_iter()
            .map(|(k, v)| match k {
                Value::String(k) => Ok((k, v)),
                other => Err(ConnectError::data(format!(
                    "{what} has a non-string key: {other}"
                ))),
            })
            .collect::<ConnectResult<IndexMap<_, _>>>(),
        other => Err(ConnectError::data(format!(
            "{what} is not a JSON object: {other}"
        ))),
    }
}

impl InternalJson {
    /// A converter configured with `schemas.enable=false`.
    pub fn new() -> Self {
        let mut converter = JsonConverter::new();
        let mut props = ConfigMap::new();
        props.insert("schemas.enable".into(), "false".into());
        // Configuring with fixed, valid settings cannot fail.
        let _ = converter.configure(&props, false);
        Self {
            converter: Mutex::new(converter),
        }
    }

    fn serialize(&self, value: &Value) -> ConnectResult<Vec<u8>> {
        let mut conv = self
            .converter
            .lock()
            .map_err(|_| ConnectError::other("internal converter poisoned"))?;
        conv.serialize("", None, value)?
            .ok_or_else(|| ConnectError::other("internal converter produced no bytes"))
    }

    fn deserialize(&self, bytes: &[u8]) -> ConnectResult<Value> {
        let mut conv = self
            .converter
            .lock()
            .map_err(|_| ConnectError::other("internal converter poisoned"))?;
        Ok(conv.deserialize("", Some(bytes))?.value)
    }

    /// The offsets key of a source partition: `["<connector>",{...partition...}]`.
    pub fn offset_key(&self, connector: &str, partition: &OffsetMap) -> ConnectResult<Vec<u8>> {
        self.serialize(&Value::Array(vec![
            Value::String(connector.to_string()),
            map_value(partition),
        ]))
    }

    /// The stored form of a source offset: `{...offset...}`.
    pub fn offset_value(&self, offset: &OffsetMap) -> ConnectResult<Vec<u8>> {
        self.serialize(&map_value(offset))
    }

    /// Parses an offsets key into connector name and partition; `None` for keys that are not
    /// a two-element `[string, object]` list (Java ignores those).
    pub fn parse_offset_key(&self, bytes: &[u8]) -> Option<(String, OffsetMap)> {
        match self.deserialize(bytes).ok()? {
            Value::Array(mut items) if items.len() == 2 => {
                let partition = to_offset_map(items.pop()?, "offset key partition").ok()?;
                match items.pop()? {
                    Value::String(connector) => Some((connector, partition)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Parses a stored source offset.
    pub fn parse_offset_value(&self, bytes: &[u8]) -> ConnectResult<OffsetMap> {
        to_offset_map(self.deserialize(bytes)?, "source offset")
    }

    /// Serializes any schemaless value (for config and status records).
    pub fn to_bytes(&self, value: &Value) -> ConnectResult<Vec<u8>> {
        self.serialize(value)
    }

    /// Parses any schemaless JSON document.
    pub fn from_bytes(&self, bytes: &[u8]) -> ConnectResult<Value> {
        self.deserialize(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_key_matches_java_bytes() {
        let json = InternalJson::new();
        let mut partition = OffsetMap::new();
        partition.insert("filename".into(), Value::from("/tmp/test.txt"));
        let key = json.offset_key("local-file-source", &partition).unwrap();
        assert_eq!(
            key,
            br#"["local-file-source",{"filename":"/tmp/test.txt"}]"#.to_vec()
        );
        let mut offset = OffsetMap::new();
        offset.insert("position".into(), Value::Int64(1234));
        assert_eq!(
            json.offset_value(&offset).unwrap(),
            br#"{"position":1234}"#.to_vec()
        );
        assert_eq!(
            json.parse_offset_key(&key),
            Some(("local-file-source".to_string(), partition))
        );
        assert_eq!(
            json.parse_offset_value(br#"{"position":1234}"#).unwrap(),
            offset
        );
        assert_eq!(json.parse_offset_key(b"{\"not\":\"a list\"}"), None);
    }
}
