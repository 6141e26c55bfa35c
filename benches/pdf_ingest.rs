//! PDF ingest throughput on the corpus (`datasets/pdf/`): documents per second for
//! yusuan's reading (text layer → tables → canonical rows, 文件 + 表格 pairs joined),
//! side by side with the plain text extraction of the same files by `pdf-extract`, the
//! floor any PDF reader built on it pays. The ratio of the two is the cost of
//! understanding the tables.
//!
//! Run: `cargo bench --bench pdf_ingest`. Criterion's elements/s are PDF files per second
//! (16 files, which make 12 documents).

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yusuan::ingest::companion::attach_companions;
use yusuan::ingest::{Overrides, collect_inputs, parse_file};

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    collect_inputs(&[PathBuf::from("datasets/pdf")])
        .expect("datasets/pdf")
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("corpus PDF");
            (p, bytes)
        })
        .collect()
}

fn pdf_ingest(c: &mut Criterion) {
    let files = corpus();
    let mut group = c.benchmark_group("pdf_corpus");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(15));
    group.throughput(Throughput::Elements(files.len() as u64));
    group.bench_function("yusuan_parse", |b| {
        b.iter(|| {
            let docs: Vec<_> = files
                .iter()
                .map(|(p, _)| parse_file(p, &Overrides::default()).expect("corpus PDF parses"))
                .collect();
            let (docs, unpaired) = attach_companions(docs);
            assert!(unpaired.is_empty());
            docs.len()
        })
    });
    group.bench_function("pdf_extract_text_only", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|(_, bytes)| {
                    pdf_extract::extract_text_from_mem(bytes)
                        .map(|t| t.len())
                        .unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, pdf_ingest);
criterion_main!(benches);
