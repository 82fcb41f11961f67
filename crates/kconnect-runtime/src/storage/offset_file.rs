//! The standalone offsets store: every source offset kept in memory and rewritten to
//! `offset.storage.file.filename` on each flush, crash-safely (temporary file, fsync,
//! rename, fsync of the directory), in the format Java workers use.

use std::collections::HashMap;
use std::fs::{self, File};
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kconnect_api::{ConnectError, ConnectResult};

use super::java_serialization::{read_map, write_map, Entry};

/// Offsets kept in a file.
pub struct FileOffsetStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    data: Mutex<HashMap<Vec<u8>, Option<Vec<u8>>>>,
    /// Bumped (under `data`) each time entries are accepted.
    accepted: AtomicU64,
    /// The `accepted` count the file reflects; behind it while a write is pending or failed.
    persisted: AtomicU64,
    /// Serializes writers: each takes its snapshot and replaces the file while holding it,
    /// so concurrent flushes never share the temporary file or put an older snapshot last.
    write: Mutex<()>,
}

fn poisoned<T>(_: T) -> ConnectError {
    ConnectError::other("offset store poisoned")
}

impl FileOffsetStore {
    /// Opens (or starts) the store at `path`. A missing or empty file holds no offsets; a
    /// corrupt one is an error rather than silently starting over.
    pub fn open(path: impl AsRef<Path>) -> ConnectResult<Self> {
        let path = path.as_ref().to_path_buf();
        let data = match fs::read(&path) {
            Ok(bytes) => read_map(&bytes).map_err(|e| {
                ConnectError::other(format!("cannot read offsets file {}: {e}", path.display()))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(ConnectError::other(format!(
                    "cannot read offsets file {}: {e}",
                    path.display()
                )))
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                data: Mutex::new(data.into_iter().collect()),
                accepted: AtomicU64::new(0),
                persisted: AtomicU64::new(0),
                write: Mutex::new(()),
            }),
        })
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The stored value of a key (`None` if absent or a tombstone).
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.data.lock().ok()?.get(key).cloned().flatten()
    }

    /// Every stored entry (tombstones included).
    pub fn entries(&self) -> Vec<Entry> {
        self.inner
            .data
            .lock()
            .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Whether the file is behind what was accepted (a write failed or is still pending).
    pub fn is_dirty(&self) -> bool {
        self.inner.persisted.load(Ordering::Acquire) != self.inner.accepted.load(Ordering::Acquire)
    }

    /// Applies entries and persists the whole map before returning. If persisting fails
    /// the entries stay accepted in memory and the store is marked dirty; any later call
    /// (even with no entries) writes them.
    pub fn put_all(&self, entries: Vec<Entry>) -> ConnectResult<()> {
        self.accept(entries)?;
        self.inner.flush()
    }

    /// Applies entries in memory (visible to [`get`](Self::get) at once) without writing
    /// the file; [`flush`](Self::flush) writes them.
    pub fn accept(&self, entries: Vec<Entry>) -> ConnectResult<()> {
        let mut data = self.inner.data.lock().map_err(poisoned)?;
        for (k, v) in entries {
            data.insert(k, v);
        }
        self.inner.accepted.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Writes everything accepted so far to the file, on a blocking thread (the returned
    /// future does not borrow the store).
    pub fn flush(&self) -> impl Future<Output = ConnectResult<()>> + Send + 'static {
        let inner = self.inner.clone();
        async move {
            tokio::task::spawn_blocking(move || inner.flush())
                .await
                .map_err(|e| ConnectError::other(format!("writing the offsets file failed: {e}")))?
        }
    }
}

impl Inner {
    /// Writes the current map; on success the file reflects everything accepted before.
    fn flush(&self) -> ConnectResult<()> {
        let _writer = self.write.lock().map_err(poisoned)?;
        let (snapshot, version): (Vec<Entry>, u64) = {
            let data = self.data.lock().map_err(poisoned)?;
            let version = self.accepted.load(Ordering::Acquire);
            (
                data.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                version,
            )
        };
        self.persist(&write_map(&snapshot))?;
        self.persisted.store(version, Ordering::Release);
        Ok(())
    }

    fn persist(&self, bytes: &[u8]) -> ConnectResult<()> {
        let fail = |what: &str, e: std::io::Error| {
            ConnectError::other(format!(
                "cannot {what} offsets file {}: {e}",
                self.path.display()
            ))
        };
        let tmp = self.path.with_extension("tmp");
        let mut file = File::create(&tmp).map_err(|e| fail("create", e))?;
        file.write_all(bytes).map_err(|e| fail("write", e))?;
        file.sync_all().map_err(|e| fail("sync", e))?;
        drop(file);
        fs::rename(&tmp, &self.path).map_err(|e| fail("replace", e))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persists_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connect.offsets");
        let store = FileOffsetStore::open(&path).unwrap();
        assert_eq!(store.get(b"k"), None);
        store
            .put_all(vec![(b"k".to_vec(), Some(b"v1".to_vec()))])
            .unwrap();
        store
            .put_all(vec![
                (b"k".to_vec(), Some(b"v2".to_vec())),
                (b"gone".to_vec(), None),
            ])
            .unwrap();
        let reopened = FileOffsetStore::open(&path).unwrap();
        assert_eq!(reopened.get(b"k"), Some(b"v2".to_vec()));
        assert_eq!(reopened.entries().len(), 2);
        assert!(!path.with_extension("tmp").exists());
    }

    #[test]
    fn a_failed_write_is_caught_up_by_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let path = sub.join("connect.offsets");
        let store = FileOffsetStore::open(&path).unwrap();
        fs::remove_dir(&sub).unwrap();
        assert!(store
            .put_all(vec![(b"k".to_vec(), Some(b"v".to_vec()))])
            .is_err());
        assert!(store.is_dirty());
        fs::create_dir(&sub).unwrap();
        store.put_all(Vec::new()).unwrap();
        assert!(!store.is_dirty());
        assert_eq!(
            FileOffsetStore::open(&path).unwrap().get(b"k"),
            Some(b"v".to_vec())
        );
    }

    #[test]
    fn concurrent_writers_never_lose_each_others_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connect.offsets");
        let store = std::sync::Arc::new(FileOffsetStore::open(&path).unwrap());
        let writers: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let key = format!("task{t}").into_bytes();
                        store
                            .put_all(vec![(key, Some(format!("{i}").into_bytes()))])
                            .unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let reopened = FileOffsetStore::open(&path).unwrap();
        for t in 0..8 {
            assert_eq!(
                reopened.get(format!("task{t}").as_bytes()),
                Some(b"49".to_vec())
            );
        }
    }

    #[test]
    fn corrupt_file_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.offsets");
        fs::write(&path, b"garbage").unwrap();
        let err = FileOffsetStore::open(&path).err().unwrap().to_string();
        assert!(err.contains("bad.offsets"), "{err}");
    }
}
