//! Reports as code (docs/reports.md): a report is a folder — `report.toml` (title,
//! parameters, sections with their SQL and charts, outputs), SQL files, an optional page
//! template — run against a dataset into a folder of files people open and tools read.
//!
//! - [`definition`]: reading and checking the folder (errors name file and line);
//! - [`execute`]: parameters (bound as values, never spliced into SQL) and the queries;
//! - [`chart`]: SVG charts with `charts-rs`;
//! - [`write`]: HTML, CSV, Parquet, xlsx, Markdown;
//! - here: a run from start to a published folder — written beside, renamed into place,
//!   then `latest` moved to it; a failed run leaves nothing and changes nothing.
//!
//! Uses the engine; never writes into the dataset (the scheduler records runs).

pub mod chart;
pub mod definition;
pub mod execute;
pub mod write;

use std::path::{Path, PathBuf};
use std::time::Instant;

pub use definition::{Report, load};
pub use execute::{Overrides, Step};

use crate::engine::Engine;
use crate::error::{Error, Result};

/// What a finished run published.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The run's folder (`OUT/<name>/<timestamp>`).
    pub folder: PathBuf,
    /// Rows of every section together.
    pub rows: usize,
    /// Each section's id and row count.
    pub sections: Vec<(String, usize)>,
    /// The files written, relative to the folder.
    pub files: Vec<String>,
    /// Pages of a `per` report.
    pub pages: usize,
}

/// The name of the link to the newest run in `OUT/<name>/`.
pub const LATEST: &str = "latest";

/// A run folder's name: its start time in UTC, e.g. `20261206T091502Z`.
fn stamp(now: chrono::DateTime<chrono::Utc>) -> String {
    now.format("%Y%m%dT%H%M%SZ").to_string()
}

/// An I/O error's mapping, naming the action and path.
pub(crate) fn io<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |e| Error::io(action, path, e)
}

/// Points `OUT/<name>/latest` at `target` (a sibling folder name) in one rename, so a
/// reader sees the old run or the new one, never neither.
fn point_latest(base: &Path, target: &str) -> Result<()> {
    let tmp = base.join(format!(".{LATEST}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, &tmp).map_err(io("linking", &tmp))?;
    #[cfg(not(unix))]
    std::fs::write(&tmp, target).map_err(io("writing", &tmp))?;
    let latest = base.join(LATEST);
    std::fs::rename(&tmp, &latest).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("replacing", &latest, e)
    })
}

/// Runs `report` over `engine`'s dataset and publishes the result under `out/<name>/`.
pub async fn run(
    report: &Report,
    engine: &Engine,
    out: &Path,
    overrides: &Overrides,
    progress: &mut (dyn FnMut(Step<'_>) + Send),
) -> Result<RunOutcome> {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let bound = execute::bind(report, engine, overrides, false).await?;
    let results = execute::run(report, engine, &bound, progress).await?;
    let base = out.join(&report.name);
    std::fs::create_dir_all(&base).map_err(io("creating", &base))?;
    let tmp = base.join(format!(".tmp-{}-{}", stamp(started), std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(io("creating", &tmp))?;
    let written = (|| -> Result<Vec<String>> {
        let data = write::RunData {
            report,
            bound: &bound,
            results: &results,
            version: engine.version(),
            version_time_ms: engine.version_time_ms(),
        };
        let mut files = write::write_all(&data, &tmp)?;
        let manifest = serde_json::json!({
            "report": report.name,
            "title": report.title,
            "started": started.to_rfc3339(),
            "seconds": clock.elapsed().as_secs_f64(),
            "dataset": engine.data_dir().display().to_string(),
            "dataset_version": engine.version(),
            "params": bound.values.iter().map(|(k, v)| (k.clone(), v.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
            "pages": bound.pages.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
            "sections": results.iter().map(|r| serde_json::json!({
                "id": report.sections[r.section].id,
                "rows": r.rows(),
            })).collect::<Vec<_>>(),
            "files": files,
        });
        let p = tmp.join("run.json");
        let text = serde_json::to_string_pretty(&manifest).expect("JSON of plain values");
        std::fs::write(&p, text).map_err(io("writing", &p))?;
        files.push("run.json".into());
        Ok(files)
    })();
    let files = match written {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    // Into place under the first free name (two runs may start in the same second).
    let name = stamp(started);
    let mut n = 1;
    let folder = loop {
        let candidate = if n == 1 {
            name.clone()
        } else {
            format!("{name}-{n}")
        };
        let target = base.join(&candidate);
        if !target.exists() {
            match std::fs::rename(&tmp, &target) {
                Ok(()) => break candidate,
                Err(_) if target.exists() => {}
                Err(e) => {
                    let _ = std::fs::remove_dir_all(&tmp);
                    return Err(Error::io("renaming into", &target, e));
                }
            }
        }
        n += 1;
    };
    point_latest(&base, &folder)?;
    Ok(RunOutcome {
        folder: base.join(&folder),
        rows: results.iter().map(|r| r.rows()).sum(),
        sections: results
            .iter()
            .map(|r| (report.sections[r.section].id.clone(), r.rows()))
            .collect(),
        files,
        pages: bound.pages.len(),
    })
}
