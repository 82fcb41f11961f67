//! Worker configuration (kafka-connect-spec.md §2.1-2.2): what a `connect-standalone.properties` holds.

use std::time::Duration;

use crate::config::override_policy::{OverridePolicy, OVERRIDE_POLICY};
use crate::config::providers::ConfigProviders;
use crate::rest::server::RestServerConfig;
use kconnect_api::config::{ConfigDef, ConfigKey, ConfigType, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigError, ConfigMap};

use super::keys::*;

/// One REST listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// `http` or `https`.
    pub scheme: String,
    /// Host to bind (empty: all interfaces).
    pub host: String,
    /// Port (0: any free port).
    pub port: u16,
}

impl Listener {
    /// Parses `protocol://host:port` (IPv6 hosts in brackets).
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let bad = |reason: &str| ConfigError::invalid(LISTENERS, raw, reason);
        let (scheme, rest) = raw
            .trim()
            .split_once("://")
            .ok_or_else(|| bad("expected protocol://host:port"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad("the protocol must be http or https"));
        }
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| bad("expected protocol://host:port"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = port
            .parse::<u16>()
            .map_err(|_| bad("the port must be a number between 0 and 65535"))?;
        Ok(Self { scheme, host, port })
    }

    /// The address to bind.
    pub fn bind_address(&self) -> String {
        let host = if self.host.is_empty() {
            "0.0.0.0"
        } else {
            &self.host
        };
        if host.contains(':') {
            format!("[{host}]:{}", self.port)
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// The security settings of every Kafka client the worker derives (its own, `producer.`,
/// `consumer.` and `admin.`) are usable: a setting kconnect cannot honour stops the worker
/// at startup, naming the key, instead of failing each client later.
fn check_client_security(props: &ConfigMap) -> Result<(), ConfigError> {
    use kconnect_kafka::client_config;
    let worker: std::collections::BTreeMap<String, String> =
        props.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let none = std::collections::BTreeMap::new();
    let clients = [
        ("", client_config::worker_client_base(&worker)),
        (
            "producer.",
            client_config::source_producer(&worker, &none, "check"),
        ),
        (
            "consumer.",
            client_config::sink_consumer(&worker, &none, "check", "check"),
        ),
        ("admin.", client_config::admin(&worker, &none, "check")),
    ];
    for (prefix, client) in clients {
        if let Err(e) = kconnect_kafka::security::for_librdkafka(&client) {
            return Err(ConfigError::general(format!(
                "{e} (in the worker's {} client settings)",
                if prefix.is_empty() {
                    "shared"
                } else {
                    prefix.trim_end_matches('.')
                }
            )));
        }
    }
    Ok(())
}

/// The worker's configuration definition.
pub fn worker_config_def() -> ConfigDef {
    let ms = |name: &str, default: &str, doc: &str| {
        ConfigKey::new(name, ConfigType::Long)
            .default_value(default)
            .validator(Validator::at_least(0.0))
            .doc(doc)
    };
    ConfigDef::new()
        .define(ConfigKey::new(BOOTSTRAP_SERVERS, ConfigType::List).default_value("localhost:9092").importance(Importance::High).doc("Kafka brokers to connect to, host:port,host:port."))
        .define(ConfigKey::new(KEY_CONVERTER, ConfigType::Class).importance(Importance::High).doc("Converter for record keys, e.g. org.apache.kafka.connect.json.JsonConverter."))
        .define(ConfigKey::new(VALUE_CONVERTER, ConfigType::Class).importance(Importance::High).doc("Converter for record values."))
        .define(ConfigKey::new(HEADER_CONVERTER, ConfigType::Class).default_value("org.apache.kafka.connect.storage.SimpleHeaderConverter").importance(Importance::Low).doc("Converter for record headers."))
        .define(ConfigKey::new(OFFSET_STORAGE_FILE, ConfigType::String).default_null().importance(Importance::High).doc("File in which a standalone worker stores source offsets."))
        .define(ms(OFFSET_FLUSH_INTERVAL_MS, "60000", "Interval at which task offsets are committed."))
        .define(ms(OFFSET_FLUSH_TIMEOUT_MS, "5000", "Maximum time to wait for records to be acknowledged before an offset commit is abandoned."))
        .define(ms(TASK_SHUTDOWN_TIMEOUT_MS, "5000", "Time tasks are given to stop gracefully."))
        .define(ConfigKey::new(LISTENERS, ConfigType::List).default_value("http://:8083").doc("REST listeners, protocol://host:port."))
        .define(ConfigKey::new(REST_PORT, ConfigType::Int).default_null().doc("Deprecated: REST port when listeners is not set."))
        .define(ConfigKey::new(REST_HOST_NAME, ConfigType::String).default_null().doc("Deprecated: REST host when listeners is not set."))
        .define(ConfigKey::new(REST_ADVERTISED_HOST_NAME, ConfigType::String).default_null().doc("Host name given to other workers."))
        .define(ConfigKey::new(REST_ADVERTISED_PORT, ConfigType::Int).default_null().doc("Port given to other workers."))
        .define(ConfigKey::new(CLIENT_ID, ConfigType::String).default_value("").doc("Id prefix of the worker's Kafka clients."))
        .define(ConfigKey::new(TOPIC_CREATION_ENABLE, ConfigType::Boolean).default_value("true").doc("Whether source connectors may create topics (topic.creation.*)."))
        .define(ConfigKey::new(PLUGIN_PATH, ConfigType::List).default_null().importance(Importance::Low).doc("Java plugin directories; kconnect's plugins are built in, so this is accepted and ignored."))
}

/// Prefixes and keys of the worker file that are legitimately not in the definition: client
/// settings, per-client overrides, converter settings, and keys kconnect accepts for
/// compatibility.
const KNOWN_PREFIXES: &[&str] = &[
    "producer.",
    "consumer.",
    "admin.",
    "key.converter.",
    "value.converter.",
    "header.converter.",
    "listeners.https.",
    "admin.listeners",
    "ssl.",
    "sasl.",
    "security.",
    "config.providers",
    "metrics.",
    "metric.",
    "client.",
    "request.timeout.ms",
    "retry.backoff",
    "reconnect.backoff",
    "connections.max.idle.ms",
    "receive.buffer.bytes",
    "send.buffer.bytes",
    "metadata.",
    "socket.",
    "rest.",
    "access.control.",
    "response.http.headers.config",
    "topic.tracking.",
    "plugin.",
    "connector.client.config.override.policy",
    "internal.",
    "auto.include.jmx.reporter",
    "group.id",
    "config.storage.",
    "offset.storage.",
    "status.storage.",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "rebalance.timeout.ms",
    "worker.",
    "scheduled.rebalance.max.delay.ms",
    "connect.protocol",
    "exactly.once.source.support",
    "inter.worker.",
    "kconnect.",
];

/// A parsed worker configuration.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Every property as written (used to derive client configs).
    pub props: ConfigMap,
    parsed: ParsedConfig,
    /// REST listeners.
    pub listeners: Vec<Listener>,
    /// `connector.client.config.override.policy`.
    pub override_policy: OverridePolicy,
    /// The config providers (`config.providers`) that resolve placeholders in connector
    /// configurations; the worker's own properties are already resolved.
    pub providers: ConfigProviders,
    /// The REST server's settings: TLS, admin listeners, CORS, headers, authentication.
    pub rest: RestServerConfig,
}

impl WorkerConfig {
    /// The host name this worker's REST API is advertised under: `rest.advertised.host.name`,
    /// else the first listener's host, else `localhost`.
    pub fn advertised_host(&self) -> String {
        self.props
            .get("rest.advertised.host.name")
            .filter(|h| !h.is_empty())
            .or_else(|| {
                self.listeners
                    .first()
                    .map(|l| &l.host)
                    .filter(|h| !h.is_empty())
            })
            .cloned()
            .unwrap_or_else(|| "localhost".into())
    }

    /// `rest.advertised.port`, if set.
    pub fn advertised_port(&self) -> Option<u16> {
        self.parsed
            .int(REST_ADVERTISED_PORT)
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p > 0)
    }

    /// Parses and validates; unknown keys are logged as warnings, as Java does.
    pub fn parse(props: ConfigMap) -> Result<Self, ConfigError> {
        let providers = ConfigProviders::from_worker(&props)?;
        let props = providers.resolve_worker(&props)?;
        let def = worker_config_def();
        let parsed = def.parse(&props)?;
        for key in props.keys() {
            if def.key(key).is_none() && !KNOWN_PREFIXES.iter().any(|p| key.starts_with(p)) {
                tracing::warn!("The configuration '{key}' was supplied but isn't a known config.");
            }
        }
        let listeners = if !props.contains_key(LISTENERS) && props.contains_key(REST_PORT) {
            let host = parsed.string(REST_HOST_NAME).unwrap_or("").to_string();
            let port = parsed.int(REST_PORT).unwrap_or(8083);
            let port = u16::try_from(port).map_err(|_| {
                ConfigError::invalid(REST_PORT, port.to_string(), "must be between 0 and 65535")
            })?;
            vec![Listener {
                scheme: "http".into(),
                host,
                port,
            }]
        } else {
            let list = parsed.list(LISTENERS);
            if list.is_empty() || list.iter().any(|l| l.is_empty()) {
                return Err(ConfigError::invalid(
                    LISTENERS,
                    props.get(LISTENERS).cloned().unwrap_or_default(),
                    "must be a non-empty list without blank entries",
                ));
            }
            list.iter()
                .map(|l| Listener::parse(l))
                .collect::<Result<_, _>>()?
        };
        check_client_security(&props)?;
        if let Some(p) = parsed.int(REST_ADVERTISED_PORT) {
            if !(1..=65535).contains(&p) {
                return Err(ConfigError::invalid(
                    REST_ADVERTISED_PORT,
                    p.to_string(),
                    "must be between 1 and 65535",
                ));
            }
        }
        let java_options = std::env::var("KAFKA_OPTS").ok();
        let rest = RestServerConfig::from_worker(&props, &listeners, java_options.as_deref())?;
        let override_policy =
            OverridePolicy::parse(props.get(OVERRIDE_POLICY).map(String::as_str))?;
        Ok(Self {
            props,
            parsed,
            listeners,
            override_policy,
            providers,
            rest,
        })
    }

    /// The parsed values.
    pub fn parsed(&self) -> &ParsedConfig {
        &self.parsed
    }

    /// `offset.storage.file.filename`, required in standalone mode.
    pub fn offset_file(&self) -> Result<&str, ConfigError> {
        self.parsed
            .string(OFFSET_STORAGE_FILE)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ConfigError::missing(OFFSET_STORAGE_FILE))
    }

    /// `offset.flush.interval.ms`.
    pub fn offset_flush_interval(&self) -> Duration {
        Duration::from_millis(
            self.parsed
                .long(OFFSET_FLUSH_INTERVAL_MS)
                .unwrap_or(60_000)
                .max(1) as u64,
        )
    }

    /// `offset.flush.timeout.ms`.
    pub fn offset_flush_timeout(&self) -> Duration {
        Duration::from_millis(self.parsed.long(OFFSET_FLUSH_TIMEOUT_MS).unwrap_or(5_000) as u64)
    }

    /// `task.shutdown.graceful.timeout.ms`.
    pub fn task_shutdown_timeout(&self) -> Duration {
        Duration::from_millis(self.parsed.long(TASK_SHUTDOWN_TIMEOUT_MS).unwrap_or(5_000) as u64)
    }

    /// `topic.creation.enable`.
    pub fn topic_creation_enable(&self) -> bool {
        self.parsed.boolean(TOPIC_CREATION_ENABLE)
    }

    /// The worker-level converter class for `key.converter`, `value.converter` or
    /// `header.converter`.
    pub fn converter_class(&self, key: &str) -> &str {
        self.parsed.string(key).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn java_sample_standalone_file_parses() {
        let w = WorkerConfig::parse(config_map(&[
            ("bootstrap.servers", "localhost:9092"),
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("key.converter.schemas.enable", "true"),
            ("offset.storage.file.filename", "/tmp/connect.offsets"),
            ("offset.flush.interval.ms", "10000"),
            ("plugin.path", "/usr/share/java"),
        ]))
        .unwrap();
        assert_eq!(w.offset_file().unwrap(), "/tmp/connect.offsets");
        assert_eq!(w.offset_flush_interval(), Duration::from_secs(10));
        assert_eq!(
            w.listeners,
            vec![Listener {
                scheme: "http".into(),
                host: String::new(),
                port: 8083
            }]
        );
    }

    #[test]
    fn legacy_rest_port_and_bad_values() {
        let base = [("key.converter", "a"), ("value.converter", "b")];
        let mut p = config_map(&base);
        p.insert("rest.port".into(), "18083".into());
        assert_eq!(WorkerConfig::parse(p).unwrap().listeners[0].port, 18083);
        let mut p = config_map(&base);
        p.insert("offset.flush.interval.ms".into(), "soon".into());
        let err = WorkerConfig::parse(p).unwrap_err().to_string();
        assert_eq!(err, "Invalid value soon for configuration offset.flush.interval.ms: Not a number of type LONG");
        let err = WorkerConfig::parse(config_map(&[("value.converter", "b")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"key.converter\""), "{err}");
        let mut p = config_map(&base);
        p.insert("listeners".into(), "ftp://:1".into());
        assert!(WorkerConfig::parse(p).is_err());
    }
}
