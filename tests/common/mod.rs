//! Shared by the test crates: the bundled sample as documents.

use std::path::PathBuf;

use yusuan::ingest::companion::attach_companions;
use yusuan::ingest::{Overrides, collect_inputs, parse_file};
use yusuan::model::SourceDocument;

/// Every bundled document (the Henan text and the corpus PDFs, 文件 joined to 表格).
#[allow(dead_code)] // (not every test crate that includes this module needs it)
pub fn sample_documents() -> Vec<SourceDocument> {
    let files = collect_inputs(&[
        PathBuf::from("datasets/text"),
        PathBuf::from("datasets/pdf"),
    ])
    .unwrap();
    let docs = files
        .iter()
        .map(|f| parse_file(f, &Overrides::default()).unwrap())
        .collect();
    let (docs, unpaired) = attach_companions(docs);
    assert!(unpaired.is_empty(), "{unpaired:?}");
    docs
}

/// A fresh dataset holding `docs`, opened by the engine (the directory lives as long as
/// the returned guard).
#[allow(dead_code)] // (not every test crate that includes this module needs it)
pub async fn engine_over(docs: &[SourceDocument]) -> (tempfile::TempDir, yusuan::Engine) {
    let tmp = tempfile::tempdir().unwrap();
    yusuan::storage::Dataset::open_or_create(tmp.path())
        .unwrap()
        .commit(docs, 0)
        .unwrap();
    let engine = yusuan::Engine::open(tmp.path()).await.unwrap();
    (tmp, engine)
}
