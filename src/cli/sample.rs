//! The bundled sample: the disclosures in `datasets/`, ingested on first use into a cache
//! directory keyed by their content and the parser version, so a fresh clone can run SQL
//! at once.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use yusuan::ingest::{Overrides, PARSER_VERSION, collect_inputs};
use yusuan::model::schema::SCHEMA_VERSION;
use yusuan::storage::Dataset;

use super::ingest::{now_micros, parse_all};

/// Where the sample disclosures are: `$YUSUAN_SAMPLE_DIR`, else the source tree's
/// `datasets/`.
pub fn source_dir() -> PathBuf {
    std::env::var_os("YUSUAN_SAMPLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets")))
}

/// Returns the sample dataset's directory, building it if needed.
pub fn dataset() -> anyhow::Result<PathBuf> {
    let src = source_dir();
    let dirs: Vec<PathBuf> = ["text", "pdf"]
        .iter()
        .map(|d| src.join(d))
        .filter(|d| d.is_dir())
        .collect();
    if dirs.is_empty() {
        bail!(
            "no dataset given and the bundled sample is missing ({} has no text/ or pdf/); pass --data DIR",
            src.display()
        );
    }
    let files = collect_inputs(&dirs).files;
    let mut h = Sha256::new();
    h.update(format!(
        "{PARSER_VERSION}/{SCHEMA_VERSION}/{}",
        yusuan::storage::LAYOUT
    ));
    for f in &files {
        h.update(
            f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        h.update(std::fs::read(f).with_context(|| format!("reading {}", f.display()))?);
    }
    let fp: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let base = dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("yusuan");
    let target = base.join(format!("sample-{fp}"));
    if Dataset::exists(&target) {
        return Ok(target);
    }
    if std::io::stderr().is_terminal() {
        eprintln!(
            "yusuan: building the bundled sample dataset in {}",
            target.display()
        );
    }
    let tmp = base.join(format!(".sample-{fp}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&base).with_context(|| format!("creating {}", base.display()))?;
    let (docs, failed) = parse_all(&files, &Overrides::default(), &Default::default(), false);
    if failed > 0 && std::io::stderr().is_terminal() {
        eprintln!(
            "yusuan: {failed} of {} sample files are not readable yet (see `yusuan ingest datasets/`)",
            files.len()
        );
    }
    let ds = Dataset::open_or_create(&tmp)?;
    ds.commit(&docs, now_micros())?;
    match std::fs::rename(&tmp, &target) {
        Ok(()) => {}
        Err(_) if Dataset::exists(&target) => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Err(e) => {
            return Err(e).with_context(|| format!("moving the sample into {}", target.display()));
        }
    }
    Ok(target)
}
