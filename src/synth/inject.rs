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
        rules: &["HIE-003", "BAL-005"],
        description: "支出经济分类汇总表: a 款 row's 总计 misprinted (its 类 and its fund columns no longer add up)",
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
        rules: &["NAR-001", "NAR-003"],
        description: "预算说明: 收入预算总计 misstated (the growth it states no longer follows)",
    },
    Kind {
        name: "summary_class_amount",
        family: "balance",
        rules: &["BAL-006"],
        description: "收支预算表: a 类 line's amount misprinted",
    },
    Kind {
        name: "project_fund_split",
        family: "balance",
        rules: &["BAL-005"],
        description: "项目支出表: a project's 一般公共预算 column misprinted (合计 right)",
    },
    Kind {
        name: "narrative_share",
        family: "narrative",
        rules: &["NAR-002"],
        description: "预算说明: 基本支出 share (占X%) misstated by 5 points",
    },
    Kind {
        name: "narrative_growth",
        family: "narrative",
        rules: &["NAR-003"],
        description: "预算说明: 收支总计 growth (增长X%) misstated by 3 points",
    },
    Kind {
        name: "narrative_three_public",
        family: "narrative",
        rules: &["NAR-004"],
        description: "预算说明: 公务接待费 misstated",
    },
    Kind {
        name: "narrative_operating_cost",
        family: "narrative",
        rules: &["NAR-005"],
        description: "预算说明: 机构运行经费 misstated",
    },
    Kind {
        name: "narrative_project_count",
        family: "narrative",
        rules: &["NAR-006"],
        description: "预算说明: one project more than 绩效目标表 lists",
    },
    Kind {
        name: "econ_name",
        family: "codes",
        rules: &["COD-003"],
        description: "一般公共预算基本支出表: 30201 printed with 30202's name 印刷费 (2018 on)",
    },
    Kind {
        name: "missing_table",
        family: "structure",
        rules: &["STR-001"],
        description: "\"三公\"经费表 left out",
    },
    Kind {
        name: "empty_note_fund",
        family: "structure",
        rules: &["STR-002"],
        description: "国有资本经营支出表's empty-table note copied from the 政府性基金 one",
    },
    Kind {
        name: "placeholder",
        family: "structure",
        rules: &["STR-003"],
        description: "政府性基金支出表's note keeps the template's XX单位",
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

/// A narrative fact changed: its amount by `delta` or its number by `points`.
fn restate(
    p: &mut crate::model::ParsedDocument,
    key: &str,
    delta: i64,
    points: i64,
) -> Option<(String, String, String)> {
    let f = p.facts.iter_mut().find(|f| f.fact_key == key)?;
    let original = f.number.to_string();
    match f.amount {
        Some(a) if points == 0 => {
            f.amount = Some(a + yuan(delta));
            f.number += Decimal::new(delta, 2);
        }
        _ => f.number += Decimal::from(points),
    }
    Some((f.label.clone(), original, f.number.to_string()))
}

/// Every cell of the first 一般公共预算基本支出表 row matching `pick` changed: (the row's
/// code, its label and code before, after).
fn change_row(
    p: &mut crate::model::ParsedDocument,
    pick: impl Fn(&LineItem) -> bool,
    change: impl Fn(&mut LineItem),
) -> Option<(String, String, String)> {
    let (table, row) = p
        .line_items
        .iter()
        .find(|l| l.table_kind == TableKind::GpbBasicExpenditure && pick(l))
        .map(|l| (l.table_no, l.row_no))?;
    let show = |l: &LineItem| format!("{} {}", l.econ_code.as_deref().unwrap_or(""), l.row_label);
    let mut out = None;
    for l in p
        .line_items
        .iter_mut()
        .filter(|l| l.table_no == table && l.row_no == row)
    {
        let before = show(l);
        change(l);
        out = Some((l.econ_code.clone().unwrap_or_default(), before, show(l)));
    }
    out
}

/// A table's note rewritten.
fn renote(
    p: &mut crate::model::ParsedDocument,
    kind: TableKind,
    f: impl Fn(&str) -> String,
) -> Option<(String, String, String)> {
    let t = p.tables.iter_mut().find(|t| t.table_kind == kind)?;
    let original = t.note.clone()?;
    t.note = Some(f(&original));
    Some((t.title.clone(), original, t.note.clone()?))
}

fn plant_kind(doc: &mut SourceDocument, k: usize, delta: i64) -> Option<Planted> {
    let kind = &KINDS[k];
    let year = doc.parsed.meta.year;
    let p = &mut doc.parsed;
    let unit = p.meta.unit_name.clone();
    let done = |table_kind: &'static str,
                (row_label, original, planted): (String, String, String),
                column_key: &str| {
        Some(Planted {
            doc_id: doc.doc_id.clone(),
            year,
            unit_name: unit.clone(),
            kind: kind.name,
            family: kind.family,
            rules: kind.rules,
            table_kind,
            row_label,
            column_key: column_key.into(),
            original,
            planted,
        })
    };
    match kind.name {
        "narrative_share" => {
            let c = restate(p, "expenditure.basic.share", 0, 5)?;
            return done("narrative", c, "expenditure.basic.share");
        }
        "narrative_growth" => {
            let c = restate(p, "summary.total.change_pct", 0, 3)?;
            return done("narrative", c, "summary.total.change_pct");
        }
        "narrative_three_public" => {
            let c = restate(p, "three_public.reception", delta, 0)?;
            return done("narrative", c, "three_public.reception");
        }
        "narrative_operating_cost" => {
            let c = restate(p, "operating_cost.total", delta, 0)?;
            return done("narrative", c, "operating_cost.total");
        }
        "narrative_project_count" => {
            let c = restate(p, "performance.projects", 0, 1)?;
            return done("narrative", c, "performance.projects");
        }
        "empty_note_fund" => {
            let c = renote(p, TableKind::SoeExpenditure, |n| {
                n.replace("国有资本经营", "政府性基金")
            })?;
            return done(TableKind::SoeExpenditure.as_str(), c, "note");
        }
        "placeholder" => {
            let c = renote(p, TableKind::GovFundExpenditure, |n| {
                n.replace(&unit, "XX单位")
            })?;
            return done(TableKind::GovFundExpenditure.as_str(), c, "note");
        }
        "missing_table" => {
            let t = p
                .tables
                .iter()
                .position(|t| t.table_kind == TableKind::ThreePublic)?;
            let title = p.tables.remove(t).title;
            p.line_items
                .retain(|l| l.table_kind != TableKind::ThreePublic);
            return done(
                TableKind::ThreePublic.as_str(),
                (title, "present".into(), "missing".into()),
                "table",
            );
        }
        "narrative_income_total" => {
            // At least 2 % of the total, so the growth it implies moves visibly too.
            let total = p
                .facts
                .iter()
                .find(|f| f.fact_key == "summary.income_total")?
                .number;
            let delta = delta.max(
                (total * Decimal::from(2))
                    .trunc()
                    .try_into()
                    .unwrap_or(delta),
            );
            let c = restate(p, "summary.income_total", delta, 0)?;
            let mut planted = done("narrative", c, "summary.income_total")?;
            // The growth stated beside it (NAR-003: change ÷ (total ∓ change)) moves with
            // the total only when the change is large enough to show in two decimals.
            let fact = |key: &str| p.facts.iter().find(|f| f.fact_key == key);
            if let (Some(change), Some(pct)) = (
                fact("summary.total.change"),
                fact("summary.total.change_pct"),
            ) {
                let now = total + Decimal::new(delta, 2);
                let before = if change.direction == Some("decrease") {
                    now + change.number
                } else {
                    now - change.number
                };
                let implied = change.number * Decimal::from(100) / before.max(Decimal::ONE);
                if (implied - pct.number).abs() <= Decimal::new(15, 3) {
                    planted.rules = &["NAR-001"];
                }
            }
            return Some(planted);
        }
        "econ_name" if year >= 2018 => {
            let c = change_row(
                p,
                |l| l.econ_code.as_deref() == Some("30201"),
                |l| l.row_label = "印刷费".into(),
            )?;
            return done(TableKind::GpbBasicExpenditure.as_str(), c, "row_label");
        }
        "econ_code" if year >= 2018 => {
            // 301xx printed as 201xx.
            let c = change_row(
                p,
                |l| {
                    l.econ_code
                        .as_deref()
                        .is_some_and(|c| c.len() == 5 && c.starts_with("301"))
                },
                |l| l.econ_code = l.econ_code.as_ref().map(|c| format!("2{}", &c[1..])),
            )?;
            return done(TableKind::GpbBasicExpenditure.as_str(), c, "econ_code");
        }
        "econ_name" | "econ_code" => return None,
        _ => {}
    }
    let items = &mut p.line_items;
    let find = |items: &[LineItem], f: &dyn Fn(&LineItem) -> bool| items.iter().position(f);
    // The first cell of table `tk` with `row` kind, `column` and `more`.
    let cell = |items: &[LineItem],
                tk: TableKind,
                row: RowKind,
                column: &str,
                more: &dyn Fn(&LineItem) -> bool| {
        find(items, &|l| {
            l.table_kind == tk && l.row_kind == row && l.column.key == column && more(l)
        })
    };
    let kuan = |c: &Option<String>| c.as_deref().is_some_and(|c| c.len() == 5);
    let any = |_: &LineItem| true;
    // (indices of the items changed together)
    let targets: Vec<usize> = match kind.name {
        "summary_expenditure_total" => vec![find(items, &|l| {
            l.table_kind == TableKind::IncomeExpenditureSummary
                && l.line_key.as_deref() == Some("EXP_TOTAL")
        })?],
        "summary_class_amount" => {
            let tk = TableKind::IncomeExpenditureSummary;
            vec![cell(items, tk, RowKind::Function, "amount", &any)?]
        }
        "basic_row_split" => {
            let tk = TableKind::GpbBasicExpenditure;
            vec![cell(items, tk, RowKind::Econ, "personnel", &|l| {
                kuan(&l.econ_code)
            })?]
        }
        "three_public_car_operation" => {
            vec![cell(
                items,
                TableKind::ThreePublic,
                RowKind::Total,
                "car.operation",
                &any,
            )?]
        }
        "function_leaf_wages" => {
            let leaf = |l: &LineItem| l.function_code.as_deref().is_some_and(|c| c.len() == 7);
            vec![cell(
                items,
                TableKind::Expenditure,
                RowKind::Function,
                "basic.wages",
                &leaf,
            )?]
        }
        "econ_kuan_total" => {
            let tk = TableKind::EconSummary;
            vec![cell(items, tk, RowKind::Econ, "total", &|l| {
                kuan(&l.econ_code)
            })?]
        }
        "income_fiscal" => {
            vec![cell(
                items,
                TableKind::Income,
                RowKind::Total,
                "year.gpb_fiscal",
                &any,
            )?]
        }
        "basic_table_total" => {
            let tk = TableKind::GpbBasicExpenditure;
            vec![cell(items, tk, RowKind::Total, "total", &any)?]
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
            let total = cell(items, table, RowKind::Project, "total", &any)?;
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
        "project_fund_split" => {
            let i = cell(
                items,
                TableKind::ProjectExpenditure,
                RowKind::Project,
                "gpb",
                &any,
            )?;
            let row = items[i].row_no;
            if let Some(x) = p
                .projects
                .iter_mut()
                .find(|x| x.table_kind == TableKind::ProjectExpenditure && x.row_no == row)
            {
                x.gpb = x.gpb.map(|v| v + yuan(delta));
            }
            vec![i]
        }
        _ => return None,
    };
    let first = targets[0];
    let original = items[first].amount_text.clone();
    for &i in &targets {
        bump(&mut items[i], delta);
    }
    let l = &items[first];
    let change = (l.row_label.clone(), original, l.amount_text.clone());
    done(l.table_kind.as_str(), change, l.column.key)
}
