//! Generated documents as disclosure text in the Henan layout (`docs/text-format.md`):
//! the 预算说明 sentences, then the 13 tables as tab-separated lines under their titles,
//! with the header words each layout is verified by. With `damage`, amounts are printed
//! the way PDF extraction prints them (`827. 29`, `72. 4 1`, `0,22`) — the repairs
//! ingest makes — and long names wrap as extraction wraps them: the head on a line of its
//! own before the row, a space inside the cell, or the row printed twice (head, then tail
//! with the codes and amounts repeated).
//!
//! For the round trip generate → render → ingest → compare: the text is rendered from
//! the canonical document alone, so ingest must recover every figure from the text.
//! Owns no numbers.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::ingest::layout::{
    ECON_SUMMARY, EXPENDITURE, INCOME, Layout, PERFORMANCE_FUNDS, PROJECT_EXPENDITURE, THREE_PUBLIC,
};
use crate::model::{LineItem, RowKind, SourceDocument, TableKind};

/// The amount columns of a layout in printed order.
fn keys(layout: &Layout) -> Vec<&'static str> {
    layout.columns.iter().map(|c| c.key).collect()
}

/// One row's cells by column key, with the row's identity.
struct Row<'a> {
    first: &'a LineItem,
    cells: BTreeMap<&'static str, &'a str>,
}

fn rows_of(doc: &SourceDocument, table_no: i32) -> Vec<Row<'_>> {
    let mut out: Vec<Row> = Vec::new();
    let mut last: Option<(i32, Option<&str>)> = None;
    for l in doc
        .parsed
        .line_items
        .iter()
        .filter(|l| l.table_no == table_no)
    {
        // Two-sided tables hold two rows under one number: split by flow.
        let key = (l.row_no, l.flow);
        if last != Some(key) {
            out.push(Row {
                first: l,
                cells: BTreeMap::new(),
            });
            last = Some(key);
        }
        if let Some(r) = out.last_mut() {
            r.cells.insert(l.column.key, l.amount_text.as_str());
        }
    }
    out
}

/// A printed amount, damaged as extraction damages it when `damage` (a space after the
/// point, one inside the decimals, a comma for the point); deterministic per cell.
fn amount(text: &str, damage: bool, salt: usize) -> String {
    if !damage {
        return text.to_string();
    }
    match salt % 7 {
        // `827. 29`
        0 => text.replacen('.', ". ", 1),
        // `72. 4 1`
        1 if text.len() >= 4 => {
            let (head, last) = text.split_at(text.len() - 1);
            format!("{} {last}", head.replacen('.', ". ", 1))
        }
        // `0,22`: a comma read for the point.
        2 => text.replacen('.', ",", 1),
        _ => text.to_string(),
    }
}

struct Out {
    text: String,
    damage: bool,
    cells: usize,
    /// Long names seen, for choosing how each wraps.
    names: usize,
    /// Whether names in this table wrap (not in 绩效目标表, whose text columns ingest reads
    /// by their own rules).
    wrap_names: bool,
    /// Names wrapped, by shape (`Wrap as usize`).
    wrapped: [usize; 3],
    /// Rows printed in the current table (a table's first row never wraps into a line
    /// of its own: the header block ends at the first row).
    table_rows: usize,
}

/// A name longer than this wraps (when damaged); the head keeps 6–8 characters.
const WRAP_OVER: usize = 8;

/// How extraction breaks a long name over lines (`docs/text-format.md`, Rows).
#[derive(Clone, Copy, PartialEq)]
enum Wrap {
    /// The head on a text-only line before the row (`公务用车运行维护` / `302 31 费 …`).
    Fragment,
    /// Both parts in the cell, a space where the line broke (`民生实事服 务免费项目`).
    InCell,
    /// The row printed twice: head then tail, codes and amounts repeated
    /// (`30231 公务用车运行维护 … 1.50` / `30231 费 … 1.50`).
    Repeated,
}

/// True for a code cell (digits only).
fn is_code(cell: &str) -> bool {
    !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit())
}

/// A name cell's head and tail where it wraps; None when it does not.
type Split<'a> = Option<(&'a str, &'a str)>;

/// A name cell split at its wrap point, or None when it does not wrap.
fn split_name(cell: &str, salt: usize) -> Split<'_> {
    let n = cell.chars().count();
    if n <= WRAP_OVER || is_code(cell) {
        return None;
    }
    let head = (6 + salt % 3).min(n - 2);
    let at = cell.char_indices().nth(head).map(|(i, _)| i)?;
    let (h, t) = cell.split_at(at);
    // A part that reads as a code or a total would be taken for one.
    let plain = |s: &str| {
        !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !matches!(s, "合计" | "总计")
    };
    (plain(h) && plain(t)).then_some((h, t))
}

impl Out {
    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }

    /// Cells joined by tabs; amounts looked up by key (blank when absent). When damaged,
    /// long names in the lead cells wrap the ways extraction wraps them.
    fn row(&mut self, lead: &[&str], row: &Row, keys: &[&str]) {
        let mut amounts = Vec::with_capacity(keys.len());
        for k in keys {
            self.cells += 1;
            amounts.push(
                row.cells
                    .get(k)
                    .map_or(String::new(), |t| amount(t, self.damage, self.cells)),
            );
        }
        let first_row = self.table_rows == 0;
        self.table_rows += 1;
        let salt = self.names;
        let split: Vec<Split> = lead
            .iter()
            .map(|c| {
                if self.damage && self.wrap_names {
                    split_name(c, salt)
                } else {
                    None
                }
            })
            .collect();
        let wrap = if split.iter().all(Option::is_none) {
            None
        } else {
            self.names += 1;
            // The repeat of a row prints only codes and the wrapped names' tails: a text
            // cell after the last wrapped name would be missing, and the codes before it
            // read as amounts.
            let last_text = lead.iter().rposition(|c| !c.is_empty() && !is_code(c));
            let repeatable = last_text.is_some_and(|i| split[i].is_some());
            match salt % 4 {
                0 => None,
                1 if !first_row => Some(Wrap::Fragment),
                3 if repeatable => Some(Wrap::Repeated),
                _ => Some(Wrap::InCell),
            }
        };
        if let Some(w) = wrap {
            self.wrapped[w as usize] += 1;
        }
        // The lead cells, each a whole cell or its wrapped parts as `part` picks them.
        let lead_cells = |part: &dyn Fn(&str, Split) -> String| -> Vec<String> {
            lead.iter().zip(&split).map(|(c, s)| part(c, *s)).collect()
        };
        let with_amounts = |mut cells: Vec<String>| {
            cells.extend(amounts.iter().cloned());
            cells.join("\t")
        };
        let line = match wrap {
            None => with_amounts(lead_cells(&|c, _| c.to_string())),
            Some(Wrap::InCell) => with_amounts(lead_cells(&|c, s| {
                s.map_or_else(|| c.to_string(), |(h, t)| format!("{h} {t}"))
            })),
            Some(Wrap::Fragment) => {
                let heads = lead_cells(&|_, s| s.map_or(String::new(), |(h, _)| h.into()));
                self.line(heads.join("\t").trim_end_matches('\t'));
                with_amounts(lead_cells(&|c, s| s.map_or(c.into(), |(_, t)| t.into())))
            }
            Some(Wrap::Repeated) => {
                let heads = lead_cells(&|c, s| s.map_or(c.into(), |(h, _)| h.into()));
                self.line(&with_amounts(heads));
                // The repeat carries the codes and the tails; other text is not repeated
                // (it would be appended to the cell a second time).
                with_amounts(lead_cells(&|c, s| match s {
                    Some((_, t)) => t.into(),
                    None if is_code(c) => c.into(),
                    None => String::new(),
                }))
            }
        };
        self.line(&line);
    }
}

/// The 类/款/项 code cells of a classification code (`201`, `20103`, `2010350`; an
/// economic code has 类 and 款 only).
fn code_cells(code: &str) -> [&str; 3] {
    match code.len() {
        0..=3 => [code, "", ""],
        5 => [&code[..3], &code[3..5], ""],
        _ => [&code[..3], &code[3..5], &code[5..]],
    }
}

/// The document as text.
pub fn render(doc: &SourceDocument, damage: bool) -> String {
    render_out(doc, damage).text
}

fn render_out(doc: &SourceDocument, damage: bool) -> Out {
    let p = &doc.parsed;
    let m = &p.meta;
    let unit = m.unit_name.as_str();
    let year = m.year;
    let mut o = Out {
        text: String::with_capacity(32 * 1024),
        damage,
        cells: 0,
        names: 0,
        wrap_names: true,
        table_rows: 0,
        wrapped: [0; 3],
    };
    o.line(&format!("# {year}年{unit}单位预算公开"));
    o.line("");
    o.line(&format!("# 第二部分 {year}年{unit}单位预算情况说明"));
    o.line("");
    for (_, text) in &p.narrative {
        o.line(text);
        o.line("");
    }
    for t in &p.tables {
        o.line(&format!("# {}", t.title));
        o.line("");
        o.table_rows = 0;
        o.wrap_names = t.table_kind != TableKind::PerformanceTargets;
        o.line(&format!("单位名称: {unit}\t单位:万元"));
        o.line("");
        let rows = rows_of(doc, t.table_no);
        match t.table_kind {
            TableKind::IncomeExpenditureSummary | TableKind::FiscalSummary => {
                two_sided(&mut o, t.table_kind, &rows)
            }
            TableKind::Income => {
                o.line("单位代码\t单位名称\t总计\t本年收入合计\t一般公共预算小计\t其中:财政拨款\t政府性基金\t国有资本经营预算\t财政专户管理资金收入\t事业收入\t事业单位经营收入\t上级补助收入\t附属单位上缴收入\t其他收入\t上年结转结余合计\t一般公共预算\t政府性基金\t国有资本经营预算\t财政专户管理资金\t单位资金");
                let keys = keys(&INCOME);
                for r in &rows {
                    let code = r.first.row_unit_code.as_deref().unwrap_or("");
                    o.row(&[code, &r.first.row_label], r, &keys);
                }
            }
            TableKind::Expenditure
            | TableKind::GpbExpenditure
            | TableKind::GovFundExpenditure
            | TableKind::SoeExpenditure => {
                o.line("类\t款\t项\t单位代码\t单位(科目名称)\t合计\t基本支出小计\t工资福利支出\t对个人和家庭的补助\t商品和服务支出\t资本性支出\t项目支出小计\t其他运转类\t特定目标类");
                let keys = keys(&EXPENDITURE);
                if rows.is_empty() {
                    o.line("\t\t\t\t合计");
                }
                for r in &rows {
                    let l = r.first;
                    match (l.row_kind, l.function_code.as_deref()) {
                        (RowKind::Function, Some(c)) => {
                            let [a, b, c3] = code_cells(c);
                            o.row(&[a, b, c3, "", &l.row_label], r, &keys)
                        }
                        (RowKind::Unit, _) => o.row(
                            &[
                                "",
                                "",
                                "",
                                l.row_unit_code.as_deref().unwrap_or(""),
                                &l.row_label,
                            ],
                            r,
                            &keys,
                        ),
                        _ => o.row(&["", "", "", "", &l.row_label], r, &keys),
                    }
                }
            }
            TableKind::GpbBasicExpenditure => {
                o.line("部门预算经济分类科目编码\t科目名称\t政府预算经济分类科目编码\t科目名称\t合计\t人员经费\t公用经费");
                for r in &rows {
                    let l = r.first;
                    let gov = l.gov_econ_code.as_deref().unwrap_or("");
                    let gov_name = gov_name(gov);
                    match l.row_kind {
                        RowKind::Econ => o.row(
                            &[
                                l.econ_code.as_deref().unwrap_or(""),
                                &l.row_label,
                                gov,
                                gov_name,
                            ],
                            r,
                            &["total", "personnel", "public"],
                        ),
                        _ => o.row(
                            &[&l.row_label, "", "", ""],
                            r,
                            &["total", "personnel", "public"],
                        ),
                    }
                }
            }
            TableKind::EconSummary => {
                o.line("部门预算经济分类类\t款\t科目名称\t政府预算经济分类类\t款\t科目名称\t总计\t一般公共预算小计\t其中:财政拨款\t政府性基金\t国有资本经营预算\t上年结转结余\t财政专户管理资金收入\t事业收入\t上级补助收入\t附属单位上缴收入\t事业单位经营收入\t其他收入");
                let keys = keys(&ECON_SUMMARY);
                for r in &rows {
                    let l = r.first;
                    match l.row_kind {
                        RowKind::Econ => {
                            let e = l.econ_code.as_deref().unwrap_or("");
                            let g = l.gov_econ_code.as_deref().unwrap_or("");
                            let ([e1, e2, _], [g1, g2, _]) = (code_cells(e), code_cells(g));
                            o.row(&[e1, e2, &l.row_label, g1, g2, gov_name(g)], r, &keys)
                        }
                        RowKind::Unit => o.row(
                            &[
                                l.row_unit_code.as_deref().unwrap_or(""),
                                "",
                                &l.row_label,
                                "",
                                "",
                                "",
                            ],
                            r,
                            &keys,
                        ),
                        _ => o.row(&["", "", &l.row_label, "", "", ""], r, &keys),
                    }
                }
            }
            TableKind::ThreePublic => {
                o.line("\"三公\"经费合计\t因公出国(境)费\t公务用车购置及运行费小计\t公务用车购置费\t公务用车运行费\t公务接待费");
                let keys = keys(&THREE_PUBLIC);
                for r in &rows {
                    o.row(&[], r, &keys);
                }
            }
            TableKind::OperatingCost => {
                o.line("单位代码\t单位(科目名称)\t项目类别\t合计\t一般公共预算资金小计\t财政拨款");
                for r in &rows {
                    let l = r.first;
                    let code = match l.row_kind {
                        RowKind::Econ => l.econ_code.as_deref().unwrap_or(""),
                        RowKind::Unit => l.row_unit_code.as_deref().unwrap_or(""),
                        _ => "",
                    };
                    let cat = l.row_category.as_deref().unwrap_or("");
                    let label = if l.row_kind == RowKind::Total {
                        ""
                    } else {
                        &l.row_label
                    };
                    let cat = if l.row_kind == RowKind::Total {
                        "合计"
                    } else {
                        cat
                    };
                    o.row(&[code, label, cat], r, &["total", "gpb", "gpb.fiscal"]);
                }
            }
            TableKind::ProjectExpenditure => {
                o.line("类型\t项目名称\t项目单位\t合计\t本年拨款一般公共预算\t政府性基金预算\t国有资本经营预算\t财政拨款结转结余一般公共预算\t政府性基金预算\t国有资本经营预算\t财政专户管理资金\t单位资金");
                let keys = keys(&PROJECT_EXPENDITURE);
                for r in &rows {
                    let l = r.first;
                    match l.row_kind {
                        RowKind::Project => o.row(
                            &[l.row_category.as_deref().unwrap_or(""), &l.row_label, unit],
                            r,
                            &keys,
                        ),
                        RowKind::Unit => o.row(
                            &["", l.row_unit_code.as_deref().unwrap_or(""), &l.row_label],
                            r,
                            &keys,
                        ),
                        _ => o.row(&["", "", ""], r, &keys),
                    }
                }
            }
            TableKind::PerformanceTargets => {
                o.line("单位编码(项目编码)\t项目单位(项目名称)\t资金总额\t政府预算资金\t财政专户管理资金\t单位资金\t成本指标三级指标\t指标值\t产出指标三级指标\t指标值\t效益指标三级指标\t指标值\t满意度指标三级指标\t指标值");
                let keys = keys(&PERFORMANCE_FUNDS);
                for r in &rows {
                    let l = r.first;
                    match l.row_kind {
                        RowKind::Project => {
                            let code = l.project_code.as_deref().unwrap_or("");
                            let mut cells: Vec<String> =
                                vec![code.to_string(), l.row_label.clone()];
                            for k in &keys {
                                cells.push(r.cells.get(k).map_or(String::new(), |t| t.to_string()));
                            }
                            for level in ["成本指标", "产出指标", "效益指标", "满意度指标"]
                            {
                                match p.indicators.iter().find(|i| {
                                    i.project_code.as_deref() == Some(code) && i.level1 == level
                                }) {
                                    Some(i) => {
                                        cells.push(i.level3.clone());
                                        cells.push(i.target_text.clone());
                                    }
                                    None => cells.extend([String::new(), String::new()]),
                                }
                            }
                            o.line(&cells.join("\t"));
                        }
                        _ => o.row(
                            &[l.row_unit_code.as_deref().unwrap_or(""), &l.row_label],
                            r,
                            &keys,
                        ),
                    }
                }
            }
            TableKind::Procurement => {}
        }
        if let Some(note) = &t.note {
            o.line("");
            o.line(note);
        }
        o.line("");
    }
    o
}

fn gov_name(code: &str) -> &'static str {
    if code.is_empty() {
        ""
    } else {
        crate::model::reference::class_name(code, None).unwrap_or("")
    }
}

/// 收支预算表 / 财政拨款收支预算表: income lines left, spending right, side by side.
fn two_sided(o: &mut Out, kind: TableKind, rows: &[Row]) {
    let fiscal = kind == TableKind::FiscalSummary;
    if fiscal {
        o.line("收入\t\t支出");
        o.line(
            "项目\t金额\t项目\t合计\t一般公共预算小计\t其中:财政拨款\t政府性基金\t国有资本经营预算",
        );
    } else {
        o.line("收入\t\t支出");
        o.line("项目\t金额\t项目\t金额");
    }
    let right_keys: &[&str] = if fiscal {
        &["total", "gpb", "gpb_fiscal", "gov_fund", "soe"]
    } else {
        &["amount"]
    };
    // Pair rows sharing a row number.
    let mut by_no: BTreeMap<i32, (Option<&Row>, Option<&Row>)> = BTreeMap::new();
    for r in rows {
        let e = by_no.entry(r.first.row_no).or_default();
        if r.first.flow == Some("income") {
            e.0 = Some(r);
        } else {
            e.1 = Some(r);
        }
    }
    for (left, right) in by_no.values() {
        let mut line = String::new();
        match left {
            Some(r) => {
                let _ = write!(
                    line,
                    "{}\t{}",
                    r.first.row_label,
                    r.cells.get("amount").copied().unwrap_or("")
                );
            }
            None => line.push('\t'),
        }
        if let Some(r) = right {
            let _ = write!(line, "\t{}", r.first.row_label);
            for k in right_keys {
                let _ = write!(line, "\t{}", r.cells.get(k).copied().unwrap_or(""));
            }
        }
        o.line(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::budget::{Budget, District, district_units};

    #[test]
    fn long_names_wrap_every_way_only_when_damaged() {
        let d = District::new(0);
        let mut wrapped = [0; 3];
        for unit in district_units(3, &d, 10) {
            let budget = Budget::generate(&d, &unit, 2024);
            let previous = Budget::generate(&d, &unit, 2023);
            let doc = crate::synth::document::document(3, &d, &unit, &budget, &previous);
            assert_eq!(render_out(&doc, false).wrapped, [0; 3]);
            let out = render_out(&doc, true);
            for (all, n) in wrapped.iter_mut().zip(out.wrapped) {
                *all += n;
            }
        }
        assert!(wrapped.iter().all(|&n| n > 5), "{wrapped:?}");
    }

    #[test]
    fn names_split_between_characters_not_into_codes_or_totals() {
        assert_eq!(split_name("行政运行", 0), None);
        assert_eq!(
            split_name("机关事业单位基本养老保险缴费", 0),
            Some(("机关事业单位", "基本养老保险缴费"))
        );
        assert_eq!(
            split_name("机关事业单位基本养老保险缴费", 2).unwrap().0,
            "机关事业单位基本"
        );
        assert_eq!(split_name("123456789012", 0), None);
        assert_eq!(split_name("一二三四五六七合计", 1), None);
        assert!(split_name("一二三四五六七合计", 0).is_some());
    }
}
