//! Adjustments yusuan makes to DataFusion's physical plans: the `UnorderedConstantGroups`
//! optimizer rule and the pass-through node it inserts. A rule here may change how a
//! plan runs, never what it returns.
//!
//! Why: when a filter fixes a grouped column (`WHERE table_kind = 'expenditure' … GROUP
//! BY doc_id, table_kind, …` — nearly every check and view does this), DataFusion 55
//! sees the column as constant, hence "sorted", and aggregates in its ordered mode. A
//! constant never changes, so that mode can emit nothing early; at the end it emits the
//! groups `batch_size` at a time, and each emission shifts every remaining group, which
//! is quadratic in the number of groups: 12 s instead of 0.2 s for 4M groups
//! (docs/performance.md). The rule gives such an aggregation an input that claims no
//! order, so DataFusion plans it as the ordinary hash aggregation.

use std::fmt;
use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::AggregateExec;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties,
    InputOrderMode, PlanProperties, ReplaceChildrenOptions, SendableRecordBatchStream,
};

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
            let recompute = ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute);
            Ok(Transformed::yes(
                plan.replace_children(vec![unordered], recompute)?,
            ))
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
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::datasource::MemTable;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::physical_plan::displayable;
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
        let df = ctx.sql(SQL).await.unwrap();
        let plan = df.clone().create_physical_plan().await.unwrap();
        let text = displayable(plan.as_ref()).indent(true).to_string();
        let rows = pretty_format_batches(&df.collect().await.unwrap()).unwrap();
        (text, rows.to_string())
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
