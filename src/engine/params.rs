//! The `InlineConstantRows` logical optimizer rule: an inner join with a relation of
//! exactly one row of constants (`WITH params AS (SELECT '208' AS class_code) … FROM g,
//! params WHERE g.function_code = params.class_code`, the parameter idiom of `queries/`)
//! becomes a projection adding the constants and a filter. Owns only that rewrite; it
//! must never change what a query returns.
//!
//! Why: DataFusion 55 plans such a join as a join — a nested-loop or hash join against a
//! one-row placeholder — so the parameter's value never reaches the scan. As a filter
//! with a literal it is pushed below aggregations and views into the Parquet scan, where
//! statistics can prune by it (docs/performance.md).

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchemaRef, JoinType, NullEquality, Result};
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, Filter, LogicalPlan, Projection};
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

/// Replaces an inner join with a one-row relation of constants by a projection and a
/// filter (see the module docs).
#[derive(Debug, Default)]
pub struct InlineConstantRows;

impl OptimizerRule for InlineConstantRows {
    fn name(&self) -> &str {
        "yusuan_inline_constant_rows"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::BottomUp)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let LogicalPlan::Join(join) = &plan else {
            return Ok(Transformed::no(plan));
        };
        // NULL = NULL is false in a filter: only joins that treat NULL keys so qualify.
        if join.join_type != JoinType::Inner
            || join.null_equality != NullEquality::NullEqualsNothing
            || join.null_aware
        {
            return Ok(Transformed::no(plan));
        }
        let (constants, constants_left) =
            match (constant_row(&join.left), constant_row(&join.right)) {
                (_, Some(c)) => (c, false),
                (Some(c), None) => (c, true),
                (None, None) => return Ok(Transformed::no(plan)),
            };
        let (other, constant_side) = if constants_left {
            (&join.right, &join.left)
        } else {
            (&join.left, &join.right)
        };
        let named = |schema: &DFSchemaRef| -> Vec<Expr> {
            schema
                .iter()
                .map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name())))
                .collect()
        };
        let constant_exprs: Vec<Expr> = constant_side
            .schema()
            .iter()
            .zip(constants)
            .map(|((q, f), e)| e.alias_qualified(q.cloned(), f.name()))
            .collect();
        let mut exprs = named(other.schema());
        if constants_left {
            exprs.splice(0..0, constant_exprs);
        } else {
            exprs.extend(constant_exprs);
        }
        let projected = LogicalPlan::Projection(Projection::try_new(exprs, Arc::clone(other))?);
        let conditions = join
            .on
            .iter()
            .map(|(l, r)| l.clone().eq(r.clone()))
            .chain(join.filter.clone());
        let rewritten = match conjunction(conditions) {
            Some(predicate) => {
                LogicalPlan::Filter(Filter::try_new(predicate, Arc::new(projected))?)
            }
            None => projected,
        };
        Ok(Transformed::yes(rewritten))
    }
}

/// The value of each output column of `plan` as an expression without column
/// references, when `plan` is exactly one row of constants (a projection of literals
/// over a one-row placeholder, possibly aliased or projected again).
fn constant_row(plan: &LogicalPlan) -> Option<Vec<Expr>> {
    match plan {
        LogicalPlan::EmptyRelation(e) if e.produce_one_row => {
            // The placeholder row itself carries no values.
            e.schema.fields().is_empty().then(Vec::new)
        }
        LogicalPlan::SubqueryAlias(a) => constant_row(&a.input),
        LogicalPlan::Projection(p) => {
            let inputs = constant_row(&p.input)?;
            let input_schema = p.input.schema();
            p.expr
                .iter()
                .map(|e| {
                    let e = e.clone().unalias();
                    let inlined = e
                        .transform(|e| match e {
                            Expr::Column(c) => {
                                let i = input_schema.index_of_column(&c)?;
                                Ok(Transformed::yes(inputs[i].clone()))
                            }
                            e => Ok(Transformed::no(e)),
                        })
                        .ok()?
                        .data;
                    let constant = inlined.column_refs().is_empty() && !inlined.is_volatile();
                    constant.then_some(inlined)
                })
                .collect()
        }
        _ => None,
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
    use datafusion::prelude::SessionContext;

    async fn run(sql: &str, with_rule: bool) -> (String, String) {
        let mut builder = SessionStateBuilder::new().with_default_features();
        if with_rule {
            builder = builder.with_optimizer_rule(Arc::new(InlineConstantRows));
        }
        let ctx = SessionContext::new_with_state(builder.build());
        let schema = Arc::new(Schema::new(vec![
            Field::new("code", DataType::Utf8, true),
            Field::new("amount", DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![
                    Some("208"),
                    Some("201"),
                    None,
                    Some("208"),
                ])),
                Arc::new(Int64Array::from(vec![1, 10, 100, 1000])),
            ],
        )
        .unwrap();
        let table = MemTable::try_new(schema, vec![vec![batch]]).unwrap();
        ctx.register_table("t", Arc::new(table)).unwrap();
        let df = ctx.sql(sql).await.unwrap();
        let plan = df.clone().into_optimized_plan().unwrap();
        let rows = pretty_format_batches(&df.collect().await.unwrap()).unwrap();
        (plan.display_indent().to_string(), rows.to_string())
    }

    /// The rule's effect and its result, against DataFusion's plan without it.
    async fn same_result(sql: &str) -> (String, String) {
        let (plain, plain_rows) = run(sql, false).await;
        let (ruled, ruled_rows) = run(sql, true).await;
        assert!(plain.contains("Join"), "{plain}");
        assert!(!ruled.contains("Join"), "{ruled}");
        assert_eq!(plain_rows, ruled_rows, "{sql}");
        (ruled, ruled_rows)
    }

    #[tokio::test]
    async fn a_parameter_row_becomes_a_filter_with_the_same_result() {
        let (plan, rows) = same_result(
            "WITH params AS (SELECT '208' AS class_code, 5 AS min_amount) \
             SELECT code, sum(amount) AS total, params.class_code FROM t, params \
             WHERE code = params.class_code AND amount >= params.min_amount GROUP BY code, params.class_code",
        )
        .await;
        // The literal reaches the scan's filter.
        assert!(plan.contains("t.code = Utf8(\"208\")"), "{plan}");
        assert!(rows.contains("| 208  | 1000  | 208        |"), "{rows}");
    }

    #[tokio::test]
    async fn parameters_on_the_left_null_parameters_and_joins_on_keys() {
        // Constants on the left of the join; the output keeps its column order.
        let (_, rows) = same_result(
            "WITH params AS (SELECT 10 AS min_amount) \
             SELECT * FROM params, t WHERE t.amount >= params.min_amount ORDER BY amount",
        )
        .await;
        assert!(rows.contains("| 10         | 201  | 10     |"), "{rows}");
        // A NULL parameter matches nothing, as the join did.
        let (_, rows) = same_result(
            "WITH params AS (SELECT CAST(NULL AS VARCHAR) AS code) \
             SELECT t.code, amount FROM t JOIN params ON t.code = params.code",
        )
        .await;
        assert!(!rows.contains("| 208"), "{rows}");
        // A parameter computed from another.
        same_result(
            "WITH p1 AS (SELECT 2 AS n), params AS (SELECT n * 5 AS min_amount FROM p1) \
             SELECT count(*) AS c FROM t, params WHERE amount >= params.min_amount",
        )
        .await;
    }

    #[tokio::test]
    async fn relations_that_are_not_one_constant_row_stay_joins() {
        for sql in [
            // Two rows.
            "WITH params AS (SELECT 1 AS n UNION ALL SELECT 2) \
             SELECT count(*) FROM t, params WHERE amount >= params.n",
            // A volatile value.
            "WITH params AS (SELECT random() AS r) SELECT count(*) FROM t, params WHERE amount > params.r",
            // An outer join.
            "WITH params AS (SELECT '208' AS code) \
             SELECT t.code FROM t LEFT JOIN params ON t.code = params.code",
        ] {
            let (plain, plain_rows) = run(sql, false).await;
            let (ruled, ruled_rows) = run(sql, true).await;
            assert!(ruled.contains("Join"), "{ruled}");
            if !sql.contains("random") {
                assert_eq!(plain, ruled);
                assert_eq!(plain_rows, ruled_rows);
            }
        }
    }
}
