//! One table's block of lines → a [`RawTable`]: unit and 编制部门 lines, notes, page
//! numbers, repeated headers on continuation pages, header vs data lines, and every span
//! placed under the column its x-position falls in (or, for ruled tables, cell by cell from
//! the grid). The rows themselves are read by `ingest::table`, as for the text format.

use super::cover::name_after;
use super::grid::grid_rows;
use super::header::{
    JIANGSU_THREE_PUBLIC, Leaf, constraints, is_code_leaf, is_column_numbers, is_label_leaf,
    leaf_of, leaves, meaning, qualify_subtotals,
};
use super::lines::{Line, Span};
use super::lines::{is_amount, is_total_label, median};
use super::structure::{DocLine, is_page_number};
use super::text_layer::Page;
use crate::ingest::Ctx;
use crate::ingest::amount::MoneyUnit;
use crate::ingest::cells::{TableLine, compact};
use crate::ingest::layout::{Columns, SIDE_AMOUNT};
use crate::ingest::table::RawTable;
use crate::model::{ColumnMeaning, TableKind};

/// Reads one table's lines: unit, notes, header band (first page), data lines (all pages),
/// each data line rebuilt with its spans at their columns — cell by cell from its grid when
/// `ruled` and the table has one (the second value says whether it did).
#[allow(clippy::too_many_arguments)]
pub(super) fn read_block(
    ctx: &mut Ctx,
    kind: TableKind,
    title: &str,
    title_no: usize,
    table_no: i32,
    block: &[&DocLine],
    pages: &[Page],
    unit_names: &mut Vec<String>,
    ruled: bool,
) -> (RawTable, bool) {
    let mut unit = None;
    let mut note: Option<String> = None;
    let mut header: Vec<&Line> = Vec::new();
    let mut data: Vec<&DocLine> = Vec::new();
    let mut page = None;
    let mut data_started_on_page = false;
    let block: Vec<DocLine> = block
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            let height = pages
                .iter()
                .find(|p| p.number == l.line.page)
                .map_or(f64::MAX, |p| p.height);
            !l.line.spans.is_empty()
                && !is_page_number(l, block.get(i + 1).copied(), height)
                && !is_table_number(&l.compact())
                && !is_column_numbers(&l.line)
                && !l.running
                // (The title repeated on a continuation page.)
                && l.compact() != compact(title)
        })
        .map(|(_, l)| DocLine {
            no: l.no,
            running: l.running,
            line: join_spaced_words(&l.line),
        })
        .collect();
    let block: Vec<&DocLine> = block.iter().collect();
    for &l in &block {
        let c = l.compact();
        if page != Some(l.line.page) {
            page = Some(l.line.page);
            data_started_on_page = false;
        }
        if let Some(u) = MoneyUnit::from_statement(&c) {
            unit = Some(u);
            // (The unit's code and name before the unit statement: `606-湖州市交通运输局`.)
            if let Some((_, name)) = l
                .line
                .spans
                .first()
                .and_then(|s| crate::ingest::cells::split_code(&s.text))
                && !data_started_on_page
            {
                let name = compact(&name);
                let name = name.split("单位").next().unwrap_or_default();
                if name.chars().count() >= 4 {
                    unit_names.push(name.to_string());
                }
            }
        }
        for key in [
            "编制部门：",
            "编制部门:",
            "编制单位：",
            "编制单位:",
            "部门：",
            "部门名称：",
            "单位名称：",
            "部门（单位）：",
            "部门(单位)：",
            "部门(单位):",
        ] {
            if let Some(name) = name_after(&c, key) {
                unit_names.push(name);
            }
        }
        if c.starts_with("编制")
            || c.starts_with("部门：")
            || c.starts_with("部门（单位）：")
            || c.starts_with("部门(单位)")
            || MoneyUnit::from_statement(&c).is_some() && l.line.spans.len() <= 2
        {
            continue;
        }
        if c.starts_with("注")
            || c.starts_with("说明")
            || c.starts_with("备注")
            || is_signature(&c)
            || says_empty(&c) && !l.line.spans.iter().any(|s| is_amount(&s.text))
        {
            note = Some(match note.take() {
                Some(n) => format!("{n}\n{c}"),
                None => c,
            });
            continue;
        }
        let has_amount = l.line.spans.iter().any(|s| is_amount(&s.text));
        // A 合计 line with no other text (a header line naming 合计 among its columns is not).
        let texts: Vec<&Span> = l
            .line
            .spans
            .iter()
            .filter(|s| !is_amount(&s.text))
            .collect();
        let total_row = texts.len() == 1 && is_total_label(&texts[0].text);
        // On a continuation page, text lines before the first amounts are the header
        // repeated when the header printed their words; otherwise rows (wrapped names).
        let repeated_header = !data.is_empty()
            && l.line.spans.iter().all(|s| {
                let t = compact(&s.text);
                header
                    .iter()
                    .any(|h| h.spans.iter().any(|hs| compact(&hs.text).contains(&t)))
            });
        if has_amount || total_row || data_started_on_page || !data.is_empty() && !repeated_header {
            data_started_on_page = true;
            data.push(l);
        } else if data.is_empty() {
            header.push(&l.line);
        }
        // Header lines repeated on a continuation page are neither header nor data.
    }
    // Ruled tables are read cell by cell from their grid (wrapped cells stay whole);
    // others by the x-position of each span under the header's leaf columns.
    let grid = if ruled {
        grid_rows(&block, pages, &header, &data)
    } else {
        None
    };
    let from_grid = grid.is_some();
    let leaves = match &grid {
        Some(g) => g.leaves.clone(),
        None => leaves(&header),
    };
    // (The 三公 table's 小计 columns are placed by its own layouts, below.)
    let leaves = if kind == TableKind::ThreePublic {
        leaves
    } else {
        qualify_subtotals(leaves, &header)
    };
    // The label column; a label split over several columns (项目名称 over 类别/项目) ends
    // at the last of them.
    let label_idx = if kind == TableKind::Procurement {
        // 采购品目 · 专项名称 · 经济科目 · 采购物品名称 · 采购组织形式 · 总计: every column
        // before the first amount column describes the row.
        leaves
            .iter()
            .position(|l| meaning(kind, &l.text).is_some())
            .and_then(|i| i.checked_sub(1))
    } else {
        // (Two classifications side by side — 类 | 款 | 部门…名称 | 类 | 款 | 政府…名称 — are
        // label columns up to the last name.)
        leaves
            .iter()
            .position(|l| is_label_leaf(&l.text))
            .map(|first| {
                (first..leaves.len())
                    .take_while(|&i| {
                        is_label_leaf(&leaves[i].text) || is_code_leaf(&leaves[i].text)
                    })
                    .filter(|&i| is_label_leaf(&leaves[i].text))
                    .last()
                    .unwrap_or(first)
            })
    };
    let two_sided = matches!(
        kind,
        TableKind::IncomeExpenditureSummary | TableKind::FiscalSummary
    );
    // The right side's columns follow its own 项目 column.
    let second = leaves
        .iter()
        .enumerate()
        .filter(|(_, l)| is_label_leaf(&l.text))
        .nth(1)
        .map(|(i, _)| i);
    // The column whose names may show their level by indentation: the label column, or
    // a two-sided table's 支出 label column.
    let name_column = if two_sided { second } else { label_idx };
    let amount_leaves: Vec<usize> = match (two_sided, label_idx) {
        (true, _) => {
            // (Jiangsu prints a third side, 支出用途, with its own label column.)
            // Group words printed over a side (支出用途, 功能分类) are not columns.
            second.map_or(vec![], |s| {
                (s + 1..leaves.len())
                    .take_while(|&i| !is_label_leaf(&leaves[i].text))
                    .filter(|&i| {
                        let t = leaves[i].text.as_str();
                        !(["支出用途", "功能分类", "经济分类"]
                            .iter()
                            .any(|w| t.ends_with(w))
                            || matches!(t, "收入" | "支出"))
                    })
                    .collect()
            })
        }
        (false, Some(li)) => (li + 1..leaves.len()).collect(),
        (false, None) => (0..leaves.len())
            .filter(|&i| !is_code_leaf(&leaves[i].text))
            .collect(),
    };
    let mut cols = Vec::new();
    let mut unknown = Vec::new();
    let prior = prior_year_leaves(&leaves, &header);
    for &i in &amount_leaves {
        // A column of an earlier year printed beside this year's (2025年预算数 | 2026年预算数)
        // is kept apart: it is not this budget's figure.
        if prior[i] {
            cols.push(ColumnMeaning {
                key: "prior_year",
                label: "上年数",
                fund: None,
                expense_kind: None,
                cost_kind: None,
            });
            continue;
        }
        // (A column printed as `其中：…` whose words name nothing known is a part of another
        // column, kept under a key of its own and added to nothing.)
        const MEMO: [(&str, &str); 4] = [
            ("memo.1", "其中(1)"),
            ("memo.2", "其中(2)"),
            ("memo.3", "其中(3)"),
            ("memo.4", "其中(4)"),
        ];
        let memo_count = cols.iter().filter(|c| c.key.starts_with("memo.")).count();
        // (A 决算 table prints 决算数 where a budget prints 预算数; in a budget, a 决算数 column
        // is an earlier year's, see `prior` above.)
        let final_amount = title.contains("决算")
            && matches!(leaves[i].text.as_str(), "决算数" | "决算" | "决算金额");
        let meant = if final_amount {
            Some(SIDE_AMOUNT)
        } else {
            meaning(kind, &leaves[i].text)
        };
        match meant {
            None if leaves[i].text.starts_with("其中") && memo_count < MEMO.len() => {
                cols.push(ColumnMeaning {
                    key: MEMO[memo_count].0,
                    label: MEMO[memo_count].1,
                    fund: None,
                    expense_kind: None,
                    cost_kind: None,
                })
            }
            // A code table's single 金额 column is its total.
            Some(m) if m.key == "amount" && !two_sided => cols.push(ColumnMeaning {
                key: "total",
                label: "合计",
                ..m
            }),
            Some(m) => cols.push(m),
            None => unknown.push(leaves[i].text.clone()),
        }
    }
    // A 三公 header broken beyond rebuilding (characters stacked with a wide leading at
    // drifting positions) that still names every part of the Jiangsu layout is read in
    // that layout's order; the amounts are then placed by the table's arithmetic.
    let mut by_order = false;
    // A 三公 table printed the other way round (Guangzhou): its rows are the items
    // (“三公”经费, 其中 因公出国 …) and its columns the funds (合计 | 一般公共预算 | …). Its
    // 合计 column is read as the row of the usual layout.
    let transposed_total = (kind == TableKind::ThreePublic && !unknown.is_empty())
        .then(|| {
            let funds_only = unknown
                .iter()
                .all(|t| meaning(TableKind::Expenditure, t).is_some_and(|m| m.fund.is_some()));
            let total = amount_leaves
                .iter()
                .copied()
                .find(|&i| meaning(kind, &leaves[i].text).is_some_and(|m| m.key == "total"));
            total.filter(|_| funds_only)
        })
        .flatten();
    if transposed_total.is_some() {
        unknown.clear();
    }
    if kind == TableKind::ThreePublic && !unknown.is_empty() {
        let all: String = header.iter().map(|l| l.compact()).collect();
        if ["合计", "因公", "接待", "会议", "培训", "购", "运"]
            .iter()
            .all(|w| all.contains(w))
            && all.matches('小').count() >= 2
        {
            cols = JIANGSU_THREE_PUBLIC
                .iter()
                .filter_map(|t| meaning(kind, t))
                .collect();
            unknown.clear();
            by_order = true;
        }
    }
    // Jiangsu prints 合计 | "三公"经费 (小计 | 因公出国 | 公务用车 (小计 | 购置 | 运行) |
    // 接待) | 会议费 | 培训费: with two 小计, the first is the 三公 total and 合计 also
    // counts 会议费 and 培训费.
    if kind == TableKind::ThreePublic {
        if cols.iter().filter(|c| c.key == "car").count() == 2
            && let Some(c) = cols.iter_mut().find(|c| c.key == "car")
        {
            c.key = "total";
            c.label = "\"三公\"经费合计";
        }
        if cols.iter().filter(|c| c.key == "total").count() == 2
            && let Some(c) = cols.iter_mut().find(|c| c.key == "total")
        {
            c.key = "grand_total";
            c.label = "合计(\"三公\"经费、会议费、培训费)";
        }
    }
    // The column of a one-fund table that names its fund (一般公共预算支出小计 in an 一般公共
    // 预算支出表) is that table's total, where it prints no 合计.
    let own_fund = match kind {
        TableKind::GpbExpenditure | TableKind::GpbBasicExpenditure => Some("gpb"),
        TableKind::GovFundExpenditure => Some("gov_fund"),
        TableKind::SoeExpenditure => Some("soe"),
        _ => None,
    };
    if own_fund.is_some() && !cols.iter().any(|c| c.key == "total") {
        let fund_columns = cols
            .iter()
            .filter(|c| c.fund == own_fund && c.expense_kind.is_none())
            .count();
        if fund_columns == 1
            && let Some(c) = cols
                .iter_mut()
                .find(|c| c.fund == own_fund && c.expense_kind.is_none())
        {
            *c = ColumnMeaning {
                key: "total",
                label: "合计",
                fund: None,
                expense_kind: None,
                cost_kind: None,
            };
        }
    }
    let unit_inferred = unit.is_none();
    let unit = unit.unwrap_or(MoneyUnit::Yuan);
    if unit_inferred {
        ctx.warn(
            title_no,
            Some(kind),
            "unit_assumed",
            format!(
                "{} states no unit (单位：元/万元); assumed 元",
                kind.label()
            ),
            title,
        );
    }
    let mut raw = RawTable {
        kind,
        title: title.to_string(),
        title_line: title_no,
        table_no,
        unit,
        unit_inferred,
        note,
        page: None,
        columns: Columns {
            constraints: constraints(&cols),
            columns: cols,
        },
        header: leaves.iter().map(|l| l.text.clone()).collect(),
        data: vec![],
    };
    if !unknown.is_empty()
        || leaves.is_empty()
        || (raw.columns.columns.is_empty() && !data.is_empty())
    {
        ctx.warn(
            title_no,
            Some(kind),
            "header_unrecognized",
            format!(
                "{}: header columns not recognised ({}); the table's amounts were not read",
                kind.label(),
                if unknown.is_empty() {
                    "no header".to_string()
                } else {
                    unknown.join("、")
                }
            ),
            title,
        );
        return (raw, from_grid);
    }
    let size = median(data.iter().map(|l| l.line.size).collect());
    if let Some(g) = grid {
        for (seq, (no, cells)) in g.rows.into_iter().enumerate() {
            raw.data.push(TableLine::new(no, seq, &cells.join("\t")));
        }
        if let Some(c) = name_column {
            let starts: Vec<Option<f64>> = g.starts.iter().map(|s| s[c]).collect();
            set_depths(&mut raw.data, c, &starts, size, two_sided);
        }
        if let Some(total) = transposed_total {
            transpose_three_public(ctx, &mut raw, total);
        }
        return (raw, from_grid);
    }
    if by_order {
        // Amount lines a fraction of a line apart are one row (a 0 printed lower).
        let mut rows: Vec<(usize, f64, f64, Vec<Span>)> = Vec::new();
        for l in data
            .iter()
            .filter(|l| l.line.spans.iter().any(|s| is_amount(&s.text)))
        {
            let amounts = l.line.spans.iter().filter(|s| is_amount(&s.text)).cloned();
            match rows.last_mut() {
                Some((_, y, size, spans))
                    if (*y - l.line.y).abs() <= 1.2 * size.max(l.line.size) =>
                {
                    spans.extend(amounts)
                }
                _ => rows.push((l.no, l.line.y, l.line.size, amounts.collect())),
            }
        }
        for (seq, (no, _, _, mut spans)) in rows.into_iter().enumerate() {
            spans.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            let cells: Vec<&str> = spans.iter().map(|s| s.text.as_str()).collect();
            raw.data.push(TableLine::new(no, seq, &cells.join("\t")));
        }
        return (raw, from_grid);
    }
    // Rebuild each data line with its spans at their columns.
    let data = join_wrapped_cells(&data);
    let mut starts: Vec<Option<f64>> = Vec::new();
    for (seq, l) in data.iter().enumerate() {
        let mut cells: Vec<String> = vec![String::new(); leaves.len()];
        let mut start: Option<f64> = None;
        for s in &l.line.spans {
            let mut i = leaf_of(&leaves, s);
            // Names are text and sit in the label column (left-aligned, they may start
            // nearer a code column's centre); codes and amounts are placed by position.
            let digits = s
                .text
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-'));
            // (政府采购 tables describe a row in several text columns, each in place; a code
            // printed with its name, `30101-基本工资`, stays in its classification column.)
            let coded_name = crate::ingest::cells::split_code(&s.text).is_some()
                && is_label_leaf(&leaves[i].text);
            if !digits
                && !coded_name
                && !two_sided
                && kind != TableKind::Procurement
                && let Some(li) = label_idx
            {
                i = li;
            }
            // (Two-sided: a name drawn left of its column, into the other side's amount
            // column after its amount — Beijing `471.963743` `年终结转结余` — is the next
            // side's name.)
            if two_sided
                && !digits
                && is_amount(cells[i].trim())
                && !is_label_leaf(&leaves[i].text)
                && let Some(j) = (i + 1..leaves.len()).find(|&j| is_label_leaf(&leaves[j].text))
            {
                i = j;
            }
            // (An amount's last decimals drawn apart, `469.13` `3952`, continue it in its
            // column.)
            let continues_amount = is_amount(&cells[i])
                && cells[i].contains('.')
                && s.text.chars().all(|c| c.is_ascii_digit());
            if !cells[i].is_empty() && !continues_amount {
                cells[i].push(' ');
            }
            cells[i].push_str(&s.text);
            if Some(i) == name_column && !digits {
                start = Some(start.map_or(s.x0, |x: f64| x.min(s.x0)));
            }
        }
        let line = cells.join("\t");
        raw.data.push(TableLine::new(l.no, seq, &line));
        starts.push(start);
    }
    if let Some(c) = name_column {
        set_depths(&mut raw.data, c, &starts, size, two_sided);
    }
    if let Some(total) = transposed_total {
        transpose_three_public(ctx, &mut raw, total);
    }
    (raw, from_grid)
}

/// A 三公 table whose rows are the items and whose columns are the funds, as the usual
/// layout: the items named by the rows become the columns (“三公”经费 its total), and the
/// 合计 column (`total`, a cell index) the one data row. The per-fund columns are not
/// stored; a warning says so.
fn transpose_three_public(ctx: &mut Ctx, raw: &mut RawTable, total: usize) {
    let mut cols: Vec<ColumnMeaning> = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    for line in &raw.data {
        let label: String = line.texts.iter().map(|(_, t)| compact(t)).collect();
        let item = if label.contains("三公") {
            meaning(TableKind::ThreePublic, "合计")
        } else {
            meaning(TableKind::ThreePublic, &label)
        };
        let Some(item) = item else { continue };
        if cols.iter().any(|c| c.key == item.key) {
            continue;
        }
        cols.push(item);
        cells.push(line.cells.get(total).cloned().unwrap_or_default());
    }
    let (line, seq) = raw
        .data
        .first()
        .map_or((raw.title_line, 0), |l| (l.line, l.seq));
    raw.data = vec![TableLine::new(line, seq, &cells.join("\t"))];
    raw.columns = Columns {
        constraints: constraints(&cols),
        columns: cols,
    };
    ctx.warn(
        line,
        Some(raw.kind),
        "funds_not_stored",
        format!(
            "{} prints its items as rows and its funds as columns: the 合计 column is stored, the columns by fund are not",
            raw.kind.label()
        ),
        &raw.title,
    );
}

/// Sets the depth of each row's name (`TableLine::depth`) where the table prints names
/// without codes and shows their level by indentation (`starts`: the left edge of each
/// row's name in column `column`): the distinct left edges, within 0.4 × the font size,
/// ranked from the left are the levels — two or three of them (类/款/项). Rows with a
/// code, a total or a summary's own lines (本年支出合计, 结转下年 …) take no part; a
/// table where most named rows carry codes, or whose names start at more places than
/// three levels (centred names), gets no depths.
fn set_depths(
    data: &mut [TableLine],
    column: usize,
    starts: &[Option<f64>],
    size: f64,
    two_sided: bool,
) {
    let tolerance = 0.4 * size.max(1.0);
    let takes_part = |l: &TableLine| {
        let Some(name) = l.text_at(column) else {
            return false;
        };
        let c = compact(name);
        !is_total_label(&c)
            && crate::ingest::summary::expenditure_key(&c).is_none()
            && !c.starts_with(|ch: char| ch.is_ascii_digit() || ch == '[' || ch == '【')
    };
    // (In a two-sided table the 收入 side's amounts stand before the 支出 names: they are
    // not codes.)
    let has_code = |l: &TableLine| !two_sided && !l.codes.is_empty();
    let coded = data.iter().filter(|l| has_code(l)).count();
    let named: Vec<f64> = data
        .iter()
        .zip(starts)
        .filter(|(l, _)| takes_part(l) && !has_code(l))
        .filter_map(|(_, s)| *s)
        .collect();
    if named.len() < 2 || coded * 2 >= named.len() {
        return;
    }
    let levels = super::grid::cluster(named, tolerance);
    if !(2..=3).contains(&levels.len()) {
        return;
    }
    for (l, s) in data.iter_mut().zip(starts) {
        if let Some(x) = s
            && takes_part(l)
            && !has_code(l)
        {
            let depth = levels.iter().filter(|&&lv| lv <= x + tolerance).count();
            l.depth = Some(depth.saturating_sub(1) as u8);
        }
    }
}

/// Rows whose cells wrap over several lines, the amounts printed on the middle one
/// (unruled tables: 政府采购 items, 收入 sources): a text-only line belongs to the
/// nearest line with amounts when the lines between them are closer than 0.6 × the
/// table's row pitch (1.7 × the font size when no two rows are single lines). The merged row keeps the amount line's number; fragments that
/// overlap horizontally are one cell, read top to bottom.
pub(super) fn join_wrapped_cells(data: &[&DocLine]) -> Vec<DocLine> {
    let has_amount = |l: &DocLine| l.line.spans.iter().any(|s| is_amount(&s.text));
    // The row pitch: the distance between consecutive single-line rows with amounts.
    let pitch = median(
        data.windows(2)
            .filter(|w| w[0].line.page == w[1].line.page && has_amount(w[0]) && has_amount(w[1]))
            .map(|w| w[0].line.y - w[1].line.y)
            .collect(),
    );
    let near = |a: &DocLine, b: &DocLine| {
        let limit = if pitch > 0.0 {
            0.6 * pitch
        } else {
            1.7 * a.line.size.min(b.line.size)
        };
        a.line.page == b.line.page && (a.line.y - b.line.y).abs() <= limit
    };
    // For each text-only line, the amount line it joins (by index), if any.
    let mut owner: Vec<Option<usize>> = vec![None; data.len()];
    for i in 0..data.len() {
        if has_amount(data[i]) {
            owner[i] = Some(i);
            continue;
        }
        // Walk up and down through close text-only lines to an amount line.
        let reach = |step: isize| -> Option<(usize, f64)> {
            let mut j = i;
            loop {
                let k = j as isize + step;
                if k < 0 || k as usize >= data.len() || !near(data[j], data[k as usize]) {
                    return None;
                }
                j = k as usize;
                if has_amount(data[j]) {
                    return Some((j, (data[j].line.y - data[i].line.y).abs()));
                }
            }
        };
        owner[i] = match (reach(-1), reach(1)) {
            (Some(a), Some(b)) => Some(if a.1 <= b.1 { a.0 } else { b.0 }),
            (Some(a), None) | (None, Some(a)) => Some(a.0),
            (None, None) => None,
        };
    }
    let mut out = Vec::new();
    for i in 0..data.len() {
        match owner[i] {
            None => out.push(data[i].clone()),
            Some(o) if o == i => {
                let members: Vec<&DocLine> = (0..data.len())
                    .filter(|&j| owner[j] == Some(i))
                    .map(|j| data[j])
                    .collect();
                out.push(stack_cells(&members, data[i]));
            }
            Some(_) => {}
        }
    }
    out
}

/// One line from `members` (top to bottom): text spans overlapping horizontally are
/// joined, and so are words (not codes) less than 0.8 × the font size apart.
pub(super) fn stack_cells(members: &[&DocLine], anchor: &DocLine) -> DocLine {
    let mut cells: Vec<Span> = Vec::new();
    for l in members {
        for s in &l.line.spans {
            // (Glyph positions of some fonts drift: touching fragments are one cell too.)
            // Words (not codes: `201 05 07` stays three cells) close together are one.
            let words = |t: &str| !t.is_ascii();
            let gap = if words(&s.text) {
                0.8 * anchor.line.size
            } else {
                0.5
            };
            // (A cell that starts with its code, `50102-社会保障缴费`, is its own cell beside
            // a wrapped neighbour it does not overlap.)
            let coded = |t: &str| crate::ingest::cells::split_code(t).is_some();
            let touches = |c: &Span| {
                let gap = if !words(&c.text) || coded(&s.text) || coded(&c.text) {
                    0.0
                } else {
                    gap
                };
                c.x0 < s.x1 + gap && s.x0 < c.x1 + gap
            };
            match cells
                .iter_mut()
                .find(|c| touches(c) && !is_amount(&s.text) && !is_amount(&c.text))
            {
                // (The cell keeps its first line's left edge: a name's indentation, where a
                // wrapped second line starts further left.)
                Some(c) => {
                    c.text.push_str(&s.text);
                    c.x1 = c.x1.max(s.x1);
                }
                None => cells.push(s.clone()),
            }
        }
    }
    cells.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    DocLine {
        no: anchor.no,
        running: anchor.running,
        line: Line {
            spans: cells,
            ..anchor.line.clone()
        },
    }
}

/// A table's number printed above the next table's title (`公开11表`, `表十一`, `附表3`).
/// A signature line under a table (`单位负责人：张三  财务负责人：李四  制表人：王五`,
/// `填报日期：…`): kept with the table's note, never a row.
pub(super) fn is_signature(c: &str) -> bool {
    // (A line with an amount is a row, whatever its words.)
    let has_amount = c.contains('.') && c.chars().any(|ch| ch.is_ascii_digit());
    !has_amount
        && [
            "负责人：",
            "负责人:",
            "制表人",
            "填表人",
            "填报人",
            "审核人",
            "制表日期",
            "填报日期",
            "联系电话",
        ]
        .iter()
        .any(|w| c.contains(w))
}

pub(super) fn is_table_number(c: &str) -> bool {
    let numeral = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|ch| ch.is_ascii_digit() || "一二三四五六七八九十".contains(ch))
    };
    // (`公开08表`, `附3表`, `预算01表`, `单位预算08表`, `部门预算08表`, `表8`.)
    ["公开", "附", "单位预算", "部门预算", "预算"]
        .iter()
        .find_map(|p| c.strip_prefix(p))
        .unwrap_or(c)
        .strip_suffix('表')
        .is_some_and(numeral)
        || c.strip_prefix('表').is_some_and(numeral)
}

/// A line saying that the table is empty (`此表为空`, `本表为空表`, `故本表无数据`,
/// `（无政府性基金支出）`).
pub(super) fn says_empty(c: &str) -> bool {
    ["为空", "无数据", "无相关收支", "无此项"]
        .iter()
        .any(|p| c.contains(p))
        // (无政府性基金支出）
        || c.trim_start_matches(['(', '（']).starts_with('无')
}

/// Header words printed letter-spaced (`金    额`, `合  计`) joined back into one span.
pub(super) fn join_spaced_words(line: &Line) -> Line {
    const WORDS: &[&str] = &[
        "金额", "合计", "总计", "小计", "项目", "科目", "名称", "单位",
    ];
    let mut spans: Vec<Span> = Vec::with_capacity(line.spans.len());
    for s in &line.spans {
        if let Some(prev) = spans.last_mut()
            && prev.text.chars().count() == 1
            && s.text.chars().count() == 1
            // (Spread over a wide label column: `项      目`, nearly five characters apart.)
            && s.x0 - prev.x1 <= 6.0 * line.size
            && WORDS.contains(&format!("{}{}", prev.text, s.text).as_str())
        {
            prev.text.push_str(&s.text);
            prev.x1 = s.x1;
            continue;
        }
        spans.push(s.clone());
    }
    Line {
        spans,
        ..line.clone()
    }
}

/// Which leaves sit under an earlier year's group when the header prints the columns of
/// two or more years side by side (`2025年预算数` over one set, `2026年预算数` over the next):
/// a leaf whose own text names a year has it; another belongs to the year printed on the
/// header lines whose centre is nearest its own (a group's name is centred over its
/// columns).
fn prior_year_leaves(leaves: &[Leaf], header: &[&Line]) -> Vec<bool> {
    let year_of = |t: &str| crate::ingest::meta::first_year_with_nian(&compact(t));
    let groups: Vec<(f64, i32)> = header
        .iter()
        .flat_map(|l| l.spans.iter())
        .filter_map(|s| year_of(&s.text).map(|y| ((s.x0 + s.x1) / 2.0, y)))
        .collect();
    let years: std::collections::BTreeSet<i32> = groups.iter().map(|g| g.1).collect();
    let Some(&latest) = years.last() else {
        return vec![false; leaves.len()];
    };
    leaves
        .iter()
        .map(|leaf| {
            let year = year_of(&leaf.text).or_else(|| {
                groups
                    .iter()
                    .min_by(|a, b| {
                        (a.0 - leaf.centre())
                            .abs()
                            .total_cmp(&(b.0 - leaf.centre()).abs())
                    })
                    .map(|g| g.1)
            });
            years.len() >= 2 && year.is_some_and(|y| y < latest)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(rows: &[&str]) -> Vec<TableLine> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| TableLine::new(i + 1, i, r))
            .collect()
    }

    #[test]
    fn names_at_three_indents_are_classes_items_and_subitems() {
        // 总计 | name | amount, as a Zhejiang 支出表 prints it (names 10 pt apart).
        let mut data = lines(&[
            "合计\t\t665,964.37",
            "一般公共服务支出\t\t6,701.98",
            "社会工作事务\t\t1.98",
            "其他社会工作事务支出\t\t1.98",
            "国防支出\t\t18.00",
        ]);
        let starts = [Some(44.0), Some(44.0), Some(54.0), Some(64.0), Some(45.0)];
        set_depths(&mut data, 0, &starts, 9.9, false);
        let depths: Vec<Option<u8>> = data.iter().map(|l| l.depth).collect();
        assert_eq!(depths, [None, Some(0), Some(1), Some(2), Some(0)]);
    }

    #[test]
    fn signatures_under_a_table_are_no_rows() {
        assert!(is_signature("单位负责人：张三财务负责人：李四制表人：王五"));
        assert!(is_signature("填报日期：2026年1月20日"));
        assert!(!is_signature("一般公共服务支出"));
        assert!(!is_signature("制表人员经费12.50"));
    }

    #[test]
    fn a_tables_number_printed_on_its_own_line_is_no_row() {
        for number in [
            "公开08表",
            "附3表",
            "预算01表",
            "单位预算08表",
            "表8",
            "表十二",
        ] {
            assert!(is_table_number(number), "{number}");
        }
        for text in ["预算表", "单位预算", "一般公共预算支出表"] {
            assert!(!is_table_number(text), "{text}");
        }
    }

    #[test]
    fn coded_or_centred_names_get_no_depth() {
        let mut coded = lines(&[
            "201\t一般公共服务支出\t100",
            "20101\t人大事务\t100",
            "2010101\t行政运行\t100",
        ]);
        set_depths(
            &mut coded,
            1,
            &[Some(40.0), Some(50.0), Some(60.0)],
            10.0,
            false,
        );
        assert!(coded.iter().all(|l| l.depth.is_none()));
        // Names centred in their cell start wherever their length puts them.
        let mut centred = lines(&["教育支出\t1", "普通教育\t1", "小学\t1", "初中教育\t1"]);
        set_depths(
            &mut centred,
            0,
            &[Some(40.0), Some(52.0), Some(61.0), Some(73.0)],
            10.0,
            false,
        );
        assert!(centred.iter().all(|l| l.depth.is_none()));
    }
}
