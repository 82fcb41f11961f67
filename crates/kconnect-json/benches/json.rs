//! Throughput of JsonConverter on a 10-field struct with schema (envelope on), in records.
//! Run: `cargo bench -p kconnect-json -- --warm-up-time 1 --measurement-time 3`

// criterion's macros generate public functions without doc comments.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kconnect_api::plugin::Converter;
use kconnect_api::schema::logical;
use kconnect_api::{Schema, SchemaBuilder, SchemaRef, Struct, Value};
use kconnect_datagen::{Shape, ShapeKind};
use kconnect_json::JsonConverter;

const BATCH: usize = 1000;

fn schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .name("com.example.Order")
        .field("id", Schema::int64())
        .field("customer", Schema::string())
        .field("quantity", Schema::int32())
        .field("price", Schema::float64())
        .field("paid", Schema::boolean())
        .field(
            "created",
            std::sync::Arc::new(logical::timestamp_builder().into_schema()),
        )
        .field("note", Schema::optional_string())
        .field("discount", Schema::optional_float64())
        .field("priority", Schema::optional_int16())
        .field("region", Schema::string())
        .build()
        .expect("schema")
}

fn records(schema: &SchemaRef) -> Vec<Value> {
    (0..BATCH as i64)
        .map(|i| {
            let mut s = Struct::new(schema.clone()).expect("struct");
            s.put("id", 1_000_000 + i).expect("id");
            s.put("customer", format!("customer-{i} \u{e9}"))
                .expect("customer");
            s.put("quantity", (i % 17) as i32).expect("quantity");
            s.put("price", 12.5 + i as f64 * 0.37).expect("price");
            s.put("paid", i % 3 == 0).expect("paid");
            s.put_at(5, Value::Instant(1_700_000_000_000 + i * 1000))
                .expect("created");
            s.put("note", (i % 2 == 0).then(|| "leave at door".to_string()))
                .expect("note");
            s.put("discount", (i % 4 == 0).then_some(0.15))
                .expect("discount");
            s.put("priority", (i % 5 != 0).then_some((i % 9) as i16))
                .expect("priority");
            s.put("region", "eu-west-1").expect("region");
            Value::Struct(s)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let schema = schema();
    let values = records(&schema);
    let mut converter = JsonConverter::new();
    let encoded: Vec<Vec<u8>> = values
        .iter()
        .map(|v| {
            converter
                .serialize("t", Some(&schema), v)
                .expect("serialize")
                .expect("bytes")
        })
        .collect();
    let mean = encoded.iter().map(Vec::len).sum::<usize>() / encoded.len();
    eprintln!("mean record size: {mean} bytes");

    let mut group = c.benchmark_group("json_struct10");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("serialize", |b| {
        b.iter(|| {
            for v in &values {
                black_box(
                    converter
                        .serialize("t", Some(&schema), v)
                        .expect("serialize"),
                );
            }
        })
    });
    group.bench_function("deserialize", |b| {
        b.iter(|| {
            for bytes in &encoded {
                black_box(
                    converter
                        .deserialize("t", Some(bytes))
                        .expect("deserialize"),
                );
            }
        })
    });
    group.finish();

    // The end-to-end benchmark's records: Datagen's struct10 (random float32 ratings and
    // two-decimal float64 scores).
    let shape = Shape::new(ShapeKind::Struct10).expect("shape");
    let datagen: Vec<Value> = (0..BATCH as u64).map(|i| shape.value(42, i)).collect();
    let mut group = c.benchmark_group("json_datagen_struct10");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("serialize", |b| {
        b.iter(|| {
            for v in &datagen {
                black_box(
                    converter
                        .serialize("t", Some(shape.schema()), v)
                        .expect("serialize"),
                );
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
