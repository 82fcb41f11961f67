//! The connector's configuration keys and their parsed form.

use kconnect_api::config::{ConfigKey, ConfigType, Importance, TypedValue, Validator};
use kconnect_api::{ConfigDef, ConfigError, ConfigMap};

use crate::shape::{ShapeKind, STRUCT10_FIELDS};

/// Destination topic of every record (required).
pub const TOPIC_CONFIG: &str = "kafka.topic";
/// Record shape: `struct10` or `string`.
pub const SCHEMA_CONFIG: &str = "schema";
/// Record key: `none`, `sequence`, or (for `struct10`) the name of a field.
pub const KEY_CONFIG: &str = "key";
/// Records to generate over all tasks; `-1` for no limit.
pub const MAX_RECORDS_CONFIG: &str = "max.records";
/// Records per second over all tasks; `-1` for as fast as possible.
pub const RATE_CONFIG: &str = "records.per.second";
/// Seed of the generated data: the same seed gives the same records.
pub const SEED_CONFIG: &str = "seed";
/// Largest number of records one `poll` returns.
pub const BATCH_SIZE_CONFIG: &str = "batch.size";
/// Characters per value of the `string` schema.
pub const STRING_LENGTH_CONFIG: &str = "string.length";
/// Set by the connector in task configurations: the task's number.
pub const TASK_ID_CONFIG: &str = "datagen.task.id";
/// Set by the connector in task configurations: how many tasks share the work.
pub const TASK_COUNT_CONFIG: &str = "datagen.task.count";

/// Default of [`BATCH_SIZE_CONFIG`].
pub const DEFAULT_BATCH_SIZE: i32 = 1000;
/// Default of [`STRING_LENGTH_CONFIG`].
pub const DEFAULT_STRING_LENGTH: i32 = 64;

/// What a record's key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChoice {
    /// No key (null, no schema).
    None,
    /// The record's sequence number, an `int64`.
    Sequence,
    /// The value of this `struct10` field, with the field's schema.
    Field(String),
}

/// A parsed connector or task configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct DatagenConfig {
    /// Destination topic.
    pub topic: String,
    /// Record shape.
    pub shape: ShapeKind,
    /// Record key.
    pub key: KeyChoice,
    /// Records over all tasks; `None`: unlimited.
    pub max_records: Option<u64>,
    /// Records per second over all tasks; `None`: unlimited.
    pub records_per_second: Option<f64>,
    /// Data seed.
    pub seed: u64,
    /// Records per poll (at least 1).
    pub batch_size: usize,
    /// This task's number (0 for the connector itself).
    pub task_id: u64,
    /// Number of tasks (1 for the connector itself).
    pub task_count: u64,
}

fn minus_one_or_positive(value: &TypedValue) -> Result<(), String> {
    match value.as_f64() {
        Some(v) if v == -1.0 || v > 0.0 => Ok(()),
        _ => Err("Value must be -1 (unlimited) or positive".into()),
    }
}

/// The connector's configuration keys.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(TOPIC_CONFIG, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc("Topic that receives the generated records."),
        )
        .define(
            ConfigKey::new(SCHEMA_CONFIG, ConfigType::String)
                .default_value("struct10")
                .validator(Validator::one_of_ignore_case(&["struct10", "string"]))
                .importance(Importance::High)
                .doc("Shape of the records: 'struct10' (a struct of ten fields of mixed types) or 'string' (a flat string of string.length characters)."),
        )
        .define(
            ConfigKey::new(KEY_CONFIG, ConfigType::String)
                .default_value("none")
                .importance(Importance::Medium)
                .doc("Record key: 'none', 'sequence' (the record's number, an int64), or for struct10 the name of a field whose value becomes the key."),
        )
        .define(
            ConfigKey::new(MAX_RECORDS_CONFIG, ConfigType::Long)
                .default_value("-1")
                .validator(Validator::custom(|v| match v.as_f64() {
                    Some(n) if n >= -1.0 => Ok(()),
                    _ => Err("Value must be -1 (unlimited) or at least 0".into()),
                }))
                .importance(Importance::Medium)
                .doc("Records to generate over all tasks, after which the tasks idle; -1 for no limit."),
        )
        .define(
            ConfigKey::new(RATE_CONFIG, ConfigType::Double)
                .default_value("-1")
                .validator(Validator::custom(minus_one_or_positive))
                .importance(Importance::Medium)
                .doc("Records per second over all tasks; -1 to generate as fast as records are accepted."),
        )
        .define(
            ConfigKey::new(SEED_CONFIG, ConfigType::Long)
                .default_value("0")
                .importance(Importance::Low)
                .doc("Seed of the generated data: the same seed (and schema) gives the same records, in every run."),
        )
        .define(
            ConfigKey::new(BATCH_SIZE_CONFIG, ConfigType::Int)
                .default_value(DEFAULT_BATCH_SIZE.to_string())
                .validator(Validator::at_least(1.0))
                .importance(Importance::Low)
                .doc("Largest number of records a task returns from a single poll."),
        )
        .define(
            ConfigKey::new(STRING_LENGTH_CONFIG, ConfigType::Int)
                .default_value(DEFAULT_STRING_LENGTH.to_string())
                .validator(Validator::between(1.0, 1_048_576.0))
                .importance(Importance::Low)
                .doc("Characters per value of the 'string' schema."),
        )
}

fn key_choice(raw: &str, shape: ShapeKind) -> Result<KeyChoice, ConfigError> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("none") || raw.is_empty() {
        return Ok(KeyChoice::None);
    }
    if raw.eq_ignore_ascii_case("sequence") {
        return Ok(KeyChoice::Sequence);
    }
    match shape {
        ShapeKind::Struct10 if STRUCT10_FIELDS.contains(&raw) => Ok(KeyChoice::Field(raw.into())),
        ShapeKind::Struct10 => Err(ConfigError::invalid(
            KEY_CONFIG,
            raw,
            format!(
                "Must be 'none', 'sequence' or a field of struct10: {}",
                STRUCT10_FIELDS.join(", ")
            ),
        )),
        ShapeKind::String { .. } => Err(ConfigError::invalid(
            KEY_CONFIG,
            raw,
            "Must be 'none' or 'sequence' for the string schema",
        )),
    }
}

fn internal_number(props: &ConfigMap, key: &str, default: u64) -> Result<u64, ConfigError> {
    match props.get(key) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| ConfigError::invalid(key, raw, "Not a non-negative integer")),
    }
}

impl DatagenConfig {
    /// Parses a connector or task configuration; errors name the key and the reason.
    pub fn parse(props: &ConfigMap) -> Result<Self, ConfigError> {
        let parsed = config_def().parse(props)?;
        let topic = parsed
            .string(TOPIC_CONFIG)
            .ok_or_else(|| ConfigError::missing(TOPIC_CONFIG))?
            .trim()
            .to_string();
        let shape = match parsed.string(SCHEMA_CONFIG).map(str::to_ascii_lowercase) {
            Some(s) if s == "string" => {
                let length = parsed
                    .int(STRING_LENGTH_CONFIG)
                    .unwrap_or(DEFAULT_STRING_LENGTH);
                ShapeKind::String {
                    length: usize::try_from(length).unwrap_or(1).max(1),
                }
            }
            _ => ShapeKind::Struct10,
        };
        let key = key_choice(parsed.string(KEY_CONFIG).unwrap_or("none"), shape)?;
        let max_records = parsed
            .long(MAX_RECORDS_CONFIG)
            .and_then(|n| u64::try_from(n).ok());
        let records_per_second = parsed.double(RATE_CONFIG).filter(|r| *r > 0.0);
        let seed = parsed.long(SEED_CONFIG).unwrap_or(0) as u64;
        let batch_size = parsed
            .int(BATCH_SIZE_CONFIG)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(1)
            .max(1);
        let task_count = internal_number(props, TASK_COUNT_CONFIG, 1)?.max(1);
        let task_id = internal_number(props, TASK_ID_CONFIG, 0)?;
        if task_id >= task_count {
            return Err(ConfigError::invalid(
                TASK_ID_CONFIG,
                task_id.to_string(),
                format!("Must be less than {TASK_COUNT_CONFIG} ({task_count})"),
            ));
        }
        Ok(Self {
            topic,
            shape,
            key,
            max_records,
            records_per_second,
            seed,
            batch_size,
            task_id,
            task_count,
        })
    }

    /// How many records this task generates in all (`None`: unlimited). Task `t` of `n`
    /// generates the sequence numbers `t, t + n, t + 2n, ...` below `max.records`.
    pub fn task_records(&self) -> Option<u64> {
        self.max_records
            .map(|max| max.saturating_sub(self.task_id).div_ceil(self.task_count))
    }

    /// This task's share of `records.per.second`.
    pub fn task_rate(&self) -> Option<f64> {
        self.records_per_second.map(|r| r / self.task_count as f64)
    }

    /// The sequence number of this task's `iteration`-th record.
    pub fn sequence(&self, iteration: u64) -> u64 {
        iteration
            .wrapping_mul(self.task_count)
            .wrapping_add(self.task_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn defaults() {
        let c = DatagenConfig::parse(&config_map(&[("kafka.topic", "t")])).unwrap();
        assert_eq!(c.topic, "t");
        assert_eq!(c.shape, ShapeKind::Struct10);
        assert_eq!(c.key, KeyChoice::None);
        assert_eq!(c.max_records, None);
        assert_eq!(c.records_per_second, None);
        assert_eq!(c.seed, 0);
        assert_eq!(c.batch_size, 1000);
        assert_eq!((c.task_id, c.task_count), (0, 1));
        assert_eq!(c.task_records(), None);
    }

    #[test]
    fn every_key_parses() {
        let c = DatagenConfig::parse(&config_map(&[
            ("kafka.topic", "t"),
            ("schema", "STRING"),
            ("string.length", "12"),
            ("key", "sequence"),
            ("max.records", "10"),
            ("records.per.second", "2.5"),
            ("seed", "-7"),
            ("batch.size", "3"),
        ]))
        .unwrap();
        assert_eq!(c.shape, ShapeKind::String { length: 12 });
        assert_eq!(c.key, KeyChoice::Sequence);
        assert_eq!(c.max_records, Some(10));
        assert_eq!(c.records_per_second, Some(2.5));
        assert_eq!(c.seed, (-7i64) as u64);
        assert_eq!(c.batch_size, 3);
    }

    #[test]
    fn field_keys_need_struct10() {
        let c =
            DatagenConfig::parse(&config_map(&[("kafka.topic", "t"), ("key", "email")])).unwrap();
        assert_eq!(c.key, KeyChoice::Field("email".into()));
        let err = DatagenConfig::parse(&config_map(&[("kafka.topic", "t"), ("key", "nope")]))
            .unwrap_err();
        assert_eq!(err.key.as_deref(), Some("key"));
        let err = DatagenConfig::parse(&config_map(&[
            ("kafka.topic", "t"),
            ("schema", "string"),
            ("key", "email"),
        ]))
        .unwrap_err();
        assert!(err.reason.contains("string schema"), "{err}");
    }

    #[test]
    fn bad_values_are_rejected() {
        for (key, value) in [
            ("records.per.second", "0"),
            ("records.per.second", "-2"),
            ("max.records", "-2"),
            ("batch.size", "0"),
            ("schema", "avro"),
            ("string.length", "0"),
        ] {
            let err = DatagenConfig::parse(&config_map(&[("kafka.topic", "t"), (key, value)]))
                .unwrap_err();
            assert_eq!(err.key.as_deref(), Some(key), "{key}={value}: {err}");
        }
        let err = DatagenConfig::parse(&config_map(&[])).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("kafka.topic"));
        let err = DatagenConfig::parse(&config_map(&[
            ("kafka.topic", "t"),
            (TASK_ID_CONFIG, "2"),
            (TASK_COUNT_CONFIG, "2"),
        ]))
        .unwrap_err();
        assert_eq!(err.key.as_deref(), Some(TASK_ID_CONFIG));
    }

    #[test]
    fn tasks_split_records_and_rate() {
        let task = |id: u64| {
            DatagenConfig::parse(&config_map(&[
                ("kafka.topic", "t"),
                ("max.records", "10"),
                ("records.per.second", "90"),
                (TASK_ID_CONFIG, &id.to_string()),
                (TASK_COUNT_CONFIG, "3"),
            ]))
            .unwrap()
        };
        let counts: Vec<u64> = (0..3).map(|t| task(t).task_records().unwrap()).collect();
        assert_eq!(counts, [4, 3, 3]);
        let mut all: Vec<u64> = (0..3)
            .flat_map(|t| {
                let c = task(t);
                (0..c.task_records().unwrap()).map(move |i| c.sequence(i))
            })
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(task(1).task_rate(), Some(30.0));
    }
}
