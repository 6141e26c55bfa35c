//! Shared by the test crates: the bundled sample as documents.

use std::path::PathBuf;

use yusuan::ingest::companion::attach_companions;
use yusuan::ingest::{Overrides, collect_inputs, parse_file};
use yusuan::model::SourceDocument;

/// Every bundled document (the Henan text and the corpus PDFs, 文件 joined to 表格).
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
