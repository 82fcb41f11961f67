//! Logging: `tracing` with a filter that `/admin/loggers` can change at runtime. Logger names
//! are tracing targets (module paths such as `kconnect_runtime::worker`); levels use log4j
//! names. Setting a level on a name applies to it and every logger below it, as in Java.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use kconnect_runtime::rest::loggers::{LogLevels, LoggerLevel};
use tracing::subscriber::Interest;
use tracing::Metadata;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Layer, Registry};

const ROOT: &str = "root";
const DEFAULT_FILTER: &str = "info,rdkafka=warn";

/// Records the target of every callsite, so existing loggers can be listed.
struct Targets(Arc<Mutex<BTreeSet<String>>>);

impl<S: tracing::Subscriber> Layer<S> for Targets {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if let Ok(mut t) = self.0.lock() {
            t.insert(metadata.target().to_string());
        }
        Interest::always()
    }
    fn on_event(&self, _: &tracing::Event<'_>, _: Context<'_, S>) {}
}

#[derive(Clone)]
struct Explicit {
    level: String,
    last_modified: Option<i64>,
}

struct Levels {
    root: Explicit,
    named: BTreeMap<String, Explicit>,
    /// Directives that are not plain `target=level` (kept as given).
    other: Vec<String>,
}

/// The process's log levels, changeable at runtime.
pub struct Logging {
    handle: reload::Handle<EnvFilter, Registry>,
    targets: Arc<Mutex<BTreeSet<String>>>,
    levels: Mutex<Levels>,
}

fn log4j_name(level: &str) -> String {
    match level.to_ascii_lowercase().as_str() {
        "trace" => "TRACE",
        "debug" => "DEBUG",
        "warn" => "WARN",
        "error" => "ERROR",
        "off" => "OFF",
        _ => "INFO",
    }
    .into()
}

fn tracing_level(log4j: &str) -> &'static str {
    match log4j {
        "TRACE" | "ALL" => "trace",
        "DEBUG" => "debug",
        "WARN" => "warn",
        "ERROR" | "FATAL" => "error",
        "OFF" => "off",
        _ => "info",
    }
}

fn parse(spec: &str) -> Levels {
    let mut levels = Levels {
        root: Explicit {
            level: "INFO".into(),
            last_modified: None,
        },
        named: BTreeMap::new(),
        other: Vec::new(),
    };
    let is_level = |s: &str| {
        ["trace", "debug", "info", "warn", "error", "off"]
            .contains(&s.to_ascii_lowercase().as_str())
    };
    for d in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        match d.split_once('=') {
            None if is_level(d) => levels.root.level = log4j_name(d),
            Some((target, level)) if is_level(level) && !target.contains(['[', '{']) => {
                levels.named.insert(
                    target.to_string(),
                    Explicit {
                        level: log4j_name(level),
                        last_modified: None,
                    },
                );
            }
            _ => levels.other.push(d.to_string()),
        }
    }
    levels
}

fn filter_of(levels: &Levels) -> String {
    let mut parts = vec![tracing_level(&levels.root.level).to_string()];
    parts.extend(levels.other.iter().cloned());
    for (target, e) in &levels.named {
        parts.push(format!("{target}={}", tracing_level(&e.level)));
    }
    parts.join(",")
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Is `name` the logger `namespace` or below it?
fn under(name: &str, namespace: &str) -> bool {
    name.starts_with(namespace)
}

impl Logging {
    /// Installs the global subscriber (filter from `RUST_LOG`, default `info,rdkafka=warn`).
    pub fn init() -> Arc<Self> {
        let spec = std::env::var("RUST_LOG").unwrap_or_else(|_| DEFAULT_FILTER.into());
        let levels = parse(&spec);
        let filter = EnvFilter::try_new(filter_of(&levels))
            .unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
        let (filter, handle) = reload::Layer::new(filter);
        let targets = Arc::new(Mutex::new(BTreeSet::new()));
        tracing_subscriber::registry()
            .with(filter)
            .with(Targets(targets.clone()))
            .with(tracing_subscriber::fmt::layer().with_target(false))
            .init();
        Arc::new(Self {
            handle,
            targets,
            levels: Mutex::new(levels),
        })
    }

    fn known(&self) -> BTreeSet<String> {
        self.targets.lock().map(|t| t.clone()).unwrap_or_default()
    }
}

impl LogLevels for Logging {
    fn loggers(&self) -> BTreeMap<String, LoggerLevel> {
        let Ok(levels) = self.levels.lock() else {
            return BTreeMap::new();
        };
        let show = |e: &Explicit| LoggerLevel {
            level: e.level.clone(),
            last_modified: e.last_modified,
        };
        let mut out: BTreeMap<String, LoggerLevel> = levels
            .named
            .iter()
            .map(|(k, e)| (k.clone(), show(e)))
            .collect();
        out.insert(ROOT.into(), show(&levels.root));
        out
    }

    fn logger(&self, name: &str) -> Option<LoggerLevel> {
        let levels = self.levels.lock().ok()?;
        if name == ROOT {
            return Some(LoggerLevel {
                level: levels.root.level.clone(),
                last_modified: levels.root.last_modified,
            });
        }
        if let Some(e) = levels.named.get(name) {
            return Some(LoggerLevel {
                level: e.level.clone(),
                last_modified: e.last_modified,
            });
        }
        let exists = self
            .known()
            .iter()
            .any(|t| t == name || t.starts_with(&format!("{name}::")));
        if !exists {
            return None;
        }
        let effective = levels
            .named
            .iter()
            .filter(|(k, _)| name.starts_with(&format!("{k}::")))
            .max_by_key(|(k, _)| k.len())
            .map_or(&levels.root, |(_, e)| e);
        Some(LoggerLevel {
            level: effective.level.clone(),
            last_modified: None,
        })
    }

    fn set_level(&self, namespace: &str, level: &str) -> Result<Vec<String>, String> {
        let mut levels = self
            .levels
            .lock()
            .map_err(|_| "logging state poisoned".to_string())?;
        let explicit = Explicit {
            level: level.to_string(),
            last_modified: Some(now_ms()),
        };
        let mut changed: BTreeSet<String> = self.known();
        changed.extend(levels.named.keys().cloned());
        if namespace == ROOT {
            levels.named.clear();
            levels.root = explicit;
            changed.insert(ROOT.into());
        } else {
            changed.retain(|n| under(n, namespace));
            changed.insert(namespace.to_string());
            levels.named.retain(|n, _| !under(n, namespace));
            levels.named.insert(namespace.to_string(), explicit);
        }
        let filter = EnvFilter::try_new(filter_of(&levels)).map_err(|e| e.to_string())?;
        self.handle.reload(filter).map_err(|e| e.to_string())?;
        Ok(changed.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rust_log_into_log4j_levels() {
        let l = parse("debug,rdkafka=warn,kconnect_runtime::worker=trace,x[span]=info");
        assert_eq!(l.root.level, "DEBUG");
        assert_eq!(l.named["rdkafka"].level, "WARN");
        assert_eq!(l.named["kconnect_runtime::worker"].level, "TRACE");
        assert_eq!(l.other, ["x[span]=info"]);
        assert_eq!(
            filter_of(&l),
            "debug,x[span]=info,kconnect_runtime::worker=trace,rdkafka=warn"
        );
        assert_eq!(tracing_level("FATAL"), "error");
    }
}
