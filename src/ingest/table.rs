//! One table, whatever its source: the data lines (cells at their column positions) and
//! the meaning of its amount columns in, line items, projects and indicators out. Shared
//! by the text and PDF readers, which differ only in how they find lines and columns.

use std::collections::BTreeMap;

use super::Ctx;
use super::amount::MoneyUnit;
use super::cells::{TableLine, compact};
use super::grouped;
use super::layout::Columns;
use super::rows::{TableCtx, parse_code_table};
use super::{performance, summary};
use crate::model::{
    DocumentMeta, IngestWarning, LineItem, NarrativeClaim, NarrativeFact, ParsedDocument,
    PerformanceIndicator, Project, RowKind, SourceTable, TableKind, TableStatus,
};

/// A table as found in a source, before its rows are interpreted.
#[derive(Debug, Clone)]
pub struct RawTable {
    pub kind: TableKind,
    pub title: String,
    /// Line of the title (text format) or its position in the document (PDF).
    pub title_line: usize,
    pub table_no: i32,
    pub unit: MoneyUnit,
    pub unit_inferred: bool,
    pub note: Option<String>,
    /// The page of the title (PDF), 1-based.
    pub page: Option<i32>,
    /// The amount columns (for two-sided summary tables: those of the right side).
    pub columns: Columns,
    /// The header text of every column as read (for diagnostics; may be empty).
    pub header: Vec<String>,
    pub data: Vec<TableLine>,
}

/// What the tables of a document yield.
#[derive(Debug, Default)]
pub struct Outputs {
    pub items: Vec<LineItem>,
    pub projects: Vec<Project>,
    pub indicators: Vec<PerformanceIndicator>,
}

impl Outputs {
    /// Appends another table's outputs.
    pub fn extend(&mut self, other: Outputs) {
        self.items.extend(other.items);
        self.projects.extend(other.projects);
        self.indicators.extend(other.indicators);
    }

    /// The document's unit code: the most specific code among the unit rows, the first
    /// printed on ties (605001 rather than its 部门 code 605; in a 部门 document, the
    /// department's own row).
    pub fn unit_code(&self) -> Option<String> {
        self.items
            .iter()
            .filter(|it| it.row_kind == RowKind::Unit)
            .filter_map(|it| it.row_unit_code.clone())
            .fold(None::<String>, |best, c| match best {
                Some(b) if b.len() >= c.len() => Some(b),
                _ => Some(c),
            })
    }

    /// Assembles the parsed document.
    pub fn into_document(
        self,
        meta: DocumentMeta,
        tables: Vec<SourceTable>,
        facts: Vec<NarrativeFact>,
        mut claims: Vec<NarrativeClaim>,
        mut warnings: Vec<IngestWarning>,
    ) -> ParsedDocument {
        let mut items = self.items;
        super::codes::recover_damaged_codes(&mut items, &mut warnings);
        assign_budget_units(&mut items);
        super::claims::resolve_codes(&mut claims, &items);
        let mut meta = meta;
        meta.unit_name_printed = meta.unit_name.clone();
        meta.unit_name = abbreviated_unit_name(&meta.unit_name);
        ParsedDocument {
            meta,
            tables,
            line_items: items,
            facts,
            claims,
            narrative: Vec::new(),
            projects: self.projects,
            indicators: self.indicators,
            warnings,
        }
    }
}

/// Sets each row's `budget_unit` where its table is listed by unit: the name of the
/// nearest unit row at or above it (a unit row names itself); 合计 rows and rows above the
/// first unit row have none. Runs after damaged codes are repaired, so that a code cell
/// first read as a unit code does not open a unit.
pub fn assign_budget_units(items: &mut [LineItem]) {
    let mut units: BTreeMap<i32, BTreeMap<i32, String>> = BTreeMap::new();
    for it in items.iter().filter(|it| it.row_kind == RowKind::Unit) {
        units
            .entry(it.table_no)
            .or_default()
            .entry(it.row_no)
            .or_insert_with(|| it.row_label.clone());
    }
    if units.is_empty() {
        return;
    }
    for it in items.iter_mut() {
        if it.row_kind == RowKind::Total {
            continue;
        }
        it.budget_unit = units
            .get(&it.table_no)
            .and_then(|rows| rows.range(..=it.row_no).next_back())
            .map(|(_, name)| name.clone());
    }
}

/// The official abbreviation of a party organ's name: 中国共产党X委员会… → 中共X委…
/// (documents of one unit print either form).
pub fn abbreviated_unit_name(name: &str) -> String {
    match name.strip_prefix("中国共产党") {
        Some(rest) => format!("中共{}", rest.replacen("委员会", "委", 1)),
        None => name.to_string(),
    }
}

/// Reads one table's rows into `out`.
pub fn read_table(ctx: &mut Ctx, raw: &RawTable, out: &mut Outputs) -> SourceTable {
    let t = TableCtx {
        kind: raw.kind,
        table_no: raw.table_no,
        unit: raw.unit,
        decimals: common_decimals(&raw.data),
        columns: &raw.columns,
    };
    let before = out.items.len();
    let rows = match raw.kind {
        TableKind::IncomeExpenditureSummary | TableKind::FiscalSummary => {
            summary::parse_summary(ctx, &t, &raw.data, &mut out.items)
        }
        TableKind::PerformanceTargets => performance::parse_performance(
            ctx,
            &t,
            &raw.data,
            &mut out.items,
            &mut out.projects,
            &mut out.indicators,
        ),
        kind if grouped::is_grouped_income(kind, &raw.data) => {
            grouped::parse_grouped_income(ctx, &t, &raw.data, &mut out.items)
        }
        _ => parse_code_table(ctx, &t, &raw.data, &mut out.items, &mut out.projects),
    };
    let amount_count = (out.items.len() - before) as i32;
    let is_empty = amount_count == 0;
    if is_empty && raw.note.is_none() {
        ctx.warn(
            raw.title_line,
            Some(raw.kind),
            "table_empty",
            format!("{} has no amounts and no note saying why", raw.kind.label()),
            &raw.title,
        );
    }
    SourceTable {
        table_no: raw.table_no,
        table_kind: raw.kind,
        title: compact(&raw.title),
        source_line: raw.title_line as i32,
        unit: raw.unit.label(),
        unit_inferred: raw.unit_inferred,
        row_count: rows as i32,
        amount_count,
        note: raw.note.clone(),
        is_empty,
        // (A table that prints no amount at all, only names or a blank 合计 row, is empty
        // as printed, note or not.)
        status: if is_empty && (raw.note.is_some() || raw.data.iter().all(|l| l.amounts.is_empty()))
        {
            TableStatus::Empty
        } else {
            TableStatus::Verified
        },
        status_reason: None,
        page: raw.page,
    }
}

/// The warning codes that put a table's reading in doubt: a header not understood, a line
/// that belongs to no row, a row that does not add up or whose code is missing, a missing
/// total, more amounts than columns, a unit not stated.
pub const DOUBTS: &[&str] = &[
    "header_unrecognized",
    "text_unattached",
    "text_echo",
    "row_unbalanced",
    "placement_ambiguous",
    "code_missing",
    "total_missing",
    "too_many_amounts",
    // (An amount in a table that states no unit could be 元 or 万元.)
    "unit_assumed",
];

/// Verifies one table as read (`table`, with the warnings raised while reading it and the
/// line items it yielded): verified when no warning puts a row in doubt and its rows add
/// up to its printed totals (`balance::imbalances`); otherwise `unverified` with the
/// reasons, or `unread` when its header was not understood or it yielded nothing and
/// says nothing about why.
pub fn verify(table: &mut SourceTable, warnings: &[IngestWarning], items: &[LineItem]) {
    let mut reasons: Vec<String> = Vec::new();
    let mut unread = false;
    for w in warnings.iter().filter(|w| DOUBTS.contains(&w.code)) {
        unread |= w.code == "header_unrecognized";
        let at = w.line.map(|l| format!("line {l}: ")).unwrap_or_default();
        let reason = format!("{at}{}", w.message);
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    reasons.extend(
        super::balance::imbalances(items)
            .iter()
            .map(ToString::to_string),
    );
    if table.amount_count == 0 && table.status != TableStatus::Empty && reasons.is_empty() {
        unread = true;
        reasons.push("amounts are printed but none was read".into());
    }
    if reasons.is_empty() {
        return;
    }
    const SHOWN: usize = 4;
    let more = reasons.len().saturating_sub(SHOWN);
    reasons.truncate(SHOWN);
    if more > 0 {
        reasons.push(format!("and {more} more"));
    }
    table.status = if unread {
        TableStatus::Unread
    } else {
        TableStatus::Unverified
    };
    table.status_reason = Some(reasons.join("; "));
    table.is_empty = false;
}

/// The number of decimals most amounts of a table are printed with.
fn common_decimals(data: &[TableLine]) -> u32 {
    let mut counts = [0usize; 7];
    for l in data {
        for a in &l.amounts {
            if let Ok(p) = &a.parsed {
                counts[p.decimals.min(6) as usize] += 1;
            }
        }
    }
    counts
        .iter()
        .enumerate()
        .max_by_key(|(d, c)| (**c, *d))
        .map_or(2, |(d, _)| d as u32)
}
