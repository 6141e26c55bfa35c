//! The disclosure text format: Markdown-like text extracted from a published PDF, with
//! `#` headings, a narrative (预算说明) and the tables as tab-separated lines.
//!
//! Owns the document structure: finding the title, the narrative, each table by its
//! title, the lines of a table (captions, unit statements, notes, header, data) and the
//! document metadata. Row and amount handling is delegated to `rows`, `summary`,
//! `performance`; facts to `narrative`.

use std::path::Path;

use super::amount::MoneyUnit;
use super::cells::{TableLine, compact};
use super::layout::{
    Columns, EXPENDITURE, FISCAL_RIGHT, PERFORMANCE_FUNDS, SIDE_AMOUNT, code_table_layout,
};
use super::table::{Outputs, RawTable, read_table, verify};
use super::{Ctx, Overrides, confirm, narrative};
use crate::error::{Error, Result};
use crate::model::{ParsedDocument, SourceTable, TableKind};

struct Block {
    kind: TableKind,
    title: String,
    title_line: usize,
    /// (line number, text) of every line up to the next table title.
    lines: Vec<(usize, String)>,
}

fn heading_text(line: &str) -> Option<&str> {
    let t = line.trim();
    t.starts_with('#').then(|| t.trim_start_matches('#').trim())
}

/// A line is a table title when it is a heading (or a short standalone line) naming one
/// of the standard tables.
fn table_title(line: &str) -> Option<(TableKind, String)> {
    let text = match heading_text(line) {
        Some(h) => h,
        None => {
            let t = line.trim();
            let plain = !t.contains('\t')
                && t.chars().count() <= 40
                && !t.starts_with(['-', '*', '(', '（'])
                && !t.contains([':', '：', '，', ',', '。', '、']);
            if !plain {
                return None;
            }
            t
        }
    };
    TableKind::from_title(text).map(|k| (k, text.to_string()))
}

/// Parses a disclosure in the text format.
pub fn parse_text(path: &Path, text: &str, overrides: &Overrides) -> Result<ParsedDocument> {
    let not = |reason: &str| Error::NotADisclosure {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    if text.trim().is_empty() {
        return Err(not("the file is empty"));
    }
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    let (title_line, title) = lines
        .iter()
        .find_map(|(n, l)| {
            heading_text(l)
                .filter(|h| !h.is_empty())
                .map(|h| (*n, h.to_string()))
        })
        .or_else(|| {
            lines
                .iter()
                .find(|(_, l)| !l.trim().is_empty())
                .map(|(n, l)| (*n, l.trim().to_string()))
        })
        .expect("non-empty text has a non-empty line");

    // Table blocks.
    let mut blocks: Vec<Block> = Vec::new();
    for (no, raw) in &lines {
        if let Some((kind, t)) = table_title(raw) {
            blocks.push(Block {
                kind,
                title: t,
                title_line: *no,
                lines: vec![],
            });
        } else if let Some(b) = blocks.last_mut() {
            b.lines.push((*no, raw.to_string()));
        }
    }
    let mentions_budget = title.contains("预算") || title.contains("决算");
    if blocks.is_empty() {
        let title = super::clip(&title, 80);
        return Err(not(&if mentions_budget {
            format!(
                "line {title_line}: '{title}' has no disclosure table (expected titles such as 收支预算表, 支出预算表, 一般公共预算支出预算表)"
            )
        } else {
            format!(
                "not a budget disclosure: the title on line {title_line} ('{title}') names no 预算/决算 and no disclosure table was found"
            )
        }));
    }
    let first_table = blocks[0].title_line;

    let mut ctx = Ctx::default();
    let table_titles: Vec<String> = blocks.iter().map(|b| b.title.clone()).collect();
    // The document's amount unit: the first unit statement anywhere.
    let doc_unit = lines.iter().find_map(|(_, l)| MoneyUnit::from_statement(l));
    let doc_unit = match doc_unit {
        Some(u) => u,
        None if text.contains("万元") => {
            ctx.warn(
                first_table,
                None,
                "unit_assumed",
                "no table states its unit (单位:万元/元); assumed 万元 as the narrative uses"
                    .into(),
                "",
            );
            MoneyUnit::WanYuan
        }
        None => {
            return Err(Error::Parse {
                path: path.to_path_buf(),
                line: first_table,
                reason:
                    "no table states its unit (单位:万元 or 单位:元) and the narrative gives none"
                        .into(),
            });
        }
    };

    let mut tables = Vec::new();
    let mut out = Outputs::default();
    let mut unit_names: Vec<String> = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let table_no = i as i32 + 1;
        let (table, names) = parse_block(&mut ctx, block, table_no, doc_unit, &mut out);
        unit_names.extend(names);
        tables.push(table);
    }
    // Figures stated twice that disagree: both tables keep their amounts (the text format
    // keeps an unverified table's amounts) but are not verified.
    let found = confirm::disagreements(&tables, &out.items);
    for d in &found {
        ctx.warn(d.line, None, "not_confirmed", d.reason.clone(), "");
    }
    confirm::withdraw(&mut tables, &found);
    // Tables announced in the table of contents but missing.
    let found: Vec<TableKind> = blocks.iter().map(|b| b.kind).collect();
    for (no, raw) in lines.iter().take_while(|(n, _)| *n < first_table) {
        let t = raw.trim().trim_start_matches(['-', '*', ' ']);
        if let Some(k) = TableKind::from_title(t)
            && heading_text(raw).is_none()
            && !found.contains(&k)
        {
            ctx.warn(
                *no,
                Some(k),
                "table_missing",
                format!(
                    "the contents list {} but the document has no such table",
                    k.label()
                ),
                raw,
            );
        }
    }

    let meta = super::meta::resolve(
        &super::meta::Found {
            title: &title,
            table_titles: &table_titles,
            cover: "",
            unit_names: &unit_names,
            unit_fallback: unit_from_title(&title),
            projects: &out.projects,
        },
        overrides,
    );
    let year = meta.year.ok_or_else(|| Error::Parse {
        path: path.to_path_buf(),
        line: title_line,
        reason: format!(
            "no year (such as 2024年) in the title '{title}' or any table title; pass --year"
        ),
    })?;
    let unit_code = out.unit_code();
    let narrative_lines: Vec<(usize, &str)> = lines
        .iter()
        .copied()
        .take_while(|(n, _)| *n < first_table)
        .collect();
    let facts = narrative::extract_facts(&narrative_lines);
    let claims = super::claims::extract_claims(&narrative_lines, year);

    Ok(out.into_document(
        meta.into_meta(title, year, unit_code, doc_unit.label()),
        tables,
        facts,
        claims,
        ctx.warnings,
    ))
}

fn unit_from_title(title: &str) -> String {
    let t = compact(title);
    let t = super::meta::YEAR.replace(&t, "");
    let t = t.trim_start_matches('度');
    for end in ["部门预算", "单位预算", "预算说明", "预算公开", "预算"] {
        if let Some(pos) = t.find(end) {
            return t[..pos].to_string();
        }
    }
    t.to_string()
}

/// Parses one table block.
fn parse_block(
    ctx: &mut Ctx,
    block: &Block,
    table_no: i32,
    doc_unit: MoneyUnit,
    out: &mut Outputs,
) -> (SourceTable, Vec<String>) {
    let mut unit = None;
    let mut note: Option<String> = None;
    let mut names = Vec::new();
    let mut expect_name = false;
    let mut header = String::new();
    let mut header_lines: Vec<String> = Vec::new();
    let mut data: Vec<TableLine> = Vec::new();
    let mut seq = 0;
    for (no, raw) in &block.lines {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(u) = MoneyUnit::from_statement(t) {
            unit = Some(u);
        }
        if !raw.contains('\t') {
            let c = compact(t);
            if let Some(rest) = c
                .strip_prefix("单位名称:")
                .or_else(|| c.strip_prefix("单位名称："))
            {
                let name = rest
                    .split("单位:")
                    .next()
                    .unwrap_or("")
                    .split("单位：")
                    .next()
                    .unwrap_or("");
                if name.is_empty() {
                    expect_name = true;
                } else {
                    names.push(name.to_string());
                }
            } else if expect_name {
                names.push(c.clone());
                expect_name = false;
            } else if c.starts_with("注") || c.starts_with("备注") || c.starts_with("说明") {
                note = Some(match note.take() {
                    Some(n) => format!("{n}\n{t}"),
                    None => t.to_string(),
                });
            }
            continue;
        }
        expect_name = false;
        let line = TableLine::new(*no, seq, raw);
        // A table continued on the next page may repeat its header lines — whole lines: a
        // name's head wrapped onto a line of its own may well be a part of one.
        let repeated_header = !data.is_empty()
            && line.amounts.is_empty()
            && line.codes.is_empty()
            && header_lines.contains(&compact(raw));
        if repeated_header {
            continue;
        }
        seq += 1;
        let is_data = !data.is_empty()
            || line.amounts.iter().any(|a| a.parsed.is_ok())
            || matches!(line.label().as_str(), "合计" | "总计");
        if is_data {
            data.push(line);
        } else {
            let line = compact(raw);
            header.push_str(&line);
            header_lines.push(line);
        }
    }
    let unit_inferred = unit.is_none();
    let unit = unit.unwrap_or(doc_unit);
    let (columns, left_out) = text_columns(block.kind, &header);
    let check_words: &[&str] = match block.kind {
        TableKind::IncomeExpenditureSummary => &["收入", "支出"],
        TableKind::FiscalSummary => &["收入", "支出", "一般公"],
        TableKind::PerformanceTargets => super::layout::PERFORMANCE_FUNDS.header_words,
        k => code_table_layout(k).unwrap_or(&EXPENDITURE).header_words,
    };
    let missing: Vec<&str> = check_words
        .iter()
        .copied()
        .filter(|w| !header.contains(w))
        .collect();
    if !header.is_empty() && !missing.is_empty() {
        ctx.warn(
            block.title_line,
            Some(block.kind),
            "header_unverified",
            format!(
                "the header does not show {}; columns follow the standard {} layout",
                missing.join("、"),
                block.kind.label()
            ),
            &block.title,
        );
    }
    if !left_out.is_empty() && !header.is_empty() {
        ctx.warn(
            block.title_line,
            Some(block.kind),
            "columns_absent",
            format!(
                "the header prints no {}; those columns are not expected",
                left_out.join("、")
            ),
            &block.title,
        );
    }
    let raw = RawTable {
        kind: block.kind,
        title: block.title.clone(),
        title_line: block.title_line,
        table_no,
        unit,
        unit_inferred,
        note,
        page: None,
        columns,
        header: vec![],
        data,
    };
    // The text format keeps an unverified table's amounts (its repairs are warned one by
    // one); the table's status says it is not verified.
    let (warnings_before, items_before) = (ctx.warnings.len(), out.items.len());
    let mut table = read_table(ctx, &raw, out);
    verify(
        &mut table,
        &ctx.warnings[warnings_before..],
        &out.items[items_before..],
    );
    (table, names)
}

/// The columns of a text-format table: its kind's fixed layout, less the breakdown groups
/// the header does not show.
fn text_columns(kind: TableKind, header: &str) -> (Columns, Vec<&'static str>) {
    match kind {
        TableKind::IncomeExpenditureSummary => (
            Columns {
                columns: vec![SIDE_AMOUNT],
                constraints: vec![],
            },
            vec![],
        ),
        TableKind::FiscalSummary => (FISCAL_RIGHT.all(), vec![]),
        TableKind::PerformanceTargets => (PERFORMANCE_FUNDS.all(), vec![]),
        k => code_table_layout(k).unwrap_or(&EXPENDITURE).resolve(header),
    }
}
