//! Adjustments yusuan makes to DataFusion's physical plans: the `UnorderedConstantGroups`
//! optimizer rule and the pass-through node it inserts, and `LateMaterializedTopK`. A
//! rule here may change how a plan runs, never what it returns.
//!
//! `UnorderedConstantGroups` — when a filter fixes a grouped column (`WHERE table_kind = 'expenditure' … GROUP
//! BY doc_id, table_kind, …` — nearly every check and view does this), DataFusion 55
//! sees the column as constant, hence "sorted", and aggregates in its ordered mode. A
//! constant never changes, so that mode can emit nothing early; at the end it emits the
//! groups `batch_size` at a time, and each emission shifts every remaining group, which
//! is quadratic in the number of groups: 12 s instead of 0.2 s for 4M groups
//! (docs/performance.md). The rule gives such an aggregation an input that claims no
//! order, so DataFusion plans it as the ordinary hash aggregation.
//!
//! `LateMaterializedTopK` — a top-N straight over a Parquet scan (`ORDER BY total DESC
//! LIMIT 10` over projects) decodes every column of every row to keep ten. DataFusion's
//! TopK publishes its current threshold as a dynamic filter; with filter pushdown on for
//! that one scan the reader evaluates the filters first, on their own columns, and
//! decodes the other columns only for the rows that pass (late materialisation).
//! Pushdown stays off for every other scan: there it was slower (docs/performance.md).

use std::fmt;
use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::datasource::physical_plan::{FileScanConfig, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::TaskContext;
use datafusion::execution::cache::cache_manager::FileMetadataCache;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::physical_plan::aggregates::AggregateExec;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties,
    InputOrderMode, PlanProperties, ReplaceChildrenOptions, SendableRecordBatchStream,
};

/// DataFusion's physical optimizer rules with yusuan's: `LateMaterializedTopK` before the
/// first filter pushdown (which reads the setting it changes), then at the end
/// `UnorderedConstantGroups` (it reads the constants a filter establishes), `ProvenFilters`
/// (it removes such filters, reading footers through `cache`) and `SharedSubplans` (it
/// compares finished plans).
pub fn physical_optimizer_rules(
    cache: Arc<FileMetadataCache>,
) -> Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> {
    let mut rules = PhysicalOptimizer::new().rules;
    let first_pushdown = rules
        .iter()
        .position(|r| r.name() == "FilterPushdown")
        .unwrap_or(0);
    rules.insert(first_pushdown, Arc::new(LateMaterializedTopK));
    rules.push(Arc::new(UnorderedConstantGroups));
    rules.push(Arc::new(super::proven::ProvenFilters::new(cache)));
    rules.push(Arc::new(super::shared::SharedSubplans));
    rules
}

/// Plans an aggregation whose only "ordered" group columns are constants as an unordered
/// hash aggregation (see the module docs).
#[derive(Debug, Default)]
pub struct UnorderedConstantGroups;

impl PhysicalOptimizerRule for UnorderedConstantGroups {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|plan| {
            let Some(agg) = plan.downcast_ref::<AggregateExec>() else {
                return Ok(Transformed::no(plan));
            };
            let groups = agg.group_expr().expr();
            let ordered: Vec<usize> = match agg.input_order_mode() {
                InputOrderMode::Linear => return Ok(Transformed::no(plan)),
                InputOrderMode::PartiallySorted(indices) => indices.clone(),
                InputOrderMode::Sorted => (0..groups.len()).collect(),
            };
            let input = Arc::clone(agg.input());
            let eq = input.equivalence_properties();
            let constant = |i: &usize| {
                groups
                    .get(*i)
                    .is_some_and(|(e, _)| eq.is_expr_constant(e).is_some())
            };
            if ordered.is_empty() || !ordered.iter().all(constant) {
                return Ok(Transformed::no(plan));
            }
            let unordered: Arc<dyn ExecutionPlan> = Arc::new(Unordered::new(input));
            Ok(Transformed::yes(with_only_child(&plan, unordered)?))
        })
        .data()
    }

    fn name(&self) -> &str {
        "unordered_constant_groups"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Turns Parquet filter pushdown on for scans that feed a TopK through operators that
/// only filter, project or move rows (see the module docs). Must run before
/// DataFusion's `FilterPushdown` rules, which read the scan's setting.
#[derive(Debug, Default)]
pub struct LateMaterializedTopK;

impl PhysicalOptimizerRule for LateMaterializedTopK {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_down(|plan| {
            let is_top_k = plan
                .downcast_ref::<SortExec>()
                .is_some_and(|s| s.fetch().is_some());
            if !is_top_k {
                return Ok(Transformed::no(plan));
            }
            let input = Arc::clone(plan.children()[0]);
            match with_late_materialization(input)? {
                Some(input) => Ok(Transformed::new(
                    with_only_child(&plan, input)?,
                    true,
                    TreeNodeRecursion::Jump,
                )),
                None => Ok(Transformed::no(plan)),
            }
        })
        .data()
    }

    fn name(&self) -> &str {
        "late_materialized_top_k"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `plan` with filter pushdown on in its Parquet scan, when it is a chain of
/// row-preserving operators (projection, filter, repartition, coalesce) ending in one.
fn with_late_materialization(
    plan: Arc<dyn ExecutionPlan>,
) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    if plan.downcast_ref::<DataSourceExec>().is_some() {
        return with_parquet_source(&plan, |p| Some(p.clone().with_pushdown_filters(true)));
    }
    let passes_rows = plan.downcast_ref::<ProjectionExec>().is_some()
        || plan.downcast_ref::<FilterExec>().is_some()
        || plan.downcast_ref::<RepartitionExec>().is_some()
        || plan.downcast_ref::<CoalescePartitionsExec>().is_some();
    if !passes_rows {
        return Ok(None);
    }
    let input = Arc::clone(plan.children()[0]);
    with_late_materialization(input)?
        .map(|input| with_only_child(&plan, input))
        .transpose()
}

/// `plan`, a node with one input, over `child` instead (its properties recomputed).
pub(super) fn with_only_child(
    plan: &Arc<dyn ExecutionPlan>,
    child: Arc<dyn ExecutionPlan>,
) -> Result<Arc<dyn ExecutionPlan>> {
    let recompute = ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute);
    Arc::clone(plan).replace_children(vec![child], recompute)
}

/// `plan`, a Parquet scan, with its source replaced by `change(source)`; `None` when
/// `plan` is not a Parquet scan or `change` leaves it as it is.
pub(super) fn with_parquet_source(
    plan: &Arc<dyn ExecutionPlan>,
    change: impl FnOnce(&ParquetSource) -> Option<ParquetSource>,
) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    let Some(scan) = plan.downcast_ref::<DataSourceExec>() else {
        return Ok(None);
    };
    let Some(config) = scan.data_source().downcast_ref::<FileScanConfig>() else {
        return Ok(None);
    };
    let Some(parquet) = config.file_source.downcast_ref::<ParquetSource>() else {
        return Ok(None);
    };
    let Some(source) = change(parquet) else {
        return Ok(None);
    };
    let mut config = config.clone();
    config.file_source = Arc::new(source);
    let scan: Arc<dyn ExecutionPlan> = DataSourceExec::from_data_source(config);
    Ok(Some(scan))
}

/// Passes its input through unchanged but claims no ordering or equivalences.
#[derive(Debug)]
pub struct Unordered {
    input: Arc<dyn ExecutionPlan>,
    properties: Arc<PlanProperties>,
}

impl Unordered {
    pub fn new(input: Arc<dyn ExecutionPlan>) -> Self {
        let mut properties = input.properties().as_ref().clone();
        properties.set_eq_properties(EquivalenceProperties::new(input.schema()));
        Unordered {
            input,
            properties: Arc::new(properties),
        }
    }
}

impl DisplayAs for Unordered {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "UnorderedExec")
    }
}

impl ExecutionPlan for Unordered {
    fn name(&self) -> &str {
        "UnorderedExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(Unordered::new(children.swap_remove(0))))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        self.input.execute(partition, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::datasource::MemTable;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::prelude::SessionContext;

    const SQL: &str = "select kind, doc, sum(amount) as total from t \
                       where kind = 'expenditure' group by doc, kind order by doc";

    async fn plan_and_result(with_rule: bool) -> (String, String) {
        let mut builder = SessionStateBuilder::new().with_default_features();
        if with_rule {
            builder = builder.with_physical_optimizer_rule(Arc::new(UnorderedConstantGroups));
        }
        let ctx = SessionContext::new_with_state(builder.build());
        let schema = Arc::new(Schema::new(vec![
            Field::new("kind", DataType::Utf8, false),
            Field::new("doc", DataType::Utf8, false),
            Field::new("amount", DataType::Int64, false),
        ]));
        let kinds = ["expenditure", "income", "expenditure", "expenditure"];
        let docs = ["b", "a", "a", "b"];
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(kinds.to_vec())),
                Arc::new(StringArray::from(docs.to_vec())),
                Arc::new(Int64Array::from(vec![1, 10, 100, 1000])),
            ],
        )
        .unwrap();
        let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
        ctx.register_table("t", Arc::new(table)).unwrap();
        crate::engine::testing::plan_and_rows(&ctx, SQL).await
    }

    #[tokio::test]
    async fn constant_group_columns_aggregate_unordered_with_the_same_result() {
        let (plain, plain_rows) = plan_and_result(false).await;
        let (ruled, ruled_rows) = plan_and_result(true).await;
        // The premise: DataFusion orders by the constant (if this fails, DataFusion has
        // changed and the rule may no longer be needed).
        assert!(plain.contains("ordering_mode="), "{plain}");
        assert!(ruled.contains("UnorderedExec"), "{ruled}");
        assert!(!ruled.contains("ordering_mode="), "{ruled}");
        assert_eq!(plain_rows, ruled_rows);
        assert!(
            ruled_rows.contains("| expenditure | a   | 100   |"),
            "{ruled_rows}"
        );
        assert!(
            ruled_rows.contains("| expenditure | b   | 1001  |"),
            "{ruled_rows}"
        );
    }
}

#[cfg(test)]
mod top_k_tests {
    use super::*;
    use crate::engine::testing::{plan_and_rows, register_parquet_t, session};
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;

    /// The plan and rows of `sql` over a Parquet file of 1,000 rows.
    async fn plan_and_result(dir: &std::path::Path, sql: &str, yusuan: bool) -> (String, String) {
        let ctx = session(yusuan);
        register_parquet_t(&ctx, &dir.join("t.parquet"), table).await;
        plan_and_rows(&ctx, sql).await
    }

    /// 1,000 projects of kinds a and b, totals in no order, some missing.
    fn table() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("kind", DataType::Utf8, false),
            Field::new("name", DataType::Utf8, false),
            Field::new("total", DataType::Int64, true),
        ]));
        let n = 1000i64;
        let kinds: Vec<&str> = (0..n).map(|i| if i % 3 == 0 { "a" } else { "b" }).collect();
        let names: Vec<String> = (0..n).map(|i| format!("project {i}")).collect();
        let totals: Vec<Option<i64>> = (0..n)
            .map(|i| (i % 7 != 0).then_some((i * 7919) % 1009))
            .collect();
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(kinds)),
                Arc::new(StringArray::from(names)),
                Arc::new(Int64Array::from(totals)),
            ],
        )
        .unwrap()
    }

    #[tokio::test]
    async fn top_k_scans_filter_while_reading_with_the_same_result() {
        let dir = tempfile::tempdir().unwrap();
        let top = "SELECT name, total FROM t WHERE kind = 'a' AND total IS NOT NULL \
                   ORDER BY total DESC, name LIMIT 5";
        let (plain, plain_rows) = plan_and_result(dir.path(), top, false).await;
        let (ruled, ruled_rows) = plan_and_result(dir.path(), top, true).await;
        // Without the rule the filter runs after decoding; with it, inside the scan.
        assert!(plain.contains("FilterExec"), "{plain}");
        assert!(!ruled.contains("FilterExec"), "{ruled}");
        assert_eq!(plain_rows, ruled_rows);
        // The five largest totals of kind a, computed here without DataFusion.
        let mut expected: Vec<(String, String)> = (0..1000i64)
            .filter(|i| i % 3 == 0 && i % 7 != 0)
            .map(|i| (format!("project {i}"), ((i * 7919) % 1009).to_string()))
            .collect();
        expected.sort_by(|a, b| {
            let total = |x: &(String, String)| x.1.parse::<i64>().unwrap();
            total(b).cmp(&total(a)).then(a.0.cmp(&b.0))
        });
        expected.truncate(5);
        let got: Vec<(String, String)> = ruled_rows
            .lines()
            .filter(|l| l.starts_with("| project"))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (cells[1].to_string(), cells[2].to_string())
            })
            .collect();
        assert_eq!(got, expected);
        // Without a LIMIT the scan is left as it is.
        let all = "SELECT name, total FROM t WHERE kind = 'a' ORDER BY total DESC, name";
        let (ruled, _) = plan_and_result(dir.path(), all, true).await;
        assert!(ruled.contains("FilterExec"), "{ruled}");
    }
}
