//! Planted inconsistencies: one wrong printed figure (or code) in a generated document,
//! of every rule family of the checks, with the ground truth of what was planted where.
//!
//! Each kind changes what a typo in one cell of a real disclosure changes, and names the
//! rules whose formulas (docs/checks.md) include that cell — the findings a correct
//! checker must report for it, and the only ones. Owns no numbers' generation.

use rust_decimal::Decimal;

use super::document::yuan;
use crate::model::{LineItem, RowKind, SourceDocument, TableKind};

/// One kind of planted error.
pub struct Kind {
    pub name: &'static str,
    /// The rule family (the file of `queries/checks/`).
    pub family: &'static str,
    /// The rules that must report it.
    pub rules: &'static [&'static str],
    pub description: &'static str,
}

pub const KINDS: &[Kind] = &[
    Kind {
        name: "summary_expenditure_total",
        family: "balance",
        rules: &["BAL-001", "XT-001"],
        description: "收支预算表 支出总计 misprinted",
    },
    Kind {
        name: "basic_row_split",
        family: "balance",
        rules: &["BAL-003", "HIE-003"],
        description: "一般公共预算基本支出表: a 款 row's 人员经费 misprinted (its 类 no longer adds up)",
    },
    Kind {
        name: "three_public_car_operation",
        family: "balance",
        rules: &["BAL-004"],
        description: "\"三公\"经费表 公务用车运行费 misprinted",
    },
    Kind {
        name: "function_leaf_wages",
        family: "hierarchy",
        rules: &["HIE-001"],
        description: "支出表: a 项 row's 工资福利支出 misprinted",
    },
    Kind {
        name: "econ_kuan_total",
        family: "hierarchy",
        rules: &["HIE-003"],
        description: "支出经济分类汇总表: a 款 row's 总计 misprinted",
    },
    Kind {
        name: "income_fiscal",
        family: "cross_table",
        rules: &["XT-005"],
        description: "收入预算表 合计 其中:财政拨款 misprinted",
    },
    Kind {
        name: "basic_table_total",
        family: "cross_table",
        rules: &["BAL-003", "XT-002"],
        description: "一般公共预算基本支出表 合计 misprinted",
    },
    Kind {
        name: "performance_project_amount",
        family: "cross_table",
        rules: &["XT-004"],
        description: "绩效目标表: a project's 资金总额 misprinted",
    },
    Kind {
        name: "project_amount",
        family: "cross_table",
        rules: &["XT-003", "XT-004"],
        description: "项目支出表: a project's amount misprinted",
    },
    Kind {
        name: "narrative_income_total",
        family: "narrative",
        rules: &["NAR-001"],
        description: "预算说明: 收入预算总计 misstated",
    },
    Kind {
        name: "econ_code",
        family: "codes",
        rules: &["COD-001", "HIE-003"],
        description: "一般公共预算基本支出表: a 301 款 code misprinted as 201 (2018 on; the 301 类 loses a child)",
    },
];

/// What was planted in one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Planted {
    pub doc_id: String,
    pub year: i32,
    pub unit_name: String,
    pub kind: &'static str,
    pub family: &'static str,
    pub rules: &'static [&'static str],
    pub table_kind: &'static str,
    pub row_label: String,
    pub column_key: String,
    /// The figure (or code) as generated, and as planted.
    pub original: String,
    pub planted: String,
}

/// Adds `delta` (hundredths of 万元) to an item, keeping its printed text in step.
fn bump(item: &mut LineItem, delta: i64) {
    item.amount += yuan(delta);
    let wan = item.amount / Decimal::from(10_000);
    item.amount_text = format!("{wan:.2}");
}

/// Plants an error of kind `KINDS[first]` in `doc` — or of the next kind that applies to
/// this document (a unit without cars has no 公务用车运行费 to misprint). `delta` is the
/// amount added, in hundredths of 万元 (well above rounding).
pub fn plant(doc: &mut SourceDocument, first: usize, delta: i64) -> Option<Planted> {
    (0..KINDS.len()).find_map(|i| plant_kind(doc, (first + i) % KINDS.len(), delta))
}

fn plant_kind(doc: &mut SourceDocument, k: usize, delta: i64) -> Option<Planted> {
    let kind = &KINDS[k];
    let year = doc.parsed.meta.year;
    let p = &mut doc.parsed;
    let items = &mut p.line_items;
    let find = |items: &[LineItem], f: &dyn Fn(&LineItem) -> bool| items.iter().position(f);
    let t = |tk: TableKind| move |l: &LineItem| l.table_kind == tk;
    // (indices of the items changed together, table, original text)
    let targets: Vec<usize> = match kind.name {
        "summary_expenditure_total" => {
            let tk = t(TableKind::IncomeExpenditureSummary);
            vec![find(items, &|l| {
                tk(l) && l.line_key.as_deref() == Some("EXP_TOTAL")
            })?]
        }
        "basic_row_split" => {
            let tk = t(TableKind::GpbBasicExpenditure);
            vec![find(items, &|l| {
                tk(l)
                    && l.row_kind == RowKind::Econ
                    && l.econ_code.as_deref().is_some_and(|c| c.len() == 5)
                    && l.column.key == "personnel"
            })?]
        }
        "three_public_car_operation" => {
            let tk = t(TableKind::ThreePublic);
            vec![find(items, &|l| tk(l) && l.column.key == "car.operation")?]
        }
        "function_leaf_wages" => {
            let tk = t(TableKind::Expenditure);
            vec![find(items, &|l| {
                tk(l)
                    && l.row_kind == RowKind::Function
                    && l.function_code.as_deref().is_some_and(|c| c.len() == 7)
                    && l.column.key == "basic.wages"
            })?]
        }
        "econ_kuan_total" => {
            let tk = t(TableKind::EconSummary);
            vec![find(items, &|l| {
                tk(l)
                    && l.row_kind == RowKind::Econ
                    && l.econ_code.as_deref().is_some_and(|c| c.len() == 5)
                    && l.column.key == "total"
            })?]
        }
        "income_fiscal" => {
            let tk = t(TableKind::Income);
            vec![find(items, &|l| {
                tk(l) && l.row_kind == RowKind::Total && l.column.key == "year.gpb_fiscal"
            })?]
        }
        "basic_table_total" => {
            let tk = t(TableKind::GpbBasicExpenditure);
            vec![find(items, &|l| {
                tk(l) && l.row_kind == RowKind::Total && l.column.key == "total"
            })?]
        }
        "performance_project_amount" | "project_amount" => {
            let table = if kind.name == "project_amount" {
                TableKind::ProjectExpenditure
            } else {
                TableKind::PerformanceTargets
            };
            let fund = if table == TableKind::ProjectExpenditure {
                "gpb"
            } else {
                "gov_budget"
            };
            let total = find(items, &|l| {
                l.table_kind == table && l.row_kind == RowKind::Project && l.column.key == "total"
            })?;
            let row = items[total].row_no;
            let fund_item = find(items, &|l| {
                l.table_kind == table && l.row_no == row && l.column.key == fund
            })?;
            let project = p
                .projects
                .iter_mut()
                .find(|x| x.table_kind == table && x.row_no == row)?;
            project.total = project.total.map(|v| v + yuan(delta));
            project.gpb = project.gpb.map(|v| v + yuan(delta));
            vec![total, fund_item]
        }
        "narrative_income_total" => {
            let f = p
                .facts
                .iter_mut()
                .find(|f| f.fact_key == "summary.income_total")?;
            let original = f.amount?;
            f.amount = Some(original + yuan(delta));
            f.number += Decimal::new(delta, 2);
            return Some(Planted {
                doc_id: doc.doc_id.clone(),
                year,
                unit_name: p.meta.unit_name.clone(),
                kind: kind.name,
                family: kind.family,
                rules: kind.rules,
                table_kind: "narrative",
                row_label: f.label.clone(),
                column_key: f.fact_key.clone(),
                original: format!("{:.2}", original / Decimal::from(10_000)),
                planted: format!("{:.2}", f.amount? / Decimal::from(10_000)),
            });
        }
        "econ_code" => {
            if year < 2018 {
                return None;
            }
            let tk = t(TableKind::GpbBasicExpenditure);
            let i = find(items, &|l| {
                tk(l)
                    && l.econ_code
                        .as_deref()
                        .is_some_and(|c| c.len() == 5 && c.starts_with("301"))
            })?;
            let (row, table) = (items[i].row_no, items[i].table_no);
            let original = items[i].econ_code.clone()?;
            let wrong = format!("2{}", &original[1..]);
            for l in items.iter_mut() {
                if l.table_no == table && l.row_no == row {
                    l.econ_code = Some(wrong.clone());
                }
            }
            return Some(Planted {
                doc_id: doc.doc_id.clone(),
                year,
                unit_name: p.meta.unit_name.clone(),
                kind: kind.name,
                family: kind.family,
                rules: kind.rules,
                table_kind: TableKind::GpbBasicExpenditure.as_str(),
                row_label: items[i].row_label.clone(),
                column_key: "econ_code".into(),
                original,
                planted: wrong,
            });
        }
        _ => return None,
    };
    let first = targets[0];
    let original = items[first].amount_text.clone();
    for &i in &targets {
        bump(&mut items[i], delta);
    }
    let l = &items[first];
    Some(Planted {
        doc_id: doc.doc_id.clone(),
        year,
        unit_name: p.meta.unit_name.clone(),
        kind: kind.name,
        family: kind.family,
        rules: kind.rules,
        table_kind: l.table_kind.as_str(),
        row_label: l.row_label.clone(),
        column_key: l.column.key.to_string(),
        original,
        planted: l.amount_text.clone(),
    })
}
