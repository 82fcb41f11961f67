//! The context a source task receives (`SourceTaskContext`): its configuration and a reader
//! of the offsets committed for its connector.

use std::sync::Arc;

use kconnect_api::plugin::{OffsetStorageReader, SourceTaskContext};
use kconnect_api::ConfigMap;

/// The runtime's context for a source task.
pub struct SourceContext {
    configs: ConfigMap,
    reader: Arc<dyn OffsetStorageReader>,
}

impl SourceContext {
    /// A context with the task's configuration and offset reader.
    pub fn new(configs: ConfigMap, reader: Arc<dyn OffsetStorageReader>) -> Self {
        Self { configs, reader }
    }
}

impl SourceTaskContext for SourceContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }

    fn offset_storage_reader(&self) -> Arc<dyn OffsetStorageReader> {
        self.reader.clone()
    }
}
