//! `yusuan gen`: write a synthetic dataset, with progress on a terminal.

use std::io::{IsTerminal, Write};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use yusuan::synth::{GenOptions, GenProgress, TRUTH_TABLE, generate};

use super::Status;
use super::ingest::now_micros;

/// `yusuan gen`.
#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// The new dataset's directory (must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of districts (区/县), 1–10000.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub districts: u32,
    /// Budget units per district (departments first, then their subordinate units), 1–20000.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub units: u32,
    /// Budget years: a range such as 2015-2024, or one year.
    #[arg(long, value_parser = parse_years, default_value = "2015-2024")]
    pub years: RangeInclusive<i32>,
    /// Random seed: the same seed writes the same dataset.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Share of documents (0–1) with one planted error; the ground truth is written as
    /// the injected_errors table.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    pub inject_errors: f64,
    /// Also write every generated document as disclosure text (the Henan layout, damaged
    /// as PDF extraction damages it: split amounts, wrapped names) into this directory, to
    /// ingest and compare.
    #[arg(long, value_name = "DIR")]
    pub render: Option<PathBuf>,
    /// Worker threads, 1–1024 [default: one per core].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_years(s: &str) -> Result<RangeInclusive<i32>, String> {
    let year = |t: &str| -> Result<i32, String> {
        let y: i32 = t
            .trim()
            .parse()
            .map_err(|_| format!("'{t}' is not a year"))?;
        if (1990..=2100).contains(&y) {
            Ok(y)
        } else {
            Err(format!("{y} is outside 1990–2100"))
        }
    };
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (year(a)?, year(b)?),
        None => (year(s)?, year(s)?),
    };
    if a > b {
        return Err(format!("'{s}': the first year is after the last"));
    }
    Ok(a..=b)
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let r: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number between 0 and 1"))?;
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("{r} is not between 0 and 1"))
    }
}

pub fn run(args: GenArgs) -> anyhow::Result<Status> {
    let opts = GenOptions {
        districts: args.districts,
        units: args.units,
        years: args.years.clone(),
        seed: args.seed,
        inject_rate: args.inject_errors,
        threads: args
            .threads
            .map(usize::from)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        generated_at_micros: now_micros(),
        render: args.render.clone(),
    };
    let total_docs = args.districts as u64 * args.units as u64 * args.years.clone().count() as u64;
    let progress = GenProgress::default();
    let done = AtomicBool::new(false);
    let show = !args.quiet && std::io::stderr().is_terminal();
    let start = Instant::now();
    let result = std::thread::scope(|s| {
        if show {
            s.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(250));
                    let docs = progress.documents.load(Ordering::Relaxed);
                    let items = progress.line_items.load(Ordering::Relaxed);
                    let rate = items as f64 / start.elapsed().as_secs_f64().max(1e-3);
                    let mut e = std::io::stderr().lock();
                    let _ = write!(
                        e,
                        "\r\x1b[2K[{docs}/{total_docs}] documents, {items} line items ({:.1}M/s)",
                        rate / 1e6
                    );
                    let _ = e.flush();
                }
                eprint!("\r\x1b[2K");
            });
        }
        let r = generate(&args.out, &opts, &progress);
        done.store(true, Ordering::Relaxed);
        r
    })?;
    let secs = start.elapsed().as_secs_f64();
    if !args.quiet {
        println!(
            "{} document(s), {} line items into {} in {secs:.1} s ({:.2}M line items/s, {} file(s))",
            result.documents,
            result.line_items,
            args.out.display(),
            result.line_items as f64 / secs.max(1e-9) / 1e6,
            result.files
        );
        if args.inject_errors > 0.0 {
            println!(
                "{} planted error(s); ground truth in the {TRUTH_TABLE} table",
                result.planted
            );
        }
    }
    Ok(Status::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_and_rates() {
        assert_eq!(parse_years("2015-2024"), Ok(2015..=2024));
        assert_eq!(parse_years("2024"), Ok(2024..=2024));
        assert!(parse_years("2024-2015").is_err());
        assert!(parse_years("soon").is_err());
        assert_eq!(parse_rate("0.05"), Ok(0.05));
        assert!(parse_rate("5").is_err());
    }
}
