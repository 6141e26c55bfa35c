//! Printing query results in every output mode: table and box (CJK-aware widths, numbers
//! right-aligned, money with thousands separators, wide results fitted to the terminal by
//! eliding middle columns, long results elided in the middle), line (one `column = value`
//! per line), csv, json, ndjson and markdown. Decimals print exactly as stored (no float
//! rounding). Owns formatting only: no query execution, no files.
//!
//! Every mode streams: a [`ResultWriter`] takes one batch at a time and keeps at most a
//! bounded number of rows, whatever the result's size. Table and box modes size their
//! columns from the first rows ([`SAMPLE_ROWS`], DuckDB-style) or, with `max_rows`, keep
//! only the first and last rows shown; a text cell is cut at [`MAX_CELL_WIDTH`] columns
//! (or its column's width, for rows after the sample) with `…`, a number never is. A
//! closed pipe is reported as the same `BrokenPipe` I/O error in every mode.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::{Writer as CsvWriter, WriterBuilder};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::json::{ArrayWriter, LineDelimitedWriter};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Output modes of `yusuan sql` (`--format`, `.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// ASCII grid.
    Table,
    /// Unicode box-drawing grid.
    Box,
    Csv,
    Json,
    Ndjson,
    Markdown,
    /// One `column = value` line per column, a blank line between rows.
    Line,
}

impl Format {
    /// The mode named `name` (`.mode box`).
    pub fn parse(name: &str) -> Option<Format> {
        <Format as clap::ValueEnum>::from_str(name, true).ok()
    }

    /// Every mode's name, for help and completion.
    pub const NAMES: &[&str] = &["table", "box", "csv", "json", "ndjson", "markdown", "line"];
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintOptions {
    pub format: Format,
    /// In table/box mode, rows beyond this are elided in the middle.
    pub max_rows: Option<usize>,
    /// In table/box mode, the width to fit (the terminal's); middle columns are elided.
    pub max_width: Option<usize>,
}

impl PrintOptions {
    /// Everything printed, nothing elided (batch runs writing to a pipe or file).
    pub fn full(format: Format) -> PrintOptions {
        PrintOptions {
            format,
            max_rows: None,
            max_width: None,
        }
    }
}

/// The terminal's width, if stdout is one.
pub fn terminal_width() -> Option<usize> {
    terminal_size::terminal_size().map(|(w, _)| w.0 as usize)
}

/// Rows table and box modes read before they fix their column widths (without
/// `max_rows`; later rows are fitted to those widths).
pub const SAMPLE_ROWS: usize = 1000;

/// The widest a text cell prints in table and box modes, in terminal columns.
pub const MAX_CELL_WIDTH: usize = 80;

/// Prints one statement's result, given whole.
pub fn print_batches(
    out: &mut dyn Write,
    batches: &[RecordBatch],
    options: &PrintOptions,
) -> anyhow::Result<()> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    let mut w = ResultWriter::new(out, first.schema(), options)?;
    for b in batches {
        w.write(b)?;
    }
    w.finish()
}

/// Writes a result batch by batch in one output mode.
pub struct ResultWriter<'w> {
    mode: Mode<'w>,
    broken: Arc<AtomicBool>,
}

enum Mode<'w> {
    /// A statement without columns (DDL, SET): nothing printed.
    Nothing,
    Csv(Box<CsvWriter<Sink<'w>>>),
    Json(ArrayWriter<Sink<'w>>),
    Ndjson(LineDelimitedWriter<Sink<'w>>),
    /// (Whether the header is written: with the first batch, or at the end for none.)
    Markdown(Sink<'w>, Columns, bool),
    Line(Sink<'w>, Columns, bool),
    Grid(Sink<'w>, Box<Grid>),
}

/// The columns' names and types.
struct Columns {
    names: Vec<String>,
    types: Vec<DataType>,
}

impl<'w> ResultWriter<'w> {
    pub fn new(
        out: &'w mut dyn Write,
        schema: SchemaRef,
        options: &PrintOptions,
    ) -> anyhow::Result<ResultWriter<'w>> {
        let broken = Arc::new(AtomicBool::new(false));
        let sink = Sink {
            out,
            broken: broken.clone(),
        };
        let columns = Columns {
            names: schema.fields().iter().map(|f| f.name().clone()).collect(),
            types: schema
                .fields()
                .iter()
                .map(|f| f.data_type().clone())
                .collect(),
        };
        let mode = if columns.names.is_empty() {
            Mode::Nothing
        } else {
            match options.format {
                Format::Csv => {
                    Mode::Csv(Box::new(WriterBuilder::new().with_header(true).build(sink)))
                }
                Format::Json => Mode::Json(ArrayWriter::new(sink)),
                Format::Ndjson => Mode::Ndjson(LineDelimitedWriter::new(sink)),
                Format::Markdown => Mode::Markdown(sink, columns, false),
                Format::Line => Mode::Line(sink, columns, false),
                Format::Table | Format::Box => {
                    Mode::Grid(sink, Box::new(Grid::new(columns, options)))
                }
            }
        };
        Ok(ResultWriter { mode, broken })
    }

    /// Writes one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        let result = self.write_inner(batch);
        self.closed_pipe(result)
    }

    fn write_inner(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        match &mut self.mode {
            Mode::Nothing => {}
            Mode::Csv(w) => w.write(batch)?,
            Mode::Json(w) => w.write(batch)?,
            Mode::Ndjson(w) => w.write(batch)?,
            Mode::Markdown(out, c, header) => {
                if !std::mem::replace(header, true) {
                    markdown_header(out, c)?;
                }
                for row in text_rows(batch, false)? {
                    let escaped: Vec<String> = row
                        .iter()
                        .map(|v| v.replace('|', "\\|").replace('\n', " "))
                        .collect();
                    writeln!(out, "| {} |", escaped.join(" | "))?;
                }
            }
            Mode::Line(out, c, started) => {
                let pad = c.names.iter().map(|n| n.width()).max().unwrap_or(0);
                for row in text_rows(batch, false)? {
                    if std::mem::replace(started, true) {
                        writeln!(out)?;
                    }
                    for (name, value) in c.names.iter().zip(row) {
                        let fill = " ".repeat(pad - name.width());
                        writeln!(out, "{fill}{name} = {value}")?;
                    }
                }
            }
            Mode::Grid(out, g) => g.write(out, batch)?,
        }
        Ok(())
    }

    /// Ends the result (closing brackets, the grid's last rows and footer) and flushes.
    pub fn finish(mut self) -> anyhow::Result<()> {
        let result = (|| -> anyhow::Result<()> {
            match std::mem::replace(&mut self.mode, Mode::Nothing) {
                Mode::Nothing => {}
                Mode::Csv(w) => w.into_inner().flush()?,
                Mode::Json(mut w) => {
                    w.finish()?;
                    let mut out = w.into_inner();
                    writeln!(out)?;
                    out.flush()?;
                }
                Mode::Ndjson(mut w) => {
                    w.finish()?;
                    w.into_inner().flush()?;
                }
                Mode::Markdown(mut out, c, header) => {
                    if !header {
                        markdown_header(&mut out, &c)?;
                    }
                    out.flush()?;
                }
                Mode::Line(mut out, ..) => out.flush()?,
                Mode::Grid(mut out, g) => {
                    g.finish(&mut out)?;
                    out.flush()?;
                }
            }
            Ok(())
        })();
        self.closed_pipe(result)
    }

    /// Any error met after the output was closed is that: the same error in every mode
    /// (the CSV and JSON writers wrap it in their own).
    fn closed_pipe<T>(&self, result: anyhow::Result<T>) -> anyhow::Result<T> {
        match result {
            Err(_) if self.broken.load(Ordering::Relaxed) => {
                Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe).into())
            }
            r => r,
        }
    }
}

/// The output, remembering whether it was closed under us.
struct Sink<'w> {
    out: &'w mut dyn Write,
    broken: Arc<AtomicBool>,
}

impl Sink<'_> {
    fn note<T>(&self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            self.broken.store(true, Ordering::Relaxed);
        }
        r
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.out.write(buf);
        self.note(r)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let r = self.out.write_all(buf);
        self.note(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.out.flush();
        self.note(r)
    }
}

fn markdown_header(out: &mut dyn Write, c: &Columns) -> std::io::Result<()> {
    let escape = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    writeln!(
        out,
        "| {} |",
        c.names
            .iter()
            .map(|n| escape(n))
            .collect::<Vec<_>>()
            .join(" | ")
    )?;
    writeln!(
        out,
        "|{}",
        c.types
            .iter()
            .map(|t| if t.is_numeric() { " ---: |" } else { " --- |" })
            .collect::<String>()
    )
}

/// A batch's rows as text cells (NULL shown as `NULL`; decimals grouped by thousands
/// when `group_money`).
fn text_rows(batch: &RecordBatch, group_money: bool) -> anyhow::Result<Vec<Vec<String>>> {
    let opts = FormatOptions::default().with_null("NULL");
    let schema = batch.schema();
    let fmts = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
        .collect::<Result<Vec<_>, _>>()?;
    let money: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| group_money && is_decimal(f.data_type()))
        .collect();
    Ok((0..batch.num_rows())
        .map(|row| {
            fmts.iter()
                .zip(&money)
                .map(|(f, &m)| {
                    let v = f.value(row).to_string();
                    if m && v != "NULL" { thousands(&v) } else { v }
                })
                .collect()
        })
        .collect())
}

fn is_decimal(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..)
    )
}

/// `-1234567.80` → `-1,234,567.80` (money columns in table/box mode).
pub use yusuan::report::write::thousands;

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The table and box modes, streaming.
struct Grid {
    columns: Columns,
    numeric: Vec<bool>,
    boxed: bool,
    max_rows: Option<usize>,
    max_width: Option<usize>,
    /// Rows held before the layout is fixed (the sample), or the first rows shown.
    head: Vec<Vec<String>>,
    /// With `max_rows`: the last rows (at most `max_rows / 2`).
    tail: VecDeque<Vec<String>>,
    total: usize,
    /// Fixed once the sample is read (without `max_rows`): rows then print as they come.
    layout: Option<Layout>,
}

/// Which columns print, how wide, and where the elided ones are.
struct Layout {
    keep: Vec<usize>,
    widths: Vec<usize>,
    gap_at: Option<usize>,
    elided: Vec<usize>,
}

impl Grid {
    fn new(columns: Columns, options: &PrintOptions) -> Grid {
        Grid {
            numeric: columns.types.iter().map(DataType::is_numeric).collect(),
            columns,
            boxed: options.format == Format::Box,
            max_rows: options.max_rows.filter(|&m| m >= 2),
            max_width: options.max_width,
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
            layout: None,
        }
    }

    fn write(&mut self, out: &mut dyn Write, batch: &RecordBatch) -> anyhow::Result<()> {
        for mut row in text_rows(batch, true)? {
            self.total += 1;
            for (cell, &numeric) in row.iter_mut().zip(&self.numeric) {
                if !numeric {
                    *cell = clip(cell, MAX_CELL_WIDTH);
                }
            }
            match (self.max_rows, &self.layout) {
                (Some(max), _) => {
                    if self.head.len() < max.div_ceil(2) {
                        self.head.push(row);
                    } else {
                        self.tail.push_back(row);
                        if self.tail.len() > max / 2 {
                            self.tail.pop_front();
                        }
                    }
                }
                (None, Some(layout)) => self.row(out, layout, Some(&row))?,
                (None, None) => {
                    self.head.push(row);
                    if self.head.len() >= SAMPLE_ROWS {
                        let layout = self.layout(&self.head);
                        self.header(out, &layout)?;
                        for r in &self.head {
                            self.row(out, &layout, Some(r))?;
                        }
                        self.head = Vec::new();
                        self.layout = Some(layout);
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(mut self, out: &mut dyn Write) -> anyhow::Result<()> {
        let elided_rows = self.max_rows.is_some() && self.total > self.head.len() + self.tail.len();
        let layout = match self.layout.take() {
            Some(l) => l,
            None => {
                let sample: Vec<Vec<String>> =
                    self.head.drain(..).chain(self.tail.drain(..)).collect();
                let layout = self.layout(&sample);
                self.header(out, &layout)?;
                let split = self.max_rows.map_or(sample.len(), |m| m.div_ceil(2));
                for (i, r) in sample.iter().enumerate() {
                    if elided_rows && i == split {
                        self.row(out, &layout, None)?;
                    }
                    self.row(out, &layout, Some(r))?;
                }
                layout
            }
        };
        self.rule(out, &layout, Rule::Bottom)?;
        let mut footer = plural(self.total, "row");
        if elided_rows {
            footer.push_str(&format!(
                " ({} shown; .maxrows N to see more)",
                self.max_rows.unwrap_or_default()
            ));
        }
        if !layout.elided.is_empty() {
            footer.push_str(&format!(
                "; {} not shown ({}) — .mode line shows every column",
                plural(layout.elided.len(), "column"),
                layout
                    .elided
                    .iter()
                    .map(|&i| self.columns.names[i].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        writeln!(out, "{footer}")?;
        Ok(())
    }

    /// Column widths from `sample` (and the names), and the columns that fit
    /// `max_width`: as many from both ends as fit, the middle elided.
    fn layout(&self, sample: &[Vec<String>]) -> Layout {
        let ncols = self.columns.names.len();
        let widths: Vec<usize> = (0..ncols)
            .map(|i| {
                sample
                    .iter()
                    .map(|r| r[i].width())
                    .chain(std::iter::once(self.columns.names[i].width()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut keep: Vec<usize> = (0..ncols).collect();
        if let Some(max) = self.max_width
            && widths.iter().map(|w| w + 3).sum::<usize>() + 1 > max
            && ncols > 2
        {
            let budget = max.saturating_sub(1 + 4);
            let (mut left, mut right) = (Vec::new(), Vec::new());
            let mut used = 0;
            let (mut lo, mut hi) = (0usize, ncols - 1);
            // Alternate: first column, last column, second, second to last …
            while lo <= hi {
                let take_left = left.len() <= right.len();
                let i = if take_left { lo } else { hi };
                if used + widths[i] + 3 > budget && !(left.is_empty() && take_left) {
                    break;
                }
                used += widths[i] + 3;
                if take_left {
                    left.push(i);
                    lo += 1;
                } else {
                    right.push(i);
                    if hi == 0 {
                        break;
                    }
                    hi -= 1;
                }
            }
            right.reverse();
            keep = left.into_iter().chain(right).collect();
        }
        let elided: Vec<usize> = (0..ncols).filter(|i| !keep.contains(i)).collect();
        let gap_at = (!elided.is_empty()).then(|| {
            keep.iter()
                .position(|&k| k > elided[0])
                .unwrap_or(keep.len())
        });
        Layout {
            keep,
            widths,
            gap_at,
            elided,
        }
    }

    /// The cells of a row as printed: the kept columns, with the gap (`…`) where the
    /// elided ones are; `None` is the row of `…` that stands for elided rows.
    fn line<'r>(&self, layout: &Layout, row: Option<&'r [String]>) -> Vec<(usize, bool, &'r str)> {
        let mut cells: Vec<(usize, bool, &str)> = layout
            .keep
            .iter()
            .map(|&i| {
                let text = row.map_or("…", |r| r[i].as_str());
                (layout.widths[i], self.numeric[i], text)
            })
            .collect();
        if let Some(g) = layout.gap_at {
            cells.insert(g, (1, false, "…"));
        }
        cells
    }

    fn header(&self, out: &mut dyn Write, layout: &Layout) -> std::io::Result<()> {
        self.rule(out, layout, Rule::Top)?;
        let names: Vec<String> = self.columns.names.clone();
        self.row(out, layout, Some(&names))?;
        self.rule(out, layout, Rule::Header)
    }

    fn row(
        &self,
        out: &mut dyn Write,
        layout: &Layout,
        row: Option<&[String]>,
    ) -> std::io::Result<()> {
        let (outer, inner) = if self.boxed {
            ('│', '┆')
        } else {
            ('|', '|')
        };
        let mut line = String::new();
        line.push(outer);
        for (n, (width, right, text)) in self.line(layout, row).into_iter().enumerate() {
            if n > 0 {
                line.push(inner);
            }
            // (A text wider than its column — a row after the sample — is cut; a number
            // never is: it widens its cell instead.)
            let text = if right {
                text.to_string()
            } else {
                clip(text, width)
            };
            let fill = " ".repeat(width.saturating_sub(text.width()));
            line.push(' ');
            if right {
                line.push_str(&fill);
                line.push_str(&text);
            } else {
                line.push_str(&text);
                line.push_str(&fill);
            }
            line.push(' ');
        }
        line.push(outer);
        writeln!(out, "{line}")
    }

    fn rule(&self, out: &mut dyn Write, layout: &Layout, rule: Rule) -> std::io::Result<()> {
        let (left, fill, cross, right) = match (self.boxed, rule) {
            (false, _) => ('+', '-', '+', '+'),
            (true, Rule::Top) => ('┌', '─', '┬', '┐'),
            (true, Rule::Header) => ('╞', '═', '╪', '╡'),
            (true, Rule::Bottom) => ('└', '─', '┴', '┘'),
        };
        let mut line = String::new();
        line.push(left);
        for (n, (width, ..)) in self.line(layout, None).into_iter().enumerate() {
            if n > 0 {
                line.push(cross);
            }
            line.extend(std::iter::repeat_n(fill, width + 2));
        }
        line.push(right);
        writeln!(out, "{line}")
    }
}

#[derive(Clone, Copy)]
enum Rule {
    Top,
    Header,
    Bottom,
}

/// `text` cut to at most `width` terminal columns, ending in `…` when cut; a line break
/// shows as `↵` (a cell is one line).
fn clip(text: &str, width: usize) -> String {
    if text.width() <= width && !text.contains('\n') {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    let total = text.width();
    for c in text.chars() {
        let c = if c == '\n' { '↵' } else { c };
        let w = c.width().unwrap_or(0);
        if total > width && used + w + 1 > width {
            out.push('…');
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Decimal128Array, Int32Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    use super::*;

    /// `n` rows of (单位, 年度, 支出) with Chinese names of different widths.
    fn sample(n: usize) -> RecordBatch {
        let names = [
            "江苏省政协办公厅",
            "上海市普陀区财政局",
            "洛龙区政务服务中心(本级)",
        ];
        let schema = Arc::new(Schema::new(vec![
            Field::new("单位", DataType::Utf8, false),
            Field::new("year", DataType::Int32, false),
            Field::new("支出", DataType::Decimal128(18, 2), true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(
                    (0..n).map(|i| names[i % 3]).collect::<Vec<_>>(),
                )),
                Arc::new(Int32Array::from(
                    (0..n).map(|i| 2017 + i as i32).collect::<Vec<_>>(),
                )),
                Arc::new(
                    Decimal128Array::from(
                        (0..n)
                            .map(|i| (i != 1).then_some(10150480000 + i as i128))
                            .collect::<Vec<_>>(),
                    )
                    .with_precision_and_scale(18, 2)
                    .unwrap(),
                ),
            ],
        )
        .unwrap()
    }

    fn render(batch: &RecordBatch, options: PrintOptions) -> String {
        let mut out = Vec::new();
        print_batches(&mut out, std::slice::from_ref(batch), &options).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_mode_aligns_chinese_and_groups_money() {
        let got = render(&sample(2), PrintOptions::full(Format::Table));
        assert_eq!(
            got,
            "+--------------------+------+----------------+\n\
             | 单位               | year |           支出 |\n\
             +--------------------+------+----------------+\n\
             | 江苏省政协办公厅   | 2017 | 101,504,800.00 |\n\
             | 上海市普陀区财政局 | 2018 |           NULL |\n\
             +--------------------+------+----------------+\n\
             2 rows\n"
        );
    }

    #[test]
    fn box_mode() {
        let got = render(&sample(1), PrintOptions::full(Format::Box));
        assert_eq!(
            got,
            "┌──────────────────┬──────┬────────────────┐\n\
             │ 单位             ┆ year ┆           支出 │\n\
             ╞══════════════════╪══════╪════════════════╡\n\
             │ 江苏省政协办公厅 ┆ 2017 ┆ 101,504,800.00 │\n\
             └──────────────────┴──────┴────────────────┘\n\
             1 row\n"
        );
    }

    #[test]
    fn long_results_are_elided_in_the_middle() {
        let options = PrintOptions {
            max_rows: Some(4),
            ..PrintOptions::full(Format::Table)
        };
        let got = render(&sample(9), options);
        let lines: Vec<&str> = got.lines().collect();
        // header (3 lines), 2 rows, the elision row, 2 rows, the bottom rule, the footer.
        assert_eq!(lines.len(), 3 + 2 + 1 + 2 + 1 + 1, "{got}");
        assert!(
            lines[3].contains("2017") && lines[4].contains("2018"),
            "{got}"
        );
        assert!(lines[5].contains('…'), "{got}");
        assert!(
            lines[6].contains("2024") && lines[7].contains("2025"),
            "{got}"
        );
        assert_eq!(lines[9], "9 rows (4 shown; .maxrows N to see more)");
    }

    #[test]
    fn wide_results_elide_middle_columns() {
        let options = PrintOptions {
            max_width: Some(42),
            ..PrintOptions::full(Format::Table)
        };
        let got = render(&sample(1), options);
        assert_eq!(
            got,
            "+------------------+---+----------------+\n\
             | 单位             | … |           支出 |\n\
             +------------------+---+----------------+\n\
             | 江苏省政协办公厅 | … | 101,504,800.00 |\n\
             +------------------+---+----------------+\n\
             1 row; 1 column not shown (year) — .mode line shows every column\n"
        );
    }

    #[test]
    fn line_csv_json_markdown_modes() {
        let b = sample(2);
        assert_eq!(
            render(&b, PrintOptions::full(Format::Line)),
            "单位 = 江苏省政协办公厅\nyear = 2017\nsupport\n"
                .replace("support\n", "支出 = 101504800.00\n")
                + "\n单位 = 上海市普陀区财政局\nyear = 2018\n支出 = NULL\n"
        );
        assert_eq!(
            render(&b, PrintOptions::full(Format::Csv)),
            "单位,year,支出\n江苏省政协办公厅,2017,101504800.00\n上海市普陀区财政局,2018,\n"
        );
        assert_eq!(
            render(&b, PrintOptions::full(Format::Ndjson)),
            "{\"单位\":\"江苏省政协办公厅\",\"year\":2017,\"支出\":101504800.00}\n{\"单位\":\"上海市普陀区财政局\",\"year\":2018}\n"
        );
        assert_eq!(
            render(&b, PrintOptions::full(Format::Markdown)),
            "| 单位 | year | 支出 |\n| --- | ---: | ---: |\n| 江苏省政协办公厅 | 2017 | 101504800.00 |\n| 上海市普陀区财政局 | 2018 | NULL |\n"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands("1234567.80"), "1,234,567.80");
        assert_eq!(thousands("-1234.5"), "-1,234.5");
        assert_eq!(thousands("123.00"), "123.00");
        assert_eq!(thousands("1000"), "1,000");
        assert_eq!(thousands("NaN"), "NaN");
    }
}
