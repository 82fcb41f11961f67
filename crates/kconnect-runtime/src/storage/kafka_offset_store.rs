//! Source offsets on the offsets topic (Java's `KafkaOffsetBackingStore`, kafka-connect-spec.md §6.4): raw
//! key and value bytes, exactly as the JSON converter writes them, so lookups are byte-exact
//! across Java and kconnect workers.
//!
//! Writes are handed to the producer at once, in the order they are started, and are visible
//! to [`get`](KafkaOffsetStore::get) right away; a write that fails (or whose confirmation
//! nobody waits for) is sent again with the next write, unless a newer value of the same key
//! was written or read meanwhile, so a retry does not take the topic back to an older offset
//! that another worker (or an offsets reset) replaced.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::try_join_all;
use kconnect_api::{ConnectError, ConnectResult};
use kconnect_kafka::ClientProps;

use super::java_serialization::Entry;
use super::kafka_log::KafkaLog;

type Data = HashMap<Vec<u8>, Option<Vec<u8>>>;

/// Writes not confirmed yet.
#[derive(Default)]
struct Unconfirmed {
    /// Number of the next write.
    next: u64,
    /// The write that last set each key whose confirmation is pending.
    latest: HashMap<Vec<u8>, u64>,
    /// Entries whose write failed or was abandoned; sent again with the next write.
    failed: Data,
}

/// The offsets topic, read into memory.
pub struct KafkaOffsetStore {
    log: KafkaLog,
    data: Arc<Mutex<Data>>,
    unconfirmed: Arc<Mutex<Unconfirmed>>,
}

/// Marks a write's entries failed unless it is confirmed before being dropped.
struct Confirmation {
    unconfirmed: Arc<Mutex<Unconfirmed>>,
    write: u64,
    entries: Vec<Entry>,
    confirmed: bool,
}

impl Confirmation {
    fn confirm(mut self) {
        self.confirmed = true;
        if let Ok(mut u) = self.unconfirmed.lock() {
            for (k, _) in &self.entries {
                if u.latest.get(k) == Some(&self.write) {
                    u.latest.remove(k);
                }
            }
        }
    }
}

impl Drop for Confirmation {
    fn drop(&mut self) {
        if self.confirmed {
            return;
        }
        if let Ok(mut u) = self.unconfirmed.lock() {
            for (k, v) in self.entries.drain(..) {
                if u.latest.get(&k) == Some(&self.write) {
                    u.failed.insert(k, v);
                }
            }
        }
    }
}

impl KafkaOffsetStore {
    /// Starts reading the topic.
    pub fn start(
        topic: &str,
        producer: &ClientProps,
        consumer: &ClientProps,
        timeout: Duration,
    ) -> ConnectResult<Self> {
        let data = Arc::new(Mutex::new(Data::new()));
        let unconfirmed = Arc::new(Mutex::new(Unconfirmed::default()));
        let log = {
            let (data, unconfirmed) = (data.clone(), unconfirmed.clone());
            KafkaLog::start(topic, producer, consumer, timeout, move |r| {
                let Some(key) = r.key else {
                    return;
                };
                // A value read for a key supersedes a failed write of it waiting to be sent
                // again: resending could take the key back to an older offset (another
                // worker's task may own the partition now, or its offsets were reset).
                if let Ok(mut u) = unconfirmed.lock() {
                    u.failed.remove(&key);
                }
                if let Ok(mut d) = data.lock() {
                    d.insert(key, r.value);
                }
            })?
        };
        Ok(Self {
            log,
            data,
            unconfirmed,
        })
    }

    /// Reads the topic to its end.
    pub async fn read_to_end(&self) -> ConnectResult<()> {
        self.log.read_to_end().await
    }

    /// The stored value of a key (`None` if absent or deleted).
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.data.lock().ok()?.get(key).cloned().flatten()
    }

    /// Every entry read or written so far (tombstones included).
    pub fn entries(&self) -> Vec<Entry> {
        self.data
            .lock()
            .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Whether a write failed (or was abandoned) and waits to be sent again.
    pub fn is_dirty(&self) -> bool {
        self.unconfirmed
            .lock()
            .map(|u| !u.failed.is_empty())
            .unwrap_or(false)
    }

    /// Hands entries (plus any failed earlier, unless replaced) to the producer and makes
    /// them visible to [`get`](Self::get); the returned future resolves once the topic
    /// acknowledged all of them.
    pub fn start_put_all(
        &self,
        entries: Vec<Entry>,
    ) -> impl Future<Output = ConnectResult<()>> + Send + 'static {
        let (write, entries, sent) = match self.send(entries) {
            Ok(started) => started,
            Err(e) => return futures::future::Either::Left(std::future::ready(Err(e))),
        };
        let confirmation = Confirmation {
            unconfirmed: self.unconfirmed.clone(),
            write,
            entries,
            confirmed: false,
        };
        futures::future::Either::Right(async move {
            // A failure (or this future being dropped) leaves the entries to the next write.
            try_join_all(sent).await?;
            confirmation.confirm();
            Ok(())
        })
    }

    /// Writes entries and waits until all are acknowledged; they are visible to
    /// [`get`](Self::get) right away.
    pub async fn put_all(&self, entries: Vec<Entry>) -> ConnectResult<()> {
        self.start_put_all(entries).await
    }

    /// Enqueues the entries (with the failed ones they do not replace) under one write
    /// number; returns it, the entries and their deliveries.
    #[allow(clippy::type_complexity)]
    fn send(
        &self,
        entries: Vec<Entry>,
    ) -> ConnectResult<(
        u64,
        Vec<Entry>,
        Vec<impl Future<Output = ConnectResult<(i32, i64)>> + Send + 'static>,
    )> {
        let mut u = self
            .unconfirmed
            .lock()
            .map_err(|_| ConnectError::other("offset store poisoned"))?;
        let mut all: Data = std::mem::take(&mut u.failed);
        all.extend(entries);
        let write = u.next;
        u.next += 1;
        let all: Vec<Entry> = all.into_iter().collect();
        for (k, _) in &all {
            u.latest.insert(k.clone(), write);
        }
        if let Ok(mut d) = self.data.lock() {
            for (k, v) in &all {
                d.insert(k.clone(), v.clone());
            }
        }
        let mut sent = Vec::with_capacity(all.len());
        for (k, v) in &all {
            match self.log.enqueue(k, v.as_deref()) {
                Ok(delivery) => sent.push(delivery),
                Err(e) => {
                    // Everything of this write is sent again next time.
                    u.failed.extend(all.iter().cloned());
                    return Err(e);
                }
            }
        }
        Ok((write, all, sent))
    }
}
