//! Every figure the benchmark reports: its key, its label, its target and the Java
//! reference figure from issue 8.

use serde::Serialize;

/// A goal a figure should meet.
#[derive(Debug, Clone, Copy, Serialize)]
pub enum Target {
    /// At least this much.
    AtLeast(f64),
    /// Below this.
    Below(f64),
}

impl Target {
    /// Whether `value` meets the goal.
    pub fn met(self, value: f64) -> bool {
        match self {
            Self::AtLeast(t) => value >= t,
            Self::Below(t) => value < t,
        }
    }

    /// The goal as text (`>= 90.0`).
    pub fn text(self) -> String {
        match self {
            Self::AtLeast(t) => format!(">= {}", number(t)),
            Self::Below(t) => format!("< {}", number(t)),
        }
    }
}

/// What one figure is.
pub struct Spec {
    /// JSON key.
    pub key: &'static str,
    /// Table label.
    pub label: &'static str,
    /// The goal, if any.
    pub target: Option<Target>,
    /// Kafka Connect 2.5 (Java) on this kind of machine, from issue 8.
    pub java: Option<f64>,
}

const fn spec(
    key: &'static str,
    label: &'static str,
    target: Option<Target>,
    java: Option<f64>,
) -> Spec {
    Spec {
        key,
        label,
        target,
        java,
    }
}

/// Every figure, in table order.
pub const SPECS: &[Spec] = &[
    spec(
        "ceiling.producer.records_per_s",
        "plain producer, records/s",
        None,
        None,
    ),
    spec(
        "ceiling.producer.spread_pct",
        "plain producer, spread of the rounds, %",
        None,
        None,
    ),
    spec(
        "ceiling.producer.cpu_s_per_million",
        "plain producer, CPU s per 1M records",
        None,
        None,
    ),
    spec(
        "ceiling.producer.broker_cores",
        "plain producer, broker CPU cores busy",
        None,
        None,
    ),
    spec(
        "ceiling.producer.others_cores",
        "plain producer, other processes' CPU cores busy",
        None,
        None,
    ),
    spec(
        "ceiling.consumer.records_per_s",
        "plain consumer, records/s",
        None,
        None,
    ),
    spec(
        "ceiling.consumer.spread_pct",
        "plain consumer, spread of the rounds, %",
        None,
        None,
    ),
    spec(
        "ceiling.consumer.cpu_s_per_million",
        "plain consumer, CPU s per 1M records",
        None,
        None,
    ),
    spec(
        "ceiling.consumer.broker_cores",
        "plain consumer, broker CPU cores busy",
        None,
        None,
    ),
    spec(
        "ceiling.consumer.others_cores",
        "plain consumer, other processes' CPU cores busy",
        None,
        None,
    ),
    spec(
        "source.records_per_s",
        "source, records/s",
        None,
        Some(64_000.0),
    ),
    spec(
        "source.ratio_pct",
        "source, % of producer ceiling",
        Some(Target::AtLeast(90.0)),
        None,
    ),
    spec(
        "source.cpu_s_per_million",
        "source, CPU s per 1M records (= us/rec)",
        Some(Target::Below(3.0)),
        Some(30.0),
    ),
    spec(
        "source.peak_rss_mib",
        "source, peak RSS MiB",
        Some(Target::Below(50.0)),
        Some(900.0),
    ),
    spec(
        "source.first_record_ms",
        "source, ms from start to first record",
        Some(Target::Below(300.0)),
        Some(3200.0),
    ),
    spec(
        "source.broker_cores",
        "source, broker CPU cores busy",
        None,
        None,
    ),
    spec(
        "source.others_cores",
        "source, other processes' CPU cores busy",
        None,
        None,
    ),
    spec(
        "sink.records_per_s",
        "sink, records/s",
        None,
        Some(24_000.0),
    ),
    spec(
        "sink.ratio_pct",
        "sink, % of consumer ceiling",
        Some(Target::AtLeast(90.0)),
        None,
    ),
    spec(
        "sink.cpu_s_per_million",
        "sink, CPU s per 1M records (= us/rec)",
        Some(Target::Below(3.0)),
        Some(20.0),
    ),
    spec(
        "sink.peak_rss_mib",
        "sink, peak RSS MiB",
        Some(Target::Below(50.0)),
        Some(360.0),
    ),
    spec(
        "sink.first_record_ms",
        "sink, ms from start to first line",
        None,
        None,
    ),
    spec(
        "sink.broker_cores",
        "sink, broker CPU cores busy",
        None,
        None,
    ),
    spec(
        "sink.others_cores",
        "sink, other processes' CPU cores busy",
        None,
        None,
    ),
    spec(
        "idle.rss_mib",
        "idle worker, RSS MiB",
        Some(Target::Below(20.0)),
        None,
    ),
    spec(
        "idle.rest_ready_ms",
        "idle worker, ms from start to REST ready",
        None,
        None,
    ),
    spec(
        "avro.json_source.records_per_s",
        "Datagen with JsonConverter, records/s",
        None,
        None,
    ),
    spec(
        "avro.avro_source.records_per_s",
        "Datagen with AvroConverter, records/s",
        None,
        None,
    ),
    spec(
        "avro.avro_vs_json_pct",
        "Datagen with AvroConverter, % of JsonConverter",
        Some(Target::AtLeast(80.0)),
        None,
    ),
    spec(
        "avro.json_source.cpu_s_per_million",
        "Datagen with JsonConverter, CPU s per 1M records",
        None,
        None,
    ),
    spec(
        "avro.avro_source.cpu_s_per_million",
        "Datagen with AvroConverter, CPU s per 1M records",
        None,
        None,
    ),
];

/// A figure as the table shows it: no decimals from 100 on, one from 10, two below.
pub fn number(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
