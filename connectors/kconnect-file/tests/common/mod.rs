//! Test doubles for the runtime side of the task APIs.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use kconnect_api::plugin::{
    ErrantRecordReporter, OffsetStorageReader, SinkTaskContext, SourceTaskContext,
};
use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigMap, ConnectResult, TopicPartition};

/// Committed source offsets held in memory.
#[derive(Default)]
pub struct MemoryOffsets {
    entries: Mutex<Vec<(OffsetMap, OffsetMap)>>,
}

impl MemoryOffsets {
    /// Records `offset` as the committed offset of `partition`.
    pub fn commit(&self, partition: OffsetMap, offset: OffsetMap) {
        let mut entries = self.entries.lock().unwrap();
        entries.retain(|(p, _)| *p != partition);
        entries.push((partition, offset));
    }
}

#[async_trait]
impl OffsetStorageReader for MemoryOffsets {
    async fn offset(&self, partition: &OffsetMap) -> ConnectResult<Option<OffsetMap>> {
        let entries = self.entries.lock().unwrap();
        Ok(entries
            .iter()
            .find(|(p, _)| p == partition)
            .map(|(_, o)| o.clone()))
    }
}

/// A source task context over a configuration and in-memory offsets.
pub struct SourceContext {
    pub configs: ConfigMap,
    pub offsets: Arc<MemoryOffsets>,
}

impl SourceTaskContext for SourceContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }

    fn offset_storage_reader(&self) -> Arc<dyn OffsetStorageReader> {
        self.offsets.clone()
    }
}

/// A sink task context that ignores every request.
pub struct SinkContext {
    pub configs: ConfigMap,
}

impl SinkTaskContext for SinkContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }
    fn offset(&self, _offsets: HashMap<TopicPartition, i64>) {}
    fn timeout(&self, _millis: u64) {}
    fn assignment(&self) -> Vec<TopicPartition> {
        Vec::new()
    }
    fn pause(&self, _partitions: &[TopicPartition]) {}
    fn resume(&self, _partitions: &[TopicPartition]) {}
    fn request_commit(&self) {}
    fn errant_record_reporter(&self) -> Option<Arc<dyn ErrantRecordReporter>> {
        None
    }
}
