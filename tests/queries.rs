//! Every named query in `queries/` runs against the bundled sample (the Henan text and the
//! corpus PDFs) and its result is compared with `tests/snapshots/queries/<name>.csv`.
//! `YUSUAN_UPDATE_SNAPSHOTS=1 cargo test --test queries` rewrites the snapshots; review the
//! diff before committing it.

mod common;

use std::path::{Path, PathBuf};

use datafusion::arrow::csv::WriterBuilder;
use yusuan::Engine;
use yusuan::storage::Dataset;

async fn sample_engine(dir: &Path) -> Engine {
    let docs = common::sample_documents();
    Dataset::open_or_create(dir)
        .unwrap()
        .commit(&docs, 0)
        .unwrap();
    Engine::open(dir).await.unwrap()
}

#[tokio::test]
async fn every_named_query_matches_its_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let engine = sample_engine(tmp.path()).await;
    let mut files: Vec<PathBuf> = std::fs::read_dir("queries")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 12, "queries/ has {} files", files.len());
    let update = std::env::var_os("YUSUAN_UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let sql = std::fs::read_to_string(file).unwrap();
        assert!(
            sql.starts_with("-- "),
            "{}: starts with a comment saying what it answers",
            file.display()
        );
        assert!(
            sql.contains("Parameters"),
            "{}: says how to parameterise it",
            file.display()
        );
        let batches = engine
            .sql(&sql)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut out = Vec::new();
        {
            let mut w = WriterBuilder::new().with_header(true).build(&mut out);
            for b in &batches {
                w.write(b).unwrap();
            }
        }
        let got = String::from_utf8(out).unwrap();
        let rows = batches.iter().map(|b| b.num_rows()).sum::<usize>();
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let snapshot = PathBuf::from(format!("tests/snapshots/queries/{name}.csv"));
        if update {
            std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
            std::fs::write(&snapshot, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if got != want {
            failures.push(format!(
                "{name} ({rows} rows) differs from {}:\n{got}",
                snapshot.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
