//! The only module that holds a DataFusion `SessionContext`: every dataset table is
//! registered as a listing table over the data files of one dataset version (read through
//! `storage::SnapshotStore`, which lists that version's files only and refuses writes into
//! the dataset; Hive partition `year`, pruning on, text read as `Utf8View`:
//! `read_schema`), then the functions and views, with
//! yusuan's optimizer rules beside DataFusion's (`params`: parameter rows as filters;
//! `plan`: constant group columns, late materialisation for top-N; `proven`: filters the
//! row-group statistics prove; `shared`: repeated aggregations run once), `count` /
//! `any_value` with groups accumulators for text (`aggregates`), and a query planner that
//! lets aggregations by year read whole year partitions (`years`). Owns no parsing and no
//! file writing.

mod aggregates;
#[cfg(feature = "distributed")]
pub mod cluster;
#[cfg(not(feature = "distributed"))]
mod cluster {
    //! Without the `distributed` build there is no cluster client: asking for one is an
    //! error that says how to get it.
    use datafusion::execution::SessionState;
    use datafusion::prelude::{SessionConfig, SessionContext};

    pub fn client_config(_: &std::path::Path, _: u64, _: Option<usize>) -> SessionConfig {
        SessionConfig::new()
    }

    pub async fn connect(url: &str, _: SessionState) -> crate::Result<SessionContext> {
        Err(crate::Error::Cluster {
            location: url.to_string(),
            reason: "this yusuan was built without the `distributed` feature; build it with `cargo build --release --features distributed` (docs/distributed.md)".into(),
        })
    }
}
pub mod depth;
mod params;
mod plan;
mod proven;
mod shared;
#[cfg(test)]
mod testing;
mod udf;
mod years;

pub use udf::FUNCTIONS;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::ReaderBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};

use crate::error::Result;
use crate::model::reference;
use crate::model::schema::DatasetTable;
use crate::storage::{AsOf, CHECK_RESULTS, DERIVED_TABLES, Dataset};

/// The views every session has, in dependency order (`queries/views/`).
pub const VIEWS: &[(&str, &str)] = &[
    (
        "budget_totals",
        include_str!("../../queries/views/budget_totals.sql"),
    ),
    (
        "gpb_by_function",
        include_str!("../../queries/views/gpb_by_function.sql"),
    ),
    (
        "gpb_function_rollup",
        include_str!("../../queries/views/gpb_function_rollup.sql"),
    ),
    (
        "spending_by_econ",
        include_str!("../../queries/views/spending_by_econ.sql"),
    ),
    (
        "unit_years",
        include_str!("../../queries/views/unit_years.sql"),
    ),
    (
        "region_years",
        include_str!("../../queries/views/region_years.sql"),
    ),
    (
        "spending_mix",
        include_str!("../../queries/views/spending_mix.sql"),
    ),
    (
        "unit_rankings",
        include_str!("../../queries/views/unit_rankings.sql"),
    ),
    (
        "claim_comparisons",
        include_str!("../../queries/views/claim_comparisons.sql"),
    ),
];

/// The reference tables every session has (`datasets/reference/`, compiled in): name,
/// CSV, and the columns read as integers (the others are text; an empty cell is NULL).
pub const REFERENCE_TABLES: &[(&str, &str, &[&str])] = &[
    (
        "ref_function_class",
        reference::FUNCTION_CLASS_CSV,
        &["level", "first_year", "last_year"],
    ),
    ("ref_dept_econ", reference::DEPT_ECON_CSV, &["level"]),
    ("ref_gov_econ", reference::GOV_ECON_CSV, &["level"]),
    ("ref_econ_map", reference::ECON_MAP_CSV, &[]),
    ("ref_admin_division", crate::ingest::DIVISIONS, &[]),
];

/// The reference table `name` (one of [`REFERENCE_TABLES`]) as an in-memory table read
/// from its compiled-in CSV; `None` for any other name.
pub(crate) fn reference_table(name: &str) -> Result<Option<MemTable>> {
    let Some((_, csv, ints)) = REFERENCE_TABLES.iter().find(|(n, _, _)| *n == name) else {
        return Ok(None);
    };
    let empty = regex::Regex::new("^$").expect("a valid pattern");
    let header = csv.lines().next().unwrap_or_default();
    let schema = Arc::new(Schema::new(
        header
            .split(',')
            .map(|c| {
                let t = if ints.contains(&c) {
                    DataType::Int32
                } else {
                    DataType::Utf8
                };
                Field::new(c, t, true)
            })
            .collect::<Vec<_>>(),
    ));
    let reader = ReaderBuilder::new(schema.clone())
        .with_header(true)
        .with_null_regex(empty)
        .build(std::io::Cursor::new(csv.as_bytes()))?;
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Some(MemTable::try_new(schema, vec![batches])?))
}

/// The findings table of a version never checked: there, and empty.
pub(crate) fn empty_check_results() -> Result<MemTable> {
    let schema = crate::model::schema::check_results_schema();
    Ok(MemTable::try_new(schema, vec![vec![]])?)
}

/// Registers the reference CSVs as in-memory tables.
fn register_reference(ctx: &SessionContext) -> Result<()> {
    for (name, _, _) in REFERENCE_TABLES {
        let table = reference_table(name)?.expect("a reference table");
        ctx.register_table(*name, Arc::new(table))?;
    }
    Ok(())
}

/// yusuan's aggregate functions: `count` and `any_value` with groups accumulators for
/// text (`aggregates`), registered over DataFusion's functions of the same names.
pub(crate) fn aggregate_functions() -> Vec<datafusion::logical_expr::AggregateUDF> {
    vec![aggregates::count(), aggregates::any_value()]
}

/// The schema a dataset table is read with: the stored schema, text as `Utf8View` unless
/// the session runs on a cluster (`views` false: Ballista ships batches between nodes as
/// Arrow IPC, where view arrays make frames too large, so it turns view types off and
/// the scans must match: docs/distributed.md).
///
/// The Parquet reader then builds each string as a view into the page's bytes instead of
/// copying it into one buffer per batch: the line items' names and codes repeat (a
/// dictionary page per row group), and most queries filter most rows away after
/// reading them. At 10M line items this made `kuan_growth` 9 % and `region_class_share`
/// 20 % faster and no query slower beyond noise (docs/performance.md, finding 15); it is
/// also what DataFusion chooses for a schema it infers.
fn read_schema(table: DatasetTable, views: bool) -> SchemaRef {
    let stored = table.schema();
    if !views {
        return stored;
    }
    let fields: Vec<Field> = stored
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, stored.metadata().clone()))
}

/// Session settings.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Memory limit in bytes for query execution (a fair spill pool); `None` = unbounded.
    pub memory_limit: Option<usize>,
    /// Number of partitions (threads) queries run with; `None` = one per core.
    pub threads: Option<usize>,
    /// The dataset version to read; `None` = the latest.
    pub as_of: Option<AsOf>,
    /// The most bytes queries may spill to disk at once; `None` = [`DEFAULT_MAX_SPILL`].
    pub max_spill: Option<u64>,
    /// Where spill files go (in this process's own folder, `yusuan-spill-<pid>`, removed
    /// when the process ends); `None` = the system's temporary directory.
    pub temp_dir: Option<PathBuf>,
    /// Run queries on the Ballista cluster whose scheduler is at this address
    /// (`df://HOST:PORT`; needs the `distributed` build: docs/distributed.md); `None` =
    /// in this process.
    pub cluster: Option<String>,
}

/// The most bytes queries spill to disk at once unless told otherwise: a query that needs
/// more fails, naming the bound, instead of filling the disk.
pub const DEFAULT_MAX_SPILL: u64 = 16 << 30;

/// This process's spill folder under `parent`: created once, registered with `temp` (so
/// removed on exit, on SIGINT/SIGTERM and on error), after removing the folders of
/// processes that were killed before they could remove theirs.
fn spill_folder(parent: &Path) -> Result<PathBuf> {
    use std::sync::Mutex;
    static FOLDERS: Mutex<Vec<crate::temp::TempPath>> = Mutex::new(Vec::new());
    let mut folders = FOLDERS.lock().unwrap_or_else(|e| e.into_inner());
    let folder = crate::temp::spill_folder(parent);
    if let Some(f) = folders.iter().find(|f| f.path() == folder)
        && f.path().is_dir()
    {
        return Ok(f.path().to_path_buf());
    }
    crate::temp::sweep_spill_folders(parent);
    let guard = crate::temp::TempPath::register(&folder);
    std::fs::create_dir_all(&folder)
        .map_err(|e| crate::Error::io("creating the spill folder", &folder, e))?;
    folders.push(guard);
    Ok(folder)
}

/// Bytes of Parquet metadata (footers, page indexes) the session keeps cached.
const METADATA_CACHE: usize = 256 * 1024 * 1024;

/// A DataFusion session with every dataset table, function and view registered.
///
/// ```no_run
/// # async fn demo() -> yusuan::Result<()> {
/// let engine = yusuan::Engine::open(std::path::Path::new("yusuan-data")).await?;
/// let batches = engine.sql("select unit_name, wan(income_total) from budget_totals").await?;
/// # Ok(()) }
/// ```
pub struct Engine {
    ctx: SessionContext,
    data: PathBuf,
    version: u64,
    version_time_ms: i64,
}

impl Engine {
    /// Opens the dataset at `data` with default settings.
    pub async fn open(data: &Path) -> Result<Engine> {
        Self::open_with(data, &EngineOptions::default()).await
    }

    /// Opens the dataset at `data`.
    pub async fn open_with(data: &Path, options: &EngineOptions) -> Result<Engine> {
        let dataset = Dataset::open(data)?;
        let snapshot = dataset.snapshot(options.as_of)?;
        let on_cluster = options.cluster.is_some();
        let mut config = if on_cluster {
            cluster::client_config(snapshot.root(), snapshot.version.version, options.threads)
        } else {
            SessionConfig::new()
        };
        config = config
            .with_information_schema(true)
            .with_parquet_pruning(true)
            .with_collect_statistics(true);
        if let Some(n) = options.threads {
            config = config.with_target_partitions(n.max(1));
        }
        // Parquet footers and page indexes stay cached between queries; DataFusion's
        // default (50 MB) holds less than the line items of a 100M-item dataset, and
        // every query then re-read them (docs/performance.md).
        let mut runtime = RuntimeEnvBuilder::new().with_metadata_cache_limit(METADATA_CACHE);
        if let Some(limit) = options.memory_limit {
            runtime = runtime.with_memory_pool(Arc::new(FairSpillPool::new(limit)));
        }
        let temp = options.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
        runtime = runtime.with_disk_manager_builder(
            DiskManagerBuilder::default()
                .with_mode(DiskManagerMode::Directories(vec![spill_folder(&temp)?]))
                .with_max_temp_directory_size(options.max_spill.unwrap_or(DEFAULT_MAX_SPILL)),
        );
        let runtime = runtime.build_arc()?;
        // Local files are read through the store that shows the dataset at this version
        // and refuses writes into it (storage::store).
        let file_url = url::Url::parse("file://").expect("a valid URL");
        runtime.register_object_store(&file_url, Arc::new(snapshot.object_store()?));
        let metadata_cache = runtime.cache_manager.get_file_metadata_cache();
        let builder = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            .with_optimizer_rule(Arc::new(params::InlineConstantRows));
        let ctx = match &options.cluster {
            // Physical planning happens on the scheduler (engine::cluster says which of
            // yusuan's rules run there and why).
            Some(url) => cluster::connect(url, builder.build()).await?,
            None => SessionContext::new_with_state(
                builder
                    .with_physical_optimizer_rules(plan::physical_optimizer_rules(metadata_cache))
                    .with_query_planner(Arc::new(years::YearPartitions))
                    .build(),
            ),
        };
        let statistics_cache = || ctx.runtime_env().cache_manager.get_file_statistic_cache();
        let root = snapshot.root().to_path_buf();
        for table in DatasetTable::ALL {
            let dir = root.join(table.name());
            let url = ListingTableUrl::parse(format!("{}/", dir.display()))?;
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet")
                .with_table_partition_cols(vec![("year".to_string(), DataType::Int32)]);
            let config = ListingTableConfig::new(url)
                .with_listing_options(options)
                .with_schema(read_schema(table, !on_cluster));
            // The session's statistics cache: without it every query re-reads every
            // file's footer statistics while planning (docs/performance.md).
            let table_provider = ListingTable::try_new(config)?.with_cache(statistics_cache());
            ctx.register_table(table.name(), Arc::new(table_provider))?;
        }
        // Derived tables, when the version has them: findings of `yusuan check`, the
        // ground truth of errors planted by `yusuan gen`, the runs of `yusuan schedule`.
        for &name in DERIVED_TABLES {
            if !snapshot.has(name) {
                // Never checked: the findings table is there, empty.
                if name == CHECK_RESULTS {
                    ctx.register_table(name, Arc::new(empty_check_results()?))?;
                }
                continue;
            }
            let url = ListingTableUrl::parse(format!("{}/", root.join(name).display()))?;
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet");
            let config = ListingTableConfig::new(url)
                .with_listing_options(options)
                .infer_schema(&ctx.state())
                .await?;
            let table_provider = ListingTable::try_new(config)?.with_cache(statistics_cache());
            ctx.register_table(name, Arc::new(table_provider))?;
        }
        register_reference(&ctx)?;
        udf::register_all(&ctx);
        // `count` and `any_value` with groups accumulators for text (engine::aggregates).
        for f in aggregate_functions() {
            ctx.register_udaf(f);
        }
        for (_, sql) in VIEWS {
            ctx.sql(sql).await?.collect().await?;
        }
        Ok(Engine {
            ctx,
            data: root,
            version: snapshot.version.version,
            version_time_ms: snapshot.version.timestamp_ms,
        })
    }

    /// The dataset directory.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// Names the data file behind a query error that came from reading Parquet (which
    /// DataFusion reports without the file): the first file of the session's version
    /// that does not read whole, and why. `None` for other errors, or when every file
    /// reads (the error was not the data's).
    pub fn damaged_file(&self, error: &datafusion::error::DataFusionError) -> Option<String> {
        let text = error.to_string();
        if !(text.contains("Parquet error") || text.contains("Arrow error")) {
            return None;
        }
        let snapshot = Dataset::open(&self.data)
            .ok()?
            .snapshot(Some(AsOf::Version(self.version)))
            .ok()?;
        let (path, why) = snapshot.find_damaged()?;
        Some(format!("data file {} is damaged: {why}", path.display()))
    }

    /// The dataset version the session reads.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When the version the session reads was committed (milliseconds since the epoch).
    pub fn version_time_ms(&self) -> i64 {
        self.version_time_ms
    }

    /// The underlying DataFusion session.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Plans one statement (refused when it nests deeper than
    /// [`depth::MAX_STATEMENT_DEPTH`]).
    pub async fn dataframe(&self, sql: &str) -> Result<DataFrame> {
        let state = self.ctx.state();
        let statement =
            state.sql_to_statement(sql, &state.config().options().sql_parser.dialect)?;
        depth::check_depth(&statement, depth::MAX_STATEMENT_DEPTH)?;
        let plan = state.statement_to_plan(statement).await?;
        Ok(self.ctx.execute_logical_plan(plan).await?)
    }

    /// Plans and runs one statement, collecting every batch.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        Ok(self.dataframe(sql).await?.collect().await?)
    }
}
