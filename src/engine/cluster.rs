//! yusuan on an Apache DataFusion Ballista cluster (the `distributed` build): the client
//! side of a session whose queries run on a cluster ([`client_config`], [`connect`]), the
//! scheduler and executor processes that know yusuan's functions and tables
//! ([`run_scheduler`], [`run_executor`]), and an in-process cluster for tests and
//! benchmarks ([`InProcessCluster`]). Owns what every node must agree on — the function
//! list, the dataset version a query reads, how reference tables travel — and nothing of
//! Ballista's own scheduling, shuffles or retries.
//!
//! What runs where (docs/distributed.md):
//! - The client parses and plans the statement, runs the logical optimizer (with
//!   `params::InlineConstantRows`) and sends the logical plan. Views are inlined into it
//!   there, so they exist only on the client.
//! - The scheduler builds a session per query ([`session_builder`]): yusuan's scalar and
//!   aggregate functions over Ballista's, and the dataset *version* the client reads
//!   (carried in the session settings as `yusuan.dataset` / `yusuan.version`,
//!   [`DatasetOptions`]) as a `SnapshotStore` for `file://`, so the scheduler lists exactly
//!   that version's files whatever has been committed meanwhile, and as many partitions
//!   as its executors have task slots unless the client chose (`yusuan.partitions`). It
//!   plans physically with Ballista's static planner and DataFusion's own physical rules,
//!   plus `MemoryLeaves` (around a Ballista scheduler bug): yusuan's (`plan`, `proven`,
//!   `shared`) and its `years::YearPartitions` planner are not used there.
//!   That is by design, not only by default: `SharedExec` shares results inside one
//!   process, `UnorderedExec` and the late-materialised top-N are nodes Ballista cannot
//!   ship, and all of them only change how fast a plan runs, never what it returns.
//! - Executors read the files named in their task with the same snapshot store (which
//!   refuses a file whose size differs from the version's log) and evaluate yusuan's
//!   functions from their registry ([`function_registry`]): a function missing there would
//!   be an error, never a silent stand-in, except `count`/`any_value`, whose built-in
//!   versions give the same results.
//! - Reference tables are compiled into every node: they travel by name
//!   ([`YusuanLogicalCodec`]) and the scheduler rebuilds them. Any other in-memory table
//!   (`CREATE TABLE … AS`, the findings `check` summarises) travels with its rows inside
//!   the plan, up to 8 MiB; a larger one is refused with a message saying what to do.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ballista::prelude::SessionContextExt;
use ballista_core::extension::{
    SessionConfigExt, ballista_aggregate_functions, ballista_scalar_functions,
    ballista_window_functions,
};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::serde::{BallistaCodec, BallistaLogicalExtensionCodec};
use ballista_core::{ConfigProducer, RuntimeProducer};
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::cluster::ClusterStateEvent;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service};
use ballista_scheduler::scheduler_server::{SchedulerServer, SessionBuilder};
use datafusion::arrow::array::{RecordBatch, RecordBatchOptions, new_null_array};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::TableReference;
use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::config::ConfigOptions;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::error::DataFusionError;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::{SessionState, SessionStateBuilder, TaskContext};
use datafusion::logical_expr::{Extension, LogicalPlan};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::placeholder_row::PlaceholderRowExec;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use futures::StreamExt;

use crate::error::{Error, Result};
use crate::storage::{AsOf, Dataset, SnapshotStore};

/// The dataset a cluster session reads, as session settings (`yusuan.dataset`,
/// `yusuan.version`): Ballista sends every setting with each query, and the scheduler and
/// executors read the dataset at exactly this version. Also the tasks per stage the client
/// chose, if it did (`yusuan.partitions`).
///
/// Written out rather than with DataFusion's `extensions_options!`, whose entries leave
/// the prefix out of their keys: Ballista sends settings as `entries()` and sets them on
/// the other side by key, so unprefixed keys would be dropped there (silently: the node
/// would then list the dataset's directory as it is, not as the version was).
#[derive(Debug, Clone, Default)]
pub struct DatasetOptions {
    /// The dataset directory, an absolute path every node sees.
    pub dataset: String,
    /// The dataset version the client opened.
    pub version: u64,
    /// The tasks of each stage (DataFusion's target partitions) the client asked for with
    /// `--threads` or `SET yusuan.partitions`; 0 = one per task slot of the executors
    /// registered when the query is planned ([`session_builder`]).
    pub partitions: usize,
}

impl ConfigExtension for DatasetOptions {
    const PREFIX: &'static str = "yusuan";
}

impl ExtensionOptions for DatasetOptions {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }

    fn set(&mut self, key: &str, value: &str) -> datafusion::error::Result<()> {
        match key.strip_prefix("yusuan.").unwrap_or(key) {
            "dataset" => self.dataset = value.to_string(),
            "version" => {
                self.version = value.parse().map_err(|_| {
                    DataFusionError::Configuration(format!(
                        "yusuan.version: '{value}' is not a dataset version"
                    ))
                })?
            }
            "partitions" => {
                self.partitions = value.parse().map_err(|_| {
                    DataFusionError::Configuration(format!(
                        "yusuan.partitions: '{value}' is not a number of partitions (0 = one per task slot of the cluster)"
                    ))
                })?
            }
            other => {
                return Err(DataFusionError::Configuration(format!(
                    "no setting yusuan.{other}; there are yusuan.dataset, yusuan.version and yusuan.partitions"
                )));
            }
        }
        Ok(())
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        vec![
            ConfigEntry {
                key: "yusuan.dataset".into(),
                value: Some(self.dataset.clone()),
                description: "The dataset directory a cluster session reads (every node sees it at this path)",
            },
            ConfigEntry {
                key: "yusuan.version".into(),
                value: Some(self.version.to_string()),
                description: "The dataset version a cluster session reads",
            },
            ConfigEntry {
                key: "yusuan.partitions".into(),
                value: Some(self.partitions.to_string()),
                description: "Tasks per stage on a cluster; 0 = one per task slot of its executors",
            },
        ]
    }
}

/// The session settings every node starts from: Ballista's (which turn off what cannot
/// work across processes: view types, round-robin repartitioning, dynamic filters…),
/// yusuan's dataset settings, and the codec that ships reference tables.
fn base_config() -> SessionConfig {
    SessionConfig::new_with_ballista()
        // Ballista's static planner (docs/distributed.md): with its adaptive planner (the
        // default in 55) a query whose executor was lost hung, and the in-process test
        // cluster overflowed a 256 MiB stack planning the suite.
        .with_ballista_adaptive_query_planner(false)
        .with_option_extension(DatasetOptions::default())
        .with_ballista_logical_extension_codec(Arc::new(YusuanLogicalCodec::default()))
}

/// The session settings of a client reading version `version` of the dataset at `root`,
/// with `partitions` tasks per stage (`None`: one per task slot of the cluster).
pub fn client_config(root: &Path, version: u64, partitions: Option<usize>) -> SessionConfig {
    let mut config = base_config();
    let options = config
        .options_mut()
        .extensions
        .get_mut::<DatasetOptions>()
        .expect("registered above");
    options.dataset = root.display().to_string();
    options.version = version;
    options.partitions = partitions.unwrap_or(0);
    config
}

/// A session whose queries run on the cluster whose scheduler is at `url`
/// (`df://HOST:PORT`), from the state the engine built (functions, settings, the
/// snapshot store for statements that run on the client, e.g. `information_schema`).
/// The scheduler must answer: a wrong address is an error now, not at the first query.
pub async fn connect(url: &str, state: SessionState) -> Result<SessionContext> {
    let address = scheduler_address(url)?;
    let reachable = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::net::TcpStream::connect(&address),
    )
    .await;
    match reachable {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            return Err(Error::Cluster {
                location: url.to_string(),
                reason: format!(
                    "no scheduler answers at {address} ({e}); start one with `yusuan cluster scheduler --bind {address}`"
                ),
            });
        }
        Err(_) => {
            return Err(Error::Cluster {
                location: url.to_string(),
                reason: format!("no answer from {address} within 10 s"),
            });
        }
    }
    Ok(SessionContext::remote_with_state(&format!("df://{address}"), state).await?)
}

/// `HOST:PORT` from `df://HOST:PORT` (or a bare `HOST:PORT`; the port defaults to
/// Ballista's 50050).
fn scheduler_address(url: &str) -> Result<String> {
    let rest = url.strip_prefix("df://").unwrap_or(url);
    let rest = rest.trim_end_matches('/');
    let bad = |why: &str| Error::Cluster {
        location: url.to_string(),
        reason: format!("{why}; expected df://HOST:PORT, e.g. df://127.0.0.1:50050"),
    };
    if rest.is_empty() || rest.contains('/') || rest.contains("://") {
        return Err(bad("not a scheduler address"));
    }
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !host.ends_with(':') => {
            port.parse::<u16>()
                .map_err(|_| bad(&format!("'{port}' is not a port number")))?;
            Ok(rest.to_string())
        }
        _ => Ok(format!("{rest}:50050")),
    }
}

// ---------------------------------------------------------------------------------------
// What the scheduler and the executors share.

/// A session state with Ballista's functions and yusuan's over them (the same names win:
/// `count`, `any_value`), on `runtime`.
fn functions_state(config: SessionConfig, runtime: Arc<RuntimeEnv>) -> SessionState {
    let mut scalars = ballista_scalar_functions();
    scalars.extend(super::udf::all().into_iter().map(Arc::new));
    let mut aggregates = ballista_aggregate_functions();
    let ours = super::aggregate_functions();
    aggregates.retain(|f| !ours.iter().any(|o| o.name() == f.name()));
    aggregates.extend(ours.into_iter().map(Arc::new));
    SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_optimizer_rules(ballista_core::optimizer::ballista_default_optimizer_rules())
        .with_scalar_functions(scalars)
        .with_aggregate_functions(aggregates)
        .with_window_functions(ballista_window_functions())
        .with_physical_optimizer_rule(Arc::new(MemoryLeaves))
        .build()
}

/// Turns the leaves that make rows from nothing (`PlaceholderRowExec`, the one row of
/// `SELECT 1`; `EmptyExec`) into in-memory scans of the same rows, on the scheduler, as
/// the last physical rule.
///
/// Why: before it sends a task, Ballista 55's scheduler cuts the stage's plan down to the
/// task's partitions (`ballista_scheduler::state::task_builder`), and a `UNION ALL`
/// branch the task does not read becomes a zero-partition in-memory scan. An in-memory
/// scan reports metrics and a placeholder row does not, so two tasks of the same stage
/// can send back metric lists of different lengths; the scheduler then refuses the
/// second task's status ("task metrics array size 7 does not equal with the stage
/// metrics array size 6") and the job never finishes. Measured on
/// `queries/rollup_check.sql`, whose `(SELECT 1 UNION ALL SELECT 2 …)` levels hung both
/// times it ran on one executor with two task slots at 10M line items. With in-memory scans
/// everywhere, every task's plan has the same nodes.
#[derive(Debug)]
struct MemoryLeaves;

impl PhysicalOptimizerRule for MemoryLeaves {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let row = if node.is::<PlaceholderRowExec>() {
                true
            } else if node.is::<EmptyExec>() {
                false
            } else {
                return Ok(Transformed::no(node));
            };
            let schema = node.schema();
            let partitions = node.properties().output_partitioning().partition_count();
            let batches = if row {
                let columns = schema
                    .fields()
                    .iter()
                    .map(|f| new_null_array(f.data_type(), 1))
                    .collect();
                let options = RecordBatchOptions::new().with_row_count(Some(1));
                match RecordBatch::try_new_with_options(schema.clone(), columns, &options) {
                    Ok(batch) => vec![batch],
                    // A non-nullable column cannot hold the placeholder's null: leave it.
                    Err(_) => return Ok(Transformed::no(node)),
                }
            } else {
                Vec::new()
            };
            let scan: Arc<dyn ExecutionPlan> =
                MemorySourceConfig::try_new_exec(&vec![batches; partitions], schema, None)?;
            Ok(Transformed::yes(scan))
        })
        .data()
    }

    fn name(&self) -> &str {
        "yusuan_memory_leaves"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Every function an executor can evaluate: DataFusion's, Ballista's and yusuan's.
pub fn function_registry() -> BallistaFunctionRegistry {
    let runtime = Arc::new(RuntimeEnv::default());
    BallistaFunctionRegistry::from(&functions_state(base_config(), runtime))
}

/// Snapshot stores already opened, by dataset and version (the scheduler builds a session
/// per query and an executor a runtime per session; the transaction log is read once).
type Snapshots = Mutex<Vec<((String, u64), Arc<SnapshotStore>)>>;
static SNAPSHOTS: Snapshots = Mutex::new(Vec::new());

/// The most snapshot stores a node keeps (each holds one version's file list).
const SNAPSHOTS_KEPT: usize = 16;

/// The store that shows the dataset version a session's settings name; `None` when they
/// name none (a query that reads no dataset, e.g. from a plain Ballista client).
fn snapshot_store(config: &SessionConfig) -> Result<Option<Arc<SnapshotStore>>> {
    let Some(options) = config.options().extensions.get::<DatasetOptions>() else {
        return Ok(None);
    };
    if options.dataset.is_empty() {
        return Ok(None);
    }
    let key = (options.dataset.clone(), options.version);
    let mut kept = SNAPSHOTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = kept.iter().position(|(k, _)| *k == key) {
        let entry = kept.remove(i);
        let store = entry.1.clone();
        kept.push(entry);
        return Ok(Some(store));
    }
    let root = PathBuf::from(&options.dataset);
    let node_error = |e: Error| Error::Cluster {
        location: format!("node {}", hostname()),
        reason: format!(
            "cannot read version {} of the dataset {}: {e}; every node must see the dataset at the same path (docs/distributed.md)",
            options.version,
            root.display()
        ),
    };
    let snapshot = Dataset::open(&root)
        .and_then(|d| d.snapshot(Some(AsOf::Version(options.version))))
        .map_err(node_error)?;
    let store = Arc::new(snapshot.object_store().map_err(node_error)?);
    if kept.len() >= SNAPSHOTS_KEPT {
        kept.remove(0);
    }
    kept.push((key, store.clone()));
    Ok(Some(store))
}

fn hostname() -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| "(this host)".into())
}

/// A node's runtime for one session: the dataset version its settings name as the
/// `file://` store, Parquet metadata cached as in a local session, spill files in
/// `spill` (when given).
fn node_runtime(config: &SessionConfig, spill: Option<&Path>) -> Result<Arc<RuntimeEnv>> {
    let mut builder = RuntimeEnvBuilder::new().with_metadata_cache_limit(super::METADATA_CACHE);
    if let Some(dir) = spill {
        builder = builder.with_disk_manager_builder(
            DiskManagerBuilder::default()
                .with_mode(DiskManagerMode::Directories(vec![dir.to_path_buf()])),
        );
    }
    let runtime = builder.build_arc()?;
    if let Some(store) = snapshot_store(config)? {
        let file_url = url::Url::parse("file://").expect("a valid URL");
        runtime.register_object_store(&file_url, store);
    }
    Ok(runtime)
}

/// The scheduler's sessions (one per query): yusuan's functions, the dataset version the
/// query's settings name, and — unless the client chose (`yusuan.partitions` > 0) — one
/// partition per task slot of the executors registered now (`slots`, kept by the
/// scheduler; 0 = not known, DataFusion's setting stays).
///
/// Why not Ballista's fixed 16: every task costs the scheduler a round trip (pull
/// scheduling: one task per poll, 50 ms apart when idle), so on a small cluster most of
/// a short query's time was scheduling — 1.6 s for `q01_total_by_year` at 10M line items
/// on one executor of 2 slots, 0.39 s with 2 partitions — while a large cluster would
/// leave most slots idle. One partition per slot is what the local engine does with
/// cores (docs/distributed.md, Measurements).
pub fn session_builder(slots: Arc<AtomicUsize>) -> SessionBuilder {
    Arc::new(move |mut config: SessionConfig| {
        let chosen = config
            .options()
            .extensions
            .get::<DatasetOptions>()
            .map_or(0, |o| o.partitions);
        let partitions = match (chosen, slots.load(Ordering::Relaxed)) {
            (0, 0) => None,
            (0, slots) => Some(slots),
            (chosen, _) => Some(chosen),
        };
        if let Some(n) = partitions {
            config = config.with_target_partitions(n);
        }
        let runtime = node_runtime(&config, None).map_err(to_datafusion)?;
        Ok(functions_state(config, runtime))
    })
}

/// The task slots of the executors registered with `scheduler`, summed.
async fn task_slots(scheduler: &SchedulerServer<LogicalPlanNode, PhysicalPlanNode>) -> usize {
    scheduler
        .state
        .executor_manager
        .get_executors_state()
        .await
        .map(|executors| {
            executors
                .iter()
                .map(|(m, _, _)| m.specification.vcores as usize)
                .sum()
        })
        .unwrap_or(0)
}

/// The settings every scheduler and executor session starts from (the client's are
/// applied over them).
pub fn config_producer() -> ConfigProducer {
    Arc::new(base_config)
}

/// Executors' runtimes: the dataset version a task's settings name; spill in `work_dir`.
pub fn runtime_producer(work_dir: PathBuf) -> RuntimeProducer {
    Arc::new(move |config: &SessionConfig| {
        node_runtime(config, Some(&work_dir)).map_err(to_datafusion)
    })
}

fn to_datafusion(e: Error) -> DataFusionError {
    match e {
        Error::Query(e) => e,
        other => DataFusionError::External(Box::new(other)),
    }
}

fn codec() -> BallistaCodec {
    BallistaCodec::new(
        Arc::new(YusuanLogicalCodec::default()),
        Arc::new(ballista_core::serde::BallistaPhysicalExtensionCodec::default()),
    )
}

// ---------------------------------------------------------------------------------------
// The codec.

/// Ballista's logical codec, plus yusuan's in-memory tables by name: the reference tables
/// (compiled into every node) and the empty findings table of a version never checked.
#[derive(Debug, Default)]
pub struct YusuanLogicalCodec {
    inner: BallistaLogicalExtensionCodec,
}

/// The prefix of an encoded yusuan table: what follows is its name.
const TABLE_TAG: &[u8] = b"yusuan-table:";
/// The name the empty findings table travels as.
const EMPTY_CHECK_RESULTS: &str = "check_results (never checked)";
/// The prefix of an in-memory table sent with its rows: an Arrow IPC stream follows.
const ROWS_TAG: &[u8] = b"yusuan-rows:";
/// The most bytes of rows an in-memory table may take inside a plan (a plan travels in
/// one gRPC message, of at most 16 MiB by default).
const MAX_INLINE_ROWS: usize = 8 << 20;

/// Writes an in-memory table's rows into the plan (Arrow IPC), or says why it cannot.
fn encode_rows(
    table: &MemTable,
    table_ref: &TableReference,
    buf: &mut Vec<u8>,
) -> datafusion::error::Result<()> {
    use datafusion::arrow::ipc::writer::StreamWriter;
    let too_large = || {
        DataFusionError::Plan(format!(
            "table '{table_ref}' lives in this process's memory and is too large to send with the query (more than {} MiB); write it to storage every node sees (COPY (...) TO '/shared/t.parquet') and read it there (CREATE EXTERNAL TABLE t STORED AS PARQUET LOCATION '/shared/t.parquet')",
            MAX_INLINE_ROWS >> 20
        ))
    };
    let start = buf.len();
    buf.extend_from_slice(ROWS_TAG);
    let mut writer = StreamWriter::try_new(&mut *buf, &table.schema())?;
    for partition in &table.batches {
        let batches = partition.try_read().map_err(|_| {
            DataFusionError::Plan(format!("table '{table_ref}' is being written to"))
        })?;
        for b in batches.iter() {
            if b.get_array_memory_size() > MAX_INLINE_ROWS {
                return Err(too_large());
            }
            writer.write(b)?;
        }
    }
    writer.finish()?;
    if buf.len() - start > MAX_INLINE_ROWS {
        buf.truncate(start);
        return Err(too_large());
    }
    Ok(())
}

/// The in-memory table [`encode_rows`] wrote.
fn decode_rows(
    rows: &[u8],
    schema: SchemaRef,
) -> datafusion::error::Result<Arc<dyn TableProvider>> {
    use datafusion::arrow::ipc::reader::StreamReader;
    let reader = StreamReader::try_new(std::io::Cursor::new(rows), None)?;
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
    let batches = batches
        .into_iter()
        .map(|b| b.with_schema(schema.clone()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
}

impl LogicalExtensionCodec for YusuanLogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> datafusion::error::Result<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> datafusion::error::Result<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> datafusion::error::Result<Arc<dyn TableProvider>> {
        if let Some(rows) = buf.strip_prefix(ROWS_TAG) {
            return decode_rows(rows, schema);
        }
        let Some(name) = buf.strip_prefix(TABLE_TAG) else {
            return self
                .inner
                .try_decode_table_provider(buf, table_ref, schema, ctx);
        };
        let name = std::str::from_utf8(name).map_err(|_| {
            DataFusionError::Internal("a yusuan table name that is not UTF-8".into())
        })?;
        let table = if name == EMPTY_CHECK_RESULTS {
            Some(super::empty_check_results())
        } else {
            super::reference_table(name).transpose()
        };
        match table {
            Some(t) => Ok(Arc::new(t.map_err(to_datafusion)?)),
            None => Err(DataFusionError::Plan(format!(
                "the client sent table '{name}' as one of yusuan's reference tables, which this node does not have: are the client and the cluster the same yusuan version?"
            ))),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> datafusion::error::Result<()> {
        if node.downcast_ref::<MemTable>().is_none() {
            return self.inner.try_encode_table_provider(table_ref, node, buf);
        }
        let name = table_ref.table();
        let ours = if super::REFERENCE_TABLES.iter().any(|(n, _, _)| *n == name) {
            Some(name)
        } else if name == crate::storage::CHECK_RESULTS {
            Some(EMPTY_CHECK_RESULTS)
        } else {
            None
        };
        if let Some(n) = ours {
            buf.extend_from_slice(TABLE_TAG);
            buf.extend_from_slice(n.as_bytes());
            return Ok(());
        }
        // Any other in-memory table (`CREATE TABLE … AS`, `check`'s findings) travels
        // inside the plan, when small enough for one message.
        let table = node.downcast_ref::<MemTable>().expect("checked");
        encode_rows(table, table_ref, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> datafusion::error::Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> datafusion::error::Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }
}

// ---------------------------------------------------------------------------------------
// Processes.

/// How a scheduler runs (`yusuan cluster scheduler`).
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Where it listens (gRPC for clients and executors).
    pub bind: SocketAddr,
    /// The host name executors and clients reach it by, when not the bind address.
    pub external_host: Option<String>,
    /// Seconds without a heartbeat after which an executor counts as lost and its tasks
    /// run elsewhere.
    pub executor_timeout: u64,
}

/// Runs a scheduler until the process ends.
pub async fn run_scheduler(options: &SchedulerOptions) -> Result<()> {
    let location = format!("scheduler {}", options.bind);
    let slots = Arc::new(AtomicUsize::new(0));
    let config = SchedulerConfig {
        bind_host: options.bind.ip().to_string(),
        bind_port: options.bind.port(),
        external_host: options
            .external_host
            .clone()
            .unwrap_or_else(|| options.bind.ip().to_string()),
        // Executors ask for work (the same policy every executor uses).
        scheduling_policy: ballista_core::config::TaskSchedulingPolicy::PullStaged,
        executor_timeout_seconds: options.executor_timeout,
        no_executors_grace_period_seconds: options.executor_timeout,
        expire_dead_executor_interval_seconds: (options.executor_timeout / 4).clamp(1, 15),
        override_session_builder: Some(session_builder(slots.clone())),
        override_config_producer: Some(config_producer()),
        override_logical_codec: Some(Arc::new(YusuanLogicalCodec::default())),
        ..SchedulerConfig::default()
    };
    let cluster_error = |e: ballista_core::error::BallistaError| Error::Cluster {
        location: location.clone(),
        reason: e.to_string(),
    };
    config.validate().map_err(cluster_error)?;
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(cluster_error)?;
    let scheduler: SchedulerServer<LogicalPlanNode, PhysicalPlanNode> =
        create_scheduler(cluster, Arc::new(config))
            .await
            .map_err(cluster_error)?;
    let mut events = scheduler
        .state
        .executor_manager
        .cluster_state_events()
        .await
        .map_err(cluster_error)?;
    // An executor lost: stop every running job instead of letting Ballista re-run the
    // lost tasks. Ballista 55 re-runs them, but cannot cancel the lost stage's tasks still
    // running elsewhere, whose shuffle files then mix with the re-run's: 2 of 3 runs of
    // tests/distributed.rs `executor_killed_mid_query` answered with too many rows
    // (docs/distributed.md). A clear error beats a wrong answer.
    let watcher = scheduler.clone();
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            // The slots the next query's partitions follow (session_builder).
            slots.store(task_slots(&watcher).await, Ordering::Relaxed);
            if let ClusterStateEvent::RemovedExecutor { executor_id } = event {
                let jobs: Vec<_> = watcher
                    .state
                    .task_manager
                    .get_running_job_cache()
                    .keys()
                    .cloned()
                    .collect();
                for job in jobs {
                    log::warn!("executor {executor_id} lost: cancelling job {job}");
                    let _ = watcher.cancel_job(job).await;
                }
            }
        }
    });
    start_grpc_service(options.bind, scheduler)
        .await
        .map_err(cluster_error)
}

/// How an executor runs (`yusuan cluster executor`).
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's address, `HOST:PORT` or `df://HOST:PORT`.
    pub scheduler: String,
    /// Tasks it runs at once (0 = one per core).
    pub concurrent_tasks: usize,
    /// The address it listens on for shuffle reads (Arrow Flight); the next port is its
    /// gRPC port.
    pub bind: SocketAddr,
    /// The host name other nodes reach it by, when not the bind address.
    pub external_host: Option<String>,
    /// Shuffle and spill files; removed when the executor ends.
    pub work_dir: PathBuf,
    /// Memory for its tasks together (shared among the concurrent tasks); `None` = 70 % of
    /// the machine's.
    pub memory_limit: Option<u64>,
    /// Seconds between heartbeats to the scheduler.
    pub heartbeat: u64,
}

/// Runs an executor until the process ends (or the scheduler stops it).
pub async fn run_executor(options: &ExecutorOptions) -> Result<()> {
    let address = scheduler_address(&options.scheduler)?;
    let (host, port) = address.rsplit_once(':').expect("HOST:PORT");
    let port: u16 = port.parse().expect("checked");
    let grpc_port = options
        .bind
        .port()
        .checked_add(1)
        .ok_or_else(|| Error::Cluster {
            location: format!("executor {}", options.bind),
            reason: "the bind port must leave room for the gRPC port after it".into(),
        })?;
    let config = ExecutorProcessConfig {
        bind_host: options.bind.ip().to_string(),
        // Advertised to the scheduler and the other nodes: the bind address, unless it
        // is a wildcard (then the scheduler uses the address the executor calls from).
        external_host: options.external_host.clone().or_else(|| {
            (!options.bind.ip().is_unspecified()).then(|| options.bind.ip().to_string())
        }),
        port: options.bind.port(),
        grpc_port,
        scheduler_host: host.to_string(),
        scheduler_port: port,
        // Started together with the scheduler (a compose file, a script): wait for it.
        scheduler_connect_timeout_seconds: 30,
        vcores: options.concurrent_tasks,
        task_scheduling_policy: ballista_core::config::TaskSchedulingPolicy::PullStaged,
        work_dir: Some(options.work_dir.display().to_string()),
        memory_pool_size: options.memory_limit,
        executor_heartbeat_interval_seconds: options.heartbeat,
        // Shuffle files of finished jobs go after an hour, checked every minute.
        job_data_ttl_seconds: 3600,
        job_data_clean_up_interval_seconds: 60,
        override_function_registry: Some(Arc::new(function_registry())),
        override_config_producer: Some(config_producer()),
        override_runtime_producer: Some(runtime_producer(options.work_dir.clone())),
        override_logical_codec: Some(Arc::new(YusuanLogicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| Error::Cluster {
            location: format!("executor {} (scheduler {address})", options.bind),
            reason: e.to_string(),
        })
}

// ---------------------------------------------------------------------------------------
// In-process.

/// A scheduler and executors inside this process, on loopback ports the system picks:
/// what `yusuan cluster scheduler` and `executor` run, without separate processes (for
/// tests and benchmarks). Lives as long as the process's tokio runtime.
pub struct InProcessCluster {
    /// `df://127.0.0.1:PORT`.
    pub url: String,
    _work: Vec<crate::temp::TempPath>,
}

impl InProcessCluster {
    /// Starts a scheduler and `executors` executors of `concurrent_tasks` tasks each.
    pub async fn start(executors: usize, concurrent_tasks: usize) -> Result<InProcessCluster> {
        let location = "in-process cluster".to_string();
        let error = |e: ballista_core::error::BallistaError| Error::Cluster {
            location: location.clone(),
            reason: e.to_string(),
        };
        let slots = executors.max(1) * concurrent_tasks.max(1);
        let addr = ballista_scheduler::standalone::new_standalone_scheduler_with_builder(
            session_builder(Arc::new(AtomicUsize::new(slots))),
            config_producer(),
            codec(),
        )
        .await
        .map_err(error)?;
        let url = format!("http://127.0.0.1:{}", addr.port());
        let mut client = None;
        for _ in 0..100 {
            match SchedulerGrpcClient::connect(url.clone()).await {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        let client = client.ok_or_else(|| Error::Cluster {
            location: location.clone(),
            reason: format!("the scheduler at {url} did not answer"),
        })?;
        let mut work = Vec::new();
        for i in 0..executors {
            let dir = std::env::temp_dir().join(format!(
                "yusuan-executor-{}-{}-{i}",
                std::process::id(),
                addr.port()
            ));
            let guard = crate::temp::TempPath::register(&dir);
            std::fs::create_dir_all(&dir)
                .map_err(|e| Error::io("creating an executor's work folder", &dir, e))?;
            ballista_executor::new_standalone_executor_from_builder(
                client.clone(),
                concurrent_tasks.max(1),
                config_producer(),
                runtime_producer(dir),
                codec(),
                function_registry(),
            )
            .await
            .map_err(error)?;
            work.push(guard);
        }
        Ok(InProcessCluster {
            url: format!("df://127.0.0.1:{}", addr.port()),
            _work: work,
        })
    }
}
