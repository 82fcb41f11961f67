//! Throughput of a three-transformation chain (InsertField$Value, ReplaceField$Value,
//! Cast$Value) on records whose value is a 10-field struct, and the same chain on
//! schemaless maps. Reported in records per second.

use criterion::{criterion_main, BatchSize, Criterion, Throughput};
use kconnect_api::plugin::Transformation;
use kconnect_api::{config_map, ConnectRecord, Schema, SchemaBuilder, SchemaRef, Struct, Value};
use kconnect_transforms::transformation_by_name;

const BATCH: usize = 1000;

fn chain() -> Vec<Box<dyn Transformation>> {
    let steps: [(&str, &[(&str, &str)]); 3] = [
        (
            "org.apache.kafka.connect.transforms.InsertField$Value",
            &[
                ("topic.field", "topic"),
                ("timestamp.field", "ingested"),
                ("static.field", "src"),
                ("static.value", "bench"),
            ],
        ),
        (
            "org.apache.kafka.connect.transforms.ReplaceField$Value",
            &[("exclude", "f9"), ("renames", "f0:id,f1:name")],
        ),
        (
            "org.apache.kafka.connect.transforms.Cast$Value",
            &[("spec", "id:string,f2:float64,f3:int32")],
        ),
    ];
    steps
        .iter()
        .map(|(class, config)| {
            let mut t = transformation_by_name(class).expect("known class");
            t.configure(&config_map(config)).expect("valid config");
            t
        })
        .collect()
}

fn schema() -> SchemaRef {
    let mut builder = SchemaBuilder::struct_().name("bench.Row").version(1);
    for i in 0..10 {
        let field = match i % 3 {
            0 => Schema::int64(),
            1 => Schema::optional_string(),
            _ => Schema::int32(),
        };
        builder = builder.field(format!("f{i}"), field);
    }
    builder.build().expect("valid schema")
}

fn field_value(i: usize, n: usize) -> Value {
    match i % 3 {
        0 => Value::Int64((n * 10 + i) as i64),
        1 => Value::String(format!("value-{n}-{i}")),
        _ => Value::Int32((n + i) as i32),
    }
}

fn struct_records(schema: &SchemaRef) -> Vec<ConnectRecord> {
    (0..BATCH)
        .map(|n| {
            let mut s = Struct::new(schema.clone()).expect("struct");
            for i in 0..10 {
                s.put_at(i, field_value(i, n)).expect("valid field");
            }
            let mut r = ConnectRecord::new("bench", Some(schema.clone()), Value::Struct(s));
            r.timestamp = Some(1_700_000_000_000 + n as i64);
            r
        })
        .collect()
}

fn map_records() -> Vec<ConnectRecord> {
    (0..BATCH)
        .map(|n| {
            let entries = (0..10)
                .map(|i| (Value::String(format!("f{i}")), field_value(i, n)))
                .collect();
            let mut r = ConnectRecord::new("bench", None, Value::Map(entries));
            r.timestamp = Some(1_700_000_000_000 + n as i64);
            r
        })
        .collect()
}

fn run(chain: &mut [Box<dyn Transformation>], records: Vec<ConnectRecord>) -> usize {
    let mut kept = 0;
    for record in records {
        let mut current = Some(record);
        for t in chain.iter_mut() {
            current = match current {
                Some(r) => t.apply(r).expect("transformed"),
                None => break,
            };
        }
        kept += usize::from(current.is_some());
    }
    kept
}

fn bench_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("insert_replace_cast");
    group.throughput(Throughput::Elements(BATCH as u64));
    let schema = schema();
    let structs = struct_records(&schema);
    let mut transforms = chain();
    group.bench_function("struct_10_fields", |b| {
        b.iter_batched(
            || structs.clone(),
            |batch| run(&mut transforms, batch),
            BatchSize::LargeInput,
        )
    });
    let maps = map_records();
    let mut transforms = chain();
    group.bench_function("schemaless_map_10_fields", |b| {
        b.iter_batched(
            || maps.clone(),
            |batch| run(&mut transforms, batch),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// Runs the benchmarks with the command-line settings (what `criterion_group!` generates).
pub fn benches() {
    let mut criterion = Criterion::default().configure_from_args();
    bench_chain(&mut criterion);
}

criterion_main!(benches);
