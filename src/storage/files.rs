//! The dataset's data files: Parquet written with the properties the engine is tuned for
//! (zstd, row groups of at most 128K rows, page statistics on the filter columns), under a
//! name no other writer uses, synced before any log names it; read back with their
//! columns checked. Owns bytes on disk only: which files belong to a table is the
//! transaction log's business (`log`), never decided by listing a directory.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::{
    SortColumn, filter_record_batch, lexsort_to_indices, take_record_batch,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::file::statistics::Statistics;

use crate::error::{Error, Result};

/// A data file written for a table, not yet (or already) named by its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Path relative to the table's directory, `/`-separated (`year=2024/part-….parquet`).
    pub path: String,
    /// The `year` partition, for the year-partitioned tables.
    pub year: Option<i32>,
    /// Size in bytes.
    pub size: u64,
    /// Rows.
    pub rows: u64,
    /// Milliseconds since the epoch when it was written.
    pub modified_ms: i64,
    /// Delta statistics (JSON: `numRecords`, `minValues`, `maxValues`, `nullCount`).
    pub stats: String,
}

/// A name for a new data file that no other process, thread or earlier run uses.
pub fn new_file_name() -> String {
    format!(
        "part-{:016x}{:016x}.parquet",
        fastrand::u64(..),
        fastrand::u64(..) ^ u64::from(std::process::id())
    )
}

/// `b`'s rows sorted by `columns` (those it has), ascending.
pub fn sort_batch(b: &RecordBatch, columns: &[&str]) -> Result<RecordBatch> {
    let sort: Vec<SortColumn> = columns
        .iter()
        .filter_map(|c| b.column_by_name(c))
        .map(|values| SortColumn {
            values: Arc::clone(values),
            options: None,
        })
        .collect();
    if sort.is_empty() {
        return Ok(b.clone());
    }
    let idx = lexsort_to_indices(&sort, None)?;
    Ok(take_record_batch(b, &idx)?)
}

/// `b` without the rows whose `doc_id` is in `removed`.
pub fn drop_docs(b: &RecordBatch, removed: &BTreeSet<String>) -> Result<RecordBatch> {
    let Some(ids) = b
        .column_by_name("doc_id")
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
    else {
        return Ok(b.clone());
    };
    let keep: BooleanArray = (0..b.num_rows())
        .map(|i| Some(!removed.contains(ids.value(i))))
        .collect();
    Ok(filter_record_batch(b, &keep)?)
}

/// Columns with page-level statistics (the page index): the sort and filter columns,
/// whose pages the reader can skip. Every other column has row-group statistics only,
/// which keeps the page index — read with every file's metadata — small.
const PAGE_STATISTICS: [&str; 13] = [
    "doc_id",
    "region",
    "unit_name",
    "table_kind",
    "row_kind",
    "column_key",
    "line_key",
    "function_code",
    "function_level",
    "econ_code",
    "amount",
    "fact_key",
    "relation",
];

/// The properties of every Parquet file a dataset holds: zstd, row groups of at most
/// 128K rows, pages of at most 8K rows (fine-grained skipping within a row group), and a
/// bloom filter on `doc_id` (folded to its row group's ids: a few KB), so that replacing
/// a document finds the row groups that hold it without reading the others, and so do
/// queries filtering on a document.
fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("valid level"),
        ))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_max_row_group_row_count(Some(128 * 1024))
        .set_data_page_row_count_limit(8 * 1024)
        .set_created_by(format!("yusuan {}", env!("CARGO_PKG_VERSION")))
        .set_column_bloom_filter_enabled("doc_id".into(), true)
        .set_column_bloom_filter_fpp("doc_id".into(), 0.01);
    for column in PAGE_STATISTICS {
        builder = builder.set_column_statistics_enabled(column.into(), EnabledStatistics::Page);
    }
    builder.build()
}

/// Writes `batch` as one new data file of the table at `table_dir`.
pub fn write_file(table_dir: &Path, year: Option<i32>, batch: &RecordBatch) -> Result<DataFile> {
    let mut writer = PartitionWriter::create(table_dir, year, batch.schema())?;
    writer.write(batch)?;
    writer.finish()
}

/// A new Parquet data file written batch by batch (memory bounded by one row group); its
/// name is new, so nothing reads it before a commit names it.
pub struct PartitionWriter {
    path: PathBuf,
    relative: String,
    year: Option<i32>,
    writer: ArrowWriter<File>,
}

impl PartitionWriter {
    /// A writer for a new file in `table_dir` (in `year=<year>/` for a partitioned table).
    pub fn create(
        table_dir: &Path,
        year: Option<i32>,
        schema: SchemaRef,
    ) -> Result<PartitionWriter> {
        let name = new_file_name();
        let relative = match year {
            Some(y) => format!("year={y}/{name}"),
            None => name,
        };
        let path = table_dir.join(&relative);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
        }
        let file = File::create_new(&path).map_err(|e| Error::io("creating", &path, e))?;
        let writer =
            ArrowWriter::try_new(file, schema, Some(writer_properties())).map_err(|source| {
                Error::Parquet {
                    path: path.clone(),
                    source,
                }
            })?;
        Ok(PartitionWriter {
            path,
            relative,
            year,
            writer,
        })
    }

    /// Appends rows (in the order they are to be stored).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer.write(batch).map_err(|source| Error::Parquet {
            path: self.path.clone(),
            source,
        })
    }

    /// Ends the current row group: rows written next start a new one (so that a row
    /// group holds what belongs together, and its statistics prune well).
    pub fn end_row_group(&mut self) -> Result<()> {
        self.writer.flush().map_err(|source| Error::Parquet {
            path: self.path.clone(),
            source,
        })
    }

    /// Closes and syncs the file; what a commit's log entry records of it.
    pub fn finish(mut self) -> Result<DataFile> {
        let metadata = self.writer.finish().map_err(|source| Error::Parquet {
            path: self.path.clone(),
            source,
        })?;
        // (`finish` wrote the footer; `into_inner` would write it again.)
        self.writer
            .inner()
            .sync_all()
            .map_err(|e| Error::io("syncing", &self.path, e))?;
        describe(&self.path, self.relative, self.year, &metadata)
    }

    /// Stops writing and removes the file.
    pub fn abandon(self) {
        let path = self.path.clone();
        drop(self);
        let _ = fs::remove_file(path);
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What the log records of an existing data file (size, time, rows and statistics read
/// from its footer).
pub fn describe_existing(table_dir: &Path, relative: &str, year: Option<i32>) -> Result<DataFile> {
    let path = table_dir.join(relative);
    let file = File::open(&path).map_err(|e| Error::io("opening", &path, e))?;
    let metadata = ParquetMetaDataReader::new()
        .parse_and_finish(&file)
        .map_err(|source| Error::Parquet {
            path: path.clone(),
            source,
        })?;
    describe(&path, relative.to_string(), year, &metadata)
}

fn describe(
    path: &Path,
    relative: String,
    year: Option<i32>,
    m: &ParquetMetaData,
) -> Result<DataFile> {
    let fs_meta = fs::metadata(path).map_err(|e| Error::io("reading the size of", path, e))?;
    let modified_ms = fs_meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64);
    let rows: i64 = m.row_groups().iter().map(|g| g.num_rows()).sum();
    Ok(DataFile {
        path: relative,
        year,
        size: fs_meta.len(),
        rows: rows as u64,
        modified_ms,
        stats: delta_stats(m, rows),
    })
}

/// A column's value in Delta's statistics JSON, from Parquet statistics: strings, integers,
/// decimals (exact, as JSON numbers), timestamps (ISO 8601, UTC); `None` for other types.
fn stat_value(
    s: &Statistics,
    logical: Option<&datafusion::parquet::basic::LogicalType>,
    min: bool,
) -> Option<String> {
    use datafusion::parquet::basic::{LogicalType, TimeUnit};
    match s {
        Statistics::ByteArray(v) if matches!(logical, Some(LogicalType::String)) => {
            let b = if min { v.min_opt()? } else { v.max_opt()? };
            serde_json::to_string(std::str::from_utf8(b.data()).ok()?).ok()
        }
        Statistics::Int32(v)
            if logical.is_none() || matches!(logical, Some(LogicalType::Integer(_))) =>
        {
            Some((if min { v.min_opt()? } else { v.max_opt()? }).to_string())
        }
        Statistics::Int64(v) => {
            let x = *(if min { v.min_opt()? } else { v.max_opt()? });
            match logical {
                None | Some(LogicalType::Integer(_)) => Some(x.to_string()),
                Some(LogicalType::Decimal(d)) => Some(
                    rust_decimal::Decimal::try_from_i128_with_scale(
                        i128::from(x),
                        u32::try_from(d.scale).ok()?,
                    )
                    .ok()?
                    .to_string(),
                ),
                Some(LogicalType::Timestamp(t))
                    if t.is_adjusted_to_u_t_c && matches!(t.unit, TimeUnit::MICROS) =>
                {
                    let t = chrono::DateTime::from_timestamp_micros(x)?;
                    serde_json::to_string(&t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()).ok()
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Delta's per-file statistics (`numRecords`, `minValues`, `maxValues`, `nullCount`) of
/// every column whose row groups all have Parquet statistics; peers skip files by them
/// (and some treat a column left out as all null), commits find a document's files by
/// `doc_id`. Written as JSON text so that decimals stay exact.
fn delta_stats(m: &ParquetMetaData, rows: i64) -> String {
    let schema = m.file_metadata().schema_descr();
    let (mut mins, mut maxs, mut nulls) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..schema.num_columns() {
        let column = schema.column(i);
        if column.path().parts().len() != 1 {
            continue;
        }
        let name = serde_json::to_string(column.name()).expect("a string serializes");
        let logical = column.logical_type_ref();
        let stats: Vec<Option<&Statistics>> = m
            .row_groups()
            .iter()
            .filter(|g| g.num_rows() > 0)
            .map(|g| g.column(i).statistics())
            .collect();
        let Some(all) = stats.into_iter().collect::<Option<Vec<_>>>() else {
            continue;
        };
        let Some(null_count) = all.iter().map(|s| s.null_count_opt()).sum::<Option<u64>>() else {
            continue;
        };
        nulls.push(format!("{name}:{null_count}"));
        let bound = |min: bool| -> Option<String> {
            let values: Vec<String> = all
                .iter()
                .filter(|s| s.min_bytes_opt().is_some())
                .map(|s| stat_value(s, logical, min))
                .collect::<Option<_>>()?;
            if values.is_empty() {
                return None;
            }
            // Compare in the column's own order: parse back what was formatted.
            let key = |v: &String| -> (Option<rust_decimal::Decimal>, String) {
                (v.parse().ok(), v.clone())
            };
            let pick = values.into_iter().reduce(|a, b| {
                let (ka, kb) = (key(&a), key(&b));
                let a_first = match (ka.0, kb.0) {
                    (Some(x), Some(y)) => x <= y,
                    _ => ka.1 <= kb.1,
                };
                if a_first == min { a } else { b }
            })?;
            Some(pick)
        };
        if let (Some(lo), Some(hi)) = (bound(true), bound(false)) {
            mins.push(format!("{name}:{lo}"));
            maxs.push(format!("{name}:{hi}"));
        }
    }
    format!(
        "{{\"numRecords\":{rows},\"minValues\":{{{}}},\"maxValues\":{{{}}},\"nullCount\":{{{}}}}}",
        mins.join(","),
        maxs.join(","),
        nulls.join(",")
    )
}

/// Opens a data file's Parquet metadata, checking its size against the log's record and
/// its columns against `expected` (the file may only lack nothing and add nothing).
pub fn open_checked(
    path: &Path,
    expected: &SchemaRef,
    size: Option<u64>,
) -> Result<(File, ArrowReaderMetadata)> {
    let file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    if let Some(size) = size {
        let found = file
            .metadata()
            .map_err(|e| Error::io("reading the size of", path, e))?
            .len();
        if found != size {
            return Err(size_mismatch(path, found, size));
        }
    }
    let metadata =
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::default()).map_err(|source| {
            Error::Parquet {
                path: path.to_path_buf(),
                source,
            }
        })?;
    let names = |s: &datafusion::arrow::datatypes::Schema| {
        s.fields()
            .iter()
            .map(|f| f.name().clone())
            .collect::<Vec<_>>()
    };
    if names(metadata.schema()) != names(expected) {
        return Err(Error::Dataset {
            path: path.to_path_buf(),
            reason: format!(
                "columns {:?} do not match the table's schema {:?}",
                names(metadata.schema()),
                names(expected)
            ),
        });
    }
    Ok((file, metadata))
}

/// A reader of the opened file `file` with `metadata`.
pub fn reader(
    path: &Path,
    file: &File,
    metadata: &ArrowReaderMetadata,
) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let file = file
        .try_clone()
        .map_err(|e| Error::io("opening", path, e))?;
    Ok(ParquetRecordBatchReaderBuilder::new_with_metadata(
        file,
        metadata.clone(),
    ))
}

/// Every batch of `builder`'s reader, as `expected`'s schema.
fn batches(
    path: &Path,
    builder: ParquetRecordBatchReaderBuilder<File>,
    expected: &SchemaRef,
) -> Result<Vec<RecordBatch>> {
    let mut out = Vec::new();
    for batch in builder.build().map_err(|source| Error::Parquet {
        path: path.to_path_buf(),
        source,
    })? {
        let batch = batch.map_err(|e| Error::Dataset {
            path: path.to_path_buf(),
            reason: format!("unreadable: {e}"),
        })?;
        out.push(RecordBatch::try_new(
            expected.clone(),
            batch.columns().to_vec(),
        )?);
    }
    Ok(out)
}

/// Reads every row of one data file, checking its columns against `expected` (the file
/// may only lack nothing and add nothing) and its size against the log's record.
pub fn read_file(path: &Path, expected: &SchemaRef, size: Option<u64>) -> Result<Vec<RecordBatch>> {
    let (file, metadata) = open_checked(path, expected, size)?;
    batches(path, reader(path, &file, &metadata)?, expected)
}

/// What [`rewrite_without`] did to a data file.
#[derive(Debug)]
pub enum Rewrite {
    /// The file holds none of the documents: nothing was written.
    Untouched,
    /// Every row was theirs: the file goes and nothing replaces it.
    Emptied,
    /// The file's other rows, as a new file.
    Rewritten(DataFile),
}

/// The data file `relative` of the table at `table_dir` (recorded as `size` bytes) without
/// the rows of the documents `removed`. Row groups whose `doc_id` statistics or bloom
/// filter exclude every removed id are not read; the others' `doc_id` column is read
/// first, so a file that does not hold them costs little. A rewrite goes row group by row
/// group — memory bounded by one, each row group (and so line items' clustering) kept.
pub fn rewrite_without(
    table_dir: &Path,
    relative: &str,
    year: Option<i32>,
    size: u64,
    schema: &SchemaRef,
    removed: &BTreeSet<String>,
) -> Result<Rewrite> {
    let path = table_dir.join(relative);
    let (file, metadata) = open_checked(&path, schema, Some(size))?;
    let parquet_error = |source| Error::Parquet {
        path: path.clone(),
        source,
    };
    let Some(leaf) = metadata
        .parquet_schema()
        .columns()
        .iter()
        .position(|c| c.name() == "doc_id")
    else {
        return Ok(Rewrite::Untouched);
    };
    let probe = reader(&path, &file, &metadata)?;
    let mut candidates = Vec::new();
    for rg in 0..metadata.metadata().num_row_groups() {
        let column = metadata.metadata().row_group(rg).column(leaf);
        if let Some(Statistics::ByteArray(s)) = column.statistics()
            && let (Some(min), Some(max)) = (s.min_opt(), s.max_opt())
            && !removed
                .iter()
                .any(|id| min.data() <= id.as_bytes() && id.as_bytes() <= max.data())
        {
            continue;
        }
        if let Some(bloom) = probe
            .get_row_group_column_bloom_filter(rg, leaf)
            .map_err(parquet_error)?
            && !removed.iter().any(|id| bloom.check(id.as_str()))
        {
            continue;
        }
        candidates.push(rg);
    }
    let mut holding = BTreeSet::new();
    let ids = ProjectionMask::leaves(metadata.parquet_schema(), [leaf]);
    for rg in candidates {
        let builder = reader(&path, &file, &metadata)?
            .with_projection(ids.clone())
            .with_row_groups(vec![rg]);
        for batch in builder.build().map_err(parquet_error)? {
            let batch = batch.map_err(|e| Error::Dataset {
                path: path.clone(),
                reason: format!("unreadable: {e}"),
            })?;
            let Some(ids) = batch.column(0).as_any().downcast_ref::<StringArray>() else {
                break;
            };
            if ids.iter().flatten().any(|id| removed.contains(id)) {
                holding.insert(rg);
                break;
            }
        }
    }
    if holding.is_empty() {
        return Ok(Rewrite::Untouched);
    }
    let mut writer = PartitionWriter::create(table_dir, year, schema.clone())?;
    let mut rows = 0;
    let written = (|| -> Result<()> {
        for rg in 0..metadata.metadata().num_row_groups() {
            let builder = reader(&path, &file, &metadata)?.with_row_groups(vec![rg]);
            for batch in batches(&path, builder, schema)? {
                let kept = if holding.contains(&rg) {
                    drop_docs(&batch, removed)?
                } else {
                    batch
                };
                rows += kept.num_rows();
                if kept.num_rows() > 0 {
                    writer.write(&kept)?;
                }
            }
            writer.end_row_group()?;
        }
        Ok(())
    })();
    match written {
        Err(e) => {
            writer.abandon();
            Err(e)
        }
        Ok(()) if rows == 0 => {
            writer.abandon();
            Ok(Rewrite::Emptied)
        }
        Ok(()) => Ok(Rewrite::Rewritten(writer.finish()?)),
    }
}

/// The error for a data file whose size differs from its log entry's: it was truncated,
/// emptied or replaced outside a commit, and reading it would give a smaller table.
pub fn size_mismatch(path: &Path, found: u64, recorded: u64) -> Error {
    Error::Dataset {
        path: path.to_path_buf(),
        reason: format!(
            "data file is {found} bytes but the transaction log recorded {recorded}: it was truncated or replaced outside a commit; restore it from a backup, or query an earlier version (--as-of) that does not use it"
        ),
    }
}

/// Writes `bytes` to `path` whole or not at all (a temporary file synced, then renamed).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!(
        "tmp-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    fs::write(&tmp, bytes).map_err(|e| Error::io("writing", &tmp, e))?;
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io("syncing", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io("renaming", &tmp, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("doc_id", DataType::Utf8, false),
            Field::new("n", DataType::Int64, false),
        ]))
    }

    /// A file of three row groups: documents a,b | c,d | a,e (ten rows each).
    fn three_groups(dir: &Path) -> DataFile {
        let schema = schema();
        let mut w = PartitionWriter::create(dir, Some(2024), schema.clone()).unwrap();
        for (g, docs) in [["a", "b"], ["c", "d"], ["a", "e"]].iter().enumerate() {
            let ids: Vec<&str> = (0..10).map(|i| docs[i % 2]).collect();
            let ns: Vec<i64> = (0..10).map(|i| (g * 10 + i) as i64).collect();
            let b = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(ids)),
                    Arc::new(Int64Array::from(ns)),
                ],
            )
            .unwrap();
            w.write(&b).unwrap();
            w.end_row_group().unwrap();
        }
        w.finish().unwrap()
    }

    fn ids(set: &[&str]) -> BTreeSet<String> {
        set.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rewriting_without_documents_keeps_the_rest_and_its_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let f = three_groups(dir.path());
        let run = |removed: &[&str]| {
            rewrite_without(
                dir.path(),
                &f.path,
                f.year,
                f.size,
                &schema(),
                &ids(removed),
            )
            .unwrap()
        };
        // In the statistics' range and not there; outside the range.
        assert!(matches!(run(&["bb"]), Rewrite::Untouched));
        assert!(matches!(run(&["z"]), Rewrite::Untouched));
        let Rewrite::Rewritten(out) = run(&["a", "d"]) else {
            panic!("a and d are in the file");
        };
        let path = dir.path().join(&out.path);
        let meta = ParquetMetaDataReader::new()
            .parse_and_finish(&File::open(&path).unwrap())
            .unwrap();
        let groups: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
        assert_eq!(groups, vec![5, 5, 5], "one row group per row group read");
        let kept: Vec<(String, i64)> = read_file(&path, &schema(), Some(out.size))
            .unwrap()
            .iter()
            .flat_map(|b| {
                let ids = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
                let ns = b.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
                (0..b.num_rows())
                    .map(|i| (ids.value(i).to_string(), ns.value(i)))
                    .collect::<Vec<_>>()
            })
            .collect();
        let want: Vec<(String, i64)> = [
            (0..10, ["a", "b"]),
            (10..20, ["c", "d"]),
            (20..30, ["a", "e"]),
        ]
        .into_iter()
        .flat_map(|(r, docs)| r.map(move |n| (docs[(n % 10) as usize % 2].to_string(), n)))
        .filter(|(id, _)| id != "a" && id != "d")
        .collect();
        assert_eq!(kept, want);
        assert_eq!(out.rows, 15);
        let files = fs::read_dir(dir.path().join("year=2024")).unwrap().count();
        assert_eq!(files, 2, "the input and the rewrite, nothing else");
        assert!(matches!(run(&["a", "b", "c", "d", "e"]), Rewrite::Emptied));
        let files = fs::read_dir(dir.path().join("year=2024")).unwrap().count();
        assert_eq!(files, 2, "an emptied file leaves nothing behind");
    }

    #[test]
    fn a_file_of_another_size_than_recorded_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let f = three_groups(dir.path());
        let err = rewrite_without(
            dir.path(),
            &f.path,
            f.year,
            f.size + 1,
            &schema(),
            &ids(&["a"]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains(&f.path) && err.contains("truncated"), "{err}");
    }

    #[test]
    fn doc_id_has_a_bloom_filter() {
        let dir = tempfile::tempdir().unwrap();
        let f = three_groups(dir.path());
        let path = dir.path().join(&f.path);
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
        let bloom = builder
            .get_row_group_column_bloom_filter(1, 0)
            .unwrap()
            .expect("a bloom filter on doc_id");
        assert!(bloom.check("c") && bloom.check("d"));
    }
}
