//! `yusuan ingest`: parse every file, commit the readable ones in one atomic commit,
//! report per document and in total. A file that cannot be read is reported and the run
//! goes on; nothing already stored is touched by it.

use std::io::{IsTerminal, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use yusuan::ingest::limits::Limits;
use yusuan::ingest::{Overrides, collect_inputs, parse_file_within};
use yusuan::model::SourceDocument;
use yusuan::storage::{CommitInfo, Dataset};

use super::{IngestArgs, Status, default_data_dir};

/// A one-line progress display on stderr, shown only on a terminal.
pub struct Progress {
    total: usize,
    done: usize,
    enabled: bool,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Progress {
            total,
            done: 0,
            enabled: std::io::stderr().is_terminal() && total > 1,
        }
    }

    pub fn tick(&mut self, what: &str) {
        self.done += 1;
        if self.enabled {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[2K[{}/{}] {what}", self.done, self.total);
            let _ = e.flush();
        }
    }

    pub fn finish(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Microseconds since the Unix epoch.
pub fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Parses files, printing failures; returns the documents read and the failure count.
/// A file with the same bytes as one read before it in the batch is read once: it is
/// reported (on stderr, when `report_errors`) and left out, not counted as a failure.
pub fn parse_all(
    files: &[std::path::PathBuf],
    overrides: &Overrides,
    limits: &Limits,
    report_errors: bool,
) -> (Vec<SourceDocument>, usize) {
    let mut progress = Progress::new(files.len());
    let mut docs: Vec<SourceDocument> = Vec::new();
    let mut failed = 0;
    let mut seen: std::collections::HashMap<String, std::path::PathBuf> = Default::default();
    for f in files {
        progress.tick(&f.display().to_string());
        let document = match parse_file_within(f, overrides, limits) {
            Ok(d) => Ok(d),
            // (A tables part without a year waits for its narrative in this batch.)
            Err(yusuan::Error::YearMissing { document, .. }) => Ok(*document),
            Err(e) => Err(e),
        };
        match document {
            Ok(d) => {
                if let Some(first) = seen.get(&d.content_hash) {
                    if report_errors {
                        progress.finish();
                        eprintln!(
                            "yusuan: {}: the same bytes as {}; stored once",
                            f.display(),
                            first.display()
                        );
                    }
                    continue;
                }
                seen.insert(d.content_hash.clone(), f.clone());
                docs.push(d);
            }
            Err(e) => {
                failed += 1;
                if report_errors {
                    progress.finish();
                    eprintln!("yusuan: {}", super::render_error(&anyhow::Error::from(e)));
                }
            }
        }
    }
    progress.finish();
    // A narrative PDF joins its tables' document.
    let (docs, unpaired) = yusuan::ingest::companion::attach_companions(docs);
    for e in unpaired {
        failed += 1;
        if report_errors {
            eprintln!("yusuan: {}", super::render_error(&anyhow::Error::from(e)));
        }
    }
    (docs, failed)
}

pub async fn run(args: IngestArgs) -> anyhow::Result<Status> {
    let data = args.data.data.clone().unwrap_or_else(default_data_dir);
    let overrides = Overrides {
        year: args.year,
        region: args.region.clone(),
    };
    let inputs = collect_inputs(&args.paths);
    // (A missing path, an unreadable folder or a special file is reported; the others
    // are read, and the run exits 2 at the end.)
    let unusable = inputs.problems.len();
    for e in inputs.problems {
        eprintln!("yusuan: {}", super::render_error(&anyhow::Error::from(e)));
    }
    let files = inputs.files;
    if files.is_empty() {
        bail!(
            "no disclosure files (.txt, .md, .pdf) found in {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let (docs, failed) = parse_all(&files, &overrides, &args.limits.limits(), true);
    let failed = failed + unusable;
    if docs.is_empty() {
        eprintln!(
            "yusuan: nothing ingested: {failed} of {} path(s) could not be read; {} is unchanged",
            files.len() + unusable,
            data.display()
        );
        return Ok(Status::Failed);
    }
    let dataset = Dataset::open_or_create(&data)?;
    let info = CommitInfo {
        operation: "ingest".into(),
        message: args.message.clone(),
    };
    let summary = dataset
        .commit_with(&docs, now_micros(), &info)
        .with_context(|| format!("writing the dataset {}", data.display()))?;
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        // (Paths as the user sees them: relative to the working folder where inside it.)
        let cwd = std::env::current_dir().unwrap_or_default();
        let shown = |p: &str| {
            std::path::Path::new(p)
                .strip_prefix(&cwd)
                .map_or_else(|_| p.to_string(), |r| r.display().to_string())
        };
        for d in &docs {
            let p = &d.parsed;
            let m = &p.meta;
            let path = shown(&d.source_path);
            writeln!(
                out,
                "{}: {} {} ({} {}, {}): {} tables, {} amounts, {} facts, {} projects, {} indicators, {} warnings",
                path,
                m.unit_name,
                m.year,
                m.kind.as_str(),
                m.scope.as_str(),
                m.region.as_deref().unwrap_or("region unknown"),
                p.tables.len(),
                p.line_items.len(),
                p.facts.len(),
                p.projects.len(),
                p.indicators.len(),
                p.warnings.len()
            )?;
            for w in &p.warnings {
                let line = w.line.map(|l| format!(":{l}")).unwrap_or_default();
                let table = w
                    .table_kind
                    .map(|k| format!(" [{}]", k.as_str()))
                    .unwrap_or_default();
                eprintln!("  warning: {path}{line}{table} {}: {}", w.code, w.message);
            }
        }
        writeln!(
            out,
            "{} document(s) ingested into {} as version {} ({} replaced, {} file(s) written){}",
            summary.documents,
            data.display(),
            summary.version,
            summary.replaced,
            summary.files,
            if failed > 0 {
                format!("; {failed} failed")
            } else {
                String::new()
            }
        )?;
    }
    Ok(if failed > 0 {
        Status::Failed
    } else {
        Status::Ok
    })
}
