//! Standalone persistence of connectors (better than Java, whose standalone mode forgets
//! everything created through the REST API on restart): every connector's configuration and
//! target state, kept in `<offset.storage.file.filename>.connectors.json` and rewritten
//! crash-safely (temporary file, fsync, rename, fsync of the directory) on every change.
//! `kconnect.connector.persistence.enable=false` turns it off.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use kconnect_api::{ConfigMap, ConnectError, ConnectResult};
use serde::{Deserialize, Serialize};

use crate::worker::TargetState;

/// A stored connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConnector {
    /// Its configuration, as given (secrets in clear text: the file is readable by the owner
    /// only).
    pub config: ConfigMap,
    /// Its target state.
    pub target: TargetState,
}

#[derive(Serialize, Deserialize)]
struct FileEntry {
    config: ConfigMap,
    target_state: String,
}

#[derive(Serialize, Deserialize)]
struct FileFormat {
    version: u32,
    connectors: BTreeMap<String, FileEntry>,
}

const VERSION: u32 = 1;

/// Where connectors are persisted (or nowhere, when disabled).
#[derive(Debug, Clone)]
pub struct ConnectorStore {
    path: Option<PathBuf>,
}

impl ConnectorStore {
    /// A store in `path`, or a store that keeps nothing when `None`.
    pub fn new(path: Option<PathBuf>) -> Self {
        Self { path }
    }

    /// The file kept beside an offsets file.
    pub fn beside(offsets_file: &str) -> PathBuf {
        PathBuf::from(format!("{offsets_file}.connectors.json"))
    }

    /// The file, if persistence is on.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Reads the stored connectors; a missing file holds none. A corrupt file is an error
    /// naming it, rather than silently losing connectors.
    pub fn load(&self) -> ConnectResult<BTreeMap<String, StoredConnector>> {
        let Some(path) = &self.path else {
            return Ok(BTreeMap::new());
        };
        let bad = |why: String| {
            ConnectError::other(format!(
                "cannot read the stored connectors in {}: {why} (fix or remove the file, or set kconnect.connector.persistence.enable=false)",
                path.display()
            ))
        };
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(bad(e.to_string())),
        };
        let file: FileFormat = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if file.version != VERSION {
            return Err(bad(format!("unsupported version {}", file.version)));
        }
        file.connectors
            .into_iter()
            .map(|(name, e)| {
                let target = TargetState::parse(&e.target_state)
                    .ok_or_else(|| bad(format!("unknown target state {}", e.target_state)))?;
                Ok((
                    name,
                    StoredConnector {
                        config: e.config,
                        target,
                    },
                ))
            })
            .collect()
    }

    /// Replaces the stored connectors with `connectors`, atomically.
    pub fn save(&self, connectors: &BTreeMap<String, StoredConnector>) -> ConnectResult<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let file = FileFormat {
            version: VERSION,
            connectors: connectors
                .iter()
                .map(|(n, c)| {
                    (
                        n.clone(),
                        FileEntry {
                            config: c.config.clone(),
                            target_state: c.target.name().into(),
                        },
                    )
                })
                .collect(),
        };
        let bytes =
            serde_json::to_vec_pretty(&file).map_err(|e| ConnectError::other(e.to_string()))?;
        let fail = |what: &str, e: std::io::Error| {
            ConnectError::other(format!("cannot {what} {}: {e}", path.display()))
        };
        let tmp = path.with_extension("json.tmp");
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(|e| fail("create", e))?;
        // The mode above applies to a new file only: a temporary file left behind by a crash
        // keeps its own, and would carry it over to the connectors file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(|e| fail("restrict the permissions of", e))?;
        }
        f.write_all(&bytes).map_err(|e| fail("write", e))?;
        f.sync_all().map_err(|e| fail("sync", e))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|e| fail("replace", e))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
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

    #[cfg(unix)]
    #[test]
    fn a_stale_temporary_file_cannot_leave_the_file_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = ConnectorStore::beside(dir.path().join("connect.offsets").to_str().unwrap());
        let stale = path.with_extension("json.tmp");
        fs::write(&stale, "half-written").unwrap();
        fs::set_permissions(&stale, fs::Permissions::from_mode(0o644)).unwrap();
        let store = ConnectorStore::new(Some(path.clone()));
        store.save(&BTreeMap::new()).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
        assert!(!stale.exists());
    }

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConnectorStore::new(Some(ConnectorStore::beside(
            dir.path().join("connect.offsets").to_str().unwrap(),
        )));
        assert!(store.load().unwrap().is_empty());
        let mut map = BTreeMap::new();
        map.insert(
            "c".to_string(),
            StoredConnector {
                config: ConfigMap::from([("name".into(), "c".into())]),
                target: TargetState::Stopped,
            },
        );
        store.save(&map).unwrap();
        assert_eq!(store.load().unwrap(), map);
        let path = store.path().unwrap().to_path_buf();
        assert!(path.ends_with("connect.offsets.connectors.json"));
        fs::write(&path, "{not json").unwrap();
        let err = store.load().unwrap_err().to_string();
        assert!(err.contains("connect.offsets.connectors.json"), "{err}");
        assert!(ConnectorStore::new(None).load().unwrap().is_empty());
    }
}
