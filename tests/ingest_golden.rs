//! The Henan 2024 document, pinned against figures read from the document by hand
//! (`tests/golden/`): every table row and amount, the narrative facts, the projects and
//! the document metadata.

use std::path::Path;

use rust_decimal::Decimal;
use yusuan::ingest::{Overrides, parse_file};
use yusuan::model::{LineItem, RowKind, SourceDocument};

const HENAN: &str = "datasets/text/000_59511c5e13e4fdad.txt";

fn henan() -> SourceDocument {
    parse_file(Path::new(HENAN), &Overrides::default()).expect("the Henan document parses")
}

fn wan(yuan: Decimal) -> String {
    let w = yuan / Decimal::from(10_000);
    assert!(
        w.normalize().scale() <= 2,
        "{yuan} 元 is not a 2-decimal 万元 amount"
    );
    format!("{w:.2}")
}

fn row_key(item: &LineItem) -> String {
    match item.row_kind {
        RowKind::Total => "合计".into(),
        RowKind::Unit => item.row_unit_code.clone().unwrap_or_default(),
        RowKind::Function => item.function_code.clone().unwrap_or_default(),
        RowKind::Econ | RowKind::EconDetail => match (&item.econ_code, &item.gov_econ_code) {
            (d, Some(g)) => format!("{}/{g}", d.as_deref().unwrap_or("-")),
            (d, None) => d.clone().unwrap_or_default(),
        },
        RowKind::Line => item.line_key.clone().unwrap_or_else(|| "?".into()),
        RowKind::Project => "project".into(),
    }
}

/// Renders line items in the golden format, one line per table row.
fn render(doc: &SourceDocument) -> Vec<String> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut last: Option<(i32, i32, String, String)> = None;
    for it in &doc.parsed.line_items {
        let head = (it.table_no, it.row_no, row_key(it), it.row_label.clone());
        let cell = format!("{}={}", it.column.key, wan(it.amount));
        if last.as_ref() == Some(&head) {
            out.last_mut().unwrap().1.push(cell);
        } else {
            out.push((
                format!("{} {} {}", it.table_kind.as_str(), head.2, head.3),
                vec![cell],
            ));
            last = Some(head);
        }
    }
    out.into_iter()
        .map(|(h, cells)| format!("{h}: {}", cells.join(" ")))
        .collect()
}

#[test]
fn every_amount_matches_the_document() {
    let expected: Vec<String> = include_str!("golden/henan_2024_amounts.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let actual = render(&henan());
    for (i, (e, a)) in expected.iter().zip(&actual).enumerate() {
        assert_eq!(e, a, "row {} differs", i + 1);
    }
    assert_eq!(expected.len(), actual.len(), "number of table rows");
}

#[test]
fn document_metadata() {
    let d = henan();
    let m = &d.parsed.meta;
    assert_eq!(m.year, 2024);
    assert_eq!(m.unit_name, "洛龙区政务服务中心(本级)");
    assert_eq!(m.unit_code.as_deref(), Some("605001"));
    assert_eq!(m.kind.as_str(), "budget");
    assert_eq!(m.scope.as_str(), "unit");
    assert_eq!(m.region.as_deref(), Some("河南省洛阳市洛龙区"));
    assert_eq!(m.region_code.as_deref(), Some("410311"));
    assert_eq!(m.amount_unit, "万元");
    let kinds: Vec<&str> = d
        .parsed
        .tables
        .iter()
        .map(|t| t.table_kind.as_str())
        .collect();
    assert_eq!(kinds.len(), 13, "{kinds:?}");
    // The two fund tables are printed empty, each with a note saying why.
    let empty: Vec<_> = d.parsed.tables.iter().filter(|t| t.is_empty).collect();
    assert_eq!(empty.len(), 2);
    assert!(empty.iter().all(|t| {
        t.note
            .as_deref()
            .is_some_and(|n| n.contains("故此表无数据"))
    }));
}

#[test]
fn projects_of_the_project_table() {
    let d = henan();
    let projects: Vec<(String, String)> = d
        .parsed
        .projects
        .iter()
        .filter(|p| p.table_kind.as_str() == "project_expenditure")
        .map(|p| (p.project_name.clone(), wan(p.total.unwrap())))
        .collect();
    let total: Decimal = d
        .parsed
        .projects
        .iter()
        .filter(|p| p.table_kind.as_str() == "project_expenditure")
        .map(|p| p.total.unwrap())
        .sum();
    let expected: Vec<(String, String)> = [
        ("大厅标准化配置", "19.50"),
        ("政务服务全覆盖项目", "80.00"),
        ("行政效能经费", "40.00"),
        ("网络运行维护经费", "8.00"),
        ("洛龙智慧政务项目", "10.90"),
        ("民生实事服务免费项目", "36.00"),
        ("12345便民热线办公经费", "5.00"),
        ("政务实体大厅改造", "35.00"),
        ("政务大厅窗口服务专项经费", "73.80"),
        ("12345便民热线值班带班补助", "15.92"),
        ("网络维护经费", "220.00"),
    ]
    .iter()
    .map(|(n, a)| (n.to_string(), a.to_string()))
    .collect();
    assert_eq!(projects, expected);
    assert_eq!(total, Decimal::new(544_120_000, 2));
    assert!(
        d.parsed
            .projects
            .iter()
            .filter(|p| p.project_type.is_some())
            .all(|p| p.project_type.as_deref() == Some("其他运转类"))
    );
    let codes: Vec<&str> = d
        .parsed
        .projects
        .iter()
        .filter_map(|p| p.project_code.as_deref())
        .collect();
    assert_eq!(codes.len(), 11);
    assert_eq!(codes[0], "410311230000000014019");
}

#[test]
fn narrative_facts() {
    let d = henan();
    let fact = |key: &str| -> Vec<String> {
        d.parsed
            .facts
            .iter()
            .filter(|f| f.fact_key == key)
            .map(|f| format!("{}{}", f.number.normalize(), f.unit_text))
            .collect()
    };
    // As printed in the 预算说明 (sections 一 to 十).
    let expected: &[(&str, &str)] = &[
        ("summary.income_total", "827.29万元"),
        ("summary.expenditure_total", "827.29万元"),
        ("summary.total.change", "112.89万元"),
        ("summary.total.change_pct", "16%"),
        ("income.income", "827.29万元"),
        ("income.gpb_income", "827.29万元"),
        ("expenditure.expenditure", "827.29万元"),
        ("expenditure.basic", "283.17万元"),
        ("expenditure.basic.share", "34%"),
        ("expenditure.project", "544.12万元"),
        ("expenditure.project.share", "66%"),
        ("fiscal.total", "827.29万元"),
        ("fiscal.total.change", "112.89万元"),
        ("fiscal.total.change_pct", "16%"),
        ("gpb.total", "827.29万元"),
        ("gpb.basic", "283.17万元"),
        ("gpb.basic.share", "34%"),
        ("gpb.project", "544.12万元"),
        ("gpb.project.share", "66%"),
        ("gpb_basic.total", "283.17万元"),
        ("gpb_basic.personnel", "268.32万元"),
        ("gpb_basic.personnel.share", "95%"),
        ("gpb_basic.public", "14.85万元"),
        ("gpb_basic.public.share", "5%"),
        ("three_public.total", "1.5万元"),
        ("three_public.abroad", "0万元"),
        ("three_public.reception", "0万元"),
        ("three_public.car", "1.5万元"),
        ("three_public.car_purchase", "0万元"),
        ("three_public.car_operation", "1.5万元"),
        ("operating_cost.total", "22.68万元"),
        ("operating_cost.total.change", "8.69万元"),
        ("procurement.total", "0万元"),
        ("procurement.goods", "0万元"),
        ("procurement.works", "0万元"),
        ("procurement.services", "0万元"),
        ("performance.amount", "544.12万元"),
        ("performance.projects", "11个"),
        ("assets.vehicles", "1辆"),
        ("assets.vehicles_general", "1辆"),
        ("assets.vehicles_enforcement", "0辆"),
        ("assets.vehicles_other", "0辆"),
        ("assets.equipment_general", "0套"),
        ("assets.equipment_special", "0套"),
    ];
    for (key, value) in expected {
        assert_eq!(fact(key), vec![value.to_string()], "{key}");
    }
    assert_eq!(d.parsed.facts.len(), expected.len(), "no other facts");
    let total = d
        .parsed
        .facts
        .iter()
        .find(|f| f.fact_key == "summary.income_total")
        .unwrap();
    assert_eq!(total.amount, Some(Decimal::new(827_290_000, 2)));
    assert!(total.sentence.contains("收入总计827.29万元"));
    let change = d
        .parsed
        .facts
        .iter()
        .find(|f| f.fact_key == "operating_cost.total.change")
        .unwrap();
    assert_eq!(change.direction, Some("increase"));
}

#[test]
fn performance_indicators() {
    let d = henan();
    let of = |code: &str| -> Vec<String> {
        d.parsed
            .indicators
            .iter()
            .filter(|i| i.project_code.as_deref() == Some(code))
            .map(|i| format!("{}|{}|{}", i.level1, i.level3, i.target_text))
            .collect()
    };
    // 劳务派遣人员工资 (line 437-439 of the document).
    assert_eq!(
        of("410311230000000014019"),
        vec![
            "成本指标|工资及社保全年支出控制在|≤220万元",
            "产出指标|劳务派遣人员数量|51人",
            "效益指标|提升工作人员服务质量,优化营商环境|持续提升优化",
            "满意度指标|劳务派遣人员满意度|100%",
            "成本指标|工资及社保的人均支出成本每月控制|≤3594.77元",
            "产出指标|工资及社保足额支付完成率|100%",
            "效益指标|注重绿色环保|≥98%",
            "产出指标|工资及社保足额发放及时率|100%",
        ]
    );
    let first = d
        .parsed
        .indicators
        .iter()
        .find(|i| i.level3 == "工资及社保的人均支出成本每月控制")
        .unwrap();
    assert_eq!(first.operator, Some("≤"));
    assert_eq!(first.target_value.as_deref(), Some("3594.77"));
    assert_eq!(first.target_unit.as_deref(), Some("元"));
    // 确保中心系统正常运行时间 12 个月 is an output indicator of 洛龙智慧政务项目 (line 457).
    let uptime = d
        .parsed
        .indicators
        .iter()
        .find(|i| i.level3 == "确保中心系统正常运行时间")
        .unwrap();
    assert_eq!(uptime.level1, "产出指标");
    assert_eq!(
        uptime.project_code.as_deref(),
        Some("410311230000000014052")
    );
}

#[test]
fn warnings_name_their_lines() {
    let d = henan();
    let w = |code: &str| -> Vec<i32> {
        d.parsed
            .warnings
            .iter()
            .filter(|w| w.code == code)
            .filter_map(|w| w.line)
            .collect()
    };
    // 48. 4 / 84. 4 / 20. 4 beside 48.43 / 84.45 / 20.41 in 支出经济分类汇总表.
    assert_eq!(w("amount_completed"), vec![318, 329, 339]);
    // The 退休费 row printed without its 部门经济分类 code.
    assert_eq!(w("code_missing"), vec![300]);
    // 1 50 (the decimal point lost) repaired from the repeated row.
    assert_eq!(w("amount_repaired"), vec![391]);
}
