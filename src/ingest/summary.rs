//! Two-sided summary tables (收支预算表, 财政拨款收支预算表): income lines on the left,
//! expenditure lines on the right, each side a label followed by its amounts. Lines are
//! given canonical keys (`INC_TOTAL`, `EXP_TOTAL`, `INC_GPB` …) and 类 lines their
//! function code, so that totals can be found by meaning rather than by wording.

use super::Ctx;
use super::cells::{AmountCell, TableLine};
use super::layout::{Columns, SIDE_AMOUNT};
use super::rows::{RowMeta, TableCtx, place_amounts, push_items};
use crate::model::classification::{function_class_by_name, strip_enumerator};
use crate::model::{LineItem, RowKind};

/// The canonical key of an income line; `carryover` is true below a 上年结转 line.
pub fn income_key(label: &str, carryover: bool) -> Option<String> {
    let l = strip_enumerator(label).replace(['：', ':'], "");
    let fund = |name: &str| {
        Some(if carryover {
            format!("INC_CARRYOVER_{name}")
        } else {
            format!("INC_{name}")
        })
    };
    if l.contains("总计") {
        return Some("INC_TOTAL".into());
    }
    if l == "本年收入" || l.contains("本年收入合计") || l.contains("当年收入小计") {
        return Some("INC_YEAR_TOTAL".into());
    }
    // (A side's bare 合计 — Chongqing prints it at the top of each side — is its total.)
    if l.contains("收入合计") || l == "合计" {
        return Some("INC_TOTAL".into());
    }
    // (决算: 年初结转和结余; Shenzhen: 上年结余、结转; 上年财政拨款结转结余.)
    if l.contains("上年结转")
        || l.contains("年初结转")
        || (l.starts_with("上年") && (l.contains("结转") || l.contains("结余")))
    {
        return Some("INC_CARRYOVER".into());
    }
    if l.contains("使用非财政拨款结余") {
        return Some("INC_NONFISCAL_BALANCE".into());
    }
    if l.contains("用事业基金弥补") {
        return Some("INC_RESERVE_FUND".into());
    }
    if l.starts_with("其中") && l.contains("财政拨款") {
        return fund("GPB_FISCAL");
    }
    if l.contains("一般公共预算") {
        return fund("GPB");
    }
    if l.contains("政府性基金") {
        return fund("GOV_FUND");
    }
    if l.contains("国有资本经营") {
        return fund("SOE");
    }
    if l.contains("财政专户") {
        return fund("SPECIAL_ACCOUNT");
    }
    if l.contains("事业单位经营") || l == "经营收入" {
        return Some("INC_OPERATING".into());
    }
    if l.contains("事业收入") {
        return Some("INC_BUSINESS".into());
    }
    if l.contains("上级补助") {
        return Some("INC_SUPERIOR".into());
    }
    if l.contains("附属单位") {
        return Some("INC_SUBSIDIARY".into());
    }
    if l.contains("其他收入") {
        return Some("INC_OTHER".into());
    }
    if l == "其他资金" {
        return Some("INC_OTHER_FUNDS".into());
    }
    // (Below 上年结余、结转: 2.非财政拨款结余、结转.)
    if l.contains("非财政拨款") {
        return fund("NONFISCAL");
    }
    if l.contains("财政拨款") {
        return fund("FISCAL");
    }
    None
}

/// The canonical key of a non-function expenditure line.
pub fn expenditure_key(label: &str) -> Option<&'static str> {
    let l = strip_enumerator(label);
    if l.contains("总计") {
        Some("EXP_TOTAL")
    } else if l == "本年支出" || l.contains("本年支出合计") {
        Some("EXP_YEAR_TOTAL")
    } else if l.contains("支出合计") || l == "合计" {
        Some("EXP_TOTAL")
    } else if l.contains("当年支出小计") {
        Some("EXP_YEAR_TOTAL")
    } else if l.contains("结转") || l.contains("结余") {
        Some("EXP_CARRYOVER")
    } else if l == "基本支出" {
        Some("EXP_BASIC")
    } else if l == "项目支出" {
        Some("EXP_PROJECT")
    } else if l.contains("预留机动经费") {
        Some("EXP_RESERVE")
    } else {
        None
    }
}

struct Group<'a> {
    label_idx: usize,
    label: &'a str,
    amounts: Vec<AmountCell>,
}

fn groups(line: &TableLine) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    let mut all: Vec<(usize, Option<&str>, Option<&AmountCell>)> = Vec::new();
    for (i, t) in &line.texts {
        all.push((*i, Some(t.as_str()), None));
    }
    // In two-sided tables a numeric cell between labels is an amount, not a code.
    let numeric = line.numeric_cells(0..usize::MAX);
    for a in &numeric {
        all.push((a.idx, None, Some(a)));
    }
    all.sort_by_key(|(i, _, _)| *i);
    for (idx, text, amount) in all {
        match (text, amount) {
            (Some(t), _) => out.push(Group {
                label_idx: idx,
                label: t,
                amounts: vec![],
            }),
            (None, Some(a)) => match out.last_mut() {
                Some(g) => g.amounts.push(a.clone()),
                None => out.push(Group {
                    label_idx: 0,
                    label: "",
                    amounts: vec![a.clone()],
                }),
            },
            _ => {}
        }
    }
    out
}

/// Parses a two-sided summary table.
pub fn parse_summary(
    ctx: &mut Ctx,
    t: &TableCtx,
    lines: &[TableLine],
    items: &mut Vec<LineItem>,
) -> usize {
    let left = Columns {
        columns: vec![SIDE_AMOUNT],
        constraints: vec![],
    };
    let right = t.columns;
    let mut carryover = false;
    let mut row_no = 0;
    // Both sides' totals (收入总计/合计, 支出总计/合计) must be read.
    let (mut saw_income_total, mut saw_expenditure_total) = (false, false);
    for line in lines {
        let gs = groups(line);
        if gs.is_empty() {
            continue;
        }
        row_no += 1;
        for g in gs {
            let income = g.label_idx == 0 && !g.label.is_empty();
            let layout = if income { &left } else { right };
            let label = super::cells::compact(g.label);
            // (Names printed without codes at indents showing 类/款/项: a 功能分类 row of that
            // level, whatever its name.)
            let depth = if income { None } else { line.depth };
            let (row_kind, line_key, function_code, flow) = if income {
                let key = income_key(&label, carryover);
                if key.as_deref() == Some("INC_CARRYOVER") {
                    carryover = true;
                }
                (RowKind::Line, key, None, "income")
            } else if let Some(key) = expenditure_key(&label) {
                (RowKind::Line, Some(key.to_string()), None, "expenditure")
            } else if let Some(code) =
                function_class_by_name(&label).filter(|_| depth.unwrap_or(0) == 0)
            {
                (
                    RowKind::Function,
                    None,
                    Some(code.to_string()),
                    "expenditure",
                )
            } else if depth.is_some() {
                (RowKind::Function, None, None, "expenditure")
            } else {
                (RowKind::Line, None, None, "expenditure")
            };
            match line_key.as_deref() {
                Some("INC_TOTAL") => saw_income_total = true,
                Some("EXP_TOTAL") => saw_expenditure_total = true,
                _ => {}
            }
            let placed = place_amounts(
                ctx,
                t,
                line.line,
                &line.raw,
                &g.amounts,
                g.label_idx + 1,
                layout,
            );
            if !placed.is_empty() && line_key.is_none() && row_kind == RowKind::Line {
                ctx.warn(
                    line.line,
                    Some(t.kind),
                    "line_unknown",
                    format!(
                        "line '{label}' is not a known income line or 类 name; stored without a key"
                    ),
                    &line.raw,
                );
            }
            let function_level = match (row_kind, &function_code) {
                (RowKind::Function, None) => depth.map(|d| d as i8 + 1),
                _ => None,
            };
            let meta = RowMeta {
                line_key,
                function_code,
                function_level,
                flow: Some(flow),
                ..RowMeta::new(row_kind, label)
            };
            push_items(items, t, row_no, line.line, &meta, layout, placed);
        }
    }
    if !(saw_income_total && saw_expenditure_total) && row_no > 0 {
        let last = lines.last().map_or(0, |l| l.line);
        ctx.warn(
            last,
            Some(t.kind),
            "total_missing",
            format!(
                "{} has no {} line: the table may be truncated",
                t.kind.label(),
                if saw_income_total {
                    "支出合计/总计"
                } else {
                    "收入合计/总计"
                }
            ),
            "",
        );
    }
    row_no as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn income_keys() {
        assert_eq!(
            income_key("一、一般公共预算", false).as_deref(),
            Some("INC_GPB")
        );
        assert_eq!(
            income_key("其中: 财政拨款", false).as_deref(),
            Some("INC_GPB_FISCAL")
        );
        assert_eq!(
            income_key("(一) 一般公共预算拨款", true).as_deref(),
            Some("INC_CARRYOVER_GPB")
        );
        // (Shenzhen: 上年结余、结转, then its parts.)
        assert_eq!(
            income_key("上年结余、结转", false).as_deref(),
            Some("INC_CARRYOVER")
        );
        assert_eq!(
            income_key("1.财政拨款结余、结转", true).as_deref(),
            Some("INC_CARRYOVER_FISCAL")
        );
        assert_eq!(
            income_key("2.非财政拨款结余、结转", true).as_deref(),
            Some("INC_CARRYOVER_NONFISCAL")
        );
        assert_eq!(income_key("收入总计", false).as_deref(), Some("INC_TOTAL"));
        assert_eq!(income_key("合计", false).as_deref(), Some("INC_TOTAL"));
        assert_eq!(expenditure_key("合计"), Some("EXP_TOTAL"));
        // 决算 lines.
        assert_eq!(
            income_key("年初结转和结余", false).as_deref(),
            Some("INC_CARRYOVER")
        );
        assert_eq!(
            income_key("六、经营收入", false).as_deref(),
            Some("INC_OPERATING")
        );
        assert_eq!(
            income_key("使用非财政拨款结余", false).as_deref(),
            Some("INC_NONFISCAL_BALANCE")
        );
        assert_eq!(expenditure_key("年末结转和结余"), Some("EXP_CARRYOVER"));
        assert_eq!(
            income_key("本年收入合计", false).as_deref(),
            Some("INC_YEAR_TOTAL")
        );
        assert_eq!(
            income_key("一、本年收入", false).as_deref(),
            Some("INC_YEAR_TOTAL")
        );
        assert_eq!(income_key("收入合计", false).as_deref(), Some("INC_TOTAL"));
        assert_eq!(
            income_key("六、事业单位经营收入", false).as_deref(),
            Some("INC_OPERATING")
        );
        assert_eq!(expenditure_key("支 出 总 计"), Some("EXP_TOTAL"));
        assert_eq!(expenditure_key("二、年终结转结余"), Some("EXP_CARRYOVER"));
        assert_eq!(expenditure_key("一、一般公共服务"), None);
    }
}
