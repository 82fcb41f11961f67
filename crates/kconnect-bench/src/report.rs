//! Figures of a run, their medians over runs, targets and the Java reference, as a table
//! and as JSON.

use serde::Serialize;
use serde_json::{json, Map, Value as Json};

use crate::ceiling::Measured;
use crate::phases::{Idle, Pipeline};
use crate::specs::{number, Target, SPECS};

/// The figures of one run, by key.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunFigures(Map<String, Json>);

impl RunFigures {
    fn set(&mut self, key: &str, value: f64) {
        if value.is_finite() {
            self.0.insert(key.to_string(), json!(round(value)));
        }
    }

    fn get(&self, key: &str) -> Option<f64> {
        self.0.get(key).and_then(Json::as_f64)
    }

    /// Sets one figure (rounded; ignored unless finite).
    pub fn set_figure(&mut self, key: &str, value: f64) {
        self.set(key, value);
    }

    /// One figure, if it was measured.
    pub fn figure(&self, key: &str) -> Option<f64> {
        self.get(key)
    }

    /// The keys of every figure.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    /// Adds the plain producer's figures (its median round) and the spread of its rounds.
    pub fn producer(&mut self, m: &Measured, records: usize, spread_pct: f64) {
        self.plain("ceiling.producer", m, records, spread_pct);
    }

    /// Adds the plain consumer's figures (its median round) and the spread of its rounds.
    pub fn consumer(&mut self, m: &Measured, records: usize, spread_pct: f64) {
        self.plain("ceiling.consumer", m, records, spread_pct);
    }

    fn plain(&mut self, prefix: &str, m: &Measured, records: usize, spread_pct: f64) {
        self.set(&format!("{prefix}.records_per_s"), m.records_per_s);
        self.set(&format!("{prefix}.spread_pct"), spread_pct);
        self.set(
            &format!("{prefix}.cpu_s_per_million"),
            m.cpu_s * 1e6 / records as f64,
        );
        self.set(
            &format!("{prefix}.broker_cores"),
            m.broker_cpu_s / m.elapsed_s.max(1e-9),
        );
        self.set(
            &format!("{prefix}.others_cores"),
            m.others_cpu_s / m.elapsed_s.max(1e-9),
        );
    }

    /// Adds a pipeline's figures; `ceiling` is the matching plain client's rate.
    pub fn pipeline(&mut self, prefix: &str, p: &Pipeline, ceiling: Option<f64>, records: usize) {
        self.set(&format!("{prefix}.records_per_s"), p.records_per_s);
        if let Some(c) = ceiling {
            self.set(&format!("{prefix}.ratio_pct"), 100.0 * p.records_per_s / c);
        }
        self.set(
            &format!("{prefix}.cpu_s_per_million"),
            p.cpu_s * 1e6 / records as f64,
        );
        self.set(&format!("{prefix}.peak_rss_mib"), p.peak_rss_mib);
        self.set(&format!("{prefix}.first_record_ms"), p.first_record_ms);
        let wall = p.first_record_ms / 1000.0 + p.elapsed_s;
        self.set(
            &format!("{prefix}.broker_cores"),
            p.broker_cpu_s / wall.max(1e-9),
        );
        self.set(
            &format!("{prefix}.others_cores"),
            p.others_cpu_s / wall.max(1e-9),
        );
    }

    /// Adds the idle worker's figures.
    pub fn idle(&mut self, i: &Idle) {
        self.set("idle.rss_mib", i.rss_mib);
        self.set("idle.rest_ready_ms", i.rest_ready_ms);
    }

    /// The figures as JSON.
    pub fn to_json(&self) -> Json {
        Json::Object(self.0.clone())
    }
}

fn round(v: f64) -> f64 {
    if v.abs() >= 100.0 {
        v.round()
    } else {
        (v * 1000.0).round() / 1000.0
    }
}

/// The median of some values (mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() & 1 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// One row of the summary: a figure over all runs.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    key: &'static str,
    label: &'static str,
    median: f64,
    min: f64,
    max: f64,
    target: Option<String>,
    met: Option<bool>,
    java_reference: Option<f64>,
}

/// Medians, ranges and verdicts over all runs.
pub fn summarize(runs: &[RunFigures]) -> Vec<Row> {
    SPECS
        .iter()
        .filter_map(|s| {
            let values: Vec<f64> = runs.iter().filter_map(|r| r.get(s.key)).collect();
            let median = median(&values)?;
            Some(Row {
                key: s.key,
                label: s.label,
                median: round(median),
                min: values.iter().copied().fold(f64::INFINITY, f64::min),
                max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                target: s.target.map(Target::text),
                met: s.target.map(|t| t.met(median)),
                java_reference: s.java,
            })
        })
        .collect()
}

/// The summary as a text table.
pub fn table(rows: &[Row], runs: usize) -> String {
    let mut out = format!(
        "{:<50} {:>12} {:>21} {:>9} {:>5} {:>10}\n",
        format!("figure (median of {runs} runs)"),
        "median",
        "min .. max",
        "target",
        "met",
        "Java 2.5"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<50} {:>12} {:>21} {:>9} {:>5} {:>10}\n",
            r.label,
            number(r.median),
            format!("{} .. {}", number(r.min), number(r.max)),
            r.target.clone().unwrap_or_default(),
            r.met.map_or("", |m| if m { "yes" } else { "NO" }),
            r.java_reference.map(number).unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn summary_rows_follow_specs() {
        let mut a = RunFigures::default();
        a.idle(&Idle {
            rss_mib: 10.0,
            rest_ready_ms: 20.0,
        });
        let mut b = RunFigures::default();
        b.idle(&Idle {
            rss_mib: 30.0,
            rest_ready_ms: 40.0,
        });
        let rows = summarize(&[a, b.clone(), b]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].key, "idle.rss_mib");
        assert_eq!(rows[0].median, 30.0);
        assert_eq!((rows[0].min, rows[0].max), (10.0, 30.0));
        assert_eq!(rows[0].met, Some(false));
        let text = table(&rows, 3);
        assert!(text.contains("idle worker, RSS MiB"), "{text}");
        assert!(text.contains("NO"), "{text}");
    }
}
