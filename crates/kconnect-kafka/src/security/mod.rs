//! Java's Kafka client security settings, translated for librdkafka and for the group
//! client, so that users' worker and connector files work unchanged:
//!
//! * `sasl.jaas.config` with `PlainLoginModule`, `ScramLoginModule` or
//!   `OAuthBearerLoginModule` (unsecured tokens) becomes `sasl.username`/`sasl.password` or
//!   librdkafka's unsecured-JWT settings;
//! * `ssl.truststore.*` and `ssl.keystore.*` (PEM, PKCS#12 or JKS files, or the PEM strings
//!   `ssl.truststore.certificates`, `ssl.keystore.certificate.chain`, `ssl.keystore.key`)
//!   become PEM text (`ssl.ca.pem`, `ssl.certificate.pem`, `ssl.key.pem`);
//! * `ssl.endpoint.identification.algorithm` keeps Java's meaning: `https` (the default)
//!   checks the broker's host name, an empty value does not.
//!
//! A security setting kconnect cannot honour is an error naming the key, never ignored.

mod jaas;
mod stores;

pub use jaas::{parse as parse_jaas, JaasEntry, LoginModule};
pub use stores::{key_pair, pem_pair, trusted_certificates, KeyPair};

use crate::client_config::ClientProps;
use crate::error::KafkaError;

/// Java security keys this module consumes (they never reach librdkafka as they are).
const TRANSLATED: &[&str] = &[
    "sasl.jaas.config",
    "ssl.truststore.location",
    "ssl.truststore.password",
    "ssl.truststore.type",
    "ssl.truststore.certificates",
    "ssl.keystore.location",
    "ssl.keystore.password",
    "ssl.keystore.type",
    "ssl.keystore.certificate.chain",
    "ssl.keystore.key",
    "ssl.key.password",
    "ssl.protocol",
    "ssl.enabled.protocols",
    "ssl.keymanager.algorithm",
    "ssl.trustmanager.algorithm",
    "sasl.login.refresh.window.factor",
    "sasl.login.refresh.window.jitter",
    "sasl.login.refresh.min.period.seconds",
    "sasl.login.refresh.buffer.seconds",
    "sasl.login.connect.timeout.ms",
    "sasl.login.read.timeout.ms",
    "sasl.login.retry.backoff.ms",
    "sasl.login.retry.backoff.max.ms",
    "sasl.oauthbearer.token.endpoint.url",
    "sasl.oauthbearer.scope.claim.name",
    "sasl.oauthbearer.sub.claim.name",
    "sasl.oauthbearer.header.urlencode",
];

/// Java's login callback handler for OAUTHBEARER client credentials (Kafka 3.x and 4.x
/// package names): accepted as the flow it names, which kconnect implements.
const OAUTH_LOGIN_HANDLERS: &[&str] = &[
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
    "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler",
];

/// Java security keys that change what is trusted or how clients authenticate and that
/// kconnect does not implement: refused, with what to do instead.
const REFUSED: &[(&str, &str)] = &[
    ("sasl.client.callback.handler.class", "Java callback handlers cannot run in kconnect; use sasl.jaas.config with a supported login module"),
    ("sasl.login.callback.handler.class", "Java callback handlers cannot run in kconnect; use sasl.jaas.config with a supported login module"),
    ("sasl.login.class", "Java login classes cannot run in kconnect; use sasl.jaas.config with a supported login module"),
    ("sasl.kerberos.service.name", "Kerberos (GSSAPI) is not supported; use SCRAM, PLAIN or OAUTHBEARER"),
    ("ssl.engine.factory.class", "custom Java SSL engines cannot run in kconnect; use the ssl.truststore.* and ssl.keystore.* settings"),
    ("ssl.cipher.suites", "Java cipher suite names are not translated; remove it to use OpenSSL's default suites (TLS 1.2 and 1.3 with forward secrecy)"),
    ("ssl.provider", "Java security providers do not apply; remove it"),
    ("ssl.secure.random.implementation", "Java random sources do not apply (OpenSSL's is used); remove it"),
    ("security.providers", "Java security providers do not apply; remove it"),
];

fn invalid(key: &str, reason: impl std::fmt::Display) -> KafkaError {
    KafkaError::Config(format!("{key}: {reason}"))
}

fn get<'a>(props: &'a ClientProps, key: &str) -> Option<&'a str> {
    props.get(key).map(str::trim).filter(|v| !v.is_empty())
}

/// The properties with Java's security keys replaced by librdkafka's.
pub fn for_librdkafka(props: &ClientProps) -> Result<ClientProps, KafkaError> {
    for (key, instead) in REFUSED {
        if let Some(value) = get(props, key) {
            if *key == "sasl.login.callback.handler.class" && OAUTH_LOGIN_HANDLERS.contains(&value)
            {
                continue;
            }
            // Java's defaults mean "nothing special" and are accepted.
            let default = matches!(
                (*key, value),
                ("ssl.provider" | "ssl.secure.random.implementation" | "security.providers", _)
                    if value.is_empty()
            );
            if !default {
                return Err(invalid(key, instead));
            }
        }
    }
    let mut out = ClientProps::new();
    for (k, v) in props.iter() {
        if !TRANSLATED.contains(&k.as_str()) && k != "sasl.login.callback.handler.class" {
            out.set(k.clone(), v.clone());
        }
    }
    let protocol = get(props, "security.protocol")
        .unwrap_or("PLAINTEXT")
        .to_ascii_uppercase();
    if !matches!(
        protocol.as_str(),
        "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL"
    ) {
        return Err(invalid(
            "security.protocol",
            format!("{protocol} is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"),
        ));
    }
    out.set("security.protocol", protocol.clone());
    if protocol.starts_with("SASL") {
        sasl(props, &mut out)?;
    }
    if protocol.ends_with("SSL") {
        tls(props, &mut out)?;
    }
    Ok(out)
}

fn sasl(props: &ClientProps, out: &mut ClientProps) -> Result<(), KafkaError> {
    // Java's default mechanism is GSSAPI, as librdkafka's is.
    let mechanism = get(props, "sasl.mechanism")
        .unwrap_or("GSSAPI")
        .to_ascii_uppercase();
    let module = match mechanism.as_str() {
        "PLAIN" => LoginModule::Plain,
        "SCRAM-SHA-256" | "SCRAM-SHA-512" => LoginModule::Scram,
        "OAUTHBEARER" => LoginModule::OAuthBearer,
        "GSSAPI" => {
            return Err(invalid(
                "sasl.mechanism",
                "GSSAPI (Kerberos, Java's default mechanism) is not supported by kconnect; set sasl.mechanism to PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER",
            ))
        }
        other => {
            return Err(invalid(
                "sasl.mechanism",
                format!("{other} is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER"),
            ))
        }
    };
    out.set("sasl.mechanism", mechanism.clone());
    let Some(config) = get(props, "sasl.jaas.config") else {
        let given = get(props, "sasl.username").is_some()
            || get(props, "enable.sasl.oauthbearer.unsecure.jwt").is_some();
        return if given {
            Ok(())
        } else {
            Err(invalid(
                "sasl.jaas.config",
                format!("missing: SASL mechanism {mechanism} needs credentials"),
            ))
        };
    };
    let entry = parse_jaas(config).map_err(|e| invalid("sasl.jaas.config", e))?;
    let found = entry
        .login_module()
        .map_err(|e| invalid("sasl.jaas.config", e))?;
    if found != module {
        return Err(invalid(
            "sasl.jaas.config",
            format!("{} does not serve sasl.mechanism {mechanism}", entry.module),
        ));
    }
    match module {
        LoginModule::Plain | LoginModule::Scram => {
            let (Some(user), Some(password)) = (entry.option("username"), entry.option("password"))
            else {
                return Err(invalid(
                    "sasl.jaas.config",
                    "the login module needs username and password options",
                ));
            };
            out.set("sasl.username", user)
                .set("sasl.password", password);
        }
        LoginModule::OAuthBearer => {
            if entry.option("clientId").is_some() || entry.option("clientSecret").is_some() {
                return client_credentials(props, &entry, out);
            }
            let Some(subject) = entry.option("unsecuredLoginStringClaim_sub") else {
                return Err(invalid(
                    "sasl.jaas.config",
                    "OAuthBearerLoginModule needs clientId and clientSecret (with sasl.oauthbearer.token.endpoint.url) for the client credentials flow, or unsecuredLoginStringClaim_sub for unsecured test tokens",
                ));
            };
            let mut config = format!("principal={subject}");
            if let Some(scope) = entry.option("unsecuredLoginListClaim_scope") {
                config.push_str(&format!(" scope={scope}"));
            }
            if let Some(life) = entry.option("unsecuredLoginLifetimeSeconds") {
                config.push_str(&format!(" lifeSeconds={life}"));
            }
            out.set("enable.sasl.oauthbearer.unsecure.jwt", "true")
                .set("sasl.oauthbearer.config", config);
        }
    }
    Ok(())
}

/// OAUTHBEARER with the OAuth client credentials flow (KIP-768): the JAAS options
/// `clientId`, `clientSecret`, `scope` and `extension_*`, and the token endpoint
/// `sasl.oauthbearer.token.endpoint.url`, become librdkafka's OIDC settings (the group client
/// reads the same ones).
fn client_credentials(
    props: &ClientProps,
    entry: &JaasEntry,
    out: &mut ClientProps,
) -> Result<(), KafkaError> {
    let (Some(id), Some(secret)) = (entry.option("clientId"), entry.option("clientSecret")) else {
        return Err(invalid(
            "sasl.jaas.config",
            "OAuthBearerLoginModule needs both clientId and clientSecret for the client credentials flow",
        ));
    };
    let Some(url) = get(props, "sasl.oauthbearer.token.endpoint.url") else {
        return Err(invalid(
            "sasl.oauthbearer.token.endpoint.url",
            "missing: the client credentials flow (clientId, clientSecret) needs the token endpoint's URL",
        ));
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(invalid(
            "sasl.oauthbearer.token.endpoint.url",
            format!(
                "{url}: only http:// and https:// token endpoints are supported (not a token file)"
            ),
        ));
    }
    if get(props, "sasl.oauthbearer.header.urlencode")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err(invalid(
            "sasl.oauthbearer.header.urlencode",
            "true: librdkafka sends the client id and secret as they are (Java's default); remove the key",
        ));
    }
    for (key, default) in [
        ("sasl.oauthbearer.sub.claim.name", "sub"),
        ("sasl.oauthbearer.scope.claim.name", "scope"),
    ] {
        if let Some(v) = get(props, key).filter(|v| *v != default) {
            return Err(invalid(
                key,
                format!(
                    "{v}: kconnect reads the token's standard claim ({default}); remove the key"
                ),
            ));
        }
    }
    out.set("sasl.oauthbearer.method", "oidc")
        .set("sasl.oauthbearer.client.id", id)
        .set("sasl.oauthbearer.client.secret", secret)
        .set("sasl.oauthbearer.token.endpoint.url", url);
    if let Some(scope) = entry.option("scope") {
        out.set("sasl.oauthbearer.scope", scope);
    }
    let extensions: Vec<String> = entry
        .options
        .iter()
        .filter_map(|(k, v)| Some(format!("{}={v}", k.strip_prefix("extension_")?)))
        .collect();
    if !extensions.is_empty() {
        out.set("sasl.oauthbearer.extensions", extensions.join(","));
    }
    Ok(())
}

fn tls(props: &ClientProps, out: &mut ClientProps) -> Result<(), KafkaError> {
    if let Some(protocols) = get(props, "ssl.enabled.protocols") {
        // OpenSSL negotiates TLS 1.2 or 1.3; kconnect cannot narrow that down.
        let allowed: Vec<&str> = protocols.split(',').map(str::trim).collect();
        if !allowed.contains(&"TLSv1.2") {
            return Err(invalid(
                "ssl.enabled.protocols",
                "kconnect's clients use TLSv1.2 and TLSv1.3 (the best both sides support) and cannot exclude TLSv1.2; include it or remove the key",
            ));
        }
    }
    if let Some(pem) = get(props, "ssl.truststore.certificates") {
        out.set("ssl.ca.pem", pem);
    } else if let Some(path) = get(props, "ssl.truststore.location") {
        let pem = trusted_certificates(path, get(props, "ssl.truststore.password"))
            .map_err(|e| invalid("ssl.truststore.location", e))?;
        out.set("ssl.ca.pem", pem);
    }
    let key_password = get(props, "ssl.key.password");
    let pair = if let Some(chain) = get(props, "ssl.keystore.certificate.chain") {
        let key = get(props, "ssl.keystore.key").ok_or_else(|| {
            invalid(
                "ssl.keystore.key",
                "missing: ssl.keystore.certificate.chain needs its key",
            )
        })?;
        Some(
            pem_pair(&format!("{key}\n{chain}"), key_password)
                .map_err(|e| invalid("ssl.keystore.key", e))?,
        )
    } else if let Some(path) = get(props, "ssl.keystore.location") {
        Some(
            key_pair(path, get(props, "ssl.keystore.password"), key_password)
                .map_err(|e| invalid("ssl.keystore.location", e))?,
        )
    } else {
        None
    };
    if let Some(pair) = pair {
        out.set("ssl.key.pem", pair.key_pem)
            .set("ssl.certificate.pem", pair.chain_pem);
    }
    // Java checks the broker's host name unless this is set to an empty string.
    let verify = props
        .get("ssl.endpoint.identification.algorithm")
        .map_or("https".to_string(), |v| v.trim().to_ascii_lowercase());
    out.set(
        "ssl.endpoint.identification.algorithm",
        if verify.is_empty() || verify == "none" {
            "none"
        } else {
            "https"
        },
    );
    Ok(())
}

/// Keys whose values are secrets, in Java's and in librdkafka's names: never shown in REST
/// responses, logs or error messages, whatever prefix they carry.
pub const SECRET_KEYS: &[&str] = &[
    "sasl.jaas.config",
    "sasl.password",
    "ssl.key.password",
    "ssl.keystore.password",
    "ssl.truststore.password",
    "ssl.keystore.key",
    "ssl.keystore.certificate.chain",
    "ssl.truststore.certificates",
    "ssl.key.pem",
    "sasl.oauthbearer.client.secret",
    "basic.auth.user.info",
];

/// Whether `key` (possibly prefixed, e.g. `producer.override.sasl.jaas.config`) holds a
/// secret. Java types the PEM material keys as passwords too, so they are hidden as well.
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS
        .iter()
        .any(|s| key == *s || key.ends_with(&format!(".{s}")))
}
