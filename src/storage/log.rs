//! Each dataset table's Delta Lake transaction log (`<table>/_delta_log/`), through
//! `deltalake-core`: creating a table, the files live at a version, committing add and
//! remove actions, restoring an earlier version, vacuuming. A commit to one table is
//! atomic (the next log entry is put only if absent), so a table never holds half a
//! commit. Owns the log only; it decides nothing about documents, and making several
//! tables' commits one dataset version is `versions`' business.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake_core::DeltaTable;
use deltalake_core::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake_core::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake_core::kernel::{Action, Add, Remove, StructType};
use deltalake_core::protocol::{DeltaOperation, SaveMode};
use serde_json::Value;
use url::Url;

use super::files::DataFile;
use crate::error::{Error, Result};

/// The log's runtime: deltalake-core is async; the dataset's API is not (it is called
/// from threads of the generator and from inside other runtimes), so its futures run
/// here, on a thread of their own.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("yusuan-log")
            .enable_all()
            .build()
            .expect("a tokio runtime for the transaction log")
    })
}

/// Runs `f` to completion on the log's runtime (usable inside another runtime).
pub fn block<F>(f: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    std::thread::scope(|s| {
        s.spawn(|| runtime().block_on(f))
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Log entries between checkpoints.
const CHECKPOINT_INTERVAL: &str = "10";

/// A file live in a table at some version.
#[derive(Debug, Clone)]
pub struct LiveFile {
    /// Path relative to the table's directory (`year=2024/part-….parquet`).
    pub path: String,
    pub size: u64,
    pub modified_ms: i64,
    pub year: Option<i32>,
    /// Delta statistics JSON, when recorded.
    pub stats: Option<String>,
}

impl LiveFile {
    /// The smallest and largest value of a text column in the file, when its statistics
    /// say.
    pub fn text_range(&self, column: &str) -> Option<(String, String)> {
        let v: Value = serde_json::from_str(self.stats.as_deref()?).ok()?;
        let lo = v.get("minValues")?.get(column)?.as_str()?.to_string();
        let hi = v.get("maxValues")?.get(column)?.as_str()?.to_string();
        Some((lo, hi))
    }

    /// False when the statistics prove that no row has a `column` value in `values`.
    pub fn may_hold(&self, column: &str, values: &std::collections::BTreeSet<&str>) -> bool {
        match self.text_range(column) {
            Some((lo, hi)) => values.range(lo.as_str()..=hi.as_str()).next().is_some(),
            None => true,
        }
    }

    /// The remove action that takes this file out of the table.
    pub fn remove(&self, data_change: bool, now_ms: i64) -> Action {
        Action::Remove(Remove {
            path: self.path.clone(),
            data_change,
            deletion_timestamp: Some(now_ms),
            extended_file_metadata: Some(true),
            partition_values: Some(partition_values(self.year)),
            size: Some(self.size as i64),
            ..Default::default()
        })
    }
}

fn partition_values(year: Option<i32>) -> HashMap<String, Option<String>> {
    year.map(|y| HashMap::from([("year".to_string(), Some(y.to_string()))]))
        .unwrap_or_default()
}

/// The add action for a new data file.
pub fn add(file: &DataFile, data_change: bool) -> Action {
    Action::Add(Add {
        path: file.path.clone(),
        partition_values: partition_values(file.year),
        size: file.size as i64,
        modification_time: file.modified_ms,
        data_change,
        stats: Some(file.stats.clone()),
        ..Default::default()
    })
}

/// The log of the table in `dir`.
#[derive(Debug, Clone)]
pub struct TableLog {
    dir: PathBuf,
    url: Url,
}

impl TableLog {
    pub fn new(dir: &Path) -> Result<TableLog> {
        let url = Url::from_directory_path(dir).map_err(|()| Error::Dataset {
            path: dir.to_path_buf(),
            reason: "not an absolute path".into(),
        })?;
        Ok(TableLog {
            dir: dir.to_path_buf(),
            url,
        })
    }

    fn error(&self, doing: &str, e: impl std::fmt::Display) -> Error {
        Error::Dataset {
            path: self.dir.clone(),
            reason: format!("transaction log: {doing}: {e}"),
        }
    }

    /// True when the table has a log.
    pub fn exists(&self) -> bool {
        self.dir.join("_delta_log").is_dir()
    }

    async fn load(&self, version: Option<u64>) -> Result<DeltaTable> {
        let mut builder = deltalake_core::DeltaTableBuilder::from_url(self.url.clone())
            .map_err(|e| self.error("opening", e))?;
        if let Some(v) = version {
            builder = builder.with_version(v);
        }
        builder.load().await.map_err(|e| {
            self.error(
                &match version {
                    Some(v) => format!("reading version {v}"),
                    None => "reading".into(),
                },
                e,
            )
        })
    }

    /// The latest committed version: the highest `<version>.json` entry of the log (a
    /// directory listing; nothing is replayed).
    pub fn latest_version(&self) -> Result<u64> {
        let dir = self.dir.join("_delta_log");
        let mut latest = None;
        for e in std::fs::read_dir(&dir).map_err(|e| Error::io("listing", &dir, e))? {
            let e = e.map_err(|e| Error::io("listing", &dir, e))?;
            let name = e.file_name();
            if let Some(v) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .filter(|n| n.len() == 20)
                .and_then(|n| n.parse::<u64>().ok())
            {
                latest = latest.max(Some(v));
            }
        }
        latest.ok_or_else(|| self.error("reading", "the log has no version"))
    }

    /// Creates the table (version 0) with `schema` (the partition column `year` included
    /// when `partitioned`) and `files` already in it.
    pub fn create(
        &self,
        schema: &SchemaRef,
        partitioned: bool,
        files: &[DataFile],
        metadata: HashMap<String, Value>,
    ) -> Result<u64> {
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        if partitioned {
            fields.push(Field::new("year", DataType::Int32, false));
        }
        let kernel: StructType = (&Schema::new(fields))
            .try_into_kernel()
            .map_err(|e| self.error("converting the schema", e))?;
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io("creating", &self.dir, e))?;
        let actions: Vec<Action> = files.iter().map(|f| add(f, true)).collect();
        block(async {
            let mut builder = deltalake_core::operations::create::CreateBuilder::new()
                .with_location(self.url.to_string())
                .with_columns(kernel.fields().cloned())
                .with_save_mode(SaveMode::ErrorIfExists)
                // A reader replays at most this many log entries after a checkpoint
                // (Delta's default is 100: every open of a busy dataset slowed down).
                .with_configuration_property(
                    deltalake_core::TableProperty::CheckpointInterval,
                    Some(CHECKPOINT_INTERVAL),
                )
                .with_actions(actions)
                .with_commit_properties(CommitProperties::default().with_metadata(metadata));
            if partitioned {
                builder = builder.with_partition_columns(["year"]);
            }
            let table = builder.await.map_err(|e| self.error("creating", e))?;
            Ok(table.version().unwrap_or(0))
        })
    }

    /// The files live at `version`.
    pub fn files(&self, version: u64) -> Result<Vec<LiveFile>> {
        block(async {
            let table = self.load(Some(version)).await?;
            self.live_files(&table)
        })
    }

    fn live_files(&self, table: &DeltaTable) -> Result<Vec<LiveFile>> {
        {
            let state = table.snapshot().map_err(|e| self.error("reading", e))?;
            let mut out = Vec::new();
            for f in state.log_data().iter() {
                let year = f
                    .partition_values_map()
                    .get("year")
                    .cloned()
                    .flatten()
                    .map(|y| {
                        y.parse::<i32>().map_err(|_| {
                            self.error(
                                "reading",
                                format!("partition value year={y} of {}", f.path()),
                            )
                        })
                    })
                    .transpose()?;
                if f.deletion_vector_descriptor().is_some() {
                    return Err(self.error(
                        "reading",
                        format!(
                            "{} has a deletion vector, which this yusuan does not read",
                            f.path()
                        ),
                    ));
                }
                out.push(LiveFile {
                    path: f.path().into_owned(),
                    size: f.size() as u64,
                    modified_ms: f.modification_time(),
                    year,
                    stats: f.stats(),
                });
            }
            out.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(out)
        }
    }

    /// Commits `actions` on top of `read_version` (the version they were decided on);
    /// returns the new version. A conflicting concurrent commit by another program makes
    /// deltalake retry or fail; nothing is half-written either way.
    pub fn commit(
        &self,
        read_version: u64,
        actions: Vec<Action>,
        operation: DeltaOperation,
        metadata: HashMap<String, Value>,
    ) -> Result<u64> {
        self.commit_with(read_version, |_| Ok((actions, operation, metadata)))
            .map(|v| v.unwrap_or(read_version))
    }

    /// Loads the table at `read_version` once, lets `decide` choose the actions from its
    /// live files, and commits them (nothing when `decide` returns no actions). Returns
    /// the new version, if any.
    pub fn commit_with(
        &self,
        read_version: u64,
        decide: impl FnOnce(
            &[LiveFile],
        ) -> Result<(Vec<Action>, DeltaOperation, HashMap<String, Value>)>
        + Send,
    ) -> Result<Option<u64>> {
        block(async {
            let table = self.load(Some(read_version)).await?;
            let live = self.live_files(&table)?;
            let (actions, operation, metadata) = decide(&live)?;
            if actions.is_empty() {
                return Ok(None);
            }
            let state = table.snapshot().map_err(|e| self.error("reading", e))?;
            let commit = CommitBuilder::from(CommitProperties::default().with_metadata(metadata))
                .with_actions(actions)
                .build(Some(state), table.log_store(), operation)
                .await
                .map_err(|e| self.error("committing", e))?;
            Ok(Some(commit.version()))
        })
    }

    /// Makes the table's latest version equal to `version` again (a new commit), undoing
    /// commits after it that no dataset version names.
    pub fn restore(&self, version: u64) -> Result<u64> {
        block(async {
            let table = self.load(None).await?;
            let (table, _) = table
                .restore()
                .with_version_to_restore(version)
                .await
                .map_err(|e| self.error(&format!("restoring version {version}"), e))?;
            Ok(table.version().unwrap_or(0))
        })
    }

    /// Deletes data files no version younger than `retain` needs, and files no version
    /// names (left by a writer that died before committing) older than `retain`.
    pub fn vacuum(&self, retain: Duration, enforce_retention: bool) -> Result<Vec<String>> {
        block(async {
            let table = self.load(None).await?;
            let retention =
                chrono::Duration::from_std(retain).map_err(|e| self.error("vacuuming", e))?;
            let (_, metrics) = table
                .vacuum()
                .with_retention_period(retention)
                .with_enforce_retention_duration(enforce_retention)
                .with_mode(deltalake_core::operations::vacuum::VacuumMode::Full)
                .await
                .map_err(|e| self.error("vacuuming", e))?;
            Ok(metrics.files_deleted)
        })
    }
}
