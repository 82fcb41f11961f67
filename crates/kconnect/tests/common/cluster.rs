//! Helpers for tests of `kconnect distributed`: starting a group of workers, waiting for
//! them to join, reading their logs.

use std::path::Path;

use kconnect_testkit::Broker;

use super::Kconnect;

/// Starts `count` workers of `group` (directories `w0`, `w1`... under `root`, no extra
/// worker settings) and waits until each serves REST and has had an assignment.
pub async fn start_cluster(
    broker: &Broker,
    root: &Path,
    group: &str,
    count: usize,
) -> Vec<Kconnect> {
    let mut workers: Vec<Kconnect> = (0..count)
        .map(|n| Kconnect::new_distributed(&root.join(format!("w{n}")), broker, group, ""))
        .collect();
    for w in &mut workers {
        w.start_distributed();
    }
    for w in &workers {
        wait_healthy(w).await;
    }
    workers
}

/// Waits until `k` serves REST and has had an assignment (`/health` answers healthy).
pub async fn wait_healthy(k: &Kconnect) {
    k.wait_rest().await;
    k.until("/health", "worker joined", |b| b["status"] == "healthy")
        .await;
}

/// Log text without terminal colour sequences (`ESC [ ... m`).
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
