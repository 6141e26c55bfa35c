//! yusuan as a library: read disclosures, store them as a dataset, query it with SQL.
//!
//! ```sh
//! cargo run --example budget_report                 # the bundled PDFs
//! cargo run --example budget_report -- path/to/pdfs # your own files or folders
//! ```
//!
//! Prints each unit's spending by year with the change from its previous year (the
//! `unit_years` view) and the 功能分类 类 composition of the latest year.

use std::path::PathBuf;

use datafusion::arrow::util::pretty::pretty_format_batches;
use yusuan::ingest::companion::attach_companions;
use yusuan::ingest::{Overrides, collect_inputs, parse_file};
use yusuan::storage::Dataset;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut inputs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if inputs.is_empty() {
        inputs.push(PathBuf::from("datasets/pdf"));
    }
    // 1. Read every file; a path or file that cannot be read is reported and skipped.
    let found = collect_inputs(&inputs);
    for e in &found.problems {
        eprintln!("skipped: {e}");
    }
    let mut docs = Vec::new();
    for file in found.files {
        match parse_file(&file, &Overrides::default()) {
            Ok(doc) => docs.push(doc),
            Err(e) => eprintln!("skipped: {e}"),
        }
    }
    // 2. A narrative-only PDF (文件) joins the PDF of its tables (表格).
    let (docs, unpaired) = attach_companions(docs);
    for e in unpaired {
        eprintln!("skipped: {e}");
    }
    // 3. Store them: one atomic commit into a dataset directory.
    let dir = std::env::temp_dir().join(format!("yusuan-example-{}", std::process::id()));
    Dataset::open_or_create(&dir)?.commit(&docs, 0)?;
    // 4. Query: Arrow record batches back.
    let engine = yusuan::Engine::open(&dir).await?;
    let batches = engine
        .sql(
            "select unit_name, year, wan(expenditure_total) as spending_wan, expenditure_pct \
             from unit_years order by unit_name, year",
        )
        .await?;
    println!("{}", pretty_format_batches(&batches)?);
    let batches = engine
        .sql(
            "select unit_name, function_code, function_name, wan(total) as total_wan \
             from gpb_by_function g \
             where level = 1 and year = (select max(year) from gpb_by_function) \
             order by unit_name, total desc",
        )
        .await?;
    println!("{}", pretty_format_batches(&batches)?);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
