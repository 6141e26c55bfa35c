//! The text parser (documents/s and MB/s) and ingest to Parquet (line items/s), on
//! generated documents rendered as disclosure text (the Henan layout, amounts damaged as
//! PDF extraction damages them) and on the real Henan document.
//!
//! `cargo bench --bench text_ingest`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yusuan::ingest::Overrides;
use yusuan::ingest::text::parse_text;
use yusuan::model::{ParsedDocument, SourceDocument};
use yusuan::storage::Dataset;
use yusuan::synth::budget::{Budget, District, district_units};
use yusuan::synth::{document, render};

fn documents(n_units: u32) -> Vec<String> {
    let d = District::new(0);
    district_units(1, &d, n_units)
        .iter()
        .map(|u| {
            let b = Budget::generate(&d, u, 2024);
            let p = Budget::generate(&d, u, 2023);
            render::render(&document::document(1, &d, u, &b, &p), true)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let texts = documents(200);
    let henan = std::fs::read_to_string("datasets/text/000_59511c5e13e4fdad.txt").unwrap();
    let bytes: usize = texts.iter().map(String::len).sum();
    let path = Path::new("generated.txt");
    let overrides = Overrides::default();
    let parse_all = || -> Vec<ParsedDocument> {
        texts
            .iter()
            .map(|t| parse_text(path, t, &overrides).unwrap())
            .collect()
    };

    let mut group = c.benchmark_group("parse_text");
    group.sample_size(10);
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("generated_documents", |b| b.iter(parse_all));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("generated_bytes", |b| b.iter(parse_all));
    group.throughput(Throughput::Elements(1));
    group.bench_function("henan_document", |b| {
        b.iter(|| parse_text(Path::new("henan.txt"), &henan, &overrides).unwrap())
    });
    group.finish();

    // Ingest to Parquet: the parsed documents committed to a new dataset.
    let docs: Vec<SourceDocument> = parse_all()
        .into_iter()
        .enumerate()
        .map(|(i, parsed)| SourceDocument {
            doc_id: format!("{i:016x}"),
            content_hash: format!("{i:064x}"),
            source_path: format!("generated/{i}.txt"),
            companion_path: None,
            format: "text",
            parsed,
        })
        .collect();
    let items: usize = docs.iter().map(|d| d.parsed.line_items.len()).sum();
    let tmp = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(items as u64));
    let mut n = 0;
    group.bench_function("commit_line_items", |b| {
        b.iter(|| {
            n += 1;
            let dir = tmp.path().join(format!("d{n}"));
            Dataset::open_or_create(&dir)
                .unwrap()
                .commit(&docs, 0)
                .unwrap();
            std::fs::remove_dir_all(&dir).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
