//! Whether a table, as read, adds up: for each amount column, the rows no printed row is
//! a parent of (类 before 款 before 项; 经济分类 类 before 款; where codes are not printed,
//! the highest level shown; projects; a table of units only, its units) sum to its 合计
//! row, and a two-sided table's 收入 total equals its 支出 total (and its 本年支出合计 its
//! 类 and its 基本 + 项目). Used to refuse a PDF whose layout was not understood rather
//! than store misplaced numbers, and by the tests that walk every extracted table.

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
        // (A row without a code whose level its indentation shows: 类 3, 款 5, 项 7.)
        RowKind::Function => item
            .function_code
            .as_ref()
            .map(|c| c.len())
            .or(item.function_level.map(|l| 2 * l as usize + 1)),
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
            // 本年支出合计 is the sum of the 类 lines (功能分类), and of 基本支出 + 项目支出
            // (+ 预留机动经费) where the table prints 支出用途, column by column.
            let expenditure = |r: &&LineItem| r.flow == Some("expenditure");
            let named: Vec<&LineItem> = rows
                .iter()
                .copied()
                .filter(expenditure)
                .filter(|r| r.row_kind == RowKind::Function && level(r) == Some(3))
                .collect();
            // (A line the reader could not name may be a 类 whose name it does not know, or a
            // 款/项 line under a 类: the 类 lines add up either with or without them.)
            let with_unnamed: Vec<&LineItem> = named
                .iter()
                .copied()
                .chain(
                    rows.iter()
                        .copied()
                        .filter(expenditure)
                        .filter(|r| r.row_kind == RowKind::Line && r.line_key.is_none()),
                )
                .collect();
            let uses: Vec<&LineItem> = rows
                .iter()
                .copied()
                .filter(expenditure)
                .filter(|r| {
                    matches!(
                        r.line_key.as_deref(),
                        Some("EXP_BASIC" | "EXP_PROJECT" | "EXP_RESERVE")
                    )
                })
                .collect();
            for (readings, what) in [
                (vec![&named, &with_unnamed], "本年支出合计 = Σ 类"),
                (vec![&uses], "本年支出合计 = 基本 + 项目"),
            ] {
                if readings.iter().all(|parts| parts.is_empty()) {
                    continue;
                }
                // 本年支出合计 as printed, else 支出总计 less 结转下年 (a table that prints
                // no 本年 line).
                let keyed = |key: &str| {
                    rows.iter()
                        .filter(|r| {
                            r.line_key.as_deref() == Some(key) && r.flow == Some("expenditure")
                        })
                        .collect::<Vec<_>>()
                };
                let (year_totals, less) = match keyed("EXP_YEAR_TOTAL") {
                    t if !t.is_empty() => (t, vec![]),
                    _ => (keyed("EXP_TOTAL"), keyed("EXP_CARRYOVER")),
                };
                for year_total in year_totals {
                    let col = year_total.column.key;
                    let expected = year_total.amount
                        - less
                            .iter()
                            .filter(|r| r.column.key == col)
                            .map(|r| r.amount)
                            .sum::<Decimal>();
                    let sums: Vec<(Decimal, usize)> = readings
                        .iter()
                        .map(|parts| {
                            let in_col: Vec<Decimal> = parts
                                .iter()
                                .filter(|r| r.column.key == col)
                                .map(|r| r.amount)
                                .collect();
                            (in_col.iter().sum(), in_col.len())
                        })
                        .collect();
                    if !sums
                        .iter()
                        .any(|(sum, n)| (sum - expected).abs() <= tolerance((*n).max(1)))
                    {
                        out.push(Imbalance {
                            table_no,
                            table_kind: kind,
                            column: what,
                            expected,
                            actual: sums.last().map_or(Decimal::ZERO, |(s, _)| *s),
                        });
                    }
                }
            }
            continue;
        }
        // The rows that make up the total: where every classified row prints its code,
        // those no other row's code is a parent of (类 rows over their 款 and 项, and 项
        // rows printed without their 款 beside a 款 printed alone); else the rows at the
        // highest printed level (smallest code length, or indentation). A table of units
        // under its total (a 三公 table by unit, no codes): the units.
        let units_only = rows.iter().all(|r| level(r).is_none())
            && rows.iter().any(|r| r.row_kind == RowKind::Unit)
            && rows.iter().all(|r| r.row_unit_code.is_none());
        let top = rows.iter().filter_map(|r| level(r)).min();
        if top.is_none() && !units_only {
            continue;
        }
        fn code(r: &LineItem) -> Option<&str> {
            r.function_code
                .as_deref()
                .or(r.econ_code.as_deref())
                .or(r.gov_econ_code.as_deref())
        }
        let classified: Vec<&&LineItem> = rows.iter().filter(|r| level(r).is_some()).collect();
        let all_coded = classified.iter().all(|r| code(r).is_some());
        let codes: std::collections::HashSet<&str> =
            classified.iter().filter_map(|r| code(r)).collect();
        let is_part = |r: &LineItem| match code(r) {
            _ if units_only => r.row_kind == RowKind::Unit,
            Some(c) if all_coded && level(r).is_some() => {
                !(1..c.len()).any(|n| codes.contains(&c[..n]))
            }
            _ => level(r).is_some() && level(r) == top,
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
                .filter(|r| r.column.key == col && is_part(r))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: RowKind, code: Option<&str>, yuan: i64) -> LineItem {
        LineItem {
            function_code: code.map(String::from),
            ..LineItem::for_test(TableKind::Expenditure, 3, kind, "total", yuan)
        }
    }

    #[test]
    fn rows_no_printed_row_is_a_parent_of_make_up_the_total() {
        use RowKind::{Function, Total};
        // 项 rows printed without their 款, beside a 款 printed alone (Beijing 支出总表).
        let leaves = vec![
            row(Function, Some("2011301"), 30),
            row(Function, Some("2011301"), 20),
            row(Function, Some("21598"), 50),
            row(Total, None, 100),
        ];
        assert_eq!(imbalances(&leaves), vec![]);
        // 类 over its 款 and 项: only the 类 count.
        let nested = vec![
            row(Function, Some("201"), 100),
            row(Function, Some("20105"), 100),
            row(Function, Some("2010501"), 100),
            row(Total, None, 100),
        ];
        assert_eq!(imbalances(&nested), vec![]);
        let short = vec![
            row(Function, Some("2011301"), 30),
            row(Function, Some("21598"), 50),
            row(Total, None, 100),
        ];
        assert_eq!(imbalances(&short).len(), 1);
    }
}
