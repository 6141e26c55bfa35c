//! The dataset directory: Parquet files partitioned by year, one file per table and year,
//! written so that an interrupted ingest never damages what is stored.
//!
//! Layout (a public contract, readable as is by DuckDB, Polars or Spark with Hive
//! partitioning): `<data>/_yusuan.json` (format marker and schema version) and
//! `<data>/<table>/year=<YYYY>/part-0.parquet`, zstd, page statistics, rows sorted by
//! region, unit and document. Owns files only: no SQL, no parsing.
//!
//! A commit writes every new partition file beside the old one under a temporary name,
//! then records the renames in a journal (`_yusuan_commit.json`, itself written by
//! rename), then renames. A crash before the journal exists leaves the old files in
//! place (the temporary ones are removed on next open); a crash after it is completed
//! on next open. Re-ingesting a document (same content hash or same source path)
//! replaces its rows in every table.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::BooleanArray;
use datafusion::arrow::array::{Array, RecordBatch, StringArray};
use datafusion::arrow::compute::{
    SortColumn, concat_batches, filter_record_batch, lexsort_to_indices, take_record_batch,
};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::SourceDocument;
use crate::model::schema::{DatasetTable, SCHEMA_VERSION};

const MARKER: &str = "_yusuan.json";
const JOURNAL: &str = "_yusuan_commit.json";
const FILE_NAME: &str = "part-0.parquet";

#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    format: String,
    schema_version: u32,
    created_by: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    /// `(temporary, final)` pairs to rename.
    renames: Vec<(PathBuf, PathBuf)>,
    /// Files to delete after the renames.
    deletes: Vec<PathBuf>,
}

/// What a commit changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitSummary {
    /// Documents written.
    pub documents: usize,
    /// Earlier versions of those documents that were replaced.
    pub replaced: usize,
    /// Partition files written.
    pub files: usize,
}

/// A dataset directory.
#[derive(Debug, Clone)]
pub struct Dataset {
    root: PathBuf,
}

impl Dataset {
    /// True when `root` holds a yusuan dataset.
    pub fn exists(root: &Path) -> bool {
        root.join(MARKER).is_file()
    }

    /// Opens an existing dataset, completing or discarding an interrupted commit.
    pub fn open(root: &Path) -> Result<Dataset> {
        let marker_path = root.join(MARKER);
        let text = fs::read_to_string(&marker_path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::Dataset {
                    path: root.to_path_buf(),
                    reason: "no yusuan dataset here (missing _yusuan.json); run `yusuan ingest --data DIR FILE...` first".into(),
                }
            } else {
                Error::io("reading", &marker_path, e)
            }
        })?;
        let marker: Marker = serde_json::from_str(&text).map_err(|e| Error::Dataset {
            path: root.to_path_buf(),
            reason: format!("_yusuan.json is unreadable: {e}"),
        })?;
        if marker.schema_version != SCHEMA_VERSION {
            return Err(Error::Dataset {
                path: root.to_path_buf(),
                reason: format!(
                    "written by {} with schema version {}, but this yusuan reads and writes version {}; ingest into a new directory (or re-ingest the sources there)",
                    marker.created_by, marker.schema_version, SCHEMA_VERSION
                ),
            });
        }
        let ds = Dataset {
            root: root.to_path_buf(),
        };
        ds.recover()?;
        Ok(ds)
    }

    /// Opens the dataset at `root`, creating it when the directory is absent or empty.
    pub fn open_or_create(root: &Path) -> Result<Dataset> {
        if Self::exists(root) {
            return Self::open(root);
        }
        if root.exists() {
            let mut entries = fs::read_dir(root).map_err(|e| Error::io("listing", root, e))?;
            if entries.next().is_some() {
                return Err(Error::Dataset {
                    path: root.to_path_buf(),
                    reason: "directory is not empty and holds no yusuan dataset (no _yusuan.json); choose another --data directory".into(),
                });
            }
        }
        for t in DatasetTable::ALL {
            let dir = root.join(t.name());
            fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        }
        let marker = Marker {
            format: "yusuan-dataset".into(),
            schema_version: SCHEMA_VERSION,
            created_by: format!("yusuan {}", env!("CARGO_PKG_VERSION")),
        };
        let json = serde_json::to_string_pretty(&marker).expect("marker serializes");
        write_atomic(&root.join(MARKER), json.as_bytes())?;
        Ok(Dataset {
            root: root.to_path_buf(),
        })
    }

    /// The dataset directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of one table.
    pub fn table_dir(&self, table: DatasetTable) -> PathBuf {
        self.root.join(table.name())
    }

    fn partition_dir(&self, table: DatasetTable, year: i32) -> PathBuf {
        self.table_dir(table).join(format!("year={year}"))
    }

    /// The years present in a table.
    pub fn years(&self, table: DatasetTable) -> Result<Vec<i32>> {
        let dir = self.table_dir(table);
        let mut out = Vec::new();
        if !dir.exists() {
            return Ok(out);
        }
        for e in fs::read_dir(&dir).map_err(|e| Error::io("listing", &dir, e))? {
            let e = e.map_err(|e| Error::io("listing", &dir, e))?;
            if let Some(y) = e
                .file_name()
                .to_str()
                .and_then(|n| n.strip_prefix("year="))
                .and_then(|y| y.parse().ok())
            {
                out.push(y);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Reads every row of one table partition.
    pub fn read_partition(&self, table: DatasetTable, year: i32) -> Result<Vec<RecordBatch>> {
        let dir = self.partition_dir(table, year);
        let mut out = Vec::new();
        for path in parquet_files(&dir)? {
            let file = File::open(&path).map_err(|e| Error::io("opening", &path, e))?;
            let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|source| {
                Error::Parquet {
                    path: path.clone(),
                    source,
                }
            })?;
            let expected = table.schema();
            let found = builder.schema().clone();
            let names = |s: &datafusion::arrow::datatypes::Schema| {
                s.fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect::<Vec<_>>()
            };
            if names(&found) != names(&expected) {
                return Err(Error::Dataset {
                    path: path.clone(),
                    reason: format!(
                        "columns {:?} do not match the {} schema {:?}",
                        names(&found),
                        table.name(),
                        names(&expected)
                    ),
                });
            }
            for batch in builder.build().map_err(|source| Error::Parquet {
                path: path.clone(),
                source,
            })? {
                let batch = batch?;
                out.push(RecordBatch::try_new(
                    expected.clone(),
                    batch.columns().to_vec(),
                )?);
            }
        }
        Ok(out)
    }

    /// Writes documents, replacing earlier versions of the same documents.
    pub fn commit(
        &self,
        docs: &[SourceDocument],
        ingested_at_micros: i64,
    ) -> Result<CommitSummary> {
        // Which stored documents do these replace?
        let new_ids: BTreeSet<&str> = docs.iter().map(|d| d.doc_id.as_str()).collect();
        let new_paths: BTreeSet<&str> = docs.iter().map(|d| d.source_path.as_str()).collect();
        let mut removed: BTreeSet<String> = BTreeSet::new();
        let mut years: BTreeSet<i32> = docs.iter().map(|d| d.parsed.meta.year).collect();
        for year in self.years(DatasetTable::Documents)? {
            for b in self.read_partition(DatasetTable::Documents, year)? {
                let ids = string_column(&b, "doc_id");
                let paths = string_column(&b, "source_path");
                for i in 0..b.num_rows() {
                    if new_ids.contains(ids.value(i)) || new_paths.contains(paths.value(i)) {
                        removed.insert(ids.value(i).to_string());
                        years.insert(year);
                    }
                }
            }
        }
        let replaced = removed.len();
        for id in &new_ids {
            removed.insert(id.to_string());
        }

        let mut journal = Journal::default();
        let tmp_suffix = format!(".tmp-{}", std::process::id());
        let result = (|| -> Result<usize> {
            let mut files = 0;
            for table in DatasetTable::ALL {
                let mut by_year: BTreeMap<i32, Vec<RecordBatch>> = BTreeMap::new();
                for d in docs {
                    by_year
                        .entry(d.parsed.meta.year)
                        .or_default()
                        .push(table.batch(d, ingested_at_micros)?);
                }
                for &year in &years {
                    let dir = self.partition_dir(table, year);
                    let existing = self.read_partition(table, year)?;
                    let mut batches: Vec<RecordBatch> = existing
                        .iter()
                        .map(|b| drop_docs(b, &removed))
                        .collect::<Result<_>>()?;
                    batches.extend(by_year.remove(&year).unwrap_or_default());
                    let schema = table.schema();
                    let all = concat_batches(&schema, &batches)?;
                    let old_files = parquet_files(&dir)?;
                    let target = dir.join(FILE_NAME);
                    if all.num_rows() == 0 {
                        journal.deletes.extend(old_files);
                        continue;
                    }
                    let sorted = sort_batch(&all, table.sort_columns())?;
                    fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
                    let tmp = dir.join(format!("{FILE_NAME}{tmp_suffix}"));
                    write_parquet(&tmp, &sorted)?;
                    journal.renames.push((tmp, target.clone()));
                    journal
                        .deletes
                        .extend(old_files.into_iter().filter(|f| *f != target));
                    files += 1;
                }
            }
            Ok(files)
        })();
        let files = match result {
            Ok(f) => f,
            Err(e) => {
                for (tmp, _) in &journal.renames {
                    let _ = fs::remove_file(tmp);
                }
                return Err(e);
            }
        };
        let json = serde_json::to_string(&journal).expect("journal serializes");
        write_atomic(&self.root.join(JOURNAL), json.as_bytes())?;
        self.apply(&journal)?;
        Ok(CommitSummary {
            documents: docs.len(),
            replaced,
            files,
        })
    }

    fn apply(&self, journal: &Journal) -> Result<()> {
        for (tmp, target) in &journal.renames {
            if tmp.exists() {
                fs::rename(tmp, target).map_err(|e| Error::io("renaming", tmp, e))?;
            }
        }
        for path in &journal.deletes {
            if path.exists() {
                fs::remove_file(path).map_err(|e| Error::io("removing", path, e))?;
            }
        }
        let jpath = self.root.join(JOURNAL);
        fs::remove_file(&jpath).map_err(|e| Error::io("removing", &jpath, e))?;
        Ok(())
    }

    /// Completes a journaled commit, or removes the leftovers of an unjournaled one.
    fn recover(&self) -> Result<()> {
        let jpath = self.root.join(JOURNAL);
        if jpath.exists() {
            let text = fs::read_to_string(&jpath).map_err(|e| Error::io("reading", &jpath, e))?;
            let journal: Journal = serde_json::from_str(&text).map_err(|e| Error::Dataset {
                path: jpath.clone(),
                reason: format!("unreadable commit journal: {e}"),
            })?;
            self.apply(&journal)?;
        }
        for t in DatasetTable::ALL {
            for year in self.years(t)? {
                let dir = self.partition_dir(t, year);
                for e in fs::read_dir(&dir).map_err(|e| Error::io("listing", &dir, e))? {
                    let p = e.map_err(|e| Error::io("listing", &dir, e))?.path();
                    if p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.contains(".tmp-"))
                    {
                        fs::remove_file(&p).map_err(|e| Error::io("removing", &p, e))?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for e in fs::read_dir(dir).map_err(|e| Error::io("listing", dir, e))? {
        let p = e.map_err(|e| Error::io("listing", dir, e))?.path();
        if p.extension().and_then(|x| x.to_str()) == Some("parquet") {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

fn string_column<'a>(b: &'a RecordBatch, name: &str) -> &'a StringArray {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .expect("schema-checked string column")
}

fn drop_docs(b: &RecordBatch, removed: &BTreeSet<String>) -> Result<RecordBatch> {
    let ids = string_column(b, "doc_id");
    let keep: BooleanArray = (0..b.num_rows())
        .map(|i| Some(!removed.contains(ids.value(i))))
        .collect();
    Ok(filter_record_batch(b, &keep)?)
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

fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<()> {
    let mut writer = PartitionWriter::create(path, path.to_path_buf(), batch.schema())?;
    writer.write(batch)?;
    writer.finish()
}

/// A Parquet file written batch by batch (memory bounded by one row group) under a
/// temporary name, renamed into place by [`PartitionWriter::finish`].
pub struct PartitionWriter {
    tmp: PathBuf,
    target: PathBuf,
    writer: ArrowWriter<File>,
}

impl PartitionWriter {
    fn create(
        tmp: &Path,
        target: PathBuf,
        schema: datafusion::arrow::datatypes::SchemaRef,
    ) -> Result<PartitionWriter> {
        let file = File::create(tmp).map_err(|e| Error::io("creating", tmp, e))?;
        let writer =
            ArrowWriter::try_new(file, schema, Some(writer_properties())).map_err(|source| {
                Error::Parquet {
                    path: tmp.to_path_buf(),
                    source,
                }
            })?;
        Ok(PartitionWriter {
            tmp: tmp.to_path_buf(),
            target,
            writer,
        })
    }

    /// Appends rows (in the order they are to be stored).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer.write(batch).map_err(|source| Error::Parquet {
            path: self.tmp.clone(),
            source,
        })
    }

    /// Ends the current row group: rows written next start a new one (so that a row
    /// group holds what belongs together, and its statistics prune well).
    pub fn end_row_group(&mut self) -> Result<()> {
        self.writer.flush().map_err(|source| Error::Parquet {
            path: self.tmp.clone(),
            source,
        })
    }

    /// Closes, syncs and renames the file into place.
    pub fn finish(self) -> Result<()> {
        let file = self.writer.into_inner().map_err(|source| Error::Parquet {
            path: self.tmp.clone(),
            source,
        })?;
        file.sync_all()
            .map_err(|e| Error::io("syncing", &self.tmp, e))?;
        if self.tmp != self.target {
            fs::rename(&self.tmp, &self.target).map_err(|e| Error::io("renaming", &self.tmp, e))?;
        }
        Ok(())
    }
}

impl Dataset {
    /// A streaming writer for the partition file of `table` and `year`, for a dataset
    /// being built from scratch in a directory nobody reads yet (`yusuan gen` renames the
    /// whole directory into place when done). Replaces the partition's file.
    pub fn partition_writer(&self, table: DatasetTable, year: i32) -> Result<PartitionWriter> {
        let dir = self.partition_dir(table, year);
        fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let target = dir.join(FILE_NAME);
        let tmp = dir.join(format!("{FILE_NAME}.tmp-{}", std::process::id()));
        PartitionWriter::create(&tmp, target, table.schema())
    }
}

impl Dataset {
    /// Writes a derived table (such as `check_results`) as `<root>/<name>/results.parquet`,
    /// replacing the previous one atomically (a temporary file renamed into place). Derived
    /// tables are not part of the journaled document commits: they are recomputed, never
    /// edited.
    pub fn write_results(&self, name: &str, batch: &RecordBatch) -> Result<PathBuf> {
        let dir = self.root().join(name);
        fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let target = dir.join("results.parquet");
        let tmp = dir.join(format!("results.parquet.tmp-{}", std::process::id()));
        write_parquet(&tmp, batch)?;
        fs::rename(&tmp, &target).map_err(|e| Error::io("renaming", &tmp, e))?;
        Ok(target)
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("json.tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(|e| Error::io("writing", &tmp, e))?;
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io("syncing", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io("renaming", &tmp, e))?;
    Ok(())
}
