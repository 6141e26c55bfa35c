//! Checks over a generated dataset (every built-in rule as one query, and each rule
//! family alone), and the generator itself, in line items per second; beside it the
//! Parquet writer alone, re-encoding one generated year of line items with the dataset's
//! writer properties (the ceiling of any generator of this file on one core).
//!
//! `cargo bench --bench checks`. The dataset size is `YUSUAN_BENCH_DISTRICTS` ×
//! `YUSUAN_BENCH_UNITS` × 2015–2024 (default 10 × 100 × 10 = 10,000 documents, about
//! 4 million line items), generated once into a temporary directory.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::arrow::compute::concat_batches;
use yusuan::Engine;
use yusuan::check::{BUILTIN, builtin_rules, parse_rules, run};
use yusuan::model::schema::DatasetTable;
use yusuan::storage::{Dataset, partition_writer};
use yusuan::synth::{GenOptions, GenProgress, ROW_GROUP, generate};

fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn options(districts: u32, units: u32) -> GenOptions {
    GenOptions {
        districts,
        units,
        years: 2015..=2024,
        seed: 1,
        inject_rate: 0.01,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        generated_at_micros: 0,
        render: None,
    }
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let opts = options(
        env_u32("YUSUAN_BENCH_DISTRICTS", 10),
        env_u32("YUSUAN_BENCH_UNITS", 100),
    );
    let summary = generate(&dir, &opts, &GenProgress::default()).unwrap();
    eprintln!(
        "dataset: {} documents, {} line items",
        summary.documents, summary.line_items
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let engine = rt.block_on(Engine::open(&dir)).unwrap();
    let mut group = c.benchmark_group("checks");
    group.sample_size(10);
    group.throughput(Throughput::Elements(summary.line_items));
    let all = builtin_rules().unwrap();
    group.bench_function("all_rules", |b| {
        b.iter(|| rt.block_on(run(&engine, &all)).unwrap())
    });
    for (file, text) in BUILTIN {
        let rules = parse_rules(file, text).unwrap();
        let family = Path::new(file).file_stem().unwrap().to_string_lossy();
        group.bench_function(family.as_ref(), |b| {
            b.iter(|| rt.block_on(run(&engine, &rules)).unwrap())
        });
    }
    group.finish();

    // The generator on a tenth of the dataset.
    let small = options(opts.districts.div_ceil(10), opts.units);
    let mut group = c.benchmark_group("gen");
    group.sample_size(10);
    group.throughput(Throughput::Elements(summary.line_items / 10));
    let mut n = 0;
    group.bench_function("dataset", |b| {
        b.iter(|| {
            n += 1;
            let out = tmp.path().join(format!("gen-{n}"));
            generate(&out, &small, &GenProgress::default()).unwrap();
            std::fs::remove_dir_all(&out).unwrap();
        })
    });

    // The Parquet writer alone: one year of the dataset's line items, in row groups of
    // the generator's size, written through the same writer as `gen` and ingest use.
    let year = *opts.years.end();
    let read = Dataset::open(&dir)
        .unwrap()
        .snapshot(None)
        .unwrap()
        .read_partition(DatasetTable::LineItems, year)
        .unwrap();
    let schema = DatasetTable::LineItems.schema();
    let all = concat_batches(&schema, &read).unwrap();
    let row_groups: Vec<_> = (0..all.num_rows())
        .step_by(ROW_GROUP)
        .map(|at| all.slice(at, ROW_GROUP.min(all.num_rows() - at)))
        .collect();
    drop((read, all));
    let rows: usize = row_groups.iter().map(|b| b.num_rows()).sum();
    group.throughput(Throughput::Elements(rows as u64));
    let mut n = 0;
    group.bench_function("parquet_line_items", |b| {
        b.iter(|| {
            n += 1;
            let out = tmp.path().join(format!("encode-{n}"));
            let mut writer = partition_writer(&out, DatasetTable::LineItems, year).unwrap();
            for batch in &row_groups {
                writer.write(batch).unwrap();
                writer.end_row_group().unwrap();
            }
            writer.finish().unwrap();
            std::fs::remove_dir_all(&out).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
