//! Shared by the test crates: the bundled sample as documents.

use std::path::PathBuf;

use yusuan::ingest::companion::attach_companions;
use yusuan::ingest::{Overrides, collect_inputs, parse_file};
use yusuan::model::SourceDocument;

/// Every bundled document (the Henan text and the corpus PDFs, 文件 joined to 表格).
#[allow(dead_code)] // (not every test crate that includes this module needs it)
pub fn sample_documents() -> Vec<SourceDocument> {
    let files = collect_inputs(&[
        PathBuf::from("datasets/text"),
        PathBuf::from("datasets/pdf"),
    ])
    .all()
    .unwrap();
    let docs = files
        .iter()
        .map(|f| parse_file(f, &Overrides::default()).unwrap())
        .collect();
    let (docs, unpaired) = attach_companions(docs);
    assert!(unpaired.is_empty(), "{unpaired:?}");
    docs
}

/// A fresh dataset holding `docs`, opened by the engine (the directory lives as long as
/// the returned guard).
#[allow(dead_code)] // (not every test crate that includes this module needs it)
pub async fn engine_over(docs: &[SourceDocument]) -> (tempfile::TempDir, yusuan::Engine) {
    let tmp = tempfile::tempdir().unwrap();
    yusuan::storage::Dataset::open_or_create(tmp.path())
        .unwrap()
        .commit(docs, 0)
        .unwrap();
    let engine = yusuan::Engine::open(tmp.path()).await.unwrap();
    (tmp, engine)
}

/// A one-page PDF drawing `texts` (text, size, x, y) in a CJK font (Identity-H with a
/// ToUnicode map, as publishers' PDFs do), with `trailer` added to its trailer.
#[allow(dead_code)]
pub fn cjk_pdf(texts: &[(&str, f64, f64, f64)], trailer: &str) -> Vec<u8> {
    cjk_pdf_with(
        texts,
        &PdfParts {
            trailer,
            ..PdfParts::default()
        },
    )
}

/// What a test adds to or changes in [`cjk_pdf`]'s PDF: to its trailer, to the page's
/// resources and content, objects after its nine (numbered from 10), and objects replaced
/// (by number, 1 the catalog, 2 the page tree, 3 the page, 4 its content).
#[derive(Default)]
#[allow(dead_code)]
pub struct PdfParts<'a> {
    pub trailer: &'a str,
    pub resources: &'a str,
    pub content: &'a str,
    pub extra: Vec<Vec<u8>>,
    pub replace: Vec<(usize, Vec<u8>)>,
}

/// [`cjk_pdf`] with `parts`.
#[allow(dead_code)]
pub fn cjk_pdf_with(texts: &[(&str, f64, f64, f64)], parts: &PdfParts) -> Vec<u8> {
    let hex = |t: &str| {
        t.chars()
            .map(|c| format!("{:04X}", c as u32))
            .collect::<String>()
    };
    let body: String = texts
        .iter()
        .map(|(t, size, x, y)| format!("BT /F1 {size} Tf {x} {y} Td <{}> Tj ET\n", hex(t)))
        .chain(std::iter::once(parts.content.to_string()))
        .collect();
    let mut chars: Vec<char> = texts.iter().flat_map(|(t, ..)| t.chars()).collect();
    chars.sort();
    chars.dedup();
    let cmap = format!(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n\
         1 begincodespacerange <0000> <FFFF> endcodespacerange\n{} beginbfchar\n{}\nendbfchar\n\
         endcmap CMapName currentdict /CMap defineresource pop end end",
        chars.len(),
        chars
            .iter()
            .map(|c| format!("<{:04X}> <{:04X}>", *c as u32, *c as u32))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 300] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> {} >> >>", parts.resources),
        format!("<< /Length {} >>\nstream\n{body}\nendstream", body.len()),
        "<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 8 0 R >>".to_string(),
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 /CIDToGIDMap /Identity >>".to_string(),
        "<< /Type /FontDescriptor /FontName /SimSun /Flags 6 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 80 >>".to_string(),
        format!("<< /Length {} >>\nstream\n{cmap}\nendstream", cmap.len()),
        "<< /Filter /Standard /V 1 /R 2 /O (abcdefghijklmnopqrstuvwxyzabcdef) /U (abcdefghijklmnopqrstuvwxyzabcdef) /P -4 >>".to_string(),
    ];
    let mut objects: Vec<Vec<u8>> = objects.iter().map(|o| o.clone().into_bytes()).collect();
    objects.extend(parts.extra.iter().cloned());
    for (n, o) in &parts.replace {
        objects[n - 1] = o.clone();
    }
    assemble_pdf(&objects, parts.trailer)
}

/// A PDF of `objects` (numbered from 1, the catalog first) with its cross-reference table.
#[allow(dead_code)]
pub fn assemble_pdf(objects: &[Vec<u8>], trailer: &str) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n", i + 1).bytes());
        pdf.extend(o);
        pdf.extend(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for off in offsets {
        pdf.extend(format!("{off:010} 00000 n \n").bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    pdf
}

/// A two-sided 收支 table under a cover title, every figure 100.00.
#[allow(dead_code)]
pub fn summary_page(cover: &str, table: &str) -> Vec<(&'static str, f64, f64, f64)> {
    summary_page_headed(cover, table, "金额")
}

/// The same, its amount columns headed `amount` (`决算数` in a 决算).
#[allow(dead_code)]
pub fn summary_page_headed(
    cover: &str,
    table: &str,
    amount: &str,
) -> Vec<(&'static str, f64, f64, f64)> {
    let cover: &'static str = Box::leak(cover.to_string().into_boxed_str());
    let table: &'static str = Box::leak(table.to_string().into_boxed_str());
    let amount: &'static str = Box::leak(amount.to_string().into_boxed_str());
    vec![
        (cover, 20.0, 20.0, 270.0),
        (table, 14.0, 20.0, 240.0),
        ("单位名称：某单位", 9.0, 20.0, 222.0),
        ("单位：万元", 9.0, 300.0, 222.0),
        ("项目", 9.0, 20.0, 200.0),
        (amount, 9.0, 120.0, 200.0),
        ("项目", 9.0, 200.0, 200.0),
        (amount, 9.0, 320.0, 200.0),
        ("一、一般公共预算财政拨款收入", 9.0, 20.0, 185.0),
        ("100.00", 9.0, 120.0, 185.0),
        ("一、一般公共服务支出", 9.0, 200.0, 185.0),
        ("100.00", 9.0, 320.0, 185.0),
        ("收入总计", 9.0, 20.0, 170.0),
        ("100.00", 9.0, 120.0, 170.0),
        ("支出总计", 9.0, 200.0, 170.0),
        ("100.00", 9.0, 320.0, 170.0),
    ]
}
