//! `connector.client.config.override.policy` (kafka-connect-spec.md §3.7): which Kafka client
//! settings a connector may override with `producer.override.`, `consumer.override.` and
//! `admin.override.`. Java's default is `All`.

use kconnect_api::{ConfigError, ConfigMap};

/// The worker key.
pub const OVERRIDE_POLICY: &str = "connector.client.config.override.policy";

const PREFIXES: [&str; 3] = [
    "producer.override.",
    "consumer.override.",
    "admin.override.",
];

/// A client config override policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverridePolicy {
    /// No override is allowed.
    None,
    /// Only the client's identity: `sasl.jaas.config`, `sasl.mechanism`, `security.protocol`.
    Principal,
    /// Every override is allowed (Java's default).
    All,
}

/// Client settings no connector may override, whatever the policy: URLs the worker would
/// send requests (with credentials) to.
const WORKER_ONLY: &[&str] = &[
    "sasl.oauthbearer.token.endpoint.url",
    "sasl.oauthbearer.jwks.endpoint.url",
];

impl OverridePolicy {
    /// The policy named by the worker setting: an alias or Java's class name.
    pub fn parse(value: Option<&str>) -> Result<Self, ConfigError> {
        let raw = value.map(str::trim).unwrap_or("All");
        let simple = raw
            .rsplit('.')
            .next()
            .unwrap_or(raw)
            .trim_end_matches("ConnectorClientConfigOverridePolicy");
        let java_package = "org.apache.kafka.connect.connector.policy.";
        if raw.contains('.') && !raw.starts_with(java_package) {
            return Err(ConfigError::invalid(
                OVERRIDE_POLICY,
                raw,
                "custom policy classes cannot run in kconnect; use None, Principal or All",
            ));
        }
        match simple {
            "None" => Ok(Self::None),
            "Principal" => Ok(Self::Principal),
            "All" => Ok(Self::All),
            _ => Err(ConfigError::invalid(
                OVERRIDE_POLICY,
                raw,
                "must be None, Principal or All (or Java's class name of one of them)",
            )),
        }
    }

    /// The policy's name as Java's messages give it.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Principal => "Principal",
            Self::All => "All",
        }
    }

    fn allows(self, client_key: &str) -> bool {
        match self {
            Self::None => false,
            Self::Principal => matches!(
                client_key,
                "sasl.jaas.config" | "sasl.mechanism" | "security.protocol"
            ),
            Self::All => true,
        }
    }

    /// The overrides of `props` this policy refuses: (key, Java's message).
    pub fn violations(self, props: &ConfigMap) -> Vec<(String, String)> {
        props
            .keys()
            .filter_map(|key| {
                let client_key = PREFIXES.iter().find_map(|p| key.strip_prefix(p))?;
                if WORKER_ONLY.contains(&client_key) {
                    return Some((
                        key.clone(),
                        format!("'{client_key}' may only be set in the worker configuration: a connector configuration must not make the worker send requests to URLs of its choosing (Java 4 requires such URLs to be allow-listed on the worker)"),
                    ));
                }
                (!self.allows(client_key)).then(|| {
                    (
                        key.clone(),
                        format!(
                            "The '{}' policy does not allow '{client_key}' to be overridden in the connector configuration.",
                            self.name()
                        ),
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn token_endpoints_cannot_be_overridden_under_any_policy() {
        let props = config_map(&[(
            "producer.override.sasl.oauthbearer.token.endpoint.url",
            "http://169.254.169.254/",
        )]);
        let v = OverridePolicy::All.violations(&props);
        assert_eq!(v.len(), 1);
        assert!(v[0].1.contains("worker configuration"), "{}", v[0].1);
    }

    #[test]
    fn names_and_class_names() {
        assert_eq!(OverridePolicy::parse(None).unwrap(), OverridePolicy::All);
        assert_eq!(
            OverridePolicy::parse(Some("org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy")).unwrap(),
            OverridePolicy::Principal
        );
        assert_eq!(
            OverridePolicy::parse(Some(" None ")).unwrap(),
            OverridePolicy::None
        );
        assert!(OverridePolicy::parse(Some("com.example.MyPolicy")).is_err());
        assert!(OverridePolicy::parse(Some("Some")).is_err());
    }

    #[test]
    fn each_policy_refuses_what_java_refuses() {
        let props = config_map(&[
            ("name", "c"),
            ("producer.override.linger.ms", "5"),
            ("consumer.override.sasl.jaas.config", "x"),
            ("admin.override.security.protocol", "SSL"),
        ]);
        assert!(OverridePolicy::All.violations(&props).is_empty());
        let principal = OverridePolicy::Principal.violations(&props);
        assert_eq!(
            principal,
            vec![(
                "producer.override.linger.ms".to_string(),
                "The 'Principal' policy does not allow 'linger.ms' to be overridden in the connector configuration.".to_string()
            )]
        );
        assert_eq!(OverridePolicy::None.violations(&props).len(), 3);
    }
}
