//! Disclosure PDFs against figures read from the PDFs by hand (`tests/golden/*.txt`):
//! the `budget_totals` row, every `gpb_by_function` row, the "三公" parts and 机关运行经费;
//! and every table of every ingestible document adds up to its own 合计 row.

use std::path::Path;

use rust_decimal::Decimal;
use yusuan::Engine;
use yusuan::ingest::balance::imbalances;
use yusuan::ingest::{Overrides, parse_file};
use yusuan::storage::Dataset;

fn dec(s: &str) -> Option<Decimal> {
    (!s.is_empty()).then(|| s.parse().unwrap_or_else(|_| panic!("not a number: {s}")))
}

async fn rows(engine: &Engine, sql: &str) -> Vec<Vec<String>> {
    let batches = engine.sql(sql).await.unwrap();
    let mut out = Vec::new();
    for b in batches {
        let opts = datafusion::arrow::util::display::FormatOptions::default();
        let fmts: Vec<_> = b
            .columns()
            .iter()
            .map(|c| {
                datafusion::arrow::util::display::ArrayFormatter::try_new(c.as_ref(), &opts)
                    .unwrap()
            })
            .collect();
        for r in 0..b.num_rows() {
            out.push(fmts.iter().map(|f| f.value(r).to_string()).collect());
        }
    }
    out
}

async fn check_golden(golden: &str) {
    let text = std::fs::read_to_string(golden).unwrap();
    let source = text
        .lines()
        .find_map(|l| l.strip_prefix("source "))
        .unwrap();
    let doc = parse_file(Path::new(source), &Overrides::default()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    Dataset::open_or_create(tmp.path())
        .unwrap()
        .commit(std::slice::from_ref(&doc), 0)
        .unwrap();
    let engine = Engine::open(tmp.path()).await.unwrap();

    // budget_totals
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("budget_totals "))
        .unwrap();
    let fields: Vec<(&str, &str)> = line
        .split(' ')
        .map(|kv| kv.split_once('=').unwrap())
        .collect();
    let cols: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    let got = rows(
        &engine,
        &format!("select {} from budget_totals", cols.join(", ")),
    )
    .await;
    assert_eq!(got.len(), 1, "{golden}: one budget_totals row");
    for ((k, want), have) in fields.iter().zip(&got[0]) {
        if want.contains('.') && want.chars().all(|c| c.is_ascii_digit() || c == '.') {
            assert_eq!(dec(have), dec(want), "{golden}: budget_totals.{k}");
        } else {
            assert_eq!(have, want, "{golden}: budget_totals.{k}");
        }
    }

    // gpb_by_function, in printed order
    let expected: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|l| l.split('|').collect())
        .collect();
    let got = rows(
        &engine,
        "select function_code, level, function_name, total, basic, project from gpb_by_function",
    )
    .await;
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want_sorted: Vec<Vec<String>> = expected
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
    want_sorted.sort();
    assert_eq!(got.len(), expected.len(), "{golden}: gpb_by_function rows");
    for (w, h) in want_sorted.iter().zip(&got_sorted) {
        assert_eq!(&w[..3], &h[..3], "{golden}: gpb_by_function row");
        for i in 3..6 {
            assert_eq!(dec(&w[i]), dec(&h[i]), "{golden}: {} column {i}", w[0]);
        }
    }

    // 三公 parts and 机关运行经费, as printed in 万元
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("three_public "))
        .unwrap();
    let printed: Vec<(&str, &str)> = line
        .split(' ')
        .map(|kv| kv.split_once('=').unwrap())
        .collect();
    let parts: Vec<(&str, Decimal)> = doc
        .parsed
        .line_items
        .iter()
        .filter(|i| i.table_kind.as_str() == "three_public")
        .map(|i| (i.column.key, i.amount / Decimal::from(10_000)))
        .collect();
    assert_eq!(parts.len(), printed.len(), "{golden}: 三公 cells {parts:?}");
    for (k, v) in printed {
        let have = parts.iter().find(|(c, _)| *c == k).map(|(_, a)| *a);
        assert_eq!(
            have.map(|h| h.normalize()),
            dec(v).map(|d| d.normalize()),
            "{golden}: 三公 {k}"
        );
    }
}

#[tokio::test]
async fn putuo_finance_bureau_2025() {
    check_golden("tests/golden/putuo_finance_2025.txt").await;
}

#[tokio::test]
async fn putuo_wanli_subdistrict_2024() {
    check_golden("tests/golden/putuo_wanli_2024.txt").await;
}

#[test]
fn every_table_adds_up_to_its_printed_total() {
    // Every corpus document with tables (the text sample and every PDF; a narrative-only
    // 文件 PDF has none): each table's top-level rows sum to its 合计, each two-sided
    // table's 收入 total equals its 支出 total.
    let mut sources = vec![std::path::PathBuf::from(
        "datasets/text/000_59511c5e13e4fdad.txt",
    )];
    sources.extend(yusuan::ingest::collect_inputs(&["datasets/pdf".into()]).unwrap());
    let mut with_tables = 0;
    for source in &sources {
        let doc = parse_file(source, &Overrides::default())
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        if doc.parsed.tables.is_empty() {
            assert!(!doc.parsed.facts.is_empty(), "{}", source.display());
            continue;
        }
        with_tables += 1;
        let problems = imbalances(&doc.parsed.line_items);
        assert!(problems.is_empty(), "{}: {problems:#?}", source.display());
        let tables_with_totals = doc.parsed.tables.iter().filter(|t| !t.is_empty).count();
        assert!(
            tables_with_totals >= 7,
            "{}: {tables_with_totals} tables read",
            source.display()
        );
    }
    // The Henan text, 2 Shanghai PDFs, 10 Jiangsu unit-years.
    assert_eq!(with_tables, 13);
}

#[tokio::test]
async fn jiangsu_npc_2017() {
    check_golden("tests/golden/jiangsu_npc_2017.txt").await;
}

#[tokio::test]
async fn jiangsu_npc_2018() {
    check_golden("tests/golden/jiangsu_npc_2018.txt").await;
}

#[tokio::test]
async fn jiangsu_procuratorate_2017() {
    check_golden("tests/golden/jiangsu_procuratorate_2017.txt").await;
}

#[tokio::test]
async fn jiangsu_procuratorate_2018() {
    check_golden("tests/golden/jiangsu_procuratorate_2018.txt").await;
}

#[tokio::test]
async fn jiangsu_party_office_2017() {
    check_golden("tests/golden/jiangsu_party_office_2017.txt").await;
}

#[tokio::test]
async fn jiangsu_party_office_2018() {
    check_golden("tests/golden/jiangsu_party_office_2018.txt").await;
}

#[tokio::test]
async fn jiangsu_cppcc_2017() {
    check_golden("tests/golden/jiangsu_cppcc_2017.txt").await;
}

#[tokio::test]
async fn jiangsu_cppcc_2018() {
    check_golden("tests/golden/jiangsu_cppcc_2018.txt").await;
}

#[tokio::test]
async fn jiangsu_court_2017() {
    check_golden("tests/golden/jiangsu_court_2017.txt").await;
}

#[tokio::test]
async fn jiangsu_court_2018() {
    check_golden("tests/golden/jiangsu_court_2018.txt").await;
}

/// Narrative figures, as the PDFs print them (`yusuan pdf-lines`): a Shanghai document
/// and a Jiangsu 文件 PDF stored with its 表格 PDF.
#[test]
fn narrative_facts_of_the_pdfs() {
    let has = |doc: &yusuan::model::SourceDocument, key: &str, relation: &str, value: &str| {
        let want: Decimal = value.parse().unwrap();
        doc.parsed.facts.iter().any(|f| {
            f.fact_key == key
                && f.relation == relation
                && f.amount.unwrap_or(f.number).normalize() == want.normalize()
        })
    };
    // 普陀区财政局 2025: “三公”经费预算数为0.95万元；机关运行经费预算为229.43万元；政府采购预算
    // 117.00万元 (货物 17.00, 服务 100.00)；绩效目标的项目共4个，涉及项目预算资金598.46万元.
    let putuo = parse_file(
        Path::new("datasets/pdf/shanghai/普陀区财政局/上海市普陀区财政局2025年部门预算.pdf"),
        &Overrides::default(),
    )
    .unwrap();
    for (key, relation, value) in [
        ("three_public.total", "value", "9500.00"),
        ("operating_cost.total", "value", "2294300.00"),
        ("procurement.total", "value", "1170000.00"),
        ("procurement.goods", "value", "170000.00"),
        ("procurement.services", "value", "1000000.00"),
        ("performance.projects", "count", "4"),
        ("performance.amount", "value", "5984600.00"),
    ] {
        assert!(
            has(&putuo, key, relation, value),
            "普陀区财政局 {key} {value}"
        );
    }
    // 江苏省政协办公厅 2018 (文件 + 表格): 收入预算总计10,150.48万元；因公出国（境）费支出106万元；
    // 公务接待费支出412.50万元.
    let files = [
        "datasets/pdf/jiangsu/江苏省政协办公厅/江苏省政协办公厅2018年度部门预算.pdf",
        "datasets/pdf/jiangsu/江苏省政协办公厅/江苏省政协办公厅2018度部门预算公开表.pdf",
    ];
    let docs = files
        .iter()
        .map(|f| parse_file(Path::new(f), &Overrides::default()).unwrap())
        .collect();
    let (docs, unpaired) = yusuan::ingest::companion::attach_companions(docs);
    assert!(unpaired.is_empty());
    assert_eq!(docs.len(), 1);
    let cppcc = &docs[0];
    assert_eq!(cppcc.companion_path.as_deref(), Some(files[0]));
    assert_eq!(cppcc.source_path, files[1]);
    for (key, value) in [
        ("summary.income_total", "101504800.00"),
        ("three_public.abroad", "1060000.00"),
        ("three_public.reception", "4125000.00"),
    ] {
        assert!(has(cppcc, key, "value", value), "政协 2018 {key} {value}");
    }
}
