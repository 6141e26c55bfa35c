//! The Arrow schema of every dataset table — the single source of truth for column names,
//! types and order — and the conversion of parsed documents into record batches.
//! Money is `Decimal128(18, 2)` in 元, never float. The partition column `year` is not
//! stored in the files (it is the `year=` directory, Hive style) and is added by readers.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Decimal128Array, Int8Array, Int32Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use rust_decimal::Decimal;

use super::SourceDocument;
use super::classification::function_level;
use crate::error::Result;

/// Bumped whenever a table's columns change; stored in the dataset's `_yusuan.json`.
pub const SCHEMA_VERSION: u32 = 2;

/// Precision and scale of money columns (元 with 2 decimals, up to 10^16 元).
pub const MONEY: DataType = DataType::Decimal128(18, 2);

/// The tables of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetTable {
    Documents,
    SourceTables,
    LineItems,
    NarrativeFacts,
    Projects,
    PerformanceIndicators,
    IngestWarnings,
}

impl DatasetTable {
    /// Every table, in the order they are written.
    pub const ALL: [DatasetTable; 7] = [
        DatasetTable::Documents,
        DatasetTable::SourceTables,
        DatasetTable::LineItems,
        DatasetTable::NarrativeFacts,
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
                ])
            }
            DatasetTable::LineItems => {
                let l: Vec<_> = docs.iter().flat_map(|d| &d.parsed.line_items).collect();
                cols.extend([
                    str1(l.iter().map(|x| x.table_kind.as_str())),
                    int(l.iter().map(|x| x.table_no)),
                    int(l.iter().map(|x| x.row_no)),
                    int(l.iter().map(|x| x.source_line)),
                    str1(l.iter().map(|x| x.row_kind.as_str())),
                    str1(l.iter().map(|x| x.row_label.as_str())),
                    strs(l.iter().map(|x| x.line_key.as_deref())),
                    strs(l.iter().map(|x| x.row_unit_code.as_deref())),
                    strs(l.iter().map(|x| x.function_code.as_deref())),
                    Arc::new(Int8Array::from_iter(
                        l.iter()
                            .map(|x| x.function_code.as_deref().and_then(function_level)),
                    )),
                    strs(l.iter().map(|x| x.econ_code.as_deref())),
                    strs(l.iter().map(|x| x.gov_econ_code.as_deref())),
                    strs(l.iter().map(|x| x.flow)),
                    str1(l.iter().map(|x| x.column.key)),
                    str1(l.iter().map(|x| x.column.label)),
                    strs(l.iter().map(|x| x.column.fund)),
                    strs(l.iter().map(|x| x.column.expense_kind)),
                    strs(l.iter().map(|x| x.column.cost_kind)),
                    strs(l.iter().map(|x| x.row_category.as_deref())),
                    strs(l.iter().map(|x| x.project_name.as_deref())),
                    strs(l.iter().map(|x| x.project_code.as_deref())),
                    money_col(l.iter().map(|x| Some(x.amount)), 2)?,
                    str1(l.iter().map(|x| x.amount_text.as_str())),
                    str1(l.iter().map(|x| x.source_unit)),
                ])
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
        .map(|v| {
            v.map(|d| {
                let mut d = d;
                d.rescale(scale);
                d.mantissa()
            })
        })
        .collect();
    let arr = Decimal128Array::from(values).with_precision_and_scale(18, scale as i8)?;
    arr.validate_decimal_precision(18)?;
    Ok(Arc::new(arr))
}
