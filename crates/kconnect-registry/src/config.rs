//! Confluent's Schema Registry client settings, as its converters take them.

use kconnect_api::config::{ConfigKey, ConfigType, Importance};
use kconnect_api::{ConfigDef, ConfigError, ConfigMap};

/// `schema.registry.url`: one or more base URLs, tried in turn.
pub const URL: &str = "schema.registry.url";
/// Where basic credentials come from: `URL` (the URL's user info, the default) or
/// `USER_INFO` (`basic.auth.user.info`).
pub const BASIC_AUTH_SOURCE: &str = "basic.auth.credentials.source";
/// `user:password` for `USER_INFO`.
pub const BASIC_AUTH_USER_INFO: &str = "basic.auth.user.info";
/// Where a bearer token comes from: `STATIC_TOKEN` (`bearer.auth.token`).
pub const BEARER_AUTH_SOURCE: &str = "bearer.auth.credentials.source";
/// The static bearer token.
pub const BEARER_AUTH_TOKEN: &str = "bearer.auth.token";
/// Register schemas that are not registered yet (default true).
pub const AUTO_REGISTER: &str = "auto.register.schemas";
/// Write with the subject's latest schema instead of registering (default false).
pub const USE_LATEST_VERSION: &str = "use.latest.version";
/// With `use.latest.version`, check that the latest schema can hold the data (default true).
pub const LATEST_COMPATIBILITY_STRICT: &str = "latest.compatibility.strict";
/// Ask the registry to normalize schemas before comparing them (default false).
pub const NORMALIZE: &str = "normalize.schemas";
/// Subject naming for keys.
pub const KEY_STRATEGY: &str = "key.subject.name.strategy";
/// Subject naming for values.
pub const VALUE_STRATEGY: &str = "value.subject.name.strategy";
/// Bound of the caches (schemas, ids, versions).
pub const CACHE_CAPACITY: &str = "schemas.cache.config";
/// Milliseconds a registry request may take.
pub const REQUEST_TIMEOUT: &str = "schema.registry.request.timeout.ms";
/// Trust store (PEM, JKS or PKCS#12) of the CAs the registry's certificate is checked with.
pub const SSL_TRUSTSTORE_LOCATION: &str = "schema.registry.ssl.truststore.location";
/// Its password (JKS, PKCS#12).
pub const SSL_TRUSTSTORE_PASSWORD: &str = "schema.registry.ssl.truststore.password";
/// Key store (PEM, JKS or PKCS#12) with the client certificate, for mutual TLS.
pub const SSL_KEYSTORE_LOCATION: &str = "schema.registry.ssl.keystore.location";
/// Its password.
pub const SSL_KEYSTORE_PASSWORD: &str = "schema.registry.ssl.keystore.password";
/// The private key's password, if it differs from the key store's.
pub const SSL_KEY_PASSWORD: &str = "schema.registry.ssl.key.password";
/// `https` (default) checks the registry's host name; empty does not.
pub const SSL_ENDPOINT_IDENTIFICATION: &str =
    "schema.registry.ssl.endpoint.identification.algorithm";

/// TLS material for the registry's HTTPS URLs, as PEM text.
#[derive(Debug, Clone, Default)]
pub struct RegistryTls {
    /// Extra trusted CA certificates.
    pub trusted_pem: Option<String>,
    /// The client's certificate chain and PKCS#8 key, for mutual TLS.
    pub identity: Option<(String, String)>,
    /// Whether the registry's host name is checked against its certificate.
    pub verify_hostname: bool,
}

const TOPIC_NAME: &str = "io.confluent.kafka.serializers.subject.TopicNameStrategy";
const RECORD_NAME: &str = "io.confluent.kafka.serializers.subject.RecordNameStrategy";
const TOPIC_RECORD_NAME: &str = "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy";

/// How subjects are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectStrategy {
    /// `<topic>-key` / `<topic>-value`.
    TopicName,
    /// The record's full name.
    RecordName,
    /// `<topic>-<record's full name>`.
    TopicRecordName,
}

impl SubjectStrategy {
    /// The strategy of a class name (Confluent's, or its simple name).
    pub fn parse(key: &str, raw: &str) -> Result<Self, ConfigError> {
        match raw.trim() {
            TOPIC_NAME | "TopicNameStrategy" => Ok(Self::TopicName),
            RECORD_NAME | "RecordNameStrategy" => Ok(Self::RecordName),
            TOPIC_RECORD_NAME | "TopicRecordNameStrategy" => Ok(Self::TopicRecordName),
            other => Err(ConfigError::invalid(
                key,
                other,
                format!("not a subject name strategy: use {TOPIC_NAME}, {RECORD_NAME} or {TOPIC_RECORD_NAME}"),
            )),
        }
    }

    /// The subject of a record of `record_name` (a named schema's full name) on `topic`.
    pub fn subject(
        self,
        topic: &str,
        is_key: bool,
        record_name: Option<&str>,
    ) -> Result<String, String> {
        let named = || {
            record_name.ok_or_else(|| {
                "the record name strategies need a named schema (a struct with a name)".to_string()
            })
        };
        Ok(match self {
            Self::TopicName => format!("{topic}-{}", if is_key { "key" } else { "value" }),
            Self::RecordName => named()?.to_string(),
            Self::TopicRecordName => format!("{topic}-{}", named()?),
        })
    }
}

/// Parsed registry settings.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    /// Base URLs, without a trailing slash.
    pub urls: Vec<String>,
    /// The `Authorization` header value, if any.
    pub authorization: Option<String>,
    /// `auto.register.schemas`.
    pub auto_register: bool,
    /// `use.latest.version`.
    pub use_latest_version: bool,
    /// `latest.compatibility.strict`.
    pub latest_compatibility_strict: bool,
    /// `normalize.schemas`.
    pub normalize: bool,
    /// Subject naming of this converter's side.
    pub strategy: SubjectStrategy,
    /// Bound of each cache.
    pub cache_capacity: usize,
    /// Request timeout.
    pub timeout_ms: u64,
    /// TLS settings.
    pub tls: RegistryTls,
}

/// The settings' definitions.
pub fn config_def() -> ConfigDef {
    let key = |name: &str, t: ConfigType, default: Option<&str>, doc: &str| {
        let k = ConfigKey::new(name, t)
            .importance(Importance::Medium)
            .doc(doc);
        match default {
            Some(d) => k.default_value(d),
            None => k.default_null(),
        }
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(URL, ConfigType::List)
                .importance(Importance::High)
                .doc("Schema Registry base URLs, comma-separated; each is tried in turn."),
        )
        .define(key(BASIC_AUTH_SOURCE, ConfigType::String, Some("URL"), "Where basic credentials come from: URL (the URL's user info) or USER_INFO (basic.auth.user.info)."))
        .define(key(BASIC_AUTH_USER_INFO, ConfigType::Password, None, "user:password, for basic.auth.credentials.source=USER_INFO."))
        .define(key(BEARER_AUTH_SOURCE, ConfigType::String, None, "STATIC_TOKEN: send bearer.auth.token."))
        .define(key(BEARER_AUTH_TOKEN, ConfigType::Password, None, "The bearer token, for STATIC_TOKEN."))
        .define(key(AUTO_REGISTER, ConfigType::Boolean, Some("true"), "Register schemas that are not registered yet."))
        .define(key(USE_LATEST_VERSION, ConfigType::Boolean, Some("false"), "Write with the subject's latest schema instead of registering one."))
        .define(key(LATEST_COMPATIBILITY_STRICT, ConfigType::Boolean, Some("true"), "With use.latest.version, require the latest schema to be backward compatible with the data's."))
        .define(key(NORMALIZE, ConfigType::Boolean, Some("false"), "Have the registry normalize schemas before comparing them."))
        .define(key(KEY_STRATEGY, ConfigType::String, Some(TOPIC_NAME), "Subject naming of keys."))
        .define(key(VALUE_STRATEGY, ConfigType::String, Some(TOPIC_NAME), "Subject naming of values."))
        .define(key(CACHE_CAPACITY, ConfigType::Int, Some("1000"), "Entries kept in each cache (schemas, ids, versions)."))
        .define(key(REQUEST_TIMEOUT, ConfigType::Long, Some("30000"), "Milliseconds a registry request may take."))
        .define(key(SSL_TRUSTSTORE_LOCATION, ConfigType::String, None, "Trust store (PEM, JKS or PKCS#12) with the CAs to check the registry's certificate with, besides the system's."))
        .define(key(SSL_TRUSTSTORE_PASSWORD, ConfigType::Password, None, "The trust store's password."))
        .define(key(SSL_KEYSTORE_LOCATION, ConfigType::String, None, "Key store (PEM, JKS or PKCS#12) with the client certificate, for mutual TLS."))
        .define(key(SSL_KEYSTORE_PASSWORD, ConfigType::Password, None, "The key store's password."))
        .define(key(SSL_KEY_PASSWORD, ConfigType::Password, None, "The private key's password, if not the key store's."))
        .define(key(SSL_ENDPOINT_IDENTIFICATION, ConfigType::String, Some("https"), "https checks the registry's host name against its certificate; empty does not."))
}

impl RegistryConfig {
    /// Parses the settings of a key (`is_key`) or value converter.
    pub fn parse(props: &ConfigMap, is_key: bool) -> Result<Self, ConfigError> {
        let parsed = config_def().parse(props)?;
        let urls: Vec<String> = parsed
            .list(URL)
            .iter()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty())
            .collect();
        if urls.is_empty() {
            return Err(ConfigError::invalid(
                URL,
                "",
                "at least one Schema Registry URL is needed",
            ));
        }
        for url in &urls {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::invalid(
                    URL,
                    url,
                    "a URL must start with http:// or https://",
                ));
            }
        }
        let authorization = authorization(&parsed, &urls)?;
        let strategy_key = if is_key { KEY_STRATEGY } else { VALUE_STRATEGY };
        let strategy = SubjectStrategy::parse(
            strategy_key,
            parsed.string(strategy_key).unwrap_or(TOPIC_NAME),
        )?;
        Ok(Self {
            urls: urls.iter().map(|u| strip_user_info(u)).collect(),
            authorization,
            auto_register: parsed.boolean(AUTO_REGISTER),
            use_latest_version: parsed.boolean(USE_LATEST_VERSION),
            latest_compatibility_strict: parsed.boolean(LATEST_COMPATIBILITY_STRICT),
            normalize: parsed.boolean(NORMALIZE),
            strategy,
            cache_capacity: usize::try_from(parsed.int(CACHE_CAPACITY).unwrap_or(1000).max(1))
                .unwrap_or(1000),
            timeout_ms: u64::try_from(parsed.long(REQUEST_TIMEOUT).unwrap_or(30_000).max(1))
                .unwrap_or(30_000),
            tls: tls(&parsed)?,
        })
    }
}

/// The TLS material the settings name, read and converted to PEM.
fn tls(parsed: &kconnect_api::config::ParsedConfig) -> Result<RegistryTls, ConfigError> {
    let password = |key: &str| parsed.password(key).map(|p| p.value().to_string());
    let trusted_pem = match parsed
        .string(SSL_TRUSTSTORE_LOCATION)
        .filter(|l| !l.is_empty())
    {
        Some(path) => Some(
            kconnect_kafka::security::trusted_certificates(
                path,
                password(SSL_TRUSTSTORE_PASSWORD).as_deref(),
            )
            .map_err(|e| ConfigError::invalid(SSL_TRUSTSTORE_LOCATION, path, e))?,
        ),
        None => None,
    };
    let identity = match parsed
        .string(SSL_KEYSTORE_LOCATION)
        .filter(|l| !l.is_empty())
    {
        Some(path) => {
            let pair = kconnect_kafka::security::key_pair(
                path,
                password(SSL_KEYSTORE_PASSWORD).as_deref(),
                password(SSL_KEY_PASSWORD).as_deref(),
            )
            .map_err(|e| ConfigError::invalid(SSL_KEYSTORE_LOCATION, path, e))?;
            Some((pair.chain_pem, pair.key_pem))
        }
        None => None,
    };
    Ok(RegistryTls {
        trusted_pem,
        identity,
        verify_hostname: !parsed
            .string(SSL_ENDPOINT_IDENTIFICATION)
            .unwrap_or("https")
            .trim()
            .is_empty(),
    })
}

/// The user info of a URL (`user:password@`), if any.
fn user_info(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    authority.rsplit_once('@').map(|(info, _)| info)
}

/// A URL without its user info.
fn strip_user_info(url: &str) -> String {
    match (url.split_once("://"), user_info(url)) {
        (Some((scheme, rest)), Some(info)) => {
            format!("{scheme}://{}", &rest[info.len() + 1..])
        }
        _ => url.to_string(),
    }
}

fn authorization(
    parsed: &kconnect_api::config::ParsedConfig,
    urls: &[String],
) -> Result<Option<String>, ConfigError> {
    use base64::Engine as _;
    let basic = |info: &str| {
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(info)
        ))
    };
    if let Some(source) = parsed.string(BEARER_AUTH_SOURCE).filter(|s| !s.is_empty()) {
        return match source {
            "STATIC_TOKEN" => match parsed.password(BEARER_AUTH_TOKEN) {
                Some(token) => Ok(Some(format!("Bearer {}", token.value()))),
                None => Err(ConfigError::missing(BEARER_AUTH_TOKEN)),
            },
            other => Err(ConfigError::invalid(
                BEARER_AUTH_SOURCE,
                other,
                "only STATIC_TOKEN is supported",
            )),
        };
    }
    match parsed.string(BASIC_AUTH_SOURCE).unwrap_or("URL") {
        "USER_INFO" => match parsed.password(BASIC_AUTH_USER_INFO) {
            Some(info) if info.value().contains(':') => Ok(basic(info.value())),
            Some(_) => Err(ConfigError::invalid(
                BASIC_AUTH_USER_INFO,
                "[hidden]",
                "expected user:password",
            )),
            None => Err(ConfigError::missing(BASIC_AUTH_USER_INFO)),
        },
        "URL" => Ok(urls.iter().find_map(|u| user_info(u)).and_then(basic)),
        other => Err(ConfigError::invalid(
            BASIC_AUTH_SOURCE,
            other,
            "use URL or USER_INFO",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn settings_parse_with_defaults_and_credentials() {
        let c = RegistryConfig::parse(
            &config_map(&[
                (URL, "http://a:8081/, http://b:8081"),
                (BASIC_AUTH_SOURCE, "USER_INFO"),
                (BASIC_AUTH_USER_INFO, "fred:s3cret"),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(c.urls, ["http://a:8081", "http://b:8081"]);
        assert_eq!(c.authorization.as_deref(), Some("Basic ZnJlZDpzM2NyZXQ="));
        assert!(c.auto_register && !c.use_latest_version);
        assert_eq!(c.strategy, SubjectStrategy::TopicName);
        let from_url =
            RegistryConfig::parse(&config_map(&[(URL, "https://u:p@reg:8081")]), true).unwrap();
        assert_eq!(from_url.urls, ["https://reg:8081"]);
        assert_eq!(from_url.authorization.as_deref(), Some("Basic dTpw"));
    }

    #[test]
    fn bad_settings_name_the_key_and_the_value() {
        let e = RegistryConfig::parse(&config_map(&[(URL, "reg:8081")]), false).unwrap_err();
        assert!(
            e.to_string().contains(URL) && e.to_string().contains("reg:8081"),
            "{e}"
        );
        let e = RegistryConfig::parse(
            &config_map(&[(URL, "http://r"), (VALUE_STRATEGY, "Nope")]),
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("Nope"), "{e}");
        let e = RegistryConfig::parse(
            &config_map(&[
                (URL, "http://r"),
                (BASIC_AUTH_SOURCE, "USER_INFO"),
                (BASIC_AUTH_USER_INFO, "nocolon"),
            ]),
            false,
        )
        .unwrap_err();
        assert!(
            !e.to_string().contains("nocolon"),
            "the secret stays hidden: {e}"
        );
    }

    #[test]
    fn subjects_follow_the_strategy() {
        let s = SubjectStrategy::TopicRecordName;
        assert_eq!(s.subject("t", false, Some("a.B")).unwrap(), "t-a.B");
        assert!(s.subject("t", false, None).is_err());
        assert_eq!(
            SubjectStrategy::TopicName.subject("t", true, None).unwrap(),
            "t-key"
        );
    }
}
