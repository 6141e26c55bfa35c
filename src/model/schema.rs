//! The Arrow schema of every dataset table — the single source of truth for column names,
//! types and order — and the conversion of parsed documents into record batches.
//! Money is `Decimal128(18, 2)` in 元, never float. The partition column `year` is not
//! stored in the files (it is the `year=` directory, Hive style) and is added by readers.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Decimal128Array, Int8Builder, Int32Array, RecordBatch, StringArray,
    StringBuilder, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::error::ArrowError;
use rust_decimal::Decimal;

use super::classification::function_level;
use super::{ColumnMeaning, LineItem, RowKind, SourceDocument, TableKind};
use crate::error::Result;

/// Bumped whenever a table's columns change; stored in the dataset's `_yusuan.json`.
pub const SCHEMA_VERSION: u32 = 4;

/// Precision and scale of money columns (元 with 2 decimals, up to 10^16 元).
pub const MONEY: DataType = DataType::Decimal128(18, 2);

/// The columns of `check_results` (the findings `yusuan check` stores): what a session
/// shows, empty, for a dataset that has never been checked, so that reports and queries
/// over the findings run before the first check.
pub fn check_results_schema() -> SchemaRef {
    let text = |n: &str| Field::new(n, DataType::Utf8, true);
    let amount = |n: &str| Field::new(n, DataType::Decimal128(20, 2), true);
    Arc::new(Schema::new(vec![
        text("rule_id"),
        text("severity"),
        text("doc_id"),
        Field::new("year", DataType::Int32, true),
        text("region"),
        text("unit_name"),
        text("source_path"),
        text("tables"),
        text("rows"),
        amount("expected"),
        amount("actual"),
        amount("difference"),
        text("message"),
    ]))
}

/// The tables of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetTable {
    Documents,
    SourceTables,
    LineItems,
    NarrativeFacts,
    NarrativeClaims,
    Projects,
    PerformanceIndicators,
    IngestWarnings,
}

impl DatasetTable {
    /// Every table, in the order they are written.
    pub const ALL: [DatasetTable; 8] = [
        DatasetTable::Documents,
        DatasetTable::SourceTables,
        DatasetTable::LineItems,
        DatasetTable::NarrativeFacts,
        DatasetTable::NarrativeClaims,
        DatasetTable::Projects,
        DatasetTable::PerformanceIndicators,
        DatasetTable::IngestWarnings,
    ];

    /// The table's name (also its directory name).
    pub fn name(self) -> &'static str {
        match self {
            DatasetTable::Documents => "documents",
            DatasetTable::SourceTables => "source_tables",
            DatasetTable::LineItems => "line_items",
            DatasetTable::NarrativeFacts => "narrative_facts",
            DatasetTable::NarrativeClaims => "narrative_claims",
            DatasetTable::Projects => "projects",
            DatasetTable::PerformanceIndicators => "performance_indicators",
            DatasetTable::IngestWarnings => "ingest_warnings",
        }
    }

    /// The columns stored in the table's files (without the `year` partition column).
    pub fn schema(self) -> SchemaRef {
        let s = |n: &str| Field::new(n, DataType::Utf8, false);
        let so = |n: &str| Field::new(n, DataType::Utf8, true);
        let i = |n: &str| Field::new(n, DataType::Int32, false);
        let io = |n: &str| Field::new(n, DataType::Int32, true);
        let money = |n: &str| Field::new(n, MONEY, false);
        let money_o = |n: &str| Field::new(n, MONEY, true);
        let doc = || vec![s("doc_id"), so("region"), s("unit_name")];
        let mut fields = doc();
        match self {
            DatasetTable::Documents => {
                fields = vec![
                    s("doc_id"),
                    so("region"),
                    s("unit_name"),
                    so("region_code"),
                    so("unit_code"),
                    s("unit_name_printed"),
                    s("kind"),
                    s("scope"),
                    s("status"),
                    s("title"),
                    s("source_path"),
                    so("companion_path"),
                    s("content_hash"),
                    s("format"),
                    s("amount_unit"),
                    i("table_count"),
                    i("line_item_count"),
                    i("fact_count"),
                    i("project_count"),
                    i("warning_count"),
                    s("parser_version"),
                    Field::new(
                        "ingested_at",
                        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                        false,
                    ),
                ]
            }
            DatasetTable::SourceTables => fields.extend([
                i("table_no"),
                s("table_kind"),
                s("title"),
                i("source_line"),
                s("unit"),
                Field::new("unit_inferred", DataType::Boolean, false),
                i("row_count"),
                i("amount_count"),
                Field::new("is_empty", DataType::Boolean, false),
                so("note"),
                s("status"),
                so("status_reason"),
                io("page"),
            ]),
            DatasetTable::LineItems => fields.extend([
                s("table_kind"),
                i("table_no"),
                i("row_no"),
                i("source_line"),
                s("row_kind"),
                s("row_label"),
                so("line_key"),
                so("row_unit_code"),
                so("budget_unit"),
                so("function_code"),
                Field::new("function_level", DataType::Int8, true),
                so("econ_code"),
                so("gov_econ_code"),
                so("flow"),
                s("column_key"),
                s("column_label"),
                so("fund"),
                so("expense_kind"),
                so("cost_kind"),
                so("row_category"),
                so("project_name"),
                so("project_code"),
                money("amount"),
                s("amount_text"),
                s("source_unit"),
            ]),
            DatasetTable::NarrativeFacts => fields.extend([
                s("fact_key"),
                s("topic"),
                s("item"),
                s("relation"),
                s("label"),
                money_o("amount"),
                Field::new("number", DataType::Decimal128(18, 4), false),
                s("unit_text"),
                so("direction"),
                s("section"),
                s("sentence"),
                i("source_line"),
            ]),
            DatasetTable::NarrativeClaims => fields.extend([
                i("claim_no"),
                i("group_no"),
                s("subject"),
                so("fund"),
                so("flow"),
                s("subject_name"),
                so("subject_code"),
                s("period"),
                s("measure"),
                so("direction"),
                Field::new("value", DataType::Decimal128(18, 4), false),
                s("printed"),
                money_o("amount"),
                s("unit_text"),
                i("decimals"),
                Field::new("tolerance", DataType::Decimal128(18, 4), false),
                io("of_group"),
                s("section"),
                s("sentence"),
                io("page"),
                i("source_line"),
            ]),
            DatasetTable::Projects => fields.extend([
                s("table_kind"),
                i("row_no"),
                i("source_line"),
                so("project_code"),
                s("project_name"),
                so("project_type"),
                so("project_unit"),
                money_o("total"),
                money_o("gpb"),
                money_o("gov_fund"),
                money_o("soe"),
                money_o("carryover"),
                money_o("special_account"),
                money_o("unit_funds"),
            ]),
            DatasetTable::PerformanceIndicators => fields.extend([
                so("project_code"),
                so("project_name"),
                s("level1"),
                so("level2"),
                s("level3"),
                so("operator"),
                so("target_value"),
                so("target_unit"),
                s("target_text"),
                i("source_line"),
            ]),
            DatasetTable::IngestWarnings => fields.extend([
                s("source_path"),
                io("line"),
                so("table_kind"),
                s("code"),
                s("message"),
                s("text"),
            ]),
        }
        Arc::new(Schema::new(fields))
    }

    /// Columns the rows of a partition file are sorted by (pruning and grouping). Line
    /// items cluster by table kind, then row kind and column: nearly every query and
    /// check reads one or two kinds and often only their 合计 rows or 合计 column, and
    /// row-group and page statistics then skip the rest (docs/performance.md).
    pub fn sort_columns(self) -> &'static [&'static str] {
        match self {
            DatasetTable::LineItems => &[
                "table_kind",
                "row_kind",
                "column_key",
                "region",
                "unit_name",
                "doc_id",
                "table_no",
                "row_no",
            ],
            DatasetTable::Documents => &["region", "unit_name", "doc_id"],
            _ => &["region", "unit_name", "doc_id"],
        }
    }

    /// Builds this table's batch for one document.
    pub fn batch(self, d: &SourceDocument, ingested_at_micros: i64) -> Result<RecordBatch> {
        self.batch_many(std::slice::from_ref(d), ingested_at_micros)
    }

    /// The number of rows `d` has in this table.
    pub fn row_count(self, d: &SourceDocument) -> usize {
        let p = &d.parsed;
        match self {
            DatasetTable::Documents => 1,
            DatasetTable::SourceTables => p.tables.len(),
            DatasetTable::LineItems => p.line_items.len(),
            DatasetTable::NarrativeFacts => p.facts.len(),
            DatasetTable::NarrativeClaims => p.claims.len(),
            DatasetTable::Projects => p.projects.len(),
            DatasetTable::PerformanceIndicators => p.indicators.len(),
            DatasetTable::IngestWarnings => p.warnings.len(),
        }
    }

    /// Builds this table's batch for several documents at once, rows in document order.
    pub fn batch_many(
        self,
        docs: &[SourceDocument],
        ingested_at_micros: i64,
    ) -> Result<RecordBatch> {
        // The document each row belongs to.
        let owners: Vec<&SourceDocument> = docs
            .iter()
            .flat_map(|d| std::iter::repeat_n(d, self.row_count(d)))
            .collect();
        let metas = || docs.iter().map(|d| &d.parsed.meta);
        let mut cols: Vec<ArrayRef> = vec![
            str1(owners.iter().map(|d| d.doc_id.as_str())),
            strs(owners.iter().map(|d| d.parsed.meta.region.as_deref())),
            str1(owners.iter().map(|d| d.parsed.meta.unit_name.as_str())),
        ];
        match self {
            DatasetTable::Documents => cols.extend([
                strs(metas().map(|m| m.region_code.as_deref())),
                strs(metas().map(|m| m.unit_code.as_deref())),
                str1(metas().map(|m| m.unit_name_printed.as_str())),
                str1(metas().map(|m| m.kind.as_str())),
                str1(metas().map(|m| m.scope.as_str())),
                str1(docs.iter().map(|d| d.parsed.status())),
                str1(metas().map(|m| m.title.as_str())),
                str1(docs.iter().map(|d| d.source_path.as_str())),
                strs(docs.iter().map(|d| d.companion_path.as_deref())),
                str1(docs.iter().map(|d| d.content_hash.as_str())),
                str1(docs.iter().map(|d| d.format)),
                str1(metas().map(|m| m.amount_unit)),
                int(docs.iter().map(|d| d.parsed.tables.len() as i32)),
                int(docs.iter().map(|d| d.parsed.line_items.len() as i32)),
                int(docs.iter().map(|d| d.parsed.facts.len() as i32)),
                int(docs.iter().map(|d| d.parsed.projects.len() as i32)),
                int(docs.iter().map(|d| d.parsed.warnings.len() as i32)),
                str1(docs.iter().map(|_| crate::ingest::PARSER_VERSION)),
                Arc::new(
                    TimestampMicrosecondArray::from(vec![ingested_at_micros; docs.len()])
                        .with_timezone("UTC"),
                ),
            ]),
            DatasetTable::SourceTables => {
                let t: Vec<_> = docs.iter().flat_map(|d| &d.parsed.tables).collect();
                cols.extend([
                    int(t.iter().map(|x| x.table_no)),
                    str1(t.iter().map(|x| x.table_kind.as_str())),
                    str1(t.iter().map(|x| x.title.as_str())),
                    int(t.iter().map(|x| x.source_line)),
                    str1(t.iter().map(|x| x.unit)),
                    Arc::new(BooleanArray::from_iter(
                        t.iter().map(|x| Some(x.unit_inferred)),
                    )),
                    int(t.iter().map(|x| x.row_count)),
                    int(t.iter().map(|x| x.amount_count)),
                    Arc::new(BooleanArray::from_iter(t.iter().map(|x| Some(x.is_empty)))),
                    strs(t.iter().map(|x| x.note.as_deref())),
                    str1(t.iter().map(|x| x.status.as_str())),
                    strs(t.iter().map(|x| x.status_reason.as_deref())),
                    Arc::new(Int32Array::from_iter(t.iter().map(|x| x.page))),
                ])
            }
            DatasetTable::LineItems => {
                let mut columns = LineItemColumns::default();
                for d in docs {
                    let key = DocumentKey::of(d);
                    for item in &d.parsed.line_items {
                        columns.push(&key, item)?;
                    }
                }
                return columns.finish();
            }
            DatasetTable::NarrativeFacts => {
                let f: Vec<_> = docs.iter().flat_map(|d| &d.parsed.facts).collect();
                cols.extend([
                    str1(f.iter().map(|x| x.fact_key.as_str())),
                    str1(f.iter().map(|x| x.topic.as_str())),
                    str1(f.iter().map(|x| x.item.as_str())),
                    str1(f.iter().map(|x| x.relation)),
                    str1(f.iter().map(|x| x.label.as_str())),
                    money_col(f.iter().map(|x| x.amount), 2)?,
                    money_col(f.iter().map(|x| Some(x.number)), 4)?,
                    str1(f.iter().map(|x| x.unit_text.as_str())),
                    strs(f.iter().map(|x| x.direction)),
                    str1(f.iter().map(|x| x.section.as_str())),
                    str1(f.iter().map(|x| x.sentence.as_str())),
                    int(f.iter().map(|x| x.source_line)),
                ])
            }
            DatasetTable::NarrativeClaims => {
                let c: Vec<_> = docs.iter().flat_map(|d| &d.parsed.claims).collect();
                cols.extend([
                    int(c.iter().map(|x| x.claim_no)),
                    int(c.iter().map(|x| x.group_no)),
                    str1(c.iter().map(|x| x.subject.as_str())),
                    strs(c.iter().map(|x| x.fund)),
                    strs(c.iter().map(|x| x.flow)),
                    str1(c.iter().map(|x| x.subject_name.as_str())),
                    strs(c.iter().map(|x| x.subject_code.as_deref())),
                    str1(c.iter().map(|x| x.period)),
                    str1(c.iter().map(|x| x.measure)),
                    strs(c.iter().map(|x| x.direction)),
                    money_col(c.iter().map(|x| Some(x.value)), 4)?,
                    str1(c.iter().map(|x| x.printed.as_str())),
                    money_col(c.iter().map(|x| x.amount), 2)?,
                    str1(c.iter().map(|x| x.unit_text.as_str())),
                    int(c.iter().map(|x| x.decimals)),
                    money_col(c.iter().map(|x| Some(x.tolerance)), 4)?,
                    Arc::new(Int32Array::from_iter(c.iter().map(|x| x.of_group))),
                    str1(c.iter().map(|x| x.section.as_str())),
                    str1(c.iter().map(|x| x.sentence.as_str())),
                    Arc::new(Int32Array::from_iter(c.iter().map(|x| x.page))),
                    int(c.iter().map(|x| x.source_line)),
                ])
            }
            DatasetTable::Projects => {
                let r: Vec<_> = docs.iter().flat_map(|d| &d.parsed.projects).collect();
                cols.extend([
                    str1(r.iter().map(|x| x.table_kind.as_str())),
                    int(r.iter().map(|x| x.row_no)),
                    int(r.iter().map(|x| x.source_line)),
                    strs(r.iter().map(|x| x.project_code.as_deref())),
                    str1(r.iter().map(|x| x.project_name.as_str())),
                    strs(r.iter().map(|x| x.project_type.as_deref())),
                    strs(r.iter().map(|x| x.project_unit.as_deref())),
                    money_col(r.iter().map(|x| x.total), 2)?,
                    money_col(r.iter().map(|x| x.gpb), 2)?,
                    money_col(r.iter().map(|x| x.gov_fund), 2)?,
                    money_col(r.iter().map(|x| x.soe), 2)?,
                    money_col(r.iter().map(|x| x.carryover), 2)?,
                    money_col(r.iter().map(|x| x.special_account), 2)?,
                    money_col(r.iter().map(|x| x.unit_funds), 2)?,
                ])
            }
            DatasetTable::PerformanceIndicators => {
                let r: Vec<_> = docs.iter().flat_map(|d| &d.parsed.indicators).collect();
                cols.extend([
                    strs(r.iter().map(|x| x.project_code.as_deref())),
                    strs(r.iter().map(|x| x.project_name.as_deref())),
                    str1(r.iter().map(|x| x.level1)),
                    strs(r.iter().map(|x| x.level2.as_deref())),
                    str1(r.iter().map(|x| x.level3.as_str())),
                    strs(r.iter().map(|x| x.operator)),
                    strs(r.iter().map(|x| x.target_value.as_deref())),
                    strs(r.iter().map(|x| x.target_unit.as_deref())),
                    str1(r.iter().map(|x| x.target_text.as_str())),
                    int(r.iter().map(|x| x.source_line)),
                ])
            }
            DatasetTable::IngestWarnings => {
                let w: Vec<_> = docs.iter().flat_map(|d| &d.parsed.warnings).collect();
                cols.extend([
                    str1(owners.iter().map(|d| d.source_path.as_str())),
                    Arc::new(Int32Array::from_iter(w.iter().map(|x| x.line))),
                    strs(w.iter().map(|x| x.table_kind.map(|k| k.as_str()))),
                    str1(w.iter().map(|x| x.code)),
                    str1(w.iter().map(|x| x.message.as_str())),
                    str1(w.iter().map(|x| x.text.as_str())),
                ])
            }
        }
        Ok(RecordBatch::try_new(self.schema(), cols)?)
    }
}

/// The columns of `line_items`, appended a line item at a time — the one place that
/// lays a [`LineItem`] out as a row. `batch_many` fills one for a batch of documents;
/// the generator keeps one per (table kind, row kind, column) of the row group it is
/// filling (`synth::cluster`), so each line item is copied once, into its final columns.
/// What repeats is stored once per run of equal values (a document's own columns, the
/// table and row kind, the column's meaning, flow, unit), and a text column that has
/// been null so far is only a count: in a generated row group most of these columns are
/// one run, and most optional texts are all null.
#[derive(Default)]
pub struct LineItemColumns {
    docs: Runs<SameDocument>,
    table_kind: Runs<TableKind>,
    table_no: Vec<i32>,
    row_no: Vec<i32>,
    source_line: Vec<i32>,
    row_kind: Runs<RowKind>,
    row_label: StringBuilder,
    line_key: Text,
    row_unit_code: Text,
    budget_unit: Text,
    function_code: Text,
    function_level: Int8Builder,
    econ_code: Text,
    gov_econ_code: Text,
    flow: Runs<Option<&'static str>>,
    column: Runs<ColumnMeaning>,
    row_category: Text,
    project_name: Text,
    project_code: Text,
    /// Hundredths of 元, precision checked on the way in.
    amount: Vec<i64>,
    amount_text: StringBuilder,
    source_unit: Runs<&'static str>,
}

impl LineItemColumns {
    /// Appends `item`, a line item of the document `doc` names; an amount that does not
    /// fit the money type is an error (nothing appended), never rounded or cut.
    pub fn push(&mut self, doc: &Arc<DocumentKey>, item: &LineItem) -> Result<()> {
        let amount = hundredths(item.amount).ok_or_else(|| {
            ArrowError::InvalidArgumentError(format!(
                "line item amount {} (document {}, table {}, row {}) does not fit {MONEY}",
                item.amount,
                doc.doc_id,
                item.table_kind.as_str(),
                item.row_no
            ))
        })?;
        self.docs.push(SameDocument(Arc::clone(doc)));
        self.table_kind.push(item.table_kind);
        self.table_no.push(item.table_no);
        self.row_no.push(item.row_no);
        self.source_line.push(item.source_line);
        self.row_kind.push(item.row_kind);
        self.row_label.append_value(&item.row_label);
        self.line_key.push(item.line_key.as_deref());
        self.row_unit_code.push(item.row_unit_code.as_deref());
        self.budget_unit.push(item.budget_unit.as_deref());
        self.function_code.push(item.function_code.as_deref());
        self.function_level.append_option(
            item.function_code
                .as_deref()
                .and_then(function_level)
                .or(item.function_level),
        );
        self.econ_code.push(item.econ_code.as_deref());
        self.gov_econ_code.push(item.gov_econ_code.as_deref());
        self.flow.push(item.flow);
        self.column.push(item.column);
        self.row_category.push(item.row_category.as_deref());
        self.project_name.push(item.project_name.as_deref());
        self.project_code.push(item.project_code.as_deref());
        self.amount.push(amount);
        self.amount_text.append_value(&item.amount_text);
        self.source_unit.push(item.source_unit);
        Ok(())
    }

    /// The `line_items` batch of everything appended, in order.
    pub fn finish(mut self) -> Result<RecordBatch> {
        let (docs, column) = (&self.docs, &self.column);
        let cols: Vec<ArrayRef> = vec![
            docs.text(|d| Some(&d.0.doc_id)),
            docs.text(|d| d.0.region.as_deref()),
            docs.text(|d| Some(&d.0.unit_name)),
            self.table_kind.text(|k| Some(k.as_str())),
            Arc::new(Int32Array::from(std::mem::take(&mut self.table_no))),
            Arc::new(Int32Array::from(std::mem::take(&mut self.row_no))),
            Arc::new(Int32Array::from(std::mem::take(&mut self.source_line))),
            self.row_kind.text(|k| Some(k.as_str())),
            Arc::new(self.row_label.finish()),
            self.line_key.finish(),
            self.row_unit_code.finish(),
            self.budget_unit.finish(),
            self.function_code.finish(),
            Arc::new(self.function_level.finish()),
            self.econ_code.finish(),
            self.gov_econ_code.finish(),
            self.flow.text(|f| *f),
            column.text(|c| Some(c.key)),
            column.text(|c| Some(c.label)),
            column.text(|c| c.fund),
            column.text(|c| c.expense_kind),
            column.text(|c| c.cost_kind),
            self.row_category.finish(),
            self.project_name.finish(),
            self.project_code.finish(),
            Arc::new(
                Decimal128Array::from_iter_values(self.amount.iter().map(|&a| a as i128))
                    .with_precision_and_scale(18, 2)?,
            ),
            Arc::new(self.amount_text.finish()),
            self.source_unit.text(|u| Some(u)),
        ];
        Ok(RecordBatch::try_new(
            DatasetTable::LineItems.schema(),
            cols,
        )?)
    }
}

/// The columns of `line_items` that come from the document, shared by its line items.
#[derive(Debug)]
pub struct DocumentKey {
    doc_id: String,
    region: Option<String>,
    unit_name: String,
}

impl DocumentKey {
    pub fn of(doc: &SourceDocument) -> Arc<DocumentKey> {
        Arc::new(DocumentKey {
            doc_id: doc.doc_id.clone(),
            region: doc.parsed.meta.region.clone(),
            unit_name: doc.parsed.meta.unit_name.clone(),
        })
    }
}

/// A document's key compared by identity: runs of one document's rows.
struct SameDocument(Arc<DocumentKey>);

impl PartialEq for SameDocument {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// `amount` in hundredths when it fits `Decimal128(18, 2)`.
fn hundredths(amount: Decimal) -> Option<i64> {
    let m = i64::try_from(mantissa(amount, 2)).ok()?;
    (m.unsigned_abs() < 10u64.pow(18)).then_some(m)
}

/// A column as runs of equal values.
struct Runs<T>(Vec<(T, usize)>);

impl<T> Default for Runs<T> {
    fn default() -> Self {
        Runs(Vec::new())
    }
}

impl<T: PartialEq> Runs<T> {
    fn push(&mut self, v: T) {
        match self.0.last_mut() {
            Some((last, n)) if *last == v => *n += 1,
            _ => self.0.push((v, 1)),
        }
    }

    /// The text column `f` makes of each value.
    fn text<'a>(&'a self, f: impl Fn(&'a T) -> Option<&'a str>) -> ArrayRef {
        match self.0.as_slice() {
            [(v, n)] => match f(v) {
                Some(text) => Arc::new(StringArray::new_repeated(text, *n)),
                None => Arc::new(StringArray::new_null(*n)),
            },
            runs => {
                let mut b = StringBuilder::new();
                for (v, n) in runs {
                    let text = f(v);
                    for _ in 0..*n {
                        b.append_option(text);
                    }
                }
                Arc::new(b.finish())
            }
        }
    }
}

/// A nullable text column that is only a count while all it has had is nulls.
enum Text {
    Nulls(usize),
    Values(StringBuilder),
}

impl Default for Text {
    fn default() -> Self {
        Text::Nulls(0)
    }
}

impl Text {
    fn push(&mut self, v: Option<&str>) {
        match (&mut *self, v) {
            (Text::Nulls(n), None) => *n += 1,
            (Text::Nulls(n), Some(v)) => {
                let mut b = StringBuilder::new();
                b.append_nulls(*n);
                b.append_value(v);
                *self = Text::Values(b);
            }
            (Text::Values(b), v) => b.append_option(v),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Text::Nulls(n) => Arc::new(StringArray::new_null(*n)),
            Text::Values(b) => Arc::new(b.finish()),
        }
    }
}

fn str1<'a>(it: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(it))
}

fn strs<'a>(it: impl IntoIterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(it))
}

fn int(it: impl IntoIterator<Item = i32>) -> ArrayRef {
    Arc::new(Int32Array::from_iter_values(it))
}

/// Converts exact decimals to a `Decimal128(18, scale)` column; a value that does not fit
/// is an error, never rounded.
fn money_col(it: impl IntoIterator<Item = Option<Decimal>>, scale: u32) -> Result<ArrayRef> {
    let values: Vec<Option<i128>> = it
        .into_iter()
        .map(|v| v.map(|d| mantissa(d, scale)))
        .collect();
    let arr = Decimal128Array::from(values).with_precision_and_scale(18, scale as i8)?;
    arr.validate_decimal_precision(18)?;
    Ok(Arc::new(arr))
}

/// `d` as the mantissa of a decimal of `scale` digits after the point: the one way money
/// columns rescale.
fn mantissa(d: Decimal, scale: u32) -> i128 {
    let mut d = d;
    d.rescale(scale);
    d.mantissa()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::budget::{Budget, District, district_units};
    use crate::synth::document::document;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{Decimal128Type, Int8Type, Int32Type};

    /// Every cell of a line_items batch against the line item it came from: runs of
    /// documents and columns broken and resumed, optional texts null before and after
    /// their first value.
    #[test]
    fn line_item_columns_lay_out_each_item() {
        let d = District::new(0);
        let docs: Vec<SourceDocument> = district_units(3, &d, 2)
            .iter()
            .map(|u| {
                let (b, p) = (Budget::generate(&d, u, 2024), Budget::generate(&d, u, 2023));
                document(3, &d, u, &b, &p)
            })
            .collect();
        let (a, b) = (&docs[0], &docs[1]);
        let mut rows: Vec<(&SourceDocument, &LineItem)> = Vec::new();
        rows.extend(a.parsed.line_items[..40].iter().map(|i| (a, i)));
        rows.extend(b.parsed.line_items.iter().step_by(7).map(|i| (b, i)));
        rows.extend(a.parsed.line_items[40..].iter().rev().map(|i| (a, i)));
        let keys = (DocumentKey::of(a), DocumentKey::of(b));
        let mut columns = LineItemColumns::default();
        for (doc, item) in &rows {
            let key = if std::ptr::eq(*doc, a) {
                &keys.0
            } else {
                &keys.1
            };
            columns.push(key, item).unwrap();
        }
        let batch = columns.finish().unwrap();
        assert_eq!(batch.num_rows(), rows.len());
        let text = |name: &str, i: usize| {
            let c = batch.column_by_name(name).unwrap().as_string::<i32>();
            c.is_valid(i).then(|| c.value(i).to_string())
        };
        let int = |name: &str, i: usize| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_primitive::<Int32Type>()
                .value(i)
        };
        let s = |v: &str| Some(v.to_string());
        for (i, (doc, item)) in rows.iter().enumerate() {
            let m = &doc.parsed.meta;
            assert_eq!(text("doc_id", i), s(&doc.doc_id));
            assert_eq!(text("region", i), m.region.clone());
            assert_eq!(text("unit_name", i), s(&m.unit_name));
            assert_eq!(text("table_kind", i), s(item.table_kind.as_str()));
            assert_eq!(int("table_no", i), item.table_no);
            assert_eq!(int("row_no", i), item.row_no);
            assert_eq!(int("source_line", i), item.source_line);
            assert_eq!(text("row_kind", i), s(item.row_kind.as_str()));
            assert_eq!(text("row_label", i), s(&item.row_label));
            assert_eq!(text("line_key", i), item.line_key.clone());
            assert_eq!(text("row_unit_code", i), item.row_unit_code.clone());
            assert_eq!(text("budget_unit", i), item.budget_unit.clone());
            assert_eq!(text("function_code", i), item.function_code.clone());
            let level = batch.column_by_name("function_level").unwrap();
            let level = level.as_primitive::<Int8Type>();
            assert_eq!(
                level.is_valid(i).then(|| level.value(i)),
                item.function_code.as_deref().and_then(function_level)
            );
            assert_eq!(text("econ_code", i), item.econ_code.clone());
            assert_eq!(text("gov_econ_code", i), item.gov_econ_code.clone());
            assert_eq!(text("flow", i), item.flow.map(str::to_string));
            assert_eq!(text("column_key", i), s(item.column.key));
            assert_eq!(text("column_label", i), s(item.column.label));
            assert_eq!(text("fund", i), item.column.fund.map(str::to_string));
            let kind = item.column.expense_kind.map(str::to_string);
            assert_eq!(text("expense_kind", i), kind);
            assert_eq!(
                text("cost_kind", i),
                item.column.cost_kind.map(str::to_string)
            );
            assert_eq!(text("row_category", i), item.row_category.clone());
            assert_eq!(text("project_name", i), item.project_name.clone());
            assert_eq!(text("project_code", i), item.project_code.clone());
            let amount = batch.column_by_name("amount").unwrap();
            let amount = amount.as_primitive::<Decimal128Type>().value(i);
            assert_eq!(Decimal::from_i128_with_scale(amount, 2), item.amount);
            assert_eq!(text("amount_text", i), s(&item.amount_text));
            assert_eq!(text("source_unit", i), s(item.source_unit));
        }
        // The rows cover what the runs and the lazy nulls must get right.
        let valid = |name: &str| batch.column_by_name(name).unwrap().null_count();
        assert!(valid("function_code") > 0 && valid("function_code") < rows.len());
        assert!(valid("project_name") > 0 && valid("project_name") < rows.len());
    }

    /// An amount beyond `Decimal128(18, 2)` is an error naming its document, and nothing
    /// of the line item is appended; the largest that fits is stored exactly.
    #[test]
    fn line_item_amount_out_of_range_is_an_error() {
        let d = District::new(0);
        let u = &district_units(3, &d, 1)[0];
        let (b, p) = (Budget::generate(&d, u, 2024), Budget::generate(&d, u, 2023));
        let doc = document(3, &d, u, &b, &p);
        let key = DocumentKey::of(&doc);
        let mut item = doc.parsed.line_items[0].clone();
        let mut columns = LineItemColumns::default();
        item.amount = Decimal::from_i128_with_scale(999_999_999_999_999_999, 2);
        columns.push(&key, &item).unwrap();
        item.amount = Decimal::from_i128_with_scale(1_000_000_000_000_000_000, 2);
        let e = columns.push(&key, &item).unwrap_err().to_string();
        assert!(e.contains(&doc.doc_id) && e.contains("does not fit"), "{e}");
        let batch = columns.finish().unwrap();
        assert_eq!(batch.num_rows(), 1);
        let amount = batch.column_by_name("amount").unwrap();
        let amount = amount.as_primitive::<Decimal128Type>().value(0);
        assert_eq!(amount, 999_999_999_999_999_999);
    }
}
