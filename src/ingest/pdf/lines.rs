//! Glyphs → lines (same baseline) → spans (runs of glyphs without a gap).
//!
//! Owns the geometry of text on one page. Blank table cells leave no glyphs, so later
//! stages place a span under a column by its x-position, never by counting spans. Knows
//! nothing about tables or budgets.

use super::text_layer::{Glyph, Page};
use crate::ingest::cells::compact;

/// A run of glyphs on one line with no gap wider than a fraction of the font size.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub x0: f64,
    pub x1: f64,
    pub text: String,
}

/// Glyphs sharing a baseline, left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub page: u32,
    /// Baseline, PDF user space (larger is higher on the page).
    pub y: f64,
    /// Typical font size on the line.
    pub size: f64,
    pub spans: Vec<Span>,
}

impl Line {
    /// The line's text, spans joined by a single space.
    pub fn text(&self) -> String {
        self.spans
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The line's text without any white space.
    pub fn compact(&self) -> String {
        self.spans
            .iter()
            .flat_map(|s| s.text.chars())
            .filter(|c| !c.is_whitespace())
            .collect()
    }
}

pub(super) fn numeric(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '%' | '-'))
}

/// A span that reads as a printed amount (`31,214,205.80`, `0.00`).
pub(super) fn amount_like(text: &str) -> bool {
    text.chars().count() >= 3
        && numeric(text)
        && text.contains(['.', ','])
        && text.chars().any(|c| c.is_ascii_digit())
}

/// An amount that ends with its two decimals (`1,305.25`).
pub(super) fn two_decimals(text: &str) -> bool {
    amount_like(text)
        && text
            .rsplit_once('.')
            .is_some_and(|(_, d)| d.len() == 2 && d.chars().all(|c| c.is_ascii_digit()))
}

/// Rebuilds a page's lines: glyphs grouped by baseline, then split into spans where the
/// gap to the next glyph exceeds 0.45 × the font size, or where a number drawn by one
/// operation abuts text drawn by another (a right-aligned amount touching the next cell).
pub fn page_lines(page: &Page) -> Vec<Line> {
    // Glyphs keep their drawing order: within a line it is the reading order even where
    // a font's widths misplace glyphs (digits overlapping the 万元 after them).
    let mut glyphs: Vec<(usize, &Glyph)> = page
        .glyphs
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.text.trim().is_empty())
        .collect();
    glyphs.sort_by(|(_, a), (_, b)| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    let mut rows: Vec<Vec<(usize, &Glyph)>> = Vec::new();
    for g in glyphs {
        match rows.last_mut() {
            Some(row) if (row[0].1.y - g.1.y).abs() <= 0.35 * row[0].1.size.max(g.1.size) => {
                row.push(g)
            }
            _ => rows.push(vec![g]),
        }
    }
    let mut lines = Vec::with_capacity(rows.len());
    for mut row in rows {
        let y = row[0].1.y;
        row.sort_by_key(|(i, _)| *i);
        let size = median(row.iter().map(|(_, g)| g.size).collect());
        let mut spans: Vec<Span> = Vec::new();
        let mut prev: Option<&Glyph> = None;
        for (_, g) in row {
            let x1 = g.x + g.width.max(0.0);
            // Text after an amount starts the next cell when another operation draws it,
            // or when a visible gap separates them (cells drawn by one operation).
            let amount_ends = spans.last().is_some_and(|s| {
                amount_like(&s.text)
                    && (prev.is_some_and(|p| p.op != g.op) || g.x - s.x1 > 0.15 * size)
            }) && !numeric(&g.text);
            // A digit drawn by another operation after an amount with its two decimals
            // starts the next cell (fonts with wrong widths make the two touch).
            let amount_complete = spans.last().is_some_and(|s| two_decimals(&s.text))
                && prev.is_some_and(|p| p.op != g.op)
                && g.text.starts_with(|c: char| c.is_ascii_digit());
            // Text after the digits that continue an amount drawn just before them starts
            // the next cell (Beijing: `10.43` then one run `9275年终结转结余`, the amount
            // 10.439275 and the next cell's label).
            let continuation_ends = match spans.as_slice() {
                [.., a, d] => {
                    amount_like(&a.text)
                        && !d.text.is_empty()
                        && d.text.chars().all(|c| c.is_ascii_digit())
                        && (d.x0 - a.x1).abs() <= 0.15 * size
                        && !numeric(&g.text)
                        && !g.text.starts_with(['.', ',', '%'])
                }
                _ => false,
            };
            let backwards = prev.is_some_and(|p| g.x < p.x - 0.25 * size);
            let joins = |s: &Span| {
                g.x - s.x1 <= 0.45 * size
                    && !backwards
                    && !amount_ends
                    && !amount_complete
                    && !continuation_ends
            };
            prev = Some(g);
            match spans.last_mut() {
                Some(s) if joins(s) => {
                    s.text.push_str(&g.text);
                    s.x1 = s.x1.max(x1);
                }
                _ => spans.push(Span {
                    x0: g.x,
                    x1,
                    text: g.text.clone(),
                }),
            }
        }
        spans.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        lines.push(Line {
            page: page.number,
            y,
            size,
            spans,
        });
    }
    lines
}

/// The median of `v` (0 when empty).
pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// True for spans that read as amounts (`31,214,205.80`, `0.95`, `-`).
pub(super) fn is_amount(text: &str) -> bool {
    let t = text.trim();
    t == "-"
        || (t.chars().any(|c| c.is_ascii_digit())
            && t.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-'))
            && (t.contains('.') || t.contains(',') || t.len() >= 4 || t == "0"))
}

pub(super) fn is_total_label(text: &str) -> bool {
    matches!(compact(text).as_str(), "合计" | "总计")
}
