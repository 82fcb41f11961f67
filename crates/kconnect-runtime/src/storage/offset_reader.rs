//! The offset reader handed to source tasks: looks up `[connector, partition]` keys, after
//! catching up with the store (on the offsets topic, like Java's
//! `KafkaOffsetBackingStore.get`, which reads the topic to its end first).

use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::plugin::OffsetStorageReader;
use kconnect_api::record::OffsetMap;
use kconnect_api::ConnectResult;

use super::internal_json::InternalJson;
use super::offset_store::OffsetStore;

/// Reads one connector's committed source offsets.
pub struct ConnectorOffsetReader {
    connector: String,
    store: Arc<dyn OffsetStore>,
    json: Arc<InternalJson>,
}

impl ConnectorOffsetReader {
    /// A reader of `connector`'s offsets in `store`.
    pub fn new(
        connector: impl Into<String>,
        store: Arc<dyn OffsetStore>,
        json: Arc<InternalJson>,
    ) -> Self {
        Self {
            connector: connector.into(),
            store,
            json,
        }
    }
}

#[async_trait]
impl OffsetStorageReader for ConnectorOffsetReader {
    async fn offset(&self, partition: &OffsetMap) -> ConnectResult<Option<OffsetMap>> {
        let key = self.json.offset_key(&self.connector, partition)?;
        self.store.refresh().await?;
        match self.store.get(&key) {
            Some(bytes) => Ok(Some(self.json.parse_offset_value(&bytes)?)),
            None => Ok(None),
        }
    }
}
