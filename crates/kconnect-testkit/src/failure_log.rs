//! When a test fails, what the brokers it used logged while it ran is printed with the
//! failure (the shared broker's log holds every test's lines; only this test's part is shown).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// Lines printed at most per broker.
const MAX_LINES: usize = 200;

static WATCHED: Mutex<Vec<(PathBuf, u64)>> = Mutex::new(Vec::new());

/// Prints `log` from its current end on if the test panics.
pub(crate) fn watch(log: &Path) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            print_logs();
        }));
    });
    let offset = std::fs::metadata(log).map(|m| m.len()).unwrap_or(0);
    if let Ok(mut watched) = WATCHED.lock() {
        if !watched.iter().any(|(p, _)| p == log) {
            watched.push((log.to_path_buf(), offset));
        }
    }
}

fn print_logs() {
    let Ok(watched) = WATCHED.try_lock() else {
        return;
    };
    for (path, offset) in watched.iter() {
        let text = crate::broker::read_from(path, *offset);
        let lines: Vec<&str> = text.lines().collect();
        let shown = &lines[lines.len().saturating_sub(MAX_LINES)..];
        eprintln!(
            "---- Kafka broker log during this test ({}, last {} of {} lines) ----",
            path.display(),
            shown.len(),
            lines.len()
        );
        for line in shown {
            eprintln!("{line}");
        }
    }
}
