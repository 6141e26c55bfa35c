//! Whether a table, as read, adds up: for each amount column, the rows at the highest
//! level the table prints (类 before 款 before 项; 经济分类 类 before 款; projects) sum to
//! its 合计 row, and a two-sided table's 收入 total equals its 支出 total. Used to refuse a
//! PDF whose layout was not understood rather than store misplaced numbers, and by the
//! tests that walk every extracted table.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::model::{LineItem, RowKind, TableKind};

/// One column of one table that does not add up.
#[derive(Debug, Clone, PartialEq)]
pub struct Imbalance {
    pub table_no: i32,
    pub table_kind: TableKind,
    pub column: &'static str,
    pub expected: Decimal,
    pub actual: Decimal,
}

impl std::fmt::Display for Imbalance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "table {} ({}) column {}: rows sum to {} but 合计 is {}",
            self.table_no,
            self.table_kind.label(),
            self.column,
            self.actual,
            self.expected
        )
    }
}

fn level(item: &LineItem) -> Option<usize> {
    match item.row_kind {
        RowKind::Function => item.function_code.as_ref().map(|c| c.len()),
        RowKind::Econ => Some(item.econ_code.as_ref().map_or(15, |c| c.len() + 10)),
        RowKind::Project => Some(100),
        _ => None,
    }
}

/// The columns of the tables in `items` that do not add up. Amounts printed in 万元 may
/// differ by rounding (0.01 万元 per row summed).
pub fn imbalances(items: &[LineItem]) -> Vec<Imbalance> {
    let mut by_table: BTreeMap<i32, Vec<&LineItem>> = BTreeMap::new();
    for it in items {
        by_table.entry(it.table_no).or_default().push(it);
    }
    let mut out = Vec::new();
    for (table_no, rows) in by_table {
        let kind = rows[0].table_kind;
        let wan = rows[0].source_unit == "万元";
        let tolerance = |n: usize| {
            if wan {
                Decimal::from(100 * n as i64)
            } else {
                Decimal::ZERO
            }
        };
        if matches!(
            kind,
            TableKind::IncomeExpenditureSummary | TableKind::FiscalSummary
        ) {
            let total = |key: &str| {
                rows.iter()
                    .find(|r| {
                        r.line_key.as_deref() == Some(key)
                            && matches!(r.column.key, "amount" | "total")
                    })
                    .map(|r| r.amount)
            };
            if let (Some(i), Some(e)) = (total("INC_TOTAL"), total("EXP_TOTAL"))
                && (i - e).abs() > tolerance(1)
            {
                out.push(Imbalance {
                    table_no,
                    table_kind: kind,
                    column: "收入总计/支出总计",
                    expected: i,
                    actual: e,
                });
            }
            continue;
        }
        // The highest printed level (smallest code length) among code rows.
        let Some(top) = rows.iter().filter_map(|r| level(r)).min() else {
            continue;
        };
        let mut columns: Vec<&'static str> = rows.iter().map(|r| r.column.key).collect();
        columns.sort();
        columns.dedup();
        for col in columns {
            let Some(total) = rows
                .iter()
                .find(|r| r.row_kind == RowKind::Total && r.column.key == col)
                .map(|r| r.amount)
            else {
                continue;
            };
            let parts: Vec<Decimal> = rows
                .iter()
                .filter(|r| r.column.key == col && level(r) == Some(top))
                .map(|r| r.amount)
                .collect();
            let sum: Decimal = parts.iter().sum();
            if (sum - total).abs() > tolerance(parts.len()) {
                out.push(Imbalance {
                    table_no,
                    table_kind: kind,
                    column: rows
                        .iter()
                        .find(|r| r.column.key == col)
                        .map_or(col, |r| r.column.label),
                    expected: total,
                    actual: sum,
                });
            }
        }
    }
    out
}
