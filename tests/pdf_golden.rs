//! Disclosure PDFs against figures read from the PDFs by hand (`tests/golden/*.txt`):
//! the `budget_totals` row, every `gpb_by_function` row, the "三公" parts and 机关运行经费;
//! and every table of every ingestible document adds up to its own 合计 row.

mod common;

use std::path::Path;

use rust_decimal::Decimal;
use yusuan::Engine;
use yusuan::ingest::balance::imbalances;
use yusuan::ingest::{Overrides, parse_file};

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
    let (_dir, engine) = common::engine_over(std::slice::from_ref(&doc)).await;

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
    sources.extend(
        yusuan::ingest::collect_inputs(&["datasets/pdf".into()])
            .all()
            .unwrap(),
    );
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
    // (A document is known by its canonical path.)
    let canonical = |f: &str| std::fs::canonicalize(f).unwrap().display().to_string();
    assert_eq!(cppcc.companion_path, Some(canonical(files[0])));
    assert_eq!(cppcc.source_path, canonical(files[1]));
    for (key, value) in [
        ("summary.income_total", "101504800.00"),
        ("three_public.abroad", "1060000.00"),
        ("three_public.reception", "4125000.00"),
    ] {
        assert!(has(cppcc, key, "value", value), "政协 2018 {key} {value}");
    }
}

/// The headline figures of a document, `budget_totals` columns in 元, as the golden files
/// of `tests/golden/corpus/` name them.
const FIGURES: [&str; 10] = [
    "income_total",
    "expenditure_total",
    "fiscal_income",
    "basic_total",
    "project_total",
    "gpb_total",
    "personnel_total",
    "public_total",
    "three_public_total",
    "operating_cost",
];

/// Ingests `docs` into a fresh dataset and returns, per document (by source path), its
/// status and its `budget_totals` figures (None = NULL).
async fn headline_figures(
    docs: &[yusuan::model::SourceDocument],
) -> Vec<(String, String, Vec<Option<Decimal>>)> {
    let (_dir, engine) = common::engine_over(docs).await;
    rows(
        &engine,
        &format!(
            "select d.source_path, d.status, {} from budget_totals b join documents d using (doc_id) order by 1",
            FIGURES.map(|f| format!("b.{f}")).join(", ")
        ),
    )
    .await
    .into_iter()
    .map(|r| {
        let figures = r[2..].iter().map(|v| dec(v)).collect();
        (r[0].clone(), r[1].clone(), figures)
    })
    .collect()
}

/// Documents of other families against figures read from their PDFs
/// (`tests/golden/corpus/*.txt`): each figure is exact or NULL (its table not verified),
/// never another value, and at least the golden's floor of them is exact; the unit's name,
/// where the golden gives one (`unit`), is the document's. A golden whose
/// source lies in `../shared/corpus` is skipped, with a notice, where that is absent.
#[tokio::test]
async fn corpus_goldens_are_exact_or_null() {
    let mut goldens: Vec<_> = std::fs::read_dir("tests/golden/corpus")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    goldens.sort();
    assert!(!goldens.is_empty());
    let mut checked = 0;
    for golden in goldens {
        let text = std::fs::read_to_string(&golden).unwrap();
        let field = |key: &str| {
            text.lines()
                .filter_map(move |l| l.strip_prefix(key).map(str::trim))
                .collect::<Vec<_>>()
        };
        let source = field("source ")[0];
        if source.starts_with("../shared") && !Path::new(source).exists() {
            eprintln!("{}: {source} is absent; skipped", golden.display());
            continue;
        }
        // (A tables part may be published with a narrative part that completes it.)
        let mut docs: Vec<_> = std::iter::once(source)
            .chain(field("companion "))
            .map(|f| match parse_file(Path::new(f), &Overrides::default()) {
                Ok(d) => d,
                Err(yusuan::Error::YearMissing { document, .. }) => *document,
                Err(e) => panic!("{}: {e}", golden.display()),
            })
            .collect();
        let (paired, unpaired) =
            yusuan::ingest::companion::attach_companions(std::mem::take(&mut docs));
        assert!(unpaired.is_empty(), "{}: {unpaired:?}", golden.display());
        if let Some(unit) = field("unit ").first() {
            assert_eq!(
                paired[0].parsed.meta.unit_name,
                *unit,
                "{}: unit",
                golden.display()
            );
        }
        let got = headline_figures(&paired).await;
        assert_eq!(got.len(), 1, "{}: one document", golden.display());
        let (_, _, values) = &got[0];
        let mut exact = 0;
        for f in field("figure ") {
            let (name, want) = f.split_once(' ').unwrap();
            let at = FIGURES.iter().position(|x| *x == name).unwrap();
            match values[at] {
                None => {}
                Some(have) => {
                    assert_eq!(
                        have.normalize(),
                        dec(want).unwrap().normalize(),
                        "{}: {name}",
                        golden.display()
                    );
                    exact += 1;
                }
            }
        }
        let floor: usize = field("exact_at_least ")[0].parse().unwrap();
        assert!(
            exact >= floor,
            "{}: {exact} figures exact, fewer than {floor}",
            golden.display()
        );
        checked += 1;
    }
    assert!(checked >= 1);
}

/// Every corpus PDF (`../shared/corpus/pdf`; skipped with a notice where absent) as a new
/// user would ingest it, one batch: whether it is stored (complete / partial) or refused
/// and why, its tables verified of found, and how many headline figures it yields. The
/// report is printed (`--nocapture`) and written to `target/corpus-report.md`; every
/// stored table adds up to its printed totals.
#[tokio::test]
async fn corpus_report() {
    let root = Path::new("../shared/corpus/pdf");
    if !root.exists() {
        eprintln!("corpus_report: {} is absent; skipped", root.display());
        return;
    }
    let files = yusuan::ingest::collect_inputs(&[root.into()])
        .all()
        .unwrap();
    let mut docs = Vec::new();
    let mut refused = Vec::new();
    for f in &files {
        match parse_file(f, &Overrides::default()) {
            Ok(d) => docs.push(d),
            Err(yusuan::Error::YearMissing { document, .. }) => docs.push(*document),
            Err(e) => refused.push((f.display().to_string(), e.to_string())),
        }
    }
    let (docs, unpaired) = yusuan::ingest::companion::attach_companions(docs);
    for e in unpaired {
        refused.push((String::new(), e.to_string()));
    }
    for d in &docs {
        let problems = imbalances(&d.parsed.line_items);
        assert!(problems.is_empty(), "{}: {problems:#?}", d.source_path);
    }
    let figures = headline_figures(&docs).await;
    let mut report = String::from(
        "| document | status | tables verified / found | headline figures |\n|---|---|---|---|\n",
    );
    let name = |p: &str| {
        p.rsplit('/')
            .next()
            .unwrap_or(p)
            .trim_end_matches(".pdf")
            .to_string()
    };
    for (path, status, values) in &figures {
        let d = docs.iter().find(|d| &d.source_path == path).unwrap();
        let verified = d
            .parsed
            .tables
            .iter()
            .filter(|t| t.status.is_trusted())
            .count();
        report.push_str(&format!(
            "| {} | {status} ({}) | {verified} / {} | {} / {} |\n",
            name(path),
            d.parsed.meta.kind.as_str(),
            d.parsed.tables.len(),
            values.iter().filter(|v| v.is_some()).count(),
            FIGURES.len()
        ));
    }
    for (path, reason) in &refused {
        // (An unpaired narrative's error names its file first.)
        let path = if path.is_empty() {
            reason.split(".pdf:").next().unwrap_or_default()
        } else {
            path
        };
        let reason = reason
            .strip_prefix(path)
            .unwrap_or(reason)
            .trim_start_matches(".pdf")
            .trim_start_matches(':')
            .trim()
            .replace('|', "/");
        let short: String = reason.chars().take(160).collect();
        report.push_str(&format!("| {} | refused: {short} | | |\n", name(path)));
    }
    println!("{report}");
    let _ = std::fs::create_dir_all("target");
    let _ = std::fs::write("target/corpus-report.md", &report);
    assert_eq!(
        docs.len() + refused.len() + docs.iter().filter(|d| d.companion_path.is_some()).count(),
        files.len()
    );
}

/// A document some of whose tables do not verify is stored `partial`: each such table is
/// recorded with its status, reason and page and a warning, and none of its amounts,
/// projects or indicators is stored; the verified tables' amounts are.
#[test]
fn an_unverified_table_is_recorded_and_its_amounts_are_left_out() {
    use yusuan::model::TableStatus;
    // (Beijing's tables part: several of its tables are not read yet; alone it lacks its
    // year, which does not matter here.)
    let source =
        "datasets/pdf-tests/beijing/beijing__信访办公室__2026__budget-dept__part2-tables.pdf";
    let doc = match parse_file(Path::new(source), &Overrides::default()) {
        Ok(d) => d,
        Err(yusuan::Error::YearMissing { document, .. }) => *document,
        Err(e) => panic!("{e}"),
    };
    let p = &doc.parsed;
    assert_eq!(p.status(), "partial");
    let (trusted, doubtful): (Vec<_>, Vec<_>) =
        p.tables.iter().partition(|t| t.status.is_trusted());
    assert!(!doubtful.is_empty() && !trusted.is_empty());
    for t in doubtful {
        assert!(matches!(
            t.status,
            TableStatus::Unverified | TableStatus::Unread
        ));
        assert!(t.status_reason.as_deref().is_some_and(|r| !r.is_empty()));
        assert!(t.page.is_some_and(|n| n >= 1));
        assert_eq!(t.amount_count, 0);
        assert!(
            !p.line_items.iter().any(|i| i.table_no == t.table_no),
            "{}",
            t.title
        );
        assert!(p.warnings.iter().any(|w| {
            w.line == Some(t.source_line) && matches!(w.code, "table_unverified" | "table_unread")
        }));
    }
    for t in trusted.iter().filter(|t| t.status == TableStatus::Verified) {
        let n = p
            .line_items
            .iter()
            .filter(|i| i.table_no == t.table_no)
            .count();
        assert_eq!(n as i32, t.amount_count, "{}", t.title);
        assert!(n > 0, "{}", t.title);
    }
}

/// A tables PDF that prints neither its year nor its unit (Beijing's 报表) is refused alone
/// for want of a year, and completed by the narrative PDF published beside it: one
/// document, the narrative's year and unit, the narrative listed as its companion.
#[test]
fn a_tables_part_takes_its_year_and_unit_from_its_narrative() {
    let tables =
        "datasets/pdf-tests/beijing/beijing__信访办公室__2026__budget-dept__part2-tables.pdf";
    let narrative =
        "datasets/pdf-tests/beijing/beijing__信访办公室__2026__budget-dept__part1-text.pdf";
    let Err(yusuan::Error::YearMissing { document, .. }) =
        parse_file(Path::new(tables), &Overrides::default())
    else {
        panic!("the tables part states no year");
    };
    let (alone, errors) = yusuan::ingest::companion::attach_companions(vec![(*document).clone()]);
    assert!(alone.is_empty());
    assert!(matches!(
        errors.as_slice(),
        [yusuan::Error::YearMissing { .. }]
    ));
    let text = parse_file(Path::new(narrative), &Overrides::default()).unwrap();
    let (docs, errors) = yusuan::ingest::companion::attach_companions(vec![*document, text]);
    assert!(errors.is_empty(), "{errors:?}");
    let [doc] = docs.as_slice() else {
        panic!("one document")
    };
    assert_eq!(doc.parsed.meta.year, 2026);
    assert_eq!(doc.parsed.meta.unit_name, "北京市信访办公室");
    let canonical = |f: &str| std::fs::canonicalize(f).unwrap().display().to_string();
    assert_eq!(doc.companion_path, Some(canonical(narrative)));
    assert_eq!(doc.source_path, canonical(tables));
}

/// A summary table whose 类 lines do not add up to its 本年支出合计 (a class amount misread
/// or lost) is not in balance, though its 收入 and 支出 totals agree.
#[test]
fn a_summary_whose_classes_miss_an_amount_is_out_of_balance() {
    let doc = parse_file(
        Path::new("datasets/pdf/shanghai/普陀区财政局/上海市普陀区财政局2025年部门预算.pdf"),
        &Overrides::default(),
    )
    .unwrap();
    let mut items = doc.parsed.line_items.clone();
    assert!(imbalances(&items).is_empty());
    let class = items
        .iter_mut()
        .find(|i| {
            i.table_kind.as_str() == "income_expenditure_summary"
                && i.row_kind.as_str() == "function"
                && i.amount > Decimal::ZERO
        })
        .expect("a 类 line of the 收支总表");
    class.amount -= Decimal::from(1000);
    let problems = imbalances(&items);
    assert!(
        problems.iter().any(|p| p.column.contains("Σ 类")),
        "{problems:?}"
    );
}
