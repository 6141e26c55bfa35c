//! The document's lines and where its tables are: running headers and footers, table
//! titles (large-font lines naming a standard table, confirmed by a unit or 编制部门 line),
//! titles wrapped over two lines, and each table's extent (to the next title or heading,
//! over pages). Knows nothing about a table's header or rows (`header`, `block`).

use std::path::Path;

use super::lines::is_amount;
use super::lines::{Line, median, page_lines};
use super::text_layer::{Page, read_pages_within};
use crate::error::Result;
use crate::ingest::amount::MoneyUnit;
use crate::ingest::cells::compact;
use crate::ingest::limits::Limits;
use crate::model::TableKind;

/// A line of the document with its 1-based position (as `yusuan pdf-lines --numbered`).
#[derive(Debug, Clone)]
pub(super) struct DocLine {
    pub(super) no: usize,
    pub(super) line: Line,
    /// A running header or footer (the same text in a page margin on several pages).
    pub(super) running: bool,
}

impl DocLine {
    pub(super) fn compact(&self) -> String {
        self.line.compact()
    }
}

/// The lines of a PDF and where its tables are.
pub(super) struct Structure {
    pub(super) pages: Vec<Page>,
    pub(super) lines: Vec<DocLine>,
    pub(super) body_size: f64,
    pub(super) titles: Vec<(usize, TableKind)>,
}

impl Structure {
    pub(super) fn is_heading(&self, l: &DocLine) -> bool {
        l.line.size >= self.body_size * 1.2 && !has_leaders(&l.compact())
    }

    /// The lines of table `n` (after its title).
    pub(super) fn block(&self, n: usize) -> (usize, usize) {
        let end = table_end(&self.lines, &self.pages, &self.titles, n, &|l| {
            self.is_heading(l)
        });
        (self.titles[n].0, end)
    }
}

/// Marks running headers and footers: a line of text (no amounts, at least six
/// characters) printed in the top or bottom tenth of at least three pages
/// (`苏州市数据局2026年度部门预算公开` on every page). They belong to no table.
pub(super) fn mark_running_lines(lines: &mut [DocLine], pages: &[Page]) {
    let in_margin = |l: &DocLine| {
        pages
            .iter()
            .find(|p| p.number == l.line.page)
            .is_some_and(|p| l.line.y <= 0.1 * p.height || l.line.y >= 0.9 * p.height)
    };
    // (A table's unit statement and 部门/编制单位 line repeat near the top of every table
    // page too: they carry the table's unit and are never running lines.)
    let candidate = |l: &DocLine| {
        let c = l.compact();
        c.chars().count() >= 6
            && !l.line.spans.iter().any(|s| is_amount(&s.text))
            && MoneyUnit::from_statement(&c).is_none()
            && !["编制", "部门", "单位名称", "预算单位"]
                .iter()
                .any(|p| c.starts_with(p))
            && in_margin(l)
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

pub(super) fn structure(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Structure> {
    let pages = read_pages_within(path, bytes, limits)?;
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
                    || [
                        "编制部门",
                        "编制单位",
                        "部门名称",
                        "部门：",
                        "单位名称",
                        "部门（单位）",
                        "部门(单位)",
                    ]
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
            // A title set at the table's own size (a narrative printed larger than every
            // table) is one when its unit statement follows at once.
            let large = l.line.size >= body_size * 0.95
                || lines
                    .get(i + 1)
                    .is_some_and(|n| l.line.size > n.line.size * 1.03)
                || lines.get(i + 1).is_some_and(|n| {
                    n.line.page == l.line.page
                        && MoneyUnit::from_statement(&n.compact()).is_some()
                        && n.line.spans.len() <= 2
                });
            if !is_title_like(&c) || !large || !confirmed(i) {
                return None;
            }
            TableKind::from_title(&c).map(|k| (i, k))
        })
        .collect();
    // A title repeated at the top of the next page continues the same table (over as many
    // pages as it runs).
    let mut kept: Vec<(usize, TableKind)> = Vec::new();
    let mut last_page = 0;
    for (i, kind) in titles {
        let page = lines[i].line.page;
        let repeated = kept
            .last()
            .is_some_and(|&(k, _)| lines[k].compact() == lines[i].compact())
            && page == last_page + 1;
        if !repeated {
            kept.push((i, kind));
        }
        last_page = page;
    }
    let titles = kept;
    Ok(Structure {
        pages,
        lines,
        body_size,
        titles,
    })
}

/// Where the table whose title is `titles[n]` ends: at the next title, at a larger
/// heading, or where a page begins with prose (the narrative resuming after the tables).
pub(super) fn table_end(
    lines: &[DocLine],
    pages: &[Page],
    titles: &[(usize, TableKind)],
    n: usize,
    is_heading: &dyn Fn(&DocLine) -> bool,
) -> usize {
    let start = titles[n].0;
    let next_title = titles.get(n + 1).map_or(lines.len(), |t| t.0);
    // The size the table prints its rows in (on its first page): a line on a later page in
    // that size continues the table, however large it is beside the document's body text.
    let row_size = median(
        lines[start + 1..next_title]
            .iter()
            .filter(|l| l.line.page == lines[start].line.page && !l.line.spans.is_empty())
            .map(|l| l.line.size)
            .collect(),
    );
    // The words of the table's first page: its header, printed again (in its own size) at
    // the top of each page it continues on, ends nothing.
    let first_page_words: std::collections::HashSet<String> = lines[start + 1..next_title]
        .iter()
        .filter(|l| l.line.page == lines[start].line.page)
        .flat_map(|l| l.line.spans.iter().map(|s| compact(&s.text)))
        .collect();
    let repeats_header = |l: &DocLine| {
        l.line
            .spans
            .iter()
            .all(|s| first_page_words.contains(&compact(&s.text)))
    };
    (start + 1..next_title)
        .find(|&i| {
            // (A title's second line, joined into the title, is empty and ends nothing.)
            let height = pages
                .iter()
                .find(|p| p.number == lines[i].line.page)
                .map_or(f64::MAX, |p| p.height);
            // (A page number may be printed larger than the title: `- 13 -`.)
            !lines[i].line.spans.is_empty()
                && !is_page_number(&lines[i], lines.get(i + 1), height)
                && (lines[i].line.size > lines[start].line.size * 1.05
                    || (lines[i].line.page != lines[i - 1].line.page
                        && is_prose(&lines[i].compact()))
                    || (is_heading(&lines[i])
                        && lines[i].line.size > row_size * 1.1
                        && !repeats_header(&lines[i])
                        && TableKind::from_title(&lines[i].compact()).is_none()
                        && lines[i].line.page != lines[start].line.page))
        })
        .unwrap_or(next_title)
}

/// A title printed over two lines (`公开09表：一般公共预算"三公"经费、会议费、培训费` /
/// `支出预算表`) is moved onto its first line; the second is left without spans (and so
/// keeps the numbering of `yusuan pdf-lines`).
pub(super) fn join_wrapped_titles(lines: &mut [DocLine], body_size: f64) {
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

/// A line that could be a table title: short, no sentence punctuation, no enumerator of
/// a contents entry (`一、收支预算总表`), no dot leaders.
pub(super) fn is_title_like(c: &str) -> bool {
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
pub(super) fn is_prose(c: &str) -> bool {
    c.chars().count() >= 12
        && c.contains(['，', '。', '；'])
        && !c.starts_with('注')
        && !c.starts_with("说明")
}

/// `一、…`, `（三）…` headings of the narrative, printed in the body size.
pub(super) fn looks_like_section(c: &str) -> bool {
    let numerals = "一二三四五六七八九十";
    let mut chars = c.chars();
    let first = chars.next().unwrap_or(' ');
    let second = chars.next().unwrap_or(' ');
    c.chars().count() <= 30
        && !c.contains('。')
        && ((numerals.contains(first) && second == '、')
            || ((first == '（' || first == '(') && numerals.contains(second)))
}

pub(super) fn has_leaders(text: &str) -> bool {
    text.contains('…') || text.contains("....") || text.contains("···")
}

/// A page number printed at the foot of a page inside a table's block (`15`, `- 15 -`,
/// `第15页`): the last line of its page, in the bottom margin, nothing but the number.
pub(super) fn is_page_number(line: &DocLine, next: Option<&DocLine>, page_height: f64) -> bool {
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
