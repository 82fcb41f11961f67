//! Distributed-only worker settings (kafka-connect-spec.md §2.3), with Java's names and defaults except
//! `scheduled.rebalance.max.delay.ms`, which kconnect defaults to 0 so the work of a worker
//! that dies runs elsewhere as soon as the group notices (Java: 300 000 ms, up to five
//! minutes of downtime for that work).

use std::collections::BTreeMap;
use std::time::Duration;

use kconnect_api::{ConfigError, ConnectError, ConnectResult};
use kconnect_kafka::group::GroupConfig;

use super::assignor::incremental::DEFAULT_MAX_DELAY_MS;
use super::protocol::{ConnectProtocol, PROTOCOL_TYPE};
use super::signing::DEFAULT_ALGORITHM;

/// The settings of a distributed worker's group membership and coordination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributedConfig {
    /// `group.id` (required).
    pub group_id: String,
    /// `session.timeout.ms` (10 000).
    pub session_timeout: Duration,
    /// `heartbeat.interval.ms` (3 000).
    pub heartbeat_interval: Duration,
    /// `rebalance.timeout.ms` (60 000).
    pub rebalance_timeout: Duration,
    /// `request.timeout.ms` (40 000).
    pub request_timeout: Duration,
    /// `retry.backoff.ms` (100).
    pub retry_backoff: Duration,
    /// `connect.protocol` (`sessioned`).
    pub protocol: ConnectProtocol,
    /// `scheduled.rebalance.max.delay.ms` (kconnect: 0).
    pub scheduled_rebalance_max_delay_ms: u64,
    /// `worker.sync.timeout.ms` (3 000).
    pub worker_sync_timeout: Duration,
    /// `worker.unsync.backoff.ms` (300 000).
    pub worker_unsync_backoff: Duration,
    /// `inter.worker.key.generation.algorithm` (`HmacSHA256`).
    pub key_generation_algorithm: String,
    /// `inter.worker.key.size` (JVM default for the algorithm).
    pub key_size: Option<u32>,
    /// `inter.worker.key.ttl.ms` (3 600 000).
    pub key_ttl_ms: u64,
    /// `inter.worker.signature.algorithm` (`HmacSHA256`).
    pub signature_algorithm: String,
    /// `inter.worker.verification.algorithms` (`HmacSHA256`).
    pub verification_algorithms: Vec<String>,
}

fn invalid(key: &str, value: &str, why: &str) -> ConnectError {
    ConnectError::Config(ConfigError::invalid(key, value, why))
}

struct Props<'a>(&'a BTreeMap<String, String>);

impl Props<'_> {
    fn string(&self, key: &str, default: &str) -> String {
        self.0
            .get(key)
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| default.to_string())
    }

    fn number(&self, key: &str, default: u64, max: u64) -> ConnectResult<u64> {
        match self.0.get(key) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| invalid(key, v, &format!("must be between 0 and {max}"))),
        }
    }

    fn millis(&self, key: &str, default: u64) -> ConnectResult<Duration> {
        self.number(key, default, i32::MAX as u64)
            .map(Duration::from_millis)
    }
}

impl DistributedConfig {
    /// Reads the settings from worker properties.
    pub fn parse(props: &BTreeMap<String, String>) -> ConnectResult<Self> {
        let p = Props(props);
        let group_id = p.string("group.id", "");
        if group_id.is_empty() {
            return Err(ConnectError::Config(ConfigError::missing("group.id")));
        }
        let protocol_raw = p.string("connect.protocol", "sessioned");
        let protocol = ConnectProtocol::from_config(&protocol_raw).ok_or_else(|| {
            invalid(
                "connect.protocol",
                &protocol_raw,
                "must be one of eager, compatible, sessioned",
            )
        })?;
        let verification_algorithms: Vec<String> = p
            .string("inter.worker.verification.algorithms", DEFAULT_ALGORITHM)
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let signature_algorithm = p.string("inter.worker.signature.algorithm", DEFAULT_ALGORITHM);
        if !verification_algorithms.contains(&signature_algorithm) {
            return Err(invalid(
                "inter.worker.signature.algorithm",
                &signature_algorithm,
                "must be one of inter.worker.verification.algorithms",
            ));
        }
        let key_size = match props.get("inter.worker.key.size") {
            None => None,
            Some(v) => Some(
                v.trim()
                    .parse::<u32>()
                    .map_err(|_| invalid("inter.worker.key.size", v, "must be an integer"))?,
            ),
        };
        Ok(Self {
            group_id,
            session_timeout: p.millis("session.timeout.ms", 10_000)?,
            heartbeat_interval: p.millis("heartbeat.interval.ms", 3_000)?,
            rebalance_timeout: p.millis("rebalance.timeout.ms", 60_000)?,
            request_timeout: p.millis("request.timeout.ms", 40_000)?,
            retry_backoff: p.millis("retry.backoff.ms", 100)?,
            protocol,
            scheduled_rebalance_max_delay_ms: p.number(
                "scheduled.rebalance.max.delay.ms",
                DEFAULT_MAX_DELAY_MS,
                i32::MAX as u64,
            )?,
            worker_sync_timeout: p.millis("worker.sync.timeout.ms", 3_000)?,
            worker_unsync_backoff: p.millis("worker.unsync.backoff.ms", 300_000)?,
            key_generation_algorithm: p
                .string("inter.worker.key.generation.algorithm", DEFAULT_ALGORITHM),
            key_size,
            key_ttl_ms: p.number("inter.worker.key.ttl.ms", 3_600_000, i32::MAX as u64)?,
            signature_algorithm,
            verification_algorithms,
        })
    }

    /// The group client's settings; `client_id` as Java derives it (`connect-<n>` when
    /// `client.id` is empty).
    pub fn group_config(&self, bootstrap_servers: &str, client_id: &str) -> GroupConfig {
        let mut g = GroupConfig::new(bootstrap_servers, &self.group_id, PROTOCOL_TYPE);
        g.client_id = client_id.to_string();
        g.session_timeout = self.session_timeout;
        g.heartbeat_interval = self.heartbeat_interval;
        g.rebalance_timeout = self.rebalance_timeout;
        g.request_timeout = self.request_timeout;
        g.retry_backoff = self.retry_backoff;
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn java_defaults_except_the_rebalance_delay() {
        let c = DistributedConfig::parse(&config_map(&[("group.id", "connect-cluster")])).unwrap();
        assert_eq!(c.session_timeout, Duration::from_secs(10));
        assert_eq!(c.heartbeat_interval, Duration::from_secs(3));
        assert_eq!(c.protocol, ConnectProtocol::Sessioned);
        assert_eq!(c.scheduled_rebalance_max_delay_ms, 0);
        assert_eq!(c.verification_algorithms, vec!["HmacSHA256".to_string()]);
        let g = c.group_config("b1:9092, b2:9092", "connect-1");
        assert_eq!(g.bootstrap_servers, vec!["b1:9092", "b2:9092"]);
        assert_eq!(
            (g.protocol_type.as_str(), g.client_id.as_str()),
            ("connect", "connect-1")
        );
    }

    #[test]
    fn overrides_and_invalid_values() {
        let c = DistributedConfig::parse(&config_map(&[
            ("group.id", "g"),
            ("connect.protocol", "EAGER"),
            ("scheduled.rebalance.max.delay.ms", "300000"),
            ("inter.worker.key.size", "128"),
        ]))
        .unwrap();
        assert_eq!(c.protocol, ConnectProtocol::Eager);
        assert_eq!(c.scheduled_rebalance_max_delay_ms, 300_000);
        assert_eq!(c.key_size, Some(128));
        for bad in [
            vec![],
            vec![("group.id", "g"), ("connect.protocol", "cooperative")],
            vec![("group.id", "g"), ("session.timeout.ms", "-1")],
            vec![
                ("group.id", "g"),
                ("inter.worker.signature.algorithm", "HmacSHA512"),
            ],
        ] {
            assert!(
                DistributedConfig::parse(&config_map(&bad)).is_err(),
                "{bad:?}"
            );
        }
    }
}
