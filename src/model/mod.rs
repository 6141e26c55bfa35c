//! The typed domain: what one ingested disclosure becomes before it is stored.
//! Owns the vocabulary (table kinds, row kinds, fund and cost attributes) and the
//! classification-code helpers. Knows nothing about text layouts, Arrow or files.

pub mod classification;
pub mod reference;
pub mod schema;

use rust_decimal::Decimal;

/// Whether a document is a budget (预算) or final accounts (决算).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// 预算: the plan for the year.
    Budget,
    /// 决算: what was actually spent.
    FinalAccounts,
}

impl DocumentKind {
    /// The value stored in `documents.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Budget => "budget",
            DocumentKind::FinalAccounts => "final_accounts",
        }
    }
}

/// Whether a document covers a whole department (部门, with subordinate units) or one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// 部门预算: the department and its subordinate budget units, consolidated.
    Department,
    /// 单位预算 / 本级: one budget unit.
    Unit,
}

impl Scope {
    /// The value stored in `documents.scope`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Department => "department",
            Scope::Unit => "unit",
        }
    }
}

/// The standard disclosure tables, identified by their title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableKind {
    /// 收支预算表 / 收支总表
    IncomeExpenditureSummary,
    /// 收入预算表
    Income,
    /// 支出预算表
    Expenditure,
    /// 财政拨款收支预算表
    FiscalSummary,
    /// 一般公共预算支出预算表
    GpbExpenditure,
    /// 一般公共预算基本支出预算表
    GpbBasicExpenditure,
    /// 支出经济分类汇总表
    EconSummary,
    /// 一般公共预算"三公"经费预算表
    ThreePublic,
    /// 政府性基金支出预算表
    GovFundExpenditure,
    /// 国有资本经营支出预算表
    SoeExpenditure,
    /// 行政(事业)单位机构运转经费预算表 / 机关运行经费
    OperatingCost,
    /// 项目支出预算表
    ProjectExpenditure,
    /// 项目绩效目标表
    PerformanceTargets,
    /// 政府采购支出预算表
    Procurement,
}

impl TableKind {
    /// Every kind, in the order of the 13-table set.
    pub const ALL: [TableKind; 14] = [
        TableKind::IncomeExpenditureSummary,
        TableKind::Income,
        TableKind::Expenditure,
        TableKind::FiscalSummary,
        TableKind::GpbExpenditure,
        TableKind::GpbBasicExpenditure,
        TableKind::EconSummary,
        TableKind::ThreePublic,
        TableKind::GovFundExpenditure,
        TableKind::SoeExpenditure,
        TableKind::OperatingCost,
        TableKind::ProjectExpenditure,
        TableKind::PerformanceTargets,
        TableKind::Procurement,
    ];

    /// The value stored in `table_kind` columns.
    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::IncomeExpenditureSummary => "income_expenditure_summary",
            TableKind::Income => "income",
            TableKind::Expenditure => "expenditure",
            TableKind::FiscalSummary => "fiscal_summary",
            TableKind::GpbExpenditure => "gpb_expenditure",
            TableKind::GpbBasicExpenditure => "gpb_basic_expenditure",
            TableKind::EconSummary => "econ_summary",
            TableKind::ThreePublic => "three_public",
            TableKind::GovFundExpenditure => "gov_fund_expenditure",
            TableKind::SoeExpenditure => "soe_expenditure",
            TableKind::OperatingCost => "operating_cost",
            TableKind::ProjectExpenditure => "project_expenditure",
            TableKind::PerformanceTargets => "performance_targets",
            TableKind::Procurement => "procurement",
        }
    }

    /// The table's usual Chinese name, for messages.
    pub fn label(self) -> &'static str {
        match self {
            TableKind::IncomeExpenditureSummary => "收支预算表",
            TableKind::Income => "收入预算表",
            TableKind::Expenditure => "支出预算表",
            TableKind::FiscalSummary => "财政拨款收支预算表",
            TableKind::GpbExpenditure => "一般公共预算支出预算表",
            TableKind::GpbBasicExpenditure => "一般公共预算基本支出预算表",
            TableKind::EconSummary => "支出经济分类汇总表",
            TableKind::ThreePublic => "一般公共预算\"三公\"经费预算表",
            TableKind::GovFundExpenditure => "政府性基金支出预算表",
            TableKind::SoeExpenditure => "国有资本经营支出预算表",
            TableKind::OperatingCost => "机构运转经费预算表",
            TableKind::ProjectExpenditure => "项目支出预算表",
            TableKind::PerformanceTargets => "项目绩效目标表",
            TableKind::Procurement => "政府采购支出预算表",
        }
    }

    /// The tables a disclosure's headline figures come from: 收支总表, 收入表, 支出表,
    /// 财政拨款收支总表, 一般公共预算支出表. A document none of whose core tables verifies
    /// is not ingested.
    pub fn is_core(self) -> bool {
        matches!(
            self,
            TableKind::IncomeExpenditureSummary
                | TableKind::Income
                | TableKind::Expenditure
                | TableKind::FiscalSummary
                | TableKind::GpbExpenditure
        )
    }

    /// Identifies a table by its title (year, unit name and numbering are ignored).
    /// The order of the tests matters: the most specific names come first.
    pub fn from_title(title: &str) -> Option<TableKind> {
        let t: String = title
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '“' | '”' | '\''))
            .collect();
        // A qualifier after the name: 财政拨款支出预算表（功能科目）.
        let t = match t.strip_suffix(['）', ')']) {
            Some(rest) => rest
                .rfind(['（', '('])
                .map_or(t.as_str(), |i| &rest[..i])
                .to_string(),
            None => t,
        };
        if !t.ends_with('表') {
            return None;
        }
        let has = |s: &str| t.contains(s);
        let kind = if has("绩效目标") {
            TableKind::PerformanceTargets
        } else if has("政府采购") {
            TableKind::Procurement
        } else if has("项目支出") {
            TableKind::ProjectExpenditure
        } else if has("三公") {
            TableKind::ThreePublic
        } else if has("运转经费") || has("运行经费") {
            TableKind::OperatingCost
        } else if has("国有资本经营") {
            TableKind::SoeExpenditure
        } else if has("政府性基金") {
            TableKind::GovFundExpenditure
        } else if has("经济分类汇总") {
            TableKind::EconSummary
        // (Also `一般公共预算财政拨款(基本)支出…表`, `一般公共预算拨款支出…表`: a table of the
        // general budget's spending, whatever words stand between.)
        } else if has("一般公共预算") && has("基本支出") && !has("收") {
            TableKind::GpbBasicExpenditure
        } else if has("一般公共预算") && has("支出") && !has("收") {
            TableKind::GpbExpenditure
        } else if has("财政拨款收支") {
            TableKind::FiscalSummary
        } else if has("收支") || has("收入支出") {
            TableKind::IncomeExpenditureSummary
        } else if has("收入") {
            TableKind::Income
        } else if has("支出") {
            TableKind::Expenditure
        } else {
            return None;
        };
        Some(kind)
    }
}

/// What a table row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// A 合计/总计 row of the whole table.
    Total,
    /// A subtotal row of one budget unit (单位代码 + 单位名称).
    Unit,
    /// A 功能分类 code row (类/款/项).
    Function,
    /// An economic-classification code row (部门 and/or 政府经济分类).
    Econ,
    /// A province's own sub-item of a printed 经济分类 款 (Chongqing's 3010201 规范性津补贴
    /// under 30102 津贴补贴), with its 7-digit code: its amount is part of the 款 row above
    /// it, so sums over `econ` rows do not count it twice.
    EconDetail,
    /// A named line of a summary table (收入总计, 一、一般公共预算 …).
    Line,
    /// A project (项目支出, 绩效目标).
    Project,
}

impl RowKind {
    /// The value stored in `line_items.row_kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Total => "total",
            RowKind::Unit => "unit",
            RowKind::Function => "function",
            RowKind::Econ => "econ",
            RowKind::EconDetail => "econ_detail",
            RowKind::Line => "line",
            RowKind::Project => "project",
        }
    }
}

/// The meaning of one amount column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMeaning {
    /// Stable key, unique within the table kind (`total`, `basic`, `basic.wages` …).
    pub key: &'static str,
    /// The column's printed name.
    pub label: &'static str,
    /// Fund source (`gpb`, `gpb_fiscal`, `gov_fund`, `soe`, …) or `None` for all funds.
    pub fund: Option<&'static str>,
    /// `basic` / `project` when the column is restricted to one of them.
    pub expense_kind: Option<&'static str>,
    /// `personnel` / `public` when the column is restricted to one of them.
    pub cost_kind: Option<&'static str>,
}

/// One amount cell of a table, in long format.
#[derive(Debug, Clone, PartialEq)]
pub struct LineItem {
    pub table_kind: TableKind,
    pub table_no: i32,
    pub row_no: i32,
    pub source_line: i32,
    pub row_kind: RowKind,
    pub row_label: String,
    pub line_key: Option<String>,
    pub row_unit_code: Option<String>,
    /// The 预算单位 whose part of the table the row is in, where a table is listed by unit
    /// (a unit row, then that unit's rows): the unit row's name, on the unit row too.
    pub budget_unit: Option<String>,
    pub function_code: Option<String>,
    /// The 功能分类 level (1 类, 2 款, 3 项): from the code, or, where the table prints names
    /// without codes, from their indentation.
    pub function_level: Option<i8>,
    pub econ_code: Option<String>,
    pub gov_econ_code: Option<String>,
    /// `income` / `expenditure` for two-sided summary tables.
    pub flow: Option<&'static str>,
    pub column: ColumnMeaning,
    /// The row's own category where the table has one (项目类别, 项目类型).
    pub row_category: Option<String>,
    pub project_name: Option<String>,
    pub project_code: Option<String>,
    /// 元, exact, 2 decimals.
    pub amount: Decimal,
    /// The cell as printed (before repair).
    pub amount_text: String,
    pub source_unit: &'static str,
}

#[cfg(test)]
mod tests {
    use super::TableKind;

    #[test]
    fn table_kinds_from_titles() {
        for (title, kind) in [
            ("2026年部门收支总表", TableKind::IncomeExpenditureSummary),
            ("收入支出决算总表", TableKind::IncomeExpenditureSummary),
            ("财政拨款收支总表", TableKind::FiscalSummary),
            ("一般公共预算支出表", TableKind::GpbExpenditure),
            ("一般公共预算财政拨款支出预算表", TableKind::GpbExpenditure),
            ("一般公共预算财政拨款支出决算表", TableKind::GpbExpenditure),
            (
                "一般公共预算拨款支出表（功能科目）",
                TableKind::GpbExpenditure,
            ),
            ("一般公共预算基本支出表", TableKind::GpbBasicExpenditure),
            (
                "一般公共预算财政拨款基本支出决算表",
                TableKind::GpbBasicExpenditure,
            ),
            ("一般公共预算“三公”经费支出表", TableKind::ThreePublic),
            ("部门支出总表", TableKind::Expenditure),
            ("收入总表", TableKind::Income),
        ] {
            assert_eq!(TableKind::from_title(title), Some(kind), "{title}");
        }
        assert_eq!(TableKind::from_title("一般公共预算"), None);
    }
}

#[cfg(test)]
impl LineItem {
    /// An amount of `yuan` 元 in column `column` of a row of `row_kind`, nothing else set:
    /// for tests of the tables' arithmetic.
    pub(crate) fn for_test(
        table_kind: TableKind,
        table_no: i32,
        row_kind: RowKind,
        column: &'static str,
        yuan: i64,
    ) -> LineItem {
        LineItem {
            table_kind,
            table_no,
            row_no: 1,
            source_line: 1,
            row_kind,
            row_label: String::new(),
            line_key: None,
            row_unit_code: None,
            budget_unit: None,
            function_code: None,
            function_level: None,
            econ_code: None,
            gov_econ_code: None,
            flow: None,
            column: ColumnMeaning {
                key: column,
                label: column,
                fund: None,
                expense_kind: None,
                cost_kind: None,
            },
            row_category: None,
            project_name: None,
            project_code: None,
            amount: rust_decimal::Decimal::from(yuan),
            amount_text: yuan.to_string(),
            source_unit: "元",
        }
    }
}

/// Whether a table's amounts were verified by its own arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStatus {
    /// Every row was placed and the rows add up to the table's printed totals.
    Verified,
    /// No amounts, with a note saying why (本表无数据).
    Empty,
    /// Read, but the rows do not add up or a row's structure is in doubt: the reason says
    /// which. From a PDF its amounts are not stored; from the text format they are, as read.
    Unverified,
    /// Found (its title), but its header or rows could not be read at all.
    Unread,
}

impl TableStatus {
    /// The value stored in `source_tables.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            TableStatus::Verified => "verified",
            TableStatus::Empty => "empty",
            TableStatus::Unverified => "unverified",
            TableStatus::Unread => "unread",
        }
    }

    /// True when the table's amounts may be trusted (verified, or empty with a note).
    pub fn is_trusted(self) -> bool {
        matches!(self, TableStatus::Verified | TableStatus::Empty)
    }
}

/// One table found in a document (also the empty ones).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTable {
    pub table_no: i32,
    pub table_kind: TableKind,
    pub title: String,
    pub source_line: i32,
    pub unit: &'static str,
    /// True when the table printed no unit line and the document's unit was assumed.
    pub unit_inferred: bool,
    pub row_count: i32,
    pub amount_count: i32,
    /// A note printed with the table (备注/注), e.g. why it is empty.
    pub note: Option<String>,
    pub is_empty: bool,
    pub status: TableStatus,
    /// Why the table is not verified (unverified / unread), as the reader found it.
    pub status_reason: Option<String>,
    /// The page of the table's title (PDF), 1-based.
    pub page: Option<i32>,
}

/// A number stated in the narrative (预算说明), with the sentence it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct NarrativeFact {
    /// `<topic>.<item>[.<relation>]`, e.g. `gpb.basic.share`.
    pub fact_key: String,
    pub topic: String,
    pub item: String,
    /// `value`, `share` (占X%), `change` (增加/减少), `change_pct`, `count`.
    pub relation: &'static str,
    /// The phrase the number belongs to, as printed.
    pub label: String,
    /// Money in 元 when the number is an amount.
    pub amount: Option<Decimal>,
    /// The number as printed (percent, count, or the amount in its printed unit).
    pub number: Decimal,
    pub unit_text: String,
    /// `increase` / `decrease` / `flat` for changes.
    pub direction: Option<&'static str>,
    pub section: String,
    pub sentence: String,
    pub source_line: i32,
}

/// A number the narrative states, read as a claim (`ingest::claims`; docs/checks.md,
/// "Claim grammar").
#[derive(Debug, Clone, PartialEq)]
pub struct NarrativeClaim {
    /// Order in the document (1-based).
    pub claim_no: i32,
    /// Claims about one subject stated together share a group.
    pub group_no: i32,
    /// `income_total`, `expenditure_total`, `total`, `fund`, `income.business`,
    /// `function`, `basic`, `project`, `personnel`, `public`, `three_public[.part]`,
    /// `operating_cost`, `procurement[.part]`, `performance`, `assets.vehicles`, `other` …
    pub subject: String,
    /// `gpb`, `gov_fund`, `soe`, `special_account`, `fiscal` where the subject names a fund.
    pub fund: Option<&'static str>,
    /// `income` / `expenditure` where the subject names one.
    pub flow: Option<&'static str>,
    /// The subject's name as printed.
    pub subject_name: String,
    /// The 功能分类 code of a `function` subject, where it resolves.
    pub subject_code: Option<String>,
    /// The names printed with (类)/(款)/(项), outermost first (not stored).
    pub name_parts: Vec<String>,
    /// `budget` (this year), `prior_budget`, `prior_execution`, `prior_final`,
    /// `prior_adjusted`, `prior` (last year, basis not said), `as_of` (a holding).
    pub period: &'static str,
    /// `amount`, `change`, `change_pct`, `share`, `percent`, `count`.
    pub measure: &'static str,
    /// `increase`, `decrease`, `flat`, or `unknown` (a template's 增加（减少）) for changes.
    pub direction: Option<&'static str>,
    /// The number as printed (in its printed unit).
    pub value: Decimal,
    /// The number and its unit as printed (`1,234.50万元`, `持平`).
    pub printed: String,
    /// Money in 元.
    pub amount: Option<Decimal>,
    pub unit_text: String,
    /// Decimals printed.
    pub decimals: i32,
    /// One unit of the last digit printed, in 元 for money (`25.77万元` → 100): a figure
    /// may be rounded or cut there.
    pub tolerance: Decimal,
    /// For a share: the group of the whole it is a share of.
    pub of_group: Option<i32>,
    pub section: String,
    pub sentence: String,
    pub page: Option<i32>,
    pub source_line: i32,
}

/// A project, as listed by 项目支出表 or 绩效目标表.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub table_kind: TableKind,
    pub row_no: i32,
    pub source_line: i32,
    pub project_code: Option<String>,
    pub project_name: String,
    pub project_type: Option<String>,
    pub project_unit: Option<String>,
    /// Amounts in 元: total and the printed fund parts.
    pub total: Option<Decimal>,
    pub gpb: Option<Decimal>,
    pub gov_fund: Option<Decimal>,
    pub soe: Option<Decimal>,
    pub carryover: Option<Decimal>,
    pub special_account: Option<Decimal>,
    pub unit_funds: Option<Decimal>,
}

/// One performance indicator (绩效指标) of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct PerformanceIndicator {
    pub project_code: Option<String>,
    pub project_name: Option<String>,
    /// 一级指标: 成本指标 / 产出指标 / 效益指标 / 满意度指标.
    pub level1: &'static str,
    /// 二级指标 where the table prints one.
    pub level2: Option<String>,
    /// 三级指标 as printed.
    pub level3: String,
    /// `≤`, `≥`, `<`, `>`, `=` when the target starts with one.
    pub operator: Option<&'static str>,
    /// The numeric part of the target as printed (`3594.77`, `1-10`).
    pub target_value: Option<String>,
    /// What follows the number (`万元`, `人`, `%`).
    pub target_unit: Option<String>,
    pub target_text: String,
    pub source_line: i32,
}

/// Something the parser could not read, with the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestWarning {
    pub line: Option<i32>,
    pub table_kind: Option<TableKind>,
    /// A stable short code (`amount_unreadable`, `row_merged`, …).
    pub code: &'static str,
    pub message: String,
    /// The source line's text.
    pub text: String,
}

/// Document metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentMeta {
    pub title: String,
    pub kind: DocumentKind,
    pub scope: Scope,
    pub year: i32,
    pub region: Option<String>,
    pub region_code: Option<String>,
    /// The unit's name, with the official abbreviation of party organs applied
    /// (中国共产党江苏省委员会办公厅 → 中共江苏省委办公厅) so a unit keeps one name.
    pub unit_name: String,
    /// The name as the document prints it.
    pub unit_name_printed: String,
    pub unit_code: Option<String>,
    /// The unit amounts are printed in when a table does not say.
    pub amount_unit: &'static str,
}

/// Everything read from one disclosure.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDocument {
    pub meta: DocumentMeta,
    pub tables: Vec<SourceTable>,
    pub line_items: Vec<LineItem>,
    pub facts: Vec<NarrativeFact>,
    pub claims: Vec<NarrativeClaim>,
    /// The narrative as `(line, text)`, where the document was written rather than read
    /// (`synth`: planted narrative errors edit it); empty for ingested documents, whose
    /// sentences are kept in facts and claims. Not stored.
    pub narrative: Vec<(i32, String)>,
    pub projects: Vec<Project>,
    pub indicators: Vec<PerformanceIndicator>,
    pub warnings: Vec<IngestWarning>,
}

impl ParsedDocument {
    /// `complete` when every table it found is verified (or empty with a note), no
    /// table its contents list is missing (a document cut short) and no page was damaged
    /// (a PDF stream that did not decode), `partial` otherwise
    /// (the value stored in `documents.status`).
    pub fn status(&self) -> &'static str {
        if self.tables.iter().all(|t| t.status.is_trusted())
            && !self
                .warnings
                .iter()
                .any(|w| matches!(w.code, "table_missing" | "page_damaged"))
        {
            "complete"
        } else {
            "partial"
        }
    }
}

/// A parsed document together with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDocument {
    /// Stable id: the first 16 hex digits of the content hash.
    pub doc_id: String,
    /// SHA-256 of the source bytes, hex.
    pub content_hash: String,
    pub source_path: String,
    /// The narrative PDF (文件) published beside a tables PDF (表格) and merged into it.
    pub companion_path: Option<String>,
    pub format: &'static str,
    pub parsed: ParsedDocument,
}
