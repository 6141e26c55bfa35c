//! `yusuan gen`: realistic synthetic datasets for scale tests and for scoring the checks.
//!
//! Districts × units × years of 单位预算 documents in the canonical layout ingest produces
//! (`synth::document`), numbers from fixed unit profiles with year-over-year growth
//! (`synth::budget`), optionally with planted errors and their ground truth (`synth::inject`).
//! Streams: documents are generated and written a batch at a time, one worker per year
//! partition, so memory stays bounded at any size. The dataset is built in a temporary
//! directory beside the target and renamed into place when complete: an interrupted run
//! leaves nothing that looks like a dataset. With `render`, every document is also written
//! as disclosure text (`synth::render`) for round trips through ingest. Owns no parsing,
//! no SQL.

pub mod budget;
pub mod catalog;
mod cluster;
pub mod document;
pub mod inject;
pub mod narrative;
pub mod render;

pub use cluster::ROW_GROUP;

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::array::{ArrayRef, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::error::{Error, Result};
use crate::model::SourceDocument;
use crate::model::schema::DatasetTable;
use crate::storage::{
    CommitInfo, DataFile, Dataset, PartitionWriter, partition_writer, write_derived_file,
};
use crate::temp::TempPath;
use budget::{Budget, District, district_units, rng};
use cluster::Clusters;
use inject::Planted;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub districts: u32,
    /// Budget units per district.
    pub units: u32,
    pub years: RangeInclusive<i32>,
    pub seed: u64,
    /// Share of documents with one planted error (0 = none, 1 = every document).
    pub inject_rate: f64,
    /// Worker threads (each writes whole year partitions).
    pub threads: usize,
    /// Timestamp stored as `documents.ingested_at`.
    pub generated_at_micros: i64,
    /// Also write every document as disclosure text (Henan layout, damaged amounts) into
    /// this directory, for round trips through ingest.
    pub render: Option<PathBuf>,
}

/// What a run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenSummary {
    pub documents: u64,
    pub line_items: u64,
    pub planted: u64,
    pub files: u64,
}

/// The derived table holding the ground truth of planted errors.
pub use crate::storage::TRUTH_TABLE;

/// Counters shared with a progress display.
#[derive(Debug, Default)]
pub struct GenProgress {
    pub documents: AtomicU64,
    pub line_items: AtomicU64,
}

/// Documents buffered before their rows are written (bounds memory).
const FLUSH_LINE_ITEMS: usize = 16 * 1024;

/// Generates the dataset into `out`, which must not exist or be an empty directory (and
/// the rendered documents into `opts.render`, likewise). Both are written into hidden
/// folders beside them, registered with `temp` (removed on error, on a panic and on
/// SIGINT/SIGTERM), and renamed into place when complete.
pub fn generate(out: &Path, opts: &GenOptions, progress: &GenProgress) -> Result<GenSummary> {
    must_be_new(out, "gen writes a new dataset")?;
    if let Some(r) = &opts.render {
        must_be_new(r, "gen --render writes a new folder")?;
    }
    if opts.years.is_empty() || opts.districts == 0 || opts.units == 0 {
        return Err(Error::Dataset {
            path: out.to_path_buf(),
            reason: "nothing to generate: --districts, --units and --years must be non-empty"
                .into(),
        });
    }
    let tmp = TempPath::register(hidden_sibling(out));
    let _ = std::fs::remove_dir_all(tmp.path());
    let render = opts.render.as_ref().map(|r| {
        let t = TempPath::register(hidden_sibling(r));
        let _ = std::fs::remove_dir_all(t.path());
        (r, t)
    });
    let mut writing = opts.clone();
    writing.render = render.as_ref().map(|(_, t)| t.path().to_path_buf());
    // (On an error the guards remove what was written.)
    let summary = write_all(tmp.path(), &writing, progress)?;
    if let Some((r, t)) = render {
        t.keep(|p| put_in_place(p, r))?;
    }
    tmp.keep(|p| put_in_place(p, out))?;
    Ok(summary)
}

/// Refuses a target that exists and is not an empty directory.
fn must_be_new(target: &Path, what: &str) -> Result<()> {
    if target.exists() {
        let empty = std::fs::read_dir(target)
            .map_err(|e| Error::io("listing", target, e))?
            .next()
            .is_none();
        if !empty {
            return Err(Error::Dataset {
                path: target.to_path_buf(),
                reason: format!("{what}: choose a directory that does not exist or is empty"),
            });
        }
    }
    Ok(())
}

/// `.{name}.gen-{pid}` beside `target`.
fn hidden_sibling(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or("dataset".into(), |n| n.to_string_lossy().into_owned());
    target.with_file_name(format!(".{name}.gen-{}", std::process::id()))
}

/// Renames the finished `tmp` to `target` (an empty directory there is replaced).
fn put_in_place(tmp: &Path, target: &Path) -> Result<()> {
    if target.exists() {
        std::fs::remove_dir(target).map_err(|e| Error::io("replacing", target, e))?;
    }
    std::fs::rename(tmp, target).map_err(|e| Error::io("renaming", tmp, e))
}

fn write_all(dir: &Path, opts: &GenOptions, progress: &GenProgress) -> Result<GenSummary> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    if let Some(r) = &opts.render {
        std::fs::create_dir_all(r).map_err(|e| Error::io("creating", r, e))?;
    }
    let mut districts: Vec<District> = (0..opts.districts).map(District::new).collect();
    districts.sort_by(|a, b| a.region.cmp(&b.region));
    let years: Vec<i32> = opts.years.clone().collect();
    let next = AtomicU64::new(0);
    let planted = Mutex::new(Vec::new());
    let written: Mutex<Vec<(DatasetTable, DataFile)>> = Mutex::new(Vec::new());
    let totals = Mutex::new(GenSummary::default());
    let workers = opts.threads.clamp(1, years.len());
    let errors: Vec<Error> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| -> Result<()> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                        let Some(&year) = years.get(i) else {
                            return Ok(());
                        };
                        let (summary, mut p, mut files) =
                            write_year(dir, &districts, year, opts, progress)?;
                        planted.lock().expect("not poisoned").append(&mut p);
                        written.lock().expect("not poisoned").append(&mut files);
                        let mut t = totals.lock().expect("not poisoned");
                        t.documents += summary.documents;
                        t.line_items += summary.line_items;
                        t.files += summary.files;
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| match h.join() {
                Ok(r) => r.err(),
                Err(_) => Some(Error::Dataset {
                    path: dir.to_path_buf(),
                    reason: "a generator thread panicked".into(),
                }),
            })
            .collect()
    });
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    let mut planted = planted.into_inner().expect("not poisoned");
    planted.sort_by(|a, b| (a.year, &a.doc_id).cmp(&(b.year, &b.doc_id)));
    let mut summary = totals.into_inner().expect("not poisoned");
    summary.planted = planted.len() as u64;
    let written = written.into_inner().expect("not poisoned");
    let mut tables: Vec<(String, SchemaRef, bool, Vec<DataFile>)> = DatasetTable::ALL
        .iter()
        .map(|&t| {
            let mut files: Vec<DataFile> = written
                .iter()
                .filter(|(w, _)| *w == t)
                .map(|(_, f)| f.clone())
                .collect();
            files.sort_by(|a, b| a.path.cmp(&b.path));
            (t.name().to_string(), t.schema(), true, files)
        })
        .collect();
    if opts.inject_rate > 0.0 {
        let truth = truth_batch(&planted)?;
        let file = write_derived_file(dir, TRUTH_TABLE, &truth)?;
        tables.push((TRUTH_TABLE.to_string(), truth.schema(), false, vec![file]));
        summary.files += 1;
    }
    Dataset::create_with(dir, tables, &CommitInfo::new("gen"))?;
    Ok(summary)
}

/// What one year's generation wrote: its counts, the errors planted, the data files.
type YearWritten = (GenSummary, Vec<Planted>, Vec<(DatasetTable, DataFile)>);

/// Open writers of one year partition, one per table.
struct YearWriters {
    writers: Vec<(DatasetTable, PartitionWriter)>,
    generated_at: i64,
    /// Line items waiting for their row group (one cluster per row group).
    clusters: Clusters,
}

impl YearWriters {
    fn flush(&mut self, docs: &mut Vec<SourceDocument>) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        for (table, writer) in &mut self.writers {
            if *table == DatasetTable::LineItems {
                self.clusters.add(writer, docs)?;
                continue;
            }
            let batch = table.batch_many(docs, self.generated_at)?;
            if batch.num_rows() > 0 {
                writer.write(&batch)?;
            }
        }
        docs.clear();
        Ok(())
    }

    /// Writes what is held back, cluster by cluster, and closes every file.
    fn finish(self) -> Result<Vec<(DatasetTable, DataFile)>> {
        let mut files = Vec::new();
        let mut clusters = Some(self.clusters);
        for (table, mut writer) in self.writers {
            if table == DatasetTable::LineItems
                && let Some(clusters) = clusters.take()
            {
                clusters.finish(&mut writer)?;
            }
            let path = writer.path().to_path_buf();
            let file = writer.finish()?;
            if file.rows == 0 {
                std::fs::remove_file(&path).map_err(|e| Error::io("removing", &path, e))?;
                continue;
            }
            files.push((table, file));
        }
        Ok(files)
    }
}

fn write_year(
    dir: &Path,
    districts: &[District],
    year: i32,
    opts: &GenOptions,
    progress: &GenProgress,
) -> Result<YearWritten> {
    let mut w = YearWriters {
        writers: DatasetTable::ALL
            .iter()
            .map(|&t| Ok((t, partition_writer(dir, t, year)?)))
            .collect::<Result<_>>()?,
        generated_at: opts.generated_at_micros,
        clusters: Clusters::new(),
    };
    let mut summary = GenSummary::default();
    let mut planted = Vec::new();
    let mut docs = Vec::new();
    let mut buffered = 0;
    for d in districts {
        // By name: line items then arrive in the dataset's order (`cluster::write_group`).
        let mut units = district_units(opts.seed, d, opts.units);
        units.sort_by(|a, b| a.name.cmp(&b.name));
        for unit in units {
            let budget = Budget::generate(d, &unit, year);
            let previous = Budget::generate(d, &unit, year - 1);
            let mut doc = document::document(opts.seed, d, &unit, &budget, &previous);
            if opts.inject_rate > 0.0 {
                let mut r = rng(unit.seed, &[year as u64, 0xE7E7]);
                if r.f64() < opts.inject_rate {
                    let kind = r.usize(..inject::KINDS.len());
                    let delta = r.i64(100..=5000);
                    planted.extend(inject::plant(&mut doc, kind, delta));
                }
            }
            if let Some(dir) = &opts.render {
                let path = dir.join(format!("{}-{}-{year}.txt", d.code, unit.code));
                std::fs::write(&path, render::render(&doc, true))
                    .map_err(|e| Error::io("writing", &path, e))?;
            }
            let n = doc.parsed.line_items.len();
            summary.documents += 1;
            summary.line_items += n as u64;
            progress.documents.fetch_add(1, Ordering::Relaxed);
            progress.line_items.fetch_add(n as u64, Ordering::Relaxed);
            buffered += n;
            docs.push(doc);
            if buffered >= FLUSH_LINE_ITEMS {
                w.flush(&mut docs)?;
                buffered = 0;
            }
        }
    }
    w.flush(&mut docs)?;
    let files = w.finish()?;
    summary.files += files.len() as u64;
    Ok((summary, planted, files))
}

/// The ground-truth table: one row per planted error.
fn truth_batch(planted: &[Planted]) -> Result<RecordBatch> {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    let schema = Arc::new(Schema::new(vec![
        s("doc_id"),
        Field::new("year", DataType::Int32, false),
        s("unit_name"),
        s("kind"),
        s("family"),
        s("rules"),
        s("table_kind"),
        s("row_label"),
        s("column_key"),
        s("original"),
        s("planted"),
    ]));
    let col = |f: &dyn Fn(&Planted) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(planted.iter().map(f)))
    };
    Ok(RecordBatch::try_new(
        schema,
        vec![
            col(&|p| p.doc_id.clone()),
            Arc::new(Int32Array::from_iter_values(planted.iter().map(|p| p.year))),
            col(&|p| p.unit_name.clone()),
            col(&|p| p.kind.into()),
            col(&|p| p.family.into()),
            col(&|p| p.rules.join(",")),
            col(&|p| p.table_kind.into()),
            col(&|p| p.row_label.clone()),
            col(&|p| p.column_key.clone()),
            col(&|p| p.original.clone()),
            col(&|p| p.planted.clone()),
        ],
    )?)
}
