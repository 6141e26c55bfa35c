//! `yusuan schedule`: a long-running process that runs report, check and ingest jobs on
//! cron expressions (`yusuan::schedule`), one task per job on the tokio runtime, so one
//! job never overlaps itself (a due time that passes while its run is going is logged as
//! skipped) and a failing job does not stop the others. Each run is logged to stderr and
//! appended to the dataset's `job_runs` table. Ctrl-C / SIGTERM: running jobs finish, the
//! process exits 0. `--once` runs every job now and exits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context;
use chrono::{DateTime, Utc};
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::TimestampMillisecondType;
use datafusion::common::ScalarValue;
use tokio::sync::watch;
use yusuan::engine::Engine;
use yusuan::ingest::{Overrides, collect_inputs};
use yusuan::schedule::{Job, JobRun, Task, job_runs_batch};
use yusuan::storage::{CommitInfo, Dataset, JOB_RUNS};

use super::{DataArg, EngineArgs, Status};

/// `yusuan schedule`.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// The schedule: [[job]] tables with name, cron, and report/check/ingest (docs/reports.md).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Run every job once now, in order, and exit (for cron, systemd timers, Task Scheduler):
    /// exit 2 when a job failed.
    #[arg(long)]
    pub once: bool,
}

fn log(line: &str) {
    eprintln!("yusuan schedule: {line}");
}

/// The dataset the jobs use: `--data`/`$YUSUAN_DATA` as given (an ingest job may create
/// it), else what `sql` would read.
fn data_dir(arg: &DataArg) -> anyhow::Result<PathBuf> {
    match &arg.data {
        Some(d) => Ok(d.clone()),
        None => super::sql::resolve_data(arg),
    }
}

/// The start of the job's last run (with `outcome`, when given) in `job_runs`.
async fn last_start(data: &Path, job: &str, outcome: Option<&str>) -> Option<DateTime<Utc>> {
    if !Dataset::exists(data) {
        return None;
    }
    let engine = Engine::open(data).await.ok()?;
    engine.context().table_exist(JOB_RUNS).ok()?.then_some(())?;
    let mut values = BTreeMap::new();
    values.insert("job".to_string(), ScalarValue::from(job));
    values.insert(
        "outcome".to_string(),
        ScalarValue::Utf8(outcome.map(str::to_string)),
    );
    let sql = "SELECT max(started) FROM job_runs WHERE job = $job AND ($outcome IS NULL OR outcome = $outcome) AND outcome <> 'skipped'";
    let df = yusuan::report::execute::plan(&engine, sql, &values)
        .await
        .ok()?;
    let batches = df.collect().await.ok()?;
    let col = batches.first()?.column(0);
    if col.is_null(0) {
        return None;
    }
    let ms = col.as_primitive::<TimestampMillisecondType>().value(0);
    DateTime::from_timestamp_millis(ms)
}

/// Runs one job for its due time `scheduled`; never fails (the failure is the outcome).
async fn run_job(job: &Job, data: &Path, scheduled: DateTime<Utc>) -> JobRun {
    let started = Utc::now();
    let result: anyhow::Result<(Option<i64>, Option<String>, Option<String>)> = async {
        match &job.task {
            Task::Report { dir, out, params } => {
                let arg = DataArg {
                    data: Some(data.to_path_buf()),
                };
                let o = super::report::run_report(
                    dir,
                    &arg,
                    out,
                    params,
                    &EngineArgs::default(),
                    false,
                )
                .await?;
                Ok((
                    Some(o.rows as i64),
                    Some(o.folder.display().to_string()),
                    None,
                ))
            }
            Task::Check => {
                let n = super::check::run_and_store(data).await?;
                Ok((Some(n as i64), None, None))
            }
            Task::Ingest { dir } => {
                // Files changed since the job's last successful run (all, the first time).
                let since = last_start(data, &job.name, Some("ok")).await;
                let inputs = collect_inputs(std::slice::from_ref(dir));
                // (The folder itself missing fails the run; a path in it that cannot be
                // used is counted with the files that could not be read.)
                let unusable = inputs.problems.len();
                if inputs.files.is_empty()
                    && let Some(e) = inputs.problems.into_iter().next()
                {
                    return Err(e.into());
                }
                let files: Vec<PathBuf> = inputs
                    .files
                    .into_iter()
                    .filter(|f| {
                        let modified = std::fs::metadata(f)
                            .and_then(|m| m.modified())
                            .unwrap_or(SystemTime::now());
                        since.is_none_or(|s| DateTime::<Utc>::from(modified) >= s)
                    })
                    .collect();
                if files.is_empty() {
                    return Ok((Some(0), None, Some("no new files".into())));
                }
                // Parsing and the commit (which may wait for another writer's lock) run
                // off the runtime's threads.
                let (name, data) = (job.name.clone(), data.to_path_buf());
                tokio::task::spawn_blocking(move || {
                    let (docs, failed) = super::ingest::parse_all(
                        &files,
                        &Overrides::default(),
                        &Default::default(),
                        false,
                    );
                    let failed = failed + unusable;
                    let note = (failed > 0).then(|| {
                        format!(
                            "{failed} of {} file(s) could not be read (yusuan ingest names why)",
                            files.len() + unusable
                        )
                    });
                    if !docs.is_empty() {
                        let info = CommitInfo {
                            operation: "ingest".into(),
                            message: Some(format!("schedule job {name}")),
                        };
                        Dataset::open_or_create(&data)?
                            .commit_with(&docs, super::ingest::now_micros(), &info)
                            .with_context(|| format!("writing the dataset {}", data.display()))?;
                    }
                    Ok((Some(docs.len() as i64), None, note))
                })
                .await?
            }
        }
    }
    .await;
    let finished = Utc::now();
    let (rows, outcome, output, message) = match result {
        Ok((rows, output, note)) => (rows, "ok", output, note),
        Err(e) => (None, "failed", None, Some(super::render_error(&e))),
    };
    JobRun {
        job: job.name.clone(),
        kind: job.task.kind().into(),
        scheduled,
        started,
        finished,
        rows,
        outcome: outcome.into(),
        output,
        message,
    }
}

/// Logs a run to stderr and appends it to `job_runs` (a warning when that fails); the
/// commit, which may wait for another writer's lock, runs off the runtime's threads.
async fn record(data: &Path, run: &JobRun) {
    let (data, run) = (data.to_path_buf(), run.clone());
    let _ = tokio::task::spawn_blocking(move || record_now(&data, &run)).await;
}

fn record_now(data: &Path, run: &JobRun) {
    log(&run.log_line());
    if !Dataset::exists(data) {
        return;
    }
    let stored = job_runs_batch(std::slice::from_ref(run)).and_then(|batch| {
        Dataset::open(data)?.append_derived(
            JOB_RUNS,
            &batch,
            &CommitInfo {
                operation: "schedule".into(),
                message: Some(format!("job {} {}", run.job, run.outcome)),
            },
        )
    });
    if let Err(e) = stored {
        log(&format!(
            "warning: job {} not recorded in {}: {}",
            run.job,
            JOB_RUNS,
            super::render_error(&anyhow::Error::from(e))
        ));
    }
}

/// One job's loop: catch up if asked, then sleep until each due time and run; a stop
/// request ends the wait at once, never a run.
async fn job_loop(job: Job, data: PathBuf, mut stop: watch::Receiver<bool>) {
    if job.catch_up {
        let last = last_start(&data, &job.name, None).await;
        if let Some(missed) = job.missed(last, Utc::now()) {
            log(&format!(
                "job={} catching up the run due {} (the scheduler was not running)",
                job.name,
                missed.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
            let run = run_job(&job, &data, missed).await;
            record(&data, &run).await;
        }
    }
    let mut after = Utc::now();
    loop {
        if *stop.borrow() {
            return;
        }
        let Some(next) = job.next_after(after) else {
            log(&format!(
                "job={} has no further due time ({})",
                job.name, job.pattern
            ));
            return;
        };
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        let run = run_job(&job, &data, next).await;
        record(&data, &run).await;
        // Due times that came while it ran are skipped, not queued.
        let now = Utc::now();
        let missed = job.due_between(next, now, 100_000);
        if missed > 0 {
            let first = job.next_after(next).unwrap_or(now);
            record(
                &data,
                &JobRun {
                    job: job.name.clone(),
                    kind: job.task.kind().into(),
                    scheduled: first,
                    started: now,
                    finished: now,
                    rows: None,
                    outcome: "skipped".into(),
                    output: None,
                    message: Some(format!(
                        "{missed} due time(s) passed while the run due {} was going",
                        next.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    )),
                },
            )
            .await;
        }
        after = now;
    }
}

/// Resolves when Ctrl-C or SIGTERM arrives.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub async fn run(args: ScheduleArgs) -> anyhow::Result<Status> {
    let schedule = yusuan::schedule::load(&args.config)?;
    let data = data_dir(&args.data)?;
    if args.once {
        let mut failed = 0;
        for job in &schedule.jobs {
            let run = run_job(job, &data, Utc::now()).await;
            record(&data, &run).await;
            failed += usize::from(run.outcome == "failed");
        }
        return Ok(if failed > 0 {
            Status::Failed
        } else {
            Status::Ok
        });
    }
    log(&format!(
        "{} job(s) from {} over {}; Ctrl-C or SIGTERM stops (running jobs finish first)",
        schedule.jobs.len(),
        schedule.path.display(),
        data.display()
    ));
    let now = Utc::now();
    for job in &schedule.jobs {
        log(&format!(
            "job={} kind={} cron=\"{}\" time_zone={} next={}",
            job.name,
            job.task.kind(),
            job.pattern,
            job.time_zone,
            job.next_after(now)
                .map(|t| t.with_timezone(&job.time_zone).to_rfc3339())
                .unwrap_or_else(|| "never".into())
        ));
    }
    let (tx, rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for job in schedule.jobs {
        tasks.spawn(job_loop(job, data.clone(), rx.clone()));
    }
    tokio::select! {
        _ = stop_signal() => {
            log("stopping: waiting for running jobs to finish");
            let _ = tx.send(true);
        }
        _ = async { while tasks.join_next().await.is_some() {} } => {}
    }
    while let Some(r) = tasks.join_next().await {
        if let Err(e) = r {
            log(&format!("warning: a job task ended abnormally: {e}"));
        }
    }
    log("stopped");
    Ok(Status::Ok)
}
