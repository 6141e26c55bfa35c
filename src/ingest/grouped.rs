//! Income tables by source printed in groups (Jiangsu 收入预算总表): a 收入总计 row, then
//! for each source a 小计 row followed by its items, the source's name (一般公共预算资金,
//! 政府性基金, 财政专户管理资金, 其他资金, 上年结转和结余资金) printed once in a merged cell
//! beside one of the group's rows. Blank amounts are zero and the rows stay rows.
//!
//! Owns the grouping and the table's own arithmetic (总计 = Σ 小计, 小计 = Σ items, 其中
//! lines excluded); a group that does not add up is reported as `row_unbalanced`. Knows
//! nothing about where the lines came from (text or PDF).

use rust_decimal::Decimal;

use super::Ctx;
use super::cells::TableLine;
use super::rows::{RowMeta, TableCtx, place_amounts, push_items};
use super::summary::income_key;
use crate::model::{LineItem, RowKind, TableKind};

/// True when `lines` are an income table printed in 小计 groups.
pub fn is_grouped_income(kind: TableKind, lines: &[TableLine]) -> bool {
    kind == TableKind::Income && lines.iter().any(|l| parts(l).iter().any(|p| p == "小计"))
}

/// The words of a line's text cells (a PDF label cell holds the category and the item
/// separated by a space).
fn parts(line: &TableLine) -> Vec<String> {
    line.texts
        .iter()
        .flat_map(|(_, t)| t.split_whitespace().map(str::to_string))
        .collect()
}

/// A source (category) name, as opposed to one of its items.
fn is_source(name: &str) -> bool {
    matches!(
        income_key(name, false).as_deref(),
        Some("INC_GPB" | "INC_GOV_FUND" | "INC_SPECIAL_ACCOUNT" | "INC_OTHER_FUNDS")
    ) || name.starts_with("上年结转")
}

struct GRow<'a> {
    line: &'a TableLine,
    label: String,
    /// Index of the group (None for the 总计 row).
    group: Option<usize>,
    subtotal: bool,
    /// A `其中` line, part of the line above, not of the group's sum.
    of_which: bool,
    amount: Option<Decimal>,
    placed: Vec<(usize, Decimal, String)>,
}

/// Reads a grouped income table; returns the number of rows.
pub fn parse_grouped_income(
    ctx: &mut Ctx,
    t: &TableCtx,
    lines: &[TableLine],
    items: &mut Vec<LineItem>,
) -> usize {
    let mut groups: Vec<Option<String>> = Vec::new();
    let mut rows: Vec<GRow> = Vec::new();
    for line in lines {
        let mut words = parts(line);
        if words.is_empty() {
            if !line.amounts.is_empty() {
                ctx.warn(
                    line.line,
                    Some(t.kind),
                    "text_unattached",
                    "amounts without a row name in a grouped income table; ignored".into(),
                    &line.raw,
                );
            }
            continue;
        }
        let total = words
            .iter()
            .any(|w| w.contains("总计") || w == "合计" || w == "收入合计");
        let subtotal = words.last().is_some_and(|w| w == "小计");
        if subtotal {
            groups.push(None);
        }
        // The group's name printed beside this row.
        if !total && words.len() >= 2 && is_source(&words[0]) {
            let source = words.remove(0);
            if let Some(g) = groups.last_mut()
                && g.is_none()
            {
                *g = Some(source);
            }
        } else if !total
            && !subtotal
            && words.len() == 1
            && line.amounts.is_empty()
            && is_source(&words[0])
            && groups.last().is_some_and(Option::is_none)
        {
            if let Some(g) = groups.last_mut() {
                *g = Some(words.remove(0));
            }
            continue;
        }
        if !total && groups.is_empty() {
            ctx.warn(
                line.line,
                Some(t.kind),
                "text_unattached",
                "a row before the first 小计 of a grouped income table; ignored".into(),
                &line.raw,
            );
            continue;
        }
        let base = line.texts.last().map_or(1, |(i, _)| i + 1);
        let placed = place_amounts(ctx, t, line.line, &line.raw, &line.amounts, base, t.columns);
        let label = words.join("");
        rows.push(GRow {
            line,
            of_which: label.starts_with("其中"),
            label,
            group: (!total).then(|| groups.len() - 1),
            subtotal,
            amount: placed.first().map(|(_, v, _)| *v),
            placed,
        });
    }
    check_groups(ctx, t, &rows, &groups);
    let mut row_no = 0;
    for r in rows {
        row_no += 1;
        let source = r.group.and_then(|g| groups[g].clone());
        let (kind, key, name) = match (r.group, r.subtotal) {
            (None, _) => (RowKind::Total, Some("INC_TOTAL".to_string()), r.label),
            (Some(_), true) => (
                RowKind::Line,
                source.as_deref().and_then(|s| income_key(s, false)),
                format!("{}/小计", source.as_deref().unwrap_or("")),
            ),
            (Some(_), false) => (
                RowKind::Line,
                income_key(&r.label, false),
                format!("{}/{}", source.as_deref().unwrap_or(""), r.label),
            ),
        };
        let meta = RowMeta {
            line_key: key,
            category: source,
            ..RowMeta::new(kind, name)
        };
        push_items(items, t, row_no, r.line.line, &meta, t.columns, r.placed);
    }
    row_no as usize
}

/// 总计 = Σ 小计 and each 小计 = Σ its items; blank is zero.
fn check_groups(ctx: &mut Ctx, t: &TableCtx, rows: &[GRow], groups: &[Option<String>]) {
    let tolerance = |n: usize| {
        if t.unit.label() == "万元" {
            Decimal::from(100 * n as i64)
        } else {
            Decimal::ZERO
        }
    };
    let value = |r: &GRow| r.amount.unwrap_or(Decimal::ZERO);
    let mut complain = |line: usize, what: String| {
        ctx.warn(line, Some(t.kind), "row_unbalanced", what, "");
    };
    let Some(total) = rows.iter().find(|r| r.group.is_none()) else {
        let last = rows.last().map_or(0, |r| r.line.line);
        complain(last, format!("{} has no 收入总计 row", t.kind.label()));
        return;
    };
    let subtotals: Vec<&GRow> = rows.iter().filter(|r| r.subtotal).collect();
    let sum: Decimal = subtotals.iter().map(|r| value(r)).sum();
    if (sum - value(total)).abs() > tolerance(subtotals.len()) {
        complain(
            total.line.line,
            format!(
                "the 小计 rows sum to {sum} but {} is {}",
                total.label,
                value(total)
            ),
        );
    }
    for (g, name) in groups.iter().enumerate() {
        let Some(sub) = rows.iter().find(|r| r.subtotal && r.group == Some(g)) else {
            continue;
        };
        let members: Vec<&GRow> = rows
            .iter()
            .filter(|r| r.group == Some(g) && !r.subtotal && !r.of_which)
            .collect();
        let sum: Decimal = members.iter().map(|r| value(r)).sum();
        if !members.is_empty() && (sum - value(sub)).abs() > tolerance(members.len()) {
            complain(
                sub.line.line,
                format!(
                    "the items of {} sum to {sum} but its 小计 is {}",
                    name.as_deref().unwrap_or("a group"),
                    value(sub)
                ),
            );
        }
    }
}
