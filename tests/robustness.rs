//! Damaged input never panics: the Henan document with lines dropped, duplicated, cut
//! and cells shifted, 300 variants from a fixed seed. Each either parses (with warnings)
//! or fails with an error naming the file.

use std::path::Path;

use yusuan::ingest::{Overrides, parse_file};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn mutate(lines: &[&str], rng: &mut Lcg) -> String {
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for _ in 0..1 + rng.next(12) {
        if out.is_empty() {
            break;
        }
        let i = rng.next(out.len());
        match rng.next(6) {
            0 => {
                out.remove(i);
            }
            1 => {
                let l = out[i].clone();
                out.insert(i, l);
            }
            2 => out[i] = format!("\t{}", out[i]),
            3 => {
                let cut = out[i]
                    .char_indices()
                    .map(|(p, _)| p)
                    .nth(rng.next(out[i].chars().count()))
                    .unwrap_or(0);
                out[i].truncate(cut);
            }
            4 => out[i] = out[i].replace('.', ". "),
            _ => out.truncate(i.max(1)),
        }
    }
    out.join("\n")
}

#[test]
fn damaged_documents_never_panic() {
    let text = std::fs::read_to_string("datasets/text/000_59511c5e13e4fdad.txt").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Lcg(20_241_127);
    let mut parsed = 0;
    for n in 0..300 {
        let path = dir.path().join(format!("variant-{n}.txt"));
        std::fs::write(&path, mutate(&lines, &mut rng)).unwrap();
        match parse_file(&path, &Overrides::default()) {
            Ok(_) => parsed += 1,
            Err(e) => assert!(e.to_string().contains(&format!("variant-{n}.txt")), "{e}"),
        }
    }
    assert!(parsed > 100, "most variants still parse ({parsed})");
}

#[test]
fn every_prefix_of_the_document_parses_or_fails_cleanly() {
    let text = std::fs::read_to_string("datasets/text/000_59511c5e13e4fdad.txt").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prefix.txt");
    let lines: Vec<&str> = text.lines().collect();
    for n in (1..lines.len()).step_by(7) {
        std::fs::write(&path, lines[..n].join("\n")).unwrap();
        if let Err(e) = parse_file(Path::new(&path), &Overrides::default()) {
            assert!(e.to_string().contains("prefix.txt"), "{e}");
        }
    }
}

/// A damaged copy of a PDF: bytes overwritten, a cut, or a stretch copied elsewhere.
fn damage_pdf(bytes: &[u8], rng: &mut Lcg) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match rng.next(4) {
        0 => out.truncate(rng.next(out.len())),
        1 => {
            // A stretch copied over another (objects duplicated, streams cut).
            let len = 1 + rng.next(4096);
            let from = rng.next(out.len().saturating_sub(len));
            let to = rng.next(out.len().saturating_sub(len));
            let chunk: Vec<u8> = out[from..from + len.min(out.len() - from)].to_vec();
            out[to..to + chunk.len()].copy_from_slice(&chunk);
        }
        _ => {
            for _ in 0..1 + rng.next(16) {
                let at = rng.next(out.len());
                out[at] = rng.next(256) as u8;
            }
        }
    }
    out
}

/// Thousands of damaged copies of three disclosure PDFs (bytes flipped, cut, stretches
/// copied over others; a fixed seed): each is read or refused with an error naming the
/// file — never a panic, never a hang (each within seconds), and nothing wrong stored as
/// verified (every table kept still adds up to its printed totals).
#[test]
fn damaged_pdfs_never_panic_or_hang() {
    let sources = [
        "datasets/pdf/jiangsu/江苏省委办公厅/江苏省委办公厅2018年度部门预算公开表.pdf",
        "datasets/pdf-tests/beijing/beijing__信访办公室__2026__budget-dept__part2-tables.pdf",
        "datasets/pdf-tests/shanghai/shanghai__自然资源确权登记事务中心__2026__budget-unit.pdf",
    ];
    let mut rng = Lcg(20_261_205);
    let (mut read, mut refused, mut slowest) = (0, 0, std::time::Duration::ZERO);
    for (s, source) in sources.iter().enumerate() {
        let bytes = std::fs::read(source).unwrap();
        for n in 0..700 {
            let damaged = damage_pdf(&bytes, &mut rng);
            let path = std::path::PathBuf::from(format!("damaged-{s}-{n}.pdf"));
            let started = std::time::Instant::now();
            let outcome = std::panic::catch_unwind(|| {
                yusuan::ingest::pdf::parse_pdf(
                    &path,
                    &damaged,
                    &Overrides::default(),
                    &Default::default(),
                )
            });
            slowest = slowest.max(started.elapsed());
            match outcome {
                Err(_) => panic!("{source}, variant {n}: the reader panicked"),
                Ok(Ok(doc)) => {
                    read += 1;
                    let problems = yusuan::ingest::balance::imbalances(&doc.line_items);
                    assert!(problems.is_empty(), "{source}, variant {n}: {problems:?}");
                }
                Ok(Err(e)) => {
                    refused += 1;
                    assert!(
                        e.to_string().contains(&format!("damaged-{s}-{n}.pdf")),
                        "{e}"
                    );
                }
            }
        }
    }
    eprintln!("damaged PDFs: {read} read, {refused} refused, slowest {slowest:?}");
    assert!(
        read > 500 && refused > 100,
        "{read} read, {refused} refused"
    );
    assert!(slowest.as_secs() < 30, "a damaged PDF took {slowest:?}");
}

// ---------------------------------------------------------------------------------------
// Hostile and unlucky use, through the binary: each class of bad input or use is run as a
// user would run it, and asserts its exit code, a message naming the file (or statement,
// or option) and the problem, a bound on time and memory, and — where nothing should be
// stored — an unchanged dataset.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{PdfParts, cjk_pdf_with, summary_page};

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    secs: f64,
    /// Peak resident memory, MiB (from /proc; 0 where there is none).
    peak_mib: u64,
}

/// Runs `yusuan args` in `dir`, killing it after `limit`.
fn run_in(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yusuan"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env_remove("YUSUAN_DATA")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = (
        std::thread::spawn(move || {
            let mut s = Vec::new();
            std::io::Read::read_to_end(&mut out, &mut s).unwrap();
            s
        }),
        std::thread::spawn(move || {
            let mut s = Vec::new();
            std::io::Read::read_to_end(&mut err, &mut s).unwrap();
            s
        }),
    );
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && let Some(kib) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("yusuan {args:?} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&readers.0.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&readers.1.join().unwrap()).into_owned(),
        secs: started.elapsed().as_secs_f64(),
        peak_mib: peak_kib / 1024,
    }
}

/// Every file of a dataset with its size and content, to show that a refused run
/// changed nothing.
fn fingerprint(data: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![data.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "_write.lock") {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// One class of bad input: what to make, how to run it, and what must come out.
struct Class {
    name: &'static str,
    /// Files to make in the run's folder (relative path, bytes).
    files: Vec<(&'static str, Vec<u8>)>,
    args: Vec<&'static str>,
    code: i32,
    /// Every one must appear in stderr (the file's name and the problem).
    messages: Vec<&'static str>,
    /// Whether the dataset may change (a run that also reads good files).
    stores: bool,
    /// Read or refused, either is right (a structure that is detected, not recursed:
    /// the page is read without it, or the file refused), as long as it is bounded.
    either: bool,
    max_secs: f64,
    max_mib: u64,
}

fn class(name: &'static str, args: &[&'static str], messages: &[&'static str]) -> Class {
    Class {
        name,
        files: Vec::new(),
        args: args.to_vec(),
        code: 2,
        messages: messages.to_vec(),
        stores: false,
        either: false,
        max_secs: 60.0,
        max_mib: 1024,
    }
}

impl Class {
    fn with(mut self, path: &'static str, bytes: impl Into<Vec<u8>>) -> Class {
        self.files.push((path, bytes.into()));
        self
    }

    fn read_or_refused(mut self) -> Class {
        self.either = true;
        self.stores = true;
        self
    }
}

/// A readable one-page disclosure PDF with `parts` added (the attack).
fn attack(parts: PdfParts) -> Vec<u8> {
    cjk_pdf_with(
        &summary_page("某单位2024年部门预算", "收支预算总表"),
        &parts,
    )
}

/// A form XObject stream (number `n` in the caller's numbering) drawing `content`.
fn form(content: &str, resources: &str) -> Vec<u8> {
    format!(
        "<< /Type /XObject /Subtype /Form /BBox [0 0 400 300] {resources} /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    )
    .into_bytes()
}

fn deflated(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

fn stream_object(data: &[u8], dict: &str) -> Vec<u8> {
    [
        format!("<< /Length {} {dict} >>\nstream\n", data.len()).into_bytes(),
        data.to_vec(),
        b"\nendstream".to_vec(),
    ]
    .concat()
}

/// The classes of bad input to ingest (the PDFs crafted here).
fn ingest_classes() -> Vec<Class> {
    let henan = std::fs::read_to_string(HENAN).unwrap();
    let lines: Vec<&str> = henan.lines().collect();
    let cut = lines[..lines.len() * 3 / 5].join("\n");
    let negative = henan.replacen("1.50\t\t1.50\t\t1.50", "-1.50\t\t-1.50\t\t-1.50", 1);
    assert_ne!(negative, henan);
    let long_line = format!("# 2024年某单位预算\n\n{}\n", "预算".repeat(4 << 20));
    // A form XObject that draws itself, and two that draw each other twice (2^50 draws).
    let self_form = form("/X Do BT /F1 9 Tf 20 20 Td <0030> Tj ET", "");
    let ping = form("/Y Do /Y Do", "");
    let pong = form("/X Do /X Do", "");
    // Text shown over and over: 4 million glyphs from a 100 KB stream.
    let glyphs = deflated(
        &b"BT /F1 9 Tf 20 20 Td <00310032003300340035003600370038> Tj ET\n".repeat(500_000),
    );
    // A content stream of a few KiB that inflates to 64 MiB of blanks.
    let mut blanks = b"BT /F1 9 Tf 20 20 Td <0030> Tj ET\n".to_vec();
    blanks.resize(64 << 20, b' ');
    let bomb = deflated(&blanks);
    // A Type3 font whose glyph shows itself.
    let type3 = "<< /Type /Font /Subtype /Type3 /FontBBox [0 0 1000 1000] /FontMatrix [0.001 0 0 0.001 0 0] /CharProcs << /a 11 0 R >> /Encoding << /Type /Encoding /Differences [97 /a] >> /FirstChar 97 /LastChar 97 /Widths [1000] /Resources << /Font << /T 10 0 R >> >> >>".as_bytes().to_vec();
    let glyph = stream_object(b"1000 0 d0 BT /T 1 Tf (aa) Tj ET", "");
    let pattern = stream_object(
        b"/Pattern cs /P scn 0 0 10 10 re f /Pattern cs /P scn 0 0 10 10 re f",
        "/PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 10 10] /XStep 10 /YStep 10 /Resources << /Pattern << /P 10 0 R >> >>",
    );
    let mut deep = b"<< /Type /Catalog /Pages 2 0 R /Deep ".to_vec();
    deep.extend(b"[".repeat(200_000));
    deep.extend(b"]".repeat(200_000));
    deep.extend(b" >>");
    let two_pages = attack(PdfParts {
        replace: vec![(2, b"<< /Type /Pages /Kids [3 0 R 10 0 R] /Count 2 >>".to_vec())],
        extra: vec![b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 300] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec()],
        ..PdfParts::default()
    });
    let good = attack(PdfParts::default());
    let mut truncated = good.clone();
    truncated.truncate(good.len() / 3);
    vec![
        class(
            "a missing path",
            &["missing.txt"],
            &["missing.txt", "No such file"],
        ),
        class("a FIFO named .txt", &["fifo.txt"], &["fifo.txt", "FIFO"]),
        class(
            "a symlink to /dev/zero",
            &["zero.txt"],
            &["zero.txt", "character device"],
        ),
        class(
            "a broken symlink",
            &["dangling.txt"],
            &["dangling.txt", "No such file"],
        ),
        class("an empty file", &["empty.txt"], &["empty.txt", "empty"]).with("empty.txt", ""),
        class(
            "a binary file named .txt",
            &["blob.txt"],
            &["blob.txt", "NUL"],
        )
        .with("blob.txt", b"\x00\x01\x02budget".to_vec()),
        class(
            "text that is not UTF-8",
            &["gbk.txt"],
            &["gbk.txt:3", "UTF-8"],
        )
        .with("gbk.txt", b"# 2024\n\n\xd4\xa4\xcb\xe3\n".to_vec()),
        class(
            "an unknown file type",
            &["report.docx"],
            &["report.docx", "unknown file type"],
        )
        .with("report.docx", "预算"),
        class(
            "text that is not a PDF, named .pdf",
            &["notes.pdf"],
            &["notes.pdf", "not a PDF"],
        )
        .with("notes.pdf", "预算说明"),
        class(
            "prose without a table",
            &["essay.txt"],
            &["essay.txt", "no disclosure table"],
        )
        .with(
            "essay.txt",
            "# 2024年某单位预算说明\n\n收入支出预算总体情况。\n",
        ),
        class(
            "a file over --max-file-size",
            &["--max-file-size", "10KiB", "big.txt"],
            &["big.txt", "--max-file-size"],
        )
        .with("big.txt", henan.clone()),
        class(
            "a page tree that contains itself",
            &["loop.pdf"],
            &["loop.pdf"],
        )
        .with(
            "loop.pdf",
            attack(PdfParts {
                replace: vec![(
                    2,
                    b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>".to_vec(),
                )],
                ..PdfParts::default()
            }),
        )
        .read_or_refused(),
        class(
            "a page whose /Parent chain loops",
            &["parent.pdf"],
            &["parent.pdf"],
        )
        .with(
            "parent.pdf",
            attack(PdfParts {
                replace: vec![(
                    2,
                    b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 2 0 R >>".to_vec(),
                )],
                ..PdfParts::default()
            }),
        )
        .read_or_refused(),
        class(
            "a form XObject that draws itself",
            &["self.pdf"],
            &["self.pdf"],
        )
        .with(
            "self.pdf",
            attack(PdfParts {
                resources: "/XObject << /X 10 0 R >>",
                content: "/X Do",
                extra: vec![self_form],
                ..PdfParts::default()
            }),
        )
        .read_or_refused(),
        class(
            "two forms that draw each other twice",
            &["pingpong.pdf"],
            &["pingpong.pdf", "--max-page-operations"],
        )
        .with(
            "pingpong.pdf",
            attack(PdfParts {
                resources: "/XObject << /X 10 0 R /Y 11 0 R >>",
                content: "/X Do",
                extra: vec![ping.clone(), pong.clone()],
                ..PdfParts::default()
            }),
        ),
        class(
            "the same, stopped by --max-seconds",
            &[
                "--max-seconds",
                "0.3",
                "--max-page-operations",
                "1000000000",
                "slow.pdf",
            ],
            &["slow.pdf", "--max-seconds"],
        )
        .with(
            "slow.pdf",
            attack(PdfParts {
                resources: "/XObject << /X 10 0 R /Y 11 0 R >>",
                content: "/X Do",
                extra: vec![ping, pong],
                ..PdfParts::default()
            }),
        ),
        class(
            "a Type3 glyph that shows itself",
            &["type3.pdf"],
            &["type3.pdf"],
        )
        .with(
            "type3.pdf",
            attack(PdfParts {
                resources: "/Font << /F1 5 0 R /T 10 0 R >>",
                content: "BT /T 9 Tf 20 20 Td (aaaa) Tj ET",
                extra: vec![type3, glyph],
                ..PdfParts::default()
            }),
        )
        .read_or_refused(),
        class(
            "a pattern that paints with itself",
            &["pattern.pdf"],
            &["pattern.pdf"],
        )
        .with(
            "pattern.pdf",
            attack(PdfParts {
                resources: "/Pattern << /P 10 0 R >>",
                content: "/Pattern cs /P scn 0 0 400 300 re f",
                extra: vec![pattern],
                ..PdfParts::default()
            }),
        )
        .read_or_refused(),
        class(
            "a text-rendering bomb",
            &["glyphs.pdf"],
            &["glyphs.pdf", "--max-page-glyphs"],
        )
        .with(
            "glyphs.pdf",
            attack(PdfParts {
                resources: "/XObject << /G 10 0 R >>",
                content: "/G Do",
                extra: vec![stream_object(
                    &glyphs,
                    "/Type /XObject /Subtype /Form /BBox [0 0 400 300] /Filter /FlateDecode",
                )],
                ..PdfParts::default()
            }),
        ),
        class(
            "a deflate bomb",
            &["--max-stream-size", "16MiB", "bomb.pdf"],
            &[
                "bomb.pdf",
                "decodes to more than 16 MiB",
                "--max-stream-size",
            ],
        )
        .with(
            "bomb.pdf",
            attack(PdfParts {
                resources: "/XObject << /B 10 0 R >>",
                content: "/B Do",
                extra: vec![stream_object(
                    &bomb,
                    "/Type /XObject /Subtype /Form /BBox [0 0 400 300] /Filter /FlateDecode",
                )],
                ..PdfParts::default()
            }),
        ),
        class(
            "arrays nested 200,000 deep",
            &["deep.pdf"],
            &["deep.pdf", "not a readable PDF"],
        )
        .with(
            "deep.pdf",
            attack(PdfParts {
                replace: vec![(1, deep)],
                ..PdfParts::default()
            }),
        ),
        class(
            "graphics states saved a million times",
            &["saves.pdf"],
            &["saves.pdf"],
        )
        .with(
            "saves.pdf",
            attack(PdfParts {
                resources: "/XObject << /Q 10 0 R >>",
                content: "/Q Do",
                extra: vec![stream_object(
                    &deflated(&b"q ".repeat(1_000_000)),
                    "/Type /XObject /Subtype /Form /BBox [0 0 400 300] /Filter /FlateDecode",
                )],
                ..PdfParts::default()
            }),
        )
        .read_or_refused(),
        class(
            "an encrypted PDF",
            &["locked.pdf"],
            &["locked.pdf", "encrypted"],
        )
        .with(
            "locked.pdf",
            attack(PdfParts {
                trailer: "/Encrypt 9 0 R /ID [(0123456789abcdef) (0123456789abcdef)]",
                ..PdfParts::default()
            }),
        ),
        class("a PDF cut short", &["cut.pdf"], &["cut.pdf"])
            .with("cut.pdf", truncated)
            .read_or_refused(),
        class(
            "a PDF header and nothing else",
            &["hollow.pdf"],
            &["hollow.pdf", "not a readable PDF"],
        )
        .with("hollow.pdf", "%PDF-1.7\n%%EOF\n"),
        class(
            "a page of images only",
            &["scan.pdf"],
            &["scan.pdf", "no text layer"],
        )
        .with(
            "scan.pdf",
            cjk_pdf_with(
                &[],
                &PdfParts {
                    content: "q 0 0 100 100 re f Q",
                    ..PdfParts::default()
                },
            ),
        ),
        class(
            "pages over --max-pages",
            &["--max-pages", "1", "two.pdf"],
            &["two.pdf", "--max-pages"],
        )
        .with("two.pdf", two_pages),
        class(
            "objects over --max-objects",
            &["--max-objects", "5", "objects.pdf"],
            &["objects.pdf", "--max-objects"],
        )
        .with("objects.pdf", good.clone()),
        class(
            "text runs over --max-page-text-runs",
            &["--max-page-text-runs", "3", "runs.pdf"],
            &["runs.pdf", "--max-page-text-runs"],
        )
        .with("runs.pdf", good.clone()),
        class(
            "an object that is a reference to itself",
            &["selfref.pdf"],
            &["selfref.pdf"],
        )
        .with(
            "selfref.pdf",
            attack(PdfParts {
                replace: vec![(4, b"4 0 R".to_vec())],
                ..PdfParts::default()
            }),
        )
        .read_or_refused(),
        class(
            "a malformed limit",
            &["--max-file-size", "lots", "x.txt"],
            &["--max-file-size", "expected a size"],
        ),
        class(
            "a year out of range",
            &["--year", "99999", "x.txt"],
            &["--year", "1990..=2100"],
        ),
        // Read, but not whole, or odd: stored with warnings, the document partial.
        Class {
            code: 0,
            stores: true,
            ..class(
                "a text document cut short",
                &["cut.txt"],
                &["cut.txt", "table_missing"],
            )
            .with("cut.txt", cut)
        },
        Class {
            code: 0,
            stores: true,
            ..class(
                "a negative amount",
                &["negative.txt"],
                &["negative.txt:349", "amount_negative", "-1.50"],
            )
            .with("negative.txt", negative)
        },
        Class {
            code: 2,
            stores: true,
            ..class(
                "a missing path beside a good file",
                &["missing.pdf", "good.pdf"],
                &[
                    "missing.pdf",
                    "No such file",
                    "1 document(s) ingested",
                    "1 failed",
                ],
            )
            .with("good.pdf", good)
        },
        Class {
            max_secs: 60.0,
            ..class(
                "a text file of one 24 MB line",
                &["line.txt"],
                &["line.txt"],
            )
            .with("line.txt", long_line)
        },
    ]
}

const HENAN: &str = "datasets/text/000_59511c5e13e4fdad.txt";

/// Every class of bad input to ingest: the exit code, the messages, the time and memory
/// bounds, and the dataset unchanged unless the class stores.
#[test]
fn hostile_inputs_are_refused_named_and_bounded() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let base = run_in(
        Path::new("."),
        &["ingest", "-q", "--data", data.to_str().unwrap(), HENAN],
        Duration::from_secs(120),
    );
    assert_eq!(base.code, Some(0), "{}", base.stderr);
    let classes = ingest_classes();
    assert!(classes.len() >= 30, "{} classes", classes.len());
    for (n, c) in classes.iter().enumerate() {
        let dir = root.path().join(format!("case-{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &c.files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        #[cfg(unix)]
        {
            let _ = Command::new("mkfifo").arg(dir.join("fifo.txt")).status();
            std::os::unix::fs::symlink("/dev/zero", dir.join("zero.txt")).unwrap();
            std::os::unix::fs::symlink("nowhere.txt", dir.join("dangling.txt")).unwrap();
        }
        let before = fingerprint(&data);
        let mut args = vec!["ingest", "--data", data.to_str().unwrap()];
        args.extend(&c.args);
        let r = run_in(&dir, &args, Duration::from_secs(c.max_secs as u64 * 2));
        let all = format!("{}{}", r.stdout, r.stderr);
        if c.either {
            assert!(
                matches!(r.code, Some(0 | 2)),
                "{}: exit {:?}\n{all}",
                c.name,
                r.code
            );
        } else {
            assert_eq!(r.code, Some(c.code), "{}: exit {:?}\n{all}", c.name, r.code);
        }
        for m in &c.messages {
            assert!(all.contains(m), "{}: no '{m}' in\n{all}", c.name);
        }
        assert!(!all.contains("panicked"), "{}: {all}", c.name);
        assert!(
            all.lines().all(|l| l.chars().count() < 2000),
            "{}: a line of output is longer than 2000 characters",
            c.name
        );
        assert!(r.secs < c.max_secs, "{}: {:.1} s", c.name, r.secs);
        assert!(
            r.peak_mib < c.max_mib,
            "{}: {} MiB at peak",
            c.name,
            r.peak_mib
        );
        if !c.stores {
            assert!(
                fingerprint(&data) == before,
                "{}: the dataset changed",
                c.name
            );
        }
        eprintln!(
            "{:<45} exit {:?}  {:>5.1} s  {:>4} MiB",
            c.name, r.code, r.secs, r.peak_mib
        );
    }
}

/// Starts `yusuan args` in `dir`, sends `signal` after `after`, and returns the run and
/// the process id it had.
fn interrupt_in(dir: &Path, args: &[&str], after: Duration, signal: &str) -> (Run, u32) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yusuan"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    std::thread::sleep(after);
    Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("yusuan {args:?} did not stop within 30 s of {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (
        Run {
            code: status.code(),
            stdout: String::new(),
            stderr: err,
            secs: started.elapsed().as_secs_f64(),
            peak_mib: 0,
        },
        pid,
    )
}

/// Hostile and unlucky use of `sql` and `gen`: statements too deep to plan, spill past
/// its bound, a closed pipe in every format, Ctrl-C and SIGTERM mid-run, a damaged data
/// file, huge results and cells, bad arguments. Each: exit code, message, bounds, and no
/// temporary file left.
#[test]
fn hostile_use_of_sql_and_gen_is_refused_named_and_bounded() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let r = run_in(
        dir,
        &[
            "gen",
            "--out",
            "data",
            "--districts",
            "2",
            "--units",
            "30",
            "--years",
            "2023-2024",
            "-q",
        ],
        Duration::from_secs(120),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let data = fingerprint(&dir.join("data"));
    let sql = |extra: &[&str], statement: &str| -> Vec<String> {
        let mut a: Vec<String> = ["sql", "--data", "data"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a.push("-c".into());
        a.push(statement.to_string());
        a
    };
    let check = |name: &str, args: &[String], code: i32, messages: &[&str], max_mib: u64| -> Run {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run_in(dir, &args, Duration::from_secs(120));
        let all = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(
            r.code,
            Some(code),
            "{name}: exit {:?}\n{}",
            r.code,
            &all[..all.len().min(3000)]
        );
        for m in messages {
            assert!(
                all.contains(m),
                "{name}: no '{m}' in\n{}",
                &all[..all.len().min(3000)]
            );
        }
        assert!(
            !all.contains("panicked") && !all.contains("stack overflow"),
            "{name}: {all}"
        );
        assert!(r.secs < 60.0, "{name}: {:.1} s", r.secs);
        assert!(r.peak_mib < max_mib, "{name}: {} MiB at peak", r.peak_mib);
        eprintln!(
            "{name:<45} exit {:?}  {:>5.1} s  {:>4} MiB",
            r.code, r.secs, r.peak_mib
        );
        r
    };
    let deep = "nests more than 1000 levels";
    let plus = format!("select {}", vec!["1"; 10_000].join(" + "));
    check(
        "a 10,000-term + chain",
        &sql(&[], &plus),
        2,
        &["-c statement 1", deep],
        1024,
    );
    let or = format!("select 1 where {}", vec!["1 = 1"; 10_000].join(" or "));
    check("a 10,000-term OR chain", &sql(&[], &or), 2, &[deep], 1024);
    let union = vec!["select 1"; 5_000].join(" union all ");
    check(
        "a 5,000-branch UNION ALL",
        &sql(&[], &union),
        2,
        &[deep],
        1024,
    );
    let parens = format!("select {}1{}", "(".repeat(5_000), ")".repeat(5_000));
    check(
        "5,000 nested parentheses",
        &sql(&[], &parens),
        2,
        &["recursion limit"],
        1024,
    );
    check(
        "a sort spilling past --max-spill-size",
        &sql(
            &[
                "--memory-limit",
                "32M",
                "--max-spill-size",
                "64K",
                "--temp-dir",
                ".",
            ],
            "select value, repeat('x', 100) from range(2000000) order by value desc",
        ),
        2,
        &["--max-spill-size"],
        1024,
    );
    check(
        "a 3-million-row result in table mode",
        &sql(
            &["--format", "table"],
            "select value, value * 2 as twice from range(3000000)",
        ),
        0,
        &["3000000 rows"],
        600,
    );
    let r = check(
        "a 30-million-character cell in table mode",
        &sql(&["--format", "box"], "select repeat('预', 30000000) as big"),
        0,
        &["1 row"],
        1024,
    );
    assert!(
        r.stdout.lines().all(|l| l.chars().count() < 200),
        "a cell was not cut"
    );
    check(
        "--threads 0",
        &sql(&["--threads", "0"], "select 1"),
        2,
        &["--threads"],
        1024,
    );
    check(
        "a dataset folder that holds none",
        &["sql", "--data", "nowhere", "-c", "select 1"].map(String::from),
        2,
        &["nowhere", "holds no yusuan dataset"],
        1024,
    );
    check(
        ".output into a missing folder",
        &sql(&[], "select 1")
            .into_iter()
            .chain([
                "-c".into(),
                ".output missing/x.csv".into(),
                "-c".into(),
                "select 1".into(),
            ])
            .collect::<Vec<_>>(),
        2,
        &["missing/x.csv"],
        1024,
    );
    check(
        "gen --units 0",
        &["gen", "--out", "g", "--units", "0"].map(String::from),
        2,
        &["--units"],
        1024,
    );
    check(
        "gen into a folder with files",
        &["gen", "--out", "data"].map(String::from),
        2,
        &["data", "does not exist or is empty"],
        1024,
    );
    assert!(
        fingerprint(&dir.join("data")) == data,
        "a query changed the dataset"
    );

    // A closed pipe: the same exit code (0) and no message in every format.
    for format in ["table", "box", "csv", "json", "ndjson", "markdown", "line"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_yusuan"))
            .args([
                "sql",
                "--data",
                "data",
                "--format",
                format,
                "-c",
                "select * from range(2000000)",
            ])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {:?}", out.status);
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!("{:<45} exit Some(0) in all 7 formats", "a closed pipe");

    // Damaged data: the file is named.
    let victim = std::fs::read_dir(dir.join("data/line_items/year=2024"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .unwrap();
    let mut bytes = std::fs::read(&victim).unwrap();
    let n = bytes.len();
    for (i, b) in bytes[64..n - 64].iter_mut().enumerate() {
        *b = (i * 7 % 251) as u8;
    }
    std::fs::write(&victim, bytes).unwrap();
    let name = victim.file_name().unwrap().to_str().unwrap().to_string();
    let r = check(
        "a damaged data file",
        &sql(&[], "select sum(amount) from line_items"),
        2,
        &["is damaged"],
        1024,
    );
    assert!(r.stderr.contains(&name), "{}", r.stderr);

    // Interrupted: Ctrl-C while a sort spills; SIGTERM while gen writes.
    let spill = dir.join("spill");
    std::fs::create_dir_all(&spill).unwrap();
    let (r, pid) = interrupt_in(
        dir,
        &[
            "sql",
            "--data",
            "data",
            "--memory-limit",
            "64M",
            "--temp-dir",
            "spill",
            "--format",
            "csv",
            "-c",
            "select value, repeat('x', 100) from range(100000000) order by value desc",
        ],
        Duration::from_secs(4),
        "-INT",
    );
    assert_eq!(r.code, Some(130), "{}", r.stderr);
    assert!(r.stderr.contains("interrupted"), "{}", r.stderr);
    assert!(
        !spill.join(format!("yusuan-spill-{pid}")).exists(),
        "the spill folder outlived Ctrl-C"
    );
    eprintln!(
        "{:<45} exit 130, spill folder removed",
        "Ctrl-C while a sort spills"
    );
    let (r, _) = interrupt_in(
        dir,
        &[
            "gen",
            "--out",
            "big",
            "--districts",
            "200",
            "--units",
            "200",
            "-q",
        ],
        Duration::from_secs(3),
        "-TERM",
    );
    assert_eq!(r.code, Some(143), "{}", r.stderr);
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".gen-") || n == "big")
        .collect();
    assert!(left.is_empty(), "gen left {left:?}");
    eprintln!("{:<45} exit 143, nothing left", "SIGTERM while gen writes");
}

/// What a mutant of a document became.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Refused,
    Partial,
    /// Complete, but with a warning the original does not have.
    Warned,
    /// Complete, without a new warning: its figures must be the original's.
    Clean,
}

/// Every amount of a document as (table, row key, column, amount), sorted: what must not
/// change silently.
fn figures(doc: &yusuan::model::SourceDocument) -> Vec<String> {
    let mut v: Vec<String> = doc
        .parsed
        .line_items
        .iter()
        .map(|i| {
            format!(
                "{} {} {:?} {:?} {} {}",
                i.table_kind.as_str(),
                i.row_no,
                i.function_code,
                i.econ_code,
                i.column.key,
                i.amount
            )
        })
        .collect();
    v.sort();
    v
}

fn warnings_of(doc: &yusuan::model::SourceDocument) -> Vec<String> {
    let mut v: Vec<String> = doc
        .parsed
        .warnings
        .iter()
        .map(|w| format!("{:?} {}", w.line, w.code))
        .collect();
    v.sort();
    v
}

/// The documents the mutation test damages: every bundled one, and the shared corpus's
/// PDFs when it is beside the checkout.
fn mutation_corpus() -> Vec<PathBuf> {
    let mut roots = vec![
        PathBuf::from("datasets/text"),
        PathBuf::from("datasets/pdf"),
        PathBuf::from("datasets/pdf-tests"),
    ];
    let shared = PathBuf::from("../shared/corpus/pdf");
    if shared.exists() {
        roots.push(shared);
    } else {
        eprintln!("mutation test: ../shared/corpus/pdf is absent; the bundled documents only");
    }
    yusuan::ingest::collect_inputs(&roots).all().unwrap()
}

/// Every corpus document, damaged (bytes overwritten, cut short, stretches copied over
/// others; `YUSUAN_MUTANTS` per document, 8 by default, from a fixed seed): no mutant
/// panics or hangs (each within 30 s), and a mutant stored complete without a new warning
/// has exactly the original's figures — damage is either seen or harmless. The share of
/// each outcome is printed (and written to `target/mutation-report.md`).
#[test]
fn every_corpus_document_survives_mutation() {
    let per_doc: usize = std::env::var("YUSUAN_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let files = mutation_corpus();
    let dir = tempfile::tempdir().unwrap();
    let limits = yusuan::ingest::limits::Limits {
        max_time: Duration::from_secs(30),
        ..Default::default()
    };
    // As ingest reads a file given alone: a tables part waits for its narrative, and a
    // narrative part without its tables is refused (`attach_companions`).
    let alone = |r: yusuan::Result<yusuan::model::SourceDocument>| {
        let d = match r {
            Err(yusuan::Error::YearMissing { document, .. }) => *document,
            r => r?,
        };
        let (mut docs, mut errors) = yusuan::ingest::companion::attach_companions(vec![d]);
        docs.pop().ok_or_else(|| errors.remove(0))
    };
    let read = |path: &Path| {
        alone(yusuan::ingest::parse_file_within(
            path,
            &Overrides::default(),
            &limits,
        ))
        .ok()
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(4)
        {
            s.spawn(|| {
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(file) = files.get(n) else { break };
                    let Some(original) = read(file) else { continue };
                    let (want, known) = (figures(&original), warnings_of(&original));
                    let bytes = std::fs::read(file).unwrap();
                    let mut rng = Lcg(20_261_206 + n as u64);
                    let ext = file.extension().unwrap().to_string_lossy().into_owned();
                    for m in 0..per_doc {
                        let damaged = damage_pdf(&bytes, &mut rng);
                        if damaged == bytes {
                            continue;
                        }
                        let path = dir.path().join(format!("mutant-{n}-{m}.{ext}"));
                        std::fs::write(&path, &damaged).unwrap();
                        let started = Instant::now();
                        let outcome = std::panic::catch_unwind(|| {
                            yusuan::ingest::parse_file_within(&path, &Overrides::default(), &limits)
                        });
                        let secs = started.elapsed().as_secs_f64();
                        let outcome = match outcome {
                            Err(_) => panic!("{}, mutant {m}: panicked", file.display()),
                            Ok(r) => alone(r),
                        };
                        let kind = match &outcome {
                            Err(e) => {
                                let e = e.to_string();
                                assert!(e.contains(&format!("mutant-{n}-{m}")), "{e}");
                                Outcome::Refused
                            }
                            Ok(d) if d.parsed.status() != "complete" => Outcome::Partial,
                            Ok(d) if warnings_of(d).iter().any(|w| !known.contains(w)) => {
                                Outcome::Warned
                            }
                            Ok(d) => {
                                let got = figures(d);
                                if got != want {
                                    // (Kept for a look: target/mutants/.)
                                    let keep = Path::new("target/mutants");
                                    let _ = std::fs::create_dir_all(keep);
                                    let _ = std::fs::copy(&path, keep.join(path.file_name().unwrap()));
                                }
                                assert!(
                                    got == want,
                                    "{}, mutant {m} ({}): stored complete without a warning, but its figures differ: {:?}",
                                    file.display(),
                                    path.display(),
                                    (
                                        got.len(),
                                        want.len(),
                                        got.iter().filter(|g| !want.contains(g)).take(3).collect::<Vec<_>>(),
                                        want.iter().filter(|w| !got.contains(w)).take(3).collect::<Vec<_>>()
                                    )
                                );
                                Outcome::Clean
                            }
                        };
                        let family = file
                            .file_name()
                            .unwrap()
                            .to_string_lossy()
                            .split("__")
                            .next()
                            .unwrap_or_default()
                            .to_string();
                        results.lock().unwrap().push((family, kind, secs));
                        let _ = std::fs::remove_file(&path);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap();
    let count = |k: Outcome| results.iter().filter(|r| r.1 == k).count();
    let slowest = results.iter().map(|r| r.2).fold(0.0, f64::max);
    let report = format!(
        "{} documents, {} mutants: {} refused, {} partial, {} complete with a new warning, {} complete without one ({:.1} %, every one with the original's figures); slowest {slowest:.1} s\n",
        files.len(),
        results.len(),
        count(Outcome::Refused),
        count(Outcome::Partial),
        count(Outcome::Warned),
        count(Outcome::Clean),
        100.0 * count(Outcome::Clean) as f64 / results.len().max(1) as f64
    );
    eprint!("{report}");
    let _ = std::fs::write("target/mutation-report.md", &report);
    assert!(slowest < 30.0, "a mutant took {slowest:.1} s");
    assert!(results.len() >= files.len() * per_doc / 2, "{report}");
}
