//! `COUNT(DISTINCT text)` per group without copying the text.
//!
//! DataFusion 55 counts distinct text through its per-group adapter: every batch is split
//! into one array per group (a `take`, copying every string) and each group's strings go
//! into a set of their own. Grouped distinct counts of names and codes (`q09`: units and
//! 项 per year) spent more time there than in reading the column. [`Count`] is
//! DataFusion's `count` with one difference: for `COUNT(DISTINCT x)` over `Utf8` it
//! provides a groups accumulator ([`StringDistinctCount`]) that hashes each (group, value)
//! pair straight from the input array into one table, keeping a copy of a value only the
//! first time a group sees it. Everything else — `count(*)`, `count(x)`, other types,
//! statistics, names, defaults — is DataFusion's own `count`, delegated. The results are
//! DataFusion's (a test compares them on every path: one phase, partial + final, early
//! emission). Owns no SQL and no other function.

use std::hash::BuildHasher;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, ListArray, StringArray,
};
use datafusion::arrow::buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::hash_utils::RandomState;
use datafusion::common::{Result, ScalarValue};
use datafusion::functions_aggregate::count::count_udaf;
use datafusion::logical_expr::expr::{
    AggregateFunction, AggregateFunctionParams, WindowFunctionParams,
};
use datafusion::logical_expr::function::{
    AccumulatorArgs, AggregateFunctionSimplification, StateFieldsArgs,
};
use datafusion::logical_expr::utils::AggregateOrderSensitivity;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, EmitTo, Expr, GroupsAccumulator,
    Operator, ReversedUDAF, SetMonotonicity, Signature, StatisticsArgs,
};
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// DataFusion's `count`, with a groups accumulator for `COUNT(DISTINCT text)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Count {
    inner: Arc<AggregateUDF>,
}

impl Count {
    pub fn new() -> Count {
        Count {
            inner: count_udaf(),
        }
    }

    fn base(&self) -> &dyn AggregateUDFImpl {
        self.inner.inner().as_ref()
    }
}

impl Default for Count {
    fn default() -> Self {
        Count::new()
    }
}

/// Whether [`StringDistinctCount`] takes the aggregation.
fn distinct_text(args: &AccumulatorArgs) -> bool {
    args.is_distinct && args.exprs.len() == 1 && args.expr_fields[0].data_type() == &DataType::Utf8
}

impl AggregateUDFImpl for Count {
    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        distinct_text(&args) || self.base().groups_accumulator_supported(args)
    }
    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        if distinct_text(&args) {
            return Ok(Box::new(StringDistinctCount::default()));
        }
        self.base().create_groups_accumulator(args)
    }

    // The rest is DataFusion's `count`.
    fn name(&self) -> &str {
        self.base().name()
    }
    fn aliases(&self) -> &[String] {
        self.base().aliases()
    }
    fn schema_name(&self, params: &AggregateFunctionParams) -> Result<String> {
        self.base().schema_name(params)
    }
    fn human_display(&self, params: &AggregateFunctionParams) -> Result<String> {
        self.base().human_display(params)
    }
    fn window_function_schema_name(&self, params: &WindowFunctionParams) -> Result<String> {
        self.base().window_function_schema_name(params)
    }
    fn display_name(&self, params: &AggregateFunctionParams) -> Result<String> {
        self.base().display_name(params)
    }
    fn window_function_display_name(&self, params: &WindowFunctionParams) -> Result<String> {
        self.base().window_function_display_name(params)
    }
    fn signature(&self) -> &Signature {
        self.base().signature()
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.base().return_type(arg_types)
    }
    fn return_field(&self, arg_fields: &[FieldRef]) -> Result<FieldRef> {
        self.base().return_field(arg_fields)
    }
    fn is_nullable(&self) -> bool {
        self.base().is_nullable()
    }
    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        self.base().accumulator(acc_args)
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        self.base().state_fields(args)
    }
    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        self.base().create_sliding_accumulator(args)
    }
    fn with_beneficial_ordering(
        self: Arc<Self>,
        beneficial_ordering: bool,
    ) -> Result<Option<Arc<dyn AggregateUDFImpl>>> {
        Arc::clone(self.inner.inner()).with_beneficial_ordering(beneficial_ordering)
    }
    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        self.base().order_sensitivity()
    }
    fn simplify(&self) -> Option<AggregateFunctionSimplification> {
        self.base().simplify()
    }
    fn simplify_expr_op_literal(
        &self,
        agg_function: &AggregateFunction,
        arg: &Expr,
        op: Operator,
        lit: &Expr,
        arg_is_left: bool,
    ) -> Result<Option<Expr>> {
        self.base()
            .simplify_expr_op_literal(agg_function, arg, op, lit, arg_is_left)
    }
    fn reverse_expr(&self) -> ReversedUDAF {
        self.base().reverse_expr()
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.base().coerce_types(arg_types)
    }
    fn is_descending(&self) -> Option<bool> {
        self.base().is_descending()
    }
    fn value_from_stats(&self, statistics_args: &StatisticsArgs) -> Option<ScalarValue> {
        self.base().value_from_stats(statistics_args)
    }
    fn default_value(&self, data_type: &DataType) -> Result<ScalarValue> {
        self.base().default_value(data_type)
    }
    fn supports_null_handling_clause(&self) -> bool {
        self.base().supports_null_handling_clause()
    }
    fn supports_within_group_clause(&self) -> bool {
        self.base().supports_within_group_clause()
    }
    fn documentation(&self) -> Option<&Documentation> {
        self.base().documentation()
    }
    fn set_monotonicity(&self, data_type: &DataType) -> SetMonotonicity {
        self.base().set_monotonicity(data_type)
    }
}

/// One distinct (group, value) pair: the value is `bytes[start..start + len]`.
#[derive(Clone, Copy)]
struct Seen {
    hash: u64,
    group: usize,
    start: usize,
    len: usize,
}

/// `COUNT(DISTINCT text)` for every group at once: one hash table of (group, value)
/// pairs over one byte arena, and the count per group.
#[derive(Default)]
pub struct StringDistinctCount {
    seen: HashTable<Seen>,
    bytes: Vec<u8>,
    counts: Vec<i64>,
    random: RandomState,
}

impl StringDistinctCount {
    fn insert(&mut self, group: usize, value: &[u8]) {
        let hash = self.random.hash_one((group, value));
        let bytes = &self.bytes;
        let entry = self.seen.entry(
            hash,
            |s| s.group == group && &bytes[s.start..s.start + s.len] == value,
            |s| s.hash,
        );
        if let Entry::Vacant(vacant) = entry {
            let start = self.bytes.len();
            self.bytes.extend_from_slice(value);
            vacant.insert(Seen {
                hash,
                group,
                start,
                len: value.len(),
            });
            self.counts[group] += 1;
        }
    }

    /// Inserts the valid values of `array` selected by `filter`; a row equal to the one
    /// before it in the same group is skipped without hashing (names and codes arrive in
    /// runs).
    fn insert_all(
        &mut self,
        array: &StringArray,
        group_indices: &[usize],
        filter: Option<&BooleanArray>,
    ) {
        let mut previous: Option<(usize, usize)> = None; // (group, row)
        for (row, &group) in group_indices.iter().enumerate() {
            if array.is_null(row) || filter.is_some_and(|f| !f.is_valid(row) || !f.value(row)) {
                continue;
            }
            let value = array.value(row).as_bytes();
            if let Some((g, r)) = previous
                && g == group
                && array.value(r).as_bytes() == value
            {
                continue;
            }
            self.insert(group, value);
            previous = Some((group, row));
        }
    }

    /// Forgets the first `n` groups (all of them for `EmitTo::All`); the others are
    /// renumbered from 0.
    fn drop_groups(&mut self, emit_to: EmitTo) {
        let n = match emit_to {
            EmitTo::All => {
                self.seen.clear();
                self.bytes.clear();
                return;
            }
            EmitTo::First(n) => n,
        };
        let old = std::mem::take(&mut self.seen);
        let old_bytes = std::mem::take(&mut self.bytes);
        for s in old.into_iter().filter(|s| s.group >= n) {
            let value = &old_bytes[s.start..s.start + s.len];
            let group = s.group - n;
            let hash = self.random.hash_one((group, value));
            let start = self.bytes.len();
            self.bytes.extend_from_slice(value);
            self.seen.insert_unique(
                hash,
                Seen {
                    hash,
                    group,
                    start,
                    len: s.len,
                },
                |s| s.hash,
            );
        }
    }
}

impl GroupsAccumulator for StringDistinctCount {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.counts.resize(total_num_groups, 0);
        self.insert_all(values[0].as_string::<i32>(), group_indices, opt_filter);
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let counts = emit_to.take_needed(&mut self.counts);
        self.drop_groups(emit_to);
        Ok(Arc::new(Int64Array::from(counts)))
    }

    /// The distinct values of each emitted group as a list (the state of DataFusion's
    /// distinct `count`, so partial and final phases interoperate).
    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let emitted = match emit_to {
            EmitTo::All => self.counts.len(),
            EmitTo::First(n) => n,
        };
        let mut offsets = Vec::with_capacity(emitted + 1);
        offsets.push(0usize);
        for &c in &self.counts[..emitted] {
            offsets.push(offsets[offsets.len() - 1] + c as usize);
        }
        let mut order: Vec<Option<Seen>> = vec![None; offsets[emitted]];
        let mut cursor = offsets[..emitted].to_vec();
        for s in self.seen.iter().filter(|s| s.group < emitted) {
            order[cursor[s.group]] = Some(*s);
            cursor[s.group] += 1;
        }
        let mut bytes = Vec::new();
        let mut value_offsets = Vec::with_capacity(order.len() + 1);
        value_offsets.push(0i32);
        for s in order.into_iter().flatten() {
            bytes.extend_from_slice(&self.bytes[s.start..s.start + s.len]);
            value_offsets.push(i32::try_from(bytes.len()).map_err(|_| {
                datafusion::error::DataFusionError::Execution(
                    "COUNT(DISTINCT) state over 2 GiB of text".into(),
                )
            })?);
        }
        let values = StringArray::try_new(
            OffsetBuffer::new(ScalarBuffer::from(value_offsets)),
            Buffer::from_vec(bytes),
            None,
        )?;
        let list_offsets: Vec<i32> = offsets.iter().map(|&o| o as i32).collect();
        let list = ListArray::try_new(
            Arc::new(Field::new_list_field(DataType::Utf8, true)),
            OffsetBuffer::new(ScalarBuffer::from(list_offsets)),
            Arc::new(values),
            None,
        )?;
        let _ = emit_to.take_needed(&mut self.counts);
        self.drop_groups(emit_to);
        Ok(vec![Arc::new(list)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.counts.resize(total_num_groups, 0);
        let lists = values[0].as_list::<i32>();
        let inner = lists.values().as_string::<i32>();
        let offsets = lists.offsets();
        for (row, &group) in group_indices.iter().enumerate() {
            if lists.is_null(row) {
                continue;
            }
            for i in offsets[row] as usize..offsets[row + 1] as usize {
                if inner.is_valid(i) {
                    self.insert(group, inner.value(i).as_bytes());
                }
            }
        }
        Ok(())
    }

    /// Each row as its own state: a list of its value (none when null or filtered out).
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let array = values[0].as_string::<i32>();
        let mut kept = Vec::with_capacity(array.len());
        let mut offsets = Vec::with_capacity(array.len() + 1);
        offsets.push(0i32);
        for row in 0..array.len() {
            let selected =
                array.is_valid(row) && opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row));
            if selected {
                kept.push(row as u32);
            }
            offsets.push(kept.len() as i32);
        }
        let values = datafusion::arrow::compute::take(
            array,
            &datafusion::arrow::array::UInt32Array::from(kept),
            None,
        )?;
        let list = ListArray::try_new(
            Arc::new(Field::new_list_field(DataType::Utf8, true)),
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            values,
            None,
        )?;
        Ok(vec![Arc::new(list)])
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.seen.capacity() * (std::mem::size_of::<Seen>() + 1)
            + self.bytes.capacity()
            + self.counts.capacity() * std::mem::size_of::<i64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, RecordBatch};
    use datafusion::arrow::datatypes::Schema;
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use std::collections::{BTreeMap, BTreeSet};

    /// Pseudo-random rows: a group key, and text in runs with nulls.
    fn rows(n: usize, seed: u64) -> (Vec<i32>, Vec<Option<String>>) {
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut groups, mut texts) = (Vec::new(), Vec::new());
        let mut current = None;
        for _ in 0..n {
            if next() % 5 == 0 {
                current = match next() % 10 {
                    0 => None,
                    k => Some(format!("单位{}-{}", k, next() % 300)),
                };
            }
            groups.push((next() % 37) as i32);
            texts.push(current.clone());
        }
        (groups, texts)
    }

    /// A table `t(g, s)` in `partitions` partitions of batches of 1000 rows.
    fn context(ours: bool, partitions: usize) -> SessionContext {
        let ctx = SessionContext::new_with_config(
            SessionConfig::new().with_target_partitions(partitions),
        );
        if ours {
            ctx.register_udaf(AggregateUDF::from(Count::new()));
        }
        let schema = Arc::new(Schema::new(vec![
            Field::new("g", DataType::Int32, false),
            Field::new("s", DataType::Utf8, true),
        ]));
        let (groups, texts) = rows(20_000, 0x9E37_79B9);
        let batches: Vec<RecordBatch> = groups
            .chunks(1000)
            .zip(texts.chunks(1000))
            .map(|(g, s)| {
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int32Array::from(g.to_vec())),
                        Arc::new(StringArray::from(s.to_vec())),
                    ],
                )
                .unwrap()
            })
            .collect();
        let per = batches.len().div_ceil(partitions);
        let parts: Vec<Vec<RecordBatch>> = batches.chunks(per).map(<[_]>::to_vec).collect();
        let table = MemTable::try_new(schema, parts).unwrap();
        ctx.register_table("t", Arc::new(table)).unwrap();
        ctx
    }

    async fn run(ctx: &SessionContext, sql: &str) -> String {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        pretty_format_batches(&batches).unwrap().to_string()
    }

    #[tokio::test]
    async fn same_results_as_datafusion_count() {
        let queries = [
            "SELECT g, COUNT(DISTINCT s) AS n FROM t GROUP BY g ORDER BY g",
            "SELECT g, COUNT(DISTINCT s) AS n, COUNT(DISTINCT substr(s, 1, 3)) AS m, \
             COUNT(*) AS rows, COUNT(s) AS texts FROM t GROUP BY g ORDER BY g",
            "SELECT g % 5 AS k, COUNT(DISTINCT s) FILTER (WHERE g > 10) AS n FROM t \
             GROUP BY g % 5 ORDER BY k",
            "SELECT s, COUNT(DISTINCT g) AS n FROM t GROUP BY s ORDER BY s LIMIT 20",
            "SELECT COUNT(DISTINCT s) AS n FROM t",
            "SELECT g, COUNT(DISTINCT s) AS n FROM t WHERE s IS NULL GROUP BY g ORDER BY g",
            "SELECT g, COUNT(DISTINCT s) AS n FROM t GROUP BY g HAVING COUNT(DISTINCT s) > 40 \
             ORDER BY g",
        ];
        for partitions in [1, 4] {
            let (ours, theirs) = (context(true, partitions), context(false, partitions));
            for sql in queries {
                let expected = run(&theirs, sql).await;
                assert_eq!(
                    run(&ours, sql).await,
                    expected,
                    "{sql} ({partitions} partitions)"
                );
            }
        }
        // The test data is not degenerate: groups see different numbers of values.
        let counts = run(&context(true, 1), queries[0]).await;
        let distinct: BTreeSet<&str> = counts.lines().skip(3).map(|l| &l[l.len() - 6..]).collect();
        assert!(distinct.len() > 5, "{counts}");
    }

    #[test]
    fn only_distinct_text_is_taken_over() {
        let schema = Schema::new(vec![Field::new("s", DataType::Utf8, true)]);
        let field: FieldRef = Arc::new(schema.field(0).clone());
        let expr = datafusion::physical_expr::expressions::col("s", &schema).unwrap();
        let args = |is_distinct| AccumulatorArgs {
            return_field: Arc::new(Field::new("n", DataType::Int64, false)),
            schema: &schema,
            expr_fields: std::slice::from_ref(&field),
            ignore_nulls: false,
            order_bys: &[],
            is_reversed: false,
            name: "n",
            is_distinct,
            exprs: std::slice::from_ref(&expr),
        };
        let base = count_udaf();
        // DataFusion has no groups accumulator for distinct text; ours does.
        assert!(!base.inner().groups_accumulator_supported(args(true)));
        assert!(Count::new().groups_accumulator_supported(args(true)));
        assert!(Count::new().groups_accumulator_supported(args(false)));
    }

    /// Early emission (`EmitTo::First`) and the partial state against a model.
    #[test]
    fn emit_first_groups_and_state() {
        let (groups, texts) = rows(5000, 42);
        let groups: Vec<usize> = groups.iter().map(|&g| g as usize).collect();
        let array = StringArray::from(texts.clone());
        let mut acc = StringDistinctCount::default();
        acc.update_batch(&[Arc::new(array)], &groups, None, 37)
            .unwrap();
        let mut model: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for (g, s) in groups.iter().zip(&texts) {
            if let Some(s) = s {
                model.entry(*g).or_default().insert(s.clone());
            }
        }
        let count = |g: usize| model.get(&g).map_or(0, |s| s.len() as i64);
        let first = acc.evaluate(EmitTo::First(10)).unwrap();
        let expected: Vec<i64> = (0..10).map(count).collect();
        assert_eq!(
            first
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .values()
                .to_vec(),
            expected
        );
        // Groups 10.. are now 0..: their state lists their values.
        let state = acc.state(EmitTo::First(5)).unwrap();
        let lists = state[0].as_list::<i32>();
        for g in 0..5 {
            let values = lists.value(g);
            let got: BTreeSet<String> = values
                .as_string::<i32>()
                .iter()
                .map(|v| v.unwrap().to_string())
                .collect();
            assert_eq!(got, model.get(&(g + 10)).cloned().unwrap_or_default());
        }
        // Merging that state into a fresh accumulator gives the same counts.
        let mut merged = StringDistinctCount::default();
        merged
            .merge_batch(&state, &(0..5).collect::<Vec<_>>(), 5)
            .unwrap();
        let counts = merged.evaluate(EmitTo::All).unwrap();
        let expected: Vec<i64> = (10..15).map(count).collect();
        assert_eq!(
            counts
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .values()
                .to_vec(),
            expected
        );
        let rest = acc.evaluate(EmitTo::All).unwrap();
        let expected: Vec<i64> = (15..37).map(count).collect();
        assert_eq!(
            rest.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .values()
                .to_vec(),
            expected
        );
    }
}
