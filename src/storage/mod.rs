//! The dataset directory: one Delta Lake table per dataset table, tied into dataset
//! versions, so that any number of processes can write at once and nothing committed is
//! ever lost (docs/table-format.md).
//!
//! Layout (a public contract): `<data>/_yusuan.json` (format marker, layout and schema
//! version), `<data>/<table>/` a Delta table (`_delta_log/`, data files
//! `year=<YYYY>/part-<random>.parquet`, zstd, page statistics, rows sorted by region,
//! unit and document; the partition column `year` is in the log, not in the files),
//! `<data>/_yusuan/versions/<n>.json` the dataset versions (`versions`), `<data>/_yusuan/lock`
//! the writers' lock. DuckDB (`delta_scan`), Polars (`scan_delta`) and Spark read each
//! table as it is.
//!
//! A commit writes its new data files first (new names: nobody reads them yet), then,
//! holding the lock, commits each table's add and remove actions to its log and last
//! writes the next dataset version. Readers read every table at the versions the latest
//! dataset version names, so they see whole commits only; opening a dataset changes
//! nothing. A writer that died between its table commits left tables ahead of the latest
//! dataset version: the next writer, holding the lock, restores them before committing.
//! Re-ingesting a document (same content hash or same source path) replaces its rows:
//! only the files that held it are rewritten. Owns files only: no SQL, no parsing.

mod compact;
mod files;
mod log;
mod store;
mod versions;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use datafusion::arrow::array::{Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::SchemaRef;
use deltalake_core::protocol::{DeltaOperation, SaveMode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use compact::ROW_GROUP;
pub use files::{DataFile, PartitionWriter, sort_batch};
pub use log::LiveFile;
pub use store::{SnapshotFile, SnapshotStore};
pub use versions::{DatasetVersion, DocumentRef};

use crate::error::{Error, Result};
use crate::model::SourceDocument;
use crate::model::schema::{DatasetTable, SCHEMA_VERSION};
use crate::temp::TempPath;
use log::TableLog;
use versions::WriteLock;

const MARKER: &str = "_yusuan.json";
/// The derived table of `yusuan check`'s findings.
pub const CHECK_RESULTS: &str = "check_results";
/// The derived table of the errors `yusuan gen` planted.
pub const TRUTH_TABLE: &str = "injected_errors";
/// The log of `yusuan schedule`'s job runs (appended, one row per run).
pub const JOB_RUNS: &str = "job_runs";
/// The derived tables a dataset may hold beside its own.
pub const DERIVED_TABLES: &[&str] = &[CHECK_RESULTS, TRUTH_TABLE, JOB_RUNS];
/// The layout this yusuan reads and writes (the marker's `format`).
const FORMAT: &str = "yusuan-delta";
/// The layout's name, for caches keyed by what a dataset holds.
pub const LAYOUT: &str = FORMAT;
/// The layout before Delta tables (one Parquet file per table and year, a journal).
const OLD_FORMAT: &str = "yusuan-dataset";

#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    format: String,
    schema_version: u32,
    created_by: String,
}

/// What a commit changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitSummary {
    /// The dataset version it made.
    pub version: u64,
    /// Documents written.
    pub documents: usize,
    /// Earlier versions of those documents that were replaced.
    pub replaced: usize,
    /// Data files written (new documents and rewritten files).
    pub files: usize,
    /// Data files taken out of the dataset (kept on disk until `vacuum`).
    pub files_removed: usize,
}

/// How a commit describes itself in the history.
#[derive(Debug, Clone, Default)]
pub struct CommitInfo {
    /// The command (`ingest`, `check`, …).
    pub operation: String,
    /// The user's message.
    pub message: Option<String>,
}

impl CommitInfo {
    pub fn new(operation: &str) -> CommitInfo {
        CommitInfo {
            operation: operation.into(),
            message: None,
        }
    }
}

/// Which dataset version to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// The version with this number.
    Version(u64),
    /// The latest version committed at or before this time (ms since the epoch).
    Timestamp(i64),
}

/// One dataset version's tables: the data files each table has at that version.
#[derive(Debug, Clone)]
pub struct Snapshot {
    root: PathBuf,
    /// The version read.
    pub version: DatasetVersion,
    /// Each table's live files.
    pub tables: BTreeMap<String, Vec<LiveFile>>,
}

impl Snapshot {
    /// The dataset directory (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// True when the version has the table (derived tables exist once written).
    pub fn has(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    /// The directory of a table.
    pub fn table_dir(&self, table: &str) -> PathBuf {
        self.root.join(table)
    }

    /// The object store that shows this version to a query session (`store`).
    pub fn object_store(&self) -> Result<SnapshotStore> {
        let files = self
            .tables
            .iter()
            .flat_map(|(t, files)| {
                files.iter().map(move |f| SnapshotFile {
                    local: self.root.join(t).join(&f.path),
                    size: f.size,
                    modified_ms: f.modified_ms,
                })
            })
            .collect();
        SnapshotStore::new(&self.root, files).map_err(|e| Error::Dataset {
            path: self.root.clone(),
            reason: format!("cannot address its files: {e}"),
        })
    }

    /// Reads every row of a table at this version (for small tables: documents).
    pub fn read_table(&self, table: DatasetTable) -> Result<Vec<RecordBatch>> {
        self.read_files(table, |_| true)
    }

    /// Reads every row of one year of a table at this version.
    pub fn read_partition(&self, table: DatasetTable, year: i32) -> Result<Vec<RecordBatch>> {
        self.read_files(table, |f| f.year == Some(year))
    }

    /// The first data file of this version that cannot be read whole, and why: every
    /// file's footer first (cheap), then every file decoded, one batch at a time. For
    /// naming the file behind a query's Parquet error, which DataFusion reports without
    /// it; `None` when every file reads.
    pub fn find_damaged(&self) -> Option<(PathBuf, String)> {
        use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let paths: Vec<(PathBuf, u64)> = self
            .tables
            .iter()
            .flat_map(|(t, files)| {
                files
                    .iter()
                    .map(move |f| (self.root.join(t).join(&f.path), f.size))
            })
            .collect();
        let open = |path: &Path, size: u64| -> std::result::Result<_, String> {
            let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
            let found = file.metadata().map_err(|e| e.to_string())?.len();
            if found != size {
                return Err(format!(
                    "it is {found} bytes but the transaction log recorded {size}"
                ));
            }
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string())
        };
        for (path, size) in &paths {
            if let Err(why) = open(path, *size) {
                return Some((path.clone(), why));
            }
        }
        for (path, size) in &paths {
            let reader = open(path, *size).and_then(|b| b.build().map_err(|e| e.to_string()));
            let failed = match reader {
                Err(why) => Some(why),
                Ok(mut batches) => batches.find_map(|b| b.err()).map(|e| e.to_string()),
            };
            if let Some(why) = failed {
                return Some((path.clone(), why));
            }
        }
        None
    }

    fn read_files(
        &self,
        table: DatasetTable,
        keep: impl Fn(&LiveFile) -> bool,
    ) -> Result<Vec<RecordBatch>> {
        let schema = table.schema();
        let mut out = Vec::new();
        for f in self
            .tables
            .get(table.name())
            .into_iter()
            .flatten()
            .filter(|f| keep(f))
        {
            let path = self.table_dir(table.name()).join(&f.path);
            out.extend(files::read_file(&path, &schema, Some(f.size))?);
        }
        Ok(out)
    }
}

/// A dataset directory.
#[derive(Debug, Clone)]
pub struct Dataset {
    root: PathBuf,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn user() -> Option<String> {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.is_empty())
}

/// A writer for a new data file of a dataset table in `root` (nothing reads it until a
/// commit or [`Dataset::create_with`] names it).
pub fn partition_writer(root: &Path, table: DatasetTable, year: i32) -> Result<PartitionWriter> {
    PartitionWriter::create(&root.join(table.name()), Some(year), table.schema())
}

/// A new data file of a derived table (no partitions) in `root`.
pub fn write_derived_file(root: &Path, name: &str, batch: &RecordBatch) -> Result<DataFile> {
    files::write_file(&root.join(name), None, batch)
}

fn absolute(root: &Path) -> Result<PathBuf> {
    if root.is_absolute() {
        return Ok(root.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("resolving", root, e))?;
    Ok(cwd.join(root))
}

impl Dataset {
    /// True when `root` holds a yusuan dataset (of any layout).
    pub fn exists(root: &Path) -> bool {
        root.join(MARKER).is_file()
    }

    /// Opens an existing dataset. Changes nothing on disk.
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
        if marker.format == OLD_FORMAT {
            return Err(Error::Dataset {
                path: root.to_path_buf(),
                reason: format!(
                    "written by {} in the layout before Delta tables; upgrade it in place with `yusuan upgrade --data {}` (the data files stay where they are)",
                    marker.created_by,
                    root.display()
                ),
            });
        }
        if marker.format != FORMAT {
            return Err(Error::Dataset {
                path: root.to_path_buf(),
                reason: format!(
                    "_yusuan.json names format {:?}, which this yusuan does not know",
                    marker.format
                ),
            });
        }
        if marker.schema_version != SCHEMA_VERSION {
            return Err(Error::Dataset {
                path: root.to_path_buf(),
                reason: format!(
                    "written by {} with schema version {}, but this yusuan reads and writes version {}; ingest into a new directory (or re-ingest the sources there)",
                    marker.created_by, marker.schema_version, SCHEMA_VERSION
                ),
            });
        }
        let root = fs::canonicalize(root).map_err(|e| Error::io("resolving", root, e))?;
        Ok(Dataset { root })
    }

    /// Opens the dataset at `root`, creating it when the directory is absent or empty.
    pub fn open_or_create(root: &Path) -> Result<Dataset> {
        if Self::exists(root) {
            return Self::open(root);
        }
        let root = absolute(root)?;
        Self::check_creatable(&root)?;
        let tables = DatasetTable::ALL
            .iter()
            .map(|t| (t.name().to_string(), t.schema(), true, Vec::new()))
            .collect();
        Self::create_with(&root, tables, &CommitInfo::new("create"))
    }

    /// Refuses a directory that holds anything but a dataset's own entries (which a
    /// creation that was interrupted leaves).
    fn check_creatable(root: &Path) -> Result<()> {
        if !root.exists() {
            return Ok(());
        }
        let own: BTreeSet<&str> = DatasetTable::ALL
            .iter()
            .map(|t| t.name())
            .chain([versions::DIR])
            .chain(DERIVED_TABLES.iter().copied())
            .collect();
        for e in fs::read_dir(root).map_err(|e| Error::io("listing", root, e))? {
            let e = e.map_err(|e| Error::io("listing", root, e))?;
            let name = e.file_name();
            if !name.to_str().is_some_and(|n| own.contains(n)) {
                return Err(Error::Dataset {
                    path: root.to_path_buf(),
                    reason: format!(
                        "directory is not empty ({}) and holds no yusuan dataset (no _yusuan.json); choose another --data directory",
                        name.to_string_lossy()
                    ),
                });
            }
        }
        Ok(())
    }

    /// Creates a dataset in `root` whose tables hold `tables` (name, stored schema,
    /// partitioned by year, data files already written there), as version 0; used by
    /// `open_or_create` (no files) and by `yusuan gen` and `yusuan upgrade`. When another
    /// process created the dataset meanwhile, opens it (and adds nothing).
    pub fn create_with(
        root: &Path,
        tables: Vec<(String, SchemaRef, bool, Vec<DataFile>)>,
        info: &CommitInfo,
    ) -> Result<Dataset> {
        fs::create_dir_all(root).map_err(|e| Error::io("creating", root, e))?;
        let root = fs::canonicalize(root).map_err(|e| Error::io("resolving", root, e))?;
        let _lock = WriteLock::acquire(&root)?;
        if Self::exists(&root) && info.operation == "create" {
            return Self::open(&root);
        }
        let mut versions_by_table = BTreeMap::new();
        let mut files_added = 0;
        for (name, schema, partitioned, files) in &tables {
            let log = TableLog::new(&root.join(name))?;
            let v = if log.exists() {
                // (left by an interrupted creation or upgrade, with the same files)
                log.latest_version()?
            } else {
                files_added += files.len();
                log.create(schema, *partitioned, files, commit_metadata(0, info))?
            };
            versions_by_table.insert(name.clone(), v);
        }
        let version = DatasetVersion {
            files_added,
            ..new_version(0, info, versions_by_table)
        };
        if versions::list(&root)?.is_empty() {
            versions::write(&root, &version)?;
        }
        let marker = Marker {
            format: FORMAT.into(),
            schema_version: SCHEMA_VERSION,
            created_by: format!("yusuan {}", env!("CARGO_PKG_VERSION")),
        };
        let json = serde_json::to_string_pretty(&marker).expect("marker serializes");
        files::write_atomic(&root.join(MARKER), json.as_bytes())?;
        Ok(Dataset { root })
    }

    /// The dataset directory (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of one table.
    pub fn table_dir(&self, table: DatasetTable) -> PathBuf {
        self.root.join(table.name())
    }

    fn log(&self, table: &str) -> Result<TableLog> {
        TableLog::new(&self.root.join(table))
    }

    /// Every dataset version, newest first.
    pub fn history(&self) -> Result<Vec<DatasetVersion>> {
        let mut out = Vec::new();
        for v in versions::list(&self.root)?.into_iter().rev() {
            out.push(versions::read(&self.root, v)?);
        }
        Ok(out)
    }

    /// The dataset version `as_of` names (the latest when `None`).
    pub fn version(&self, as_of: Option<AsOf>) -> Result<DatasetVersion> {
        match as_of {
            None => versions::latest(&self.root),
            Some(AsOf::Version(v)) => versions::read(&self.root, v),
            Some(AsOf::Timestamp(ms)) => {
                let mut found = None;
                for v in versions::list(&self.root)? {
                    let version = versions::read(&self.root, v)?;
                    if version.timestamp_ms > ms {
                        break;
                    }
                    found = Some(version);
                }
                found.ok_or_else(|| Error::Dataset {
                    path: self.root.clone(),
                    reason:
                        "no version was committed at or before that time (see `yusuan history`)"
                            .into(),
                })
            }
        }
    }

    /// The tables of a dataset version (the latest when `as_of` is `None`).
    pub fn snapshot(&self, as_of: Option<AsOf>) -> Result<Snapshot> {
        let version = self.version(as_of)?;
        let mut tables = BTreeMap::new();
        for (name, &v) in &version.tables {
            tables.insert(name.clone(), self.log(name)?.files(v)?);
        }
        Ok(Snapshot {
            root: self.root.clone(),
            version,
            tables,
        })
    }

    /// Holding the lock: the latest dataset version, with every table whose log went
    /// past it (a writer died between its table commits) restored to it. Returns the
    /// version and each table's current log version (equal in content to the one named).
    fn recover(&self) -> Result<(DatasetVersion, BTreeMap<String, u64>)> {
        let base = versions::latest(&self.root)?;
        let mut current = base.tables.clone();
        for (name, v) in current.iter_mut() {
            let log = self.log(name)?;
            if log.latest_version()? > *v {
                *v = log.restore(*v)?;
            }
        }
        Ok((base, current))
    }

    /// Writes documents, replacing earlier versions of the same documents.
    pub fn commit(
        &self,
        docs: &[SourceDocument],
        ingested_at_micros: i64,
    ) -> Result<CommitSummary> {
        self.commit_with(docs, ingested_at_micros, &CommitInfo::new("ingest"))
    }

    /// [`Dataset::commit`] with what the history records of it.
    pub fn commit_with(
        &self,
        docs: &[SourceDocument],
        ingested_at_micros: i64,
        info: &CommitInfo,
    ) -> Result<CommitSummary> {
        // 1. The new documents' files, before the lock (nothing names them yet; each is
        // registered with `temp` until the commit names it, so that an interrupted run
        // leaves none behind).
        let mut staged: Vec<(DatasetTable, DataFile)> = Vec::new();
        let mut guards: Vec<TempPath> = Vec::new();
        let written = (|| -> Result<()> {
            for table in DatasetTable::ALL {
                let mut by_year: BTreeMap<i32, Vec<SourceDocument>> = BTreeMap::new();
                for d in docs {
                    by_year
                        .entry(d.parsed.meta.year)
                        .or_default()
                        .push(d.clone());
                }
                for (year, docs) in by_year {
                    let batch = table.batch_many(&docs, ingested_at_micros)?;
                    if batch.num_rows() == 0 {
                        continue;
                    }
                    let sorted = sort_batch(&batch, table.sort_columns())?;
                    let file = files::write_file(&self.table_dir(table), Some(year), &sorted)?;
                    guards.push(TempPath::register(self.table_dir(table).join(&file.path)));
                    staged.push((table, file));
                }
            }
            Ok(())
        })();
        let discard = |staged: &[(DatasetTable, DataFile)]| {
            for (t, f) in staged {
                let _ = fs::remove_file(self.table_dir(*t).join(&f.path));
            }
        };
        if let Err(e) = written {
            discard(&staged);
            return Err(e);
        }
        // 2. The commit, holding the lock; once it is held, also the temporary-path
        // registry (a signal then waits until the files are named or removed; before, it
        // removes them).
        self.locked(
            || crate::temp::keep_all(guards, || self.commit_locked(docs, &staged, info)),
            || discard(&staged),
        )
    }

    /// Runs `commit` holding the writers' lock; when it fails, undoes what it put in any
    /// table's log (`recover`) and calls `discard` to remove its files.
    fn locked<T>(&self, commit: impl FnOnce() -> Result<T>, discard: impl FnOnce()) -> Result<T> {
        let _lock = WriteLock::acquire(&self.root)?;
        let result = commit();
        if result.is_err() {
            let _ = self.recover();
            discard();
        }
        result
    }

    fn commit_locked(
        &self,
        docs: &[SourceDocument],
        staged: &[(DatasetTable, DataFile)],
        info: &CommitInfo,
    ) -> Result<CommitSummary> {
        let (base, mut current) = self.recover()?;
        let next = base.version + 1;
        let now = now_ms();
        // Which stored documents do these replace?
        let new_ids: BTreeSet<&str> = docs.iter().map(|d| d.doc_id.as_str()).collect();
        let new_paths: BTreeSet<&str> = docs.iter().map(|d| d.source_path.as_str()).collect();
        let doc_log = self.log(DatasetTable::Documents.name())?;
        let doc_version = *current
            .get(DatasetTable::Documents.name())
            .ok_or_else(|| self.missing_table(DatasetTable::Documents.name()))?;
        let mut replaced = Vec::new();
        let mut removed: BTreeSet<String> = new_ids.iter().map(|s| s.to_string()).collect();
        let doc_schema = DatasetTable::Documents.schema();
        // (Only the files whose statistics allow one of the ids or paths are read: a
        // commit's own files hold one document each.)
        for f in doc_log
            .files(doc_version)?
            .into_iter()
            .filter(|f| f.may_hold("doc_id", &new_ids) || f.may_hold("source_path", &new_paths))
        {
            let path = self.table_dir(DatasetTable::Documents).join(&f.path);
            for b in files::read_file(&path, &doc_schema, Some(f.size))? {
                let ids = string_column(&b, "doc_id");
                let paths = string_column(&b, "source_path");
                let units = string_column(&b, "unit_name");
                for i in 0..b.num_rows() {
                    if new_ids.contains(ids.value(i)) || new_paths.contains(paths.value(i)) {
                        removed.insert(ids.value(i).to_string());
                        replaced.push(DocumentRef {
                            doc_id: ids.value(i).to_string(),
                            year: f.year.unwrap_or_default(),
                            unit_name: units.value(i).to_string(),
                            source_path: paths.value(i).to_string(),
                        });
                    }
                }
            }
        }
        let mut summary = CommitSummary {
            version: next,
            documents: docs.len(),
            replaced: replaced.len(),
            ..CommitSummary::default()
        };
        // Rows of stored documents exist only when `documents` holds them: with nothing
        // replaced, no file needs reading.
        let must_scan = !replaced.is_empty();
        let removed_ids: BTreeSet<&str> = removed.iter().map(String::as_str).collect();
        for table in DatasetTable::ALL {
            let name = table.name();
            let adds: Vec<&DataFile> = staged
                .iter()
                .filter(|(t, _)| *t == table)
                .map(|(_, f)| f)
                .collect();
            if adds.is_empty() && !must_scan {
                continue;
            }
            let read_version = *current.get(name).ok_or_else(|| self.missing_table(name))?;
            let table_dir = self.table_dir(table);
            let (removed, removed_ids, summary) = (&removed, &removed_ids, &mut summary);
            let decide = move |live: &[LiveFile]| {
                let mut actions = Vec::new();
                for f in &adds {
                    actions.push(log::add(f, true));
                    summary.files += 1;
                }
                let mut rewrote = false;
                for live in live.iter().filter(|_| must_scan) {
                    if !live.may_hold("doc_id", removed_ids) {
                        continue;
                    }
                    let rewrite = files::rewrite_without(
                        &table_dir,
                        &live.path,
                        live.year,
                        live.size,
                        &table.schema(),
                        removed,
                    )?;
                    let new_file = match rewrite {
                        files::Rewrite::Untouched => continue,
                        files::Rewrite::Emptied => None,
                        files::Rewrite::Rewritten(f) => Some(f),
                    };
                    rewrote = true;
                    actions.push(live.remove(true, now));
                    summary.files_removed += 1;
                    if let Some(f) = new_file {
                        actions.push(log::add(&f, true));
                        summary.files += 1;
                    }
                }
                let operation = DeltaOperation::Write {
                    mode: if rewrote {
                        SaveMode::Overwrite
                    } else {
                        SaveMode::Append
                    },
                    partition_by: Some(vec!["year".into()]),
                    predicate: rewrote.then(|| {
                        let ids: Vec<String> = removed.iter().map(|id| format!("'{id}'")).collect();
                        format!("doc_id IN ({})", ids.join(", "))
                    }),
                };
                Ok((actions, operation, commit_metadata(next, info)))
            };
            if let Some(v) = self.log(name)?.commit_with(read_version, decide)? {
                current.insert(name.to_string(), v);
            }
        }
        let added = docs
            .iter()
            .map(|d| DocumentRef {
                doc_id: d.doc_id.clone(),
                year: d.parsed.meta.year,
                unit_name: d.parsed.meta.unit_name.clone(),
                source_path: d.source_path.clone(),
            })
            .collect();
        versions::write(
            &self.root,
            &DatasetVersion {
                added,
                replaced,
                files_added: summary.files,
                files_removed: summary.files_removed,
                ..new_version(next, info, current)
            },
        )?;
        Ok(summary)
    }

    fn missing_table(&self, name: &str) -> Error {
        Error::Dataset {
            path: self.root.clone(),
            reason: format!("the latest dataset version names no table {name}"),
        }
    }

    /// Replaces a derived table (such as `check_results`) whole with `batch`, as a new
    /// dataset version. Derived tables are recomputed, never edited.
    pub fn replace_derived(
        &self,
        name: &str,
        batch: &RecordBatch,
        info: &CommitInfo,
    ) -> Result<u64> {
        self.commit_derived(name, batch, info, true)
    }

    /// Appends `batch` to a derived table (such as `job_runs`) as a new dataset version;
    /// the first append creates it. Its schema must be the table's.
    pub fn append_derived(
        &self,
        name: &str,
        batch: &RecordBatch,
        info: &CommitInfo,
    ) -> Result<u64> {
        self.commit_derived(name, batch, info, false)
    }

    fn commit_derived(
        &self,
        name: &str,
        batch: &RecordBatch,
        info: &CommitInfo,
        replace: bool,
    ) -> Result<u64> {
        let file = write_derived_file(&self.root, name, batch)?;
        let guard = TempPath::register(self.root.join(name).join(&file.path));
        self.locked(
            || {
                crate::temp::keep_all(vec![guard], || {
                    self.derived_locked(name, batch.schema(), &file, info, replace)
                })
            },
            || {
                let _ = fs::remove_file(self.root.join(name).join(&file.path));
            },
        )
    }

    fn derived_locked(
        &self,
        name: &str,
        schema: SchemaRef,
        file: &DataFile,
        info: &CommitInfo,
        replace: bool,
    ) -> Result<u64> {
        let (base, mut current) = self.recover()?;
        let next = base.version + 1;
        let log = self.log(name)?;
        let mut files_removed = 0;
        let v = if log.exists() {
            let read_version = match current.get(name) {
                Some(&v) => v,
                None => log.latest_version()?,
            };
            let mut actions: Vec<_> = if replace {
                log.files(read_version)?
                    .iter()
                    .map(|f| f.remove(true, now_ms()))
                    .collect()
            } else {
                Vec::new()
            };
            files_removed = actions.len();
            actions.push(log::add(file, true));
            let operation = DeltaOperation::Write {
                mode: if replace {
                    SaveMode::Overwrite
                } else {
                    SaveMode::Append
                },
                partition_by: None,
                predicate: None,
            };
            log.commit(
                read_version,
                actions,
                operation,
                commit_metadata(next, info),
            )?
        } else {
            log.create(
                &schema,
                false,
                std::slice::from_ref(file),
                commit_metadata(next, info),
            )?
        };
        current.insert(name.to_string(), v);
        versions::write(
            &self.root,
            &DatasetVersion {
                files_added: 1,
                files_removed,
                ..new_version(next, info, current)
            },
        )?;
        Ok(next)
    }

    /// Deletes data files that no version committed within `retain` needs, and data files
    /// no version ever named (left by writers that died) older than `retain`. A reader of
    /// an older version fails naming the missing file; `enforce` refuses a `retain`
    /// under 7 days (Delta's default protection). Returns the paths deleted.
    pub fn vacuum(&self, retain: Duration, enforce: bool) -> Result<Vec<PathBuf>> {
        let _lock = WriteLock::acquire(&self.root)?;
        let (_, current) = self.recover()?;
        let mut deleted = Vec::new();
        for name in current.keys() {
            for p in self.log(name)?.vacuum(retain, enforce)? {
                deleted.push(self.root.join(name).join(p));
            }
        }
        Ok(deleted)
    }
}

/// What `compact` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactSummary {
    /// The dataset version it made (none when every partition already had one file).
    pub version: Option<u64>,
    /// Table partitions merged.
    pub partitions: usize,
    /// Files merged away.
    pub files_removed: usize,
    /// Partitions left alone because a commit changed them while they were merged.
    pub skipped: usize,
}

/// The journal of the layout before Delta tables (`_yusuan_commit.json`).
#[derive(Debug, Default, Deserialize)]
struct OldJournal {
    renames: Vec<(PathBuf, PathBuf)>,
    deletes: Vec<PathBuf>,
}

impl Dataset {
    /// Upgrades a dataset of the layout before Delta tables in place: completes a
    /// journaled commit it was interrupted in, then makes each table a Delta table whose
    /// version 0 names the Parquet files already there (nothing is copied). Returns false
    /// when the dataset already has the current layout.
    pub fn upgrade(root: &Path) -> Result<bool> {
        let marker_path = root.join(MARKER);
        let text =
            fs::read_to_string(&marker_path).map_err(|e| Error::io("reading", &marker_path, e))?;
        let marker: Marker = serde_json::from_str(&text).map_err(|e| Error::Dataset {
            path: root.to_path_buf(),
            reason: format!("_yusuan.json is unreadable: {e}"),
        })?;
        if marker.format == FORMAT {
            return Ok(false);
        }
        if marker.format != OLD_FORMAT || marker.schema_version != SCHEMA_VERSION {
            return Err(Error::Dataset {
                path: root.to_path_buf(),
                reason: format!(
                    "format {:?} with schema version {} cannot be upgraded by this yusuan (it upgrades {OLD_FORMAT} version {SCHEMA_VERSION}); re-ingest the sources into a new directory",
                    marker.format, marker.schema_version
                ),
            });
        }
        let root = absolute(root)?;
        let journal_path = root.join("_yusuan_commit.json");
        if journal_path.exists() {
            let text = fs::read_to_string(&journal_path)
                .map_err(|e| Error::io("reading", &journal_path, e))?;
            let journal: OldJournal = serde_json::from_str(&text).map_err(|e| Error::Dataset {
                path: journal_path.clone(),
                reason: format!("unreadable commit journal: {e}"),
            })?;
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
            fs::remove_file(&journal_path).map_err(|e| Error::io("removing", &journal_path, e))?;
        }
        let mut tables = Vec::new();
        for table in DatasetTable::ALL {
            let dir = root.join(table.name());
            let mut found = Vec::new();
            if dir.exists() {
                for e in fs::read_dir(&dir).map_err(|e| Error::io("listing", &dir, e))? {
                    let e = e.map_err(|e| Error::io("listing", &dir, e))?;
                    let name = e.file_name().to_string_lossy().into_owned();
                    let Some(year) = name
                        .strip_prefix("year=")
                        .and_then(|y| y.parse::<i32>().ok())
                    else {
                        continue;
                    };
                    for f in
                        fs::read_dir(e.path()).map_err(|err| Error::io("listing", e.path(), err))?
                    {
                        let f = f.map_err(|err| Error::io("listing", e.path(), err))?;
                        let file = f.file_name().to_string_lossy().into_owned();
                        if file.ends_with(".parquet") {
                            found.push(files::describe_existing(
                                &dir,
                                &format!("{name}/{file}"),
                                Some(year),
                            )?);
                        }
                    }
                }
            }
            found.sort_by(|a, b| a.path.cmp(&b.path));
            tables.push((table.name().to_string(), table.schema(), true, found));
        }
        for name in [CHECK_RESULTS, TRUTH_TABLE] {
            let dir = root.join(name);
            let path = dir.join("results.parquet");
            if !path.exists() {
                continue;
            }
            let file = fs::File::open(&path).map_err(|e| Error::io("opening", &path, e))?;
            let schema =
                datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                    file,
                )
                .map_err(|source| Error::Parquet {
                    path: path.clone(),
                    source,
                })?
                .schema()
                .clone();
            let described = files::describe_existing(&dir, "results.parquet", None)?;
            tables.push((name.to_string(), schema, false, vec![described]));
        }
        Self::create_with(&root, tables, &CommitInfo::new("upgrade"))?;
        Ok(true)
    }

    /// Merges the files of every table partition that has more than one into one file,
    /// sorted and clustered as `yusuan gen` writes them (`compact`), as a new dataset
    /// version whose content is the same. The merge runs without the lock; the commit
    /// takes only the partitions no other commit changed meanwhile. `progress` hears each
    /// partition as it starts.
    pub fn compact(&self, progress: &dyn Fn(&str, i32, usize)) -> Result<CompactSummary> {
        let snapshot = self.snapshot(None)?;
        let mut merged: Vec<(DatasetTable, Vec<LiveFile>, DataFile)> = Vec::new();
        let discard = |merged: &[(DatasetTable, Vec<LiveFile>, DataFile)]| {
            for (t, _, f) in merged {
                let _ = fs::remove_file(self.table_dir(*t).join(&f.path));
            }
        };
        let result = (|| -> Result<()> {
            for table in DatasetTable::ALL {
                let mut by_year: BTreeMap<i32, Vec<LiveFile>> = BTreeMap::new();
                for f in snapshot.tables.get(table.name()).into_iter().flatten() {
                    by_year
                        .entry(f.year.unwrap_or_default())
                        .or_default()
                        .push(f.clone());
                }
                for (year, inputs) in by_year {
                    if inputs.len() < 2 {
                        continue;
                    }
                    progress(table.name(), year, inputs.len());
                    let paths: Vec<(PathBuf, u64)> = inputs
                        .iter()
                        .map(|f| (self.table_dir(table).join(&f.path), f.size))
                        .collect();
                    let cluster: &[&str] = if table == DatasetTable::LineItems {
                        &["table_kind", "row_kind"]
                    } else {
                        &[]
                    };
                    let out = compact::merge(
                        &self.table_dir(table),
                        Some(year),
                        &table.schema(),
                        table.sort_columns(),
                        cluster,
                        &paths,
                        compact::FAN_IN,
                    )?;
                    merged.push((table, inputs, out));
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            discard(&merged);
            return Err(e);
        }
        if merged.is_empty() {
            return Ok(CompactSummary::default());
        }
        self.locked(|| self.compact_locked(&merged), || discard(&merged))
    }

    fn compact_locked(
        &self,
        merged: &[(DatasetTable, Vec<LiveFile>, DataFile)],
    ) -> Result<CompactSummary> {
        let (base, mut current) = self.recover()?;
        let next = base.version + 1;
        let info = CommitInfo::new("compact");
        let now = now_ms();
        let mut summary = CompactSummary::default();
        for table in DatasetTable::ALL {
            let name = table.name();
            let mine: Vec<_> = merged.iter().filter(|(t, _, _)| *t == table).collect();
            if mine.is_empty() {
                continue;
            }
            let read_version = *current.get(name).ok_or_else(|| self.missing_table(name))?;
            let log = self.log(name)?;
            let live: BTreeSet<String> = log
                .files(read_version)?
                .into_iter()
                .map(|f| f.path)
                .collect();
            let mut actions = Vec::new();
            let mut target = 0;
            for (_, inputs, out) in mine {
                if !inputs.iter().all(|f| live.contains(&f.path)) {
                    let _ = fs::remove_file(self.table_dir(table).join(&out.path));
                    summary.skipped += 1;
                    continue;
                }
                actions.extend(inputs.iter().map(|f| f.remove(false, now)));
                actions.push(log::add(out, false));
                summary.partitions += 1;
                summary.files_removed += inputs.len();
                target = target.max(out.size as i64);
            }
            if actions.is_empty() {
                continue;
            }
            let operation = DeltaOperation::Optimize {
                predicate: None,
                target_size: target,
            };
            let v = log.commit(
                read_version,
                actions,
                operation,
                commit_metadata(next, &info),
            )?;
            current.insert(name.to_string(), v);
        }
        if summary.partitions == 0 {
            return Ok(summary);
        }
        versions::write(
            &self.root,
            &DatasetVersion {
                files_added: summary.partitions,
                files_removed: summary.files_removed,
                ..new_version(next, &info, current)
            },
        )?;
        summary.version = Some(next);
        Ok(summary)
    }
}

/// Dataset version `version` made by `info` with the tables at `tables`, nothing added yet.
fn new_version(version: u64, info: &CommitInfo, tables: BTreeMap<String, u64>) -> DatasetVersion {
    DatasetVersion {
        version,
        timestamp_ms: now_ms(),
        operation: info.operation.clone(),
        message: info.message.clone(),
        user: user(),
        tables,
        added: Vec::new(),
        replaced: Vec::new(),
        files_added: 0,
        files_removed: 0,
    }
}

/// The metadata every table commit of dataset version `version` carries in its log's
/// `commitInfo`, so a Delta tool's history shows what yusuan did.
fn commit_metadata(version: u64, info: &CommitInfo) -> HashMap<String, Value> {
    let mut m = HashMap::from([
        ("yusuan.dataset_version".to_string(), json!(version)),
        ("yusuan.operation".to_string(), json!(info.operation)),
    ]);
    if let Some(msg) = &info.message {
        m.insert("yusuan.message".into(), json!(msg));
    }
    m
}

fn string_column<'a>(b: &'a RecordBatch, name: &str) -> &'a StringArray {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .expect("schema-checked string column")
}
