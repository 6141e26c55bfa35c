//! The application edge: command-line parsing, progress, printing and exit codes. The
//! only code that prints or uses `anyhow`; everything it does goes through the library.

mod check;
mod cluster;
mod dataset;
mod generate;
mod ingest;
mod print;
mod report;
mod sample;
mod schedule;
mod shell;
mod sql;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use print::Format;

/// yusuan (预算): query Chinese public-sector budget disclosures with SQL.
#[derive(Debug, Parser)]
#[command(name = "yusuan", version, about, long_about = None)]
#[command(after_help = "Examples:
  yusuan sql -c \"select unit_name, year, wan(income_total) from budget_totals\"
  yusuan ingest --data ./yusuan-data datasets/text/
  yusuan sql --data ./yusuan-data")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read disclosure files into the dataset (one commit: a new dataset version).
    #[command(after_help = "Examples:
  yusuan ingest datasets/text/
  yusuan ingest --data /srv/budgets --year 2024 --region 河南省洛阳市洛龙区 unit.txt
  yusuan ingest --data /srv/budgets -m \"2025年预算公开 第二批\" downloads/
  yusuan ingest --max-seconds 30 --max-file-size 64MiB untrusted/
Each run is one atomic commit (a dataset version: `yusuan history`); any number of ingests,
checks and queries may run at once. Re-ingesting a file replaces its rows; a document is
known by its content and its canonical path (symbolic links resolved), so the same bytes
are stored once. Warnings name the source line; they are stored in the ingest_warnings
table. A path that cannot be used (missing, unreadable, a FIFO or device) and a file that
passes a limit are reported and skipped; the others are committed and the run exits 2.")]
    Ingest(IngestArgs),
    /// Run SQL over the dataset: -c/-f statements, or an interactive shell.
    #[command(after_help = "Examples:
  yusuan sql -c \"select * from budget_totals\"
  yusuan sql -c \"select function_code, function_name, wan(total) from gpb_by_function\" --format csv
  yusuan sql -f queries/report.sql --format markdown
  yusuan sql                      # interactive shell; statements end with ';'
  yusuan sql --as-of 3 -c \"select unit_name, year from documents\"   # as it was at version 3
  yusuan sql --as-of 2026-06-30 -c \"select count(*) from documents\"  # as it was that day
Without --data (and without $YUSUAN_DATA), ./yusuan-data is used if it holds a dataset,
else the bundled sample (datasets/), ingested on first use into a cache directory.")]
    Sql(SqlArgs),
    /// Run the reconciliation checks (勾稽关系) over every document at once.
    #[command(after_help = "Examples:
  yusuan check                                 # the bundled sample
  yusuan check --data /srv/budgets --format csv > findings.csv
  yusuan check --only BAL-001,HIE-001 --fail-on warning
  yusuan check --rules my-rules/               # plus user rules (*.sql)
  yusuan check --only HIE-001 --show-sql       # the query a rule runs, without running it
Exit 0 when nothing at or above --fail-on (default error) fails, 1 when something does,
2 on an error. Findings are stored as the check_results table (yusuan sql -c \"select * from check_results\").")]
    Check(check::CheckArgs),
    /// Generate a realistic synthetic dataset (districts × units × years), optionally
    /// with planted errors for scoring the checks.
    #[command(after_help = "Examples:
  yusuan gen --out /tmp/budgets --districts 20 --units 100 --years 2015-2024
  yusuan gen --out /tmp/scored --districts 2 --units 30 --years 2023-2024 --inject-errors 0.2
  yusuan check --data /tmp/scored --format csv
  yusuan sql --data /tmp/scored -c \"select kind, count(*) from injected_errors group by kind\"
Writes the dataset ingest would write for 13-table 单位预算 documents in the Henan
layout (about 400 line items per document), deterministic for a seed. The directory is
built beside the target and renamed into place when complete.")]
    Gen(generate::GenArgs),
    /// List the dataset's versions: what each commit did, when, by whom.
    #[command(after_help = "Examples:
  yusuan history --data /srv/budgets
  yusuan history -n 5 -v                       # the latest five, with their documents
  yusuan sql --data /srv/budgets --as-of 3 -c \"select unit_name, year from documents\"
Every ingest, check, compact and upgrade makes a version; `sql --as-of VERSION|TIME`
queries the dataset as it was then (until `vacuum` removes the files it needs).")]
    History(dataset::HistoryArgs),
    /// Merge each table partition's files back into one, sorted and clustered.
    #[command(after_help = "Examples:
  yusuan compact --data /srv/budgets
  yusuan vacuum --data /srv/budgets            # then delete what compact replaced (7 days on)
Every commit adds files; after many small commits, compact restores the layout the query
engine is tuned for (one file per table and year). Queries and commits may run meanwhile;
the content does not change (a new version), and old files stay until `vacuum`.")]
    Compact(dataset::CompactArgs),
    /// Delete data files no recent version needs (replaced, compacted, or never committed).
    #[command(after_help = "Examples:
  yusuan vacuum --data /srv/budgets            # files unneeded for 7 days
  yusuan vacuum --data /srv/budgets --retain 0s --force
Files are kept as long as a version committed within --retain needs them, so readers and
`sql --as-of` of those versions keep working; older versions fail naming the missing file.")]
    Vacuum(dataset::VacuumArgs),
    /// Upgrade a dataset written before Delta tables in place (no data is copied).
    #[command(after_help = "Examples:
  yusuan upgrade --data /srv/budgets
Makes each table a Delta table whose first version names the Parquet files already there.")]
    Upgrade(dataset::UpgradeArgs),
    /// Reports as code: validate a report definition, or run it into HTML, CSV, Parquet,
    /// xlsx and Markdown files (docs/reports.md).
    #[command(after_help = "Examples:
  yusuan report validate reports/overview
  yusuan report run reports/overview --out out/
  yusuan report run reports/district --data /srv/budgets --out out/ --param year=2024
  yusuan schedule --config schedule.toml --data /srv/budgets    # run them on a timetable")]
    Report(report::ReportArgs),
    /// Run report, check and ingest jobs on cron expressions until stopped (Ctrl-C,
    /// SIGTERM), or every job once with --once.
    #[command(after_help = "Examples:
  yusuan schedule --config schedule.toml --data /srv/budgets
  yusuan schedule --config schedule.toml --data /srv/budgets --once    # from cron/systemd
  yusuan sql --data /srv/budgets -c \"select * from job_runs order by started desc limit 20\"
schedule.toml holds [[job]] tables: name, cron (5 or 6 fields, seconds first; @daily …),
time_zone (default Asia/Shanghai), catch_up, and one of report = \"DIR\" (with params and
out), check = true, or ingest = \"DIR\" (files new since the job's last run). Each run is
logged to stderr and to the dataset's job_runs table; a job never overlaps itself.")]
    Schedule(schedule::ScheduleArgs),
    /// Show the text layer of a PDF as yusuan reads it: lines and spans with x-positions.
    #[command(after_help = "Examples:
  yusuan pdf-lines datasets/pdf/shanghai/普陀区财政局/上海市普陀区财政局2025年部门预算.pdf --page 10
  yusuan pdf-lines --page 10 --rules FILE.pdf     (also the page's table borders)
  yusuan pdf-lines --tables FILE.pdf              (each table as read)
For writing golden files and diagnosing layouts: every span with its x-range in PDF points.")]
    PdfLines(PdfLinesArgs),
    /// Run a scheduler or an executor of an Apache DataFusion Ballista cluster that knows
    /// yusuan's functions; then `sql`, `check` and `report run` take --cluster
    /// (docs/distributed.md; needs the `distributed` build).
    #[command(after_help = "Examples:
  yusuan cluster scheduler --bind 127.0.0.1:50050
  yusuan cluster executor --scheduler df://127.0.0.1:50050 --bind 127.0.0.1:50051
  yusuan cluster executor --scheduler df://127.0.0.1:50050 --bind 127.0.0.1:50061
  yusuan sql --data /shared/budgets --cluster df://127.0.0.1:50050 -c \"select count(*) from line_items\"
  yusuan check --data /shared/budgets --cluster df://127.0.0.1:50050
The dataset must be at the same path on the client and every node (a shared mount).")]
    Cluster(cluster::ClusterArgs),
}

/// `yusuan pdf-lines`.
#[derive(Debug, clap::Args)]
pub struct PdfLinesArgs {
    /// Only this page (1-based).
    #[arg(long)]
    pub page: Option<u32>,
    /// Show the tables as read instead: title, header columns, and each row's cells.
    #[arg(long)]
    pub tables: bool,
    /// Also list each page's rules (horizontal and vertical lines: table borders).
    #[arg(long)]
    pub rules: bool,
    /// The PDF file.
    pub file: PathBuf,
}

/// Where the dataset is.
#[derive(Debug, Default, clap::Args)]
pub struct DataArg {
    /// Dataset directory [default: $YUSUAN_DATA, else ./yusuan-data]
    #[arg(long, value_name = "DIR", env = "YUSUAN_DATA")]
    pub data: Option<PathBuf>,
}

/// `yusuan ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Budget year, when the document does not state it (or states it wrongly), 1990–2100.
    #[arg(long, value_parser = clap::value_parser!(i32).range(1990..=2100))]
    pub year: Option<i32>,
    /// Region name (e.g. 河南省洛阳市洛龙区), overriding what the document implies.
    #[arg(long)]
    pub region: Option<String>,
    /// Print only errors (no per-document summary, no warnings).
    #[arg(short, long)]
    pub quiet: bool,
    /// A message recorded with the commit (shown by `yusuan history`).
    #[arg(short, long)]
    pub message: Option<String>,
    /// Files or directories (searched recursively for .txt/.md/.pdf).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// What one file may cost to read; a file that passes a limit is refused with the limit
/// named and the batch goes on. The defaults leave every real disclosure far inside.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Limits per file")]
pub struct LimitArgs {
    /// The largest file read [default: 256MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size_u64)]
    pub max_file_size: Option<u64>,
    /// Time to read one file, in seconds [default: 120].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub max_seconds: Option<std::time::Duration>,
    /// Pages of one PDF [default: 10000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_pages: Option<u64>,
    /// Objects of one PDF [default: 2000000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_objects: Option<u64>,
    /// Bytes one compressed PDF stream may decode to [default: 256MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size_u64)]
    pub max_stream_size: Option<u64>,
    /// Drawing operations of one PDF page, nested forms counted each time drawn [default: 1000000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_page_operations: Option<u64>,
    /// Text-showing operations of one PDF page [default: 500000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_page_text_runs: Option<u64>,
    /// Glyphs one PDF page may draw [default: 1000000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_page_glyphs: Option<u64>,
}

impl LimitArgs {
    pub fn limits(&self) -> yusuan::ingest::limits::Limits {
        let d = yusuan::ingest::limits::Limits::default();
        let n = |v: Option<u64>, default: usize| v.map_or(default, |v| v as usize);
        yusuan::ingest::limits::Limits {
            max_file_bytes: self.max_file_size.unwrap_or(d.max_file_bytes),
            max_time: self.max_seconds.unwrap_or(d.max_time),
            max_pages: n(self.max_pages, d.max_pages),
            max_objects: n(self.max_objects, d.max_objects),
            max_stream_bytes: n(self.max_stream_size, d.max_stream_bytes),
            max_page_operations: n(self.max_page_operations, d.max_page_operations),
            max_page_text_runs: n(self.max_page_text_runs, d.max_page_text_runs),
            max_page_glyphs: n(self.max_page_glyphs, d.max_page_glyphs),
        }
    }
}

fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    let v: f64 = s
        .trim()
        .trim_end_matches('s')
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds such as 30 or 0.5"))?;
    if !(v > 0.0 && v <= 86_400.0) {
        return Err(format!(
            "'{s}': expected more than 0 and at most 86400 seconds"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(v))
}

fn parse_size_u64(s: &str) -> Result<u64, String> {
    yusuan::ingest::limits::parse_size(s)
}

/// `yusuan sql`.
#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Run this statement (repeatable; several statements may be separated by ';').
    /// The statement may start with a `--` comment.
    #[arg(
        short = 'c',
        long = "command",
        value_name = "SQL",
        allow_hyphen_values = true
    )]
    pub commands: Vec<String>,
    /// Run the statements in this file (repeatable).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Query the dataset as it was: a version number of `yusuan history`, or a time
    /// (2026-12-06T10:00:00+08:00, "2026-12-06 10:00" or 2026-12-06, local time) — the
    /// latest version committed then.
    #[arg(long, value_name = "VERSION|TIME", value_parser = parse_as_of)]
    pub as_of: Option<yusuan::storage::AsOf>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Parses `--as-of`: a version number or a time.
fn parse_as_of(s: &str) -> Result<yusuan::storage::AsOf, String> {
    use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone};
    use yusuan::storage::AsOf;
    let s = s.trim();
    if let Ok(v) = s.parse::<u64>() {
        return Ok(AsOf::Version(v));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(AsOf::Timestamp(t.timestamp_millis()));
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(23, 59, 59))
    });
    match naive.and_then(|n| Local.from_local_datetime(&n).earliest()) {
        Some(t) => Ok(AsOf::Timestamp(t.timestamp_millis())),
        None => Err(format!(
            "'{s}' is neither a version number nor a time such as 2026-12-06, \"2026-12-06 10:00\" or 2026-12-06T10:00:00+08:00"
        )),
    }
}

/// Query execution settings (`sql`, `check`).
#[derive(Debug, Default, clap::Args)]
pub struct EngineArgs {
    /// Memory limit for query execution, e.g. 512M or 2G (spills when exceeded).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<usize>,
    /// Number of threads (partitions) queries use, 1–1024 [default: one per core; with
    /// --cluster, tasks per stage, default one per task slot of the cluster's executors].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// The most a query may spill to disk, e.g. 50G; a query that needs more fails,
    /// naming the bound [default: 16G].
    #[arg(long, value_name = "SIZE", value_parser = parse_size_u64)]
    pub max_spill_size: Option<u64>,
    /// Where spill files go: a folder of this process's own in DIR, removed when it ends
    /// (also on Ctrl-C) [default: the system's temporary directory].
    #[arg(long, value_name = "DIR")]
    pub temp_dir: Option<PathBuf>,
    /// Run the queries on an Apache DataFusion Ballista cluster: its scheduler's address
    /// (`yusuan cluster scheduler`). The dataset must be at the same path on every node.
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
}

impl EngineArgs {
    pub fn options(&self) -> yusuan::engine::EngineOptions {
        yusuan::engine::EngineOptions {
            memory_limit: self.memory_limit,
            threads: self.threads.map(usize::from),
            as_of: None,
            max_spill: self.max_spill_size,
            temp_dir: self.temp_dir.clone(),
            cluster: self.cluster.clone(),
        }
    }
}

fn parse_size(s: &str) -> Result<usize, String> {
    yusuan::ingest::limits::parse_size(s).map(|n| n as usize)
}

/// How a successful run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Something failed but the run went on (exit 2).
    Failed,
    /// `check` found failures at or above `--fail-on` (exit 1).
    Findings,
}

impl Cli {
    /// Whether the command answers Ctrl-C itself: the interactive shell (which cancels
    /// the running statement) and `schedule` (which finishes the job running).
    pub fn handles_interrupts(&self) -> bool {
        match &self.command {
            Command::Schedule(_) => true,
            Command::Sql(a) => a.commands.is_empty() && a.files.is_empty(),
            Command::Cluster(a) => a.handles_interrupts(),
            _ => false,
        }
    }
}

/// Runs one command.
pub async fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Ingest(args) => ingest::run(args).await,
        Command::Sql(args) => sql::run(args).await,
        Command::Check(args) => check::run(args).await,
        Command::Gen(args) => generate::run(args),
        Command::Report(args) => report::run(args).await,
        Command::Schedule(args) => schedule::run(args).await,
        Command::PdfLines(args) => pdf_lines(&args),
        Command::History(args) => dataset::history(&args),
        Command::Compact(args) => dataset::compact(&args),
        Command::Vacuum(args) => dataset::vacuum(&args),
        Command::Upgrade(args) => dataset::upgrade(&args),
        Command::Cluster(args) => cluster::run(args).await,
    }
}

/// An error and its causes on one line, leaving out causes whose text the error already
/// repeats (DataFusion errors include their source in their own message).
pub fn render_error(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    // A cluster job stopped by its scheduler (`engine::cluster`: an executor was lost).
    if out.contains("failed: Cancelled") {
        out.push_str(
            " (the cluster stopped the query: an executor was lost while it ran, or the job was cancelled; run it again — docs/distributed.md)",
        );
    }
    out
}

fn pdf_lines(args: &PdfLinesArgs) -> anyhow::Result<Status> {
    use std::io::Write;
    let bytes = std::fs::read(&args.file)?;
    let mut out = std::io::stdout().lock();
    if args.tables {
        for t in yusuan::ingest::pdf::raw_tables(&args.file, &bytes)? {
            writeln!(
                out,
                "== table {} line {}: {} ({}, {})",
                t.table_no,
                t.title_line,
                t.title,
                t.kind.as_str(),
                t.unit.label()
            )?;
            writeln!(out, "   header: {}", t.header.join(" | "))?;
            let cols: Vec<&str> = t.columns.columns.iter().map(|c| c.key).collect();
            writeln!(out, "   amount columns: {}", cols.join(", "))?;
            for l in &t.data {
                // (The level its indentation gives a name printed without a code.)
                let depth = l
                    .depth
                    .map(|d| format!("  ‹level {}›", d + 1))
                    .unwrap_or_default();
                writeln!(out, "   {:>5}: {}{depth}", l.line, l.cells.join(" | "))?;
            }
        }
        return Ok(Status::Ok);
    }
    let pages = yusuan::ingest::pdf::read_pages(&args.file, &bytes)?;
    // Lines are numbered through the document: warnings and `source_line` use these numbers.
    let mut no = 0;
    for page in &pages {
        let lines = yusuan::ingest::pdf::page_lines(page);
        if args.page.is_some_and(|n| n != page.number) {
            no += lines.len();
            continue;
        }
        for line in lines {
            no += 1;
            let spans: Vec<String> = line
                .spans
                .iter()
                .map(|s| format!("[{:.0}-{:.0}] {}", s.x0, s.x1, s.text))
                .collect();
            writeln!(
                out,
                "{no:>5} p{} y{:.1} s{:.1}: {}",
                line.page,
                line.y,
                line.size,
                spans.join("  ")
            )?;
        }
        if args.rules {
            for r in &page.rules {
                let (dir, at, from, to) = if r.is_horizontal() {
                    ("-", r.y0, r.x0, r.x1)
                } else {
                    ("|", r.x0, r.y0, r.y1)
                };
                writeln!(
                    out,
                    "      p{} rule {dir} at {at:.1} from {from:.1} to {to:.1}",
                    page.number
                )?;
            }
        }
    }
    Ok(Status::Ok)
}

/// The default dataset directory.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from("yusuan-data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
