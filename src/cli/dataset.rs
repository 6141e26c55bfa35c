//! `yusuan history`, `compact`, `vacuum` and `upgrade`: the dataset's versions and its
//! upkeep. Everything they do is the storage's (`yusuan::storage`); this prints.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{Local, TimeZone};
use yusuan::storage::Dataset;

use super::{DataArg, Status, default_data_dir};

/// `yusuan history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Show only the latest N versions.
    #[arg(short = 'n', long)]
    pub limit: Option<usize>,
    /// Also list each version's documents (added and replaced).
    #[arg(short, long)]
    pub verbose: bool,
}

/// `yusuan compact`.
#[derive(Debug, clap::Args)]
pub struct CompactArgs {
    #[command(flatten)]
    pub data: DataArg,
}

/// `yusuan vacuum`.
#[derive(Debug, clap::Args)]
pub struct VacuumArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Keep every file a version committed within this period needs (e.g. 7d, 36h, 0s).
    #[arg(long, value_name = "AGE", default_value = "7d", value_parser = parse_age)]
    pub retain: Duration,
    /// Allow a --retain under 7 days (a reader of an older version then fails).
    #[arg(long)]
    pub force: bool,
}

/// `yusuan upgrade`.
#[derive(Debug, clap::Args)]
pub struct UpgradeArgs {
    #[command(flatten)]
    pub data: DataArg,
}

fn data_dir(arg: &DataArg) -> PathBuf {
    arg.data.clone().unwrap_or_else(default_data_dir)
}

/// Parses an age such as `7d`, `36h`, `90m`, `30s` (a bare number is days).
fn parse_age(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "d"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not an age such as 7d, 36h or 30m"))?;
    let secs = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return Err(format!("'{s}': the unit must be d, h, m or s")),
    };
    Ok(Duration::from_secs(n * secs))
}

fn time(ms: i64) -> String {
    Local.timestamp_millis_opt(ms).single().map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S%:z").to_string(),
    )
}

pub fn history(args: &HistoryArgs) -> anyhow::Result<Status> {
    let data = data_dir(&args.data);
    let dataset = Dataset::open(&data)?;
    let mut out = std::io::stdout().lock();
    for v in dataset
        .history()?
        .iter()
        .take(args.limit.unwrap_or(usize::MAX))
    {
        let mut what = Vec::new();
        if !v.added.is_empty() {
            what.push(format!("{} document(s) added", v.added.len()));
        }
        let replaced_only: Vec<_> = v
            .replaced
            .iter()
            .filter(|r| !v.added.iter().any(|a| a.doc_id == r.doc_id))
            .collect();
        if !replaced_only.is_empty() {
            what.push(format!("{} replaced", replaced_only.len()));
        }
        what.push(format!(
            "{} file(s) added, {} removed",
            v.files_added, v.files_removed
        ));
        writeln!(
            out,
            "{:>6}  {}  {:<8} {}{}{}",
            v.version,
            time(v.timestamp_ms),
            v.operation,
            what.join(", "),
            v.user
                .as_deref()
                .map(|u| format!("  by {u}"))
                .unwrap_or_default(),
            v.message
                .as_deref()
                .map(|m| format!("  \"{m}\""))
                .unwrap_or_default()
        )?;
        if args.verbose {
            for d in &v.added {
                writeln!(
                    out,
                    "        + {} {} {} ({})",
                    d.doc_id, d.year, d.unit_name, d.source_path
                )?;
            }
            for d in &replaced_only {
                writeln!(
                    out,
                    "        - {} {} {} ({})",
                    d.doc_id, d.year, d.unit_name, d.source_path
                )?;
            }
        }
    }
    Ok(Status::Ok)
}

pub fn compact(args: &CompactArgs) -> anyhow::Result<Status> {
    let data = data_dir(&args.data);
    let dataset = Dataset::open(&data)?;
    let terminal = std::io::stderr().is_terminal();
    let progress = |table: &str, year: i32, files: usize| {
        if terminal {
            eprintln!("yusuan: merging {files} files of {table} {year}");
        }
    };
    let summary = dataset
        .compact(&progress)
        .with_context(|| format!("compacting {}", data.display()))?;
    match summary.version {
        Some(v) => println!(
            "{} partition(s) compacted ({} files merged) as version {v}{}",
            summary.partitions,
            summary.files_removed,
            if summary.skipped > 0 {
                format!(
                    "; {} left alone (changed by a commit meanwhile; compact again)",
                    summary.skipped
                )
            } else {
                String::new()
            }
        ),
        None if summary.skipped > 0 => println!(
            "nothing compacted: {} partition(s) changed by a commit meanwhile; compact again",
            summary.skipped
        ),
        None => println!("nothing to compact: every partition has one file"),
    }
    Ok(Status::Ok)
}

pub fn vacuum(args: &VacuumArgs) -> anyhow::Result<Status> {
    let data = data_dir(&args.data);
    let dataset = Dataset::open(&data)?;
    let deleted = dataset
        .vacuum(args.retain, !args.force)
        .with_context(|| format!("vacuuming {}", data.display()))?;
    println!("{} file(s) deleted from {}", deleted.len(), data.display());
    Ok(Status::Ok)
}

pub fn upgrade(args: &UpgradeArgs) -> anyhow::Result<Status> {
    let data = data_dir(&args.data);
    if !Dataset::exists(&data) {
        bail!(
            "{} holds no yusuan dataset (no _yusuan.json)",
            data.display()
        );
    }
    if Dataset::upgrade(&data).with_context(|| format!("upgrading {}", data.display()))? {
        println!(
            "{} upgraded: each table is now a Delta table (version 0 of `yusuan history`)",
            data.display()
        );
    } else {
        println!("{} already has the current layout", data.display());
    }
    Ok(Status::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_age("36h"), Ok(Duration::from_secs(36 * 3_600)));
        assert_eq!(parse_age("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_age("3"), Ok(Duration::from_secs(3 * 86_400)));
        assert!(parse_age("soon").is_err());
        assert!(parse_age("3w").is_err());
    }
}
