//! Printing query results in every output mode: table and box (CJK-aware widths, numbers
//! right-aligned, money with thousands separators, wide results fitted to the terminal by
//! eliding middle columns, long results elided in the middle), line (one `column = value`
//! per line), csv, json, ndjson and markdown. Decimals print exactly as stored (no float
//! rounding). Owns formatting only: no query execution, no files.

use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::json::{ArrayWriter, LineDelimitedWriter};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use unicode_width::UnicodeWidthStr;

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

/// Prints one statement's result.
pub fn print_batches(
    out: &mut dyn Write,
    batches: &[RecordBatch],
    options: &PrintOptions,
) -> anyhow::Result<()> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    if first.schema().fields().is_empty() {
        return Ok(());
    }
    match options.format {
        Format::Table | Format::Box => grid(out, batches, options)?,
        Format::Line => lines(out, batches)?,
        Format::Csv => {
            let mut w = WriterBuilder::new().with_header(true).build(&mut *out);
            for b in batches {
                w.write(b)?;
            }
        }
        Format::Json => {
            let mut w = ArrayWriter::new(&mut *out);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            let mut w = LineDelimitedWriter::new(&mut *out);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        Format::Markdown => markdown(out, batches)?,
    }
    Ok(())
}

/// A result as text cells (NULL shown as `NULL`), with each column's type.
struct Cells {
    names: Vec<String>,
    types: Vec<DataType>,
    rows: Vec<Vec<String>>,
}

fn cells(batches: &[RecordBatch], group_money: bool) -> anyhow::Result<Cells> {
    let schema = batches[0].schema();
    let opts = FormatOptions::default().with_null("NULL");
    let types: Vec<DataType> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    let mut rows = Vec::new();
    for b in batches {
        let fmts = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..b.num_rows() {
            rows.push(
                fmts.iter()
                    .zip(&types)
                    .map(|(f, t)| {
                        let v = f.value(row).to_string();
                        if group_money && is_decimal(t) && v != "NULL" {
                            thousands(&v)
                        } else {
                            v
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok(Cells {
        names: schema.fields().iter().map(|f| f.name().clone()).collect(),
        types,
        rows,
    })
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

/// comfy-table's ASCII_FULL_CONDENSED with a `+---+---+` rule under the header.
const ASCII_GRID: &str = "||--+-++|    ++++++";

/// The table and box modes.
fn grid(
    out: &mut dyn Write,
    batches: &[RecordBatch],
    options: &PrintOptions,
) -> anyhow::Result<()> {
    let c = cells(batches, true)?;
    let total_rows = c.rows.len();
    let ncols = c.names.len();
    // Rows: the first and last halves when there are more than max_rows.
    let shown: Vec<Option<usize>> = match options.max_rows {
        Some(max) if total_rows > max && max >= 2 => {
            let head = max.div_ceil(2);
            let tail = max / 2;
            (0..head)
                .map(Some)
                .chain(std::iter::once(None))
                .chain((total_rows - tail..total_rows).map(Some))
                .collect()
        }
        _ => (0..total_rows).map(Some).collect(),
    };
    // Columns: as many from both ends as fit the width, the middle elided.
    let width_of = |i: usize| {
        shown
            .iter()
            .flatten()
            .map(|&r| c.rows[r][i].width())
            .chain(std::iter::once(c.names[i].width()))
            .max()
            .unwrap_or(0)
            + 3
    };
    let widths: Vec<usize> = (0..ncols).map(width_of).collect();
    let mut keep: Vec<usize> = (0..ncols).collect();
    if let Some(max) = options.max_width
        && widths.iter().sum::<usize>() + 1 > max
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
            if used + widths[i] > budget && !(left.is_empty() && take_left) {
                break;
            }
            used += widths[i];
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
    let elided_cols: Vec<usize> = (0..ncols).filter(|i| !keep.contains(i)).collect();
    let gap_at = (!elided_cols.is_empty()).then(|| {
        keep.iter()
            .position(|&k| k > elided_cols[0])
            .unwrap_or(keep.len())
    });
    let mut table = Table::new();
    table.load_preset(if options.format == Format::Box {
        UTF8_FULL_CONDENSED
    } else {
        ASCII_GRID
    });
    table.set_content_arrangement(ContentArrangement::Disabled);
    let with_gap = |mut v: Vec<String>| {
        if let Some(g) = gap_at {
            v.insert(g, "…".to_string());
        }
        v
    };
    table.set_header(with_gap(keep.iter().map(|&i| c.names[i].clone()).collect()));
    for row in &shown {
        let r = match row {
            Some(r) => with_gap(keep.iter().map(|&i| c.rows[*r][i].clone()).collect()),
            None => with_gap(keep.iter().map(|_| "…".to_string()).collect()),
        };
        table.add_row(r);
    }
    for (pos, &i) in keep.iter().enumerate() {
        let pos = match gap_at {
            Some(g) if pos >= g => pos + 1,
            _ => pos,
        };
        if c.types[i].is_numeric()
            && let Some(col) = table.column_mut(pos)
        {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")?;
    let mut footer = plural(total_rows, "row");
    if shown.contains(&None) {
        footer.push_str(&format!(
            " ({} shown; .maxrows N to see more)",
            shown.len() - 1
        ));
    }
    if !elided_cols.is_empty() {
        footer.push_str(&format!(
            "; {} not shown ({}) — .mode line shows every column",
            plural(elided_cols.len(), "column"),
            elided_cols
                .iter()
                .map(|&i| c.names[i].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    writeln!(out, "{footer}")?;
    Ok(())
}

/// The line mode: `column = value`, names padded to one width, a blank line between rows.
fn lines(out: &mut dyn Write, batches: &[RecordBatch]) -> anyhow::Result<()> {
    let c = cells(batches, false)?;
    let pad = c.names.iter().map(|n| n.width()).max().unwrap_or(0);
    for (n, row) in c.rows.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        for (name, value) in c.names.iter().zip(row) {
            let fill = " ".repeat(pad - name.width());
            writeln!(out, "{fill}{name} = {value}")?;
        }
    }
    Ok(())
}

fn markdown(out: &mut dyn Write, batches: &[RecordBatch]) -> anyhow::Result<()> {
    let c = cells(batches, false)?;
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
    )?;
    for row in &c.rows {
        writeln!(
            out,
            "| {} |",
            row.iter()
                .map(|v| escape(v))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
    }
    Ok(())
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
