//! Connector configuration validation as the validate endpoint reports it (kafka-connect-spec.md §1.5): the
//! framework keys enriched with `transforms.<alias>.*` and `predicates.<alias>.*`, the
//! connector's own keys, and converter settings when the connector overrides a converter.

use indexmap::IndexMap;
use kconnect_api::config::{
    with_prefix, ConfigDef, ConfigKey, ConfigType, ConfigValueReport, Importance, Width,
};
use kconnect_api::{redact_text, ConfigError, ConfigMap};

use super::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo, HerderError, HerderResult};
use crate::config::connector::{sink_def, source_def};
use crate::config::keys::{
    CONNECTOR_CLASS, DLQ_TOPIC_NAME, HEADER_CONVERTER, KEY_CONVERTER, PREDICATES, TOPICS,
    TOPICS_REGEX, TRANSFORMS, VALUE_CONVERTER,
};
use crate::config::override_policy::OverridePolicy;
use crate::config::providers::CONFIG_PROVIDERS;
use crate::config::WorkerConfig;
use crate::pipeline::TransformChain;
use crate::plugins::{ConnectorFactory, Registry};
use crate::task::topic_creation;

/// Splits a comma-separated list, trimming entries.
fn parse_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Renders a configuration like Java's `Map.toString()`: `{k=v, k=v}`.
fn java_map(props: &ConfigMap) -> String {
    let inner: Vec<String> = props.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn aliases(props: &ConfigMap, key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in parse_list(props.get(key).map(String::as_str).unwrap_or("")) {
        if !a.is_empty() && !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

fn embed(def: &mut ConfigDef, prefix: &str, group: &str, first_order: i32, other: &ConfigDef) {
    for (i, key) in other.keys().enumerate() {
        let mut key = key.clone();
        key.name = format!("{prefix}{}", key.name);
        key.group = Some(group.to_string());
        key.order_in_group = first_order + i as i32;
        def.add(key);
    }
}

/// Collected definitions and values.
#[derive(Default)]
struct Report {
    def: ConfigDef,
    groups: Vec<String>,
    values: IndexMap<String, ConfigValueReport>,
}

impl Report {
    fn error(&mut self, key: &str, message: String) {
        let entry = self
            .values
            .entry(key.to_string())
            .or_insert_with(|| ConfigValueReport {
                name: key.to_string(),
                value: None,
                recommended_values: Vec::new(),
                errors: Vec::new(),
                visible: true,
            });
        if !entry.errors.contains(&message) {
            entry.errors.push(message);
        }
    }

    fn config_error(&mut self, fallback_key: &str, e: &ConfigError) {
        let key = e.key.clone().unwrap_or_else(|| fallback_key.to_string());
        self.error(&key, e.to_string());
    }

    fn add(&mut self, def: &ConfigDef, reports: Vec<ConfigValueReport>) {
        for k in def.keys() {
            self.def.add(k.clone());
        }
        for g in def.groups() {
            if !self.groups.contains(&g) {
                self.groups.push(g);
            }
        }
        for r in reports {
            self.values.insert(r.name.clone(), r);
        }
    }

    fn into_infos(self, name: &str) -> ConfigInfos {
        let value_info = |r: &ConfigValueReport| ConfigValueInfo {
            name: r.name.clone(),
            value: r.value.clone(),
            recommended_values: r.recommended_values.clone(),
            errors: r.errors.clone(),
            visible: r.visible,
        };
        let mut configs: Vec<ConfigInfo> = self
            .values
            .values()
            .filter(|r| self.def.key(&r.name).is_none())
            .map(|r| ConfigInfo {
                definition: None,
                value: Some(value_info(r)),
            })
            .collect();
        configs.extend(self.def.keys().map(|k| ConfigInfo {
            definition: Some(ConfigKeyInfo::from(k)),
            value: self.values.get(&k.name).map(value_info),
        }));
        let error_count = configs
            .iter()
            .filter_map(|c| c.value.as_ref())
            .map(|v| v.errors.len())
            .sum();
        ConfigInfos {
            name: name.to_string(),
            error_count,
            groups: self.groups,
            configs,
        }
    }
}

fn class_not_found(key: &str, class: &str) -> String {
    format!("Invalid value {class} for configuration {key}: Class {class} could not be found.")
}

/// The framework definition enriched with the keys of the configured transformations and
/// predicates, plus errors for unknown classes.
pub(super) fn enrich(
    registry: &Registry,
    base: ConfigDef,
    props: &ConfigMap,
) -> (ConfigDef, Vec<(String, String)>) {
    let mut def = base;
    let mut errors = Vec::new();
    for (list_key, kind, title) in [
        (TRANSFORMS, "transformation", "Transformation"),
        (PREDICATES, "predicate", "Predicate"),
    ] {
        let group_prefix = if list_key == TRANSFORMS {
            "Transforms"
        } else {
            "Predicates"
        };
        for alias in aliases(props, list_key) {
            let prefix = format!("{list_key}.{alias}.");
            let group = format!("{group_prefix}: {alias}");
            let type_key = format!("{prefix}type");
            def.add(
                ConfigKey::new(&type_key, ConfigType::Class)
                    .importance(Importance::High)
                    .doc(format!("Class for the '{alias}' {kind}."))
                    .group(&group, 0)
                    .width(Width::Long)
                    .display_name(format!("{title} type for {alias}")),
            );
            if list_key == TRANSFORMS
                && props.contains_key(&format!("{prefix}negate"))
                && !props.contains_key(&format!("{prefix}predicate"))
            {
                errors.push((type_key.clone(), format!("Config '{prefix}negate' was provided but there is no config '{prefix}predicate' defining a predicate to be negated.")));
            }
            let Some(class) = props
                .get(&type_key)
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
            else {
                continue;
            };
            let own = if list_key == TRANSFORMS {
                registry.transformation(class).map(|t| {
                    let mut d = ConfigDef::new()
                        .define(ConfigKey::new("predicate", ConfigType::String).default_null().doc("The alias of a predicate used to determine whether to apply this transformation."))
                        .define(ConfigKey::new("negate", ConfigType::Boolean).default_value("false").doc("Whether the configured predicate should be negated."));
                    for k in t.config_def().keys().filter(|k| k.name != "predicate" && k.name != "negate") {
                        d.add(k.clone());
                    }
                    d
                })
            } else {
                registry.predicate(class).map(|p| p.config_def())
            };
            match own {
                Some(own) => embed(&mut def, &prefix, &group, 1, &own),
                None => errors.push((type_key.clone(), class_not_found(&type_key, class))),
            }
        }
    }
    (def, errors)
}

/// Java's `SinkConnectorConfig.validate` rules for `topics`, `topics.regex` and the DLQ topic.
fn sink_topic_errors(props: &ConfigMap) -> Vec<(String, String)> {
    let blank = |k: &str| props.get(k).is_none_or(|v| v.trim().is_empty());
    let mut out = Vec::new();
    let both = |msg: &str, out: &mut Vec<(String, String)>| {
        out.push((TOPICS.to_string(), msg.to_string()));
        out.push((TOPICS_REGEX.to_string(), msg.to_string()));
    };
    match (blank(TOPICS), blank(TOPICS_REGEX)) {
        (false, false) => both(
            "topics and topics.regex are mutually exclusive options, but both are set.",
            &mut out,
        ),
        (true, true) => both("Must configure one of topics or topics.regex", &mut out),
        _ => {}
    }
    let dlq = props.get(DLQ_TOPIC_NAME).map(|s| s.trim()).unwrap_or("");
    if !dlq.is_empty() {
        let topics: Vec<String> = parse_list(props.get(TOPICS).map(String::as_str).unwrap_or(""));
        if topics.iter().any(|t| t == dlq) {
            out.push((DLQ_TOPIC_NAME.into(), format!("The DLQ topic '{dlq}' may not be included in the list of topics ('{TOPICS}=[{}]') consumed by the connector", topics.join(", "))));
        }
        if let Some(re) = props.get(TOPICS_REGEX).filter(|r| !r.trim().is_empty()) {
            if regex::Regex::new(&format!("^(?:{re})$")).is_ok_and(|r| r.is_match(dlq)) {
                out.push((DLQ_TOPIC_NAME.into(), format!("The DLQ topic '{dlq}' may not be included in the regex matching the topics ('{TOPICS_REGEX}={re}') consumed by the connector")));
            }
        }
    }
    if let Some(re) = props.get(TOPICS_REGEX).filter(|r| !r.trim().is_empty()) {
        if let Err(e) = regex::Regex::new(re) {
            out.push((
                TOPICS_REGEX.into(),
                format!("Invalid value {re} for configuration {TOPICS_REGEX}: {e}"),
            ));
        }
    }
    out
}

/// Validates a connector configuration as written: config-provider placeholders are
/// resolved for the checks (`config.providers*` keys in a connector configuration are
/// ignored, as Java ignores them), and every value a placeholder changed is reported as
/// written, with Java's generic message in place of errors that could quote the secret.
pub fn validate_written(
    registry: &Registry,
    raw: &ConfigMap,
    worker: &WorkerConfig,
) -> HerderResult<ConfigInfos> {
    let raw: ConfigMap = raw
        .iter()
        .filter(|(k, _)| !k.starts_with(CONFIG_PROVIDERS))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let resolved = worker
        .providers
        .resolve(&raw)
        .map_err(|e| HerderError::BadRequest(e.to_string()))?;
    // Looked up (reading the providers' files again) only if there is a message to clean.
    let redactions = std::cell::OnceCell::new();
    let redact = |m: String| {
        redact_text(
            m,
            redactions.get_or_init(|| worker.providers.redactions(&raw)),
        )
    };
    let mut infos = validate(registry, &resolved, worker.override_policy).map_err(|e| match e {
        HerderError::BadRequest(m) => HerderError::BadRequest(redact(m)),
        other => other,
    })?;
    let mut error_count = 0;
    for info in &mut infos.configs {
        if let Some(value) = info.value.as_mut() {
            // Messages about other keys (a transformation's, the connector's own checks)
            // may quote a resolved value too.
            for e in &mut value.errors {
                *e = redact(std::mem::take(e));
            }
            let written = raw.get(&value.name);
            if written.is_some() && written != resolved.get(&value.name) {
                if value.value.as_deref() != Some("[hidden]") {
                    value.value = written.cloned();
                }
                if !value.errors.is_empty() {
                    value.errors = vec![format!("Invalid value for configuration '{}': the value resolved from the config provider reference failed validation", value.name)];
                }
            }
            error_count += value.errors.len();
        }
    }
    infos.error_count = error_count;
    Ok(infos)
}

/// Validates a connector configuration key by key. `BadRequest` if `connector.class` is
/// missing or names no installed connector.
pub fn validate(
    registry: &Registry,
    props: &ConfigMap,
    policy: OverridePolicy,
) -> HerderResult<ConfigInfos> {
    let class = props.get(CONNECTOR_CLASS).ok_or_else(|| {
        HerderError::BadRequest(format!(
            "Connector config {} contains no connector type",
            java_map(props)
        ))
    })?;
    let (_, factory) = registry.connector(class).ok_or_else(|| {
        HerderError::BadRequest(format!(
            "Failed to find any class that implements Connector and which name matches {class}, available connectors are: {}",
            registry.connector_names().join(", ")
        ))
    })?;
    let is_sink = matches!(factory, ConnectorFactory::Sink(_));
    let base = if is_sink { sink_def() } else { source_def() };
    let (enriched, enrich_errors) = enrich(registry, base, props);
    let mut report = Report::default();
    report.add(&enriched, enriched.validate(props));
    for (k, m) in enrich_errors {
        report.error(&k, m);
    }
    for (k, m) in policy.violations(props) {
        report.error(&k, m);
    }
    if is_sink {
        for (k, m) in sink_topic_errors(props) {
            report.error(&k, m);
        }
    } else if topic_creation::requested(props) {
        if let Err(e) = topic_creation::validate(props) {
            report.config_error(CONNECTOR_CLASS, &e);
        }
    }
    // Transformations may reject values only their configure() checks.
    if report.values.values().all(|v| v.errors.is_empty()) {
        if let Err(e) = TransformChain::build(registry, props) {
            report.config_error(TRANSFORMS, &e);
        }
    }
    let (own_def, own_reports) = match factory {
        ConnectorFactory::Source(f) => {
            let c = f();
            (c.config_def(), c.validate(props))
        }
        ConnectorFactory::Sink(f) => {
            let c = f();
            (c.config_def(), c.validate(props))
        }
    };
    report.add(&own_def, own_reports);
    for (key, kind) in [
        (KEY_CONVERTER, "key"),
        (VALUE_CONVERTER, "value"),
        (HEADER_CONVERTER, "header"),
    ] {
        let Some(class) = props.get(key).map(|c| c.trim()).filter(|c| !c.is_empty()) else {
            continue;
        };
        let def = if key == HEADER_CONVERTER {
            registry.header_converter(class).map(|c| c.config_def())
        } else {
            registry.converter(class).map(|c| c.config_def())
        };
        let Some(def) = def else {
            report.error(key, class_not_found(key, class));
            continue;
        };
        let prefix = format!("{key}.");
        let mut own = with_prefix(props, &prefix);
        own.insert("converter.type".into(), kind.into());
        let reports = def
            .validate(&own)
            .into_iter()
            .map(|mut r| {
                r.name = format!("{prefix}{}", r.name);
                r.errors = r
                    .errors
                    .into_iter()
                    .map(|e| {
                        e.replace(
                            &format!("configuration {}", &r.name[prefix.len()..]),
                            &format!("configuration {}", r.name),
                        )
                    })
                    .collect();
                r
            })
            .collect();
        let mut prefixed = ConfigDef::new();
        for k in def.keys() {
            let mut k = k.clone();
            k.name = format!("{prefix}{}", k.name);
            prefixed.add(k);
        }
        report.add(&prefixed, reports);
    }
    Ok(report.into_infos(class))
}
