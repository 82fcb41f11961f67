//! `io.confluent.connect.avro.AvroConverter`: Connect data as Avro in Confluent's wire
//! format, with schemas registered in a Schema Registry.

use std::collections::HashMap;
use std::sync::Arc;

use kconnect_api::config::{ConfigKey, ConfigType, Importance};
use kconnect_api::plugin::Converter;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectResult, SchemaAndValue, SchemaRef, SchemaType, Value,
};
use kconnect_registry::{RegistryClient, RegistryConfig, RegistryError, SubjectStrategy};

use crate::from_avro::Reader;
use crate::to_avro::{to_avro, AvroDataConfig};
use crate::{binary, wire};

/// Confluent's class name of the converter.
pub const AVRO_CONVERTER_CLASS: &str = "io.confluent.connect.avro.AvroConverter";

/// `connect.meta.data`.
pub const CONNECT_META_DATA: &str = "connect.meta.data";
/// `enhanced.avro.schema.support`.
pub const ENHANCED_SCHEMA_SUPPORT: &str = "enhanced.avro.schema.support";
/// `scrub.invalid.names`.
pub const SCRUB_INVALID_NAMES: &str = "scrub.invalid.names";

/// Written schemas remembered per converter (the registry client caches ids on its own).
const WRITTEN_SCHEMAS: usize = 64;
/// Readers remembered per converter, by schema id.
const READERS: usize = 1000;

/// A written Connect schema: its Avro text and subject-relevant name.
struct Written {
    schema: SchemaRef,
    text: Arc<str>,
    record_name: Option<String>,
}

/// The converter (see the [module](self) documentation).
#[derive(Default)]
pub struct AvroConverter {
    is_key: bool,
    data: AvroDataConfig,
    client: Option<Arc<RegistryClient>>,
    written: Vec<Written>,
    readers: HashMap<i32, Arc<Reader>>,
}

impl AvroConverter {
    /// An unconfigured converter.
    pub fn new() -> Self {
        Self::default()
    }

    fn client(&self) -> ConnectResult<&RegistryClient> {
        self.client
            .as_deref()
            .ok_or_else(|| ConnectError::other("AvroConverter used before it was configured"))
    }

    fn strategy(&self) -> SubjectStrategy {
        self.client
            .as_ref()
            .map_or(SubjectStrategy::TopicName, |c| c.config().strategy)
    }

    /// The Avro text of `schema`, from the cache or mapped now.
    fn written(&mut self, schema: &SchemaRef) -> ConnectResult<(Arc<str>, Option<String>)> {
        if let Some(w) = self
            .written
            .iter()
            .find(|w| Arc::ptr_eq(&w.schema, schema) || *w.schema == **schema)
        {
            return Ok((w.text.clone(), w.record_name.clone()));
        }
        let text: Arc<str> = to_avro(schema, &self.data)
            .map_err(|e| ConnectError::data(e.to_string()))?
            .text()
            .into();
        let record_name = (schema.schema_type == SchemaType::Struct)
            .then(|| schema.name.clone())
            .flatten();
        if self.written.len() >= WRITTEN_SCHEMAS {
            self.written.remove(0);
        }
        self.written.push(Written {
            schema: schema.clone(),
            text: text.clone(),
            record_name: record_name.clone(),
        });
        Ok((text, record_name))
    }

    fn reader(&mut self, topic: &str, id: i32) -> ConnectResult<Arc<Reader>> {
        if let Some(r) = self.readers.get(&id) {
            return Ok(r.clone());
        }
        let client = self.client()?;
        let text = client.schema_by_id(id).map_err(|e| match e {
            RegistryError::NotFound(m) => ConnectError::data(format!(
                "Failed to deserialize data for topic {topic} to Avro: unknown schema id {id} ({m})"
            )),
            other => registry_error(other),
        })?;
        let reader = Reader::new(&text, None).map_err(|e| ConnectError::data(e.to_string()))?;
        let record_name = reader.schema().name.clone();
        let subject = self
            .strategy()
            .subject(topic, self.is_key, record_name.as_deref())
            .ok();
        let version = match subject {
            Some(s) => client.version(&s, &text, None).map_err(registry_error)?,
            None => None,
        };
        let reader = Arc::new(reader.with_root_version(version));
        if self.readers.len() >= READERS {
            self.readers.clear();
        }
        self.readers.insert(id, reader.clone());
        Ok(reader)
    }
}

/// A registry failure as a Connect error: retriable when the registry could not be reached.
fn registry_error(e: RegistryError) -> ConnectError {
    if e.is_retriable() {
        ConnectError::Retriable(e.to_string())
    } else {
        ConnectError::data(e.to_string())
    }
}

/// The converter's own settings.
fn avro_keys() -> ConfigDef {
    let flag = |name: &str, default: &str, doc: &str| {
        ConfigKey::new(name, ConfigType::Boolean)
            .default_value(default)
            .importance(Importance::Low)
            .doc(doc)
    };
    ConfigDef::new()
        .define(flag(CONNECT_META_DATA, "true", "Keep Connect's names, docs, versions, parameters and defaults in the Avro schema as connect.* properties."))
        .define(flag(ENHANCED_SCHEMA_SUPPORT, "false", "Keep Avro enums and unions through Connect parameters."))
        .define(flag(SCRUB_INVALID_NAMES, "false", "Replace the characters Avro names do not allow."))
}

impl Converter for AvroConverter {
    fn configure(&mut self, props: &ConfigMap, is_key: bool) -> ConnectResult<()> {
        let parsed = avro_keys().parse(props).map_err(ConnectError::Config)?;
        self.data = AvroDataConfig {
            connect_meta_data: parsed.boolean(CONNECT_META_DATA),
            enhanced_schema_support: parsed.boolean(ENHANCED_SCHEMA_SUPPORT),
            scrub_invalid_names: parsed.boolean(SCRUB_INVALID_NAMES),
        };
        let registry = RegistryConfig::parse(props, is_key).map_err(ConnectError::Config)?;
        self.client = Some(Arc::new(
            RegistryClient::new(registry).map_err(ConnectError::other)?,
        ));
        self.is_key = is_key;
        self.written.clear();
        self.readers.clear();
        Ok(())
    }

    fn serialize(
        &mut self,
        topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> ConnectResult<Option<Vec<u8>>> {
        if value.is_null() {
            return Ok(None);
        }
        let schema = schema.ok_or_else(|| {
            ConnectError::data(format!(
                "Failed to serialize Avro data from topic {topic}: the record has no schema (the Avro converter needs one)"
            ))
        })?;
        let (text, record_name) = self.written(schema)?;
        let subject = self
            .strategy()
            .subject(topic, self.is_key, record_name.as_deref())
            .map_err(|e| {
                ConnectError::data(format!(
                    "Failed to serialize Avro data from topic {topic}: {e}"
                ))
            })?;
        let client = self.client()?;
        let config = client.config();
        let id = if config.use_latest_version {
            let latest = client.latest(&subject).map_err(registry_error)?;
            if latest.schema != *text {
                return Err(ConnectError::data(format!(
                    "use.latest.version: the latest schema of subject {subject} (id {}) is not the record's schema, and records are not converted to another schema yet",
                    latest.id
                )));
            }
            latest.id
        } else if config.auto_register {
            client
                .register(&subject, &text, None)
                .map_err(registry_error)?
        } else {
            client
                .lookup(&subject, &text, None)
                .map_err(registry_error)?
                .id
        };
        let mut payload = Vec::with_capacity(64);
        binary::encode(schema, value, &mut payload).map_err(|e| {
            ConnectError::data(format!(
                "Failed to serialize Avro data from topic {topic}: {e}"
            ))
        })?;
        Ok(Some(wire::frame(id, &payload)))
    }

    fn deserialize(&mut self, topic: &str, bytes: Option<&[u8]>) -> ConnectResult<SchemaAndValue> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::new(None, Value::Null));
        };
        let (id, payload) = wire::unframe(bytes).map_err(|e| {
            ConnectError::data(format!(
                "Failed to deserialize data for topic {topic} to Avro: {e}"
            ))
        })?;
        let reader = self.reader(topic, id)?;
        let value = reader.read(payload).map_err(|e| {
            ConnectError::data(format!(
                "Failed to deserialize data for topic {topic} to Avro (schema id {id}): {e}"
            ))
        })?;
        Ok(SchemaAndValue::new(Some(reader.schema().clone()), value))
    }

    fn config_def(&self) -> ConfigDef {
        let mut def = kconnect_registry::config::config_def();
        for key in avro_keys().keys() {
            def.add(key.clone());
        }
        def
    }
}
