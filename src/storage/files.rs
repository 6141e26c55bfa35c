//! The dataset's data files: Parquet written with the properties the engine is tuned for
//! (zstd, row groups of at most 128K rows, page statistics on the filter columns), under a
//! name no other writer uses, synced before any log names it; read back with their
//! columns checked. Owns bytes on disk only: which files belong to a table is the
//! transaction log's business (`log`), never decided by listing a directory.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::{
    SortColumn, filter_record_batch, lexsort_to_indices, take_record_batch,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
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
pub fn drop_docs(
    b: &RecordBatch,
    removed: &std::collections::BTreeSet<String>,
) -> Result<RecordBatch> {
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
/// 128K rows, pages of at most 8K rows (fine-grained skipping within a row group).
fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("valid level"),
        ))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_max_row_group_row_count(Some(128 * 1024))
        .set_data_page_row_count_limit(8 * 1024)
        .set_created_by(format!("yusuan {}", env!("CARGO_PKG_VERSION")));
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

/// Reads every row of one data file, checking its columns against `expected` (the file
/// may only lack nothing and add nothing) and its size against the log's record.
pub fn read_file(path: &Path, expected: &SchemaRef, size: Option<u64>) -> Result<Vec<RecordBatch>> {
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
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|source| Error::Parquet {
            path: path.to_path_buf(),
            source,
        })?;
    let names = |s: &datafusion::arrow::datatypes::Schema| {
        s.fields()
            .iter()
            .map(|f| f.name().clone())
            .collect::<Vec<_>>()
    };
    let found = builder.schema().clone();
    if names(&found) != names(expected) {
        return Err(Error::Dataset {
            path: path.to_path_buf(),
            reason: format!(
                "columns {:?} do not match the table's schema {:?}",
                names(&found),
                names(expected)
            ),
        });
    }
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
