//! `kconnect-bench`: kconnect side by side with plain Kafka clients on one local broker.
//!
//! Each run starts a fresh Apache Kafka broker (the testkit's single KRaft node) and measures, for the same records (Datagen's
//! `struct10` as JsonConverter with `schemas.enable=true` writes them):
//!
//! 1. the ceiling: a plain librdkafka producer sending the pre-serialized bytes, and a plain
//!    consumer reading them back, with the client settings kconnect derives;
//! 2. `kconnect standalone` running Datagen (one task) into a topic;
//! 3. `kconnect standalone` running FileStreamSink (one task) from the ceiling topic;
//! 4. an idle `kconnect standalone` worker.
//!
//! With `--java`, each run then measures Java Kafka Connect (`scripts/java-connect/version`)
//! and kconnect one after the other on the same broker, on the same workloads (see
//! [`versus`]), and a second table shows both and their ratio.
//!
//! It prints a table of medians over the runs and writes every figure as JSON. It is a
//! benchmark, not a test: nothing fails on a slow figure.

mod avro;
mod ceiling;
mod cluster;
mod payload;
mod phases;
mod proc_stats;
mod report;
mod specs;
mod versus;
mod worker;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use kconnect_testkit::Broker;
use serde_json::json;

use crate::ceiling::Probe;
use crate::phases::{Setup, CEILING_TOPIC};
use crate::report::RunFigures;

/// kconnect side by side with plain Kafka clients on one local broker.
#[derive(Parser)]
#[command(name = "kconnect-bench", version, about)]
struct Args {
    /// Records per measurement.
    #[arg(long, default_value_t = 1_000_000)]
    records: usize,
    /// Runs; the table shows medians.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Rounds of each plain client per run (each on the same records): the run's ceiling is
    /// their median, and their spread is reported.
    #[arg(long, default_value_t = 3)]
    ceiling_rounds: usize,
    /// Skip the broker's warm-up: by default every run first sends the records once to a
    /// topic of their own, unmeasured, so that the broker's JIT compiler has done its work
    /// before anything is measured (the first rounds were otherwise up to 2x slower).
    #[arg(long)]
    skip_warmup: bool,
    /// Where to write the figures as JSON.
    #[arg(long, default_value = "target/bench-results.json")]
    json: PathBuf,
    /// Datagen seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The kconnect binary (default: next to this one).
    #[arg(long)]
    kconnect: Option<PathBuf>,
    /// Phases to run, comma-separated: idle, ceiling, source, sink; `avro` (not run by
    /// default: Datagen through JsonConverter and through AvroConverter with a real Schema
    /// Registry, one after the other); `versus` (the workloads
    /// compared with Java, with `--java`); `cluster` (not run by default: three distributed
    /// workers, `--cluster-connectors` connectors of two tasks, one worker killed, with each
    /// implementation's default `scheduled.rebalance.max.delay.ms` and with 0; on both
    /// implementations with `--java`, where Java's default delay alone takes five minutes).
    #[arg(
        long,
        default_value = "idle,ceiling,source,sink,versus",
        value_delimiter = ','
    )]
    only: Vec<String>,
    /// Also measure Java Kafka Connect on the same workloads (SchemaSourceConnector with one
    /// and four tasks, FileStreamSink, an idle worker), each implementation after the other
    /// on the same broker (needs `scripts/setup`'s Java Connect jars).
    #[arg(long)]
    java: bool,
    /// Connectors in the distributed workload (phase `cluster`).
    #[arg(long, default_value_t = 50)]
    cluster_connectors: usize,
    /// Write `perf record` profiles of the worker processes into this directory.
    #[arg(long)]
    perf_dir: Option<PathBuf>,
    /// Sampling frequency of `perf record` (Hz); more samples give steadier shares.
    #[arg(long, default_value_t = 499)]
    perf_freq: u32,
    /// `perf record --call-graph` mode, e.g. `dwarf,16384` (call stacks, heavier) or `none`
    /// (flat profile, light enough to sample often).
    #[arg(long, default_value = "dwarf,16384")]
    perf_call_graph: String,
    /// `consumer.fetch.wait.max.ms` for the sink and the plain consumer alike (default: the
    /// clients' defaults, as users run them).
    #[arg(long)]
    fetch_wait_ms: Option<u32>,
    /// An extra worker setting (repeatable), e.g. `consumer.fetch.wait.max.ms=10`;
    /// `producer.*` and `consumer.*` settings apply to the plain clients too.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kconnect-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The topic the distributed workload's connectors write to.
const CLUSTER_TOPIC: &str = "bench-cluster";

fn wants(args: &Args, phase: &str) -> bool {
    args.only.iter().any(|p| p.trim() == phase)
}

fn run(args: &Args) -> Result<(), String> {
    if args.records < 2 || args.runs == 0 || args.ceiling_rounds == 0 {
        return Err("--records must be at least 2, --runs and --ceiling-rounds at least 1".into());
    }
    let binary = worker::find_binary(args.kconnect.clone())?;
    let engines = if args.java {
        let classpath =
            std::panic::catch_unwind(kconnect_testkit::kafka_dist::java_connect_classpath)
                .map_err(|_| "Java Kafka Connect's jars are not installed: run scripts/setup")?;
        vec![
            worker::Engine::Kconnect(binary.clone()),
            worker::Engine::Java { classpath },
        ]
    } else {
        Vec::new()
    };
    let mut extra = BTreeMap::new();
    if let Some(wait) = args.fetch_wait_ms {
        extra.insert("consumer.fetch.wait.max.ms".to_string(), wait.to_string());
    }
    extra.extend(parse_settings(&args.settings)?);
    let machine = proc_stats::Machine::describe();
    let load_before = proc_stats::load_average();
    eprintln!("preparing {} records...", args.records);
    let payloads = payload::Payloads::generate(args.records, args.seed)?;
    eprintln!(
        "{} records, {:.0} bytes each on average; machine: {} x {}",
        payloads.len(),
        payloads.mean_size(),
        machine.cpus,
        machine.cpu
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut runs = Vec::new();
    for run in 1..=args.runs {
        eprintln!("run {run}/{}: starting a broker", args.runs);
        let broker = Broker::start();
        let setup = Setup {
            binary: binary.clone(),
            bootstrap: broker.bootstrap(),
            broker_pid: broker.pid().to_string(),
            records: args.records,
            seed: args.seed,
            perf_dir: args.perf_dir.clone(),
            perf_freq: args.perf_freq,
            perf_call_graph: args.perf_call_graph.clone(),
            run,
            extra: extra.clone(),
        };
        let mut figures = RunFigures::default();
        let probe = Probe::new(&setup.bootstrap)?;
        if wants(args, "idle") {
            let idle = phases::idle(&setup, &worker::Engine::Kconnect(binary.clone()))?;
            eprintln!("  idle worker: {idle:?}");
            figures.idle(&idle);
        }
        if !args.skip_warmup {
            let warmup = "bench-warmup";
            runtime.block_on(broker.create_topic(warmup, 1));
            let m = ceiling::produce(&setup, warmup, &payloads)?;
            eprintln!("  broker warm-up (not counted): {m:?}");
        }
        let mut producer_rate = None;
        let mut consumer_rate = None;
        let versus = args.java && wants(args, "versus");
        if wants(args, "ceiling") || wants(args, "sink") || versus {
            // The sink reads the first round's topic; later rounds write topics of their own.
            let rounds = if wants(args, "ceiling") {
                args.ceiling_rounds
            } else {
                1
            };
            let mut produced = Vec::new();
            for round in 0..rounds {
                let topic = ceiling::round_topic(round);
                runtime.block_on(broker.create_topic(&topic, 1));
                let m = ceiling::produce(&setup, &topic, &payloads)?;
                eprintln!("  plain producer, round {}: {m:?}", round + 1);
                produced.push(m);
            }
            let (median, spread) = ceiling::median_round(&produced);
            figures.producer(&median, args.records, spread);
            producer_rate = Some(median.records_per_s);
        }
        if wants(args, "ceiling") {
            let mut consumed = Vec::new();
            for round in 0..args.ceiling_rounds {
                let m = ceiling::consume(&setup, CEILING_TOPIC, round)?;
                eprintln!("  plain consumer, round {}: {m:?}", round + 1);
                consumed.push(m);
            }
            let (median, spread) = ceiling::median_round(&consumed);
            figures.consumer(&median, args.records, spread);
            consumer_rate = Some(median.records_per_s);
        }
        if wants(args, "source") {
            let source = phases::source(&setup, &payloads, &probe)?;
            eprintln!("  kconnect source: {source:?}");
            figures.pipeline("source", &source, producer_rate, args.records);
        }
        if wants(args, "sink") {
            let sink = phases::sink(&setup, &worker::Engine::Kconnect(binary.clone()), &payloads)?;
            eprintln!("  kconnect sink: {sink:?}");
            figures.pipeline("sink", &sink, consumer_rate, args.records);
        }
        for engine in engines.iter().filter(|_| versus) {
            let idle = phases::idle(&setup, engine)?;
            eprintln!("  {} idle worker: {idle:?}", engine.name());
            versus::idle(&mut figures, engine, &idle);
            for tasks in [1, 4] {
                let topic = format!("{}-{}", versus::schema_topic(tasks), engine.name());
                runtime.block_on(broker.create_topic(&topic, tasks as i32));
                let p = versus::schema_source(&setup, engine, tasks, &probe)?;
                eprintln!("  {} SchemaSource, {tasks} task(s): {p:?}", engine.name());
                figures.pipeline(
                    &versus::key(&format!("schema{tasks}"), engine),
                    &p,
                    None,
                    args.records,
                );
            }
            let p = phases::sink(&setup, engine, &payloads)?;
            eprintln!("  {} FileStreamSink: {p:?}", engine.name());
            figures.pipeline(
                &versus::key("sink", engine),
                &p,
                consumer_rate,
                args.records,
            );
        }
        if wants(args, "avro") {
            let registry = kconnect_testkit::SchemaRegistry::start();
            let topics = ("bench-datagen-json", "bench-datagen-avro");
            runtime.block_on(broker.create_topic(topics.0, 1));
            runtime.block_on(broker.create_topic(topics.1, 1));
            let (json, avro) = avro::run(&setup, &probe, &registry.url(), topics)?;
            eprintln!("  Datagen with JsonConverter: {json:?}");
            eprintln!("  Datagen with AvroConverter: {avro:?}");
            figures.pipeline("avro.json_source", &json, None, args.records);
            figures.pipeline("avro.avro_source", &avro, None, args.records);
            figures.set_figure(
                "avro.avro_vs_json_pct",
                100.0 * avro.records_per_s / json.records_per_s,
            );
        }
        if wants(args, "cluster") {
            let kconnect_only = [worker::Engine::Kconnect(binary.clone())];
            let cluster_engines = if engines.is_empty() {
                &kconnect_only[..]
            } else {
                &engines[..]
            };
            runtime.block_on(broker.create_topic(CLUSTER_TOPIC, 2));
            for engine in cluster_engines {
                for delay in [None, Some(0)] {
                    let c = cluster::run(
                        &setup,
                        engine,
                        args.cluster_connectors,
                        delay,
                        CLUSTER_TOPIC,
                    )?;
                    eprintln!(
                        "  {} cluster, scheduled.rebalance.max.delay.ms={}: {c:?}",
                        engine.name(),
                        delay.map_or("default".to_string(), |d| d.to_string())
                    );
                    versus::cluster(&mut figures, engine, delay, &c);
                }
            }
        }
        runs.push(figures);
        drop(broker);
    }
    let rows = report::summarize(&runs);
    let load_after = proc_stats::load_average();
    println!(
        "machine: {} x {}, {:.0} MiB, Linux {}; load average (1 min) {load_before:.2} before, {load_after:.2} after",
        machine.cpus, machine.cpu, machine.memory_mib, machine.kernel
    );
    print!("{}", report::table(&rows, runs.len()));
    let java_version = kconnect_testkit::kafka_dist::java_connect_version();
    print!("{}", versus::table(&runs, java_version));
    let document = json!({
        "kconnect_version": env!("CARGO_PKG_VERSION"),
        "finished_at_unix_s": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        "records": args.records,
        "seed": args.seed,
        "record_bytes_mean": payloads.mean_size().round(),
        "machine": machine,
        "load_average_1m": { "before": load_before, "after": load_after },
        "client_settings": {
            "producer": settings(&ceiling::producer_props("<broker>", &extra)),
            "consumer": settings(&ceiling::consumer_props("<broker>", "<group>", &extra)),
            "extra_worker_settings": &extra,
        },
        "summary": rows,
        "versus_java": {
            "java_connect_version": java_version,
            "medians": versus::summary(&runs),
        },
        "runs": runs.iter().map(RunFigures::to_json).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
    if let Some(dir) = args.json.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&args.json, text + "\n").map_err(|e| format!("{}: {e}", args.json.display()))?;
    eprintln!("figures written to {}", args.json.display());
    Ok(())
}

/// `KEY=VALUE` pairs.
fn parse_settings(raw: &[String]) -> Result<BTreeMap<String, String>, String> {
    raw.iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("--set {kv}: expected KEY=VALUE"))
        })
        .collect()
}

fn settings(props: &kconnect_kafka::ClientProps) -> serde_json::Value {
    props
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}
