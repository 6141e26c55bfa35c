//! A table's header: its leaf columns rebuilt from the header band (stacked, wrapped and
//! grouped cells; a 小计 named by its group), the meaning of each column read from its
//! header words, and the arithmetic among the columns that follows from their meanings.
//! Knows nothing about where the header is (`block`) or how rows are read (`ingest::table`).

use super::lines::{Line, Span};
use crate::ingest::cells::compact;
use crate::ingest::layout::SIDE_AMOUNT;
use crate::ingest::place::Constraint;
use crate::model::{ColumnMeaning, TableKind};

/// A leaf header cell: the bottom of a header column, with the text stacked above it
/// that belongs to the same cell.
#[derive(Debug, Clone)]
pub(super) struct Leaf {
    pub(super) x0: f64,
    pub(super) x1: f64,
    pub(super) text: String,
}

impl Leaf {
    pub(super) fn centre(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }
}

/// Rebuilds leaf header cells from the header band: a span continues the span below it
/// when it is the only one above it, close (one line apart) and overlapping; otherwise a
/// span with spans below it is a group header and not a column.
pub(super) fn leaves(band: &[&Line]) -> Vec<Leaf> {
    struct Piece {
        y: f64,
        size: f64,
        span: Span,
    }
    let pieces: Vec<Piece> = band
        .iter()
        .flat_map(|l| {
            l.spans.iter().map(|s| Piece {
                y: l.y,
                size: l.size,
                span: s.clone(),
            })
        })
        .collect();
    let overlaps = |a: &Span, b: &Span| a.x0 < b.x1 - 1.0 && b.x0 < a.x1 - 1.0;
    // With more than one header line, the top line holds group headers (项目, 收入预算,
    // 本年支出 …) whose text is narrower than the columns they span.
    let top = pieces.iter().map(|p| p.y).fold(f64::MIN, f64::max);
    let multi_line = pieces.iter().any(|p| p.y < top - 0.5);
    let is_group_line = |y: f64| multi_line && (y - top).abs() <= 0.5;
    let mut leaves = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let below: Vec<usize> = (0..pieces.len())
            .filter(|&j| pieces[j].y < p.y - 0.5 && overlaps(&pieces[j].span, &p.span))
            .collect();
        if !below.is_empty() || is_group_line(p.y) {
            continue;
        }
        // Stack the pieces above this one that continue it.
        let mut text = p.span.text.clone();
        let mut current = i;
        loop {
            let above: Vec<usize> = (0..pieces.len())
                .filter(|&j| {
                    pieces[j].y > pieces[current].y + 0.5
                        && overlaps(&pieces[j].span, &pieces[current].span)
                })
                .collect();
            let Some(&nearest) = above
                .iter()
                .min_by(|&&a, &&b| pieces[a].y.total_cmp(&pieces[b].y))
            else {
                break;
            };
            let n = &pieces[nearest];
            // (A piece on the top line continues down only into a single column.)
            let close = n.y - pieces[current].y <= 2.0 * n.size.max(pieces[current].size);
            let only_child = (0..pieces.len())
                .filter(|&j| {
                    pieces[j].y < n.y - 0.5
                        && pieces[j].y >= pieces[current].y - 0.5
                        && overlaps(&pieces[j].span, &n.span)
                })
                .count()
                == 1;
            if !(close && only_child) {
                break;
            }
            text = format!("{}{text}", n.span.text);
            current = nearest;
        }
        leaves.push(Leaf {
            x0: p.span.x0,
            x1: p.span.x1,
            text: compact(&text),
        });
    }
    leaves.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    leaves
}

/// A `小计` leaf is the subtotal of the group printed above it (基本支出 over 小计 | 人员经费
/// | 公用经费; 财政拨款 over 小计 | 一般公共预算 | 政府性基金): its text becomes the group's
/// name and 小计. The group is the nearest span on the header lines above the 小计 (up to
/// three lines up) whose centre is not left of the 小计 — a group's first column is its
/// subtotal, and a centred group name sits over its columns. Where the group is read
/// wrongly, the column's meaning breaks the table's arithmetic and it is not verified.
pub(super) fn qualify_subtotals(mut leaves: Vec<Leaf>, header: &[&Line]) -> Vec<Leaf> {
    // A span that is part of a column's own stacked name (`一般公共` over `预算`), the
    // name going on below the 小计's line, is a sibling column and names no group
    // (Hangzhou: 小计 | 一般公共 / 预算 | 政府性基 / 金预算 under 本年收入). (A group name
    // stacked onto the one column it sits over, `基本支出` over `人员经费`, stays one.)
    let columns: Vec<(f64, f64, String)> = leaves
        .iter()
        .filter(|l| l.text != "小计")
        .map(|l| (l.x0, l.x1, l.text.clone()))
        .collect();
    let in_column = |s: &Span| {
        let t = compact(&s.text);
        columns
            .iter()
            .any(|(x0, x1, text)| s.x0 < *x1 && *x0 < s.x1 && text != &t && text.contains(&t))
    };
    for leaf in leaves.iter_mut().filter(|l| l.text == "小计") {
        let Some(line) = header.iter().find(|l| {
            l.spans
                .iter()
                .any(|s| compact(&s.text) == "小计" && s.x0 < leaf.x1 && leaf.x0 < s.x1)
        }) else {
            continue;
        };
        let centre = leaf.centre();
        let continues_below = |s: &Span| {
            header
                .iter()
                .filter(|l| l.y < line.y - 0.5)
                .flat_map(|l| l.spans.iter())
                .any(|p| p.x0 < s.x1 - 1.0 && s.x0 < p.x1 - 1.0)
        };
        let candidates: Vec<&Span> = header
            .iter()
            .filter(|l| l.y > line.y + 0.5 && l.y <= line.y + 4.0 * line.size.max(l.size))
            .flat_map(|l| l.spans.iter())
            .filter(|s| {
                let t = compact(&s.text);
                !t.contains("小计") && !is_label_leaf(&t) && (s.x0 + s.x1) / 2.0 >= leaf.x0
            })
            .collect();
        let nearest = |keep: &dyn Fn(&Span) -> bool| {
            let d = |s: &Span| ((s.x0 + s.x1) / 2.0 - centre).abs();
            candidates
                .iter()
                .copied()
                .filter(|s| keep(s))
                .min_by(|a, b| d(a).total_cmp(&d(b)))
        };
        // (Where every candidate is a sibling's name — the group printed higher than the
        // lines searched — the nearest stands, as before.)
        let group =
            nearest(&|s| !(in_column(s) && continues_below(s))).or_else(|| nearest(&|_| true));
        if let Some(g) = group {
            leaf.text = format!("{}小计", compact(&g.text));
        }
    }
    leaves
}

/// The column a span falls in: the leaf whose centre is nearest the span's centre.
pub(super) fn leaf_of(leaves: &[Leaf], span: &Span) -> usize {
    let c = (span.x0 + span.x1) / 2.0;
    (0..leaves.len())
        .min_by(|&a, &b| {
            (leaves[a].centre() - c)
                .abs()
                .total_cmp(&(leaves[b].centre() - c).abs())
        })
        .unwrap_or(0)
}

pub(super) fn is_label_leaf(text: &str) -> bool {
    // (`本年支出项目`: a side's label column, counted in characters.)
    // (`支出功能分类科目`, `部门支出经济分类科目`: a classification column, its cells a code
    // and a name.)
    text.contains("名称")
        || text == "项目"
        || text.ends_with("项目") && text.chars().count() <= 6
        || text.ends_with("科目")
}

pub(super) fn is_code_leaf(text: &str) -> bool {
    matches!(text, "类" | "款" | "项" | "编码" | "代码")
        || text.ends_with("编码")
        || text.ends_with("代码")
}

/// What an amount column means, read from its header text.
pub(super) fn meaning(kind: TableKind, text: &str) -> Option<ColumnMeaning> {
    let m = |key: &'static str, label: &'static str| ColumnMeaning {
        key,
        label,
        fund: None,
        expense_kind: None,
        cost_kind: None,
    };
    let fund = |key: &'static str, label: &'static str, f: &'static str| ColumnMeaning {
        fund: Some(f),
        ..m(key, label)
    };
    let t = text;
    if kind == TableKind::ThreePublic {
        return Some(if t.contains("会议费") {
            m("meeting", "会议费")
        } else if t.contains("培训费") {
            m("training", "培训费")
        } else if t.contains("机关运行") || t.contains("机构运行") {
            m("operating_cost", "机关运行经费")
        } else if t.contains("因公出国") {
            m("abroad", "因公出国(境)费")
        } else if t.contains("接待") {
            m("reception", "公务接待费")
        } else if t.contains("购置") && !t.contains("运行") {
            m("car.purchase", "公务用车购置费")
        } else if t.contains("运行") && !t.contains("购置") {
            m("car.operation", "公务用车运行费")
        } else if t.contains("三公") && t.ends_with("小计") {
            m("total", "\"三公\"经费合计")
        } else if t == "小计" || t.contains("购置及运行") {
            m("car", "公务用车购置及运行费")
        } else if t.contains("合计") || t.contains("总计") || t.contains("总额") {
            m("total", "\"三公\"经费合计")
        } else {
            return None;
        });
    }
    Some(if t.contains("合计") || t.contains("总计") {
        m("total", "合计")
    } else if kind == TableKind::OperatingCost && (t.contains("运行经费") || t.contains("运转经费"))
    {
        m("total", "机关运行经费")
    } else if is_amount_header(t) {
        SIDE_AMOUNT
    } else if t.contains("预留给") && t.contains("中小企业") {
        // 政府采购 columns printed beside a table's amounts (Shenzhen 支出总表): parts of
        // nothing the row adds up.
        m("procurement.sme", "政府采购预留给中小企业")
    } else if t.contains("预留给") && t.contains("小型") {
        m("procurement.small", "政府采购预留给小型、微型企业")
    } else if t.contains("政府采购") && !t.contains("支出") {
        m("procurement", "政府采购项目")
    } else if t.contains("扣除基建") {
        // (Beijing: 项目支出总数 | 扣除基建项目后预算数, a part of the 项目支出.)
        ColumnMeaning {
            expense_kind: Some("project"),
            ..m("project.excl_capital", "扣除基建项目后项目支出")
        }
    // (人员经费 / 公用经费 before 基本支出: a header joined with its group,
    // `一般公共预算基本支出人员经费`, names the part.)
    } else if t.contains("人员经费") || matches!(t, "人员支出" | "人员类") {
        ColumnMeaning {
            expense_kind: Some("basic"),
            cost_kind: Some("personnel"),
            ..m("personnel", "人员经费")
        }
    } else if t.contains("公用经费") || matches!(t, "公用支出" | "日常公用支出" | "公用类")
    {
        ColumnMeaning {
            expense_kind: Some("basic"),
            cost_kind: Some("public"),
            ..m("public", "公用经费")
        }
    } else if t.contains("基本支出") {
        ColumnMeaning {
            expense_kind: Some("basic"),
            ..m("basic", "基本支出")
        }
    } else if t.contains("项目支出") {
        ColumnMeaning {
            expense_kind: Some("project"),
            ..m("project", "项目支出")
        }
    } else if t.contains("事业单位经营支出") || t == "经营支出" {
        m("operating_expenditure", "事业单位经营支出")
    } else if t.contains("上缴上级支出") {
        m("remit_superior", "上缴上级支出")
    } else if t.contains("对附属单位补助支出") {
        m("subsidy_subsidiary", "对附属单位补助支出")
    } else if t.contains("财政拨款") {
        fund("fiscal", "财政拨款收入", "fiscal")
    } else if t.contains("一般公共预算") {
        fund("gpb", "一般公共预算", "gpb")
    } else if t.contains("政府性基金") {
        fund("gov_fund", "政府性基金预算", "gov_fund")
    } else if t.contains("国有资本经营") {
        fund("soe", "国有资本经营预算", "soe")
    } else if t.contains("事业单位经营") || t == "经营收入" {
        fund("operating", "事业单位经营收入", "operating")
    } else if t.contains("事业收入") {
        fund("business", "事业收入", "business")
    } else if t.contains("其他收入") {
        fund("other", "其他收入", "other")
    } else if t.contains("上级补助收入") {
        fund("superior", "上级补助收入", "superior")
    } else if t.contains("附属单位上缴收入") {
        fund("subsidiary", "附属单位上缴收入", "subsidiary")
    } else if t == "单位资金" {
        fund("unit_funds", "单位资金", "unit_funds")
    } else if t.contains("财政专户") {
        fund("special_account", "财政专户管理资金", "special_account")
    } else if t.contains("上年结转") {
        fund("carryover", "上年结转", "carryover")
    } else if t.contains("预留机动经费") {
        m("reserve", "单位预留机动经费")
    } else if t.contains("结转下年") {
        m("carryover_next", "结转下年资金")
    } else {
        return None;
    })
}

/// The single amount column of a side or a code table: `预算数`, `金额`, `预算`,
/// `2026年预算数`, `本年预算数`.
pub(super) fn is_amount_header(t: &str) -> bool {
    let t = t
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches("年度")
        .trim_start_matches('年')
        .trim_start_matches("本年");
    matches!(t, "预算数" | "金额" | "预算" | "预算金额")
}

/// The arithmetic among a table's columns, from their meanings.
pub(super) fn constraints(cols: &[ColumnMeaning]) -> Vec<Constraint> {
    let at = |key: &str| cols.iter().position(|c| c.key == key);
    let mut out = Vec::new();
    let mut sum = |total: Option<usize>, parts: Vec<Option<usize>>| {
        let parts: Vec<usize> = parts.into_iter().flatten().collect();
        if let Some(t) = total
            && parts.len() >= 2
        {
            out.push(Constraint::Sum {
                total: t,
                parts: std::borrow::Cow::Owned(parts),
            });
        }
    };
    // 人员经费 and 公用经费 make up 基本支出: its own column where the table prints one
    // (基本支出 小计 | 人员经费 | 公用经费); where it does not, they stand for it in the
    // total (合计 | 人员经费 | 公用经费 | 项目支出).
    let basic = if at("basic").is_some() {
        sum(at("basic"), vec![at("personnel"), at("public")]);
        vec![at("basic")]
    } else {
        vec![at("personnel"), at("public")]
    };
    sum(
        at("total"),
        basic
            .into_iter()
            .chain([
                at("project"),
                at("reserve"),
                at("carryover_next"),
                at("operating_expenditure"),
                at("remit_superior"),
                at("subsidy_subsidiary"),
            ])
            .collect(),
    );
    sum(at("total"), vec![at("abroad"), at("reception"), at("car")]);
    sum(
        at("grand_total"),
        vec![at("total"), at("meeting"), at("training")],
    );
    sum(at("car"), vec![at("car.purchase"), at("car.operation")]);
    let funds: Vec<Option<usize>> = [
        "fiscal",
        "gpb",
        "gov_fund",
        "soe",
        "business",
        "operating",
        "other",
        "special_account",
        "superior",
        "subsidiary",
        "unit_funds",
        "carryover",
    ]
    .iter()
    .map(|k| at(k))
    .collect();
    let fiscal_parts = at("fiscal").is_some() && at("gpb").is_some();
    if !fiscal_parts {
        sum(at("total"), funds);
    }
    out
}

/// The leaf columns of the Jiangsu "三公"经费、会议费、培训费 table, left to right.
pub(super) const JIANGSU_THREE_PUBLIC: &[&str] = &[
    "合计",
    "小计",
    "因公出国（境）费",
    "小计",
    "公务用车购置费",
    "公务用车运行维护费",
    "公务接待费",
    "会议费",
    "培训费",
];

/// A header's column-number row (栏次): `** 1 2 3 …`, `栏次 1 2 3`, `A B 1 2` — each span
/// a marker (`*`, `**`, a letter, 栏次) or a small number, and the numbers counting up
/// from 1 with none left out. It names no column and is neither header nor data.
pub(super) fn is_column_numbers(line: &Line) -> bool {
    let mut numbers = Vec::new();
    for s in &line.spans {
        for t in s.text.split_whitespace() {
            if let Ok(n) = t.parse::<u32>() {
                numbers.push(n);
            } else if !(t.chars().all(|c| c == '*')
                || t == "栏次"
                || t.len() == 1 && t.chars().all(|c| c.is_ascii_uppercase()))
            {
                return false;
            }
        }
    }
    numbers.len() >= 2 && numbers.iter().enumerate().all(|(i, &n)| n == i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(y: f64, spans: &[(f64, f64, &str)]) -> Line {
        Line {
            page: 1,
            y,
            size: 10.0,
            spans: spans
                .iter()
                .map(|&(x0, x1, t)| Span {
                    x0,
                    x1,
                    text: t.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn column_number_rows_count_up_from_one() {
        let row = |t: &[&str]| {
            let spans: Vec<(f64, f64, &str)> = t
                .iter()
                .enumerate()
                .map(|(i, s)| (i as f64 * 50.0, i as f64 * 50.0 + 10.0, *s))
                .collect();
            is_column_numbers(&line(0.0, &spans))
        };
        assert!(row(&["**", "1", "2", "3"]));
        assert!(row(&["栏次", "1", "2"]));
        assert!(row(&["**", "**", "1", "2", "3", "4"]));
        assert!(!row(&["1", "3"]), "a number left out");
        assert!(!row(&["合计", "1", "2"]), "a word");
        assert!(!row(&["**", "1"]), "one number");
        assert!(!row(&["2024", "2025"]));
    }

    #[test]
    fn amount_headers_with_a_year_or_without_数() {
        for t in [
            "预算数",
            "金额",
            "预算",
            "2026年预算数",
            "本年预算数",
            "2026年度预算数",
        ] {
            assert!(is_amount_header(t), "{t}");
        }
        for t in ["预算单位", "上年预算数", "决算数", "合计"] {
            assert!(!is_amount_header(t), "{t}");
        }
    }

    #[test]
    fn a_subtotal_takes_the_name_of_the_group_above_it() {
        // 科目编码 科目名称 合计 | 基本支出 (小计 人员经费 公用经费) | 项目支出
        let header = [
            line(466.0, &[(561.0, 605.0, "基本支出")]),
            line(455.0, &[(385.0, 407.0, "合计"), (739.0, 783.0, "项目支出")]),
            line(
                444.0,
                &[
                    (482.0, 504.0, "小计"),
                    (562.0, 606.0, "人员经费"),
                    (652.0, 696.0, "公用经费"),
                ],
            ),
        ];
        let refs: Vec<&Line> = header.iter().collect();
        let leaves = qualify_subtotals(leaves(&refs), &refs);
        let texts: Vec<&str> = leaves.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            ["合计", "基本支出小计", "人员经费", "公用经费", "项目支出"]
        );
        let cols: Vec<&str> = texts
            .iter()
            .filter_map(|t| meaning(TableKind::Expenditure, t).map(|m| m.key))
            .collect();
        assert_eq!(cols, ["total", "basic", "personnel", "public", "project"]);
    }
}
