//! The interface source tasks and the offsets REST API need from an offsets store, with the
//! standalone file ([`FileOffsetStore`]) and the distributed offsets topic
//! ([`KafkaOffsetStore`]) behind it. Keys and values are the raw bytes the internal JSON
//! converter writes (kafka-connect-spec.md §6.4), so both stores hold exactly what Java workers hold.

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::FutureExt;
use kconnect_api::ConnectResult;

use super::java_serialization::Entry;
use super::kafka_offset_store::KafkaOffsetStore;
use super::offset_file::FileOffsetStore;

/// A write a store accepted: resolves once its entries are durable. Dropping it does not
/// take the entries back.
pub type PendingWrite = BoxFuture<'static, ConnectResult<()>>;

/// Source offsets by serialized key.
#[async_trait]
pub trait OffsetStore: Send + Sync + 'static {
    /// The stored value of a key (`None` if absent or deleted).
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;

    /// Every entry known (tombstones included).
    fn entries(&self) -> Vec<Entry>;

    /// Accepts entries (a `None` value deletes the key) without waiting: they are visible to
    /// [`get`](Self::get) at once and ordered before every write started after this returns.
    /// The returned future resolves once they are persisted.
    fn start_put_all(&self, entries: Vec<Entry>) -> PendingWrite;

    /// Stores entries durably; returns once they are persisted and visible to
    /// [`get`](Self::get).
    async fn put_all(&self, entries: Vec<Entry>) -> ConnectResult<()> {
        self.start_put_all(entries).await
    }

    /// Whether entries accepted earlier are not persisted yet (a write failed or is still
    /// under way); the next write, even an empty one, persists them.
    fn is_dirty(&self) -> bool {
        false
    }

    /// Catches up with what other processes wrote (the offsets topic: reads it to its end),
    /// so that reads see every write made before the call. Stores only this process writes
    /// have nothing to do.
    async fn refresh(&self) -> ConnectResult<()> {
        Ok(())
    }
}

#[async_trait]
impl OffsetStore for FileOffsetStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        FileOffsetStore::get(self, key)
    }

    fn entries(&self) -> Vec<Entry> {
        FileOffsetStore::entries(self)
    }

    fn start_put_all(&self, entries: Vec<Entry>) -> PendingWrite {
        if let Err(e) = self.accept(entries) {
            return futures::future::ready(Err(e)).boxed();
        }
        self.flush().boxed()
    }

    fn is_dirty(&self) -> bool {
        FileOffsetStore::is_dirty(self)
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

    fn start_put_all(&self, entries: Vec<Entry>) -> PendingWrite {
        KafkaOffsetStore::start_put_all(self, entries).boxed()
    }

    fn is_dirty(&self) -> bool {
        KafkaOffsetStore::is_dirty(self)
    }

    async fn refresh(&self) -> ConnectResult<()> {
        self.read_to_end().await
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
