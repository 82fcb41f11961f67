//! The Avro source phase (`--only avro`): Datagen's struct10 records (1 task) through
//! Confluent's AvroConverter, with a real Schema Registry (Apicurio Registry, as the tests
//! run it), beside the same workload through JsonConverter in the same run.

use crate::ceiling::Probe;
use crate::phases::{Pipeline, Setup};
use crate::versus::measure_source;
use crate::worker::{Engine, Worker};

/// Datagen into `topic` (one partition, created by the caller) with `value.converter` set by
/// `converter_lines`.
fn datagen(
    s: &Setup,
    probe: &Probe,
    topic: &str,
    converter_lines: &str,
    profile: &str,
) -> Result<Pipeline, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let n = s.records;
    let connector = format!(
        "name=bench-{profile}\nconnector.class=Datagen\ntasks.max=1\nkafka.topic={topic}\n\
         schema=struct10\nkey=none\nmax.records={n}\nseed={}\n",
        s.seed
    );
    let engine = Engine::Kconnect(s.binary.clone());
    let w = Worker::start_with_lines(
        s,
        &engine,
        dir.path(),
        &[("datagen.properties", connector)],
        converter_lines,
    )?;
    measure_source(
        s,
        w,
        probe,
        topic,
        1,
        i64::try_from(n).unwrap_or(i64::MAX),
        profile,
    )
}

/// The JSON and the Avro pipelines, one after the other.
pub fn run(
    s: &Setup,
    probe: &Probe,
    registry_url: &str,
    topics: (&str, &str),
) -> Result<(Pipeline, Pipeline), String> {
    let json = datagen(s, probe, topics.0, "", "datagen-json")?;
    let lines = format!(
        "value.converter=io.confluent.connect.avro.AvroConverter\nvalue.converter.schema.registry.url={registry_url}\n"
    );
    let avro = datagen(s, probe, topics.1, &lines, "datagen-avro")?;
    Ok((json, avro))
}
