//! `yusuan report validate|run`: check a report definition without running it, or run it
//! into a published folder (`yusuan::report`). Progress on a terminal, quiet when piped;
//! errors name the report, the section or file and line, and the reason (exit 2).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use yusuan::engine::Engine;
use yusuan::report::{self, Overrides, Step};

use super::{DataArg, EngineArgs, Status};

/// `yusuan report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Check a report definition without running it: the TOML, every query plans with its
    /// parameters bound, every chart's columns exist.
    #[command(after_help = "Examples:
  yusuan report validate reports/overview
  yusuan report validate --data /srv/budgets reports/district --param region=上海市普陀区
Exit 0 when valid, 2 with the file and line of the first problem.")]
    Validate(ValidateArgs),
    /// Run a report: HTML with charts, CSV (UTF-8 with BOM), Parquet, xlsx and a Markdown
    /// summary in OUT/<name>/<timestamp>/, then OUT/<name>/latest points at it.
    #[command(after_help = "Examples:
  yusuan report run reports/overview --out out/
  yusuan report run reports/district --data /srv/budgets --out /srv/www/reports
  yusuan report run reports/unit_profile --out out/ --param unit=\"上海市普陀区财政局\"
  xdg-open out/overview/latest/index.html
A run writes into a hidden folder beside the others and renames it into place: a run that
fails leaves `latest` and every earlier run as they were, and exits 2 naming the report,
the section and the reason. The same dataset version and parameters give the same files,
byte for byte (run.json records the time).")]
    Run(RunArgs),
}

/// Parses `name=value`.
fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("'{s}' is not NAME=VALUE")),
    }
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// A parameter value, overriding its default (repeatable). Values are bound as data.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// The report folder (holding report.toml).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Where runs are published: OUT/<report name>/<timestamp>/ and OUT/<report name>/latest.
    #[arg(long, value_name = "OUT")]
    pub out: PathBuf,
    /// A parameter value, overriding its default (repeatable). Values are bound as data.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// Print only errors.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The report folder (holding report.toml).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

pub async fn run(args: ReportArgs) -> anyhow::Result<Status> {
    match args.command {
        ReportCommand::Validate(a) => validate(a).await,
        ReportCommand::Run(a) => {
            let outcome =
                run_report(&a.dir, &a.data, &a.out, &a.params, &a.engine, !a.quiet).await?;
            if !a.quiet {
                println!("{}", outcome.folder.display());
            }
            Ok(Status::Ok)
        }
    }
}

async fn validate(args: ValidateArgs) -> anyhow::Result<Status> {
    let report = report::load(&args.dir)?;
    let data = super::sql::resolve_data(&args.data)?;
    let engine = Engine::open(&data)
        .await
        .with_context(|| format!("opening {}", data.display()))?;
    let schemas = report::execute::validate(&report, &engine, &args.params).await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: valid — {} parameter(s), {} section(s){}",
        args.dir.display(),
        report.params.len(),
        report.sections.len(),
        report
            .per
            .as_ref()
            .map(|p| format!(", one page per {p}"))
            .unwrap_or_default()
    )?;
    for (s, schema) in report.sections.iter().zip(&schemas) {
        let cols: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        writeln!(
            out,
            "  {}: {}{}",
            s.id,
            cols.join(", "),
            s.chart
                .as_ref()
                .map(|c| format!("  [{} chart]", c.kind))
                .unwrap_or_default()
        )?;
    }
    Ok(Status::Ok)
}

/// Runs one report (also the scheduler's report job). `progress` shows a line on a terminal.
pub async fn run_report(
    dir: &Path,
    data: &DataArg,
    out: &Path,
    params: &Overrides,
    engine_args: &EngineArgs,
    progress: bool,
) -> anyhow::Result<report::RunOutcome> {
    let report = report::load(dir)?;
    let data = super::sql::resolve_data(data)?;
    let engine = Engine::open_with(&data, &engine_args.options())
        .await
        .with_context(|| format!("opening {}", data.display()))?;
    let show = progress && std::io::stderr().is_terminal();
    let mut tick = |step: Step<'_>| {
        if show {
            let Step::Query { section, n, of } = step;
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[2K[{n}/{of}] {} {section}", report.name);
            let _ = e.flush();
        }
    };
    let outcome = report::run(&report, &engine, out, params, &mut tick).await;
    if show {
        eprint!("\r\x1b[2K");
    }
    let outcome = outcome?;
    if progress && std::io::stderr().is_terminal() {
        eprintln!(
            "{}: {} section(s), {} row(s){}, {} file(s)",
            report.name,
            outcome.sections.len(),
            outcome.rows,
            if outcome.pages > 0 {
                format!(", {} page(s)", outcome.pages)
            } else {
                String::new()
            },
            outcome.files.len()
        );
    }
    Ok(outcome)
}
