//! Config providers (KIP-297, KIP-421, KIP-887, KIP-993): `${provider:path:key}` placeholders
//! in worker and connector configurations, resolved where a value is used and never stored
//! or shown resolved.
//!
//! The worker file names its providers: `config.providers=file,dir,env`, then
//! `config.providers.<name>.class` (Java's class name or its simple name) and
//! `config.providers.<name>.param.<param>`. Three providers are built in, with Java's
//! behaviour:
//!
//! * `FileConfigProvider`: `${file:/etc/connect/secrets.properties:db.password}` is the key
//!   of a Java properties file;
//! * `DirectoryConfigProvider`: `${dir:/run/secrets:db-password}` is the content of a file in
//!   a directory (one file per secret, as container orchestrators mount them);
//! * `EnvVarConfigProvider`: `${env:DB_PASSWORD}` is an environment variable, limited by the
//!   `allowlist.pattern` parameter.
//!
//! The file and directory providers take `allowed.paths`, a comma-separated list of absolute
//! paths: other paths resolve to nothing. A placeholder whose provider is not configured, or
//! whose key the provider does not have, is left as written (as Java does), so the error a
//! user then sees names the placeholder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[cfg(doc)]
use kconnect_api::ConnectError;
use kconnect_api::{ConfigError, ConfigMap};
use regex::Regex;

/// The worker key listing the provider names.
pub const CONFIG_PROVIDERS: &str = "config.providers";

const FILE_CLASS: &str = "org.apache.kafka.common.config.provider.FileConfigProvider";
const DIRECTORY_CLASS: &str = "org.apache.kafka.common.config.provider.DirectoryConfigProvider";
const ENV_CLASS: &str = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";

/// One `${provider:path:key}` (or `${provider:key}`) occurrence in a value.
struct Placeholder<'a> {
    /// Byte range of the whole placeholder.
    span: std::ops::Range<usize>,
    provider: &'a str,
    path: Option<&'a str>,
    key: &'a str,
}

/// The placeholders of `value`, left to right, matched as Java's
/// `ConfigTransformer.DEFAULT_PATTERN` (`\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`) matches them:
/// the provider runs to the first `:`, the path (if another `:` follows) to the next one, the
/// key to the closing brace.
fn placeholders(value: &str) -> Vec<Placeholder<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = value[from..].find("${").map(|i| from + i) {
        let Some(close) = value[open + 2..].find('}').map(|i| open + 2 + i) else {
            break;
        };
        let inner = &value[open + 2..close];
        match inner.split_once(':') {
            Some((provider, rest)) => {
                let (path, key) = match rest.split_once(':') {
                    Some((path, key)) => (Some(path), key),
                    None => (None, rest),
                };
                out.push(Placeholder {
                    span: open..close + 1,
                    provider,
                    path,
                    key,
                });
                from = close + 1;
            }
            // No `:` before the brace: not a placeholder; a later `${` may still be one.
            None => from = open + 2,
        }
    }
    out
}

/// Whether `value` holds a `${provider:...}` placeholder.
pub fn has_placeholder(value: &str) -> bool {
    !placeholders(value).is_empty()
}

/// One configured provider.
#[derive(Debug, Clone)]
enum Provider {
    File { allowed: Option<Vec<PathBuf>> },
    Directory { allowed: Option<Vec<PathBuf>> },
    Env { allowlist: Option<Regex> },
}

/// The worker's config providers.
#[derive(Debug, Clone, Default)]
pub struct ConfigProviders {
    providers: BTreeMap<String, Provider>,
}

fn class_of(raw: &str) -> Option<&'static str> {
    let simple = raw.rsplit('.').next().unwrap_or(raw);
    [FILE_CLASS, DIRECTORY_CLASS, ENV_CLASS]
        .into_iter()
        .find(|c| *c == raw || c.ends_with(&format!(".{simple}")) && simple == raw)
}

fn allowed_paths(key: &str, raw: Option<&String>) -> Result<Option<Vec<PathBuf>>, ConfigError> {
    let Some(raw) = raw.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for p in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !Path::new(p).is_absolute() {
            return Err(ConfigError::invalid(
                key,
                raw,
                format!("Path {p} is not absolute"),
            ));
        }
        let real = std::fs::canonicalize(p)
            .map_err(|_| ConfigError::invalid(key, raw, format!("Path {p} does not exist")))?;
        out.push(real);
    }
    Ok(Some(out))
}

/// Whether `path` lies under one of `allowed`, compared as real paths (symbolic links and
/// `..` resolved, as Java's `toRealPath()`), so no path can escape the list; a path that
/// does not exist is not allowed.
fn permitted(allowed: &Option<Vec<PathBuf>>, path: &str) -> bool {
    match allowed {
        None => true,
        Some(list) => std::fs::canonicalize(path)
            .map(|real| list.iter().any(|a| real.starts_with(a)))
            .unwrap_or(false),
    }
}

/// The path of a placeholder, if it has one and `allowed.paths` lets the provider read it
/// (a refused path is logged: the placeholder stays unresolved, as in Java).
fn usable_path<'a>(
    provider: &str,
    allowed: &Option<Vec<PathBuf>>,
    path: Option<&'a str>,
) -> Option<&'a str> {
    let path = path.filter(|p| !p.is_empty())?;
    if permitted(allowed, path) {
        return Some(path);
    }
    tracing::warn!(
        "config provider {provider}: the path {path} is not allowed to be accessed (allowed.paths); the placeholder is left unresolved"
    );
    None
}

impl ConfigProviders {
    /// Reads `config.providers` and each provider's class and parameters from the worker's
    /// properties. An unknown class or a bad parameter is an error naming the key.
    pub fn from_worker(props: &ConfigMap) -> Result<Self, ConfigError> {
        let mut providers = BTreeMap::new();
        let Some(names) = props.get(CONFIG_PROVIDERS) else {
            return Ok(Self::default());
        };
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let class_key = format!("{CONFIG_PROVIDERS}.{name}.class");
            let class = props
                .get(&class_key)
                .map(|c| c.trim())
                .ok_or_else(|| ConfigError::missing(&class_key))?;
            let param = |p: &str| props.get(&format!("{CONFIG_PROVIDERS}.{name}.param.{p}"));
            let provider = match class_of(class) {
                Some(FILE_CLASS) => Provider::File {
                    allowed: allowed_paths(
                        &format!("{CONFIG_PROVIDERS}.{name}.param.allowed.paths"),
                        param("allowed.paths"),
                    )?,
                },
                Some(DIRECTORY_CLASS) => Provider::Directory {
                    allowed: allowed_paths(
                        &format!("{CONFIG_PROVIDERS}.{name}.param.allowed.paths"),
                        param("allowed.paths"),
                    )?,
                },
                Some(_) => {
                    let key = format!("{CONFIG_PROVIDERS}.{name}.param.allowlist.pattern");
                    let allowlist = match param("allowlist.pattern") {
                        Some(p) => Some(Regex::new(&format!("^(?:{p})$")).map_err(|e| {
                            ConfigError::invalid(&key, p, format!("not a valid regular expression: {e}"))
                        })?),
                        None => None,
                    };
                    Provider::Env { allowlist }
                }
                None => {
                    return Err(ConfigError::invalid(
                        &class_key,
                        class,
                        format!("kconnect cannot load Java classes; the config providers it implements are {FILE_CLASS}, {DIRECTORY_CLASS} and {ENV_CLASS} (or their simple names)"),
                    ))
                }
            };
            providers.insert(name.to_string(), provider);
        }
        Ok(Self { providers })
    }

    /// Whether no provider is configured.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// The value of one variable, or `None` when the provider does not have it.
    fn lookup(
        &self,
        provider: &str,
        path: Option<&str>,
        key: &str,
        files: &mut BTreeMap<String, ConfigMap>,
    ) -> Result<Option<String>, String> {
        let Some(p) = self.providers.get(provider) else {
            return Ok(None);
        };
        match p {
            Provider::File { allowed } => {
                let Some(path) = usable_path(provider, allowed, path) else {
                    return Ok(None);
                };
                if !files.contains_key(path) {
                    let file = std::fs::File::open(path)
                        .map_err(|e| format!("Could not read properties from file {path}: {e}"))?;
                    let map = java_properties::read(std::io::BufReader::new(file))
                        .map_err(|e| format!("Could not read properties from file {path}: {e}"))?;
                    files.insert(path.to_string(), map.into_iter().collect());
                }
                Ok(files.get(path).and_then(|m| m.get(key)).cloned())
            }
            Provider::Directory { allowed } => {
                let Some(dir) = usable_path(provider, allowed, path) else {
                    return Ok(None);
                };
                if !Path::new(dir).is_dir() {
                    tracing::warn!(
                        "config provider {provider}: the path {dir} is not a directory; the placeholder is left unresolved"
                    );
                    return Ok(None);
                }
                // A key is a file name in the directory, never a path into another one.
                if key.contains('/') || key == ".." || key == "." {
                    return Ok(None);
                }
                let file = Path::new(dir).join(key);
                if !file.is_file() {
                    return Ok(None);
                }
                std::fs::read_to_string(&file)
                    .map(Some)
                    .map_err(|e| format!("Could not read {}: {e}", file.display()))
            }
            Provider::Env { allowlist } => {
                if let Some(path) = path.filter(|p| !p.is_empty()) {
                    return Err(format!(
                        "Path is not supported for EnvVarConfigProvider, invalid value '{path}'"
                    ));
                }
                if allowlist.as_ref().is_some_and(|r| !r.is_match(key)) {
                    return Ok(None);
                }
                Ok(std::env::var(key).ok())
            }
        }
    }

    /// `value` with every placeholder this worker can resolve replaced; `key` names the
    /// setting in errors.
    pub fn resolve_value(&self, key: &str, value: &str) -> Result<String, ConfigError> {
        if self.is_empty() || !has_placeholder(value) {
            return Ok(value.to_string());
        }
        let mut files = BTreeMap::new();
        let mut out = String::with_capacity(value.len());
        let mut last = 0;
        for p in placeholders(value) {
            out.push_str(&value[last..p.span.start]);
            match self
                .lookup(p.provider, p.path, p.key, &mut files)
                .map_err(|reason| ConfigError::invalid(key, value, reason))?
            {
                Some(resolved) => out.push_str(&resolved),
                None => out.push_str(&value[p.span.clone()]),
            }
            last = p.span.end;
        }
        out.push_str(&value[last..]);
        Ok(out)
    }

    /// A configuration with its placeholders resolved (keys of `skip` kept as written).
    pub fn resolve_except(
        &self,
        props: &ConfigMap,
        skip: impl Fn(&str) -> bool,
    ) -> Result<ConfigMap, ConfigError> {
        if self.is_empty() {
            return Ok(props.clone());
        }
        let mut out = ConfigMap::new();
        for (k, v) in props.iter() {
            let v = if skip(k) {
                v.clone()
            } else {
                self.resolve_value(k, v)?
            };
            out.insert(k.clone(), v);
        }
        Ok(out)
    }

    /// What to put back in messages about `raw` once it is resolved: each value a
    /// placeholder resolves to (and each resolved setting as a whole) paired with the text
    /// written in its place. Errors and traces pass through [`ConnectError::redacted`] with
    /// these, so a resolved secret never reaches REST or the log.
    pub fn redactions(&self, raw: &ConfigMap) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        for (key, written) in raw.iter() {
            let found = placeholders(written);
            if found.is_empty() {
                continue;
            }
            for p in &found {
                let text = &written[p.span.clone()];
                if let Ok(value) = self.resolve_value(key, text) {
                    if value != text && !value.is_empty() {
                        out.push((value, text.to_string()));
                    }
                }
            }
            if let Ok(value) = self.resolve_value(key, written) {
                if value != *written && !value.is_empty() {
                    out.push((value, written.clone()));
                }
            }
        }
        out
    }

    /// A connector or task configuration with its placeholders resolved.
    pub fn resolve(&self, props: &ConfigMap) -> Result<ConfigMap, ConfigError> {
        self.resolve_except(props, |_| false)
    }

    /// The worker's own properties resolved, except the `config.providers*` keys that
    /// define the providers.
    pub fn resolve_worker(&self, props: &ConfigMap) -> Result<ConfigMap, ConfigError> {
        self.resolve_except(props, |k| k.starts_with(CONFIG_PROVIDERS))
    }
}

/// Task configurations generated from a resolved connector configuration, with the
/// placeholders put back (Java's reverse transform): every key that holds a placeholder in
/// the connector's configuration as written gets that written value back in each task
/// configuration that has the key, so the config topic and REST never see the secret.
pub fn restore_placeholders(raw_connector: &ConfigMap, tasks: Vec<ConfigMap>) -> Vec<ConfigMap> {
    let with_placeholders: Vec<(&String, &String)> = raw_connector
        .iter()
        .filter(|(_, v)| has_placeholder(v))
        .collect();
    if with_placeholders.is_empty() {
        return tasks;
    }
    tasks
        .into_iter()
        .map(|mut t| {
            for (k, v) in &with_placeholders {
                if t.contains_key(*k) {
                    t.insert((*k).clone(), (*v).clone());
                }
            }
            t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    fn providers(extra: &[(&str, &str)]) -> ConfigProviders {
        let mut props = config_map(&[
            ("config.providers", "file,dir,env"),
            ("config.providers.file.class", FILE_CLASS),
            ("config.providers.dir.class", "DirectoryConfigProvider"),
            ("config.providers.env.class", ENV_CLASS),
        ]);
        for (k, v) in extra {
            props.insert(k.to_string(), v.to_string());
        }
        ConfigProviders::from_worker(&props).unwrap()
    }

    #[test]
    fn placeholders_split_as_javas_pattern() {
        let found: Vec<(&str, Option<&str>, &str)> =
            placeholders("a${x:/p:k:z}b${nocolon}${e:V}$${f:k}")
                .iter()
                .map(|p| (p.provider, p.path, p.key))
                .collect();
        assert_eq!(
            found,
            vec![("x", Some("/p"), "k:z"), ("e", None, "V"), ("f", None, "k")]
        );
        assert!(!has_placeholder("${unterminated:x"));
        assert!(!has_placeholder("plain ${} text"));
    }

    #[test]
    fn file_directory_and_env_placeholders_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secrets.properties");
        std::fs::write(&file, "db.password=s3cret\nuser: alice\n").unwrap();
        std::fs::write(dir.path().join("token"), "t0k\n").unwrap();
        let p = providers(&[]);
        let f = file.display();
        let d = dir.path().display();
        assert_eq!(
            p.resolve_value("k", &format!("${{file:{f}:db.password}}"))
                .unwrap(),
            "s3cret"
        );
        assert_eq!(
            p.resolve_value("k", &format!("u=${{file:{f}:user}};t=${{dir:{d}:token}}"))
                .unwrap(),
            "u=alice;t=t0k\n"
        );
        let path = std::env::var("PATH").unwrap();
        assert_eq!(p.resolve_value("k", "${env:PATH}").unwrap(), path);
        // Unknown keys, providers and files under a directory stay as written.
        for raw in [
            format!("${{file:{f}:missing}}"),
            "${vault:secret/x:y}".to_string(),
            format!("${{dir:{d}:../etc}}"),
            "${env:KCONNECT_SURELY_UNSET_VARIABLE}".to_string(),
        ] {
            assert_eq!(p.resolve_value("k", &raw).unwrap(), raw);
        }
        let err = p
            .resolve_value("connection.password", "${file:/nonexistent/x.properties:k}")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("connection.password") && err.contains("/nonexistent/x.properties"),
            "{err}"
        );
        let err = p
            .resolve_value("k", "${env:/x:PATH}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("Path is not supported"), "{err}");
    }

    #[test]
    fn allowed_paths_and_allowlist_limit_what_resolves() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("in");
        std::fs::create_dir(&inside).unwrap();
        std::fs::write(inside.join("a.properties"), "k=v\n").unwrap();
        std::fs::write(dir.path().join("b.properties"), "k=w\n").unwrap();
        let allowed = inside.display().to_string();
        let p = providers(&[
            ("config.providers.file.param.allowed.paths", &allowed),
            (
                "config.providers.env.param.allowlist.pattern",
                "KCONNECT_T_.*",
            ),
        ]);
        let ok = format!("${{file:{allowed}/a.properties:k}}");
        assert_eq!(p.resolve_value("x", &ok).unwrap(), "v");
        let escape = format!("${{file:{allowed}/../b.properties:k}}");
        assert_eq!(p.resolve_value("x", &escape).unwrap(), escape);
        assert_eq!(p.resolve_value("x", "${env:PATH}").unwrap(), "${env:PATH}");

        let bad = ConfigProviders::from_worker(&config_map(&[
            ("config.providers", "file"),
            ("config.providers.file.param.allowed.paths", "relative/dir"),
            ("config.providers.file.class", FILE_CLASS),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            bad.contains("allowed.paths") && bad.contains("absolute"),
            "{bad}"
        );
    }

    #[test]
    fn unknown_classes_and_missing_classes_are_errors() {
        let err = ConfigProviders::from_worker(&config_map(&[
            ("config.providers", "vault"),
            (
                "config.providers.vault.class",
                "com.example.VaultConfigProvider",
            ),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("config.providers.vault.class")
                && err.contains("com.example.VaultConfigProvider"),
            "{err}"
        );
        let err = ConfigProviders::from_worker(&config_map(&[("config.providers", "file")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("config.providers.file.class"), "{err}");
    }

    #[test]
    fn worker_resolution_keeps_the_provider_keys_and_tasks_get_placeholders_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.properties");
        std::fs::write(&file, "pw=hunter2\n").unwrap();
        let p = providers(&[]);
        let placeholder = format!("${{file:{}:pw}}", file.display());
        let worker = config_map(&[
            ("sasl.password", placeholder.as_str()),
            ("config.providers.file.param.x", placeholder.as_str()),
        ]);
        let resolved = p.resolve_worker(&worker).unwrap();
        assert_eq!(resolved.get("sasl.password").unwrap(), "hunter2");
        assert_eq!(
            resolved.get("config.providers.file.param.x").unwrap(),
            &placeholder
        );

        let raw = config_map(&[
            ("connection.password", placeholder.as_str()),
            ("topic", "t"),
        ]);
        let tasks = vec![
            config_map(&[
                ("connection.password", "hunter2"),
                ("topic", "t"),
                ("task", "0"),
            ]),
            config_map(&[("topic", "t")]),
        ];
        let restored = restore_placeholders(&raw, tasks);
        assert_eq!(
            restored[0].get("connection.password").unwrap(),
            &placeholder
        );
        assert_eq!(restored[0].get("task").unwrap(), "0");
        assert!(!restored[1].contains_key("connection.password"));
    }
}
