//! `YearPartitions`, the query planner of yusuan's sessions: it decides, query by query,
//! whether the scans read whole year partitions, one set of years per partition. Owns
//! only that decision (physical planning itself is DataFusion's); like the optimizer
//! rules it may change how a plan runs, never what it returns.
//!
//! Why: every dataset table is partitioned by `year`, and a document belongs to one year,
//! so nearly every aggregation of the views and checks groups by keys that include `year`
//! (a document, a unit-year, a code per year). By default DataFusion splits the files into
//! byte ranges and hashes the partial aggregates' rows to their final partition; when each
//! partition reads whole years instead (DataFusion's `preserve_file_partitions`, with
//! `subset_repartition_threshold` letting a partitioning on `year` satisfy one on
//! `(…, year, …)`), such an aggregation runs in one phase where its rows are read, with no
//! repartition: 10M line items, `kuan_growth` −14 %, `rollup_check` −23 %, q03 −28 %
//! (docs/performance.md, finding 16).
//!
//! Why per query: with partitions preserved the scans cannot share their files (DataFusion
//! 55 otherwise lets an idle partition take the next file) nor order them for a top-N (the
//! file with the largest values first, so its threshold skips the others): a top-N straight
//! over a scan (`largest_projects`) was 3–4× slower at 100M. So the setting is turned on
//! only for a plan that aggregates by a `year` column, and only when the session has it off
//! (DataFusion's default, 0: a user's `SET datafusion.optimizer.preserve_file_partitions`
//! to another value is left alone; 0 cannot turn yusuan's choice off). With fewer
//! years than partitions DataFusion keeps splitting files (the threshold is the partition
//! count).

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{Result, internal_datafusion_err};
use datafusion::execution::SessionState;
use datafusion::execution::context::QueryPlanner;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};

/// Plans with year partitions preserved when the query aggregates by year (module docs).
#[derive(Debug, Default)]
pub struct YearPartitions;

#[async_trait]
impl QueryPlanner for YearPartitions {
    async fn create_physical_plan(
        &self,
        logical_plan: &LogicalPlan,
        session: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let planner = DefaultPhysicalPlanner::default();
        if session.config_options().optimizer.preserve_file_partitions > 0
            || !groups_by_year(logical_plan)?
        {
            return planner.create_physical_plan(logical_plan, session).await;
        }
        let state = session
            .as_any()
            .downcast_ref::<SessionState>()
            .ok_or_else(|| internal_datafusion_err!("YearPartitions needs a SessionState"))?;
        let mut state = state.clone();
        let partitions = state.config().target_partitions();
        let optimizer = &mut state.config_mut().options_mut().optimizer;
        optimizer.preserve_file_partitions = partitions;
        optimizer.subset_repartition_threshold = 1;
        planner.create_physical_plan(logical_plan, &state).await
    }
}

/// Whether some aggregation of `plan` (subqueries included) groups by a column named
/// `year`.
fn groups_by_year(plan: &LogicalPlan) -> Result<bool> {
    let mut found = false;
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::Aggregate(aggregate) = node
            && aggregate
                .group_expr
                .iter()
                .any(|e| matches!(e, Expr::Column(c) if c.name == "year"))
        {
            found = true;
            return Ok(TreeNodeRecursion::Stop);
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::datasource::file_format::parquet::ParquetFormat;
    use datafusion::datasource::listing::{
        ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
    };
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::physical_plan::displayable;
    use datafusion::prelude::{SessionConfig, SessionContext};

    /// A table `t(unit, amount)` partitioned by `year` (2019–2024, uneven sizes) under a
    /// temporary directory, in a session with two partitions and, if `ours`, this planner.
    async fn context(ours: bool, dir: &std::path::Path) -> SessionContext {
        let schema = Arc::new(Schema::new(vec![
            Field::new("unit", DataType::Utf8, false),
            Field::new("amount", DataType::Int64, false),
        ]));
        for year in 2019..=2024 {
            let part = dir.join(format!("year={year}"));
            if part.exists() {
                continue;
            }
            std::fs::create_dir_all(&part).unwrap();
            let n = 500 + 300 * (year - 2019) as usize;
            let units: Vec<String> = (0..n).map(|i| format!("单位{}", i % 37)).collect();
            let amounts: Vec<i64> = (0..n).map(|i| (i as i64 * 7919 + year) % 1000).collect();
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(units)),
                    Arc::new(Int64Array::from(amounts)),
                ],
            )
            .unwrap();
            let file = std::fs::File::create(part.join("part-0.parquet")).unwrap();
            let mut writer = ArrowWriter::try_new(file, schema.clone(), None).unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
        }
        let config = SessionConfig::new().with_target_partitions(2);
        let mut builder = SessionStateBuilder::new()
            .with_config(config)
            .with_default_features();
        if ours {
            builder = builder.with_query_planner(Arc::new(YearPartitions));
        }
        let ctx = SessionContext::new_with_state(builder.build());
        let url = ListingTableUrl::parse(format!("{}/", dir.display())).unwrap();
        let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(".parquet")
            .with_table_partition_cols(vec![("year".to_string(), DataType::Int32)]);
        let config = ListingTableConfig::new(url)
            .with_listing_options(options)
            .with_schema(schema);
        ctx.register_table("t", Arc::new(ListingTable::try_new(config).unwrap()))
            .unwrap();
        ctx
    }

    async fn plan_and_rows(ctx: &SessionContext, sql: &str) -> (String, String) {
        let df = ctx.sql(sql).await.unwrap();
        let plan = df.clone().create_physical_plan().await.unwrap();
        let text = displayable(plan.as_ref()).indent(true).to_string();
        let rows = pretty_format_batches(&df.collect().await.unwrap()).unwrap();
        (text, rows.to_string())
    }

    #[tokio::test]
    async fn aggregations_by_year_read_whole_years_in_one_phase() {
        let dir = std::env::temp_dir().join(format!("yusuan-years-{}", std::process::id()));
        let (ours, theirs) = (context(true, &dir).await, context(false, &dir).await);
        let by_year = "SELECT year, unit, sum(amount) AS s, count(*) AS n FROM t \
                       WHERE amount > 100 GROUP BY year, unit ORDER BY year, unit";
        let (plan, rows) = plan_and_rows(&ours, by_year).await;
        let (default_plan, expected) = plan_and_rows(&theirs, by_year).await;
        assert_eq!(rows, expected);
        assert!(rows.lines().count() > 200, "{rows}");
        // DataFusion's plan hashes the partial results to their final partition; ours
        // aggregates once, where the rows are read.
        assert!(
            default_plan.contains("RepartitionExec: partitioning=Hash"),
            "{default_plan}"
        );
        assert!(!plan.contains("RepartitionExec"), "{plan}");
        assert!(plan.contains("SinglePartitioned"), "{plan}");

        // Without a grouping by year (a top-N, a grouping by unit): DataFusion's plan.
        for sql in [
            "SELECT unit, amount FROM t ORDER BY amount DESC, unit LIMIT 5",
            "SELECT unit, sum(amount) AS s FROM t GROUP BY unit ORDER BY unit",
        ] {
            let (plan, rows) = plan_and_rows(&ours, sql).await;
            let (default_plan, expected) = plan_and_rows(&theirs, sql).await;
            assert_eq!((plan, rows), (default_plan, expected), "{sql}");
        }

        // A session that sets the option itself keeps its value.
        ours.sql("SET datafusion.optimizer.preserve_file_partitions = 5")
            .await
            .unwrap();
        let (plan, _) = plan_and_rows(&ours, by_year).await;
        assert!(
            plan.contains("RepartitionExec: partitioning=Hash"),
            "{plan}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
