//! Per-record cost of the Avro path on Datagen's struct10 records (what the end-to-end
//! benchmark writes), beside JsonConverter with schemas on the same records: Avro's schema
//! ids are cached by the converter, so this is its steady state.
//! Run: `cargo bench -p kconnect-avro -- --warm-up-time 1 --measurement-time 3`

// criterion's macros generate public functions without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kconnect_api::plugin::Converter;
use kconnect_api::{ConfigMap, Value};
use kconnect_avro::to_avro::to_avro;
use kconnect_avro::{encode, wire, AvroDataConfig, Reader};
use kconnect_datagen::{Shape, ShapeKind};
use kconnect_json::JsonConverter;

const BATCH: usize = 1000;

fn bench(c: &mut Criterion) {
    let shape = Shape::new(ShapeKind::Struct10).expect("shape");
    let schema = shape.schema().clone();
    let values: Vec<Value> = (0..BATCH as u64).map(|i| shape.value(42, i)).collect();
    let text = to_avro(&schema, &AvroDataConfig::default())
        .expect("avro schema")
        .text();
    let reader = Reader::new(&text, Some(1)).expect("reader");
    let encoded: Vec<Vec<u8>> = values
        .iter()
        .map(|v| {
            let mut payload = Vec::new();
            encode(&schema, v, &mut payload).expect("encode");
            wire::frame(1, &payload)
        })
        .collect();
    let mut json = JsonConverter::new();
    json.configure(&ConfigMap::new(), false).expect("configure");
    let json_size: usize = values
        .iter()
        .map(|v| {
            json.serialize("t", Some(&schema), v)
                .expect("json")
                .map_or(0, |b| b.len())
        })
        .sum();
    eprintln!(
        "mean record size: Avro {} bytes, JSON with schema {} bytes",
        encoded.iter().map(Vec::len).sum::<usize>() / BATCH,
        json_size / BATCH
    );

    let mut group = c.benchmark_group("datagen_struct10");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("avro_serialize", |b| {
        let mut payload = Vec::with_capacity(256);
        b.iter(|| {
            for v in &values {
                payload.clear();
                encode(&schema, v, &mut payload).expect("encode");
                black_box(wire::frame(1, &payload));
            }
        })
    });
    group.bench_function("avro_deserialize", |b| {
        b.iter(|| {
            for bytes in &encoded {
                let (_, payload) = wire::unframe(bytes).expect("frame");
                black_box(reader.read(payload).expect("read"));
            }
        })
    });
    group.bench_function("json_serialize", |b| {
        b.iter(|| {
            for v in &values {
                black_box(json.serialize("t", Some(&schema), v).expect("json"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
