//! Compaction: the files of each table and year merged back into one, in the table's sort
//! order and with line items' row groups one cluster each — the layout `yusuan gen` writes
//! and the engine is tuned for — after many small commits. Every file of a dataset is
//! already sorted, so this is a k-way merge holding one batch per input file, whatever the
//! size of the year; more than [`FAN_IN`] files are merged in rounds, so memory stays
//! bounded however many commits came before. Owns the merge only; the commit is
//! `Dataset::compact`'s.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, RecordBatch, StringArray};
use datafusion::arrow::compute::interleave_record_batch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::row::{OwnedRow, RowConverter, Rows, SortField};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReader;

use super::files::{self, DataFile, PartitionWriter};
use crate::error::{Error, Result};

/// Rows of a line-item row group (a cluster's last may be smaller), as `yusuan gen`
/// writes them.
pub const ROW_GROUP: usize = 64 * 1024;

/// Rows merged per output batch.
const BATCH: usize = 8 * 1024;

/// Files merged at once. Each open input holds a row group's column chunks and a decoded
/// batch (a few MB for line items), so this bounds a merge's memory; 900 inputs at once
/// took 1.97 GB (docs/performance.md, finding 18).
pub const FAN_IN: usize = 64;

struct Input {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    batch: Option<RecordBatch>,
    rows: Option<Rows>,
    at: usize,
}

impl Input {
    /// Loads the next non-empty batch; false at the end.
    fn advance(
        &mut self,
        schema: &SchemaRef,
        converter: &RowConverter,
        sort: &[usize],
    ) -> Result<bool> {
        for next in self.reader.by_ref() {
            let b = next.map_err(|e| Error::Dataset {
                path: self.path.clone(),
                reason: format!("unreadable: {e}"),
            })?;
            if b.num_rows() == 0 {
                continue;
            }
            let b = RecordBatch::try_new(schema.clone(), b.columns().to_vec())?;
            let cols: Vec<_> = sort.iter().map(|&i| Arc::clone(b.column(i))).collect();
            self.rows = Some(converter.convert_columns(&cols)?);
            self.batch = Some(b);
            self.at = 0;
            return Ok(true);
        }
        self.batch = None;
        self.rows = None;
        Ok(false)
    }

    fn key(&self) -> OwnedRow {
        self.rows
            .as_ref()
            .expect("a loaded batch")
            .row(self.at)
            .owned()
    }
}

/// Merges the sorted files `inputs` (path, recorded size) of one table partition into one
/// new file in `table_dir`; `cluster` names the leading sort columns a row group must not
/// mix (line items: table kind and row kind). Above [`FAN_IN`] inputs, groups of them are
/// first merged into intermediate files, removed once merged on (and on error);
/// `fan_in` is [`FAN_IN`] but in tests.
pub fn merge(
    table_dir: &Path,
    year: Option<i32>,
    schema: &SchemaRef,
    sort_columns: &[&str],
    cluster: &[&str],
    inputs: &[(PathBuf, u64)],
    fan_in: usize,
) -> Result<DataFile> {
    let sort: Vec<usize> = sort_columns
        .iter()
        .filter_map(|c| schema.index_of(c).ok())
        .collect();
    let cluster: Vec<usize> = cluster
        .iter()
        .filter_map(|c| schema.index_of(c).ok())
        .collect();
    let fan_in = fan_in.max(2);
    // (path, size, whether it is an intermediate file of ours).
    let mut round: Vec<(PathBuf, u64, bool)> =
        inputs.iter().map(|(p, s)| (p.clone(), *s, false)).collect();
    let remove_ours = |files: &[(PathBuf, u64, bool)]| {
        for (p, _, ours) in files {
            if *ours {
                let _ = std::fs::remove_file(p);
            }
        }
    };
    while round.len() > fan_in {
        let mut next = Vec::with_capacity(round.len().div_ceil(fan_in));
        for group in round.chunks(fan_in) {
            if let [single] = group {
                next.push(single.clone());
                continue;
            }
            let files: Vec<(PathBuf, u64)> =
                group.iter().map(|(p, s, _)| (p.clone(), *s)).collect();
            match merge_once(table_dir, year, schema, &sort, &[], &files) {
                Ok(f) => {
                    remove_ours(group);
                    next.push((table_dir.join(&f.path), f.size, true));
                }
                Err(e) => {
                    remove_ours(&round);
                    remove_ours(&next);
                    return Err(e);
                }
            }
        }
        round = next;
    }
    let files: Vec<(PathBuf, u64)> = round.iter().map(|(p, s, _)| (p.clone(), *s)).collect();
    let out = merge_once(table_dir, year, schema, &sort, &cluster, &files);
    remove_ours(&round);
    out
}

/// One k-way merge of `inputs` (at most a few [`FAN_IN`]) into a new file.
fn merge_once(
    table_dir: &Path,
    year: Option<i32>,
    schema: &SchemaRef,
    sort: &[usize],
    cluster: &[usize],
    inputs: &[(PathBuf, u64)],
) -> Result<DataFile> {
    let converter = RowConverter::new(
        sort.iter()
            .map(|&i| SortField::new(schema.field(i).data_type().clone()))
            .collect(),
    )?;
    let mut open = Vec::new();
    for (path, size) in inputs {
        let (file, metadata) = files::open_checked(path, schema, Some(*size))?;
        let reader = files::reader(path, &file, &metadata)?
            .with_batch_size(BATCH)
            .build()
            .map_err(|source| Error::Parquet {
                path: path.clone(),
                source,
            })?;
        open.push(Input {
            path: path.clone(),
            reader,
            batch: None,
            rows: None,
            at: 0,
        });
    }
    let mut heap = BinaryHeap::new();
    for (i, input) in open.iter_mut().enumerate() {
        if input.advance(schema, &converter, sort)? {
            heap.push(Reverse((input.key(), i)));
        }
    }
    let mut writer = PartitionWriter::create(table_dir, year, schema.clone())?;
    let mut out = Output {
        cluster: cluster.to_vec(),
        in_group: 0,
        last_cluster: None,
    };
    // (input, batch generation) pairs: an input's batch is replaced only after the
    // pending rows that point into it are written.
    let mut pending: Vec<(usize, usize)> = Vec::new();
    let merged = (|| -> Result<()> {
        while let Some(Reverse((_, i))) = heap.pop() {
            pending.push((i, open[i].at));
            open[i].at += 1;
            let exhausted = open[i].at == open[i].batch.as_ref().map_or(0, |b| b.num_rows());
            if pending.len() >= BATCH || exhausted {
                out.write(&mut writer, &open, &pending)?;
                pending.clear();
            }
            if exhausted {
                if open[i].advance(schema, &converter, sort)? {
                    heap.push(Reverse((open[i].key(), i)));
                }
            } else {
                heap.push(Reverse((open[i].key(), i)));
            }
        }
        out.write(&mut writer, &open, &pending)
    })();
    match merged {
        Ok(()) => writer.finish(),
        Err(e) => {
            writer.abandon();
            Err(e)
        }
    }
}

/// The merged rows' writer state: row groups end where the cluster changes and after
/// [`ROW_GROUP`] rows.
struct Output {
    cluster: Vec<usize>,
    in_group: usize,
    last_cluster: Option<Vec<String>>,
}

impl Output {
    fn write(
        &mut self,
        writer: &mut PartitionWriter,
        open: &[Input],
        pending: &[(usize, usize)],
    ) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let batches: Vec<&RecordBatch> = open
            .iter()
            .map(|i| {
                i.batch
                    .as_ref()
                    .unwrap_or_else(|| open.iter().find_map(|o| o.batch.as_ref()).expect("a batch"))
            })
            .collect();
        let merged = interleave_record_batch(&batches, pending)?;
        let mut start = 0;
        for row in 0..merged.num_rows() {
            let key = self.cluster_of(&merged, row);
            let boundary = self.last_cluster.as_ref().is_some_and(|k| *k != key);
            if (boundary || self.in_group >= ROW_GROUP) && self.in_group > 0 {
                if row > start {
                    writer.write(&merged.slice(start, row - start))?;
                    start = row;
                }
                writer.end_row_group()?;
                self.in_group = 0;
            }
            self.last_cluster = Some(key);
            self.in_group += 1;
        }
        if merged.num_rows() > start {
            writer.write(&merged.slice(start, merged.num_rows() - start))?;
        }
        Ok(())
    }

    fn cluster_of(&self, b: &RecordBatch, row: usize) -> Vec<String> {
        self.cluster
            .iter()
            .map(|&c| {
                b.column(c)
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .map(|s| {
                        if s.is_null(row) {
                            String::new()
                        } else {
                            s.value(row).to_string()
                        }
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use std::fs::File;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("k", DataType::Utf8, false),
            Field::new("n", DataType::Int64, false),
        ]))
    }

    fn rows(path: &Path) -> Vec<(String, i64)> {
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let mut out = Vec::new();
        for b in reader {
            let b = b.unwrap();
            let k = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
            let n = b.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
            out.extend((0..b.num_rows()).map(|i| (k.value(i).to_string(), n.value(i))));
        }
        out
    }

    #[test]
    fn merges_in_rounds_keeping_every_row_in_order_and_no_intermediate_file() {
        let dir = tempfile::tempdir().unwrap();
        let schema = schema();
        let mut inputs = Vec::new();
        let mut expected = Vec::new();
        // 23 sorted files of interleaving keys, merged 4 at a time: three rounds.
        for f in 0..23i64 {
            let keys: Vec<String> = (0..50).map(|i| format!("{:05}", i * 23 + f)).collect();
            let ns: Vec<i64> = (0..50).map(|i| i * 23 + f).collect();
            expected.extend(keys.iter().cloned().zip(ns.iter().copied()));
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(keys)),
                    Arc::new(Int64Array::from(ns)),
                ],
            )
            .unwrap();
            let file = super::super::files::write_file(dir.path(), Some(2024), &batch).unwrap();
            inputs.push((dir.path().join(&file.path), file.size));
        }
        expected.sort();
        let out = merge(dir.path(), Some(2024), &schema, &["k"], &[], &inputs, 4).unwrap();
        assert_eq!(out.rows, expected.len() as u64);
        assert_eq!(rows(&dir.path().join(&out.path)), expected);
        let mut left: Vec<PathBuf> = std::fs::read_dir(dir.path().join("year=2024"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        left.sort();
        let mut want: Vec<PathBuf> = inputs.iter().map(|(p, _)| p.clone()).collect();
        want.push(dir.path().join(&out.path));
        want.sort();
        assert_eq!(left, want, "only the inputs and the result remain");
    }

    #[test]
    fn a_damaged_input_fails_the_merge_and_leaves_no_intermediate_file() {
        let dir = tempfile::tempdir().unwrap();
        let schema = schema();
        let mut inputs = Vec::new();
        for f in 0..9i64 {
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(vec![format!("{f:03}")])),
                    Arc::new(Int64Array::from(vec![f])),
                ],
            )
            .unwrap();
            let file = super::super::files::write_file(dir.path(), Some(2024), &batch).unwrap();
            inputs.push((dir.path().join(&file.path), file.size));
        }
        // A file recorded with another size than it has, failing in the first round
        // (after another group was merged) and in the last.
        for bad in [3, 8] {
            let mut damaged = inputs.clone();
            damaged[bad].1 += 1;
            let err = merge(dir.path(), Some(2024), &schema, &["k"], &[], &damaged, 2)
                .unwrap_err()
                .to_string();
            assert!(err.contains(&inputs[bad].0.display().to_string()), "{err}");
            let left = std::fs::read_dir(dir.path().join("year=2024"))
                .unwrap()
                .count();
            assert_eq!(left, inputs.len(), "only the inputs remain");
        }
        // A file whose second row group is damaged fails in the middle of the last merge
        // (its first batch, all of the first row group, was merged), after the output was
        // begun: that is removed too.
        let mut w = PartitionWriter::create(dir.path(), Some(2024), schema.clone()).unwrap();
        for keys in [
            (0..BATCH + 100)
                .map(|i| format!("{i:06}"))
                .collect::<Vec<_>>(),
            vec!["999999".to_string()],
        ] {
            let n = keys.len();
            let b = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(keys)),
                    Arc::new(Int64Array::from(vec![0; n])),
                ],
            )
            .unwrap();
            w.write(&b).unwrap();
            w.end_row_group().unwrap();
        }
        let file = w.finish().unwrap();
        let path = dir.path().join(&file.path);
        let meta = datafusion::parquet::file::metadata::ParquetMetaDataReader::new()
            .parse_and_finish(&File::open(&path).unwrap())
            .unwrap();
        let at = meta.row_group(1).column(0).data_page_offset() as usize;
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[at..at + 12].fill(0xff);
        std::fs::write(&path, &bytes).unwrap();
        let mut damaged = inputs.clone();
        damaged.push((path.clone(), file.size));
        let err = merge(dir.path(), Some(2024), &schema, &["k"], &[], &damaged, 64)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        let left = std::fs::read_dir(dir.path().join("year=2024"))
            .unwrap()
            .count();
        assert_eq!(left, damaged.len(), "only the inputs remain");
    }
}
