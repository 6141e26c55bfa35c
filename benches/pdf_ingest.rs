//! PDF ingest throughput, in pages per second, side by side with poppler's `pdftotext`
//! extracting the same files:
//!
//! - `yusuan_parse`: yusuan's whole reading of every file (text layer → tables verified one
//!   by one → canonical rows; 文件 + 表格 pairs joined; refused files count too, as a user's
//!   batch would run them);
//! - `text_layer_only`: hayro's text layer alone (glyphs and rules of every page), the floor
//!   of any reading built on it;
//! - `pdftotext`: `pdftotext -layout FILE -` for each file (poppler, a separate process per
//!   file as a user runs it); skipped with a notice where it is not installed.
//!
//! The files: the bundled `datasets/pdf` and `datasets/pdf-tests`, and the whole corpus in
//! `../shared/corpus/pdf` where it is beside the checkout (a notice says which).
//!
//! Run: `cargo bench --bench pdf_ingest`. Criterion's elements/s are pages per second.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yusuan::ingest::companion::attach_companions;
use yusuan::ingest::pdf::read_pages;
use yusuan::ingest::{Overrides, collect_inputs, parse_file};

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let mut roots = vec![
        PathBuf::from("datasets/pdf"),
        PathBuf::from("datasets/pdf-tests"),
    ];
    let shared = PathBuf::from("../shared/corpus/pdf");
    if shared.exists() {
        roots.push(shared);
    } else {
        eprintln!("pdf_ingest: ../shared/corpus/pdf is absent; the bundled PDFs only");
    }
    collect_inputs(&roots)
        .all()
        .expect("corpus folders")
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("corpus PDF");
            (p, bytes)
        })
        .collect()
}

fn pdf_ingest(c: &mut Criterion) {
    let files = corpus();
    let pages: usize = files
        .iter()
        .map(|(p, bytes)| read_pages(p, bytes).map_or(0, |pages| pages.len()))
        .sum();
    eprintln!("pdf_ingest: {} files, {pages} pages", files.len());
    let mut group = c.benchmark_group("pdf_corpus");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(20));
    group.throughput(Throughput::Elements(pages as u64));
    group.bench_function("yusuan_parse", |b| {
        b.iter(|| {
            let docs: Vec<_> = files
                .iter()
                .filter_map(|(p, _)| parse_file(p, &Overrides::default()).ok())
                .collect();
            let (docs, _unpaired) = attach_companions(docs);
            docs.len()
        })
    });
    group.bench_function("text_layer_only", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|(p, bytes)| read_pages(p, bytes).map_or(0, |pages| pages.len()))
                .sum::<usize>()
        })
    });
    let pdftotext = Command::new("pdftotext")
        .arg("-v")
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if pdftotext {
        group.bench_function("pdftotext", |b| {
            b.iter(|| {
                files
                    .iter()
                    .map(|(p, _)| {
                        Command::new("pdftotext")
                            .arg("-layout")
                            .arg(p)
                            .arg("-")
                            .stderr(Stdio::null())
                            .output()
                            .map_or(0, |o| o.stdout.len())
                    })
                    .sum::<usize>()
            })
        });
    } else {
        eprintln!("pdf_ingest: pdftotext is not installed (poppler-utils); its side is skipped");
    }
    group.finish();
}

criterion_group!(benches, pdf_ingest);
criterion_main!(benches);
