//! The ceiling: what plain librdkafka clients achieve on the same broker with the same
//! client settings kconnect derives, moving the same bytes and doing nothing else.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kconnect_kafka::client_config;
use kconnect_kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use kconnect_kafka::rdkafka::error::RDKafkaErrorCode;
use kconnect_kafka::rdkafka::message::Message;
use kconnect_kafka::rdkafka::producer::{
    BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext,
};
use kconnect_kafka::rdkafka::{ClientContext, Offset, TopicPartitionList};
use kconnect_kafka::ClientProps;

use crate::payload::Payloads;
use crate::phases::Setup;
use crate::proc_stats::{CpuMeter, OthersMeter};

/// How fast a plain client moved the records, and what it cost.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Records per second, from the first record to the last.
    pub records_per_s: f64,
    /// CPU seconds this (benchmark) process used.
    pub cpu_s: f64,
    /// CPU seconds the broker used meanwhile.
    pub broker_cpu_s: f64,
    /// Wall-clock seconds of the measurement.
    pub elapsed_s: f64,
    /// CPU seconds other processes (builds, tests...) used meanwhile.
    pub others_cpu_s: f64,
}

fn worker_map(bootstrap: &str, extra: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut worker = extra.clone();
    worker.insert("bootstrap.servers".to_string(), bootstrap.to_string());
    worker
}

/// The producer settings of a kconnect source task, with the worker's extra settings.
pub fn producer_props(bootstrap: &str, extra: &BTreeMap<String, String>) -> ClientProps {
    client_config::source_producer(
        &worker_map(bootstrap, extra),
        &BTreeMap::new(),
        "bench-producer",
    )
}

/// The consumer settings of a kconnect sink task in group `group`, with the worker's extra
/// settings.
pub fn consumer_props(
    bootstrap: &str,
    group: &str,
    extra: &BTreeMap<String, String>,
) -> ClientProps {
    client_config::sink_consumer(
        &worker_map(bootstrap, extra),
        &BTreeMap::new(),
        group,
        "bench-consumer",
    )
}

#[derive(Default)]
struct Failures(AtomicU64);

impl ClientContext for Failures {}

impl ProducerContext for Failures {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _opaque: ()) {
        if result.is_err() {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Sends every payload to partition 0 of `topic` and waits until all are acknowledged.
pub fn produce(s: &Setup, topic: &str, payloads: &Payloads) -> Result<Measured, String> {
    let producer: BaseProducer<Failures> = producer_props(&s.bootstrap, &s.extra)
        .to_rdkafka()
        .map_err(|e| format!("producer: {e}"))?
        .create_with_context(Failures::default())
        .map_err(|e| format!("producer: {e}"))?;
    let cpu = CpuMeter::start("self");
    let broker = CpuMeter::start(s.broker_pid.as_str());
    let others = OthersMeter::start();
    let start = Instant::now();
    for i in 0..payloads.len() {
        // No partition named, like kconnect's records: the partitioner runs for both.
        let mut record = BaseRecord::<(), [u8]>::to(topic).payload(payloads.get(i));
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((e, returned))
                    if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) =>
                {
                    record = returned;
                    producer.poll(Duration::from_millis(5));
                }
                Err((e, _)) => return Err(format!("send: {e}")),
            }
        }
        if i % 1024 == 0 {
            producer.poll(Duration::ZERO);
        }
    }
    producer
        .flush(Duration::from_secs(600))
        .map_err(|e| format!("flush: {e}"))?;
    let elapsed = start.elapsed().as_secs_f64();
    let failed = producer.context().0.load(Ordering::Relaxed);
    if failed > 0 {
        return Err(format!("{failed} records were not delivered"));
    }
    let broker_cpu_s = broker.elapsed();
    Ok(Measured {
        records_per_s: payloads.len() as f64 / elapsed,
        cpu_s: cpu.elapsed(),
        broker_cpu_s,
        elapsed_s: elapsed,
        others_cpu_s: others.elapsed(&[broker_cpu_s]),
    })
}

/// The topic of the plain producer's round `round` (0-based); the first is the one the sink
/// reads.
pub fn round_topic(round: usize) -> String {
    if round == 0 {
        crate::phases::CEILING_TOPIC.to_string()
    } else {
        format!("{}-{}", crate::phases::CEILING_TOPIC, round + 1)
    }
}

/// The round with the median rate, and the spread of the rates (max / min − 1, in %).
pub fn median_round(rounds: &[Measured]) -> (Measured, f64) {
    let mut sorted = rounds.to_vec();
    sorted.sort_by(|a, b| a.records_per_s.total_cmp(&b.records_per_s));
    let (min, max) = (
        sorted.first().map_or(0.0, |m| m.records_per_s),
        sorted.last().map_or(0.0, |m| m.records_per_s),
    );
    let spread = if min > 0.0 {
        100.0 * (max / min - 1.0)
    } else {
        0.0
    };
    (sorted[(sorted.len() - 1) / 2], spread)
}

/// Reads `s.records` records of `topic` through a consumer group of its own (one per
/// `round`), touching every payload.
pub fn consume(s: &Setup, topic: &str, round: usize) -> Result<Measured, String> {
    let count = s.records;
    let group = format!("bench-ceiling-consumer-{}", round + 1);
    let consumer: BaseConsumer = consumer_props(&s.bootstrap, &group, &s.extra)
        .to_rdkafka()
        .map_err(|e| format!("consumer: {e}"))?
        .create()
        .map_err(|e| format!("consumer: {e}"))?;
    consumer
        .subscribe(&[topic])
        .map_err(|e| format!("subscribe: {e}"))?;
    let cpu = CpuMeter::start("self");
    let broker = CpuMeter::start(s.broker_pid.as_str());
    let others = OthersMeter::start();
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut first = None;
    let mut seen = 0usize;
    let mut bytes = 0usize;
    while seen < count {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                first.get_or_insert_with(Instant::now);
                bytes += m.payload().map_or(0, <[u8]>::len);
                seen += 1;
            }
            Some(Err(e)) => return Err(format!("consume: {e}")),
            None if Instant::now() > deadline => {
                return Err(format!("only {seen} of {count} records read"))
            }
            None => {}
        }
    }
    let elapsed = first.map_or(0.0, |f| f.elapsed().as_secs_f64());
    if bytes == 0 {
        return Err("the records read had no payload".into());
    }
    let broker_cpu_s = broker.elapsed();
    Ok(Measured {
        records_per_s: (count.saturating_sub(1)) as f64 / elapsed.max(1e-9),
        cpu_s: cpu.elapsed(),
        broker_cpu_s,
        elapsed_s: elapsed,
        others_cpu_s: others.elapsed(&[broker_cpu_s]),
    })
}

/// A consumer for looking at topics without a group: watermarks and single records.
pub struct Probe {
    consumer: BaseConsumer,
}

impl Probe {
    /// A probe connected to `bootstrap`.
    pub fn new(bootstrap: &str) -> Result<Self, String> {
        let mut props = ClientProps::new();
        props
            .set("bootstrap.servers", bootstrap)
            .set("group.id", "bench-probe")
            .set("enable.auto.commit", "false")
            // The probe polls for a record that may not exist yet: answer quickly.
            .set("fetch.wait.max.ms", "10");
        let consumer = props
            .to_rdkafka()
            .map_err(|e| format!("probe: {e}"))?
            .create()
            .map_err(|e| format!("probe: {e}"))?;
        Ok(Self { consumer })
    }

    /// The end offset of partition 0 (the offset after its last record); `None` while the
    /// topic does not exist.
    pub fn latest_offset(&self, topic: &str) -> Option<i64> {
        match self
            .consumer
            .fetch_watermarks(topic, 0, Duration::from_secs(1))
        {
            Ok((_, high)) => Some(high),
            Err(_) => {
                // The client does not look for topics it has not seen by itself: ask for the
                // topic's metadata so that the next call finds it once it exists.
                let _ = self
                    .consumer
                    .fetch_metadata(Some(topic), Duration::from_secs(1));
                None
            }
        }
    }

    /// The sum of the end offsets of partitions `0..partitions`: the records written so far
    /// to a topic of that many partitions (0 while it does not exist).
    pub fn total_end_offset(&self, topic: &str, partitions: i32) -> i64 {
        (0..partitions)
            .map(|p| {
                self.consumer
                    .fetch_watermarks(topic, p, Duration::from_secs(1))
                    .map_or(0, |(_, high)| high)
            })
            .sum()
    }

    /// The value of the record at offset `target` of partition 0, if there is one yet,
    /// reading from `from`.
    pub fn find(&self, topic: &str, from: i64, target: i64) -> Result<Option<Vec<u8>>, String> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, 0, Offset::Offset(from))
            .map_err(|e| e.to_string())?;
        self.consumer.assign(&tpl).map_err(|e| e.to_string())?;
        let mut quiet_until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < quiet_until {
            if let Some(m) = self.consumer.poll(Duration::from_millis(50)) {
                let m = m.map_err(|e| e.to_string())?;
                if m.offset() == target {
                    return Ok(Some(m.payload().map(<[u8]>::to_vec).unwrap_or_default()));
                }
                quiet_until = Instant::now() + Duration::from_secs(2);
            }
        }
        Ok(None)
    }

    /// The value of the record at `offset` in partition 0.
    pub fn read_at(&self, topic: &str, offset: i64) -> Result<Vec<u8>, String> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(topic, 0, Offset::Offset(offset))
            .map_err(|e| e.to_string())?;
        self.consumer.assign(&tpl).map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(m) = self.consumer.poll(Duration::from_millis(100)) {
                let m = m.map_err(|e| e.to_string())?;
                return Ok(m.payload().map(<[u8]>::to_vec).unwrap_or_default());
            }
        }
        Err(format!("no record at {topic}-0@{offset}"))
    }
}
