//! Offset commits of the source loop (kafka-connect-spec.md §8.4): every `offset.flush.interval.ms` and on
//! the way out, the offsets of acknowledged records are written to the offsets store (the
//! file in standalone mode, the offsets topic in distributed mode), waiting at most
//! `offset.flush.timeout.ms` for them to be persisted (what is not is retried at the next
//! commit); then
//! the task's `commit` is called, once no `poll` is in progress. A task whose `commit`
//! fails is not failed (Java only logs it).

use kconnect_api::ConnectResult;

use super::source::Loop;

impl Loop {
    /// Commits the offsets of acknowledged records, then lets the task know.
    pub(super) async fn commit(&mut self) -> ConnectResult<()> {
        self.commit_records().await;
        let committable = self
            .acks
            .submitted
            .lock()
            .map(|mut s| s.take_committable())
            .unwrap_or_default();
        if !committable.is_empty() || self.r.offsets.is_dirty() {
            let mut entries = Vec::with_capacity(committable.len());
            for (key, offset) in committable {
                entries.push((key, Some(self.r.json.offset_value(&offset)?)));
            }
            let written =
                tokio::time::timeout(self.r.flush_timeout, self.r.offsets.put_all(entries)).await;
            let failure = match written {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(_) => Some(format!(
                    "not persisted within offset.flush.timeout.ms ({} ms)",
                    self.r.flush_timeout.as_millis()
                )),
            };
            if let Some(e) = failure {
                tracing::error!(task = %self.r.id, "offset commit failed, will retry at the next interval: {e}");
                return Ok(());
            }
            tracing::debug!(task = %self.r.id, "committed offsets");
        }
        self.commit_due = true;
        self.notify_commit().await;
        Ok(())
    }

    /// Calls the task's `commit_record` for the records acknowledged since the last call, in
    /// acknowledgement order, once no `poll` is in progress (only for a task that wants it).
    /// Its errors are logged, as Java does.
    pub(super) async fn commit_records(&mut self) {
        let Some(sent) = self.records.as_mut() else {
            return;
        };
        if self.task.polling() {
            return;
        }
        let acks = self.acks.take_record_acks();
        if acks.is_empty() {
            return;
        }
        let batch: Vec<_> = acks
            .into_iter()
            .filter_map(|(opaque, metadata)| sent.remove(&opaque).map(|r| (r, metadata)))
            .collect();
        // Not polling: the task is called.
        for e in self.task.commit_records(batch).await.unwrap_or_default() {
            tracing::error!(task = %self.r.id, "Exception thrown while calling task.commitRecord(): {e}");
        }
    }

    /// Calls the task's `commit` after offsets were committed, once no `poll` is in
    /// progress. Its errors are logged, as Java does.
    pub(super) async fn notify_commit(&mut self) {
        if !self.commit_due {
            return;
        }
        if let Some(result) = self.task.commit().await {
            self.commit_due = false;
            if let Err(e) = result {
                tracing::error!(task = %self.r.id, "Exception thrown while calling task.commit(): {e}");
            }
        }
    }
}
