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
use crate::proc_stats::CpuMeter;

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
}

fn worker_map(bootstrap: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("bootstrap.servers".to_string(), bootstrap.to_string())])
}

/// The producer settings of a kconnect source task (no overrides).
pub fn producer_props(bootstrap: &str) -> ClientProps {
    client_config::source_producer(&worker_map(bootstrap), &BTreeMap::new(), "bench-producer")
}

/// The consumer settings of a kconnect sink task (no overrides), in group `group`.
pub fn consumer_props(bootstrap: &str, group: &str) -> ClientProps {
    client_config::sink_consumer(
        &worker_map(bootstrap),
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
pub fn produce(
    bootstrap: &str,
    topic: &str,
    payloads: &Payloads,
    broker_pid: &str,
) -> Result<Measured, String> {
    let producer: BaseProducer<Failures> = producer_props(bootstrap)
        .to_rdkafka()
        .create_with_context(Failures::default())
        .map_err(|e| format!("producer: {e}"))?;
    let cpu = CpuMeter::start("self");
    let broker = CpuMeter::start(broker_pid);
    let start = Instant::now();
    for i in 0..payloads.len() {
        let mut record = BaseRecord::<(), [u8]>::to(topic)
            .partition(0)
            .payload(payloads.get(i));
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
    Ok(Measured {
        records_per_s: payloads.len() as f64 / elapsed,
        cpu_s: cpu.elapsed(),
        broker_cpu_s: broker.elapsed(),
        elapsed_s: elapsed,
    })
}

/// Reads `count` records of `topic` through a consumer group, touching every payload.
pub fn consume(
    bootstrap: &str,
    topic: &str,
    count: usize,
    broker_pid: &str,
) -> Result<Measured, String> {
    let consumer: BaseConsumer = consumer_props(bootstrap, "bench-ceiling-consumer")
        .to_rdkafka()
        .create()
        .map_err(|e| format!("consumer: {e}"))?;
    consumer
        .subscribe(&[topic])
        .map_err(|e| format!("subscribe: {e}"))?;
    let cpu = CpuMeter::start("self");
    let broker = CpuMeter::start(broker_pid);
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
    Ok(Measured {
        records_per_s: (count.saturating_sub(1)) as f64 / elapsed.max(1e-9),
        cpu_s: cpu.elapsed(),
        broker_cpu_s: broker.elapsed(),
        elapsed_s: elapsed,
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
            .set("enable.auto.commit", "false");
        let consumer = props
            .to_rdkafka()
            .create()
            .map_err(|e| format!("probe: {e}"))?;
        Ok(Self { consumer })
    }

    /// The high watermark of partition 0 (records written so far); `None` while the
    /// topic does not exist.
    pub fn high_watermark(&self, topic: &str) -> Option<i64> {
        self.consumer
            .fetch_watermarks(topic, 0, Duration::from_secs(1))
            .ok()
            .map(|(_, high)| high)
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
