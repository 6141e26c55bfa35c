//! The dataset directory survives interrupted commits: leftovers of a commit that never
//! wrote its journal are removed, a journaled commit is completed on the next open.

use std::path::Path;

use yusuan::Engine;
use yusuan::ingest::{Overrides, parse_file};
use yusuan::storage::Dataset;

const HENAN: &str = "datasets/text/000_59511c5e13e4fdad.txt";

fn commit(data: &Path, year: Option<i32>) {
    let doc = parse_file(Path::new(HENAN), &Overrides { year, region: None }).unwrap();
    Dataset::open_or_create(data)
        .unwrap()
        .commit(&[doc], 0)
        .unwrap();
}

async fn count(data: &Path, sql: &str) -> String {
    let engine = Engine::open(data).await.unwrap();
    let batches = engine.sql(sql).await.unwrap();
    datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn leftovers_of_an_unjournaled_commit_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    let before = count(&data, "select count(*) from line_items").await;
    let partial = data.join("line_items/year=2024/part-0.parquet.tmp-4242");
    std::fs::write(&partial, b"half-written").unwrap();
    Dataset::open(&data).unwrap();
    assert!(!partial.exists());
    assert_eq!(
        count(&data, "select count(*) from line_items").await,
        before
    );
}

#[tokio::test]
async fn a_journaled_commit_is_completed_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    // Build a 2025 partition elsewhere and stage it as an interrupted commit would have.
    let other = tmp.path().join("other");
    commit(&other, Some(2025));
    let dir = data.join("documents/year=2025");
    std::fs::create_dir_all(&dir).unwrap();
    let staged = dir.join("part-0.parquet.tmp-4242");
    std::fs::copy(other.join("documents/year=2025/part-0.parquet"), &staged).unwrap();
    let journal = serde_json::json!({
        "renames": [[staged, dir.join("part-0.parquet")]],
        "deletes": [],
    });
    std::fs::write(data.join("_yusuan_commit.json"), journal.to_string()).unwrap();
    Dataset::open(&data).unwrap();
    assert!(!data.join("_yusuan_commit.json").exists());
    assert!(dir.join("part-0.parquet").exists() && !staged.exists());
    let years = count(&data, "select year from documents order by year").await;
    assert!(years.contains("2024") && years.contains("2025"), "{years}");
}

#[tokio::test]
async fn a_document_moving_to_another_year_leaves_no_copy_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    commit(&data, Some(2025));
    let out = count(
        &data,
        "select year, count(*) as n from documents group by year",
    )
    .await;
    assert!(out.contains("2025") && !out.contains("2024"), "{out}");
    assert!(!data.join("line_items/year=2024/part-0.parquet").exists());
}
