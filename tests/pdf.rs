//! The PDF text layer: lines and spans with positions from the corpus PDFs
//! (`datasets/pdf/`), and clear refusals of PDFs without text.

use std::path::Path;

mod common;

use common::{assemble_pdf, cjk_pdf, summary_page, summary_page_headed};
use yusuan::ingest::pdf::{page_lines, read_pages};
use yusuan::ingest::{Overrides, parse_file};

const PUTUO_2025: &str = "datasets/pdf/shanghai/普陀区财政局/上海市普陀区财政局2025年部门预算.pdf";

fn lines_of(path: &str, page: u32) -> Vec<yusuan::ingest::pdf::Line> {
    let bytes = std::fs::read(path).unwrap();
    let pages = read_pages(Path::new(path), &bytes).unwrap();
    page_lines(pages.iter().find(|p| p.number == page).unwrap())
}

#[test]
fn rebuilds_lines_and_cells_of_a_table_page() {
    let lines = lines_of(PUTUO_2025, 10);
    assert_eq!(lines[0].compact(), "2025年部门收入预算总表");
    // 201 06 01 行政运行 16,231,840.80 16,231,840.80 (page 10 of the PDF)
    let row = lines
        .iter()
        .find(|l| l.compact().contains("行政运行"))
        .unwrap();
    let texts: Vec<&str> = row.spans.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "201",
            "06",
            "01",
            "行政运行",
            "16,231,840.80",
            "16,231,840.80"
        ]
    );
    // Right-aligned amounts end at the same x in every row of a column.
    let ends: Vec<f64> = lines
        .iter()
        .filter(|l| l.spans.len() >= 4 && l.spans[0].text.starts_with('2'))
        .filter_map(|l| l.spans.iter().rev().nth(1).map(|s| s.x1.round()))
        .collect();
    assert!(
        ends.len() > 8 && ends.iter().all(|&e| e == ends[0]),
        "{ends:?}"
    );
    // The header's multi-line cell 事业单位 / 经营收入 sits in its own column.
    let header = lines.iter().find(|l| l.compact() == "事业单位").unwrap();
    assert!(header.spans[0].x0 > 600.0);
}

#[test]
fn every_corpus_pdf_has_a_text_layer() {
    let mut stack = vec![std::path::PathBuf::from("datasets/pdf")];
    let mut n = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "pdf") {
                let pages = read_pages(&p, &std::fs::read(&p).unwrap()).unwrap();
                let lines: usize = pages.iter().map(|pg| page_lines(pg).len()).sum();
                assert!(lines > 200, "{}: {lines} lines", p.display());
                n += 1;
            }
        }
    }
    assert_eq!(n, 16);
}

#[test]
fn pdfs_without_text_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A one-page PDF whose only content is a filled rectangle: what a scan's text layer is.
    let body = "q 0 0 100 100 re f Q";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{body}\nendstream", body.len()),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for off in offsets {
        pdf.push_str(&format!("{off:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    let path = dir.path().join("scan.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let err = read_pages(&path, pdf.as_bytes()).unwrap_err().to_string();
    assert!(
        err.contains("scan.pdf") && err.contains("no text layer"),
        "{err}"
    );

    let broken = dir.path().join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.4\nthis is not a pdf").unwrap();
    let err = read_pages(&broken, b"%PDF-1.4\nthis is not a pdf")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("broken.pdf") && err.contains("not a readable PDF"),
        "{err}"
    );
}

fn parse_error(name: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let err = parse_file(&path, &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains(name), "the message names the file: {err}");
    err
}

#[test]
fn a_final_accounts_pdf_is_ingested_as_final_accounts() {
    // (Headed 决算数, as 决算 tables print it where budgets print 预算数.)
    let pdf = cjk_pdf(
        &summary_page_headed("某单位2023年度部门决算", "收入支出决算总表", "决算数"),
        "",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("final.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let doc = parse_file(&path, &Overrides::default()).unwrap();
    assert_eq!(doc.parsed.meta.kind.as_str(), "final_accounts");
    assert_eq!(doc.parsed.meta.year, 2023);
    assert_eq!(doc.parsed.meta.unit_name, "某单位");
    let total = doc
        .parsed
        .line_items
        .iter()
        .find(|i| i.line_key.as_deref() == Some("INC_TOTAL"))
        .map(|i| i.amount.to_string());
    assert_eq!(total.as_deref(), Some("1000000.00"));
}

#[test]
fn bad_pdfs_are_refused_with_their_reason() {
    // Not a budget disclosure: text, but no 预算/决算 and no table.
    let err = parse_error(
        "minutes.pdf",
        &cjk_pdf(
            &[
                ("会议纪要", 20.0, 20.0, 250.0),
                ("出席人员名单", 9.0, 20.0, 200.0),
            ],
            "",
        ),
    );
    assert!(err.contains("not a budget disclosure"), "{err}");
    // Encrypted.
    let err = parse_error(
        "locked.pdf",
        &cjk_pdf(
            &summary_page("某单位2023年度部门预算", "收支预算总表"),
            "/Encrypt 9 0 R /ID [(0123456789abcdef) (0123456789abcdef)]",
        ),
    );
    assert!(err.contains("encrypted"), "{err}");
    // Truncated: a corpus PDF cut short.
    let bytes = std::fs::read(PUTUO_2025).unwrap();
    let err = parse_error("cut.pdf", &bytes[..bytes.len() * 2 / 5]);
    assert!(err.contains("not a readable PDF"), "{err}");
    // Not a PDF at all, though named .pdf.
    let err = parse_error("notes.pdf", "预算说明".as_bytes());
    assert!(!err.is_empty(), "{err}");
}

/// A PDF whose page content is a Flate stream of a few MiB that decodes to more
/// than 256 MiB (a compression bomb) is refused, the bound named, without holding that
/// much: hayro-syntax (vendored) stops decoding at its bound.
#[test]
fn a_compression_bomb_is_refused_with_the_bound_named() {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(b"BT /F1 12 Tf 20 250 Td (budget) Tj ET\n")
        .unwrap();
    let blanks = vec![b' '; 1 << 20];
    for _ in 0..257 {
        z.write_all(&blanks).unwrap();
    }
    let stream = z.finish().unwrap();
    assert!(stream.len() < 4 << 20, "{} bytes", stream.len());
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 300] /Contents 4 0 R >>".to_vec(),
        [
            format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                stream.len()
            )
            .into_bytes(),
            stream,
            b"\nendstream".to_vec(),
        ]
        .concat(),
    ];
    let err = parse_error("bomb.pdf", &assemble_pdf(&objects, ""));
    assert!(
        err.contains("decodes to more than 256 MiB") && err.contains("page 1"),
        "{err}"
    );
}

/// The Chinese characters (CJK unified ideographs) of a text, sorted.
fn ideographs(text: &str) -> Vec<char> {
    let mut v: Vec<char> = text
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .collect();
    v.sort_unstable();
    v
}

/// How many of `a`'s characters `b` also has (both sorted).
fn common(a: &[char], b: &[char]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    n
}

/// Every corpus PDF whose Chinese fonts use a predefined CMap (GBK-EUC-H, UniGB-UCS2-H,
/// no ToUnicode map) reads, page by page, the same Chinese characters poppler's
/// `pdftotext` reads. Skipped with a notice where `../shared/corpus` or `pdftotext` is
/// absent (CI installs poppler-utils).
#[test]
fn predefined_cmap_fonts_read_the_same_chinese_as_poppler() {
    let files = [
        "chongqing/chongqing__经济和信息化委员会__2026__budget-dept.pdf",
        "chongqing/chongqing__科学技术局__2026__budget-dept.pdf",
        "shandong/yantai__发展和改革委员会__2026__budget-dept.pdf",
        "shandong/yantai__统计局__2026__budget-dept.pdf",
        "shandong/yantai__信访局__2026__budget-dept.pdf",
        "shandong/yantai__商务局__2026__budget-dept.pdf",
        "shandong/yantai__市场监督管理局__2026__budget-dept.pdf",
        "shandong/yantai__教育局__2026__budget-dept.pdf",
    ];
    let root = Path::new("../shared/corpus/pdf");
    let poppler = std::process::Command::new("pdftotext")
        .arg("-v")
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !root.exists() || !poppler {
        eprintln!("predefined CMaps: ../shared/corpus/pdf or pdftotext is absent; skipped");
        return;
    }
    for f in files {
        let path = root.join(f);
        let bytes = std::fs::read(&path).unwrap();
        let pages = read_pages(&path, &bytes).unwrap_or_else(|e| panic!("{f}: {e}"));
        let (mut ours_total, mut same_total) = (0, 0);
        for page in &pages {
            let ours = ideographs(
                &page
                    .glyphs
                    .iter()
                    .map(|g| g.text.as_str())
                    .collect::<String>(),
            );
            let out = std::process::Command::new("pdftotext")
                .args([
                    "-f",
                    &page.number.to_string(),
                    "-l",
                    &page.number.to_string(),
                ])
                .arg(&path)
                .arg("-")
                .output()
                .unwrap();
            let theirs = ideographs(&String::from_utf8_lossy(&out.stdout));
            let same = common(&ours, &theirs);
            // (Per page, allowing a few characters drawn twice or clipped differently.)
            assert!(
                same * 100 >= 97 * ours.len().max(theirs.len()),
                "{f} page {}: {same} of {} / {} ideographs in common",
                page.number,
                ours.len(),
                theirs.len()
            );
            ours_total += ours.len();
            same_total += same;
        }
        assert!(ours_total > 1000, "{f}: {ours_total} ideographs");
        eprintln!("{f}: {same_total} of {ours_total} ideographs as poppler reads them");
    }
}
