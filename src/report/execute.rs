//! Runs a report's queries: resolves its parameters (command line, defaults, `values_from`
//! queries), binds them to each statement as values — `$name` placeholders replaced in the
//! logical plan, never spliced into SQL text — and collects each section's result (once,
//! or once per page of the `per` parameter). Owns no file writing and no formatting.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DataFusionError, ScalarValue};
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::prelude::DataFrame;

use super::chart;
use super::definition::{Param, ParamSource, ParamType, Report, Section, Value};
use crate::engine::Engine;
use crate::error::{Error, Result};

/// Parameter values given on the command line (`--param name=value`), as text.
pub type Overrides = Vec<(String, String)>;

/// The parameters of one run.
#[derive(Debug, Clone, Default)]
pub struct Bound {
    /// Every parameter but `per`, with its value.
    pub values: BTreeMap<String, Value>,
    /// The values of the `per` parameter: one page each (empty without `per`).
    pub pages: Vec<Value>,
}

/// A section's result.
#[derive(Debug, Clone)]
pub struct SectionResult {
    /// Index into `Report::sections`.
    pub section: usize,
    pub schema: SchemaRef,
    /// The whole result; for a per-page section, every page's rows, each led by the `per`
    /// column (added when the query does not return it).
    pub batches: Vec<RecordBatch>,
    /// For a per-page section: each page's own result, in page order.
    pub pages: Option<Vec<Vec<RecordBatch>>>,
}

impl SectionResult {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }
}

/// Progress of a run, for the command line to show.
pub enum Step<'a> {
    /// About to run `section` (the `n`th of `of` statements).
    Query {
        section: &'a str,
        n: usize,
        of: usize,
    },
}

fn report_error(location: impl Into<String>, reason: impl std::fmt::Display) -> Error {
    Error::Report {
        location: location.into(),
        reason: reason.to_string(),
    }
}

/// Read-only statements only: a report never changes anything.
fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

fn scalar(v: &Value) -> ScalarValue {
    match v {
        Value::Int(i) => ScalarValue::Int64(Some(*i)),
        Value::Text(s) => ScalarValue::Utf8(Some(s.clone())),
    }
}

fn typed_null(kind: ParamType) -> ScalarValue {
    match kind {
        ParamType::Int => ScalarValue::Int64(None),
        ParamType::Text => ScalarValue::Utf8(None),
    }
}

/// The `$name` placeholders of a plan (with the `$`).
fn placeholder_ids(plan: &LogicalPlan) -> std::result::Result<BTreeSet<String>, String> {
    let mut ids = BTreeSet::new();
    plan.apply_with_subqueries(|p| {
        p.apply_expressions(|e| {
            e.apply(|e| {
                if let Expr::Placeholder(p) = e {
                    ids.insert(p.id.clone());
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })
    })
    .map_err(|e| e.to_string())?;
    Ok(ids)
}

/// Replaces every placeholder of `plan` by its value as a literal, cast to the type that
/// occurrence has in the plan. (DataFusion's own `with_param_values` needs one type per
/// name: `region = $region OR $region = '?'` gives it two, `Utf8View` and `Utf8`.)
fn bind_values(
    plan: LogicalPlan,
    values: &BTreeMap<String, ScalarValue>,
) -> datafusion::common::Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|plan| {
        let schema = Arc::clone(plan.schema());
        let names = NamePreserver::new(&plan);
        plan.map_expressions(|e| {
            let (e, has_placeholder) = e.infer_placeholder_types(&schema)?;
            if !has_placeholder {
                return Ok(Transformed::no(e));
            }
            let name = names.save(&e);
            let bound = e.transform_up(|e| {
                let Expr::Placeholder(p) = e else {
                    return Ok(Transformed::no(e));
                };
                let value = values
                    .get(p.id.trim_start_matches('$'))
                    .ok_or_else(|| DataFusionError::Plan(format!("no value for {}", p.id)))?;
                let value = match p.field.as_ref().map(|f| f.data_type()) {
                    Some(t) if &value.data_type() != t && !matches!(t, DataType::Null) => {
                        value.cast_to(t).map_err(|_| {
                            DataFusionError::Plan(format!(
                                "parameter {} = {value}: expected a value of type {t}",
                                p.id
                            ))
                        })?
                    }
                    _ => value.clone(),
                };
                Ok(Transformed::yes(Expr::Literal(value, None)))
            })?;
            Ok(bound.update_data(|e| name.restore(e)))
        })?
        .map_data(|p| p.recompute_schema())
    })
    .map(|t| t.data)
}

/// Plans `sql` and binds its `$name` placeholders to `values`: each occurrence becomes a
/// literal in the plan, cast to the type the placeholder has there (`year = $year` makes
/// it the column's type). A placeholder that names no value is an error naming it.
pub async fn plan(
    engine: &Engine,
    sql: &str,
    values: &BTreeMap<String, ScalarValue>,
) -> std::result::Result<DataFrame, String> {
    let df = engine
        .context()
        .sql_with_options(sql, read_only())
        .await
        .map_err(|e| e.to_string())?;
    let ids = placeholder_ids(df.logical_plan())?;
    if ids.is_empty() {
        return Ok(df);
    }
    for id in &ids {
        let name = id.trim_start_matches('$');
        if name.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "positional parameter {id}: name the parameter instead ($year, $region …)"
            ));
        }
        if !values.contains_key(name) {
            return Err(format!(
                "{id} is not a parameter of this report (it has: {})",
                if values.is_empty() {
                    "none".to_string()
                } else {
                    values
                        .keys()
                        .map(|k| format!("${k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ));
        }
    }
    let (state, plan) = df.into_parts();
    let plan = bind_values(plan, values).map_err(|e| e.to_string())?;
    Ok(DataFrame::new(state, plan))
}

/// The names of the `$name` placeholders in `sql` (planned, not run).
async fn placeholders(engine: &Engine, sql: &str) -> std::result::Result<BTreeSet<String>, String> {
    let df = engine
        .context()
        .sql_with_options(sql, read_only())
        .await
        .map_err(|e| e.to_string())?;
    Ok(placeholder_ids(df.logical_plan())?
        .into_iter()
        .map(|k| k.trim_start_matches('$').to_string())
        .collect())
}

fn value_of(
    array: &ArrayRef,
    row: usize,
    kind: ParamType,
) -> std::result::Result<Option<Value>, String> {
    if array.is_null(row) {
        return Ok(None);
    }
    match kind {
        ParamType::Int => {
            let c = datafusion::arrow::compute::cast(array, &DataType::Int64)
                .map_err(|_| format!("values are {}, not whole numbers", array.data_type()))?;
            let c = c.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            if c.is_null(row) {
                return Err(format!(
                    "values are {}, not whole numbers",
                    array.data_type()
                ));
            }
            Ok(Some(Value::Int(c.value(row))))
        }
        ParamType::Text => {
            let c = datafusion::arrow::compute::cast(array, &DataType::Utf8)
                .map_err(|e| e.to_string())?;
            Ok(Some(Value::Text(
                c.as_string::<i32>().value(row).to_string(),
            )))
        }
    }
}

/// Resolves every parameter: the command line first, then the default, then the
/// `values_from` query (run with the parameters resolved without a query). With
/// `plan_only` no query runs: query parameters are planned and bound to NULL.
pub async fn bind(
    report: &Report,
    engine: &Engine,
    overrides: &Overrides,
    plan_only: bool,
) -> Result<Bound> {
    for (name, _) in overrides {
        if !report.params.iter().any(|p| &p.name == name) {
            return Err(report_error(
                format!("report {}", report.name),
                format!(
                    "--param {name}: no such parameter (it has: {})",
                    if report.params.is_empty() {
                        "none".to_string()
                    } else {
                        report
                            .params
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            ));
        }
    }
    let given = |p: &Param| -> Result<Option<Value>> {
        match overrides.iter().rev().find(|(n, _)| n == &p.name) {
            Some((_, text)) => Value::parse(p.kind, text)
                .map(Some)
                .map_err(|e| report_error(format!("--param {}", p.name), e)),
            None => Ok(None),
        }
    };
    let mut bound = Bound::default();
    let mut literal: BTreeMap<String, ScalarValue> = BTreeMap::new();
    for p in &report.params {
        let v = match (given(p)?, &p.source) {
            (Some(v), _) => Some(v),
            (None, ParamSource::Default(v)) => Some(v.clone()),
            (None, ParamSource::Required) => {
                return Err(report_error(
                    &p.at,
                    format!(
                        "parameter {} has no default: give it with --param {}=VALUE",
                        p.name, p.name
                    ),
                ));
            }
            (None, ParamSource::Query(_)) => None,
        };
        if let Some(v) = v {
            literal.insert(p.name.clone(), scalar(&v));
            if report.per.as_deref() == Some(p.name.as_str()) {
                bound.pages.push(v);
            } else {
                bound.values.insert(p.name.clone(), v);
            }
        }
    }
    for p in &report.params {
        let ParamSource::Query(sql) = &p.source else {
            continue;
        };
        if literal.contains_key(&p.name) {
            continue;
        }
        let location = format!("{} (values_from of parameter {})", p.at, p.name);
        let df = plan(engine, sql, &literal)
            .await
            .map_err(|e| report_error(&location, e))?;
        if df.schema().fields().is_empty() {
            return Err(report_error(&location, "the query returns no column"));
        }
        let is_per = report.per.as_deref() == Some(p.name.as_str());
        if plan_only {
            continue;
        }
        let batches = df.collect().await.map_err(|e| report_error(&location, e))?;
        let mut values = Vec::new();
        for b in &batches {
            for r in 0..b.num_rows() {
                if let Some(v) =
                    value_of(b.column(0), r, p.kind).map_err(|e| report_error(&location, e))?
                    && !values.contains(&v)
                {
                    values.push(v);
                }
            }
        }
        if is_per {
            bound.pages = values;
        } else {
            let Some(v) = values.into_iter().next() else {
                return Err(report_error(
                    &location,
                    format!(
                        "the query returned no value; give one with --param {}=VALUE",
                        p.name
                    ),
                ));
            };
            bound.values.insert(p.name.clone(), v);
        }
    }
    Ok(bound)
}

fn section_location(report: &Report, s: &Section) -> String {
    format!("report {}, section {} ({})", report.name, s.id, s.sql_at)
}

/// Checks a report without running its sections: every statement plans (physical plan
/// included) with its parameters bound, and every chart's columns are in its result.
/// Returns each section's result schema.
pub async fn validate(
    report: &Report,
    engine: &Engine,
    overrides: &Overrides,
) -> Result<Vec<SchemaRef>> {
    let bound = bind(report, engine, overrides, true).await?;
    let mut values: BTreeMap<String, ScalarValue> = bound
        .values
        .iter()
        .map(|(k, v)| (k.clone(), scalar(v)))
        .collect();
    // Query parameters were not run: bound to NULL of their type.
    for p in &report.params {
        if matches!(p.source, ParamSource::Query(_)) && !overrides.iter().any(|(n, _)| n == &p.name)
        {
            values.insert(p.name.clone(), typed_null(p.kind));
        }
    }
    if let (Some(per), Some(v)) = (&report.per, bound.pages.first()) {
        values.insert(per.clone(), scalar(v));
    }
    let mut schemas = Vec::new();
    for s in &report.sections {
        let location = section_location(report, s);
        let df = plan(engine, &s.sql, &values)
            .await
            .map_err(|e| report_error(&location, e))?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        df.create_physical_plan()
            .await
            .map_err(|e| report_error(&location, e))?;
        if let Some(c) = &s.chart {
            chart::check_columns(c, &schema)
                .map_err(|e| report_error(format!("{} (section {})", c.at, s.id), e))?;
        }
        schemas.push(schema);
    }
    Ok(schemas)
}

/// Prepends the `per` column (named `name`, the page's value on every row) unless the
/// result has a column of that name.
fn with_page_column(
    batches: Vec<RecordBatch>,
    name: &str,
    value: &Value,
) -> Result<Vec<RecordBatch>> {
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        if b.schema().field_with_name(name).is_ok() {
            out.push(b);
            continue;
        }
        let v = scalar(value);
        let col = v.to_array_of_size(b.num_rows())?;
        let mut fields = vec![Arc::new(Field::new(name, v.data_type(), false))];
        fields.extend(b.schema().fields().iter().cloned());
        let mut cols = vec![col];
        cols.extend(b.columns().iter().cloned());
        out.push(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?);
    }
    Ok(out)
}

/// Runs every section. The first failing statement stops the run with an error naming the
/// report, the section, its SQL file and the reason.
pub async fn run(
    report: &Report,
    engine: &Engine,
    bound: &Bound,
    progress: &mut (dyn FnMut(Step<'_>) + Send),
) -> Result<Vec<SectionResult>> {
    let values: BTreeMap<String, ScalarValue> = bound
        .values
        .iter()
        .map(|(k, v)| (k.clone(), scalar(v)))
        .collect();
    // Which sections are per page: those whose SQL names the `per` parameter.
    let mut per_page = Vec::new();
    for s in &report.sections {
        let names = placeholders(engine, &s.sql)
            .await
            .map_err(|e| report_error(section_location(report, s), e))?;
        per_page.push(report.per.as_ref().is_some_and(|p| names.contains(p)));
    }
    let statements: usize = per_page
        .iter()
        .map(|&p| if p { bound.pages.len() } else { 1 })
        .sum();
    let mut n = 0;
    let mut results = Vec::new();
    for (i, s) in report.sections.iter().enumerate() {
        let location = section_location(report, s);
        let execute = |values: BTreeMap<String, ScalarValue>| {
            let location = location.clone();
            async move {
                let df = plan(engine, &s.sql, &values)
                    .await
                    .map_err(|e| report_error(&location, e))?;
                let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
                let batches = df.collect().await.map_err(|e| report_error(&location, e))?;
                Ok::<_, Error>((schema, batches))
            }
        };
        if per_page[i] {
            let per = report.per.as_ref().expect("per-page sections need per");
            let mut all = Vec::new();
            let mut pages = Vec::new();
            let mut schema = None;
            for page in &bound.pages {
                n += 1;
                progress(Step::Query {
                    section: &s.id,
                    n,
                    of: statements,
                });
                let mut v = values.clone();
                v.insert(per.clone(), scalar(page));
                let (sch, batches) = execute(v).await?;
                let led = with_page_column(batches.clone(), per, page)?;
                if schema.is_none() {
                    schema = Some(match led.first() {
                        Some(b) => b.schema(),
                        None => {
                            with_page_column(vec![RecordBatch::new_empty(sch.clone())], per, page)?
                                [0]
                            .schema()
                        }
                    });
                }
                all.extend(led);
                pages.push(batches);
            }
            let schema = schema.unwrap_or_else(|| Arc::new(Schema::empty()));
            results.push(SectionResult {
                section: i,
                schema,
                batches: all,
                pages: Some(pages),
            });
        } else {
            n += 1;
            progress(Step::Query {
                section: &s.id,
                n,
                of: statements,
            });
            let (schema, batches) = execute(values.clone()).await?;
            results.push(SectionResult {
                section: i,
                schema,
                batches,
                pages: None,
            });
        }
    }
    Ok(results)
}
