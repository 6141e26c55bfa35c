//! Dataset versions: what makes the commits of several tables (a document's rows are in
//! seven) one atomic change, and the writers' lock.
//!
//! A dataset version is a file `_yusuan/versions/<20-digit number>.json` naming, for
//! every table, the Delta version that belongs to it, plus what the commit did (command,
//! documents added and replaced, message, time). Readers take the highest number and read
//! each table at the version it names, so they never see a table ahead of the others; a
//! version file is written only after every table's commit succeeded, and never changed.
//! Writers take an exclusive lock (`_yusuan/lock`, `flock`) for the short commit phase
//! only (data files are written before it); it is released by the kernel when a writer
//! dies. Owns these two files only; no Parquet, no SQL.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The folder of yusuan's own files in a dataset.
pub const DIR: &str = "_yusuan";

/// One dataset version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetVersion {
    /// Its number (0 when the dataset was created).
    pub version: u64,
    /// Milliseconds since the epoch when it was committed.
    pub timestamp_ms: i64,
    /// The command that made it (`create`, `ingest`, `check`, `compact`, `upgrade`, `gen`).
    pub operation: String,
    /// The message given with `--message`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Who ran it (`$USER`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Each table's Delta version at this dataset version.
    pub tables: BTreeMap<String, u64>,
    /// Documents added (or re-added) by this version.
    #[serde(default)]
    pub added: Vec<DocumentRef>,
    /// Stored documents this version replaced or removed.
    #[serde(default)]
    pub replaced: Vec<DocumentRef>,
    /// Data files added and removed, over all tables.
    #[serde(default)]
    pub files_added: usize,
    #[serde(default)]
    pub files_removed: usize,
}

/// A document as a version's history names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub doc_id: String,
    pub year: i32,
    pub unit_name: String,
    pub source_path: String,
}

fn dir(root: &Path) -> PathBuf {
    root.join(DIR).join("versions")
}

fn file_name(version: u64) -> String {
    format!("{version:020}.json")
}

/// Every version number present, ascending.
pub fn list(root: &Path) -> Result<Vec<u64>> {
    let d = dir(root);
    let mut out = Vec::new();
    let entries = match fs::read_dir(&d) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io("listing", &d, e)),
    };
    for e in entries {
        let e = e.map_err(|e| Error::io("listing", &d, e))?;
        let name = e.file_name();
        let Some(n) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".json"))
            .filter(|n| n.len() == 20)
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        out.push(n);
    }
    out.sort_unstable();
    Ok(out)
}

/// Reads one version.
pub fn read(root: &Path, version: u64) -> Result<DatasetVersion> {
    let path = dir(root).join(file_name(version));
    let text = fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Dataset {
                path: root.to_path_buf(),
                reason: format!("there is no version {version} (see `yusuan history`)"),
            }
        } else {
            Error::io("reading", &path, e)
        }
    })?;
    let v: DatasetVersion = serde_json::from_str(&text).map_err(|e| Error::Dataset {
        path: path.clone(),
        reason: format!("unreadable dataset version: {e}"),
    })?;
    if v.version != version {
        return Err(Error::Dataset {
            path,
            reason: format!("holds version {} under the name of {version}", v.version),
        });
    }
    Ok(v)
}

/// The latest version.
pub fn latest(root: &Path) -> Result<DatasetVersion> {
    match list(root)?.last() {
        Some(&v) => read(root, v),
        None => Err(Error::Dataset {
            path: root.to_path_buf(),
            reason: format!(
                "no dataset version in {DIR}/versions; the dataset was not completely created: remove the directory and ingest again"
            ),
        }),
    }
}

/// Writes a new version; fails if that number exists (written by hard-linking a synced
/// temporary file, which never replaces an existing name).
pub fn write(root: &Path, v: &DatasetVersion) -> Result<()> {
    let d = dir(root);
    fs::create_dir_all(&d).map_err(|e| Error::io("creating", &d, e))?;
    let target = d.join(file_name(v.version));
    let tmp = d.join(format!(
        ".{}.tmp-{}-{:08x}",
        file_name(v.version),
        std::process::id(),
        fastrand::u32(..)
    ));
    let json = serde_json::to_string_pretty(v).expect("a version serializes");
    fs::write(&tmp, json).map_err(|e| Error::io("writing", &tmp, e))?;
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io("syncing", &tmp, e))?;
    let linked = fs::hard_link(&tmp, &target);
    let _ = fs::remove_file(&tmp);
    linked.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Dataset {
                path: target.clone(),
                reason: "another writer committed this version at the same time without holding the dataset's lock".into(),
            }
        } else {
            Error::io("writing", &target, e)
        }
    })?;
    if let Ok(d) = File::open(&d) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The exclusive right to commit to a dataset, held until dropped.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

impl WriteLock {
    /// Waits for and takes the dataset's lock.
    pub fn acquire(root: &Path) -> Result<WriteLock> {
        let d = root.join(DIR);
        fs::create_dir_all(&d).map_err(|e| Error::io("creating", &d, e))?;
        let path = d.join("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("opening", &path, e))?;
        file.lock().map_err(|e| Error::io("locking", &path, e))?;
        Ok(WriteLock { _file: file })
    }
}
