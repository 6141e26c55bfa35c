//! Ruled tables: bands between horizontal rules, cells between the vertical rules crossing
//! each band, all text inside a cell joined (wrapped names stay whole), merged cells
//! continued from above. Used by `block` when a table is drawn with rules.

use super::header::Leaf;
use super::lines::Line;
use super::lines::{is_amount, is_total_label, median};
use super::structure::DocLine;
use super::text_layer::Page;
use crate::ingest::cells::compact;

/// A ruled table read from its grid: leaf columns with their header text, and each data
/// row's cell texts at the leaf columns' positions.
#[derive(Debug)]
pub(super) struct Grid {
    pub(super) leaves: Vec<Leaf>,
    pub(super) rows: Vec<(usize, Vec<String>)>,
    /// Per row, the left edge of the text of each column's cell (where it has text).
    pub(super) starts: Vec<Vec<Option<f64>>>,
}

pub(super) fn cluster(mut v: Vec<f64>, tolerance: f64) -> Vec<f64> {
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
pub(super) struct Band {
    pub(super) top_line: usize,
    pub(super) cells: Vec<(f64, f64, String)>,
    /// Per cell: the left edge of its text.
    pub(super) starts: Vec<Option<f64>>,
    /// Per cell: no rule above it, so it continues the cell above (a merged cell).
    pub(super) open_top: Vec<bool>,
    pub(super) has_amount: bool,
}

/// The bands of one page's part of a table.
pub(super) fn bands(page: &Page, lines: &[&DocLine]) -> Vec<Band> {
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
        let mut starts: Vec<Option<f64>> = vec![None; cells.len()];
        let mut has_amount = false;
        for l in &inside {
            for sp in &l.line.spans {
                let c = (sp.x0 + sp.x1) / 2.0;
                if let Some(k) = cells.iter().position(|(a, b, _)| c >= *a && c <= *b) {
                    cells[k].2.push_str(&compact(&sp.text));
                    has_amount |= is_amount(&sp.text);
                    // (The first line's left edge: a wrapped name's indentation.)
                    starts[k] = starts[k].or(Some(sp.x0));
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
            starts,
            open_top,
            has_amount,
        });
    }
    out
}

/// Reads a ruled table: bands of every page; the data band with the most cells defines
/// the columns; header bands (above the first data band) name them.
pub(super) fn grid_rows(
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
    // The header's own cells, at every level (`科目编码` over 类 and 款).
    let header_cells: Vec<&str> = all[..first_data]
        .iter()
        .flat_map(|b| b.cells.iter().map(|c| c.2.as_str()))
        .filter(|t| !t.is_empty())
        .collect();
    let mut rows = Vec::new();
    let mut starts = Vec::new();
    // (row index, column) of cells that continue the cell above them.
    let mut continued: Vec<(usize, usize)> = Vec::new();
    for band in &all[first_data..] {
        if !band.has_amount && band.cells.iter().all(|c| c.2.is_empty()) {
            continue;
        }
        // A header repeated on a continuation page: every cell equals one of the header's
        // (a leaf, or a cell above the leaves).
        if band
            .cells
            .iter()
            .filter(|c| !c.2.is_empty())
            .all(|c| leaves.iter().any(|l| l.text == c.2) || header_cells.contains(&c.2.as_str()))
            && !band.has_amount
        {
            continue;
        }
        let mut cells = vec![String::new(); columns.len()];
        let mut row_starts: Vec<Option<f64>> = vec![None; columns.len()];
        for (k, (a, b, t)) in band.cells.iter().enumerate() {
            let i = column_of(*a, *b)?;
            if band.open_top.get(k).copied().unwrap_or(false) && !rows.is_empty() {
                continued.push((rows.len(), i));
            }
            cells[i].push_str(t);
            row_starts[i] = row_starts[i].or(band.starts[k]);
        }
        rows.push((band.top_line, cells));
        starts.push(row_starts);
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
    Some(Grid {
        leaves,
        rows,
        starts,
    })
}
