//! Groups accumulators for text where DataFusion 55 has none, so that grouped aggregates
//! over names and codes do not go through its per-group adapter (which splits every batch
//! into one array per group — a `take` copying every string — and feeds each group's
//! accumulator separately).
//!
//! - `COUNT(DISTINCT text)` ([`StringDistinctCount`]): a hash table per group over one
//!   byte arena; a value is copied only the first time its group sees it. (q09 counts
//!   units and 项 codes per year: the adapter took more time than reading the columns.)
//! - `any_value(text)` ([`StringAnyValue`]): the first non-null value of each group,
//!   copied once. `spending_by_econ` groups by the printed row and takes the row's names
//!   with it instead of grouping on five text columns.
//!
//! Each is DataFusion's own function ([`Faster`] wraps `count` and `any_value`) with one
//! difference: for text input (`Utf8`, or `Utf8View` as the engine reads the dataset's
//! text) it provides the groups accumulator. Everything else — `count(*)`, other types,
//! statistics, names, defaults, the partial state's layout — is the built-in, delegated,
//! so partial and final phases, early emission and spilling work as before. The results are DataFusion's (tests compare them on 1 and 4 partitions and
//! check early emission and state/merge against a model). Owns no SQL.

use std::hash::BuildHasher;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBufferBuilder, Int64Array, ListArray,
    StringArray, StringViewArray,
};
use datafusion::arrow::buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::hash_utils::RandomState;
use datafusion::common::{DataFusionError, Result, ScalarValue, internal_err};
use datafusion::functions_aggregate::any_value::any_value_udaf;
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

/// A DataFusion aggregate function with a groups accumulator of ours for text.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Faster {
    inner: Arc<AggregateUDF>,
    special: Special,
}

/// Which of our accumulators, and for which calls.
#[derive(Debug, PartialEq, Eq, Hash, Clone, Copy)]
enum Special {
    /// [`StringDistinctCount`] for `COUNT(DISTINCT text)`.
    DistinctCount,
    /// [`StringAnyValue`] for `any_value(text)`.
    AnyValue,
}

impl Special {
    /// Whether our accumulator takes this call: one text argument, `DISTINCT` for count
    /// only.
    fn takes(self, args: &AccumulatorArgs) -> bool {
        args.exprs.len() == 1
            && matches!(
                args.expr_fields[0].data_type(),
                DataType::Utf8 | DataType::Utf8View
            )
            && args.is_distinct == (self == Special::DistinctCount)
    }

    /// The accumulator for text of type `text` (what it emits has the same type).
    fn accumulator(self, text: &DataType) -> Box<dyn GroupsAccumulator> {
        match self {
            Special::DistinctCount => Box::new(StringDistinctCount::new(text.clone())),
            Special::AnyValue => Box::new(StringAnyValue::new(text.clone())),
        }
    }
}

impl Faster {
    fn base(&self) -> &dyn AggregateUDFImpl {
        self.inner.inner().as_ref()
    }
}

/// DataFusion's `count`, with [`StringDistinctCount`] for `COUNT(DISTINCT text)`.
pub fn count() -> AggregateUDF {
    AggregateUDF::from(Faster {
        inner: count_udaf(),
        special: Special::DistinctCount,
    })
}

/// DataFusion's `any_value`, with [`StringAnyValue`] for text.
pub fn any_value() -> AggregateUDF {
    AggregateUDF::from(Faster {
        inner: any_value_udaf(),
        special: Special::AnyValue,
    })
}

impl AggregateUDFImpl for Faster {
    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        self.special.takes(&args) || self.base().groups_accumulator_supported(args)
    }
    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        if self.special.takes(&args) {
            return Ok(self.special.accumulator(args.expr_fields[0].data_type()));
        }
        self.base().create_groups_accumulator(args)
    }

    // The rest is DataFusion's function.
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

/// A text column as the accumulators read it: `Utf8` or `Utf8View`.
enum Texts<'a> {
    Utf8(&'a StringArray),
    View(&'a StringViewArray),
}

impl<'a> Texts<'a> {
    fn of(array: &'a ArrayRef) -> Result<Self> {
        match array.data_type() {
            DataType::Utf8 => Ok(Texts::Utf8(array.as_string::<i32>())),
            DataType::Utf8View => Ok(Texts::View(array.as_string_view())),
            other => internal_err!("text aggregate over {other}"),
        }
    }

    fn len(&self) -> usize {
        match self {
            Texts::Utf8(a) => a.len(),
            Texts::View(a) => a.len(),
        }
    }

    fn is_valid(&self, row: usize) -> bool {
        match self {
            Texts::Utf8(a) => a.is_valid(row),
            Texts::View(a) => a.is_valid(row),
        }
    }

    fn value(&self, row: usize) -> &'a [u8] {
        match self {
            Texts::Utf8(a) => a.value(row).as_bytes(),
            Texts::View(a) => a.value(row).as_bytes(),
        }
    }
}

/// `array` (built as `Utf8`) as `text`, the type the aggregate's input has.
fn as_text(array: StringArray, text: &DataType) -> Result<ArrayRef> {
    match text {
        DataType::Utf8 => Ok(Arc::new(array)),
        other => Ok(cast(&array, other)?),
    }
}

/// One distinct value of a group: `bytes[start..start + len]`.
#[derive(Clone, Copy)]
struct Seen {
    hash: u64,
    start: usize,
    len: usize,
}

/// `COUNT(DISTINCT text)` for every group at once: a hash table per group over one byte
/// arena. Per group, because groups usually arrive one after the other (a year's files, a
/// document's rows): the table being probed is then one group's, small enough to stay in
/// cache, where one table of (group, value) pairs over all groups missed the cache on
/// nearly every probe at 100M line items.
pub struct StringDistinctCount {
    seen: Vec<HashTable<Seen>>,
    /// Values over all tables (for `size`, which must not visit every group).
    entries: usize,
    bytes: Vec<u8>,
    random: RandomState,
    /// The input's type (`Utf8` or `Utf8View`), that of the state's values.
    text: DataType,
}

impl StringDistinctCount {
    fn new(text: DataType) -> Self {
        StringDistinctCount {
            seen: Vec::new(),
            entries: 0,
            bytes: Vec::new(),
            random: RandomState::default(),
            text,
        }
    }

    fn insert(&mut self, group: usize, value: &[u8]) {
        let hash = self.random.hash_one(value);
        let bytes = &self.bytes;
        let entry = self.seen[group].entry(
            hash,
            |s| s.hash == hash && &bytes[s.start..s.start + s.len] == value,
            |s| s.hash,
        );
        if let Entry::Vacant(vacant) = entry {
            let start = self.bytes.len();
            self.bytes.extend_from_slice(value);
            vacant.insert(Seen {
                hash,
                start,
                len: value.len(),
            });
            self.entries += 1;
        }
    }

    /// Inserts the valid values of `array` selected by `filter`; a row equal to the one
    /// before it in the same group is skipped without hashing (names and codes arrive in
    /// runs).
    fn insert_all(&mut self, array: Texts, group_indices: &[usize], filter: Option<&BooleanArray>) {
        let mut previous: Option<(usize, usize)> = None; // (group, row)
        for (row, &group) in group_indices.iter().enumerate() {
            if !array.is_valid(row) || !selected(filter, row) {
                continue;
            }
            let value = array.value(row);
            if let Some((g, r)) = previous
                && g == group
                && array.value(r) == value
            {
                continue;
            }
            self.insert(group, value);
            previous = Some((group, row));
        }
    }

    /// Removes the emitted groups (the others are renumbered from 0) and returns their
    /// tables; the arena keeps only the values of the groups that remain.
    fn take_groups(&mut self, emit_to: EmitTo) -> (Vec<HashTable<Seen>>, Vec<u8>) {
        let taken = emit_to.take_needed(&mut self.seen);
        self.entries -= taken.iter().map(HashTable::len).sum::<usize>();
        let old = std::mem::take(&mut self.bytes);
        if matches!(emit_to, EmitTo::First(_)) {
            for table in &mut self.seen {
                for s in table.iter_mut() {
                    let start = self.bytes.len();
                    self.bytes.extend_from_slice(&old[s.start..s.start + s.len]);
                    s.start = start;
                }
            }
        }
        (taken, old)
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
        self.seen.resize_with(total_num_groups, HashTable::new);
        self.insert_all(Texts::of(&values[0])?, group_indices, opt_filter);
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let (taken, _) = self.take_groups(emit_to);
        let counts = taken.iter().map(|t| t.len() as i64);
        Ok(Arc::new(Int64Array::from_iter_values(counts)))
    }

    /// The distinct values of each emitted group as a list (the state of DataFusion's
    /// distinct `count`, so partial and final phases interoperate).
    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let (taken, arena) = self.take_groups(emit_to);
        let too_large =
            || DataFusionError::Execution("COUNT(DISTINCT) state over 2 GiB of text".into());
        let mut bytes = Vec::new();
        let mut value_offsets = vec![0i32];
        let mut list_offsets = vec![0i32];
        for table in &taken {
            for s in table.iter() {
                bytes.extend_from_slice(&arena[s.start..s.start + s.len]);
                value_offsets.push(i32::try_from(bytes.len()).map_err(|_| too_large())?);
            }
            list_offsets.push(i32::try_from(value_offsets.len() - 1).map_err(|_| too_large())?);
        }
        let values = StringArray::try_new(
            OffsetBuffer::new(ScalarBuffer::from(value_offsets)),
            Buffer::from_vec(bytes),
            None,
        )?;
        let list = ListArray::try_new(
            Arc::new(Field::new_list_field(self.text.clone(), true)),
            OffsetBuffer::new(ScalarBuffer::from(list_offsets)),
            as_text(values, &self.text)?,
            None,
        )?;
        Ok(vec![Arc::new(list)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.seen.resize_with(total_num_groups, HashTable::new);
        let lists = values[0].as_list::<i32>();
        let inner = Texts::of(lists.values())?;
        let offsets = lists.offsets();
        for (row, &group) in group_indices.iter().enumerate() {
            if lists.is_null(row) {
                continue;
            }
            for i in offsets[row] as usize..offsets[row + 1] as usize {
                if inner.is_valid(i) {
                    self.insert(group, inner.value(i));
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
        let array = Texts::of(&values[0])?;
        let mut kept = Vec::with_capacity(array.len());
        let mut offsets = Vec::with_capacity(array.len() + 1);
        offsets.push(0i32);
        for row in 0..array.len() {
            if array.is_valid(row) && selected(opt_filter, row) {
                kept.push(row as u32);
            }
            offsets.push(kept.len() as i32);
        }
        let values = datafusion::arrow::compute::take(
            &values[0],
            &datafusion::arrow::array::UInt32Array::from(kept),
            None,
        )?;
        let list = ListArray::try_new(
            Arc::new(Field::new_list_field(self.text.clone(), true)),
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            values,
            None,
        )?;
        Ok(vec![Arc::new(list)])
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.seen.capacity() * std::mem::size_of::<HashTable<Seen>>()
            // Tables are at most 7/8 full; count them twice as large as their entries.
            + 2 * self.entries * (std::mem::size_of::<Seen>() + 1)
            + self.bytes.capacity()
    }
}

/// `any_value(text)` for every group: the first non-null value each group sees, copied
/// once into a byte arena.
pub struct StringAnyValue {
    /// Per group: where its value is in `bytes`, if it has one.
    values: Vec<Option<(usize, usize)>>,
    bytes: Vec<u8>,
    /// The input's type (`Utf8` or `Utf8View`), that of the result.
    text: DataType,
}

impl StringAnyValue {
    fn new(text: DataType) -> Self {
        StringAnyValue {
            values: Vec::new(),
            bytes: Vec::new(),
            text,
        }
    }

    fn set_all(
        &mut self,
        array: Texts,
        group_indices: &[usize],
        keep: impl Fn(usize) -> bool,
        total_num_groups: usize,
    ) {
        self.values.resize(total_num_groups, None);
        for (row, &group) in group_indices.iter().enumerate() {
            if self.values[group].is_none() && array.is_valid(row) && keep(row) {
                let value = array.value(row);
                self.values[group] = Some((self.bytes.len(), value.len()));
                self.bytes.extend_from_slice(value);
            }
        }
    }

    /// The values of the emitted groups; the others keep theirs (the arena is compacted).
    fn emit(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let emitted = emit_to.take_needed(&mut self.values);
        let mut offsets = Vec::with_capacity(emitted.len() + 1);
        let mut valid = BooleanBufferBuilder::new(emitted.len());
        let mut bytes = Vec::new();
        offsets.push(0i32);
        for v in &emitted {
            if let Some((start, len)) = *v {
                bytes.extend_from_slice(&self.bytes[start..start + len]);
            }
            valid.append(v.is_some());
            offsets.push(i32::try_from(bytes.len()).map_err(|_| {
                DataFusionError::Execution("any_value: over 2 GiB of text in one batch".into())
            })?);
        }
        let old = std::mem::take(&mut self.bytes);
        for v in self.values.iter_mut().flatten() {
            let start = self.bytes.len();
            self.bytes.extend_from_slice(&old[v.0..v.0 + v.1]);
            v.0 = start;
        }
        let array = StringArray::try_new(
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Buffer::from_vec(bytes),
            Some(NullBuffer::new(valid.finish())),
        )?;
        as_text(array, &self.text)
    }
}

impl GroupsAccumulator for StringAnyValue {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.set_all(
            Texts::of(&values[0])?,
            group_indices,
            |row| selected(opt_filter, row),
            total_num_groups,
        );
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        self.emit(emit_to)
    }

    /// DataFusion's state of `any_value`: the value and whether one was found.
    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let values = self.emit(emit_to)?;
        let is_set = is_set(&values, |_| true);
        Ok(vec![values, Arc::new(is_set)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        let is_set = values[1].as_boolean();
        self.set_all(
            Texts::of(&values[0])?,
            group_indices,
            |row| is_set.is_valid(row) && is_set.value(row),
            total_num_groups,
        );
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let is_set = is_set(&values[0], |row| selected(opt_filter, row));
        Ok(vec![Arc::clone(&values[0]), Arc::new(is_set)])
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.values.capacity() * std::mem::size_of::<Option<(usize, usize)>>()
            + self.bytes.capacity()
    }
}

/// Whether an aggregate's `FILTER` keeps the row.
fn selected(filter: Option<&BooleanArray>, row: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

/// Whether each row holds a value (valid and selected).
fn is_set(array: &dyn Array, keep: impl Fn(usize) -> bool) -> BooleanArray {
    let mut set = BooleanBufferBuilder::new(array.len());
    for row in 0..array.len() {
        set.append(array.is_valid(row) && keep(row));
    }
    BooleanArray::new(set.finish(), None)
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

    /// The group's name (`d`, a function of the group as the names of a printed row are);
    /// null in some rows, and in every row of group 36.
    fn name(group: i32, row: usize) -> Option<String> {
        (group != 36 && !row.is_multiple_of(7)).then(|| format!("名称{group}"))
    }

    /// The texts as an array of type `text`.
    fn texts_of(texts: &[Option<String>], text: &DataType) -> ArrayRef {
        as_text(StringArray::from(texts.to_vec()), text).unwrap()
    }

    /// Any text array's values.
    fn strings(array: &ArrayRef) -> Vec<Option<String>> {
        cast(array, &DataType::Utf8)
            .unwrap()
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect()
    }

    /// The text types the engine meets: `Utf8`, and `Utf8View` (how it reads the dataset).
    const TEXT: [DataType; 2] = [DataType::Utf8, DataType::Utf8View];

    /// A table `t(g, s, d)` with text of type `text`, in `partitions` partitions of
    /// batches of 1000 rows.
    fn context(ours: bool, partitions: usize, text: &DataType) -> SessionContext {
        let ctx = SessionContext::new_with_config(
            SessionConfig::new().with_target_partitions(partitions),
        );
        if ours {
            ctx.register_udaf(count());
            ctx.register_udaf(any_value());
        }
        let schema = Arc::new(Schema::new(vec![
            Field::new("g", DataType::Int32, false),
            Field::new("s", text.clone(), true),
            Field::new("d", text.clone(), true),
        ]));
        let (groups, texts) = rows(20_000, 0x9E37_79B9);
        let names: Vec<Option<String>> = groups
            .iter()
            .enumerate()
            .map(|(r, &g)| name(g, r))
            .collect();
        let batches: Vec<RecordBatch> = (0..groups.len())
            .step_by(1000)
            .map(|at| {
                let end = (at + 1000).min(groups.len());
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int32Array::from(groups[at..end].to_vec())),
                        texts_of(&texts[at..end], text),
                        texts_of(&names[at..end], text),
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
            "SELECT g, any_value(d) AS d, COUNT(DISTINCT s) AS n FROM t GROUP BY g ORDER BY g",
            "SELECT g % 4 AS k, g, any_value(d) FILTER (WHERE s IS NOT NULL) AS d FROM t \
             GROUP BY g % 4, g ORDER BY k, g",
            "SELECT d, count(*) AS groups FROM (SELECT g, any_value(d) AS d FROM t GROUP BY g) \
             GROUP BY d ORDER BY d",
            "SELECT any_value(d) IS NOT NULL AS found FROM t WHERE g = 36",
        ];
        for text in &TEXT {
            for partitions in [1, 4] {
                let ours = context(true, partitions, text);
                let theirs = context(false, partitions, text);
                for sql in queries {
                    let expected = run(&theirs, sql).await;
                    assert_eq!(
                        run(&ours, sql).await,
                        expected,
                        "{sql} ({partitions} partitions, {text})"
                    );
                }
            }
        }
        // The test data is not degenerate: groups see different numbers of values.
        let counts = run(&context(true, 1, &DataType::Utf8), queries[0]).await;
        let distinct: BTreeSet<&str> = counts.lines().skip(3).map(|l| &l[l.len() - 6..]).collect();
        assert!(distinct.len() > 5, "{counts}");
    }

    #[test]
    fn only_text_is_taken_over() {
        for text in &TEXT {
            // DataFusion has no groups accumulator for distinct text nor for any_value;
            // ours do, and count(text) keeps DataFusion's.
            let supported = |udaf: &AggregateUDF, distinct: bool| {
                with_args(text, distinct, |a| {
                    udaf.inner().groups_accumulator_supported(a)
                })
            };
            assert!(!supported(&count_udaf(), true), "{text}");
            assert!(supported(&count(), true), "{text}");
            assert!(supported(&count(), false), "{text}");
            assert!(!supported(&any_value_udaf(), false), "{text}");
            assert!(supported(&any_value(), false), "{text}");
        }
        // Not other types: DataFusion's own groups accumulators.
        for distinct in [false, true] {
            with_args(&DataType::Int64, distinct, |a| {
                assert!(!Special::AnyValue.takes(&a));
                assert!(!Special::DistinctCount.takes(&a));
            });
        }
    }

    /// `f` of the arguments of an aggregate over one column of type `data_type`.
    fn with_args<R>(
        data_type: &DataType,
        is_distinct: bool,
        f: impl FnOnce(AccumulatorArgs) -> R,
    ) -> R {
        let schema = Schema::new(vec![Field::new("s", data_type.clone(), true)]);
        let field: FieldRef = Arc::new(schema.field(0).clone());
        let expr = datafusion::physical_expr::expressions::col("s", &schema).unwrap();
        f(AccumulatorArgs {
            return_field: Arc::new(Field::new("n", DataType::Int64, false)),
            schema: &schema,
            expr_fields: std::slice::from_ref(&field),
            ignore_nulls: false,
            order_bys: &[],
            is_reversed: false,
            name: "n",
            is_distinct,
            exprs: std::slice::from_ref(&expr),
        })
    }

    /// Early emission (`EmitTo::First`) and the partial state against a model.
    #[test]
    fn emit_first_groups_and_state() {
        for text in &TEXT {
            distinct_count_emit_first_and_state(text);
        }
    }

    fn distinct_count_emit_first_and_state(text: &DataType) {
        let (groups, texts) = rows(5000, 42);
        let groups: Vec<usize> = groups.iter().map(|&g| g as usize).collect();
        let mut acc = StringDistinctCount::new(text.clone());
        acc.update_batch(&[texts_of(&texts, text)], &groups, None, 37)
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
        assert_eq!(lists.value_type(), *text);
        for g in 0..5 {
            let got: BTreeSet<String> = strings(&lists.value(g))
                .into_iter()
                .map(Option::unwrap)
                .collect();
            assert_eq!(got, model.get(&(g + 10)).cloned().unwrap_or_default());
        }
        // Merging that state into a fresh accumulator gives the same counts.
        let mut merged = StringDistinctCount::new(text.clone());
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

    /// `any_value`: early emission, state and merge keep every group's name.
    #[test]
    fn any_value_emit_first_and_state() {
        for text in &TEXT {
            any_value_emit_first_and_state_of(text);
        }
    }

    fn any_value_emit_first_and_state_of(text: &DataType) {
        let (groups, _) = rows(3000, 7);
        let names: Vec<Option<String>> = groups
            .iter()
            .enumerate()
            .map(|(r, &g)| name(g, r))
            .collect();
        let groups: Vec<usize> = groups.iter().map(|&g| g as usize).collect();
        let mut acc = StringAnyValue::new(text.clone());
        acc.update_batch(&[texts_of(&names, text)], &groups, None, 37)
            .unwrap();
        let expected = |g: usize| name(g as i32, 1);
        let first = acc.evaluate(EmitTo::First(10)).unwrap();
        assert_eq!(first.data_type(), text);
        assert_eq!(strings(&first), (0..10).map(expected).collect::<Vec<_>>());
        // Groups 10..37 are now 0..27; the state of the first 20, merged into a new one.
        let state = acc.state(EmitTo::First(20)).unwrap();
        let mut merged = StringAnyValue::new(text.clone());
        merged
            .merge_batch(&state, &(0..20).collect::<Vec<_>>(), 20)
            .unwrap();
        let both = [
            merged.evaluate(EmitTo::All).unwrap(),
            acc.evaluate(EmitTo::All).unwrap(),
        ];
        let got: Vec<Option<String>> = both.iter().flat_map(strings).collect();
        assert_eq!(got, (10..37).map(expected).collect::<Vec<_>>());
    }
}
