//! Layouts of the same family that the Henan document does not show: a 部门 budget of
//! several units, amounts in 元 with thousands separators, compact 功能分类 codes at every
//! level, and a 支出表 without breakdown columns (`tests/fixtures/`).

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
        .filter(|i| i.column.key == "total")
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
        .filter(|i| i.row_kind.as_str() == "total" && i.column.key == "basic")
        .map(|i| i.amount)
        .sum();
    assert_eq!(basic, Decimal::new(234_560_000, 2));
    let income = d
        .parsed
        .facts
        .iter()
        .find(|f| f.fact_key == "summary.income_total")
        .unwrap();
    assert_eq!(income.amount, Some(Decimal::new(1_234_560_000, 2)));
}
