//! Line items of one year partition into row groups of one cluster each.
//!
//! A cluster is a (table kind, row kind) pair, the leading sort columns of `line_items`:
//! every row group holds rows of one cluster only, at least [`ROW_GROUP`] of them except
//! each cluster's last, so a query on one table kind reads only its row groups. Rows
//! arrive a flush at a time, all clusters mixed; each cluster's rows wait until the
//! cluster has a row group's worth. What waits is held in memory up to [`HELD_MAX`] rows
//! over all clusters; beyond that the largest cluster's rows go to a spill file of their
//! own (Arrow IPC) in the dataset's temporary directory and are read back when the
//! cluster's row group is written — so memory stays bounded however many rows a year has
//! (the spill files hold at most a row group per cluster), and the row groups are the
//! same whatever was spilled. The spill is not compressed: LZ4 cost a tenth of `gen`'s
//! time, and the files live seconds. Owns no generation and no Parquet settings
//! (`storage`).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{RecordBatch, StringArray, UInt32Array};
use datafusion::arrow::compute::{interleave_record_batch, take_record_batch};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;

use crate::error::{Error, Result};
use crate::storage::PartitionWriter;

/// Rows of one line-item row group.
pub const ROW_GROUP: usize = 64 * 1024;
/// Rows held in memory at most, over all clusters, before the largest is spilled.
pub const HELD_MAX: usize = 2 * ROW_GROUP;

/// The line items of one year partition waiting for their row groups.
pub struct Clusters {
    /// Where spill files go (created on first use, removed by [`Clusters::finish`]).
    spill_dir: PathBuf,
    waiting: BTreeMap<(String, String), Waiting>,
    /// Rows in memory over all clusters.
    held: usize,
    spills: usize,
    /// [`ROW_GROUP`] and [`HELD_MAX`] (smaller in tests).
    row_group: usize,
    held_max: usize,
}

/// One cluster's rows: the spilled ones first, then the ones in memory.
#[derive(Default)]
struct Waiting {
    batches: Vec<RecordBatch>,
    held: usize,
    spill: Option<Spill>,
}

struct Spill {
    path: PathBuf,
    writer: StreamWriter<BufWriter<File>>,
    rows: usize,
}

impl Waiting {
    fn rows(&self) -> usize {
        self.held + self.spill.as_ref().map_or(0, |s| s.rows)
    }
}

impl Clusters {
    pub fn new(spill_dir: PathBuf) -> Clusters {
        Clusters::with_limits(spill_dir, ROW_GROUP, HELD_MAX)
    }

    fn with_limits(spill_dir: PathBuf, row_group: usize, held_max: usize) -> Clusters {
        Clusters {
            spill_dir,
            waiting: BTreeMap::new(),
            held: 0,
            spills: 0,
            row_group,
            held_max,
        }
    }

    /// Adds line items (in region, unit, document, table and row order) and writes every
    /// cluster that has a row group's worth.
    pub fn add(&mut self, writer: &mut PartitionWriter, batch: &RecordBatch) -> Result<()> {
        let (kinds, row_kinds) = (
            text_column(batch, "table_kind")?,
            text_column(batch, "row_kind")?,
        );
        let mut split: BTreeMap<(&str, &str), Vec<u32>> = BTreeMap::new();
        for i in 0..batch.num_rows() {
            split
                .entry((kinds.value(i), row_kinds.value(i)))
                .or_default()
                .push(i as u32);
        }
        for ((kind, row_kind), rows) in split {
            let rows = take_record_batch(batch, &UInt32Array::from(rows))?;
            let key = (kind.to_string(), row_kind.to_string());
            let waiting = self.waiting.entry(key.clone()).or_default();
            waiting.held += rows.num_rows();
            self.held += rows.num_rows();
            waiting.batches.push(rows);
            if waiting.rows() >= self.row_group {
                let waiting = self.waiting.remove(&key).unwrap_or_default();
                self.held -= waiting.held;
                write_group(writer, read_back(waiting)?)?;
            }
        }
        while self.held > self.held_max {
            let Some(key) = self
                .waiting
                .iter()
                .max_by_key(|(_, w)| w.held)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.spill(&key)?;
        }
        Ok(())
    }

    /// Moves a cluster's rows in memory to its spill file.
    fn spill(&mut self, key: &(String, String)) -> Result<()> {
        let Some(waiting) = self.waiting.get_mut(key) else {
            return Ok(());
        };
        let Some(first) = waiting.batches.first() else {
            return Ok(());
        };
        let spill = match &mut waiting.spill {
            Some(spill) => spill,
            none => {
                std::fs::create_dir_all(&self.spill_dir)
                    .map_err(|e| Error::io("creating", &self.spill_dir, e))?;
                self.spills += 1;
                let path = self.spill_dir.join(format!("{}.arrows", self.spills));
                let file = File::create(&path).map_err(|e| Error::io("creating", &path, e))?;
                let writer = StreamWriter::try_new(BufWriter::new(file), &first.schema())
                    .map_err(|e| spill_error(&path, e))?;
                none.insert(Spill {
                    path,
                    writer,
                    rows: 0,
                })
            }
        };
        for batch in waiting.batches.drain(..) {
            spill
                .writer
                .write(&batch)
                .map_err(|e| spill_error(&spill.path, e))?;
            spill.rows += batch.num_rows();
        }
        self.held -= waiting.held;
        waiting.held = 0;
        Ok(())
    }

    /// Writes what waits, cluster by cluster, and removes the spill directory.
    pub fn finish(mut self, writer: &mut PartitionWriter) -> Result<()> {
        for (_, waiting) in std::mem::take(&mut self.waiting) {
            write_group(writer, read_back(waiting)?)?;
        }
        if self.spills > 0 {
            std::fs::remove_dir_all(&self.spill_dir)
                .map_err(|e| Error::io("removing", &self.spill_dir, e))?;
        }
        Ok(())
    }
}

/// A cluster's rows in arrival order: its spill file's (which it deletes), then those
/// in memory.
fn read_back(waiting: Waiting) -> Result<Vec<RecordBatch>> {
    let Some(mut spill) = waiting.spill else {
        return Ok(waiting.batches);
    };
    spill
        .writer
        .finish()
        .map_err(|e| spill_error(&spill.path, e))?;
    drop(spill.writer);
    let file = File::open(&spill.path).map_err(|e| Error::io("opening", &spill.path, e))?;
    let mut batches = StreamReader::try_new(BufReader::new(file), None)
        .map_err(|e| spill_error(&spill.path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| spill_error(&spill.path, e))?;
    std::fs::remove_file(&spill.path).map_err(|e| Error::io("removing", &spill.path, e))?;
    batches.extend(waiting.batches);
    Ok(batches)
}

fn spill_error(path: &Path, e: ArrowError) -> Error {
    Error::Dataset {
        path: path.to_path_buf(),
        reason: format!("spill file of the generator: {e}"),
    }
}

/// A text column of a line_items batch.
fn text_column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a StringArray> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .ok_or_else(|| Error::Dataset {
            path: PathBuf::new(),
            reason: format!("line_items batch without {name}"),
        })
}

/// Writes batches of one cluster as a row group of its own, sorted like the dataset's
/// line items (within the row group).
///
/// The rows arrive in region, unit, document, table and row order (`write_year` walks
/// districts by region and their units by name), so the cluster's order — by column, then
/// that — is a stable partition by `column_key`: one pass and one gather, where sorting on
/// eight columns was a third of `gen`'s time. A test checks every row group's order.
fn write_group(writer: &mut PartitionWriter, batches: Vec<RecordBatch>) -> Result<()> {
    if batches.is_empty() {
        return Ok(());
    }
    let mut buckets: Vec<(&str, Vec<(usize, usize)>)> = Vec::new();
    let mut bucket_of: HashMap<&str, usize> = HashMap::new();
    for (b, batch) in batches.iter().enumerate() {
        for (i, key) in text_column(batch, "column_key")?.iter().enumerate() {
            let key = key.unwrap_or("");
            let at = *bucket_of.entry(key).or_insert_with(|| {
                buckets.push((key, Vec::new()));
                buckets.len() - 1
            });
            buckets[at].1.push((b, i));
        }
    }
    buckets.sort_by(|a, b| a.0.cmp(b.0));
    let indices: Vec<(usize, usize)> = buckets.into_iter().flat_map(|(_, rows)| rows).collect();
    let sources: Vec<&RecordBatch> = batches.iter().collect();
    let batch = interleave_record_batch(&sources, &indices)?;
    writer.write(&batch)?;
    writer.end_row_group()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::DatasetTable;
    use crate::storage::Dataset;
    use crate::synth::budget::{Budget, District, district_units};
    use crate::synth::document::document;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    /// Line items of 40 unit-years, a few documents per batch as `gen` flushes them.
    fn line_item_batches() -> Vec<RecordBatch> {
        let mut docs = Vec::new();
        for d in (0..2).map(District::new) {
            let mut units = district_units(7, &d, 20);
            units.sort_by(|a, b| a.name.cmp(&b.name));
            for unit in units {
                let (budget, previous) = (
                    Budget::generate(&d, &unit, 2024),
                    Budget::generate(&d, &unit, 2023),
                );
                docs.push(document(7, &d, &unit, &budget, &previous));
            }
        }
        docs.chunks(3)
            .map(|c| DatasetTable::LineItems.batch_many(c, 0).unwrap())
            .collect()
    }

    /// Writes the batches through `clusters`; returns every row group's rows and the
    /// number of spill files.
    fn write(
        dir: &Path,
        mut clusters: Clusters,
        batches: &[RecordBatch],
    ) -> (Vec<RecordBatch>, usize) {
        let dataset = Dataset::open_or_create(dir).unwrap();
        let mut writer = dataset
            .partition_writer(DatasetTable::LineItems, 2024)
            .unwrap();
        for batch in batches {
            clusters.add(&mut writer, batch).unwrap();
        }
        let spilled = clusters.spills;
        let spill_dir = clusters.spill_dir.clone();
        clusters.finish(&mut writer).unwrap();
        writer.finish().unwrap();
        assert!(!spill_dir.exists(), "spill files left behind");
        let path = dir.join("line_items/year=2024/part-0.parquet");
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
        let groups = builder.metadata().num_row_groups();
        let rows: Vec<RecordBatch> = (0..groups)
            .map(|rg| {
                let file = File::open(&path).unwrap();
                let batches: Vec<RecordBatch> = ParquetRecordBatchReaderBuilder::try_new(file)
                    .unwrap()
                    .with_row_groups(vec![rg])
                    .build()
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
            })
            .collect();
        (rows, spilled)
    }

    #[test]
    fn spilling_writes_the_same_row_groups_and_cleans_up() {
        let batches = line_item_batches();
        let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        let in_memory = Clusters::with_limits(a.join(".spill"), 2000, usize::MAX);
        let spilling = Clusters::with_limits(b.join(".spill"), 2000, 500);
        let (kept, none) = write(&a, in_memory, &batches);
        let (spilled, files) = write(&b, spilling, &batches);
        assert_eq!(none, 0);
        assert!(files > 5, "{files} spill files");
        assert_eq!(kept.len(), spilled.len());
        assert!(kept == spilled, "spilling changed the row groups");
        assert_eq!(kept.iter().map(RecordBatch::num_rows).sum::<usize>(), total);
        // One cluster per row group; all but each cluster's last hold a row group's worth.
        let cluster = |b: &RecordBatch| {
            let (k, r) = (
                text_column(b, "table_kind").unwrap(),
                text_column(b, "row_kind").unwrap(),
            );
            assert!(
                (0..b.num_rows()).all(|i| (k.value(i), r.value(i)) == (k.value(0), r.value(0)))
            );
            (k.value(0).to_string(), r.value(0).to_string())
        };
        let mut last: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, group) in kept.iter().enumerate() {
            last.insert(cluster(group), i);
        }
        for (i, group) in kept.iter().enumerate() {
            if last[&cluster(group)] != i {
                assert!(
                    group.num_rows() >= 2000,
                    "row group {i}: {}",
                    group.num_rows()
                );
            }
        }
        assert!(kept.len() > last.len(), "no cluster filled a row group");
    }
}
