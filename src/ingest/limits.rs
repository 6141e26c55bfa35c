//! Per-file bounds on reading one source document, so that one hostile or damaged file
//! cannot hold a batch: its size, the time it may take, and what one PDF may make the
//! reader do (pages, objects, decoded bytes per stream, drawing operations, text runs and
//! glyphs per page). A file that passes one is refused with the bound named, and the
//! batch goes on.
//!
//! Owns the [`Limits`] values and the [`LimitHit`] reason; the checks themselves are made
//! where the work is (`ingest::read_source`, `pdf::text_layer`). The defaults leave every
//! real disclosure of the corpus far inside (docs/robustness.md gives the corpus maxima).

use std::time::{Duration, Instant};

/// What one file may cost to read. `Default` gives the documented defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// The largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Wall time to read and parse one file.
    pub max_time: Duration,
    /// Pages of one PDF.
    pub max_pages: usize,
    /// Indirect objects of one PDF.
    pub max_objects: usize,
    /// Bytes one compressed PDF stream may decode to.
    pub max_stream_bytes: usize,
    /// Drawing operations one PDF page may make (text runs, paths, clips, images and form
    /// XObjects drawn, counted where they are drawn, nested forms included).
    pub max_page_operations: usize,
    /// Text-showing operations (text runs) one PDF page may make.
    pub max_page_text_runs: usize,
    /// Glyphs one PDF page may draw.
    pub max_page_glyphs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 256 << 20,
            max_time: Duration::from_secs(120),
            max_pages: 10_000,
            max_objects: 2_000_000,
            max_stream_bytes: 256 << 20,
            max_page_operations: 1_000_000,
            max_page_text_runs: 500_000,
            max_page_glyphs: 1_000_000,
        }
    }
}

/// A bound a file passed: which, and what the file reached.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitHit {
    /// The bound's name as the command line spells its option (`--max-page-glyphs`).
    pub option: &'static str,
    /// What was reached, in words (`more than 1000000 glyphs on page 3`).
    pub what: String,
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (the limit is set by {})", self.what, self.option)
    }
}

/// A deadline for one file.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    started: Instant,
    budget: Duration,
}

impl Deadline {
    pub fn start(budget: Duration) -> Self {
        Deadline {
            started: Instant::now(),
            budget,
        }
    }

    /// The hit, when the time is up.
    pub fn check(&self, at: impl FnOnce() -> String) -> Result<(), LimitHit> {
        if self.started.elapsed() > self.budget {
            return Err(LimitHit {
                option: "--max-seconds",
                what: format!(
                    "reading took more than {} s ({})",
                    self.budget.as_secs_f64(),
                    at()
                ),
            });
        }
        Ok(())
    }
}

/// Parses a size such as `256MiB`, `64M`, `1GB`, `4096` (bytes) or `512k`; binary units.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(format!("'{text}': expected a size such as 64MiB or 1GiB"));
    }
    let unit = unit.trim().to_ascii_lowercase();
    let scale: u64 = match unit.as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "'{text}': unknown unit '{unit}' (expected a number with B, KiB, MiB, GiB or TiB)"
            ));
        }
    };
    let value: f64 = num
        .parse()
        .map_err(|_| format!("'{text}': expected a size such as 64MiB or 1GiB"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("'{text}': a size must be more than 0"));
    }
    let bytes = value * scale as f64;
    if bytes >= u64::MAX as f64 / 2.0 {
        return Err(format!("'{text}': too large"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units_and_bad_ones_are_named() {
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("1.5 GB").unwrap(), 3 << 29);
        assert_eq!(parse_size("512k").unwrap(), 512 << 10);
        assert!(parse_size("0").unwrap_err().contains("more than 0"));
        assert!(
            parse_size("12 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_size("lots").unwrap_err().contains("expected a size"));
        assert!(parse_size("99999999TiB").unwrap_err().contains("too large"));
    }
}
