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
pub mod limits;
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
use crate::ingest::limits::Limits;
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
            message: clip(&message, MAX_WARNING_MESSAGE),
            text: clip(text, MAX_WARNING_TEXT),
        });
    }
}

/// The most characters of a source line a warning keeps (a 50 MB line is not stored or
/// printed whole), and of its message (which may quote cells).
const MAX_WARNING_TEXT: usize = 500;
const MAX_WARNING_MESSAGE: usize = 1000;

/// `text` cut to `max` characters, `…` marking the cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
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

/// The files a batch reads, and the paths it could not use.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Regular files to read, each once, as found (the path given, or under it), sorted.
    pub files: Vec<PathBuf>,
    /// Paths that could not be used, each with what was wrong: a missing path, an
    /// unreadable folder, a broken symbolic link, a FIFO or device. The caller reports
    /// them; the batch goes on without them.
    pub problems: Vec<Error>,
}

impl Inputs {
    /// The files, or the first path that could not be used (for callers that need them
    /// all).
    pub fn all(self) -> Result<Vec<PathBuf>> {
        match self.problems.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(self.files),
        }
    }
}

/// Expands files and directories (recursively) into the files to ingest. Directory
/// entries other than `.txt`, `.md` and `.pdf` are skipped, and so are `README` files (a
/// dataset folder's documentation); a file named explicitly is always returned (and
/// refused later if its format is unknown). Symbolic links are followed once: a folder
/// reached again (a link loop, or two links to one folder) is not walked again, and a file
/// reached by two paths is read once. Only regular files are read: a FIFO, socket or
/// device is reported, never opened.
pub fn collect_inputs(paths: &[PathBuf]) -> Inputs {
    let mut walk = Walk::default();
    for p in paths {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                walk.inputs.problems.push(Error::io("reading", p, e));
                continue;
            }
        };
        if meta.is_dir() {
            walk.dir(p);
        } else {
            walk.file(p, &meta);
        }
    }
    let mut inputs = walk.inputs;
    inputs.files.sort();
    inputs
}

#[derive(Default)]
struct Walk {
    inputs: Inputs,
    /// Canonical paths of the folders walked and the files taken.
    seen: std::collections::HashSet<PathBuf>,
}

impl Walk {
    fn dir(&mut self, dir: &Path) {
        match std::fs::canonicalize(dir) {
            Ok(c) => {
                if !self.seen.insert(c) {
                    return;
                }
            }
            Err(e) => return self.inputs.problems.push(Error::io("resolving", dir, e)),
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => return self.inputs.problems.push(Error::io("listing", dir, e)),
        };
        let mut entries: Vec<_> = entries.collect();
        entries.sort_by_key(|e| e.as_ref().ok().map(|e| e.file_name()));
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.inputs.problems.push(Error::io("listing", dir, e));
                    continue;
                }
            };
            let path = entry.path();
            // (Follows a symbolic link; a broken one is reported.)
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    self.inputs.problems.push(Error::io("reading", &path, e));
                    continue;
                }
            };
            if meta.is_dir() {
                self.dir(&path);
                continue;
            }
            let readme = path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.eq_ignore_ascii_case("readme"));
            let wanted = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| INPUT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
            if wanted && !readme {
                self.file(&path, &meta);
            }
        }
    }

    fn file(&mut self, path: &Path, meta: &std::fs::Metadata) {
        if let Some(kind) = special_file(meta) {
            return self.inputs.problems.push(Error::NotADisclosure {
                path: path.to_path_buf(),
                reason: format!("not a regular file ({kind}); only regular files are read"),
            });
        }
        match std::fs::canonicalize(path) {
            Ok(c) => {
                if self.seen.insert(c) {
                    self.inputs.files.push(path.to_path_buf());
                }
            }
            Err(e) => self.inputs.problems.push(Error::io("resolving", path, e)),
        }
    }
}

/// What kind of special file `meta` describes (`None` for a regular file).
fn special_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    if t.is_dir() {
        return Some("a directory");
    }
    Some("not a file")
}

/// Reads a source file whole, within `limits`: only a regular file (checked on the open
/// file, so a path swapped for a FIFO after the walk is still refused), and no more than
/// `limits.max_file_bytes` (read with a bound, so a file that grows is not read on).
fn read_source(path: &Path, limits: &Limits) -> Result<Vec<u8>> {
    use std::io::Read;
    // (Opening a FIFO for reading would wait for a writer: refused before opening.)
    let meta = std::fs::metadata(path).map_err(|e| Error::io("reading", path, e))?;
    let refuse = |reason: String| Error::NotADisclosure {
        path: path.to_path_buf(),
        reason,
    };
    if let Some(kind) = special_file(&meta) {
        return Err(refuse(format!(
            "not a regular file ({kind}); only regular files are read"
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
    let meta = file.metadata().map_err(|e| Error::io("reading", path, e))?;
    if let Some(kind) = special_file(&meta) {
        return Err(refuse(format!(
            "not a regular file ({kind}); only regular files are read"
        )));
    }
    let too_big = |size: u64| {
        refuse(format!(
            "refused: the file is {} bytes, more than {} (the limit is set by --max-file-size)",
            size, limits.max_file_bytes
        ))
    };
    if meta.len() > limits.max_file_bytes {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limits.max_file_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("reading", path, e))?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads and parses one source file, within the default [`Limits`].
pub fn parse_file(path: &Path, overrides: &Overrides) -> Result<SourceDocument> {
    parse_file_within(path, overrides, &Limits::default())
}

/// Reads and parses one source file on a thread of its own, within `limits`: a file that
/// passes one is refused with the bound named, and so is one whose reading has not ended
/// when its time is up (it is then left to finish on its own thread, and its result
/// dropped). The thread's stack is large enough for the deepest nesting the readers allow.
pub fn parse_file_within(
    path: &Path,
    overrides: &Overrides,
    limits: &Limits,
) -> Result<SourceDocument> {
    let (tx, rx) = std::sync::mpsc::channel();
    let (p, o, l) = (path.to_path_buf(), overrides.clone(), limits.clone());
    let spawned = std::thread::Builder::new()
        .name("yusuan-read".into())
        .stack_size(READER_STACK)
        .spawn(move || {
            let _ = tx.send(parse_now(&p, &o, &l));
        });
    if let Err(e) = spawned {
        return Err(Error::io("starting a reader for", path, e));
    }
    // (The readers check the time themselves, at pages and as they draw; this is the
    // backstop for work between two checks.)
    let grace = limits.max_time + limits.max_time / 4 + std::time::Duration::from_secs(1);
    match rx.recv_timeout(grace) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Error::NotADisclosure {
            path: path.to_path_buf(),
            reason: format!(
                "refused: reading took more than {} s (the limit is set by --max-seconds)",
                limits.max_time.as_secs_f64()
            ),
        }),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Error::NotADisclosure {
            path: path.to_path_buf(),
            reason: "the reader stopped without a result".into(),
        }),
    }
}

/// The stack of the thread that reads one file (reserved, not committed: pages are used
/// as the reader goes deeper).
const READER_STACK: usize = 256 << 20;

fn parse_now(path: &Path, overrides: &Overrides, limits: &Limits) -> Result<SourceDocument> {
    let bytes = read_source(path, limits)?;
    // The document is known by its content and by its canonical path.
    let source_path = std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF") {
        let mut parsed = pdf::parse_pdf(path, &bytes, overrides, limits)?;
        warn_negative(&mut parsed);
        let content_hash = hex(&Sha256::digest(&bytes));
        let document = SourceDocument {
            doc_id: content_hash[..16].to_string(),
            content_hash,
            source_path,
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
    if ext == "pdf" {
        return Err(Error::NotADisclosure {
            path: path.to_path_buf(),
            reason: "named .pdf but not a PDF (it does not start with %PDF)".into(),
        });
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
    let mut parsed: ParsedDocument = text::parse_text(path, text, overrides)?;
    warn_negative(&mut parsed);
    let content_hash = hex(&Sha256::digest(&bytes));
    Ok(SourceDocument {
        doc_id: content_hash[..16].to_string(),
        content_hash,
        source_path,
        companion_path: None,
        format: "text",
        parsed,
    })
}

/// A warning for every negative amount stored: kept as printed (a sign is information,
/// and dropping the row would change the table's sums), but no column of a disclosure
/// table holds a quantity that can be below zero, so it is put in front of the reader.
fn warn_negative(parsed: &mut ParsedDocument) {
    let found: Vec<IngestWarning> = parsed
        .line_items
        .iter()
        .filter(|i| i.amount.is_sign_negative() && !i.amount.is_zero())
        .map(|i| IngestWarning {
            line: (i.source_line > 0).then_some(i.source_line),
            table_kind: Some(i.table_kind),
            code: "amount_negative",
            message: format!(
                "row '{}' prints a negative amount '{}' under {}; kept as printed (budget amounts are not expected below zero)",
                i.row_label,
                i.amount_text.trim(),
                i.column.label
            ),
            text: i.amount_text.clone(),
        })
        .collect();
    parsed.warnings.extend(found);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
