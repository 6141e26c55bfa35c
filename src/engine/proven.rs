//! `ProvenFilters`: filter conjuncts the Parquet row-group statistics prove, dropped.
//!
//! A dataset file holds its rows in row groups of one cluster (`table_kind`, `row_kind`:
//! docs/performance.md finding 3), so `WHERE table_kind = 'expenditure' AND row_kind =
//! 'function'` — in nearly every query, view and check — is, row group by row group,
//! either false for every row (the statistics' minimum and maximum exclude the value) or
//! true for every row (both are the value, no nulls). DataFusion already skips the first
//! kind, but evaluates the comparison on every row of the second and decodes the column
//! to do so. For a filter straight over a Parquet scan, this rule reads the files' footer
//! statistics (from the session's metadata cache, or the local file on a miss, cached
//! for the scan), skips the excluded row groups explicitly (a `ParquetAccessPlan` per
//! file: a guarantee, where pruning is best effort), and when every row group left is
//! matched by a `column = 'text'` conjunct, drops that conjunct and, unless the plan above
//! needs it, the column from the scan. The scan may sit under a repartition.
//!
//! The rule owns only this rewrite and must not change a result: it gives up (leaves the
//! plan as it is) on anything it cannot prove — a file it cannot read, statistics
//! missing or inexact, a scan that already has an access plan or pushes filters down.

use std::collections::BTreeSet;
use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{Result, ScalarValue};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::parquet::metadata::CachedParquetMetaData;
use datafusion::datasource::physical_plan::parquet::{
    CachedParquetMetaData as ReaderCachedParquetMetaData, ParquetAccessPlan,
};
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::execution::cache::cache_manager::{CachedFileMetadataEntry, FileMetadataCache};
use datafusion::logical_expr::Operator;
use datafusion::parquet::basic::{ColumnOrder, SortOrder};
use datafusion::parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use datafusion::parquet::file::statistics::Statistics;
use datafusion::physical_expr::expressions::{BinaryExpr, Column, Literal};
use datafusion::physical_expr::utils::{collect_columns, split_conjunction};
use datafusion::physical_expr::{PhysicalExpr, conjunction};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::projection::{ProjectionExec, ProjectionExpr};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::{ExecutionPlan, Partitioning};

use super::plan::with_only_child;

/// Drops filter conjuncts that row-group statistics prove (see the module docs).
#[derive(Debug)]
pub struct ProvenFilters {
    cache: Arc<FileMetadataCache>,
}

impl ProvenFilters {
    /// The rule, reading footers through the session's metadata cache.
    pub fn new(cache: Arc<FileMetadataCache>) -> Self {
        ProvenFilters { cache }
    }
}

impl PhysicalOptimizerRule for ProvenFilters {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|plan| match self.rewrite(&plan)? {
            Some(new) => Ok(Transformed::yes(new)),
            None => Ok(Transformed::no(plan)),
        })
        .data()
    }

    fn name(&self) -> &str {
        "proven_filters"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `column = 'text'` in a filter's predicate: the conjunct's position, the column's
/// name and the value's bytes.
struct Candidate {
    conjunct: usize,
    column: String,
    value: Vec<u8>,
}

/// What one row group's statistics say of a `column = value` conjunct.
#[derive(PartialEq)]
enum Verdict {
    /// False for every row.
    Excluded,
    /// True for every row.
    Matched,
    Unknown,
}

impl ProvenFilters {
    fn rewrite(&self, plan: &Arc<dyn ExecutionPlan>) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let Some(filter) = plan.downcast_ref::<FilterExec>() else {
            return Ok(None);
        };
        // The scan, straight below or under a round-robin repartition (one file read by
        // several partitions; it names no column).
        let mut input = filter.input();
        let repartition = input
            .downcast_ref::<RepartitionExec>()
            .is_some_and(|r| matches!(r.partitioning(), Partitioning::RoundRobinBatch(_)));
        if repartition {
            input = input.children()[0];
        }
        let Some(config) = input
            .downcast_ref::<DataSourceExec>()
            .and_then(|s| s.data_source().downcast_ref::<FileScanConfig>())
        else {
            return Ok(None);
        };
        let Some(parquet) = config.file_source.downcast_ref::<ParquetSource>() else {
            return Ok(None);
        };
        if parquet.table_parquet_options().global.pushdown_filters {
            return Ok(None);
        }
        let conjuncts = split_conjunction(filter.predicate());
        let schema = input.schema();
        let candidates: Vec<Candidate> = conjuncts
            .iter()
            .enumerate()
            .filter_map(|(conjunct, e)| {
                let (column, value) = column_equals_text(e)?;
                let name = schema.field(column.index()).name();
                // Only file columns: a partition column has no statistics in the file.
                config.file_schema().field_with_name(name).ok()?;
                Some(Candidate {
                    conjunct,
                    column: name.clone(),
                    value,
                })
            })
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }

        // Every row group of every file: skipped when a conjunct excludes it; a
        // conjunct stays proven while every row group kept matches it.
        let mut proven = vec![true; candidates.len()];
        let mut groups = Vec::with_capacity(config.file_groups.len());
        for group in &config.file_groups {
            let mut files = Vec::with_capacity(group.len());
            for file in group.iter() {
                if !file.extensions.is_empty() {
                    return Ok(None);
                }
                let Some(metadata) = self.metadata(file) else {
                    return Ok(None);
                };
                let Some(verdicts) = row_group_verdicts(&metadata, &candidates) else {
                    return Ok(None);
                };
                let mut access = ParquetAccessPlan::new_all(verdicts.len());
                for (row_group, verdicts) in verdicts.iter().enumerate() {
                    if verdicts.contains(&Verdict::Excluded) {
                        access.skip(row_group);
                        continue;
                    }
                    for (p, v) in proven.iter_mut().zip(verdicts) {
                        *p &= *v == Verdict::Matched;
                    }
                }
                // The file's statistics counted the row groups now skipped: estimates.
                let mut file = file.clone().with_extension(access);
                if let Some(stats) = &file.statistics {
                    file.statistics = Some(Arc::new(stats.as_ref().clone().to_inexact()));
                }
                files.push(file);
            }
            let mut new_group = FileGroup::new(files);
            if let Some(stats) = group.file_statistics(None) {
                new_group = new_group.with_statistics(Arc::new(stats.clone().to_inexact()));
            }
            groups.push(new_group);
        }
        let dropped: BTreeSet<usize> = candidates
            .iter()
            .zip(&proven)
            .filter(|(_, p)| **p)
            .map(|(c, _)| c.conjunct)
            .collect();
        if dropped.is_empty() {
            return Ok(None);
        }
        let kept: Vec<Arc<dyn PhysicalExpr>> = conjuncts
            .iter()
            .enumerate()
            .filter(|(i, _)| !dropped.contains(i))
            .map(|(_, e)| Arc::clone(e))
            .collect();

        let mut config = config.clone();
        config.file_groups = groups;
        let scan: Arc<dyn ExecutionPlan> = DataSourceExec::from_data_source(config);

        // The columns still needed: by the conjuncts kept and by the filter's output.
        let outputs: Vec<usize> = match filter.projection() {
            Some(p) => p.iter().copied().collect(),
            None => (0..schema.fields().len()).collect(),
        };
        let mut needed: BTreeSet<usize> = outputs.iter().copied().collect();
        for e in &kept {
            needed.extend(collect_columns(e).iter().map(|c| c.index()));
        }
        let needed: Vec<usize> = needed.into_iter().collect();
        let (scan, position): (_, Box<dyn Fn(usize) -> usize>) =
            if needed.len() < schema.fields().len() {
                let exprs = needed.iter().map(|&i| {
                    let name = schema.field(i).name();
                    ProjectionExpr::new(Arc::new(Column::new(name, i)), name.clone())
                });
                let projection = ProjectionExec::try_new(exprs, Arc::clone(&scan))?;
                let narrowed = scan
                    .try_swapping_with_projection(&projection)?
                    .unwrap_or_else(|| Arc::new(projection));
                let needed = needed.clone();
                let position = move |i: usize| needed.binary_search(&i).expect("a needed column");
                (narrowed, Box::new(position))
            } else {
                (scan, Box::new(|i| i))
            };
        let scan = if repartition {
            with_only_child(filter.input(), scan)?
        } else {
            scan
        };
        let remap = |e: &Arc<dyn PhysicalExpr>| -> Result<Arc<dyn PhysicalExpr>> {
            Arc::clone(e)
                .transform(|e| match e.downcast_ref::<Column>() {
                    Some(c) => Ok(Transformed::yes(Arc::new(Column::new(
                        c.name(),
                        position(c.index()),
                    )) as _)),
                    None => Ok(Transformed::no(e)),
                })
                .data()
        };
        let projection: Vec<usize> = outputs.iter().map(|&i| position(i)).collect();
        let identity = projection.iter().enumerate().all(|(i, &p)| i == p)
            && projection.len() == scan.schema().fields().len();
        // A filter with a limit keeps the limit (over an always-true predicate).
        if kept.is_empty() && filter.fetch().is_none() {
            if identity {
                return Ok(Some(scan));
            }
            let scan_schema = scan.schema();
            let exprs = projection.iter().map(|&i| {
                let name = scan_schema.field(i).name().clone();
                ProjectionExpr::new(Arc::new(Column::new(&name, i)), name)
            });
            return Ok(Some(Arc::new(ProjectionExec::try_new(exprs, scan)?)));
        }
        // `conjunction` of nothing is the literal true.
        let predicate = conjunction(kept.iter().map(remap).collect::<Result<Vec<_>>>()?);
        let filter = FilterExecBuilder::from(filter)
            .with_input(scan)
            .with_predicate(predicate)
            .apply_projection(None)?
            .apply_projection((!identity).then_some(projection))?
            .build()?;
        Ok(Some(Arc::new(filter)))
    }

    /// A file's footer: from the session's cache, else read from the local file and
    /// cached (the scan then finds it there). `None` when it cannot be had.
    fn metadata(&self, file: &PartitionedFile) -> Option<Arc<ParquetMetaData>> {
        let meta = &file.object_meta;
        if let Some(entry) = self.cache.get(&meta.location)
            && entry.is_valid_for(meta)
        {
            let any = entry.file_metadata.as_any();
            if let Some(m) = any.downcast_ref::<CachedParquetMetaData>() {
                return Some(Arc::clone(m.parquet_metadata()));
            }
            if let Some(m) = any.downcast_ref::<ReaderCachedParquetMetaData>() {
                return Some(Arc::clone(m.parquet_metadata()));
            }
        }
        let path = std::path::Path::new("/").join(meta.location.as_ref());
        let local = std::fs::File::open(&path).ok()?;
        if local.metadata().ok()?.len() != meta.size {
            return None;
        }
        let metadata = Arc::new(ParquetMetaDataReader::new().parse_and_finish(&local).ok()?);
        self.cache.put(
            &meta.location,
            CachedFileMetadataEntry::new(
                meta.clone(),
                Arc::new(CachedParquetMetaData::new(Arc::clone(&metadata))),
            ),
        );
        Some(metadata)
    }
}

/// `column = 'text'` (either side), a non-null text literal.
fn column_equals_text(e: &Arc<dyn PhysicalExpr>) -> Option<(&Column, Vec<u8>)> {
    let b = e.downcast_ref::<BinaryExpr>()?;
    if *b.op() != Operator::Eq {
        return None;
    }
    let (column, literal) = match (
        b.left().downcast_ref::<Column>(),
        b.right().downcast_ref::<Literal>(),
    ) {
        (Some(c), Some(l)) => (c, l),
        _ => (
            b.right().downcast_ref::<Column>()?,
            b.left().downcast_ref::<Literal>()?,
        ),
    };
    match literal.value() {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => Some((column, s.as_bytes().to_vec())),
        _ => None,
    }
}

/// For each row group, the verdict on each candidate; `None` when a candidate's column is
/// not a top-level byte-array column ordered by unsigned bytes in this file.
fn row_group_verdicts(
    metadata: &ParquetMetaData,
    candidates: &[Candidate],
) -> Option<Vec<Vec<Verdict>>> {
    let descr = metadata.file_metadata().schema_descr();
    let leaves: Vec<usize> = candidates
        .iter()
        .map(|c| {
            let leaf = (0..descr.num_columns()).find(|&i| {
                let column = descr.column(i);
                let parts = column.path().parts();
                parts.len() == 1 && parts[0] == c.column
            })?;
            let order = metadata.file_metadata().column_order(leaf);
            (order == ColumnOrder::TYPE_DEFINED_ORDER(SortOrder::UNSIGNED)).then_some(leaf)
        })
        .collect::<Option<_>>()?;
    let verdicts = metadata
        .row_groups()
        .iter()
        .map(|rg| {
            candidates
                .iter()
                .zip(&leaves)
                .map(|(c, &leaf)| {
                    let Some(Statistics::ByteArray(s)) = rg.column(leaf).statistics() else {
                        return Verdict::Unknown;
                    };
                    let (Some(min), Some(max)) = (s.min_opt(), s.max_opt()) else {
                        return Verdict::Unknown;
                    };
                    let (min, max, value) = (min.data(), max.data(), c.value.as_slice());
                    if value < min || value > max {
                        // Bounds, exact or not, that leave the value out.
                        Verdict::Excluded
                    } else if s.min_is_exact()
                        && s.max_is_exact()
                        && min == value
                        && max == value
                        && s.null_count_opt() == Some(0)
                    {
                        Verdict::Matched
                    } else {
                        Verdict::Unknown
                    }
                })
                .collect()
        })
        .collect();
    Some(verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::{plan_and_rows, session};
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::prelude::ParquetReadOptions;

    /// Row groups of 100 rows: kind `a` (v 0–99), `b` (100–199), `b` (200–299), then
    /// `a` and `aa` mixed (300–399), then `d` with nulls in `tag` (400–499).
    fn write_file(path: &std::path::Path) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("kind", DataType::Utf8, true),
            Field::new("tag", DataType::Utf8, true),
            Field::new("v", DataType::Int64, false),
        ]));
        let mut writer =
            ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema.clone(), None)
                .unwrap();
        for group in 0..5i64 {
            let kind = |i: i64| match group {
                0 => "a",
                1 | 2 => "b",
                3 if i % 2 == 0 => "a",
                3 => "aa",
                _ => "d",
            };
            let rows: Vec<i64> = (group * 100..group * 100 + 100).collect();
            let kinds: Vec<&str> = rows.iter().map(|&i| kind(i)).collect();
            let tags: Vec<Option<&str>> = rows
                .iter()
                .map(|&i| (group != 4 || i % 10 != 0).then_some("x"))
                .collect();
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(kinds)),
                    Arc::new(StringArray::from(tags)),
                    Arc::new(Int64Array::from(rows)),
                ],
            )
            .unwrap();
            writer.write(&batch).unwrap();
            writer.flush().unwrap();
        }
        writer.close().unwrap();
    }

    /// The plan and rows of `sql`, with yusuan's rules or DataFusion's alone; `warm`
    /// runs it once before (the footers then come from the metadata cache).
    async fn run(dir: &std::path::Path, sql: &str, yusuan: bool, warm: bool) -> (String, String) {
        let path = dir.join("t.parquet");
        if !path.exists() {
            write_file(&path);
        }
        let ctx = session(yusuan);
        ctx.register_parquet("t", path.to_str().unwrap(), ParquetReadOptions::default())
            .await
            .unwrap();
        if warm {
            ctx.sql(sql).await.unwrap().collect().await.unwrap();
        }
        plan_and_rows(&ctx, sql).await
    }

    /// The filter line of a plan ("" when there is none).
    fn filter_line(plan: &str) -> String {
        plan.lines()
            .find(|l| l.contains("FilterExec"))
            .unwrap_or("")
            .trim()
            .to_string()
    }

    #[tokio::test]
    async fn proven_conjuncts_are_dropped_with_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            // (query, what the yusuan plan's filter must say: None = no filter at all)
            ("SELECT sum(v), count(*) FROM t WHERE kind = 'b'", None),
            (
                "SELECT sum(v) FROM t WHERE 'b' = kind AND v % 3 = 0",
                Some("v@"),
            ),
            (
                "SELECT kind, v FROM t WHERE kind = 'b' AND v > 195 ORDER BY v",
                Some("v@"),
            ),
            ("SELECT count(*) FROM t WHERE kind = 'z'", None),
            // A conjunct kept on a column the output does not include.
            (
                "SELECT sum(v) FROM t WHERE kind = 'b' AND tag <> 'y'",
                Some("tag@"),
            ),
        ];
        for (sql, filter) in cases {
            for warm in [false, true] {
                let (plain, plain_rows) = run(dir.path(), sql, false, warm).await;
                let (ruled, ruled_rows) = run(dir.path(), sql, true, warm).await;
                assert!(filter_line(&plain).contains("kind@"), "{plain}");
                assert_eq!(plain_rows, ruled_rows, "{sql}");
                let line = filter_line(&ruled);
                assert!(!line.contains("kind@"), "{sql}: {ruled}");
                match filter {
                    None => assert_eq!(line, "", "{sql}: {ruled}"),
                    Some(rest) => assert!(line.contains(rest), "{sql}: {ruled}"),
                }
            }
        }
        // The rows themselves, computed here: kind b is v 100–299.
        let (_, rows) = run(dir.path(), cases[0].0, true, false).await;
        let sum: i64 = (100..300).sum();
        assert!(rows.contains(&format!("| {sum} ")), "{rows}");
        assert!(rows.contains("| 200 "), "{rows}");
        // A limit on the filter (one partition: DataFusion pushes it into the filter)
        // stays when the filter has nothing left to test.
        let ctx = session(true);
        ctx.sql("SET datafusion.execution.target_partitions = 1")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let path = dir.path().join("t.parquet");
        ctx.register_parquet("t", path.to_str().unwrap(), ParquetReadOptions::default())
            .await
            .unwrap();
        let limited = "SELECT count(*) AS n FROM (SELECT v FROM t WHERE kind = 'b' LIMIT 5)";
        let (plan, rows) = plan_and_rows(&ctx, limited).await;
        assert!(filter_line(&plan).contains("fetch=5"), "{plan}");
        assert!(rows.contains("| 5 "), "{rows}");
        // The column the plan above does not need is no longer read.
        let (ruled, _) = run(dir.path(), cases[1].0, true, false).await;
        let scan = ruled
            .lines()
            .find(|l| l.contains("DataSourceExec"))
            .unwrap();
        assert!(scan.contains("projection=[v]"), "{scan}");
    }

    #[tokio::test]
    async fn what_the_statistics_do_not_prove_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        for sql in [
            // One row group has `a` beside `aa`.
            "SELECT sum(v) FROM t WHERE kind = 'a'",
            // Row group `d` has nulls in tag: its statistics do not prove tag = 'x'.
            "SELECT sum(v) FROM t WHERE tag = 'x'",
            // Not an equality with a text literal.
            "SELECT sum(v) FROM t WHERE kind <> 'a'",
            "SELECT sum(v) FROM t WHERE kind = 'b' OR v = 3",
        ] {
            let (plain, plain_rows) = run(dir.path(), sql, false, false).await;
            let (ruled, ruled_rows) = run(dir.path(), sql, true, false).await;
            assert_eq!(plain_rows, ruled_rows, "{sql}");
            assert_eq!(filter_line(&plain), filter_line(&ruled), "{sql}");
        }
    }
}
