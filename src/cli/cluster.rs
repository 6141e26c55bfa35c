//! `yusuan cluster scheduler|executor`: the processes of an Apache DataFusion Ballista
//! cluster that knows yusuan's functions and tables (`yusuan::engine::cluster`). Without
//! the `distributed` build the command says how to get it.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::Status;

/// `yusuan cluster`.
#[derive(Debug, clap::Args)]
pub struct ClusterArgs {
    #[command(subcommand)]
    pub command: ClusterCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ClusterCommand {
    /// Run a scheduler: clients (`--cluster df://HOST:PORT`) send it queries, it plans
    /// them and hands their tasks to executors.
    #[command(after_help = "Examples:
  yusuan cluster scheduler                              # 127.0.0.1:50050
  yusuan cluster scheduler --bind 0.0.0.0:50050 --external-host sched.lan
Runs until stopped (Ctrl-C, SIGTERM). The ports are unauthenticated: bind beyond loopback
only on a trusted network. Logs warnings to stderr (RUST_LOG=info for more).")]
    Scheduler(SchedulerArgs),
    /// Run an executor: it registers with the scheduler and runs query tasks, reading the
    /// dataset at the path the client names (every node must see it there).
    #[command(after_help = "Examples:
  yusuan cluster executor --scheduler df://127.0.0.1:50050
  yusuan cluster executor --scheduler df://sched.lan:50050 --bind 0.0.0.0:50051 \\
      --external-host node1.lan --concurrent-tasks 8 --memory-limit 16G
  yusuan cluster executor --scheduler df://127.0.0.1:50050 --bind 127.0.0.1:50061   # a second one on this host
Uses two ports: --bind's (shuffle reads, Arrow Flight) and the next one (gRPC). Runs until
stopped (Ctrl-C, SIGTERM: it tells the scheduler and removes its work folder).")]
    Executor(ExecutorArgs),
}

/// `yusuan cluster scheduler`.
#[derive(Debug, clap::Args)]
pub struct SchedulerArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:50050")]
    pub bind: SocketAddr,
    /// Host name clients and executors reach this scheduler by [default: the bind address].
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Seconds without a heartbeat after which an executor is taken for lost and its
    /// tasks are run elsewhere (5–3600).
    #[arg(long, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub executor_timeout: u64,
}

/// `yusuan cluster executor`.
#[derive(Debug, clap::Args)]
pub struct ExecutorArgs {
    /// The scheduler's address.
    #[arg(long, value_name = "df://HOST:PORT")]
    pub scheduler: String,
    /// Tasks run at once, 1–1024 [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrent_tasks: Option<u16>,
    /// Address for shuffle reads; the gRPC port is the next one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:50051")]
    pub bind: SocketAddr,
    /// Host name other nodes reach this executor by [default: the bind address].
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Folder for shuffle and spill files [default: a folder of this process's own in
    /// the system's temporary directory, removed when it ends].
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Memory for all running tasks together, e.g. 8G (tasks spill beyond their share)
    /// [default: 70 % of the machine's memory].
    #[arg(long, value_name = "SIZE", value_parser = super::parse_size_u64)]
    pub memory_limit: Option<u64>,
    /// Seconds between heartbeats to the scheduler (1–600; keep it well under the
    /// scheduler's --executor-timeout).
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub heartbeat: u64,
}

impl ClusterArgs {
    /// An executor answers Ctrl-C and SIGTERM itself: it tells the scheduler, then ends.
    pub fn handles_interrupts(&self) -> bool {
        matches!(self.command, ClusterCommand::Executor(_))
    }
}

#[cfg(feature = "distributed")]
pub async fn run(args: ClusterArgs) -> anyhow::Result<Status> {
    use yusuan::engine::cluster;
    // Ballista's own log records (warnings and up unless RUST_LOG says otherwise).
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .target(env_logger::Target::Stderr)
        .try_init();
    match args.command {
        ClusterCommand::Scheduler(a) => {
            eprintln!(
                "yusuan: scheduler listening on {}; clients use --cluster df://{}:{}",
                a.bind,
                a.external_host
                    .as_deref()
                    .unwrap_or(&a.bind.ip().to_string()),
                a.bind.port()
            );
            cluster::run_scheduler(&cluster::SchedulerOptions {
                bind: a.bind,
                external_host: a.external_host,
                executor_timeout: a.executor_timeout,
            })
            .await?;
        }
        ClusterCommand::Executor(a) => {
            let (work_dir, _guard) = match a.work_dir {
                Some(d) => (d, None),
                None => {
                    let d = std::env::temp_dir()
                        .join(format!("yusuan-executor-{}", std::process::id()));
                    let guard = yusuan::temp::TempPath::register(&d);
                    (d, Some(guard))
                }
            };
            std::fs::create_dir_all(&work_dir).map_err(|e| {
                anyhow::anyhow!("creating the work folder {}: {e}", work_dir.display())
            })?;
            eprintln!(
                "yusuan: executor on {} (gRPC port {}), scheduler {}, work folder {}",
                a.bind,
                a.bind.port().wrapping_add(1),
                a.scheduler,
                work_dir.display()
            );
            cluster::run_executor(&cluster::ExecutorOptions {
                scheduler: a.scheduler,
                concurrent_tasks: a.concurrent_tasks.map_or(0, usize::from),
                bind: a.bind,
                external_host: a.external_host,
                work_dir,
                memory_limit: a.memory_limit,
                heartbeat: a.heartbeat,
            })
            .await?;
        }
    }
    Ok(Status::Ok)
}

#[cfg(not(feature = "distributed"))]
pub async fn run(_: ClusterArgs) -> anyhow::Result<Status> {
    anyhow::bail!(
        "this yusuan was built without the `distributed` feature; build it with `cargo build --release --features distributed` (docs/distributed.md)"
    )
}
