//! The PDF text layer: lines and spans with positions from the corpus PDFs
//! (`datasets/pdf/`), and clear refusals of PDFs without text.

use std::path::Path;

use yusuan::ingest::pdf::{page_lines, read_pages};

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
