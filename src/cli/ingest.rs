//! `yusuan ingest`: parse every file, commit the readable ones in one atomic commit,
//! report per document and in total. A file that cannot be read is reported and the run
//! goes on; nothing already stored is touched by it.

use std::io::{IsTerminal, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use yusuan::ingest::{Overrides, collect_inputs, parse_file};
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
pub fn parse_all(
    files: &[std::path::PathBuf],
    overrides: &Overrides,
    report_errors: bool,
) -> (Vec<SourceDocument>, usize) {
    let mut progress = Progress::new(files.len());
    let mut docs = Vec::new();
    let mut failed = 0;
    for f in files {
        progress.tick(&f.display().to_string());
        match parse_file(f, overrides) {
            Ok(d) => docs.push(d),
            // (A tables part without a year waits for its narrative in this batch.)
            Err(yusuan::Error::YearMissing { document, .. }) => docs.push(*document),
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
    let files = collect_inputs(&args.paths)?;
    if files.is_empty() {
        bail!(
            "no disclosure files (.txt, .md) found in {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let (docs, failed) = parse_all(&files, &overrides, true);
    if docs.is_empty() {
        eprintln!(
            "yusuan: nothing ingested: {failed} of {} file(s) could not be read; {} is unchanged",
            files.len(),
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
        for d in &docs {
            let p = &d.parsed;
            let m = &p.meta;
            writeln!(
                out,
                "{}: {} {} ({} {}, {}): {} tables, {} amounts, {} facts, {} projects, {} indicators, {} warnings",
                d.source_path,
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
                eprintln!(
                    "  warning: {}{line}{table} {}: {}",
                    d.source_path, w.code, w.message
                );
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
