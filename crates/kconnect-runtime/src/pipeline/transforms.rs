//! The transformation chain of a connector: `transforms=a,b` with `transforms.a.type`,
//! optional `transforms.a.predicate` / `.negate`, and `predicates.p.type` (kafka-connect-spec.md §3.2).

use kconnect_api::config::with_prefix;
use kconnect_api::plugin::{PluginType, Predicate, Transformation};
use kconnect_api::{ConfigError, ConfigMap, ConnectError, ConnectRecord};

use super::converters::canonical_class;
use super::errors::{Failure, Stage as ErrorStage};
use super::retry::RetryWithTolerance;
use crate::config::keys::{PREDICATES, TRANSFORMS};
use crate::plugins::Registry;

struct Stage {
    class: String,
    transformation: Box<dyn Transformation>,
    predicate: Option<Box<dyn Predicate>>,
    negate: bool,
}

/// A failure inside the chain: the error and the class of the transformation that raised it.
#[derive(Debug)]
pub struct TransformFailure {
    /// What went wrong.
    pub error: ConnectError,
    /// Java class name of the failing transformation.
    pub class: String,
}

/// The configured transformations of a connector, applied in order.
#[derive(Default)]
pub struct TransformChain {
    stages: Vec<Stage>,
}

fn list(props: &ConfigMap, key: &str) -> Vec<String> {
    props
        .get(key)
        .map(|v| {
            kconnect_api::config::TypedValue::parse(key, v, kconnect_api::config::ConfigType::List)
        })
        .and_then(Result::ok)
        .map_or_else(Vec::new, |v| match v {
            kconnect_api::config::TypedValue::List(l) => {
                l.into_iter().filter(|s| !s.is_empty()).collect()
            }
            _ => Vec::new(),
        })
}

fn configure_error(prefix: &str, err: ConnectError) -> ConfigError {
    match err {
        ConnectError::Config(e) if e.key.is_some() => e.prefixed(prefix),
        ConnectError::Config(e) => ConfigError::general(format!("{prefix}: {}", e.reason)),
        other => ConfigError::general(format!("{prefix}: {other}")),
    }
}

impl TransformChain {
    /// Builds the chain from a connector configuration; every problem names its key.
    pub fn build(registry: &Registry, props: &ConfigMap) -> Result<Self, ConfigError> {
        let aliases = list(props, TRANSFORMS);
        let predicate_aliases = list(props, PREDICATES);
        let mut seen = Vec::new();
        let mut stages = Vec::new();
        for alias in aliases {
            if seen.contains(&alias) {
                return Err(ConfigError::invalid(
                    TRANSFORMS,
                    props[TRANSFORMS].clone(),
                    format!("Duplicate alias provided: {alias}"),
                ));
            }
            seen.push(alias.clone());
            let prefix = format!("{TRANSFORMS}.{alias}.");
            let type_key = format!("{prefix}type");
            let class = props
                .get(&type_key)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ConfigError::missing(&type_key))?;
            let mut transformation = registry.transformation(&class).ok_or_else(|| {
                ConfigError::invalid(
                    &type_key,
                    &class,
                    "Class could not be found: no such transformation is built into kconnect",
                )
            })?;
            let mut own = with_prefix(props, &prefix);
            own.remove("type");
            let predicate_alias = own.remove("predicate").filter(|s| !s.trim().is_empty());
            let negate_raw = own.remove("negate");
            transformation
                .configure(&own)
                .map_err(|e| configure_error(&prefix, e))?;
            let negate = match negate_raw.as_deref().map(str::trim) {
                None => false,
                Some(v) if v.eq_ignore_ascii_case("true") => true,
                Some(v) if v.eq_ignore_ascii_case("false") => false,
                Some(v) => {
                    return Err(ConfigError::invalid(
                        format!("{prefix}negate"),
                        v,
                        "Expected value to be either true or false",
                    ))
                }
            };
            if negate_raw.is_some() && predicate_alias.is_none() && negate {
                return Err(ConfigError::invalid(
                    format!("{prefix}negate"),
                    "true",
                    "negate can only be used together with a predicate",
                ));
            }
            let predicate = match predicate_alias {
                None => None,
                Some(p) => {
                    let p = p.trim().to_string();
                    if !predicate_aliases.contains(&p) {
                        return Err(ConfigError::invalid(
                            format!("{prefix}predicate"),
                            &p,
                            "Predicate alias is not listed in 'predicates'",
                        ));
                    }
                    let pprefix = format!("{PREDICATES}.{p}.");
                    let ptype = format!("{pprefix}type");
                    let pclass = props
                        .get(&ptype)
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| ConfigError::missing(&ptype))?;
                    let mut predicate = registry.predicate(&pclass).ok_or_else(|| {
                        ConfigError::invalid(
                            &ptype,
                            &pclass,
                            "Class could not be found: no such predicate is built into kconnect",
                        )
                    })?;
                    let mut pown = with_prefix(props, &pprefix);
                    pown.remove("type");
                    predicate
                        .configure(&pown)
                        .map_err(|e| configure_error(&pprefix, e))?;
                    Some(predicate)
                }
            };
            stages.push(Stage {
                class: canonical_class(registry, PluginType::Transformation, &class),
                transformation,
                predicate,
                negate,
            });
        }
        Ok(Self { stages })
    }

    /// Whether the chain is empty.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Applies the chain under the error policy of `operator` (kafka-connect-spec.md §9): each
    /// transformation is retried on retriable errors, and a failure names the transformation's
    /// class. `Ok(None)` when a transformation dropped the record.
    pub async fn apply_with(
        &mut self,
        operator: &RetryWithTolerance,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, Failure> {
        // Without retries an operation runs once, so the record need not be copied.
        let retries = operator.policy().retry_timeout_ms != Some(0);
        for stage in &mut self.stages {
            let applies = match stage.predicate.as_mut() {
                None => true,
                Some(p) => p.test(&record) != stage.negate,
            };
            if !applies {
                continue;
            }
            let transformation = &mut stage.transformation;
            let mut input = Some(record);
            let result = operator
                .execute(ErrorStage::Transformation, &stage.class, || {
                    let r = if retries { input.clone() } else { input.take() };
                    match r {
                        Some(r) => transformation.apply(r),
                        None => Err(ConnectError::other("record already consumed")),
                    }
                })
                .await?;
            match result {
                Some(next) => record = next,
                None => return Ok(None),
            }
        }
        Ok(Some(record))
    }

    /// Applies the chain; `Ok(None)` when a transformation dropped the record.
    pub fn apply(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, TransformFailure> {
        for stage in &mut self.stages {
            let applies = match stage.predicate.as_mut() {
                None => true,
                Some(p) => p.test(&record) != stage.negate,
            };
            if !applies {
                continue;
            }
            match stage.transformation.apply(record) {
                Ok(Some(next)) => record = next,
                Ok(None) => return Ok(None),
                Err(error) => {
                    return Err(TransformFailure {
                        error,
                        class: stage.class.clone(),
                    })
                }
            }
        }
        Ok(Some(record))
    }
}
