//! The interface source tasks and the offsets REST API need from an offsets store, with the
//! standalone file ([`FileOffsetStore`]) and the distributed offsets topic
//! ([`KafkaOffsetStore`]) behind it. Keys and values are the raw bytes the internal JSON
//! converter writes (spec §6.4), so both stores hold exactly what Java workers hold.

use async_trait::async_trait;
use kconnect_api::ConnectResult;

use super::java_serialization::Entry;
use super::kafka_offset_store::KafkaOffsetStore;
use super::offset_file::FileOffsetStore;

/// Source offsets by serialized key.
#[async_trait]
pub trait OffsetStore: Send + Sync + 'static {
    /// The stored value of a key (`None` if absent or deleted).
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;

    /// Every entry known (tombstones included).
    fn entries(&self) -> Vec<Entry>;

    /// Stores entries durably (a `None` value deletes the key); returns once they are
    /// persisted and visible to [`get`](Self::get).
    async fn put_all(&self, entries: Vec<Entry>) -> ConnectResult<()>;
}

#[async_trait]
impl OffsetStore for FileOffsetStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        FileOffsetStore::get(self, key)
    }

    fn entries(&self) -> Vec<Entry> {
        FileOffsetStore::entries(self)
    }

    async fn put_all(&self, entries: Vec<Entry>) -> ConnectResult<()> {
        FileOffsetStore::put_all(self, entries)
    }
}

#[async_trait]
impl OffsetStore for KafkaOffsetStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        KafkaOffsetStore::get(self, key)
    }

    fn entries(&self) -> Vec<Entry> {
        KafkaOffsetStore::entries(self)
    }

    async fn put_all(&self, entries: Vec<Entry>) -> ConnectResult<()> {
        KafkaOffsetStore::put_all(self, entries).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_file_store_behind_the_trait_keeps_and_deletes_entries() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string()).unwrap();
        let store: Box<dyn OffsetStore> =
            Box::new(FileOffsetStore::open(dir.path().join("offsets")).unwrap());
        store
            .put_all(vec![(b"k".to_vec(), Some(b"v".to_vec()))])
            .await
            .unwrap();
        assert_eq!(store.get(b"k"), Some(b"v".to_vec()));
        store.put_all(vec![(b"k".to_vec(), None)]).await.unwrap();
        assert_eq!(store.get(b"k"), None);
    }
}
