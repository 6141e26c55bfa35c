//! A report definition as written: `report.toml` in the report's folder, the SQL files it
//! names, and an optional page template. Owns reading and checking those files (every
//! error names the file and line); runs no query.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};

/// The file a report folder must hold.
pub const DEFINITION_FILE: &str = "report.toml";

/// The output kinds a run can write (all by default).
pub const OUTPUTS: &[&str] = &["html", "csv", "parquet", "xlsx", "markdown"];

/// The chart types a section can draw.
pub const CHART_TYPES: &[&str] = &["bar", "horizontal_bar", "stacked_bar", "line", "pie"];

/// `report.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportToml {
    title: String,
    #[serde(default)]
    description: Option<String>,
    /// The parameter whose every value gets its own page.
    #[serde(default)]
    per: Option<Spanned<String>>,
    /// A minijinja template in the folder, instead of the built-in page.
    #[serde(default)]
    template: Option<Spanned<String>>,
    #[serde(default)]
    outputs: Option<Spanned<Vec<String>>>,
    /// Rows of a section shown in the HTML and Markdown (all rows are in CSV/Parquet/xlsx).
    #[serde(default)]
    max_rows: Option<usize>,
    #[serde(default)]
    params: BTreeMap<String, Spanned<ParamToml>>,
    /// Column headings people read (HTML, Markdown, xlsx); CSV and Parquet keep the names.
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default, rename = "section")]
    sections: Vec<Spanned<SectionToml>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamToml {
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    default: Option<toml::Value>,
    #[serde(default)]
    values_from: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionToml {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    query: Option<Spanned<String>>,
    #[serde(default)]
    sql: Option<Spanned<String>>,
    #[serde(default)]
    chart: Option<Spanned<ChartToml>>,
    /// Columns shown as plain numbers (no thousands separators), besides `year`.
    #[serde(default)]
    plain: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChartToml {
    #[serde(rename = "type")]
    kind: Spanned<String>,
    x: String,
    y: Vec<String>,
    #[serde(default)]
    series: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

/// A parameter's type: how `--param` text and defaults become values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Int,
    Text,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::Text => "text",
        }
    }
}

/// A literal parameter value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Int(i64),
    Text(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Text(v) => f.write_str(v),
        }
    }
}

impl Value {
    /// Parses `text` (from `--param`) as a value of `kind`.
    pub fn parse(kind: ParamType, text: &str) -> std::result::Result<Value, String> {
        match kind {
            ParamType::Text => Ok(Value::Text(text.to_string())),
            ParamType::Int => text
                .trim()
                .parse()
                .map(Value::Int)
                .map_err(|_| format!("'{text}' is not a whole number")),
        }
    }
}

/// Where a parameter's value comes from when the command line does not give it.
#[derive(Debug, Clone)]
pub enum ParamSource {
    /// A fixed value.
    Default(Value),
    /// A query: its first column; the first row, or every row for the `per` parameter.
    Query(String),
    /// Nothing: the run must give it (`--param name=value`).
    Required,
}

/// A declared parameter.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub kind: ParamType,
    pub source: ParamSource,
    pub description: Option<String>,
    /// Where it is declared (`report.toml:LINE`).
    pub at: String,
}

/// A chart of a section's result.
#[derive(Debug, Clone)]
pub struct ChartSpec {
    pub kind: String,
    /// The category column.
    pub x: String,
    /// The value columns (one series each), or one column split by `series`.
    pub y: Vec<String>,
    /// A column whose values become the series (a long result drawn wide).
    pub series: Option<String>,
    pub title: Option<String>,
    pub unit: Option<String>,
    /// At most this many categories (the first ones in the result's order).
    pub limit: Option<usize>,
    pub at: String,
}

/// One section: a query, shown as a table and optionally a chart.
#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// The SQL text (from its file or inline).
    pub sql: String,
    /// Where the SQL is: `FILE` or `report.toml:LINE`.
    pub sql_at: String,
    /// Where the section is declared (`report.toml:LINE`).
    pub at: String,
    pub chart: Option<ChartSpec>,
    pub plain: Vec<String>,
}

/// A loaded report definition.
#[derive(Debug, Clone)]
pub struct Report {
    /// The folder name: the report's name in output paths.
    pub name: String,
    pub dir: PathBuf,
    pub title: String,
    pub description: Option<String>,
    pub per: Option<String>,
    /// The page template's text and file, when the report has its own.
    pub template: Option<(String, PathBuf)>,
    pub outputs: Vec<String>,
    pub max_rows: usize,
    pub params: Vec<Param>,
    pub sections: Vec<Section>,
    /// Column name → heading shown to people.
    pub labels: BTreeMap<String, String>,
}

impl Report {
    /// The heading of column `name`.
    pub fn label<'a>(&'a self, name: &'a str) -> &'a str {
        self.labels.get(name).map_or(name, String::as_str)
    }

    /// Whether the run writes `kind` (one of [`OUTPUTS`]).
    pub fn writes(&self, kind: &str) -> bool {
        self.outputs.iter().any(|o| o == kind)
    }
}

/// 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// `FILE:LINE` of byte offset `at` in the file's `text`.
pub(crate) fn location(file: &Path, text: &str, at: usize) -> String {
    format!("{}:{}", file.display(), line_of(text, at))
}

/// Parses a TOML file's `text`; an error names the file and line (unknown keys included).
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| Error::Report {
        location: location(file, text, e.span().map_or(0, |s| s.start)),
        reason: e.message().trim().to_string(),
    })
}

/// Reads and checks the definition in `dir` (which holds `report.toml`).
pub fn load(dir: &Path) -> Result<Report> {
    let file = dir.join(DEFINITION_FILE);
    let text = std::fs::read_to_string(&file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Report {
                location: dir.display().to_string(),
                reason: format!("not a report folder: no {DEFINITION_FILE} in it"),
            }
        } else {
            Error::io("reading", &file, e)
        }
    })?;
    let at = |offset: usize| location(&file, &text, offset);
    let err = |offset: usize, reason: String| Error::Report {
        location: at(offset),
        reason,
    };
    let def: ReportToml = parse_toml(&file, &text)?;
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "report".into());

    let mut params = Vec::new();
    for (pname, p) in &def.params {
        let start = p.span().start;
        let p = p.get_ref();
        if !valid_ident(pname) {
            return Err(err(
                start,
                format!(
                    "parameter name '{pname}': use letters, digits and _ (it is written $name in SQL)"
                ),
            ));
        }
        let kind = match p.kind.get_ref().as_str() {
            "int" => ParamType::Int,
            "text" => ParamType::Text,
            other => {
                return Err(err(
                    p.kind.span().start,
                    format!("parameter {pname}: type '{other}' is not one of int, text"),
                ));
            }
        };
        let source = match (&p.default, &p.values_from) {
            (Some(_), Some(_)) => {
                return Err(err(
                    start,
                    format!("parameter {pname}: give either default or values_from, not both"),
                ));
            }
            (Some(v), None) => ParamSource::Default(match (kind, v) {
                (ParamType::Int, toml::Value::Integer(i)) => Value::Int(*i),
                (ParamType::Text, toml::Value::String(s)) => Value::Text(s.clone()),
                (_, v) => {
                    return Err(err(
                        start,
                        format!(
                            "parameter {pname}: default {v} is not a value of type {}",
                            kind.as_str()
                        ),
                    ));
                }
            }),
            (None, Some(q)) => ParamSource::Query(q.clone()),
            (None, None) => ParamSource::Required,
        };
        params.push(Param {
            name: pname.clone(),
            kind,
            source,
            description: p.description.clone(),
            at: at(start),
        });
    }
    let per = match &def.per {
        Some(per) => {
            let name = per.get_ref();
            match params.iter().find(|p| &p.name == name) {
                Some(p) if matches!(p.source, ParamSource::Query(_)) => Some(name.clone()),
                Some(_) => {
                    return Err(err(
                        per.span().start,
                        format!(
                            "per = \"{name}\": the parameter needs values_from (a query giving one value per page)"
                        ),
                    ));
                }
                None => {
                    return Err(err(
                        per.span().start,
                        format!("per = \"{name}\": no parameter of that name ([params.{name}])"),
                    ));
                }
            }
        }
        None => None,
    };
    let outputs = match &def.outputs {
        Some(o) => {
            for kind in o.get_ref() {
                if !OUTPUTS.contains(&kind.as_str()) {
                    return Err(err(
                        o.span().start,
                        format!("output '{kind}' is not one of {}", OUTPUTS.join(", ")),
                    ));
                }
            }
            o.get_ref().clone()
        }
        None => OUTPUTS.iter().map(|s| s.to_string()).collect(),
    };
    let template = match &def.template {
        Some(t) => {
            let path = dir.join(t.get_ref());
            let body = std::fs::read_to_string(&path)
                .map_err(|e| err(t.span().start, format!("template {}: {e}", path.display())))?;
            Some((body, path))
        }
        None => None,
    };

    if def.sections.is_empty() {
        return Err(err(
            0,
            "no sections: add [[section]] tables (id, title, query or sql)".into(),
        ));
    }
    let mut sections: Vec<Section> = Vec::new();
    for s in &def.sections {
        let start = s.span().start;
        let s = s.get_ref();
        let id = s.id.get_ref();
        if !valid_ident(id) {
            return Err(err(
                s.id.span().start,
                format!(
                    "section id '{id}': use letters, digits and _ (it names the section's files)"
                ),
            ));
        }
        if sections.iter().any(|o| &o.id == id) {
            return Err(err(
                s.id.span().start,
                format!("section id '{id}' is used twice"),
            ));
        }
        let (sql, sql_at) = match (&s.query, &s.sql) {
            (Some(q), None) => {
                let path = dir.join(q.get_ref());
                let sql = std::fs::read_to_string(&path).map_err(|e| {
                    err(
                        q.span().start,
                        format!("section {id}: query file {}: {e}", path.display()),
                    )
                })?;
                (sql, path.display().to_string())
            }
            (None, Some(sql)) => (sql.get_ref().clone(), at(sql.span().start)),
            _ => {
                return Err(err(
                    start,
                    format!("section {id}: give either query = \"FILE.sql\" or sql = \"…\""),
                ));
            }
        };
        let chart = match &s.chart {
            Some(c) => {
                let cstart = c.span().start;
                let c = c.get_ref();
                let kind = c.kind.get_ref();
                if !CHART_TYPES.contains(&kind.as_str()) {
                    return Err(err(
                        c.kind.span().start,
                        format!(
                            "section {id}: chart type '{kind}' is not one of {}",
                            CHART_TYPES.join(", ")
                        ),
                    ));
                }
                if c.y.is_empty() {
                    return Err(err(
                        cstart,
                        format!("section {id}: chart y names no column"),
                    ));
                }
                if c.series.is_some() && c.y.len() != 1 {
                    return Err(err(
                        cstart,
                        format!("section {id}: a chart with series takes exactly one y column"),
                    ));
                }
                if kind == "pie" && (c.y.len() != 1 || c.series.is_some()) {
                    return Err(err(
                        cstart,
                        format!("section {id}: a pie chart takes one y column and no series"),
                    ));
                }
                Some(ChartSpec {
                    kind: kind.clone(),
                    x: c.x.clone(),
                    y: c.y.clone(),
                    series: c.series.clone(),
                    title: c.title.clone(),
                    unit: c.unit.clone(),
                    limit: c.limit,
                    at: at(cstart),
                })
            }
            None => None,
        };
        sections.push(Section {
            id: id.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            sql,
            sql_at,
            at: at(start),
            chart,
            plain: s.plain.clone(),
        });
    }
    Ok(Report {
        name,
        dir: dir.to_path_buf(),
        title: def.title,
        description: def.description,
        per,
        template,
        outputs,
        max_rows: def.max_rows.unwrap_or(200).max(1),
        params,
        sections,
        labels: def.labels,
    })
}

fn valid_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn loads_a_definition() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "report.toml",
            r#"title = "概览"
per = "region"
[params.year]
type = "int"
default = 2024
[params.region]
type = "text"
values_from = "select distinct region from documents"
[[section]]
id = "totals"
title = "总量"
query = "totals.sql"
chart = { type = "bar", x = "region", y = ["total_wan"] }
[[section]]
id = "inline"
title = "内联"
sql = "select $year as year"
"#,
        );
        write(dir.path(), "totals.sql", "select 1 as total_wan");
        let r = load(dir.path()).unwrap();
        assert_eq!(r.per.as_deref(), Some("region"));
        assert_eq!(r.params.len(), 2);
        assert_eq!(r.sections[0].sql, "select 1 as total_wan");
        assert!(
            r.sections[1].sql_at.ends_with("report.toml:17"),
            "{}",
            r.sections[1].sql_at
        );
        assert_eq!(r.outputs.len(), OUTPUTS.len());
    }

    #[test]
    fn errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "title = \"t\"\n[[section]]\nid = \"a\"\ntitle = \"x\"\n",
                "report.toml:2",
                "either query",
            ),
            (
                "title = \"t\"\n\n[[section]]\nid = \"a\"\ntitle = \"x\"\nquery = \"missing.sql\"\n",
                "report.toml:6",
                "missing.sql",
            ),
            (
                "title = \"t\"\n[params.y]\ntype = \"float\"\n",
                "report.toml:3",
                "type 'float'",
            ),
            (
                "title = \"t\"\nper = \"nope\"\n[[section]]\nid=\"a\"\ntitle=\"b\"\nsql=\"select 1\"\n",
                "report.toml:2",
                "no parameter",
            ),
            (
                "title = \"t\"\n[[section]]\nid = \"a\"\ntitle = \"x\"\nsql = \"select 1\"\nchart = { type = \"donut\", x = \"a\", y = [\"b\"] }\n",
                "report.toml:6",
                "chart type 'donut'",
            ),
            (
                "title = \"t\"\nbogus = 1\n",
                "report.toml:2",
                "unknown field",
            ),
            (
                "title = \"t\"\n[params.y]\ntype = \"int\"\ndefault = \"x\"\n",
                "report.toml:2",
                "not a value of type int",
            ),
        ];
        for (text, location, reason) in cases {
            write(dir.path(), "report.toml", text);
            let e = load(dir.path()).unwrap_err().to_string();
            assert!(e.contains(location) && e.contains(reason), "{text:?}: {e}");
        }
        let empty = tempfile::tempdir().unwrap();
        let e = load(empty.path()).unwrap_err().to_string();
        assert!(e.contains("no report.toml"), "{e}");
    }
}
