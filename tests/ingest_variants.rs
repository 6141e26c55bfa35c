//! Layouts of the same family that the Henan document does not show: a 部门 budget of
//! several units, amounts in 元 with thousands separators, compact 功能分类 codes at every
//! level, a 支出表 without breakdown columns, and a 基本支出表 with a province's 7-digit
//! 经济分类 sub-items (`tests/fixtures/`).

use std::path::Path;

use rust_decimal::Decimal;
use yusuan::ingest::{Overrides, parse_file};

#[test]
fn department_budget_in_yuan_with_compact_codes() {
    let d = parse_file(
        Path::new("tests/fixtures/department_yuan_compact_codes.txt"),
        &Overrides::default(),
    )
    .unwrap();
    let m = &d.parsed.meta;
    assert_eq!(
        (m.year, m.scope.as_str(), m.unit_name.as_str()),
        (2025, "department", "某某区教育局")
    );
    assert_eq!(m.unit_code.as_deref(), Some("101"));
    let rows: Vec<String> = d
        .parsed
        .line_items
        .iter()
        .filter(|i| i.table_kind.as_str() == "expenditure" && i.column.key == "total")
        .map(|i| {
            format!(
                "{} {} {}",
                i.row_kind.as_str(),
                i.function_code
                    .as_deref()
                    .or(i.row_unit_code.as_deref())
                    .unwrap_or("-"),
                i.amount
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            "total - 12345600.00",
            "unit 101 10000000.00",
            "function 205 10000000.00",
            "function 20502 10000000.00",
            "function 2050201 10000000.00",
            "unit 102 2345600.00",
            "function 2050203 2345600.00",
        ]
    );
    // 基本支出 and 项目支出 land under their own columns although the table prints no
    // breakdown columns.
    let basic: Decimal = d
        .parsed
        .line_items
        .iter()
        .filter(|i| {
            i.table_kind.as_str() == "expenditure"
                && i.row_kind.as_str() == "total"
                && i.column.key == "basic"
        })
        .map(|i| i.amount)
        .sum();
    assert_eq!(basic, Decimal::new(234_560_000, 2));
    // Each row of the 支出表 listed by unit carries its unit (the 合计 row none).
    let units: Vec<Option<&str>> = d
        .parsed
        .line_items
        .iter()
        .filter(|i| i.table_kind.as_str() == "expenditure" && i.column.key == "total")
        .map(|i| i.budget_unit.as_deref())
        .collect();
    let (a, b) = (Some("某某区教育局"), Some("某某区第一中学"));
    assert_eq!(units, vec![None, a, a, a, a, b, b]);
    // A 7-digit 经济分类 sub-item under its printed 款 is a detail of it, with its own
    // code; one printed where no 款 row is (3021101 差旅费) stands for its 款.
    let econ: Vec<String> = d
        .parsed
        .line_items
        .iter()
        .filter(|i| i.table_kind.as_str() == "gpb_basic_expenditure" && i.column.key == "total")
        .map(|i| {
            format!(
                "{} {} {}",
                i.row_kind.as_str(),
                i.econ_code.as_deref().unwrap_or("-"),
                i.row_label
            )
        })
        .collect();
    assert_eq!(
        econ,
        vec![
            "total - 合计",
            "econ 301 工资福利支出",
            "econ 30101 基本工资",
            "econ 30102 津贴补贴",
            "econ_detail 3010201 规范性津补贴",
            "econ_detail 3010202 其他津补贴",
            "econ 302 商品和服务支出",
            "econ 30211 差旅费",
        ]
    );
    let income = d
        .parsed
        .facts
        .iter()
        .find(|f| f.fact_key == "summary.income_total")
        .unwrap();
    assert_eq!(income.amount, Some(Decimal::new(1_234_560_000, 2)));
}
