//! Printing query results: table, csv, json, ndjson and markdown. Decimals print exactly
//! as stored (no float rounding).

use std::io::Write;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::json::{ArrayWriter, LineDelimitedWriter};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches;

/// Output formats of `yusuan sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Ndjson,
    Markdown,
}

/// Prints one statement's result.
pub fn print_batches(
    out: &mut dyn Write,
    batches: &[RecordBatch],
    format: Format,
) -> anyhow::Result<()> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    if first.schema().fields().is_empty() {
        return Ok(());
    }
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    match format {
        Format::Table => {
            writeln!(out, "{}", pretty_format_batches(batches)?)?;
            writeln!(out, "{rows} row{}", if rows == 1 { "" } else { "s" })?;
        }
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
        Format::Markdown => {
            let schema = first.schema();
            let names: Vec<String> = schema.fields().iter().map(|f| escape(f.name())).collect();
            writeln!(out, "| {} |", names.join(" | "))?;
            writeln!(
                out,
                "|{}",
                schema
                    .fields()
                    .iter()
                    .map(|f| if f.data_type().is_numeric() {
                        " ---: |"
                    } else {
                        " --- |"
                    })
                    .collect::<String>()
            )?;
            let opts = FormatOptions::default().with_null("NULL");
            for b in batches {
                let fmts = b
                    .columns()
                    .iter()
                    .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
                    .collect::<Result<Vec<_>, _>>()?;
                for row in 0..b.num_rows() {
                    let cells: Vec<String> = fmts
                        .iter()
                        .map(|f| escape(&f.value(row).to_string()))
                        .collect();
                    writeln!(out, "| {} |", cells.join(" | "))?;
                }
            }
        }
    }
    Ok(())
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
