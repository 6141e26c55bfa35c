//! The timetable of `yusuan schedule`: `schedule.toml` (jobs, cron expressions, time
//! zone) read and checked, next and missed times computed with `croner` in the job's time
//! zone, and the `job_runs` rows that record each run. Owns no waiting, no running and no
//! signals (the command does that); never writes anything but the rows it is given.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};
use crate::report::definition::{location, parse_toml};

/// The time zone of a schedule that names none.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleToml {
    #[serde(default)]
    time_zone: Option<Spanned<String>>,
    /// Where report jobs publish (relative to the file).
    #[serde(default)]
    out: Option<String>,
    #[serde(default, rename = "job")]
    jobs: Vec<Spanned<JobToml>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobToml {
    name: Spanned<String>,
    cron: Spanned<String>,
    #[serde(default)]
    time_zone: Option<Spanned<String>>,
    #[serde(default)]
    catch_up: bool,
    #[serde(default)]
    report: Option<String>,
    #[serde(default)]
    params: std::collections::BTreeMap<String, toml::Value>,
    #[serde(default)]
    out: Option<String>,
    #[serde(default)]
    check: bool,
    #[serde(default)]
    ingest: Option<String>,
}

/// What a job does.
#[derive(Debug, Clone, PartialEq)]
pub enum Task {
    /// Runs the report in this folder into `out`, with these parameters.
    Report {
        dir: PathBuf,
        out: PathBuf,
        params: Vec<(String, String)>,
    },
    /// Runs the checks and stores the findings.
    Check,
    /// Ingests the disclosure files of this folder that are new since the job's last run.
    Ingest { dir: PathBuf },
}

impl Task {
    pub fn kind(&self) -> &'static str {
        match self {
            Task::Report { .. } => "report",
            Task::Check => "check",
            Task::Ingest { .. } => "ingest",
        }
    }
}

/// One scheduled job.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub cron: Cron,
    pub pattern: String,
    pub time_zone: Tz,
    /// Run once at start when a time passed while the scheduler was not running.
    pub catch_up: bool,
    pub task: Task,
}

impl Job {
    /// The first time after `after` the job is due.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&self.time_zone);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The last time at or before `at` the job was due.
    pub fn previous_at(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&self.time_zone);
        self.cron
            .find_previous_occurrence(&local, true)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// How many due times fall in `(from, to]` (counting stops at `cap`).
    pub fn due_between(&self, from: DateTime<Utc>, to: DateTime<Utc>, cap: usize) -> usize {
        let mut n = 0;
        let mut t = from;
        while n < cap {
            match self.next_after(t) {
                Some(next) if next <= to => {
                    n += 1;
                    t = next;
                }
                _ => break,
            }
        }
        n
    }

    /// Whether a start at `now` should catch up: the job asks for it, it ran before
    /// (`last_start`), and a due time passed since then.
    pub fn missed(
        &self,
        last_start: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if !self.catch_up {
            return None;
        }
        let prev = self.previous_at(now)?;
        (prev > last_start?).then_some(prev)
    }
}

/// A schedule file, read.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub path: PathBuf,
    pub jobs: Vec<Job>,
}

fn parse_tz(name: &str) -> std::result::Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("time zone '{name}' is not an IANA name such as Asia/Shanghai"))
}

/// Parses a cron expression: 5 fields (minute precision), 6 (with seconds first) or 7
/// (with years), `@daily`-style aliases, `L`, `W`, `#`.
pub fn parse_cron(pattern: &str) -> std::result::Result<Cron, String> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .build()
        .parse(pattern)
        .map_err(|e| format!("cron '{pattern}': {e}"))
}

/// Reads and checks `schedule.toml`; every error names the file and line.
pub fn load(path: &Path) -> Result<Schedule> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
    // Paths in the file are relative to its folder (made absolute: they are logged).
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let base = std::path::absolute(parent.unwrap_or(Path::new(".")))
        .map_err(|e| Error::io("resolving", path, e))?;
    let base = base.as_path();
    let err = |offset: usize, reason: String| Error::Report {
        location: location(path, &text, offset),
        reason,
    };
    let def: ScheduleToml = parse_toml(path, &text)?;
    let default_tz = match &def.time_zone {
        Some(t) => parse_tz(t.get_ref()).map_err(|e| err(t.span().start, e))?,
        None => parse_tz(DEFAULT_TIME_ZONE).expect("a known zone"),
    };
    let default_out = base.join(def.out.as_deref().unwrap_or("out"));
    if def.jobs.is_empty() {
        return Err(err(
            0,
            "no jobs: add [[job]] tables (name, cron, and report, check or ingest)".into(),
        ));
    }
    let mut jobs: Vec<Job> = Vec::new();
    for j in &def.jobs {
        let start = j.span().start;
        let j = j.get_ref();
        let name = j.name.get_ref().clone();
        if name.trim().is_empty() || jobs.iter().any(|o| o.name == name) {
            return Err(err(
                j.name.span().start,
                format!("job name '{name}' is empty or used twice"),
            ));
        }
        let cron = parse_cron(j.cron.get_ref()).map_err(|e| err(j.cron.span().start, e))?;
        let time_zone = match &j.time_zone {
            Some(t) => parse_tz(t.get_ref()).map_err(|e| err(t.span().start, e))?,
            None => default_tz,
        };
        let task = match (&j.report, j.check, &j.ingest) {
            (Some(r), false, None) => Task::Report {
                dir: base.join(r),
                out: j.out.as_ref().map_or(default_out.clone(), |o| base.join(o)),
                params: j
                    .params
                    .iter()
                    .map(|(k, v)| {
                        let text = match v {
                            toml::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), text)
                    })
                    .collect(),
            },
            (None, true, None) => Task::Check,
            (None, false, Some(d)) => Task::Ingest { dir: base.join(d) },
            _ => {
                return Err(err(
                    start,
                    format!(
                        "job {name}: give exactly one of report = \"DIR\", check = true, ingest = \"DIR\""
                    ),
                ));
            }
        };
        if !matches!(task, Task::Report { .. }) && (!j.params.is_empty() || j.out.is_some()) {
            return Err(err(
                start,
                format!("job {name}: params and out belong to report jobs"),
            ));
        }
        jobs.push(Job {
            name,
            pattern: j.cron.get_ref().clone(),
            cron,
            time_zone,
            catch_up: j.catch_up,
            task,
        });
    }
    Ok(Schedule {
        path: path.to_path_buf(),
        jobs,
    })
}

/// One run of a job, as logged and stored in `job_runs`.
#[derive(Debug, Clone)]
pub struct JobRun {
    pub job: String,
    pub kind: String,
    /// The due time it ran for (for a skipped run: the time it missed).
    pub scheduled: DateTime<Utc>,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    /// Rows the run produced: report rows, findings, documents ingested.
    pub rows: Option<i64>,
    /// `ok`, `failed` or `skipped`.
    pub outcome: String,
    /// The report's output folder.
    pub output: Option<String>,
    /// The error, or why it was skipped.
    pub message: Option<String>,
}

impl JobRun {
    pub fn duration_ms(&self) -> i64 {
        (self.finished - self.started).num_milliseconds()
    }

    /// The run as one log line.
    pub fn log_line(&self) -> String {
        let mut s = format!(
            "job={} kind={} scheduled={} start={} end={} seconds={:.3} rows={} outcome={}",
            self.job,
            self.kind,
            self.scheduled
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.started
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            self.finished
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            self.duration_ms() as f64 / 1000.0,
            self.rows.map_or("-".to_string(), |r| r.to_string()),
            self.outcome
        );
        if let Some(o) = &self.output {
            s.push_str(&format!(" output={o}"));
        }
        if let Some(m) = &self.message {
            s.push_str(&format!(" message={m:?}"));
        }
        s
    }
}

/// The columns of `job_runs`.
pub fn job_runs_schema() -> SchemaRef {
    let ts = || DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("job", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("scheduled", ts(), false),
        Field::new("started", ts(), false),
        Field::new("finished", ts(), false),
        Field::new("duration_ms", DataType::Int64, false),
        Field::new("rows", DataType::Int64, true),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("output", DataType::Utf8, true),
        Field::new("message", DataType::Utf8, true),
    ]))
}

/// Runs as a `job_runs` batch.
pub fn job_runs_batch(runs: &[JobRun]) -> Result<RecordBatch> {
    let ts = |f: &dyn Fn(&JobRun) -> DateTime<Utc>| {
        Arc::new(
            TimestampMillisecondArray::from(
                runs.iter()
                    .map(|r| f(r).timestamp_millis())
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        )
    };
    Ok(RecordBatch::try_new(
        job_runs_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(
                runs.iter().map(|r| r.job.as_str()),
            )),
            Arc::new(StringArray::from_iter_values(
                runs.iter().map(|r| r.kind.as_str()),
            )),
            ts(&|r| r.scheduled),
            ts(&|r| r.started),
            ts(&|r| r.finished),
            Arc::new(Int64Array::from_iter_values(
                runs.iter().map(|r| r.duration_ms()),
            )),
            Arc::new(Int64Array::from_iter(runs.iter().map(|r| r.rows))),
            Arc::new(StringArray::from_iter_values(
                runs.iter().map(|r| r.outcome.as_str()),
            )),
            Arc::new(StringArray::from_iter(
                runs.iter().map(|r| r.output.as_deref()),
            )),
            Arc::new(StringArray::from_iter(
                runs.iter().map(|r| r.message.as_deref()),
            )),
        ],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn schedule(text: &str) -> Result<Schedule> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("schedule.toml");
        std::fs::write(&p, text).unwrap();
        load(&p)
    }

    #[test]
    fn reads_jobs_and_computes_times_in_their_zone() {
        let s = schedule(
            r#"
[[job]]
name = "overview"
cron = "0 30 6 * * *"
report = "reports/overview"
params = { year = 2024 }
catch_up = true

[[job]]
name = "check"
cron = "@daily"
check = true
time_zone = "UTC"
"#,
        )
        .unwrap();
        let j = &s.jobs[0];
        assert_eq!(j.time_zone, chrono_tz::Asia::Shanghai);
        let Task::Report { params, .. } = &j.task else {
            panic!()
        };
        assert_eq!(params, &vec![("year".to_string(), "2024".to_string())]);
        // 06:30 in Shanghai is 22:30 UTC the day before.
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 23, 0, 0).unwrap();
        assert_eq!(
            j.next_after(now).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 6, 22, 30, 0).unwrap()
        );
        assert_eq!(
            j.previous_at(now).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 5, 22, 30, 0).unwrap()
        );
        // Catch-up: only after an earlier run, only when a time passed since.
        let before = Utc.with_ymd_and_hms(2026, 12, 4, 23, 0, 0).unwrap();
        assert_eq!(j.missed(None, now), None);
        assert_eq!(j.missed(Some(before), now), j.previous_at(now));
        assert_eq!(j.missed(Some(now), now), None);
        assert_eq!(s.jobs[1].missed(Some(before), now), None, "no catch_up");
        assert_eq!(j.due_between(before, now, 10), 1);
        let every = parse_cron("* * * * * *").unwrap();
        let e = Job {
            cron: every,
            ..j.clone()
        };
        assert_eq!(
            e.due_between(before, before + chrono::Duration::seconds(5), 100),
            5
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "[[job]]\nname = \"a\"\ncron = \"61 * * * *\"\ncheck = true\n",
                ":3",
                "cron",
            ),
            (
                "time_zone = \"Mars/Olympus\"\n[[job]]\nname=\"a\"\ncron=\"@daily\"\ncheck=true\n",
                ":1",
                "time zone",
            ),
            (
                "[[job]]\nname = \"a\"\ncron = \"@daily\"\n",
                ":1",
                "exactly one of",
            ),
            (
                "[[job]]\nname = \"a\"\ncron = \"@daily\"\ncheck = true\n[[job]]\nname = \"a\"\ncron = \"@daily\"\ncheck = true\n",
                ":6",
                "used twice",
            ),
            ("", ":1", "no jobs"),
            (
                "[[job]]\nname = \"a\"\ncron = \"@daily\"\ncheck = true\nbogus = 1\n",
                ":5",
                "unknown field",
            ),
        ];
        for (text, line, reason) in cases {
            let e = schedule(text).unwrap_err().to_string();
            assert!(
                e.contains(&format!("schedule.toml{line}")) && e.contains(reason),
                "{text:?}: {e}"
            );
        }
    }

    #[test]
    fn runs_become_rows() {
        let t = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap();
        let run = JobRun {
            job: "a".into(),
            kind: "check".into(),
            scheduled: t,
            started: t,
            finished: t + chrono::Duration::milliseconds(1500),
            rows: Some(3),
            outcome: "ok".into(),
            output: None,
            message: None,
        };
        let b = job_runs_batch(std::slice::from_ref(&run)).unwrap();
        assert_eq!(b.num_rows(), 1);
        assert!(
            run.log_line().contains("seconds=1.500 rows=3 outcome=ok"),
            "{}",
            run.log_line()
        );
    }
}
