//! Disclosure PDFs: the document structure rebuilt from the text layer's geometry.
//!
//! Owns finding titles (large-font lines naming a standard table), table extents (to the
//! next title or heading, over pages), header bands and their leaf columns, the meaning of
//! each column read from its header text, and the placement of every span under the column
//! its x-position falls in. The rows themselves are read by `ingest::table`, as for text.
//! See `docs/pdf.md`.

use std::path::Path;

use super::amount::MoneyUnit;
use super::cells::{TableLine, compact};
use super::layout::{Columns, SIDE_AMOUNT};
use super::pdf::{Line, Page, Span, median, page_lines, read_pages};
use super::place::Constraint;
use super::table::{Outputs, RawTable, read_table, verify};
use super::{Ctx, Overrides, narrative};
use crate::error::{Error, Result};
use crate::model::{
    ColumnMeaning, DocumentMeta, ParsedDocument, Scope, SourceTable, TableKind, TableStatus,
};

/// A line of the document with its 1-based position (as `yusuan pdf-lines --numbered`).
#[derive(Debug, Clone)]
struct DocLine {
    no: usize,
    line: Line,
    /// A running header or footer (the same text in a page margin on several pages).
    running: bool,
}

impl DocLine {
    fn compact(&self) -> String {
        self.line.compact()
    }
}

fn has_leaders(text: &str) -> bool {
    text.contains('…') || text.contains("....") || text.contains("···")
}

/// True for spans that read as amounts (`31,214,205.80`, `0.95`, `-`).
fn is_amount(text: &str) -> bool {
    let t = text.trim();
    t == "-"
        || (t.chars().any(|c| c.is_ascii_digit())
            && t.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-'))
            && (t.contains('.') || t.contains(',') || t.len() >= 4 || t == "0"))
}

fn is_total_label(text: &str) -> bool {
    matches!(compact(text).as_str(), "合计" | "总计")
}

/// A leaf header cell: the bottom of a header column, with the text stacked above it
/// that belongs to the same cell.
#[derive(Debug, Clone)]
struct Leaf {
    x0: f64,
    x1: f64,
    text: String,
}

impl Leaf {
    fn centre(&self) -> f64 {
        (self.x0 + self.x1) / 2.0
    }
}

/// Rebuilds leaf header cells from the header band: a span continues the span below it
/// when it is the only one above it, close (one line apart) and overlapping; otherwise a
/// span with spans below it is a group header and not a column.
fn leaves(band: &[&Line]) -> Vec<Leaf> {
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
fn qualify_subtotals(mut leaves: Vec<Leaf>, header: &[&Line]) -> Vec<Leaf> {
    for leaf in leaves.iter_mut().filter(|l| l.text == "小计") {
        let Some(line) = header.iter().find(|l| {
            l.spans
                .iter()
                .any(|s| compact(&s.text) == "小计" && s.x0 < leaf.x1 && leaf.x0 < s.x1)
        }) else {
            continue;
        };
        let centre = leaf.centre();
        let group = header
            .iter()
            .filter(|l| l.y > line.y + 0.5 && l.y <= line.y + 4.0 * line.size.max(l.size))
            .flat_map(|l| l.spans.iter())
            .filter(|s| {
                let t = compact(&s.text);
                !t.contains("小计") && !is_label_leaf(&t) && (s.x0 + s.x1) / 2.0 >= leaf.x0
            })
            .min_by(|a, b| {
                let d = |s: &Span| ((s.x0 + s.x1) / 2.0 - centre).abs();
                d(a).total_cmp(&d(b))
            });
        if let Some(g) = group {
            leaf.text = format!("{}小计", compact(&g.text));
        }
    }
    leaves
}

/// The column a span falls in: the leaf whose centre is nearest the span's centre.
fn leaf_of(leaves: &[Leaf], span: &Span) -> usize {
    let c = (span.x0 + span.x1) / 2.0;
    (0..leaves.len())
        .min_by(|&a, &b| {
            (leaves[a].centre() - c)
                .abs()
                .total_cmp(&(leaves[b].centre() - c).abs())
        })
        .unwrap_or(0)
}

fn is_label_leaf(text: &str) -> bool {
    text.contains("名称") || text == "项目" || text.ends_with("项目") && text.len() <= 12
}

fn is_code_leaf(text: &str) -> bool {
    matches!(text, "类" | "款" | "项" | "编码" | "代码")
        || text.ends_with("编码")
        || text.ends_with("代码")
}

/// What an amount column means, read from its header text.
fn meaning(kind: TableKind, text: &str) -> Option<ColumnMeaning> {
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
        } else if t.contains("合计") || t.contains("总计") {
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
    } else if t.contains("人员经费") || t == "人员支出" {
        ColumnMeaning {
            expense_kind: Some("basic"),
            cost_kind: Some("personnel"),
            ..m("personnel", "人员经费")
        }
    } else if t.contains("公用经费") || matches!(t, "公用支出" | "日常公用支出") {
        ColumnMeaning {
            expense_kind: Some("basic"),
            cost_kind: Some("public"),
            ..m("public", "公用经费")
        }
    } else if t.contains("财政拨款") {
        fund("fiscal", "财政拨款收入", "fiscal")
    } else if t.contains("一般公共预算") {
        fund("gpb", "一般公共预算", "gpb")
    } else if t.contains("政府性基金") {
        fund("gov_fund", "政府性基金预算", "gov_fund")
    } else if t.contains("国有资本经营") {
        fund("soe", "国有资本经营预算", "soe")
    } else if t.contains("事业单位经营") {
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
fn is_amount_header(t: &str) -> bool {
    let t = t
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches("年度")
        .trim_start_matches('年')
        .trim_start_matches("本年");
    matches!(t, "预算数" | "金额" | "预算" | "预算金额")
}

/// The arithmetic among a table's columns, from their meanings.
fn constraints(cols: &[ColumnMeaning]) -> Vec<Constraint> {
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
    sum(
        at("total"),
        vec![
            at("basic"),
            at("project"),
            at("reserve"),
            at("carryover_next"),
            at("operating_expenditure"),
            at("remit_superior"),
            at("subsidy_subsidiary"),
        ],
    );
    // 人员经费 and 公用经费 make up 基本支出: its own column where the table prints one
    // (基本支出 小计 | 人员经费 | 公用经费), else the table's total.
    sum(
        at("basic").or(at("total")),
        vec![at("personnel"), at("public")],
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

/// The lines of a PDF and where its tables are.
struct Structure {
    pages: Vec<Page>,
    lines: Vec<DocLine>,
    body_size: f64,
    titles: Vec<(usize, TableKind)>,
}

impl Structure {
    fn is_heading(&self, l: &DocLine) -> bool {
        l.line.size >= self.body_size * 1.2 && !has_leaders(&l.compact())
    }

    /// The lines of table `n` (after its title).
    fn block(&self, n: usize) -> (usize, usize) {
        let end = table_end(&self.lines, &self.titles, n, &|l| self.is_heading(l));
        (self.titles[n].0, end)
    }
}

/// Marks running headers and footers: a line of text (no amounts, at least six
/// characters) printed in the top or bottom tenth of at least three pages
/// (`苏州市数据局2026年度部门预算公开` on every page). They belong to no table.
fn mark_running_lines(lines: &mut [DocLine], pages: &[Page]) {
    let in_margin = |l: &DocLine| {
        pages
            .iter()
            .find(|p| p.number == l.line.page)
            .is_some_and(|p| l.line.y <= 0.1 * p.height || l.line.y >= 0.9 * p.height)
    };
    let candidate = |l: &DocLine| {
        let c = l.compact();
        c.chars().count() >= 6 && !l.line.spans.iter().any(|s| is_amount(&s.text)) && in_margin(l)
    };
    let mut pages_of: std::collections::HashMap<String, std::collections::BTreeSet<u32>> =
        std::collections::HashMap::new();
    for l in lines.iter().filter(|l| candidate(l)) {
        pages_of.entry(l.compact()).or_default().insert(l.line.page);
    }
    for l in lines.iter_mut() {
        if candidate(l) && pages_of.get(&l.compact()).is_some_and(|p| p.len() >= 3) {
            l.running = true;
        }
    }
}

fn structure(path: &Path, bytes: &[u8]) -> Result<Structure> {
    let pages = read_pages(path, bytes)?;
    let mut lines: Vec<DocLine> = Vec::new();
    for page in &pages {
        for line in page_lines(page) {
            lines.push(DocLine {
                no: lines.len() + 1,
                line,
                running: false,
            });
        }
    }
    mark_running_lines(&mut lines, &pages);
    let body_size = median(lines.iter().map(|l| l.line.size).collect());
    join_wrapped_titles(&mut lines, body_size);
    // Table titles: a line that is nothing but a table's name (not a contents entry with
    // leaders, not a sentence citing the table), confirmed by what follows it: the
    // table's unit or its 编制部门 line.
    let confirmed = |i: usize| {
        // (A title printed at the foot of a page is confirmed by the next page's top.)
        let page = lines[i].line.page;
        let last_on_page = lines.get(i + 1).is_none_or(|n| n.line.page != page);
        lines[i + 1..]
            .iter()
            .take(5)
            .take_while(|l| l.line.page == page || last_on_page && l.line.page == page + 1)
            // (Another table's title ends the search: a contents entry is not confirmed by
            // the table after it.)
            .take_while(|l| {
                TableKind::from_title(&crate::model::classification::strip_enumerator(
                    &l.compact(),
                ))
                .is_none()
            })
            .any(|l| {
                let c = l.compact();
                MoneyUnit::from_statement(&c).is_some()
                    || ["编制部门", "编制单位", "部门名称", "部门：", "单位名称"]
                        .iter()
                        .any(|p| c.starts_with(p))
            })
    };
    let titles: Vec<(usize, TableKind)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let c = crate::model::classification::strip_enumerator(&l.compact());
            // Printed at least as large as the body, or larger than the table under it
            // (documents whose narrative is set larger than their tables).
            let large = l.line.size >= body_size * 0.95
                || lines
                    .get(i + 1)
                    .is_some_and(|n| l.line.size > n.line.size * 1.03);
            if !is_title_like(&c) || !large || !confirmed(i) {
                return None;
            }
            TableKind::from_title(&c).map(|k| (i, k))
        })
        .collect();
    // A title repeated at the top of the next page continues the same table.
    let mut titles = titles;
    titles.dedup_by(|next, prev| {
        lines[next.0].compact() == lines[prev.0].compact()
            && lines[next.0].line.page == lines[prev.0].line.page + 1
    });
    Ok(Structure {
        pages,
        lines,
        body_size,
        titles,
    })
}

/// The tables of a PDF as read, before their rows are interpreted: for `yusuan pdf-lines
/// --tables`, which shows why a table was or was not understood.
pub fn raw_tables(path: &Path, bytes: &[u8]) -> Result<Vec<RawTable>> {
    let st = structure(path, bytes)?;
    let mut ctx = Ctx::default();
    let mut names = Vec::new();
    Ok((0..st.titles.len())
        .map(|n| {
            let (start, end) = st.block(n);
            let block: Vec<&DocLine> = st.lines[start + 1..end].iter().collect();
            read_block(
                &mut ctx,
                st.titles[n].1,
                &st.lines[start].compact(),
                st.lines[start].no,
                n as i32 + 1,
                &block,
                &st.pages,
                &mut names,
            )
        })
        .collect())
}

/// Reads a disclosure PDF.
pub fn parse_pdf(path: &Path, bytes: &[u8], overrides: &Overrides) -> Result<ParsedDocument> {
    let st = structure(path, bytes)?;
    let Structure {
        ref pages,
        ref lines,
        ref titles,
        ..
    } = st;
    let is_heading = |l: &DocLine| st.is_heading(l);
    let not = |reason: String| Error::NotADisclosure {
        path: path.to_path_buf(),
        reason,
    };
    let cover: String = lines
        .iter()
        .filter(|l| l.line.page == pages[0].number)
        .map(|l| l.compact())
        .collect::<Vec<_>>()
        .join("\n");
    // A PDF without tables may be the 文件 half of a unit-year (its narrative), published
    // beside a 表格 PDF: it is read for its facts and stored with its tables' document.
    if titles.is_empty() && !(cover.contains("预算") || cover.contains("决算")) {
        return Err(not(
            "not a budget disclosure: the first page names no 预算/决算 and no disclosure table was found".into(),
        ));
    }
    let mut ctx = Ctx::default();
    let mut out = Outputs::default();
    let mut tables: Vec<SourceTable> = Vec::new();
    let mut unit_names: Vec<String> = Vec::new();
    let mut in_table = vec![false; lines.len()];
    let mut doc_unit: Option<MoneyUnit> = None;
    // Every table is read and verified on its own: a verified table's amounts are
    // stored; an unverified or unread one is recorded with its reason and its amounts
    // are left out, so that no figure is taken from a table that does not add up.
    for (n, &(start, kind)) in titles.iter().enumerate() {
        let (_, end) = st.block(n);
        for flag in &mut in_table[start..end] {
            *flag = true;
        }
        let block: Vec<&DocLine> = lines[start + 1..end].iter().collect();
        let title = lines[start].compact();
        let mut table_ctx = Ctx::default();
        let mut table_out = Outputs::default();
        let raw = read_block(
            &mut table_ctx,
            kind,
            &title,
            lines[start].no,
            tables.len() as i32 + 1,
            &block,
            pages,
            &mut unit_names,
        );
        let mut table = read_table(&mut table_ctx, &raw, &mut table_out);
        table.page = Some(lines[start].line.page as i32);
        verify(&mut table, &table_ctx.warnings, &table_out.items);
        if table.status.is_trusted() {
            if doc_unit.is_none() && !raw.unit_inferred {
                doc_unit = Some(raw.unit);
            }
            out.extend(table_out);
        } else {
            table.amount_count = 0;
            table_ctx.warn(
                lines[start].no,
                Some(kind),
                if table.status == TableStatus::Unread {
                    "table_unread"
                } else {
                    "table_unverified"
                },
                format!(
                    "{} (page {}) is {}; its amounts are not stored: {}",
                    kind.label(),
                    lines[start].line.page,
                    table.status.as_str(),
                    table.status_reason.as_deref().unwrap_or_default()
                ),
                &title,
            );
        }
        ctx.warnings.append(&mut table_ctx.warnings);
        tables.push(table);
    }
    // A document is ingested when at least one of its core tables verifies; with none,
    // nothing it states could be trusted.
    if !tables.is_empty()
        && !tables
            .iter()
            .any(|t| t.table_kind.is_core() && t.status == TableStatus::Verified)
    {
        let reasons: Vec<String> = tables
            .iter()
            .filter(|t| t.table_kind.is_core())
            .map(|t| {
                format!(
                    "{} (page {}): {}",
                    t.table_kind.label(),
                    t.page.unwrap_or_default(),
                    t.status_reason.as_deref().unwrap_or("not verified")
                )
            })
            .take(4)
            .collect();
        return Err(not(format!(
            "none of its core tables (收支总表, 收入表, 支出表, 财政拨款收支总表, 一般公共预算支出表) could be verified{}{}",
            if reasons.is_empty() { "" } else { ": " },
            reasons.join("; ")
        )));
    }

    // Metadata.
    // The cover's title: its largest lines (a title may wrap: 2018年度江苏省高级 /
    // 人民法院预算公开).
    let cover_size = lines
        .iter()
        .filter(|l| l.line.page == pages[0].number)
        .map(|l| l.line.size)
        .fold(0.0, f64::max);
    let title: String = lines
        .iter()
        .filter(|l| l.line.page == pages[0].number && l.line.size >= cover_size * 0.98)
        .map(|l| l.compact())
        .collect();
    let all_titles: Vec<String> = titles.iter().map(|(i, _)| lines[*i].compact()).collect();
    let kind = super::document_kind(&title, &all_titles);
    let year = match overrides.year {
        Some(y) => y,
        None => super::first_year(
            std::iter::once(title.as_str())
                .chain(all_titles.iter().map(String::as_str))
                .chain(std::iter::once(cover.as_str())),
        )
        .ok_or_else(|| {
            not("no year (such as 2024年) on the cover or in any table title; pass --year".into())
        })?,
    };
    for l in lines.iter().filter(|l| l.line.page == pages[0].number) {
        let c = l.compact();
        for key in [
            "预算主管部门：",
            "预算主管部门:",
            "主管部门：",
            "部门名称：",
            "单位名称：",
        ] {
            if let Some(name) = name_after(&c, key) {
                unit_names.insert(0, name.clone());
                unit_names.insert(0, name);
            }
        }
    }
    if unit_names.is_empty() {
        // No 部门： line: the unit named in the tables' titles
        // (二、2018年度江苏省高级人民法院收入预算总表), else on the cover
        // (江苏省委办公厅2017年度部门预算).
        unit_names.extend(all_titles.iter().filter_map(|t| unit_in_title(t)));
        if unit_names.is_empty() {
            unit_names.extend(unit_on_cover(&title));
        }
    }
    let unit_name = super::most_common(&unit_names).unwrap_or_else(|| title.clone());
    let scope = if title.contains("单位预算") && !title.contains("部门") {
        Scope::Unit
    } else {
        Scope::Department
    };
    let (region, region_code) = match &overrides.region {
        Some(r) => (Some(r.clone()), None),
        None => super::division_prefix(&title)
            .or_else(|| super::division_prefix(without_year(&title)))
            .or_else(|| super::division_prefix(&unit_name))
            // 江苏省2018年度 / 省级部门预算公开报表 on the cover.
            .or_else(|| cover.lines().find_map(super::division_prefix))
            // 中共江苏省委办公厅: the division inside a party or people's body's name.
            .or_else(|| {
                ["中共", "中国共产党"]
                    .iter()
                    .find_map(|p| unit_name.strip_prefix(p))
                    .and_then(super::division_prefix)
            })
            .map_or((None, None), |(code, name)| {
                (Some(name.to_string()), Some(code.to_string()))
            }),
    };
    let narrative_lines: Vec<(usize, String)> = lines
        .iter()
        .filter(|l| !in_table[l.no - 1] && l.line.page != pages[0].number)
        .map(|l| {
            let text = l.line.text();
            if is_heading(l) || looks_like_section(&l.compact()) {
                (l.no, format!("### {text}"))
            } else {
                (l.no, text)
            }
        })
        .collect();
    let refs: Vec<(usize, &str)> = narrative_lines
        .iter()
        .map(|(n, t)| (*n, t.as_str()))
        .collect();
    let facts = narrative::extract_facts(&refs);
    if titles.is_empty() && facts.is_empty() {
        return Err(not(
            "no disclosure table found in the PDF (expected titles such as 收支预算总表, 支出预算总表) and no budget figures in its text".into(),
        ));
    }
    let unit_code = out.unit_code();
    Ok(out.into_document(
        DocumentMeta {
            title,
            kind,
            scope,
            year,
            region,
            region_code,
            unit_name,
            unit_name_printed: String::new(),
            unit_code,
            amount_unit: doc_unit.unwrap_or(MoneyUnit::Yuan).label(),
        },
        tables,
        facts,
        ctx.warnings,
    ))
}

/// The name a line gives after `key`: `部门：江苏省人民检察院  单位：万元` (the name in the
/// label's span or the next; the unit statement after it is not part of it).
fn name_after(line: &str, key: &str) -> Option<String> {
    let rest = line.strip_prefix(key)?;
    let name = ["单位：", "单位:"]
        .iter()
        .filter_map(|u| rest.find(u))
        .min()
        .map_or(rest, |end| &rest[..end]);
    (!name.is_empty()).then(|| name.to_string())
}

/// `2018年度江苏省…` without its leading year.
fn without_year(text: &str) -> &str {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if digits != 4 {
        return text;
    }
    let rest = &text[4..];
    rest.strip_prefix("年度")
        .or_else(|| rest.strip_prefix('年'))
        .unwrap_or(text)
}

/// The unit a table title names before the table's own name:
/// `五、2017年度江苏省高级人民法院部门财政拨款支出预算表` → 江苏省高级人民法院.
fn unit_in_title(title: &str) -> Option<String> {
    let t = crate::model::classification::strip_enumerator(title);
    let t = without_year(&t);
    let start = [
        "收支",
        "收入",
        "支出",
        "财政拨款",
        "一般公共预算",
        "政府性基金",
        "“三公”",
        "\"三公\"",
        "政府采购",
    ]
    .iter()
    .filter_map(|w| t.find(w))
    .min()?;
    let name = t[..start].trim_end_matches("部门");
    (name.chars().count() >= 4).then(|| name.to_string())
}

/// The unit a cover's title names beside the year: `江苏省委办公厅2017年度部门预算`,
/// `2018年度江苏省高级人民法院预算公开` → the name.
fn unit_on_cover(title: &str) -> Option<String> {
    let year_at = title
        .char_indices()
        .find(|(i, _)| {
            title[*i..].len() >= 5
                && title[*i..].chars().take(4).all(|c| c.is_ascii_digit())
                && title[*i..].chars().nth(4) == Some('年')
        })
        .map(|(i, _)| i)?;
    let name = if year_at > 0 {
        &title[..year_at]
    } else {
        let rest = without_year(title);
        ["部门预算", "单位预算", "预算"]
            .iter()
            .find_map(|w| rest.find(w))
            .map_or(rest, |end| &rest[..end])
    };
    (name.chars().count() >= 4).then(|| name.to_string())
}

/// Where the table whose title is `titles[n]` ends: at the next title, at a larger
/// heading, or where a page begins with prose (the narrative resuming after the tables).
fn table_end(
    lines: &[DocLine],
    titles: &[(usize, TableKind)],
    n: usize,
    is_heading: &dyn Fn(&DocLine) -> bool,
) -> usize {
    let start = titles[n].0;
    let next_title = titles.get(n + 1).map_or(lines.len(), |t| t.0);
    (start + 1..next_title)
        .find(|&i| {
            // (A title's second line, joined into the title, is empty and ends nothing.)
            !lines[i].line.spans.is_empty()
                && (lines[i].line.size > lines[start].line.size * 1.05
                    || (lines[i].line.page != lines[i - 1].line.page
                        && is_prose(&lines[i].compact()))
                    || (is_heading(&lines[i])
                        && TableKind::from_title(&lines[i].compact()).is_none()
                        && lines[i].line.page != lines[start].line.page))
        })
        .unwrap_or(next_title)
}

/// A title printed over two lines (`公开09表：一般公共预算"三公"经费、会议费、培训费` /
/// `支出预算表`) is moved onto its first line; the second is left without spans (and so
/// keeps the numbering of `yusuan pdf-lines`).
fn join_wrapped_titles(lines: &mut [DocLine], body_size: f64) {
    for i in 0..lines.len().saturating_sub(1) {
        let (a, b) = (&lines[i], &lines[i + 1]);
        let large = |l: &DocLine| l.line.size >= body_size * 0.95;
        let first = crate::model::classification::strip_enumerator(&a.compact());
        let joined = format!("{first}{}", b.compact());
        if large(a)
            && large(b)
            && a.line.page == b.line.page
            && (a.line.size - b.line.size).abs() <= 0.1 * a.line.size
            && a.line.y - b.line.y <= 2.5 * a.line.size
            && !first.ends_with('表')
            && TableKind::from_title(&first).is_none()
            && is_title_like(&joined)
            && TableKind::from_title(&joined).is_some()
        {
            let spans = std::mem::take(&mut lines[i + 1].line.spans);
            lines[i].line.spans.extend(spans);
        }
    }
}

/// Rows whose cells wrap over several lines, the amounts printed on the middle one
/// (unruled tables: 政府采购 items, 收入 sources): a text-only line belongs to the
/// nearest line with amounts when the lines between them are closer than 0.6 × the
/// table's row pitch (1.7 × the font size when no two rows are single lines). The merged row keeps the amount line's number; fragments that
/// overlap horizontally are one cell, read top to bottom.
fn join_wrapped_cells(data: &[&DocLine]) -> Vec<DocLine> {
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
fn stack_cells(members: &[&DocLine], anchor: &DocLine) -> DocLine {
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
            let touches = |c: &Span| {
                let gap = if words(&c.text) { gap } else { 0.5 };
                c.x0 < s.x1 + gap && s.x0 < c.x1 + gap
            };
            match cells
                .iter_mut()
                .find(|c| touches(c) && !is_amount(&s.text) && !is_amount(&c.text))
            {
                Some(c) => {
                    c.text.push_str(&s.text);
                    c.x0 = c.x0.min(s.x0);
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

/// The leaf columns of the Jiangsu "三公"经费、会议费、培训费 table, left to right.
const JIANGSU_THREE_PUBLIC: &[&str] = &[
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

/// A table's number printed above the next table's title (`公开11表`, `表十一`, `附表3`).
fn is_table_number(c: &str) -> bool {
    let numeral = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|ch| ch.is_ascii_digit() || "一二三四五六七八九十".contains(ch))
    };
    c.strip_prefix("公开")
        .or_else(|| c.strip_prefix("附"))
        .unwrap_or(c)
        .strip_suffix('表')
        .is_some_and(numeral)
        || c.strip_prefix('表').is_some_and(numeral)
}

/// A header's column-number row (栏次): `** 1 2 3 …`, `栏次 1 2 3`, `A B 1 2` — each span
/// a marker (`*`, `**`, a letter, 栏次) or a small number, and the numbers counting up
/// from 1 with none left out. It names no column and is neither header nor data.
fn is_column_numbers(line: &Line) -> bool {
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

/// A line saying that the table is empty (`此表为空`, `本表为空表`, `故本表无数据`,
/// `（无政府性基金支出）`).
fn says_empty(c: &str) -> bool {
    ["为空", "无数据", "无相关收支", "无此项"]
        .iter()
        .any(|p| c.contains(p))
        // (无政府性基金支出）
        || c.trim_start_matches(['(', '（']).starts_with('无')
}

/// A page number printed at the foot of a page inside a table's block (`15`, `- 15 -`,
/// `第15页`): the last line of its page, in the bottom margin, nothing but the number.
fn is_page_number(line: &DocLine, next: Option<&DocLine>, page_height: f64) -> bool {
    let last_on_page = next.is_none_or(|n| n.line.page != line.line.page);
    let in_margin = line.line.y <= 0.12 * page_height;
    let c = line.compact();
    let digits = c
        .trim_matches(|ch: char| matches!(ch, '-' | '—' | '第' | '页'))
        .to_string();
    // (`- 21 -` may come as three spans.)
    last_on_page
        && in_margin
        && line.line.spans.iter().all(|s| {
            s.text
                .trim()
                .chars()
                .all(|ch| ch.is_ascii_digit() || matches!(ch, '-' | '—' | '第' | '页'))
        })
        && (1..=3).contains(&digits.len())
        && digits.chars().all(|ch| ch.is_ascii_digit())
}

/// Header words printed letter-spaced (`金    额`, `合  计`) joined back into one span.
fn join_spaced_words(line: &Line) -> Line {
    const WORDS: &[&str] = &[
        "金额", "合计", "总计", "小计", "项目", "科目", "名称", "单位",
    ];
    let mut spans: Vec<Span> = Vec::with_capacity(line.spans.len());
    for s in &line.spans {
        if let Some(prev) = spans.last_mut()
            && prev.text.chars().count() == 1
            && s.text.chars().count() == 1
            && s.x0 - prev.x1 <= 4.0 * line.size
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

/// A line that could be a table title: short, no sentence punctuation, no enumerator of
/// a contents entry (`一、收支预算总表`), no dot leaders.
fn is_title_like(c: &str) -> bool {
    let n = c.chars().count();
    let enumerated = {
        let first = c.chars().next().unwrap_or(' ');
        "一二三四五六七八九十".contains(first) && c.chars().take(4).any(|ch| ch == '、')
            || first.is_ascii_digit() && c.chars().take(3).any(|ch| matches!(ch, '.' | '．' | '、'))
            || first == '（'
            || first == '('
    };
    let reference = ["详见", "见", "参见", "附"]
        .iter()
        .any(|p| c.starts_with(p));
    (4..=50).contains(&n)
        && !enumerated
        && !reference
        && !has_leaders(c)
        && !c.contains(['，', '。', '；', '《', ','])
}

/// A line of running text (a sentence), not a table cell.
fn is_prose(c: &str) -> bool {
    c.chars().count() >= 12
        && c.contains(['，', '。', '；'])
        && !c.starts_with('注')
        && !c.starts_with("说明")
}

/// `一、…`, `（三）…` headings of the narrative, printed in the body size.
fn looks_like_section(c: &str) -> bool {
    let numerals = "一二三四五六七八九十";
    let mut chars = c.chars();
    let first = chars.next().unwrap_or(' ');
    let second = chars.next().unwrap_or(' ');
    c.chars().count() <= 30
        && !c.contains('。')
        && ((numerals.contains(first) && second == '、')
            || ((first == '（' || first == '(') && numerals.contains(second)))
}

/// A ruled table read from its grid: leaf columns with their header text, and each data
/// row's cell texts at the leaf columns' positions.
#[derive(Debug)]
struct Grid {
    leaves: Vec<Leaf>,
    rows: Vec<(usize, Vec<String>)>,
}

fn cluster(mut v: Vec<f64>, tolerance: f64) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    let mut out: Vec<f64> = Vec::new();
    for x in v {
        match out.last() {
            Some(&last) if x - last <= tolerance => {}
            _ => out.push(x),
        }
    }
    out
}

/// One band between two horizontal rules: its cells (between the vertical rules crossing
/// it) with the text inside each.
struct Band {
    top_line: usize,
    cells: Vec<(f64, f64, String)>,
    /// Per cell: no rule above it, so it continues the cell above (a merged cell).
    open_top: Vec<bool>,
    has_amount: bool,
}

/// The bands of one page's part of a table.
fn bands(page: &Page, lines: &[&DocLine]) -> Vec<Band> {
    let (Some(top), Some(bottom)) = (
        lines
            .iter()
            .map(|l| l.line.y + l.line.size)
            .reduce(f64::max),
        lines.iter().map(|l| l.line.y).reduce(f64::min),
    ) else {
        return vec![];
    };
    let size = median(lines.iter().map(|l| l.line.size).collect()).max(6.0);
    let mut hs = cluster(
        page.rules
            .iter()
            .filter(|r| {
                r.is_horizontal() && r.y0 <= top + 1.5 * size && r.y0 >= bottom - 2.5 * size
            })
            .map(|r| r.y0)
            .collect(),
        1.0,
    );
    // A table continued on this page may start without a rule above its first row (or end
    // without one below its last): the text's own edge closes that band.
    let mut open_edge = None;
    if hs.len() >= 2 {
        if hs.last().is_some_and(|&h| h < top - size) {
            open_edge = Some(top + 0.5 * size);
            hs.push(top + 0.5 * size);
        }
        if hs.first().is_some_and(|&h| h > bottom + 0.5 * size) {
            hs.insert(0, bottom - 0.5 * size);
        }
    }
    let mut out = Vec::new();
    for w in hs.windows(2).rev() {
        let (lo, hi) = (w[0], w[1]);
        let mid = (lo + hi) / 2.0;
        let xs = cluster(
            page.rules
                .iter()
                .filter(|r| r.is_vertical() && r.y0 <= mid && r.y1 >= mid)
                .map(|r| r.x0)
                .collect(),
            1.5,
        );
        if xs.len() < 2 {
            continue;
        }
        let inside: Vec<&&DocLine> = lines
            .iter()
            .filter(|l| l.line.y > lo && l.line.y < hi)
            .collect();
        let Some(top_line) = inside.first().map(|l| l.no) else {
            continue;
        };
        let mut cells: Vec<(f64, f64, String)> =
            xs.windows(2).map(|c| (c[0], c[1], String::new())).collect();
        let mut has_amount = false;
        for l in &inside {
            for sp in &l.line.spans {
                let c = (sp.x0 + sp.x1) / 2.0;
                if let Some(cell) = cells.iter_mut().find(|(a, b, _)| c >= *a && c <= *b) {
                    cell.2.push_str(&compact(&sp.text));
                    has_amount |= is_amount(&sp.text);
                }
            }
        }
        // (A row at the top of a page does not continue the page before.)
        let at_edge = open_edge.is_some_and(|e| (e - hi).abs() < 0.01);
        let open_top = cells
            .iter()
            .map(|(a, b, _)| {
                let c = (a + b) / 2.0;
                !at_edge
                    && !page.rules.iter().any(|r| {
                        r.is_horizontal() && (r.y0 - hi).abs() <= 1.0 && r.x0 <= c && r.x1 >= c
                    })
            })
            .collect();
        out.push(Band {
            top_line,
            cells,
            open_top,
            has_amount,
        });
    }
    out
}

/// Reads a ruled table: bands of every page; the data band with the most cells defines
/// the columns; header bands (above the first data band) name them.
fn grid_rows(
    block: &[&DocLine],
    pages: &[Page],
    header: &[&Line],
    data: &[&DocLine],
) -> Option<Grid> {
    if data.is_empty() {
        return None;
    }
    let mut all: Vec<Band> = Vec::new();
    let mut page_numbers: Vec<u32> = block.iter().map(|l| l.line.page).collect();
    page_numbers.dedup();
    for n in page_numbers {
        let page = pages.iter().find(|p| p.number == n)?;
        let on_page: Vec<&DocLine> = block
            .iter()
            .copied()
            .filter(|l| {
                l.line.page == n
                    && (data.iter().any(|d| d.no == l.no)
                        || header.iter().any(|h| std::ptr::eq(*h, &l.line)))
            })
            .collect();
        all.extend(bands(page, &on_page));
    }
    // The first data band: amounts, or a 合计 row with no other text (a header naming
    // 合计 among its columns is not one).
    let total_only = |b: &Band| {
        let texts: Vec<&str> = b
            .cells
            .iter()
            .map(|c| c.2.as_str())
            .filter(|t| !t.is_empty())
            .collect();
        texts.len() == 1 && is_total_label(texts[0])
    };
    let first_data = all.iter().position(|b| b.has_amount || total_only(b))?;
    let model = all[first_data..]
        .iter()
        .filter(|b| b.has_amount)
        .max_by_key(|b| b.cells.len())?;
    if model.cells.len() < 2 {
        return None;
    }
    let columns: Vec<(f64, f64)> = model.cells.iter().map(|(a, b, _)| (*a, *b)).collect();
    let column_of = |a: f64, b: f64| {
        let c = (a + b) / 2.0;
        columns.iter().position(|(x0, x1)| c >= *x0 && c <= *x1)
    };
    // Header text of each column: the lowest header band cell over it.
    let mut leaves: Vec<Leaf> = columns
        .iter()
        .map(|(a, b)| Leaf {
            x0: *a,
            x1: *b,
            text: String::new(),
        })
        .collect();
    // A cell with no rule above it continues the one above (因公出 / 国（境） / 费).
    for band in &all[..first_data] {
        for (i, (x0, x1)) in columns.iter().enumerate() {
            let c = (x0 + x1) / 2.0;
            if let Some(k) = band
                .cells
                .iter()
                .position(|(a, b, t)| c >= *a && c <= *b && !t.is_empty())
            {
                let text = &band.cells[k].2;
                if band.open_top[k] && !leaves[i].text.is_empty() {
                    leaves[i].text.push_str(text);
                } else {
                    leaves[i].text = text.clone();
                }
            }
        }
    }
    if leaves.iter().any(|l| l.text.is_empty()) {
        return None;
    }
    let mut rows = Vec::new();
    // (row index, column) of cells that continue the cell above them.
    let mut continued: Vec<(usize, usize)> = Vec::new();
    for band in &all[first_data..] {
        if !band.has_amount && band.cells.iter().all(|c| c.2.is_empty()) {
            continue;
        }
        // A header repeated on a continuation page: every cell equals the header's.
        if band
            .cells
            .iter()
            .filter(|c| !c.2.is_empty())
            .all(|c| leaves.iter().any(|l| l.text == c.2))
            && !band.has_amount
        {
            continue;
        }
        let mut cells = vec![String::new(); columns.len()];
        for (k, (a, b, t)) in band.cells.iter().enumerate() {
            let i = column_of(*a, *b)?;
            if band.open_top.get(k).copied().unwrap_or(false) && !rows.is_empty() {
                continued.push((rows.len(), i));
            }
            cells[i].push_str(t);
        }
        rows.push((band.top_line, cells));
    }
    // A label cell merged over several rows (its text centred in one of them) labels each.
    let mut runs: Vec<(usize, usize, usize)> = Vec::new(); // (column, first row, last row)
    for &(r, c) in &continued {
        match runs
            .iter_mut()
            .find(|(col, _, last)| *col == c && *last + 1 == r)
        {
            Some(run) => run.2 = r,
            None => runs.push((c, r - 1, r)),
        }
    }
    for (c, first, last) in runs {
        let texts: Vec<String> = (first..=last).map(|r| rows[r].1[c].clone()).collect();
        if texts.iter().any(|t| is_amount(t)) {
            continue;
        }
        let joined: String = texts.concat();
        for row in &mut rows[first..=last] {
            row.1[c] = joined.clone();
        }
    }
    Some(Grid { leaves, rows })
}

/// Reads one table's lines: unit, notes, header band (first page), data lines (all pages),
/// each data line rebuilt with its spans at their columns.
#[allow(clippy::too_many_arguments)]
fn read_block(
    ctx: &mut Ctx,
    kind: TableKind,
    title: &str,
    title_no: usize,
    table_no: i32,
    block: &[&DocLine],
    pages: &[Page],
    unit_names: &mut Vec<String>,
) -> RawTable {
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
        }
        for key in [
            "编制部门：",
            "编制部门:",
            "编制单位：",
            "编制单位:",
            "部门：",
            "单位名称：",
        ] {
            if let Some(name) = name_after(&c, key) {
                unit_names.push(name);
            }
        }
        if c.starts_with("编制")
            || c.starts_with("部门：")
            || MoneyUnit::from_statement(&c).is_some() && l.line.spans.len() <= 2
        {
            continue;
        }
        if c.starts_with("注")
            || c.starts_with("说明")
            || c.starts_with("备注")
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
    let grid = grid_rows(&block, pages, &header, &data);
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
        leaves
            .iter()
            .position(|l| is_label_leaf(&l.text))
            .map(|first| {
                (first..leaves.len())
                    .take_while(|&i| is_label_leaf(&leaves[i].text))
                    .last()
                    .unwrap_or(first)
            })
    };
    let two_sided = matches!(
        kind,
        TableKind::IncomeExpenditureSummary | TableKind::FiscalSummary
    );
    let amount_leaves: Vec<usize> = match (two_sided, label_idx) {
        (true, _) => {
            // The right side's columns follow its own 项目 column.
            let second = leaves
                .iter()
                .enumerate()
                .filter(|(_, l)| is_label_leaf(&l.text))
                .nth(1)
                .map(|(i, _)| i);
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
    for &i in &amount_leaves {
        match meaning(kind, &leaves[i].text) {
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
        return raw;
    }
    if let Some(g) = grid {
        for (seq, (no, cells)) in g.rows.into_iter().enumerate() {
            raw.data.push(TableLine::new(no, seq, &cells.join("\t")));
        }
        return raw;
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
        return raw;
    }
    // Rebuild each data line with its spans at their columns.
    let data = join_wrapped_cells(&data);
    for (seq, l) in data.iter().enumerate() {
        let mut cells: Vec<String> = vec![String::new(); leaves.len()];
        for s in &l.line.spans {
            let mut i = leaf_of(&leaves, s);
            // Names are text and sit in the label column (left-aligned, they may start
            // nearer a code column's centre); codes and amounts are placed by position.
            let digits = s
                .text
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-'));
            // (政府采购 tables describe a row in several text columns, each in place.)
            if !digits
                && !two_sided
                && kind != TableKind::Procurement
                && let Some(li) = label_idx
            {
                i = li;
            }
            if !cells[i].is_empty() {
                cells[i].push(' ');
            }
            cells[i].push_str(&s.text);
        }
        let line = cells.join("\t");
        raw.data.push(TableLine::new(l.no, seq, &line));
    }
    raw
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
