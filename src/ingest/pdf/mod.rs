//! Disclosure PDFs: the document rebuilt from the text layer's geometry, table by table.
//!
//! Rooms, bottom up: `text_layer` (glyphs and rules of each page, through hayro),
//! `lines` (glyphs → lines → spans), `structure` (running lines, table titles and
//! extents), `header` (leaf columns and their meanings), `grid` (ruled tables cell by
//! cell), `block` (one table's lines → a `RawTable`), `cover` (the unit named on the cover
//! and in titles). This module assembles a document: every table read and verified on its
//! own (`ingest::table::verify`), the document's metadata, and its narrative. See
//! `docs/pdf.md`.

mod block;
mod cover;
mod grid;
mod header;
mod lines;
mod structure;
mod text_layer;

use std::path::Path;

pub use lines::{Line, Span, page_lines};
pub use text_layer::{Glyph, Page, Rule, read_pages, read_pages_within};

use self::block::read_block;
use self::cover::{name_after, unit_in_title, unit_on_cover};
use self::lines::median;
use self::structure::{DocLine, Structure, has_leaders, is_prose, looks_like_section, structure};
use super::amount::MoneyUnit;
use super::table::{Outputs, RawTable, read_table, verify};
use super::{Ctx, Overrides, confirm, narrative};
use crate::error::{Error, Result};
use crate::ingest::limits::Limits;
use crate::model::{LineItem, ParsedDocument, SourceTable, TableStatus};

/// One reading of a table: the table with its status, its warnings, outputs, the unit
/// names it saw, the table as read, and whether it was read from a grid of rules.
struct Reading {
    table: SourceTable,
    ctx: Ctx,
    out: Outputs,
    names: Vec<String>,
    raw: RawTable,
    from_grid: bool,
}

/// The tables of a PDF as read, before their rows are interpreted: for `yusuan pdf-lines
/// --tables`, which shows why a table was or was not understood.
pub fn raw_tables(path: &Path, bytes: &[u8]) -> Result<Vec<RawTable>> {
    let st = structure(path, bytes, &Limits::default())?;
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
                true,
            )
            .0
        })
        .collect())
}

/// Records that a table's amounts are not stored, and why (its status reason).
fn withhold(table: &mut SourceTable, ctx: &mut Ctx, line: usize, title: &str) {
    table.amount_count = 0;
    ctx.warn(
        line,
        Some(table.table_kind),
        if table.status == TableStatus::Unread {
            "table_unread"
        } else {
            "table_unverified"
        },
        format!(
            "{} (page {}) is {}; its amounts are not stored: {}",
            table.table_kind.label(),
            table.page.unwrap_or_default(),
            table.status.as_str(),
            table.status_reason.as_deref().unwrap_or_default()
        ),
        title,
    );
}

/// Reads a disclosure PDF.
pub fn parse_pdf(
    path: &Path,
    bytes: &[u8],
    overrides: &Overrides,
    limits: &Limits,
) -> Result<ParsedDocument> {
    let st = structure(path, bytes, limits)?;
    let Structure {
        ref pages,
        ref lines,
        ref titles,
        ..
    } = st;
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
    // A page that could not be read whole may have lost a table: the document says so
    // (and is partial), since no table of it can show what is not there.
    for p in pages.iter() {
        let Some(why) = &p.damaged else { continue };
        let first_line = lines
            .iter()
            .find(|l| l.line.page == p.number)
            .map_or(0, |l| l.no);
        ctx.warn(
            first_line,
            None,
            "page_damaged",
            format!(
                "page {} could not be read whole ({why}): what it shows, tables included, may be missing",
                p.number
            ),
            "",
        );
    }
    let mut out = Outputs::default();
    let mut tables: Vec<SourceTable> = Vec::new();
    let mut unit_names: Vec<String> = Vec::new();
    let mut in_table = vec![false; lines.len()];
    let mut doc_unit: Option<MoneyUnit> = None;
    // The outputs of each table, in `tables`' order: empty for a table not trusted.
    let mut kept: Vec<Outputs> = Vec::new();
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
        let read = |ruled: bool| {
            let (mut ctx, mut out, mut names) = (Ctx::default(), Outputs::default(), Vec::new());
            let (raw, from_grid) = read_block(
                &mut ctx,
                kind,
                &title,
                lines[start].no,
                tables.len() as i32 + 1,
                &block,
                pages,
                &mut names,
                ruled,
            );
            let mut table = read_table(&mut ctx, &raw, &mut out);
            table.page = Some(lines[start].line.page as i32);
            verify(&mut table, &ctx.warnings, &out.items);
            Reading {
                table,
                ctx,
                out,
                names,
                raw,
                from_grid,
            }
        };
        // A ruled table is read cell by cell from its grid; where that reading does not
        // verify (borders that do not separate what the header means), the reading by
        // x-positions is tried, and kept only if it verifies.
        let first = read(true);
        let reading = if first.table.status.is_trusted() || !first.from_grid {
            first
        } else {
            match read(false) {
                second if second.table.status.is_trusted() => second,
                _ => first,
            }
        };
        let Reading {
            mut table,
            ctx: mut table_ctx,
            out: table_out,
            names,
            raw,
            ..
        } = reading;
        unit_names.extend(names);
        if table.status.is_trusted() {
            if doc_unit.is_none() && !raw.unit_inferred {
                doc_unit = Some(raw.unit);
            }
            kept.push(table_out);
        } else {
            withhold(&mut table, &mut table_ctx, lines[start].no, &title);
            kept.push(Outputs::default());
        }
        ctx.warnings.append(&mut table_ctx.warnings);
        tables.push(table);
    }
    // The figures stated twice (收支总表 and 支出表, …) must agree: where they do not, one
    // of the two readings is wrong and neither is trusted.
    let trusted: Vec<LineItem> = kept.iter().flat_map(|o| o.items.iter().cloned()).collect();
    let found = confirm::disagreements(&tables, &trusted);
    for d in &found {
        ctx.warn(d.line, None, "not_confirmed", d.reason.clone(), "");
    }
    let withdrawn = confirm::withdraw(&mut tables, &found);
    for (table, table_out) in tables.iter_mut().zip(kept) {
        if withdrawn.contains(&table.table_no) {
            let (line, title) = (table.source_line as usize, table.title.clone());
            withhold(table, &mut ctx, line, &title);
        } else {
            out.extend(table_out);
        }
    }
    // A document is ingested when at least one of its core tables verifies; with none,
    // nothing it states could be trusted.
    if !tables.is_empty()
        && !tables
            .iter()
            .any(|t| t.table_kind.is_core() && t.status == TableStatus::Verified)
    {
        let core: Vec<&SourceTable> = tables.iter().filter(|t| t.table_kind.is_core()).collect();
        let titles_read: Vec<String> = tables.iter().map(|t| t.title.clone()).collect();
        let what = match super::meta::document_kind("", &titles_read) {
            crate::model::DocumentKind::FinalAccounts => "a 决算 (final accounts) document",
            crate::model::DocumentKind::Budget => "a budget document",
        };
        let reason = if !core.is_empty() && core.iter().all(|t| t.status == TableStatus::Empty) {
            format!(
                "{what} whose core tables print no amounts at all ({} of them; a blank template?)",
                core.len()
            )
        } else {
            let reasons: Vec<String> = core
                .iter()
                .map(|t| {
                    format!(
                        "{} (page {}): {}",
                        t.table_kind.label(),
                        t.page.unwrap_or_default(),
                        t.status_reason.as_deref().unwrap_or(t.status.as_str())
                    )
                })
                .take(4)
                .collect();
            format!(
                "{what}, but none of its core tables (收支总表, 收入表, 支出表, 财政拨款收支总表, 一般公共预算支出表) could be verified{}{}",
                if reasons.is_empty() { "" } else { ": " },
                reasons.join("; ")
            )
        };
        return Err(not(reason));
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
    // A name the tables shorten (`511-退役军人事务局`) is the cover's where the cover's ends
    // with it (湖州市退役军人事务局2026年部门预算).
    if let Some(full) = unit_on_cover(&title) {
        for n in unit_names.iter_mut() {
            if full.len() > n.len() && full.ends_with(n.as_str()) {
                *n = full.clone();
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
    let meta = super::meta::resolve(
        &super::meta::Found {
            title: &title,
            table_titles: &all_titles,
            cover: &cover,
            unit_names: &unit_names,
            unit_fallback: title.clone(),
            projects: &out.projects,
        },
        overrides,
    );
    // A tables part that states no year (its narrative part does) is returned with year 0:
    // `ingest::parse_file` reports it as `Error::YearMissing`, carrying the document, and
    // a batch completes it from its narrative (`companion`).
    let year = match meta.year {
        Some(y) => y,
        None if !titles.is_empty() => 0,
        None => {
            return Err(not(
                "no year (such as 2024年) on the cover or in any table title; pass --year".into(),
            ));
        }
    };
    // The narrative: every line outside the tables, the first page too where it is not a
    // cover (a document that opens with its 情况说明 prints sentences there). A heading is
    // a `一、…`/`（三）…` line or a short line set larger than the narrative's own text —
    // not than the tables' (a narrative may be set larger than every table row).
    let first_page_prose = lines
        .iter()
        .any(|l| l.line.page == pages[0].number && is_prose(&l.compact()));
    let narrative: Vec<&DocLine> = lines
        .iter()
        .filter(|l| !in_table[l.no - 1] && (first_page_prose || l.line.page != pages[0].number))
        .collect();
    let narrative_size = median(
        narrative
            .iter()
            .filter(|l| is_prose(&l.compact()))
            .map(|l| l.line.size)
            .collect(),
    );
    let narrative_heading = |l: &DocLine| {
        let c = l.compact();
        looks_like_section(&c)
            || (l.line.size >= narrative_size * 1.15
                && !is_prose(&c)
                && !has_leaders(&c)
                && c.chars().count() <= 40)
    };
    let narrative_lines: Vec<(usize, String)> = narrative
        .iter()
        .map(|l| {
            let text = l.line.text();
            if narrative_heading(l) {
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
    let mut claims = super::claims::extract_claims(&refs, year);
    for c in &mut claims {
        c.page = lines
            .get((c.source_line as usize).wrapping_sub(1))
            .map(|l| l.line.page as i32);
    }
    if titles.is_empty() && facts.is_empty() {
        return Err(not(
            "no disclosure table found in the PDF (expected titles such as 收支预算总表, 支出预算总表) and no budget figures in its text".into(),
        ));
    }
    let unit_code = out.unit_code();
    Ok(out.into_document(
        meta.into_meta(
            title,
            year,
            unit_code,
            doc_unit.unwrap_or(MoneyUnit::Yuan).label(),
        ),
        tables,
        facts,
        claims,
        ctx.warnings,
    ))
}
