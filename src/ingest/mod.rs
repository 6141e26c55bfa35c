//! Reading disclosures: source files in, [`SourceDocument`]s out. Owns file discovery,
//! format detection, content hashing and the parser warnings. Never writes anything and
//! never names an Arrow type (that is `model::schema` and `storage`).
//!
//! Formats: the disclosure text format (`.txt`, `.md`; see `text`) and PDF (`pdf`, one
//! module per concern: text layer, lines, structure, header, grid, block, cover). Other
//! formats are refused with a message naming the file. A unit-year published as two PDFs
//! (文件 + 表格) becomes one document through `companion::attach_companions`, which a
//! caller ingesting a batch applies to it; the shared metadata rules are `meta`. Every
//! table is verified by its own arithmetic (`balance`, `table::verify`) and the figures
//! two tables both state are compared (`confirm`).

pub mod amount;
pub mod balance;
pub mod cells;
pub mod claims;
pub mod codes;
pub mod companion;
pub mod confirm;
pub mod grouped;
pub(crate) mod layout;
pub mod meta;
pub mod narrative;
pub mod pdf;
pub mod performance;
pub mod place;
pub mod rows;
pub mod summary;
pub mod table;
pub mod text;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{IngestWarning, ParsedDocument, SourceDocument, TableKind};

/// Bumped whenever parsing changes what a document yields.
pub const PARSER_VERSION: &str = "text-6";

/// Values given on the command line that take precedence over what the document says.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub year: Option<i32>,
    pub region: Option<String>,
}

/// Collects warnings while one document is parsed.
#[derive(Debug, Default)]
pub struct Ctx {
    pub warnings: Vec<IngestWarning>,
}

impl Ctx {
    /// Records a warning about a source line.
    pub fn warn(
        &mut self,
        line: usize,
        table_kind: Option<TableKind>,
        code: &'static str,
        message: String,
        text: &str,
    ) {
        self.warnings.push(IngestWarning {
            line: (line > 0).then_some(line as i32),
            table_kind,
            code,
            message,
            text: text.to_string(),
        });
    }
}

pub(crate) const DIVISIONS: &str = include_str!("../../datasets/reference/admin_divisions.csv");

/// The full name of an administrative division code (`410311` → 河南省洛阳市洛龙区), from the
/// bundled `datasets/reference/admin_divisions.csv`.
pub fn division_name(code: &str) -> Option<&'static str> {
    DIVISIONS.lines().skip(1).find_map(|l| {
        let mut f = l.split(',');
        (f.next() == Some(code)).then(|| f.nth(1)).flatten()
    })
}

/// The administrative division a name starts with (`上海市普陀区财政局` → 310107 上海市普陀区),
/// the longest match in the bundled division list.
pub fn division_prefix(text: &str) -> Option<(&'static str, &'static str)> {
    DIVISIONS
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&'static str> = l.split(',').collect();
            (f.len() >= 4).then(|| (f[0], f[1], f[2], f[3]))
        })
        .filter_map(|(code, name, full, level)| {
            // (A city is also named without 市: 长沙职业教育基地….)
            let short = (level == "city")
                .then(|| name.strip_suffix('市'))
                .flatten()
                .filter(|s| s.chars().count() >= 2);
            let matched = if text.starts_with(full) {
                full.len()
            } else if text.starts_with(name) || short.is_some_and(|s| text.starts_with(s)) {
                // (The short forms rank below a full name that matches.)
                name.len().min(full.len()) / 2
            } else {
                return None;
            };
            Some((code, full, matched))
        })
        .max_by_key(|(_, _, matched)| *matched)
        .map(|(code, full, _)| (code, full))
}

/// File extensions read as the disclosure text format.
pub const TEXT_EXTENSIONS: &[&str] = &["txt", "md"];

/// File extensions a directory walk picks up.
const INPUT_EXTENSIONS: &[&str] = &["txt", "md", "pdf"];

/// Expands files and directories (recursively) into the list of files to ingest, sorted.
/// Directory entries other than `.txt`, `.md` and `.pdf` are skipped, and so are `README`
/// files (a dataset folder's documentation); a file named explicitly is always returned
/// (and refused later if its format is unknown).
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io("reading", p, e))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("listing", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("listing", dir, e))?;
        let path = entry.path();
        let readme = path
            .file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| s.eq_ignore_ascii_case("readme"));
        if path.is_dir() {
            walk(&path, out)?;
        } else if !readme
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| INPUT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads and parses one source file.
pub fn parse_file(path: &Path, overrides: &Overrides) -> Result<SourceDocument> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("reading", path, e))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF") {
        let parsed = pdf::parse_pdf(path, &bytes, overrides)?;
        let content_hash = hex(&Sha256::digest(&bytes));
        let document = SourceDocument {
            doc_id: content_hash[..16].to_string(),
            content_hash,
            source_path: path.display().to_string(),
            companion_path: None,
            format: "pdf",
            parsed,
        };
        // (Year 0: the document states no year; its narrative part may.)
        if document.parsed.meta.year == 0 {
            return Err(Error::YearMissing {
                path: path.to_path_buf(),
                document: Box::new(document),
            });
        }
        return Ok(document);
    }
    if !TEXT_EXTENSIONS.contains(&ext.as_str()) && !ext.is_empty() {
        return Err(Error::NotADisclosure {
            path: path.to_path_buf(),
            reason: format!("unknown file type '.{ext}' (expected .txt or .md disclosure text)"),
        });
    }
    if bytes.contains(&0) {
        return Err(Error::NotADisclosure {
            path: path.to_path_buf(),
            reason: "binary file (contains NUL bytes), not disclosure text".into(),
        });
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Error::Parse {
            path: path.to_path_buf(),
            line,
            reason: "not valid UTF-8 text".into(),
        }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed: ParsedDocument = text::parse_text(path, text, overrides)?;
    let content_hash = hex(&Sha256::digest(&bytes));
    Ok(SourceDocument {
        doc_id: content_hash[..16].to_string(),
        content_hash,
        source_path: path.display().to_string(),
        companion_path: None,
        format: "text",
        parsed,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
