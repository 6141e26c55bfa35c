//! Line items of one year partition into row groups of one cluster each.
//!
//! A cluster is a (table kind, row kind) pair, the leading sort columns of `line_items`:
//! every row group holds rows of one cluster only, at least [`ROW_GROUP`] of them except
//! each cluster's last, so a query on one table kind reads only its row groups. Documents
//! arrive a flush at a time; each line item is appended straight into the columns of its
//! cluster's next row group ([`LineItemColumns`], one per column key, so the row group
//! comes out sorted by column without a sort or a gather), and a cluster is written when
//! it holds a row group's worth. Memory is bounded by the clusters (26 in generated data)
//! times one row group in columnar form, whatever the size of the year. Owns no
//! generation and no Parquet settings (`storage`).

use hashbrown::HashMap;

use crate::error::Result;
use crate::model::schema::{DocumentKey, LineItemColumns};
use crate::model::{RowKind, SourceDocument, TableKind};
use crate::storage::PartitionWriter;

/// Rows of one line-item row group (the storage's, which `compact` keeps too).
pub use crate::storage::ROW_GROUP;

/// The line items of one year partition waiting for their row groups.
pub struct Clusters {
    waiting: HashMap<(TableKind, RowKind), Cluster>,
    /// [`ROW_GROUP`] (smaller in tests).
    row_group: usize,
}

/// One cluster's next row group: its rows by column key, each in arrival order.
#[derive(Default)]
struct Cluster {
    rows: usize,
    by_column: Vec<(&'static str, LineItemColumns)>,
}

impl Clusters {
    pub fn new() -> Clusters {
        Clusters::with_row_group(ROW_GROUP)
    }

    fn with_row_group(row_group: usize) -> Clusters {
        Clusters {
            waiting: HashMap::new(),
            row_group,
        }
    }

    /// Adds the line items of `docs` (in region, unit, document, table and row order) and
    /// writes every cluster that has a row group's worth, in the dataset's cluster order.
    pub fn add(&mut self, writer: &mut PartitionWriter, docs: &[SourceDocument]) -> Result<()> {
        for doc in docs {
            let document = DocumentKey::of(doc);
            for item in &doc.parsed.line_items {
                let cluster = self
                    .waiting
                    .entry((item.table_kind, item.row_kind))
                    .or_default();
                let key = item.column.key;
                let columns = match cluster.by_column.iter().position(|(k, _)| *k == key) {
                    Some(i) => &mut cluster.by_column[i].1,
                    None => {
                        cluster.by_column.push((key, LineItemColumns::default()));
                        &mut cluster.by_column.last_mut().expect("just pushed").1
                    }
                };
                columns.push(&document, item)?;
                cluster.rows += 1;
            }
        }
        let mut full: Vec<(TableKind, RowKind)> = self
            .waiting
            .iter()
            .filter(|(_, c)| c.rows >= self.row_group)
            .map(|(&k, _)| k)
            .collect();
        full.sort_by_key(|&(t, r)| (t.as_str(), r.as_str()));
        for key in full {
            if let Some(cluster) = self.waiting.remove(&key) {
                write_group(writer, cluster)?;
            }
        }
        Ok(())
    }

    /// Writes what waits, cluster by cluster in the dataset's order.
    pub fn finish(self, writer: &mut PartitionWriter) -> Result<()> {
        let mut rest: Vec<_> = self.waiting.into_iter().collect();
        rest.sort_by_key(|((t, r), _)| (t.as_str(), r.as_str()));
        for (_, cluster) in rest {
            write_group(writer, cluster)?;
        }
        Ok(())
    }
}

/// Writes one cluster as a row group of its own, sorted like the dataset's line items.
///
/// The rows arrive in region, unit, document, table and row order (`write_year` walks
/// districts by region and their units by name), so the cluster's order — by column, then
/// that — is its columns' rows one column key after the other: where sorting on eight
/// columns was a third of `gen`'s time. A test checks every row group's order.
fn write_group(writer: &mut PartitionWriter, mut cluster: Cluster) -> Result<()> {
    if cluster.rows == 0 {
        return Ok(());
    }
    cluster.by_column.sort_by_key(|(key, _)| *key);
    for (_, columns) in cluster.by_column {
        writer.write(&columns.finish()?)?;
    }
    writer.end_row_group()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::DatasetTable;
    use crate::storage::{partition_writer, sort_batch};
    use crate::synth::budget::{Budget, District, district_units};
    use crate::synth::document::document;
    use datafusion::arrow::array::{AsArray, RecordBatch};
    use datafusion::arrow::compute::concat_batches;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use std::collections::BTreeMap;
    use std::fs::File;

    /// 40 unit-years in the order `gen` generates them.
    fn documents() -> Vec<SourceDocument> {
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
        docs
    }

    /// Every row group of the year's line items file.
    fn row_groups(path: &std::path::Path) -> Vec<RecordBatch> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
        let groups = builder.metadata().num_row_groups();
        (0..groups)
            .map(|rg| {
                let file = File::open(path).unwrap();
                let batches: Vec<RecordBatch> = ParquetRecordBatchReaderBuilder::try_new(file)
                    .unwrap()
                    .with_row_groups(vec![rg])
                    .build()
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                concat_batches(&batches[0].schema(), &batches).unwrap()
            })
            .collect()
    }

    /// Every row of `b`, sorted on all columns (a canonical form of the multiset).
    fn canonical(b: &RecordBatch) -> RecordBatch {
        let schema = b.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        sort_batch(b, &names).unwrap()
    }

    #[test]
    fn one_cluster_per_row_group_and_every_row_once() {
        const GROUP: usize = 2000;
        let docs = documents();
        let tmp = tempfile::tempdir().unwrap();
        let mut writer = partition_writer(tmp.path(), DatasetTable::LineItems, 2024).unwrap();
        let path = writer.path().to_path_buf();
        let mut clusters = Clusters::with_row_group(GROUP);
        // A few documents per call, as `gen` flushes them.
        for chunk in docs.chunks(3) {
            clusters.add(&mut writer, chunk).unwrap();
        }
        clusters.finish(&mut writer).unwrap();
        writer.finish().unwrap();
        let groups = row_groups(&path);

        // The same rows as the documents hold, each once.
        let all = DatasetTable::LineItems.batch_many(&docs, 0).unwrap();
        let written = concat_batches(&all.schema(), &groups).unwrap();
        assert_eq!(written.num_rows(), all.num_rows());
        assert!(canonical(&written) == canonical(&all), "rows differ");

        // One cluster per row group; all but each cluster's last hold a row group's worth;
        // each sorted like the dataset (tests/synth.rs checks the order on `gen`'s output).
        let cluster = |b: &RecordBatch| {
            let text = |name| b.column_by_name(name).unwrap().as_string::<i32>().clone();
            let (k, r) = (text("table_kind"), text("row_kind"));
            assert!(
                (0..b.num_rows()).all(|i| (k.value(i), r.value(i)) == (k.value(0), r.value(0)))
            );
            (k.value(0).to_string(), r.value(0).to_string())
        };
        let mut last: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, group) in groups.iter().enumerate() {
            last.insert(cluster(group), i);
            let sorted = sort_batch(group, DatasetTable::LineItems.sort_columns()).unwrap();
            assert!(
                sorted == *group,
                "row group {i} is not in the dataset's order"
            );
        }
        for (i, group) in groups.iter().enumerate() {
            if last[&cluster(group)] != i {
                assert!(
                    group.num_rows() >= GROUP,
                    "row group {i}: {}",
                    group.num_rows()
                );
            }
        }
        assert!(groups.len() > last.len(), "no cluster filled a row group");
    }
}
