//! Reconciliation checks (勾稽关系): rules as SQL over the whole dataset at once.
//!
//! A rule is one query returning the offending rows in the standard finding columns —
//! `doc_id, year, tables, rows, expected, actual, terms, source_unit, message` — zero rows
//! meaning it passes. Rules live in files (the built-in catalog in `queries/checks/`, one
//! file per family; user rules in `--rules` directories), each introduced by a header:
//!
//! ```sql
//! -- id: BAL-001
//! -- severity: error
//! -- scope: document
//! -- description: 收支总表 收入总计 = 支出总计
//! SELECT … ;
//! ```
//!
//! Each rule runs as one query over every document (no per-document loop), the rules one
//! after the other (peak memory is one rule's). A rule that compares figures within a
//! document (`-- scope: document`; every built-in rule) runs over chunks of whole years on
//! a large dataset — the same query with its scans restricted to those years — so its
//! hash tables hold a chunk's groups, not the dataset's. Under a memory limit a rule whose
//! hash join does not fit runs again with sort-merge joins, which spill. The framework
//! adds the rule's id and severity, the document's unit and source file, the difference,
//! and classifies rounding: amounts printed in 万元 may differ by 0.005 万元 (50 元) per
//! rounded term; such a difference is reported with severity `info`, not the rule's.
//! Owns rule parsing and the findings' assembly; no printing, no files (the CLI writes the
//! `check_results` table through `storage`).

use std::sync::Arc;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef, UInt64Type};
use datafusion::common::Column;
use datafusion::common::tree_node::Transformed;
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, lit};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::schema::DatasetTable;

/// The built-in rule catalog, one file per family.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "queries/checks/balance.sql",
        include_str!("../../queries/checks/balance.sql"),
    ),
    (
        "queries/checks/hierarchy.sql",
        include_str!("../../queries/checks/hierarchy.sql"),
    ),
    (
        "queries/checks/cross_table.sql",
        include_str!("../../queries/checks/cross_table.sql"),
    ),
    (
        "queries/checks/codes.sql",
        include_str!("../../queries/checks/codes.sql"),
    ),
    (
        "queries/checks/narrative.sql",
        include_str!("../../queries/checks/narrative.sql"),
    ),
    (
        "queries/checks/claims.sql",
        include_str!("../../queries/checks/claims.sql"),
    ),
    (
        "queries/checks/structure.sql",
        include_str!("../../queries/checks/structure.sql"),
    ),
];

/// How bad a failed rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim() {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// What a rule compares: figures within one document (it may then run a few years at a
/// time), or anything across the dataset (it always sees every year at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Document,
    Dataset,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Document => "document",
            Scope::Dataset => "dataset",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "document" => Some(Scope::Document),
            "dataset" => Some(Scope::Dataset),
            _ => None,
        }
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub description: String,
    /// `-- scope: document` (figures of one document only) or `dataset` (the default).
    pub scope: Scope,
    /// Where it was read from (file name).
    pub source: String,
    /// The query, without its trailing `;`.
    pub sql: String,
}

/// Reads the rules of one file: blocks starting at a `-- id:` line.
pub fn parse_rules(source: &str, text: &str) -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    let mut current: Option<(usize, Vec<&str>)> = None;
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("-- id:") {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            current = Some((i + 1, vec![*line]));
        } else if let Some((_, b)) = current.as_mut() {
            b.push(line);
        }
    }
    blocks.extend(current);
    let bad = |line: usize, reason: String| Error::Parse {
        path: source.into(),
        line,
        reason,
    };
    for (line, block) in blocks {
        let header = |key: &str| {
            block.iter().find_map(|l| {
                l.trim_start()
                    .strip_prefix("--")
                    .map(str::trim_start)
                    .and_then(|l| l.strip_prefix(key))
                    .map(|v| v.trim().to_string())
            })
        };
        let id = header("id:").unwrap_or_default();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(bad(
                line,
                format!("rule id '{id}': expected letters, digits, '-' or '_'"),
            ));
        }
        let severity = header("severity:")
            .as_deref()
            .and_then(Severity::parse)
            .ok_or_else(|| {
                bad(
                    line,
                    format!("rule {id}: expected '-- severity: error|warning|info'"),
                )
            })?;
        let description = header("description:")
            .ok_or_else(|| bad(line, format!("rule {id}: expected '-- description: …'")))?;
        let scope = match header("scope:") {
            None => Scope::Dataset,
            Some(s) => Scope::parse(&s).ok_or_else(|| {
                bad(
                    line,
                    format!("rule {id}: scope '{s}': expected 'document' or 'dataset'"),
                )
            })?,
        };
        let sql: String = block
            .iter()
            .filter(|l| !l.trim_start().starts_with("--"))
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        let sql = sql.trim().trim_end_matches(';').trim().to_string();
        if sql.is_empty() {
            return Err(bad(line, format!("rule {id} has no query")));
        }
        rules.push(Rule {
            id,
            severity,
            description,
            scope,
            source: source.to_string(),
            sql,
        });
    }
    Ok(rules)
}

/// The built-in rules.
pub fn builtin_rules() -> Result<Vec<Rule>> {
    let mut out = Vec::new();
    for (source, text) in BUILTIN {
        out.extend(parse_rules(source, text)?);
    }
    Ok(out)
}

/// The columns every finding has, in order (also the `check_results` table's).
pub const FINDING_COLUMNS: &[&str] = &[
    "rule_id",
    "severity",
    "doc_id",
    "year",
    "region",
    "unit_name",
    "source_path",
    "tables",
    "rows",
    "expected",
    "actual",
    "difference",
    "message",
];

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The query that runs `rule` over the whole dataset, its findings in the standard
/// columns (unordered: `run` sorts the findings of all rules once).
pub fn findings_sql(rule: &Rule) -> String {
    format!(
        "WITH f AS (\
           SELECT {id} AS rule_id, {sev} AS rule_severity, f.doc_id, f.year, f.tables, f.rows, \
             CAST(f.expected AS DECIMAL(20, 2)) AS expected, CAST(f.actual AS DECIMAL(20, 2)) AS actual, \
             CAST(f.terms AS BIGINT) AS terms, f.source_unit, f.message \
           FROM ({sql}) f) \
         SELECT f.rule_id, \
           CASE WHEN f.source_unit = '万元' AND abs(f.actual - f.expected) <= 50 * greatest(f.terms, 1) \
                THEN 'info' ELSE f.rule_severity END AS severity, \
           f.doc_id, f.year, d.region, d.unit_name, d.source_path, f.tables, f.rows, \
           f.expected, f.actual, CAST(f.actual - f.expected AS DECIMAL(20, 2)) AS difference, \
           CAST(CASE WHEN f.source_unit = '万元' AND abs(f.actual - f.expected) <= 50 * greatest(f.terms, 1) \
                THEN concat(f.message, '（尾差，在四舍五入范围内）') ELSE f.message END AS VARCHAR) AS message \
         FROM f JOIN documents d ON d.doc_id = f.doc_id AND d.year = f.year \
         WHERE f.actual IS DISTINCT FROM f.expected",
        id = quote(&rule.id),
        sev = quote(rule.severity.as_str()),
        sql = rule.sql,
    )
}

/// Runs a rule's plan. Under --memory-limit a hash join's build side (which cannot spill)
/// may not fit: the plan then runs again with sort-merge joins, whose sorts spill.
async fn collect(engine: &Engine, plan: LogicalPlan) -> Result<Vec<RecordBatch>> {
    let state = engine.context().state();
    match DataFrame::new(state, plan.clone()).collect().await {
        Ok(b) => Ok(b),
        Err(e) if matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)) => {
            with_sort_merge_joins(engine, plan).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs `plan` with joins planned as sort-merge joins (then restores hash joins).
async fn with_sort_merge_joins(engine: &Engine, plan: LogicalPlan) -> Result<Vec<RecordBatch>> {
    let set = |on: bool| format!("SET datafusion.optimizer.prefer_hash_join = {on}");
    engine.sql(&set(false)).await?;
    let result = DataFrame::new(engine.context().state(), plan)
        .collect()
        .await
        .map_err(Error::from);
    engine.sql(&set(true)).await?;
    result
}

/// The dataset's years in chunks of at most about `limit` line items (consecutive years;
/// a year larger than `limit` alone). One chunk when everything fits.
async fn year_chunks(engine: &Engine, limit: u64) -> Result<Vec<Vec<i32>>> {
    let batches = engine
        .sql("SELECT year, count(*) AS n FROM line_items GROUP BY year ORDER BY year")
        .await?;
    let mut chunks: Vec<(Vec<i32>, u64)> = Vec::new();
    for b in &batches {
        let years = cast(b.column(0), &DataType::Int32)?;
        let counts = cast(b.column(1), &DataType::UInt64)?;
        let (years, counts) = (
            years.as_primitive::<Int32Type>(),
            counts.as_primitive::<UInt64Type>(),
        );
        for (year, n) in years.iter().zip(counts.iter()) {
            let (Some(year), Some(n)) = (year, n) else {
                continue;
            };
            match chunks.last_mut() {
                Some((ys, total)) if *total + n <= limit => {
                    ys.push(year);
                    *total += n;
                }
                _ => chunks.push((vec![year], n)),
            }
        }
    }
    Ok(chunks.into_iter().map(|(ys, _)| ys).collect())
}

/// `plan` reading only `years` of the dataset's tables: every scan of a table with a
/// `year` column (partition pruning then skips the other years' files), in subqueries too.
fn restrict_years(plan: LogicalPlan, years: &[i32]) -> Result<LogicalPlan> {
    let dataset_tables: Vec<&str> = DatasetTable::ALL.iter().map(|t| t.name()).collect();
    let restricted = plan.transform_up_with_subqueries(|node| {
        let LogicalPlan::TableScan(scan) = &node else {
            return Ok(Transformed::no(node));
        };
        if !dataset_tables.contains(&scan.table_name.table()) {
            return Ok(Transformed::no(node));
        }
        let Ok((qualifier, field)) = scan
            .projected_schema
            .qualified_field_with_unqualified_name("year")
        else {
            return Ok(Transformed::no(node));
        };
        let year = Expr::Column(Column::new(qualifier.cloned(), field.name()));
        let list = years.iter().map(|y| lit(*y)).collect();
        let filtered = LogicalPlanBuilder::from(node)
            .filter(year.in_list(list, false))?
            .build()?;
        Ok(Transformed::yes(filtered))
    })?;
    Ok(restricted.data)
}

/// Runs `rules` over the dataset: the findings, in the standard columns, as one batch
/// (empty when every rule passes).
pub async fn run(engine: &Engine, rules: &[Rule]) -> Result<RecordBatch> {
    run_chunked(engine, rules, CHUNK_LINE_ITEMS).await
}

/// Line items a document-scoped rule reads at once, about (whole years; a larger year is
/// a chunk of its own).
pub const CHUNK_LINE_ITEMS: u64 = 20_000_000;

/// [`run`], running document-scoped rules over chunks of years holding at most about
/// `chunk_line_items` line items each (`u64::MAX`: every year at once).
pub async fn run_chunked(
    engine: &Engine,
    rules: &[Rule],
    chunk_line_items: u64,
) -> Result<RecordBatch> {
    if rules.is_empty() {
        return Err(Error::Query(datafusion::error::DataFusionError::Plan(
            "no rule to run".into(),
        )));
    }
    // One query per rule, one after the other: the peak memory is one rule's, not every
    // rule's hash tables at once (a family as one UNION ALL query was no faster on two
    // cores and held all its rules' join tables together: docs/performance.md).
    // On a large dataset a rule that compares figures within documents runs a few years
    // at a time: the same work, in hash tables a fraction of the size.
    let chunks = year_chunks(engine, chunk_line_items).await?;
    let mut batches = Vec::new();
    let mut schema: Option<SchemaRef> = None;
    for rule in rules {
        let sql = findings_sql(rule);
        let df = engine.dataframe(&sql).await?;
        if schema.is_none() {
            schema = Some(Arc::new(df.schema().as_arrow().clone()));
        }
        if rule.scope == Scope::Document && chunks.len() > 1 {
            let plan = df.into_unoptimized_plan();
            for years in &chunks {
                let plan = restrict_years(plan.clone(), years)?;
                batches.extend(collect(engine, plan).await?);
            }
        } else {
            batches.extend(collect(engine, df.into_unoptimized_plan()).await?);
        }
    }
    // One schema for every rule's findings: the first batch's types (the physical types
    // may be views of the logical ones), every column nullable (a column one rule never
    // leaves empty may be empty in another's findings); other types are cast to it.
    let first = batches
        .first()
        .map(|b| b.schema())
        .or(schema)
        .expect("at least one rule");
    let fields: Vec<Field> = first
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_nullable(true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batches = batches
        .iter()
        .map(|b| {
            let columns = b
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| cast(c, f.data_type()))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            RecordBatch::try_new(Arc::clone(&schema), columns)
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let all = concat_batches(&schema, &batches)?;
    crate::storage::sort_batch(&all, &["unit_name", "year", "rule_id", "tables", "rows"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_files_parse() {
        let rules = builtin_rules().unwrap();
        assert!(rules.len() >= 6, "{} rules", rules.len());
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "rule ids are unique");
        let err = parse_rules(
            "x.sql",
            "-- id: X-1\n-- severity: fatal\n-- description: d\nselect 1",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("x.sql:1") && err.contains("severity"), "{err}");
        // Every built-in rule compares within documents; a user rule sees every year
        // unless it says otherwise.
        assert!(rules.iter().all(|r| r.scope == Scope::Document));
        let head = "-- id: X-1\n-- severity: error\n-- description: d\n";
        let user = parse_rules("x.sql", &format!("{head}select 1")).unwrap();
        assert_eq!(user[0].scope, Scope::Dataset);
        let err = parse_rules("x.sql", &format!("{head}-- scope: year\nselect 1"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("scope 'year'"), "{err}");
    }
}
