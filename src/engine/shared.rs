//! Shared subplans: the `SharedSubplans` physical optimizer rule and `SharedExec`, the
//! node that runs a subplan once for all the places a query uses it. Owns only that;
//! like every rule of the engine it may change how a plan runs, never what it returns.
//!
//! Why: DataFusion 55 inlines views and `WITH` clauses, so a query that uses the same
//! view twice — `kuan_growth` joins the `gpb_by_function` pivot to itself, the
//! `gpb_function_rollup` view reads it three times — scans and aggregates the same line
//! items once per use. DuckDB materialises such a common table expression once.
//!
//! What is shared: complete aggregations (an `AggregateExec` in a final or single mode)
//! that occur more than once with the same plan — compared by their full (verbose) plan
//! text, after removing the dynamic filters a join or TopK pushed into their scans
//! (filters that only skip rows the consumer would drop anyway; one consumer's filter
//! must not drop rows another needs). Subplans with volatile functions or recursive
//! queries are never shared. The first consumer of a partition runs it and keeps its
//! batches for the others, accounted in the memory pool; when the pool refuses, that
//! consumer streams on and the others run the subplan again, as without the rule.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::arrow::array::RecordBatch;
use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::datasource::physical_plan::FileSource;
use datafusion::execution::TaskContext;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{DynamicFilterPhysicalExpr, lit};
use datafusion::physical_expr::utils::{conjunction, split_conjunction};
use datafusion::physical_expr_common::physical_expr::is_volatile;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, PlanProperties,
    SendableRecordBatchStream, displayable,
};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::plan::with_parquet_source;

/// Runs each repeated complete aggregation of a plan once (see the module docs).
#[derive(Debug, Default)]
pub struct SharedSubplans;

impl PhysicalOptimizerRule for SharedSubplans {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // Count the candidates by their plan text, outermost first: a repeated subplan
        // inside a repeated subplan is shared with it.
        // Each candidate's stripped plan and text, computed once, by node identity (the
        // rewrite below visits the same nodes until it replaces one).
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut candidates: HashMap<*const (), (Arc<dyn ExecutionPlan>, String)> = HashMap::new();
        plan.apply(|node| {
            if let Some((stripped, key)) = candidate(node)? {
                *counts.entry(key.clone()).or_default() += 1;
                candidates.insert(Arc::as_ptr(node).cast(), (stripped, key));
            }
            Ok(TreeNodeRecursion::Continue)
        })?;
        if counts.values().all(|&n| n < 2) {
            return Ok(plan);
        }
        let mut shared: HashMap<String, Arc<Shared>> = HashMap::new();
        let plan = plan
            .transform_down(|node| {
                let Some((stripped, key)) = candidates.get(&Arc::as_ptr(&node).cast()).cloned()
                else {
                    return Ok(Transformed::no(node));
                };
                if counts.get(&key).copied().unwrap_or(0) < 2 {
                    return Ok(Transformed::no(node));
                }
                let s = shared
                    .entry(key)
                    .or_insert_with(|| Arc::new(Shared::new(stripped)));
                s.consumers.fetch_add(1, Ordering::Relaxed);
                let node: Arc<dyn ExecutionPlan> = Arc::new(SharedExec::new(Arc::clone(s)));
                Ok(Transformed::new(node, true, TreeNodeRecursion::Jump))
            })?
            .data;
        // A subplan counted twice only because it sat inside a shared one has a single
        // consumer left: it runs as it was.
        plan.transform_up(|node| match node.downcast_ref::<SharedExec>() {
            Some(s) if s.shared.consumers.load(Ordering::Relaxed) < 2 => {
                Ok(Transformed::yes(Arc::clone(&s.shared.input)))
            }
            _ => Ok(Transformed::no(node)),
        })
        .data()
    }

    fn name(&self) -> &str {
        "shared_subplans"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// A complete aggregation that may be shared: the subplan without dynamic filters, and
/// its plan text.
fn candidate(node: &Arc<dyn ExecutionPlan>) -> Result<Option<(Arc<dyn ExecutionPlan>, String)>> {
    let complete = node.downcast_ref::<AggregateExec>().is_some_and(|a| {
        matches!(
            a.mode(),
            AggregateMode::Final
                | AggregateMode::FinalPartitioned
                | AggregateMode::Single
                | AggregateMode::SinglePartitioned
        )
    });
    if !complete || !deterministic(node)? {
        return Ok(None);
    }
    let stripped = without_dynamic_filters(Arc::clone(node))?;
    let key = format!(
        "{}{:?}",
        displayable(stripped.as_ref()).indent(true),
        stripped.schema()
    );
    Ok(Some((stripped, key)))
}

/// Whether running `plan` twice gives the same rows: no volatile function, no
/// recursive query.
fn deterministic(plan: &Arc<dyn ExecutionPlan>) -> Result<bool> {
    let mut ok = true;
    plan.apply(|node| {
        if matches!(node.name(), "RecursiveQueryExec" | "WorkTableExec") {
            ok = false;
            return Ok(TreeNodeRecursion::Stop);
        }
        node.apply_expressions(&mut |e: &Arc<dyn PhysicalExpr>| {
            if is_volatile(e) {
                ok = false;
                return Ok(TreeNodeRecursion::Stop);
            }
            Ok(TreeNodeRecursion::Continue)
        })?;
        Ok(if ok {
            TreeNodeRecursion::Continue
        } else {
            TreeNodeRecursion::Stop
        })
    })?;
    Ok(ok)
}

/// `plan` with the dynamic filters of its Parquet scans removed (`true` where nothing is
/// left).
fn without_dynamic_filters(plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
    plan.transform_up(|node| {
        let is_dynamic =
            |e: &Arc<dyn PhysicalExpr>| e.downcast_ref::<DynamicFilterPhysicalExpr>().is_some();
        let stripped = with_parquet_source(&node, |parquet| {
            // A scan without a predicate gets `true`, so that it reads the same as one
            // whose only predicate was a dynamic filter.
            let predicate = match FileSource::filter(parquet) {
                Some(p) if !split_conjunction(&p).into_iter().any(is_dynamic) => return None,
                Some(p) => {
                    let kept: Vec<Arc<dyn PhysicalExpr>> = split_conjunction(&p)
                        .into_iter()
                        .filter(|e| !is_dynamic(e))
                        .cloned()
                        .collect();
                    if kept.is_empty() {
                        lit(true)
                    } else {
                        conjunction(kept)
                    }
                }
                None => lit(true),
            };
            Some(parquet.with_predicate(predicate))
        })?;
        Ok(match stripped {
            Some(scan) => Transformed::yes(scan),
            None => Transformed::no(node),
        })
    })
    .data()
}

/// One shared subplan: its input, how many `SharedExec` nodes read it, and per output
/// partition what has been computed.
struct Shared {
    input: Arc<dyn ExecutionPlan>,
    consumers: AtomicUsize,
    partitions: Vec<tokio::sync::Mutex<Slot>>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("Shared")
            .field("consumers", &self.consumers)
            .finish_non_exhaustive()
    }
}

/// A partition's state.
enum Slot {
    /// Nobody has read it yet.
    Pending,
    /// Computed and kept for the consumers that have not read it yet.
    Kept {
        batches: Arc<Vec<RecordBatch>>,
        served: usize,
        _reservation: MemoryReservation,
    },
    /// Every consumer has read it, or it was too large to keep: run the input again.
    Rerun,
}

impl Shared {
    fn new(input: Arc<dyn ExecutionPlan>) -> Shared {
        let n = input.output_partitioning().partition_count();
        Shared {
            input,
            consumers: AtomicUsize::new(0),
            partitions: (0..n)
                .map(|_| tokio::sync::Mutex::new(Slot::Pending))
                .collect(),
        }
    }

    /// The batches of `partition` for one consumer.
    async fn open(
        self: Arc<Self>,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        let consumers = self.consumers.load(Ordering::Relaxed);
        let mut slot = self.partitions[partition].lock().await;
        match &mut *slot {
            Slot::Pending => {
                let mut input = self.input.execute(partition, Arc::clone(&context))?;
                let reservation = MemoryConsumer::new(format!("SharedExec[{partition}]"))
                    .register(context.memory_pool());
                let mut batches = Vec::new();
                while let Some(batch) = input.next().await {
                    let batch = batch?;
                    if reservation.try_grow(batch.get_array_memory_size()).is_err() {
                        // Too large to keep: this consumer streams on, the others rerun.
                        *slot = Slot::Rerun;
                        batches.push(batch);
                        return Ok(stream::iter(batches.into_iter().map(Ok))
                            .chain(input)
                            .boxed());
                    }
                    batches.push(batch);
                }
                let batches = Arc::new(batches);
                *slot = if consumers > 1 {
                    Slot::Kept {
                        batches: Arc::clone(&batches),
                        served: 1,
                        _reservation: reservation,
                    }
                } else {
                    Slot::Rerun
                };
                Ok(replay(batches))
            }
            Slot::Kept {
                batches, served, ..
            } => {
                *served += 1;
                let batches = Arc::clone(batches);
                if *served >= consumers {
                    *slot = Slot::Rerun;
                }
                Ok(replay(batches))
            }
            Slot::Rerun => {
                drop(slot);
                Ok(self.input.execute(partition, context)?.boxed())
            }
        }
    }
}

fn replay(batches: Arc<Vec<RecordBatch>>) -> BoxStream<'static, Result<RecordBatch>> {
    stream::iter((0..batches.len()).map(move |i| Ok(batches[i].clone()))).boxed()
}

/// Reads a shared subplan (see the module docs).
#[derive(Debug)]
pub struct SharedExec {
    shared: Arc<Shared>,
    properties: Arc<PlanProperties>,
}

impl SharedExec {
    fn new(shared: Arc<Shared>) -> SharedExec {
        let properties = Arc::clone(shared.input.properties());
        SharedExec { shared, properties }
    }
}

impl DisplayAs for SharedExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "SharedExec: consumers={}",
            self.shared.consumers.load(Ordering::Relaxed)
        )
    }
}

impl ExecutionPlan for SharedExec {
    fn name(&self) -> &str {
        "SharedExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.shared.input]
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
        // A rewritten copy no longer shares: it runs its input like any node.
        let shared = Shared::new(children.swap_remove(0));
        shared.consumers.store(1, Ordering::Relaxed);
        Ok(Arc::new(SharedExec::new(Arc::new(shared))))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let shared = Arc::clone(&self.shared);
        let batches = stream::once(shared.open(partition, context)).try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema(),
            batches,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::{plan_and_rows, register_parquet_t};
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::datasource::memory::MemorySourceConfig;
    use datafusion::execution::memory_pool::GreedyMemoryPool;
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::prelude::SessionContext;

    fn batch() -> RecordBatch {
        let n = 2000i64;
        let schema = Arc::new(Schema::new(vec![
            Field::new("unit", DataType::Utf8, false),
            Field::new("year", DataType::Int64, false),
            Field::new("amount", DataType::Int64, false),
        ]));
        let units: Vec<String> = (0..n).map(|i| format!("unit {}", i % 37)).collect();
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(units)),
                Arc::new(Int64Array::from_iter_values((0..n).map(|i| 2015 + i % 5))),
                Arc::new(Int64Array::from_iter_values(
                    (0..n).map(|i| (i * 7919) % 1009),
                )),
            ],
        )
        .unwrap()
    }

    /// The plan and rows of `sql` over a Parquet file, with or without the rule.
    async fn run(dir: &std::path::Path, sql: &str, shared: bool) -> (String, String) {
        let mut rules = datafusion::physical_optimizer::optimizer::PhysicalOptimizer::new().rules;
        if shared {
            rules.push(Arc::new(SharedSubplans));
        }
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_physical_optimizer_rules(rules)
            .build();
        let ctx = SessionContext::new_with_state(state);
        register_parquet_t(&ctx, &dir.join("t.parquet"), batch).await;
        plan_and_rows(&ctx, sql).await
    }

    const SELF_JOIN: &str = "WITH k AS (SELECT unit, year, sum(amount) AS total FROM t GROUP BY unit, year) \
         SELECT cur.unit, cur.year, cur.total - prev.total AS change \
         FROM k cur JOIN k prev ON prev.unit = cur.unit AND prev.year = cur.year - 1 \
         ORDER BY cur.unit, cur.year";

    #[tokio::test]
    async fn a_repeated_aggregation_runs_once_with_the_same_result() {
        let dir = tempfile::tempdir().unwrap();
        let (plain, plain_rows) = run(dir.path(), SELF_JOIN, false).await;
        let (ruled, ruled_rows) = run(dir.path(), SELF_JOIN, true).await;
        // DataFusion pushes the join's dynamic filter into one side's scan only; the
        // rule shares both sides anyway.
        assert!(plain.contains("DynamicFilter"), "{plain}");
        assert_eq!(
            ruled.matches("SharedExec: consumers=2").count(),
            2,
            "{ruled}"
        );
        assert_eq!(plain_rows, ruled_rows);
        // 37 units × 4 year pairs.
        let rows = ruled_rows
            .lines()
            .filter(|l| l.starts_with("| unit ") && !l.contains("year"));
        assert_eq!(rows.count(), 148);
    }

    #[tokio::test]
    async fn volatile_or_single_use_aggregations_are_not_shared() {
        let dir = tempfile::tempdir().unwrap();
        for sql in [
            "WITH k AS (SELECT unit, sum(amount * random()) AS total FROM t GROUP BY unit) \
             SELECT sum(a.total - b.total) FROM k a JOIN k b ON a.unit = b.unit",
            "SELECT unit, sum(amount) FROM t GROUP BY unit",
            // Different aggregations of the same table.
            "WITH a AS (SELECT unit, sum(amount) AS s FROM t GROUP BY unit), \
                  b AS (SELECT unit, max(amount) AS m FROM t GROUP BY unit) \
             SELECT sum(a.s - b.m) FROM a JOIN b ON a.unit = b.unit",
        ] {
            let (ruled, _) = run(dir.path(), sql, true).await;
            assert!(!ruled.contains("SharedExec"), "{ruled}");
        }
    }

    #[tokio::test]
    async fn a_result_the_memory_pool_refuses_is_computed_again() {
        let b = batch();
        let input = MemorySourceConfig::try_new_exec(&[vec![b.clone()]], b.schema(), None).unwrap();
        let shared = Arc::new(Shared::new(input));
        shared.consumers.store(2, Ordering::Relaxed);
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(GreedyMemoryPool::new(16)))
            .build_arc()
            .unwrap();
        let context = Arc::new(TaskContext::default().with_runtime(runtime));
        for _ in 0..2 {
            let stream = Arc::clone(&shared)
                .open(0, Arc::clone(&context))
                .await
                .unwrap();
            let batches: Vec<RecordBatch> = stream.try_collect().await.unwrap();
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            assert_eq!(rows, 2000);
            assert!(matches!(*shared.partitions[0].lock().await, Slot::Rerun));
        }
        // With room, the first consumer keeps the batches for the second.
        let shared = Arc::new(Shared::new(Arc::clone(&shared.input)));
        shared.consumers.store(2, Ordering::Relaxed);
        let context = Arc::new(TaskContext::default());
        let first: Vec<RecordBatch> = Arc::clone(&shared)
            .open(0, Arc::clone(&context))
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert!(matches!(
            *shared.partitions[0].lock().await,
            Slot::Kept { .. }
        ));
        let second: Vec<RecordBatch> = Arc::clone(&shared)
            .open(0, context)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(first, second);
        assert!(matches!(*shared.partitions[0].lock().await, Slot::Rerun));
    }
}
