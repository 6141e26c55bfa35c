//! Test helpers for the engine's optimizer rules: a session's physical plan and result
//! for a query, and a Parquet file to run it over. Test builds only.

use std::path::Path;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::physical_plan::displayable;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

/// A session with DataFusion's default features and, when `yusuan`, yusuan's physical
/// optimizer rules (reading footers through the session's own metadata cache).
pub fn session(yusuan: bool) -> SessionContext {
    let mut builder = SessionStateBuilder::new().with_default_features();
    if yusuan {
        let cache = builder
            .runtime_env()
            .get_or_insert_with(Default::default)
            .cache_manager
            .get_file_metadata_cache();
        builder =
            builder.with_physical_optimizer_rules(super::plan::physical_optimizer_rules(cache));
    }
    SessionContext::new_with_state(builder.build())
}

/// The indented physical plan of `sql` and its rows as a pretty table.
pub async fn plan_and_rows(ctx: &SessionContext, sql: &str) -> (String, String) {
    let df = ctx.sql(sql).await.unwrap();
    let plan = df.clone().create_physical_plan().await.unwrap();
    let text = displayable(plan.as_ref()).indent(true).to_string();
    let rows = pretty_format_batches(&df.collect().await.unwrap()).unwrap();
    (text, rows.to_string())
}

/// Writes `batch` as the Parquet file `path` (once) and registers it as table `t`.
pub async fn register_parquet_t(
    ctx: &SessionContext,
    path: &Path,
    batch: impl FnOnce() -> RecordBatch,
) {
    if !path.exists() {
        let b = batch();
        let file = std::fs::File::create(path).unwrap();
        let mut writer = ArrowWriter::try_new(file, b.schema(), None).unwrap();
        writer.write(&b).unwrap();
        writer.close().unwrap();
    }
    ctx.register_parquet("t", path.to_str().unwrap(), ParquetReadOptions::default())
        .await
        .unwrap();
}
