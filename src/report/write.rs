//! A run's files, written into a folder that is not yet published: the HTML page(s)
//! (minijinja templates, SVG charts inline, no external resource), each section's result as
//! CSV (UTF-8 with BOM) and Parquet, one `.xlsx` workbook with a sheet per section, a
//! Markdown summary, and `run.json`. Every file but `run.json` depends only on the report,
//! its parameters and the dataset version read, byte for byte. Owns formatting of cells
//! for people (thousands separators); runs no query.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use serde::Serialize;

use super::chart;
use super::definition::{Report, Value};
use super::execute::{Bound, SectionResult};
use super::io;
use crate::error::{Error, Result};

const PAGE_TEMPLATE: &str = include_str!("templates/page.html.j2");

/// `-1234567.80` → `-1,234,567.80`.
pub fn thousands(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + v.len() / 3);
    thousands_into(v, &mut out);
    out
}

/// [`thousands`] appended to `out` (no allocation of its own).
pub fn thousands_into(v: &str, out: &mut String) {
    let (sign, rest) = v.strip_prefix('-').map_or(("", v), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) {
        out.push_str(v);
        return;
    }
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
}

/// Whether a column is shown without thousands separators: years, codes, and the
/// columns a section names `plain`.
fn is_plain(name: &str, plain: &[String]) -> bool {
    name == "year"
        || name.ends_with("_year")
        || name.ends_with("_code")
        || name.ends_with("code")
        || plain.iter().any(|p| p == name)
}

/// A display formatter per column of `b`.
fn formatters<'a>(
    b: &'a RecordBatch,
    opts: &'a FormatOptions<'a>,
) -> Result<Vec<ArrayFormatter<'a>>> {
    Ok(b.columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), opts))
        .collect::<std::result::Result<Vec<_>, _>>()?)
}

/// A column as people read it.
#[derive(Debug, Serialize)]
pub struct Column {
    pub name: String,
    /// The heading shown (the report's label for the column, else its name).
    pub label: String,
    pub numeric: bool,
}

/// A result as display text: NULL as empty, numbers grouped by thousands.
pub fn display_rows(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    plain: &[String],
    labels: &BTreeMap<String, String>,
    limit: usize,
) -> Result<(Vec<Column>, Vec<Vec<String>>)> {
    let opts = FormatOptions::default();
    let columns: Vec<Column> = schema
        .fields()
        .iter()
        .map(|f| Column {
            name: f.name().clone(),
            label: labels.get(f.name()).unwrap_or(f.name()).clone(),
            numeric: f.data_type().is_numeric(),
        })
        .collect();
    let mut rows = Vec::new();
    'batches: for b in batches {
        let fmts = formatters(b, &opts)?;
        for r in 0..b.num_rows() {
            if rows.len() >= limit {
                break 'batches;
            }
            rows.push(
                b.columns()
                    .iter()
                    .zip(&fmts)
                    .zip(&columns)
                    .map(|((col, f), c)| {
                        if col.is_null(r) {
                            String::new()
                        } else if c.numeric && !is_plain(&c.name, plain) {
                            thousands(&f.value(r).to_string())
                        } else {
                            f.value(r).to_string()
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok((columns, rows))
}

/// CSV with a UTF-8 byte-order mark (Excel and WPS read UTF-8 only with one), header row,
/// values as Arrow prints them (exact decimals, no separators).
pub fn write_csv(path: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(path).map_err(io("creating", path))?);
    file.write_all(b"\xEF\xBB\xBF")
        .map_err(io("writing", path))?;
    {
        let mut w = datafusion::arrow::csv::WriterBuilder::new()
            .with_header(true)
            .build(&mut file);
        if batches.is_empty() {
            w.write(&RecordBatch::new_empty(schema.clone()))?;
        }
        for b in batches {
            w.write(b)?;
        }
    }
    file.flush().map_err(io("writing", path))?;
    file.into_inner()
        .map_err(|e| Error::io("writing", path, e.into_error()))?
        .sync_all()
        .map_err(io("writing", path))?;
    Ok(())
}

/// Parquet, as DataFusion and every Parquet reader read it. Text is stored as plain
/// `Utf8` (view types cast), so the file — including the Arrow schema Parquet keeps —
/// is the same whether the engine read text as views (local) or not (a cluster), and
/// readers that predate view types read it too.
pub fn write_parquet(path: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    use datafusion::arrow::datatypes::{Field, Schema};
    let file = std::fs::File::create(path).map_err(io("creating", path))?;
    let parquet = |source| Error::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let plain = |t: &DataType| match t {
        DataType::Utf8View => DataType::Utf8,
        DataType::BinaryView => DataType::Binary,
        other => other.clone(),
    };
    let stored: SchemaRef = std::sync::Arc::new(Schema::new_with_metadata(
        schema
            .fields()
            .iter()
            .map(|f| Field::clone(f).with_data_type(plain(f.data_type())))
            .collect::<Vec<_>>(),
        schema.metadata().clone(),
    ));
    let mut w = datafusion::parquet::arrow::ArrowWriter::try_new(file, stored.clone(), None)
        .map_err(parquet)?;
    for b in batches {
        let columns = b
            .columns()
            .iter()
            .zip(stored.fields())
            .map(|(c, f)| datafusion::arrow::compute::cast(c, f.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .and_then(|columns| RecordBatch::try_new(stored.clone(), columns))
            .map_err(|e| parquet(e.into()))?;
        w.write(&columns).map_err(parquet)?;
    }
    w.close().map_err(parquet)?;
    Ok(())
}

/// An Excel sheet name: at most 31 characters, none of `[]:*?/\`, unique in the book.
fn sheet_name(title: &str, id: &str, used: &mut Vec<String>) -> String {
    let clean: String = title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    let name = if clean.trim().is_empty() || used.contains(&clean) {
        id.chars().take(31).collect()
    } else {
        clean
    };
    used.push(name.clone());
    name
}

/// Writes `sheets` (name, schema, batches) to an `.xlsx` workbook: a bold header row,
/// numbers as numbers (decimals shown with their scale and thousands separators; Excel
/// itself holds them as doubles, exact to the cent below 10^13), text as text. The
/// document's creation time is `created` so that the same content gives the same bytes.
pub fn write_xlsx(
    path: &Path,
    sheets: &[(String, SchemaRef, &[RecordBatch])],
    labels: &BTreeMap<String, String>,
    created_ms: i64,
) -> Result<()> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as XFormat, Workbook};
    let xlsx = |e: rust_xlsxwriter::XlsxError| Error::Report {
        location: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut book = Workbook::new();
    let secs = created_ms.div_euclid(1000);
    let created = ExcelDateTime::from_timestamp(secs).map_err(xlsx)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = XFormat::new().set_bold();
    let opts = FormatOptions::default();
    let mut formats: BTreeMap<i8, XFormat> = BTreeMap::new();
    for (name, schema, batches) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name).map_err(xlsx)?;
        for (c, f) in schema.fields().iter().enumerate() {
            sheet
                .write_string_with_format(
                    0,
                    c as u16,
                    labels.get(f.name()).unwrap_or(f.name()),
                    &bold,
                )
                .map_err(xlsx)?;
        }
        let mut row = 1u32;
        for b in batches.iter() {
            let fmts = formatters(b, &opts)?;
            for r in 0..b.num_rows() {
                for (c, (col, fmt)) in b.columns().iter().zip(&fmts).enumerate() {
                    if col.is_null(r) {
                        continue;
                    }
                    let text = fmt.value(r).to_string();
                    let scale = match col.data_type() {
                        DataType::Decimal32(_, s)
                        | DataType::Decimal64(_, s)
                        | DataType::Decimal128(_, s)
                        | DataType::Decimal256(_, s) => Some(*s),
                        t if t.is_integer() => Some(0),
                        t if t.is_floating() => Some(-1),
                        _ => None,
                    };
                    match (scale, text.parse::<f64>()) {
                        (Some(scale), Ok(v)) => {
                            let format = formats.entry(scale).or_insert_with(|| {
                                XFormat::new().set_num_format(match scale {
                                    0 => "0".to_string(),
                                    s if s > 0 => format!("#,##0.{}", "0".repeat(s as usize)),
                                    _ => "General".to_string(),
                                })
                            });
                            sheet
                                .write_number_with_format(row, c as u16, v, format)
                                .map_err(xlsx)?;
                        }
                        _ => {
                            sheet.write_string(row, c as u16, &text).map_err(xlsx)?;
                        }
                    }
                }
                row += 1;
            }
        }
    }
    book.save(path).map_err(xlsx)?;
    Ok(())
}

fn markdown_table(columns: &[Column], rows: &[Vec<String>]) -> String {
    let escape = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::new();
    out.push_str("| ");
    out.push_str(
        &columns
            .iter()
            .map(|c| escape(&c.label))
            .collect::<Vec<_>>()
            .join(" | "),
    );
    out.push_str(" |\n|");
    for c in columns {
        out.push_str(if c.numeric { " ---: |" } else { " --- |" });
    }
    out.push('\n');
    for r in rows {
        out.push_str("| ");
        out.push_str(&r.iter().map(|v| escape(v)).collect::<Vec<_>>().join(" | "));
        out.push_str(" |\n");
    }
    out
}

/// A file-name-safe form of a page value (unique among `used`).
pub fn slug(value: &str, used: &mut Vec<String>) -> String {
    let mut s: String = value
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) || c == '.' && value.len() < 3 {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect();
    if s.trim().is_empty() {
        s = "_".into();
    }
    let mut candidate = s.clone();
    let mut n = 2;
    while used.contains(&candidate) {
        candidate = format!("{s}-{n}");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

/// What the page template receives for a section.
#[derive(Debug, Serialize)]
struct SectionView {
    id: String,
    title: String,
    description: Option<String>,
    /// The chart as SVG (inserted unescaped).
    chart: Option<String>,
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
    total_rows: usize,
    csv: Option<String>,
}

#[derive(Debug, Serialize)]
struct PageLink {
    title: String,
    href: String,
}

#[derive(Debug, Serialize)]
struct PageView {
    report_title: String,
    title: String,
    description: Option<String>,
    params: Vec<(String, String)>,
    version: u64,
    sections: Vec<SectionView>,
    /// Pages of a `per` report (on the index).
    pages: Vec<PageLink>,
    /// Link back to the index (on a page).
    index: Option<String>,
    /// Relative path from this page to the run folder.
    root: String,
}

/// What a run is written from.
pub struct RunData<'a> {
    pub report: &'a Report,
    pub bound: &'a Bound,
    pub results: &'a [SectionResult],
    pub version: u64,
    pub version_time_ms: i64,
}

fn section_view(
    data: &RunData<'_>,
    result: &SectionResult,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    csv: Option<String>,
) -> Result<SectionView> {
    let section = &data.report.sections[result.section];
    let chart = match &section.chart {
        Some(spec) => {
            let mut d = chart::data(spec, batches).map_err(|e| Error::Report {
                location: format!("{} (section {})", spec.at, section.id),
                reason: e,
            })?;
            // Series named by their column read as the column's label.
            if spec.series.is_none() {
                for (name, _) in &mut d.series {
                    *name = data.report.label(name).to_string();
                }
            }
            Some(chart::svg(spec, &d).map_err(|e| Error::Report {
                location: format!("{} (section {})", spec.at, section.id),
                reason: e,
            })?)
        }
        None => None,
    };
    let (columns, rows) = display_rows(
        schema,
        batches,
        &section.plain,
        &data.report.labels,
        data.report.max_rows,
    )?;
    Ok(SectionView {
        id: section.id.clone(),
        title: section.title.clone(),
        description: section.description.clone(),
        chart,
        columns,
        rows,
        total_rows: batches.iter().map(|b| b.num_rows()).sum(),
        csv,
    })
}

fn render(env: &minijinja::Environment<'_>, view: &PageView, path: &Path) -> Result<()> {
    let template = env.get_template("page").map_err(|e| Error::Report {
        location: path.display().to_string(),
        reason: format!("template: {e}"),
    })?;
    let html = template
        .render(minijinja::value::Serde(view))
        .map_err(|e| Error::Report {
            location: path.display().to_string(),
            reason: format!("template: {e:#}"),
        })?;
    std::fs::write(path, html).map_err(io("writing", path))
}

/// Writes every output the report asks for into `dir` (which exists and is empty).
pub fn write_all(data: &RunData<'_>, dir: &Path) -> Result<Vec<String>> {
    let report = data.report;
    let mut files = Vec::new();
    let data_dir = dir.join("data");
    if report.writes("csv") || report.writes("parquet") {
        std::fs::create_dir(&data_dir).map_err(io("creating", &data_dir))?;
    }
    for r in data.results {
        let id = &report.sections[r.section].id;
        if report.writes("csv") {
            let p = data_dir.join(format!("{id}.csv"));
            write_csv(&p, &r.schema, &r.batches)?;
            files.push(format!("data/{id}.csv"));
        }
        if report.writes("parquet") {
            let p = data_dir.join(format!("{id}.parquet"));
            write_parquet(&p, &r.schema, &r.batches)?;
            files.push(format!("data/{id}.parquet"));
        }
    }
    if report.writes("xlsx") {
        let mut used = Vec::new();
        let sheets: Vec<(String, SchemaRef, &[RecordBatch])> = data
            .results
            .iter()
            .map(|r| {
                let s = &report.sections[r.section];
                (
                    sheet_name(&s.title, &s.id, &mut used),
                    r.schema.clone(),
                    r.batches.as_slice(),
                )
            })
            .collect();
        let name = format!("{}.xlsx", report.name);
        write_xlsx(
            &dir.join(&name),
            &sheets,
            &report.labels,
            data.version_time_ms,
        )?;
        files.push(name);
    }
    let mut params: Vec<(String, String)> = data
        .bound
        .values
        .iter()
        .map(|(k, v)| (report.label(k).to_string(), v.to_string()))
        .collect();
    params.sort();
    let csv_name = |id: &str| report.writes("csv").then(|| format!("data/{id}.csv"));
    // Pages of a `per` report, with their file names.
    let mut used = Vec::new();
    let pages: Vec<(Value, String)> = data
        .bound
        .pages
        .iter()
        .map(|v| (v.clone(), slug(&v.to_string(), &mut used)))
        .collect();
    if report.writes("html") {
        let mut env = minijinja::Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        let source = report
            .template
            .as_ref()
            .map_or(PAGE_TEMPLATE, |(t, _)| t.as_str());
        env.add_template("page", source)
            .map_err(|e| Error::Report {
                location: report
                    .template
                    .as_ref()
                    .map_or("built-in page template".into(), |(_, p)| {
                        p.display().to_string()
                    }),
                reason: format!("{e:#}"),
            })?;
        let mut sections = Vec::new();
        for r in data.results.iter().filter(|r| r.pages.is_none()) {
            let id = &report.sections[r.section].id;
            sections.push(section_view(
                data,
                r,
                &r.schema,
                &r.batches,
                csv_name(id).map(|c| c.to_string()),
            )?);
        }
        let links = pages
            .iter()
            .map(|(v, slug)| PageLink {
                title: v.to_string(),
                href: format!("pages/{slug}.html"),
            })
            .collect();
        let index = PageView {
            report_title: report.title.clone(),
            title: report.title.clone(),
            description: report.description.clone(),
            params: params.clone(),
            version: data.version,
            sections,
            pages: links,
            index: None,
            root: String::new(),
        };
        render(&env, &index, &dir.join("index.html"))?;
        files.push("index.html".into());
        if !pages.is_empty() {
            let pages_dir = dir.join("pages");
            std::fs::create_dir(&pages_dir).map_err(io("creating", &pages_dir))?;
            for (i, (value, slug)) in pages.iter().enumerate() {
                let mut sections = Vec::new();
                for r in data.results.iter() {
                    let Some(per_pages) = &r.pages else { continue };
                    let id = &report.sections[r.section].id;
                    let batches = &per_pages[i];
                    let schema = batches
                        .first()
                        .map(|b| b.schema())
                        .unwrap_or_else(|| r.schema.clone());
                    sections.push(section_view(
                        data,
                        r,
                        &schema,
                        batches,
                        csv_name(id).map(|c| format!("../{c}")),
                    )?);
                }
                let mut page_params = params.clone();
                if let Some(per) = &report.per {
                    page_params.push((report.label(per).to_string(), value.to_string()));
                }
                let view = PageView {
                    report_title: report.title.clone(),
                    title: format!("{} · {}", report.title, value),
                    description: report.description.clone(),
                    params: page_params,
                    version: data.version,
                    sections,
                    pages: Vec::new(),
                    index: Some("../index.html".into()),
                    root: "../".into(),
                };
                let path = pages_dir.join(format!("{slug}.html"));
                render(&env, &view, &path)?;
                files.push(format!("pages/{slug}.html"));
            }
        }
    }
    if report.writes("markdown") {
        let mut md = format!("# {}\n\n", report.title);
        if let Some(d) = &report.description {
            md.push_str(&format!("{d}\n\n"));
        }
        md.push_str(&format!("- dataset version: {}\n", data.version));
        for (k, v) in &params {
            md.push_str(&format!("- {k}: {v}\n"));
        }
        if let Some(per) = &report.per {
            md.push_str(&format!("- pages ({per}): {}\n", data.bound.pages.len()));
        }
        md.push('\n');
        for r in data.results {
            let s = &report.sections[r.section];
            let (columns, rows) = display_rows(
                &r.schema,
                &r.batches,
                &s.plain,
                &report.labels,
                report.max_rows,
            )?;
            md.push_str(&format!("## {}\n\n", s.title));
            if let Some(d) = &s.description {
                md.push_str(&format!("{d}\n\n"));
            }
            md.push_str(&markdown_table(&columns, &rows));
            let total = r.rows();
            if total > rows.len() {
                md.push_str(&format!(
                    "\n{} of {total} rows; all in data/{}.csv\n",
                    rows.len(),
                    s.id
                ));
            }
            md.push('\n');
        }
        let p = dir.join("summary.md");
        std::fs::write(&p, md).map_err(io("writing", &p))?;
        files.push("summary.md".into());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands("-1234567.80"), "-1,234,567.80");
        assert_eq!(thousands("999"), "999");
        assert_eq!(thousands("1000"), "1,000");
        assert_eq!(thousands("NaN"), "NaN");
        assert_eq!(thousands(""), "");
    }

    #[test]
    fn slugs_are_file_names_and_unique() {
        let mut used = Vec::new();
        assert_eq!(slug("河南省洛阳市洛龙区", &mut used), "河南省洛阳市洛龙区");
        assert_eq!(slug("a/b", &mut used), "a_b");
        assert_eq!(slug("a:b", &mut used), "a_b-2");
        assert_eq!(slug("..", &mut used), "__");
        assert_eq!(slug("", &mut used), "_");
    }

    #[test]
    fn sheet_names_fit_excel() {
        let mut used = Vec::new();
        assert_eq!(
            sheet_name("各区县支出[总量]", "totals", &mut used),
            "各区县支出总量"
        );
        assert_eq!(sheet_name("各区县支出总量", "again", &mut used), "again");
        assert_eq!(
            sheet_name(&"长".repeat(40), "x", &mut used).chars().count(),
            31
        );
    }
}
