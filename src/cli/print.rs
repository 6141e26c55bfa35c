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
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::json::LineDelimitedWriter;
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

/// Writes a result batch by batch in one output mode. A batch is rendered to bytes by a
/// [`Renderer`] (which needs nothing but the batch, so batches may be rendered on other
/// threads, [`ResultWriter::renderer`]) and the bytes written in order ([`ResultWriter::put`]),
/// the writer adding what joins them (headers, separators, brackets). Only the grid's first
/// rows (held to size its columns, or the first and last rows kept) are written here.
pub struct ResultWriter<'w> {
    out: Sink<'w>,
    state: State,
    broken: Arc<AtomicBool>,
}

enum State {
    /// A statement without columns (DDL, SET): nothing printed.
    Nothing,
    /// (Whether the header is written: with the first batch, or at the end for none.)
    Csv(SchemaRef, bool),
    /// (Whether a row was written: rows are joined by commas.)
    Json(bool),
    Ndjson,
    Markdown(Columns, bool),
    /// (Whether a row was written: rows are separated by a blank line.)
    Line(Arc<Vec<String>>, bool),
    Grid(Box<Grid>),
}

/// The columns' names and types.
struct Columns {
    names: Vec<String>,
    types: Vec<DataType>,
}

/// Renders one batch to bytes, independently of every other batch.
#[derive(Clone)]
pub enum Renderer {
    Nothing,
    Csv,
    /// JSON objects joined by commas (the writer adds the brackets and the comma between
    /// batches).
    Json,
    Ndjson,
    Markdown,
    /// `name = value` lines, a blank line between rows; the names padded, once.
    Line(Arc<Vec<String>>),
    Grid(Arc<GridRows>),
}

/// One batch rendered: its bytes and its row count.
pub struct Rendered {
    bytes: Vec<u8>,
    rows: usize,
}

impl Renderer {
    pub fn render(&self, batch: &RecordBatch) -> anyhow::Result<Rendered> {
        let mut bytes = Vec::new();
        let rows = batch.num_rows();
        match self {
            Renderer::Nothing => {}
            Renderer::Csv => {
                let mut w = WriterBuilder::new().with_header(false).build(&mut bytes);
                w.write(batch)?;
            }
            Renderer::Ndjson | Renderer::Json => {
                let mut w = LineDelimitedWriter::new(&mut bytes);
                w.write(batch)?;
                w.finish()?;
                if matches!(self, Renderer::Json) {
                    // (Objects escape their line breaks: one per line.)
                    if bytes.last() == Some(&b'\n') {
                        bytes.pop();
                    }
                    for b in bytes.iter_mut() {
                        if *b == b'\n' {
                            *b = b',';
                        }
                    }
                }
            }
            Renderer::Markdown => {
                let text = BatchText::new(batch, false)?;
                let (mut cell, mut line) = (String::new(), String::new());
                for row in 0..rows {
                    line.clear();
                    line.push('|');
                    for col in 0..text.columns() {
                        text.cell(col, row, &mut cell);
                        line.push(' ');
                        if cell.contains(['|', '\n']) {
                            line.push_str(&cell.replace('|', "\\|").replace('\n', " "));
                        } else {
                            line.push_str(&cell);
                        }
                        line.push_str(" |");
                    }
                    line.push('\n');
                    bytes.extend_from_slice(line.as_bytes());
                }
            }
            Renderer::Line(names) => {
                let text = BatchText::new(batch, false)?;
                let mut cell = String::new();
                for row in 0..rows {
                    if row > 0 {
                        bytes.push(b'\n');
                    }
                    for (col, name) in names.iter().enumerate() {
                        text.cell(col, row, &mut cell);
                        bytes.extend_from_slice(name.as_bytes());
                        bytes.extend_from_slice(cell.as_bytes());
                        bytes.push(b'\n');
                    }
                }
            }
            Renderer::Grid(g) => {
                // (Text cells are read from their arrays where they are; the others are
                // formatted into one buffer per column.)
                let text = BatchText::new(batch, true)?;
                let mut formatted = vec![String::new(); text.columns()];
                for row in 0..rows {
                    for (col, f) in formatted.iter_mut().enumerate() {
                        if !text.is_text(col) {
                            text.cell(col, row, f);
                        }
                    }
                    g.row_into(&mut bytes, |col| {
                        text.text(col, row).unwrap_or(&formatted[col])
                    });
                }
            }
        }
        Ok(Rendered { bytes, rows })
    }
}

impl<'w> ResultWriter<'w> {
    pub fn new(
        out: &'w mut dyn Write,
        schema: SchemaRef,
        options: &PrintOptions,
    ) -> anyhow::Result<ResultWriter<'w>> {
        let broken = Arc::new(AtomicBool::new(false));
        let out = Sink {
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
        let state = if columns.names.is_empty() {
            State::Nothing
        } else {
            match options.format {
                Format::Csv => State::Csv(schema, false),
                Format::Json => State::Json(false),
                Format::Ndjson => State::Ndjson,
                Format::Markdown => State::Markdown(columns, false),
                Format::Line => {
                    let pad = columns.names.iter().map(|n| n.width()).max().unwrap_or(0);
                    let names = columns
                        .names
                        .iter()
                        .map(|n| format!("{}{n} = ", " ".repeat(pad - n.width())))
                        .collect();
                    State::Line(Arc::new(names), false)
                }
                Format::Table | Format::Box => State::Grid(Box::new(Grid::new(columns, options))),
            }
        };
        Ok(ResultWriter { out, state, broken })
    }

    /// What renders the next batches, when they can be rendered on their own: always but
    /// for a grid still reading its first rows, or keeping its first and last.
    pub fn renderer(&self) -> Option<Renderer> {
        Some(match &self.state {
            State::Nothing => Renderer::Nothing,
            State::Csv(..) => Renderer::Csv,
            State::Json(_) => Renderer::Json,
            State::Ndjson => Renderer::Ndjson,
            State::Markdown(..) => Renderer::Markdown,
            State::Line(names, _) => Renderer::Line(names.clone()),
            State::Grid(g) => Renderer::Grid(g.rows.clone()?),
        })
    }

    /// Writes one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        let result = match (self.renderer(), &mut self.state) {
            (None, State::Grid(g)) => g.write(&mut self.out, batch),
            (Some(r), _) => r.render(batch).and_then(|r| self.put_inner(r)),
            (None, _) => Ok(()),
        };
        self.closed_pipe(result)
    }

    /// Writes a batch rendered by [`ResultWriter::renderer`]'s renderer (in the batches'
    /// order).
    pub fn put(&mut self, rendered: Rendered) -> anyhow::Result<()> {
        let result = self.put_inner(rendered);
        self.closed_pipe(result)
    }

    fn put_inner(&mut self, r: Rendered) -> anyhow::Result<()> {
        let out = &mut self.out;
        match &mut self.state {
            State::Nothing => return Ok(()),
            State::Csv(schema, header) => {
                if !std::mem::replace(header, true) {
                    csv_header(out, schema)?;
                }
            }
            State::Json(started) => {
                if r.rows > 0 {
                    out.write_all(if std::mem::replace(started, true) {
                        b","
                    } else {
                        b"["
                    })?;
                }
            }
            State::Ndjson => {}
            State::Markdown(c, header) => {
                if !std::mem::replace(header, true) {
                    markdown_header(out, c)?;
                }
            }
            State::Line(_, started) => {
                if r.rows > 0 && std::mem::replace(started, true) {
                    out.write_all(b"\n")?;
                }
            }
            State::Grid(g) => g.total += r.rows,
        }
        out.write_all(&r.bytes)?;
        Ok(())
    }

    /// Ends the result (closing brackets, the grid's last rows and footer) and flushes.
    pub fn finish(mut self) -> anyhow::Result<()> {
        let result = (|| -> anyhow::Result<()> {
            let out = &mut self.out;
            match std::mem::replace(&mut self.state, State::Nothing) {
                State::Nothing | State::Ndjson | State::Line(..) => {}
                State::Csv(schema, header) => {
                    if !header {
                        csv_header(out, &schema)?;
                    }
                }
                State::Json(started) => {
                    out.write_all(if started { b"]\n" } else { b"[]\n" })?;
                }
                State::Markdown(c, header) => {
                    if !header {
                        markdown_header(out, &c)?;
                    }
                }
                State::Grid(g) => g.finish(out)?,
            }
            out.flush()?;
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

/// The CSV header line, as the CSV writer writes it (quoted where needed).
fn csv_header(out: &mut dyn Write, schema: &SchemaRef) -> anyhow::Result<()> {
    let mut w = WriterBuilder::new().with_header(true).build(out);
    w.write(&RecordBatch::new_empty(schema.clone()))?;
    Ok(())
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

/// A batch's cells as text: NULL shown as `NULL`, decimals grouped by thousands when
/// `group_money`; each cell formatted into a buffer the caller reuses (text columns copied
/// straight from their arrays, the others through Arrow's formatter).
struct BatchText<'a> {
    columns: Vec<ColumnText<'a>>,
    /// Scratch for a decimal before its grouping.
    scratch: std::cell::RefCell<String>,
}

enum ColumnText<'a> {
    Utf8View(&'a datafusion::arrow::array::StringViewArray),
    Utf8(&'a datafusion::arrow::array::StringArray),
    Other(ArrayFormatter<'a>, bool),
}

impl<'a> BatchText<'a> {
    fn new(batch: &'a RecordBatch, group_money: bool) -> anyhow::Result<BatchText<'a>> {
        use datafusion::arrow::array::AsArray;
        let opts = FormatOptions::default().with_null("NULL");
        let columns = batch
            .columns()
            .iter()
            .map(|c| {
                Ok(match c.data_type() {
                    DataType::Utf8View => ColumnText::Utf8View(c.as_string_view()),
                    DataType::Utf8 => ColumnText::Utf8(c.as_string::<i32>()),
                    t => ColumnText::Other(
                        ArrayFormatter::try_new(c.as_ref(), &opts)?,
                        group_money && is_decimal(t),
                    ),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(BatchText {
            columns,
            scratch: Default::default(),
        })
    }

    fn columns(&self) -> usize {
        self.columns.len()
    }

    /// Whether column `col` is text (read in place by [`BatchText::text`]).
    fn is_text(&self, col: usize) -> bool {
        !matches!(self.columns[col], ColumnText::Other(..))
    }

    /// The text cell at (`col`, `row`) as it is in its array (`NULL` for null); `None`
    /// for a column that is not text.
    fn text(&self, col: usize, row: usize) -> Option<&'a str> {
        use datafusion::arrow::array::Array;
        match &self.columns[col] {
            ColumnText::Utf8View(a) => Some(if a.is_null(row) { "NULL" } else { a.value(row) }),
            ColumnText::Utf8(a) => Some(if a.is_null(row) { "NULL" } else { a.value(row) }),
            ColumnText::Other(..) => None,
        }
    }

    /// The cell at (`col`, `row`) into `out` (cleared first).
    fn cell(&self, col: usize, row: usize, out: &mut String) {
        use datafusion::arrow::array::Array;
        use std::fmt::Write as _;
        out.clear();
        match &self.columns[col] {
            ColumnText::Utf8View(a) if a.is_null(row) => out.push_str("NULL"),
            ColumnText::Utf8View(a) => out.push_str(a.value(row)),
            ColumnText::Utf8(a) if a.is_null(row) => out.push_str("NULL"),
            ColumnText::Utf8(a) => out.push_str(a.value(row)),
            ColumnText::Other(f, money) => {
                if *money {
                    let mut scratch = self.scratch.borrow_mut();
                    scratch.clear();
                    let _ = write!(scratch, "{}", f.value(row));
                    if *scratch == "NULL" {
                        out.push_str("NULL");
                    } else {
                        thousands_into(&scratch, out);
                    }
                } else {
                    let _ = write!(out, "{}", f.value(row));
                }
            }
        }
    }
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
use yusuan::report::write::thousands_into;

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
    rows: Option<Arc<GridRows>>,
}

/// How a grid's rows print once its layout is fixed: which columns, how wide, where the
/// elided ones are.
pub struct GridRows {
    keep: Vec<usize>,
    widths: Vec<usize>,
    gap_at: Option<usize>,
    elided: Vec<usize>,
    numeric: Vec<bool>,
    boxed: bool,
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
            rows: None,
        }
    }

    /// Takes a batch while the layout is not fixed: the sample, or the first and last
    /// rows kept with `max_rows`.
    fn write(&mut self, out: &mut dyn Write, batch: &RecordBatch) -> anyhow::Result<()> {
        let text = BatchText::new(batch, true)?;
        let ncols = text.columns();
        let mut line = Vec::new();
        for row in 0..batch.num_rows() {
            self.total += 1;
            // (Once the tail is full, its oldest row's buffers take the new row.)
            let tail_full = self.max_rows.is_some_and(|m| {
                self.head.len() >= m.div_ceil(2) && m / 2 > 0 && self.tail.len() >= m / 2
            });
            let mut cells = if tail_full {
                self.tail.pop_front().unwrap_or_default()
            } else {
                Vec::new()
            };
            cells.resize(ncols, String::new());
            fill_cells(&self.numeric, &text, row, &mut cells);
            match (self.max_rows, &self.rows) {
                (Some(max), _) => {
                    if self.head.len() < max.div_ceil(2) {
                        self.head.push(cells);
                    } else if max / 2 > 0 {
                        self.tail.push_back(cells);
                    }
                }
                // (The rest of the batch that completed the sample.)
                (None, Some(rows)) => rows.row(out, Some(&cells), &mut line)?,
                (None, None) => {
                    self.head.push(cells);
                    if self.head.len() >= SAMPLE_ROWS {
                        let rows = Arc::new(self.layout(&self.head));
                        self.header(out, &rows)?;
                        for r in &self.head {
                            rows.row(out, Some(r), &mut line)?;
                        }
                        self.head = Vec::new();
                        self.rows = Some(rows);
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(mut self, out: &mut dyn Write) -> anyhow::Result<()> {
        let elided_rows = self.max_rows.is_some() && self.total > self.head.len() + self.tail.len();
        let rows = match self.rows.take() {
            Some(r) => r,
            None => {
                let sample: Vec<Vec<String>> =
                    self.head.drain(..).chain(self.tail.drain(..)).collect();
                let rows = Arc::new(self.layout(&sample));
                self.header(out, &rows)?;
                let split = self.max_rows.map_or(sample.len(), |m| m.div_ceil(2));
                let mut line = Vec::new();
                for (i, r) in sample.iter().enumerate() {
                    if elided_rows && i == split {
                        rows.row(out, None, &mut line)?;
                    }
                    rows.row(out, Some(r), &mut line)?;
                }
                rows
            }
        };
        rows.rule(out, Rule::Bottom)?;
        let mut footer = plural(self.total, "row");
        if elided_rows {
            footer.push_str(&format!(
                " ({} shown; .maxrows N to see more)",
                self.max_rows.unwrap_or_default()
            ));
        }
        if !rows.elided.is_empty() {
            footer.push_str(&format!(
                "; {} not shown ({}) — .mode line shows every column",
                plural(rows.elided.len(), "column"),
                rows.elided
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
    fn layout(&self, sample: &[Vec<String>]) -> GridRows {
        let ncols = self.columns.names.len();
        let widths: Vec<usize> = (0..ncols)
            .map(|i| {
                sample
                    .iter()
                    .map(|r| width_of(&r[i]))
                    .chain(std::iter::once(width_of(&self.columns.names[i])))
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
        GridRows {
            keep,
            widths,
            gap_at,
            elided,
            numeric: self.numeric.clone(),
            boxed: self.boxed,
        }
    }

    fn header(&self, out: &mut dyn Write, rows: &GridRows) -> std::io::Result<()> {
        rows.rule(out, Rule::Top)?;
        rows.row(out, Some(&self.columns.names), &mut Vec::new())?;
        rows.rule(out, Rule::Header)
    }
}

/// A row's cells into `cells`, a text cell cut at [`MAX_CELL_WIDTH`].
fn fill_cells(numeric: &[bool], text: &BatchText, row: usize, cells: &mut [String]) {
    for (col, cell) in cells.iter_mut().enumerate() {
        text.cell(col, row, cell);
        // (A cell of at most MAX_CELL_WIDTH bytes is at most that wide.)
        if !numeric[col]
            && ((cell.len() > MAX_CELL_WIDTH && width_of(cell) > MAX_CELL_WIDTH)
                || cell.contains('\n'))
        {
            *cell = clip(cell, MAX_CELL_WIDTH);
        }
    }
}

impl GridRows {
    /// The cells of a row as printed: the kept columns, with the gap (`…`) where the
    /// elided ones are; `None` is the row of `…` that stands for elided rows.
    fn line<'r>(&self, row: Option<&'r [String]>) -> Vec<(usize, bool, &'r str)> {
        let mut cells: Vec<(usize, bool, &str)> = self
            .keep
            .iter()
            .map(|&i| {
                let text = row.map_or("…", |r| r[i].as_str());
                (self.widths[i], self.numeric[i], text)
            })
            .collect();
        if let Some(g) = self.gap_at {
            cells.insert(g, (1, false, "…"));
        }
        cells
    }

    fn row(
        &self,
        out: &mut dyn Write,
        row: Option<&[String]>,
        line: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        line.clear();
        match row {
            Some(r) => self.row_into(line, |col| r[col].as_str()),
            None => self.row_into(line, |_| "…"),
        }
        out.write_all(line)
    }

    /// A row as printed, appended to `buf` (the hot path of table and box modes: no
    /// allocation unless a cell is cut).
    fn row_into<'c>(&self, buf: &mut Vec<u8>, cell: impl Fn(usize) -> &'c str) {
        let (outer, inner): (&[u8], &[u8]) = if self.boxed {
            ("│".as_bytes(), "┆".as_bytes())
        } else {
            (b"|", b"|")
        };
        buf.extend_from_slice(outer);
        let gap = self.gap_at.unwrap_or(usize::MAX);
        let slots = self.keep.len() + usize::from(self.gap_at.is_some());
        let mut kept = self.keep.iter();
        for n in 0..slots {
            if n > 0 {
                buf.extend_from_slice(inner);
            }
            let (width, right, text) = if n == gap {
                (1, false, "…")
            } else {
                let i = *kept.next().expect("a kept column per slot");
                (self.widths[i], self.numeric[i], cell(i))
            };
            // (A text wider than its column — a row after the sample — is cut, and one
            // with a line break put on one line; a number never is cut: it widens its cell.)
            let mut shown = width_of(text);
            let cut;
            let text = if !right && (shown > width || text.contains('\n')) {
                cut = clip(text, width);
                shown = width_of(&cut);
                cut.as_str()
            } else {
                text
            };
            let fill = width.saturating_sub(shown);
            buf.push(b' ');
            if right {
                spaces(buf, fill);
                buf.extend_from_slice(text.as_bytes());
            } else {
                buf.extend_from_slice(text.as_bytes());
                spaces(buf, fill);
            }
            buf.push(b' ');
        }
        buf.extend_from_slice(outer);
        buf.push(b'\n');
    }

    fn rule(&self, out: &mut dyn Write, rule: Rule) -> std::io::Result<()> {
        let (left, fill, cross, right) = match (self.boxed, rule) {
            (false, _) => ('+', '-', '+', '+'),
            (true, Rule::Top) => ('┌', '─', '┬', '┐'),
            (true, Rule::Header) => ('╞', '═', '╪', '╡'),
            (true, Rule::Bottom) => ('└', '─', '┴', '┘'),
        };
        let mut line = String::new();
        line.push(left);
        for (n, (width, ..)) in self.line(None).into_iter().enumerate() {
            if n > 0 {
                line.push(cross);
            }
            line.extend(std::iter::repeat_n(fill, width + 2));
        }
        line.push(right);
        writeln!(out, "{line}")
    }
}

/// `n` spaces appended to `buf`.
fn spaces(buf: &mut Vec<u8>, n: usize) {
    const SPACES: &[u8] = &[b' '; 64];
    let mut left = n;
    while left > 0 {
        let k = left.min(SPACES.len());
        buf.extend_from_slice(&SPACES[..k]);
        left -= k;
    }
}

#[derive(Clone, Copy)]
enum Rule {
    Top,
    Header,
    Bottom,
}

/// A text's width in terminal columns (ASCII: its length; CJK ideographs, their
/// punctuation and full-width forms: 2 without a table lookup).
fn width_of(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    text.chars()
        .map(|c| match c as u32 {
            0x20..=0x7e => 1,
            0x3000..=0x303e | 0x4e00..=0x9fff | 0xff01..=0xff60 => 2,
            _ => c.width().unwrap_or(0),
        })
        .sum()
}

/// `text` cut to at most `width` terminal columns, ending in `…` when cut; a line break
/// shows as `↵` (a cell is one line).
fn clip(text: &str, width: usize) -> String {
    if width_of(text) <= width && !text.contains('\n') {
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

    use yusuan::report::write::thousands;

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
