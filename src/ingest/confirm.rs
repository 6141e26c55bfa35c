//! Cross-confirmation: the figures that a document's standard tables state twice must agree
//! between the two tables that state them. A table verified on its own (its rows add up to
//! its printed totals) can still have been read wrongly as a whole — a column taken for
//! another whose amounts happen to add up the same way — and a figure stated twice is the
//! one check that does not depend on the table's own arithmetic.
//!
//! The pairs (each figure from a verified table's own 合计/总计 lines):
//! - 收支总表 本年支出合计 ↔ 支出表 合计; its 基本支出 ↔ 支出表 基本支出 合计; its 项目支出 ↔
//!   支出表 项目支出 合计;
//! - 收支总表 本年收入合计 (or 收入总计) ↔ 收入表 合计;
//! - 收支总表 一般公共预算 / 政府性基金 income ↔ 财政拨款收支总表's (each with or without
//!   its 上年结转);
//! - 财政拨款收支总表 一般公共预算 支出 ↔ 一般公共预算支出表 合计;
//! - 一般公共预算支出表 基本支出 合计 ↔ 一般公共预算基本支出表 合计;
//! - and, as a bound rather than an equality, each 功能分类 code's 一般公共预算支出表 amount
//!   ≤ its 支出表 (all funds) amount.
//!
//! This module only compares; it does not decide what a disagreement does to the tables
//! (the readers do: a PDF reading is withdrawn, a text table keeps its amounts with the
//! status `unverified`). A pair is compared only where the document has exactly one
//! verified table of each kind (a document of several units prints one set per unit).

use rust_decimal::Decimal;

use crate::model::{LineItem, RowKind, SourceTable, TableKind, TableStatus};

/// Two verified tables that state one figure differently.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    /// `table_no` of both tables.
    pub tables: [i32; 2],
    /// The tables whose reading is in doubt: those whose figure depends on where an amount
    /// column was placed (a 合计 row of a multi-column table). Where both figures are lines
    /// found by their label with one amount each (一般公共预算收入 on both summaries), the
    /// document itself disagrees and neither reading is in doubt: none.
    pub in_doubt: Vec<i32>,
    /// The second table's `source_line`, where a warning points.
    pub line: usize,
    pub reason: String,
}

/// Which of a pair's two readings a disagreement puts in doubt.
#[derive(Clone, Copy)]
enum Doubt {
    Second,
    Both,
    Neither,
}

fn total_row(items: &[&LineItem], column: &str) -> Vec<Decimal> {
    items
        .iter()
        .filter(|r| r.row_kind == RowKind::Total && r.column.key == column)
        .map(|r| r.amount)
        .take(1)
        .collect()
}

fn keyed(items: &[&LineItem], key: &str, columns: &[&str]) -> Vec<Decimal> {
    items
        .iter()
        .filter(|r| r.line_key.as_deref() == Some(key) && columns.contains(&r.column.key))
        .map(|r| r.amount)
        .collect()
}

/// A fund's income as a summary states it: this year's (`INC_GPB`), or with the fund's
/// 上年结转 (`INC_CARRYOVER_GPB`) where one table counts it in and the other apart
/// (Chongqing's 收支总表 prints 一般公共预算资金 with its carryover, its 财政拨款收支总表 apart).
fn with_carryover(items: &[&LineItem], fund: &str) -> Vec<Decimal> {
    const SIDE: &[&str] = &["amount", "total"];
    let this_year = keyed(items, &format!("INC_{fund}"), SIDE);
    let carried: Decimal = keyed(items, &format!("INC_CARRYOVER_{fund}"), SIDE)
        .iter()
        .sum();
    let mut out = this_year.clone();
    if !carried.is_zero() {
        out.extend(this_year.iter().map(|v| v + carried));
    }
    out
}

/// The figures of the pair list that one table states, each with the amounts it may be (a
/// table that prints a figure in two ways, such as 本年支出合计 or 支出总计 less 结转下年,
/// offers both).
fn stated(kind: TableKind, items: &[&LineItem]) -> Vec<(&'static str, Vec<Decimal>)> {
    const SIDE: &[&str] = &["amount", "total"];
    match kind {
        TableKind::IncomeExpenditureSummary => {
            let mut expenditure = keyed(items, "EXP_YEAR_TOTAL", SIDE);
            let carry: Decimal = keyed(items, "EXP_CARRYOVER", SIDE).iter().sum();
            expenditure.extend(keyed(items, "EXP_TOTAL", SIDE).iter().map(|t| t - carry));
            let mut income = keyed(items, "INC_YEAR_TOTAL", SIDE);
            let carry: Decimal = keyed(items, "INC_CARRYOVER", SIDE).iter().sum();
            income.extend(keyed(items, "INC_TOTAL", SIDE));
            let with_carry: Vec<Decimal> = income.iter().map(|i| i + carry).collect();
            income.extend(with_carry);
            vec![
                ("本年支出合计", expenditure),
                ("基本支出", keyed(items, "EXP_BASIC", SIDE)),
                ("项目支出", keyed(items, "EXP_PROJECT", SIDE)),
                ("本年收入合计", income),
                ("一般公共预算收入", with_carryover(items, "GPB")),
                ("政府性基金收入", with_carryover(items, "GOV_FUND")),
            ]
        }
        TableKind::Expenditure => vec![
            ("本年支出合计", total_row(items, "total")),
            ("基本支出", total_row(items, "basic")),
            ("项目支出", total_row(items, "project")),
        ],
        TableKind::Income => vec![("本年收入合计", total_row(items, "total"))],
        TableKind::FiscalSummary => {
            let mut gpb = keyed(items, "EXP_YEAR_TOTAL", &["gpb"]);
            gpb.extend(keyed(items, "EXP_TOTAL", &["gpb"]));
            vec![
                ("一般公共预算收入", with_carryover(items, "GPB")),
                ("政府性基金收入", with_carryover(items, "GOV_FUND")),
                ("一般公共预算支出", gpb),
            ]
        }
        TableKind::GpbExpenditure => vec![
            ("一般公共预算支出", total_row(items, "total")),
            ("一般公共预算基本支出", total_row(items, "basic")),
        ],
        TableKind::GpbBasicExpenditure => {
            vec![("一般公共预算基本支出", total_row(items, "total"))]
        }
        _ => vec![],
    }
}

/// The pairs compared: two table kinds, the figure both state, and which reading a
/// disagreement puts in doubt.
const PAIRS: &[(TableKind, TableKind, &str, Doubt)] = &[
    (
        TableKind::IncomeExpenditureSummary,
        TableKind::Expenditure,
        "本年支出合计",
        Doubt::Second,
    ),
    (
        TableKind::IncomeExpenditureSummary,
        TableKind::Expenditure,
        "基本支出",
        Doubt::Second,
    ),
    (
        TableKind::IncomeExpenditureSummary,
        TableKind::Expenditure,
        "项目支出",
        Doubt::Second,
    ),
    (
        TableKind::IncomeExpenditureSummary,
        TableKind::Income,
        "本年收入合计",
        Doubt::Second,
    ),
    (
        TableKind::IncomeExpenditureSummary,
        TableKind::FiscalSummary,
        "一般公共预算收入",
        Doubt::Neither,
    ),
    (
        TableKind::IncomeExpenditureSummary,
        TableKind::FiscalSummary,
        "政府性基金收入",
        Doubt::Neither,
    ),
    (
        TableKind::FiscalSummary,
        TableKind::GpbExpenditure,
        "一般公共预算支出",
        Doubt::Both,
    ),
    (
        TableKind::GpbExpenditure,
        TableKind::GpbBasicExpenditure,
        "一般公共预算基本支出",
        Doubt::Both,
    ),
];

/// The figures stated twice that disagree, among the verified tables of one document
/// (`items`: the line items of those tables, at least).
pub fn disagreements(tables: &[SourceTable], items: &[LineItem]) -> Vec<Disagreement> {
    let the_one = |kind: TableKind| {
        let mut of_kind = tables
            .iter()
            .filter(|t| t.table_kind == kind && t.status == TableStatus::Verified);
        match (of_kind.next(), of_kind.next()) {
            (Some(t), None) => Some(t),
            _ => None,
        }
    };
    let figure = |t: &SourceTable, what: &str| {
        let rows: Vec<&LineItem> = items.iter().filter(|r| r.table_no == t.table_no).collect();
        stated(t.table_kind, &rows)
            .into_iter()
            .find(|(w, _)| *w == what)
            .map(|(_, values)| values)
            .unwrap_or_default()
    };
    let at = |t: &SourceTable| match t.page {
        Some(p) => format!("page {p}"),
        None => format!("line {}", t.source_line),
    };
    let mut out = Vec::new();
    for &(a_kind, b_kind, what, doubt) in PAIRS {
        let (Some(a), Some(b)) = (the_one(a_kind), the_one(b_kind)) else {
            continue;
        };
        let (va, vb) = (figure(a, what), figure(b, what));
        if va.is_empty() || vb.is_empty() {
            continue;
        }
        // Amounts printed in 万元 are rounded to 0.01 万元 (100 元) in each table.
        let tolerance = if a.unit == "万元" || b.unit == "万元" {
            Decimal::from(100)
        } else {
            Decimal::ZERO
        };
        if va
            .iter()
            .any(|x| vb.iter().any(|y| (x - y).abs() <= tolerance))
        {
            continue;
        }
        out.push(Disagreement {
            tables: [a.table_no, b.table_no],
            in_doubt: match doubt {
                Doubt::Second => vec![b.table_no],
                Doubt::Both => vec![a.table_no, b.table_no],
                Doubt::Neither => vec![],
            },
            line: b.source_line as usize,
            reason: format!(
                "{what} is {} in {} ({}) but {} in {} ({})",
                va[0],
                a_kind.label(),
                at(a),
                vb[0],
                b_kind.label(),
                at(b)
            ),
        });
    }
    // The 一般公共预算 part of a 功能分类 subject cannot exceed its all-funds amount: each
    // code the 一般公共预算支出表 and the 支出表 both print (and their 合计 rows).
    if let (Some(all), Some(gpb)) = (
        the_one(TableKind::Expenditure),
        the_one(TableKind::GpbExpenditure),
    ) {
        let tolerance = if all.unit == "万元" || gpb.unit == "万元" {
            Decimal::from(100)
        } else {
            Decimal::ZERO
        };
        let by_code = |t: &SourceTable| {
            let mut m: std::collections::BTreeMap<String, Decimal> = Default::default();
            for r in items
                .iter()
                .filter(|r| r.table_no == t.table_no && r.column.key == "total")
            {
                let key = match (&r.row_kind, &r.function_code) {
                    (RowKind::Total, _) => "合计".to_string(),
                    (RowKind::Function, Some(c)) => c.clone(),
                    _ => continue,
                };
                // (A code printed on several rows — one per 经济分类 — counts once, summed.)
                *m.entry(key).or_default() += r.amount;
            }
            m
        };
        let (all_rows, gpb_rows) = (by_code(all), by_code(gpb));
        if let Some((code, part, whole)) = gpb_rows.iter().find_map(|(code, part)| {
            let whole = all_rows.get(code)?;
            (*part > *whole + tolerance).then(|| (code.clone(), *part, *whole))
        }) {
            out.push(Disagreement {
                tables: [all.table_no, gpb.table_no],
                in_doubt: vec![all.table_no, gpb.table_no],
                line: gpb.source_line as usize,
                reason: format!(
                    "{code}: 一般公共预算 {part} in {} ({}) exceeds all funds' {whole} in {} ({})",
                    TableKind::GpbExpenditure.label(),
                    at(gpb),
                    TableKind::Expenditure.label(),
                    at(all)
                ),
            });
        }
    }
    out
}

/// Marks the tables in doubt of each disagreement `unverified`, with the disagreement as
/// (part of) the reason. Returns the `table_no`s withdrawn.
pub fn withdraw(tables: &mut [SourceTable], found: &[Disagreement]) -> Vec<i32> {
    let mut withdrawn = Vec::new();
    for d in found {
        for t in tables
            .iter_mut()
            .filter(|t| d.in_doubt.contains(&t.table_no))
        {
            t.status = TableStatus::Unverified;
            let reason = format!("not confirmed by the figure stated twice: {}", d.reason);
            t.status_reason = Some(match t.status_reason.take() {
                Some(r) => format!("{r}; {reason}"),
                None => reason,
            });
            if !withdrawn.contains(&t.table_no) {
                withdrawn.push(t.table_no);
            }
        }
    }
    withdrawn
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(table_no: i32, table_kind: TableKind) -> SourceTable {
        SourceTable {
            table_no,
            table_kind,
            title: table_kind.label().into(),
            source_line: table_no * 10,
            unit: "元",
            unit_inferred: false,
            row_count: 1,
            amount_count: 1,
            note: None,
            is_empty: false,
            status: TableStatus::Verified,
            status_reason: None,
            page: Some(table_no),
        }
    }

    fn item(table: &SourceTable, key: Option<&str>, column: &'static str, yuan: i64) -> LineItem {
        let kind = if key.is_some() {
            RowKind::Line
        } else {
            RowKind::Total
        };
        LineItem {
            line_key: key.map(String::from),
            ..LineItem::for_test(table.table_kind, table.table_no, kind, column, yuan)
        }
    }

    /// A summary and an expenditure table that agree on 本年支出合计 (stated as 支出总计
    /// less 结转下年) and on 基本支出, and disagree on 项目支出.
    fn document(project_in_expenditure_table: i64) -> (Vec<SourceTable>, Vec<LineItem>) {
        let (s, e) = (
            table(1, TableKind::IncomeExpenditureSummary),
            table(3, TableKind::Expenditure),
        );
        let items = vec![
            item(&s, Some("EXP_TOTAL"), "amount", 1_000),
            item(&s, Some("EXP_CARRYOVER"), "amount", 100),
            item(&s, Some("EXP_BASIC"), "amount", 600),
            item(&s, Some("EXP_PROJECT"), "amount", 300),
            item(&e, None, "total", 900),
            item(&e, None, "basic", 600),
            item(&e, None, "project", project_in_expenditure_table),
        ];
        (vec![s, e], items)
    }

    #[test]
    fn figures_stated_twice_agree() {
        let (tables, items) = document(300);
        assert_eq!(disagreements(&tables, &items), vec![]);
    }

    #[test]
    fn a_disagreement_puts_the_column_placed_reading_in_doubt() {
        let (mut tables, items) = document(310);
        let found = disagreements(&tables, &items);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].tables, [1, 3]);
        assert_eq!(found[0].in_doubt, vec![3]);
        assert!(
            found[0].reason.contains("项目支出 is 300"),
            "{}",
            found[0].reason
        );
        assert_eq!(withdraw(&mut tables, &found), vec![3]);
        assert_eq!(tables[0].status, TableStatus::Verified);
        assert_eq!(tables[1].status, TableStatus::Unverified);
        assert!(
            tables[1]
                .status_reason
                .as_deref()
                .unwrap()
                .contains("stated twice")
        );
    }

    #[test]
    fn rounding_in_wan_is_tolerated_and_two_tables_of_a_kind_are_not_paired() {
        let (mut tables, items) = document(401);
        tables[1].unit = "万元";
        assert_eq!(disagreements(&tables, &items).len(), 1);
        let (mut tables, items) = document(399);
        tables[1].unit = "万元";
        assert_eq!(disagreements(&tables, &items), vec![]);
        let (mut tables, items) = document(310);
        tables.push(table(4, TableKind::Expenditure));
        assert_eq!(disagreements(&tables, &items), vec![]);
    }

    #[test]
    fn label_keyed_figures_that_disagree_doubt_neither_table() {
        let (s, f) = (
            table(1, TableKind::IncomeExpenditureSummary),
            table(2, TableKind::FiscalSummary),
        );
        let items = vec![
            item(&s, Some("INC_GPB"), "amount", 1_000),
            item(&f, Some("INC_GPB"), "amount", 1_200),
        ];
        let found = disagreements(&[s.clone(), f.clone()], &items);
        assert_eq!(found.len(), 1);
        assert!(found[0].in_doubt.is_empty());
        // One table counting the fund's 上年结转 in, the other apart, agree.
        let items = vec![
            item(&s, Some("INC_GPB"), "amount", 1_000),
            item(&f, Some("INC_GPB"), "amount", 900),
            item(&f, Some("INC_CARRYOVER_GPB"), "amount", 100),
        ];
        assert_eq!(disagreements(&[s, f], &items), vec![]);
    }

    #[test]
    fn the_general_budget_part_of_a_subject_never_exceeds_all_funds() {
        let (e, g) = (
            table(3, TableKind::Expenditure),
            table(5, TableKind::GpbExpenditure),
        );
        let coded = |t: &SourceTable, code: &str, yuan: i64| LineItem {
            function_code: Some(code.into()),
            ..LineItem::for_test(t.table_kind, t.table_no, RowKind::Function, "total", yuan)
        };
        // 2010301 printed twice in the 支出表 (two 经济分类 rows): 60 + 40 of all funds.
        let within = vec![
            coded(&e, "2010301", 60),
            coded(&e, "2010301", 40),
            coded(&g, "2010301", 100),
        ];
        assert_eq!(disagreements(&[e.clone(), g.clone()], &within), vec![]);
        let beyond = vec![coded(&e, "2010301", 60), coded(&g, "2010301", 100)];
        let found = disagreements(&[e, g], &beyond);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].in_doubt, vec![3, 5]);
        assert!(found[0].reason.contains("2010301"), "{}", found[0].reason);
    }
}
