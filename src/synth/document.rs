//! A generated budget as the canonical document ingest would produce from a 13-table
//! 单位预算 disclosure in the Henan layout (`docs/text-format.md`): the same table kinds,
//! row kinds, column keys (taken from `ingest::layout`), line keys and narrative fact
//! keys, amounts in 万元 converted to 元. Blank cells (zero amounts) are not stored, as
//! ingest does not store them. Owns the table layout of generated data; the numbers come
//! from `synth::budget`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::budget::{Amount, Budget, District, ProjectLine, Unit, mix};
use super::catalog::{chinese_number, econ_name, function_name};
use super::narrative::Style;
use crate::ingest::layout::{
    ECON_SUMMARY, EXPENDITURE, FISCAL_RIGHT, GPB_BASIC, INCOME, Layout, OPERATING_COST,
    PERFORMANCE_FUNDS, PROJECT_EXPENDITURE, SIDE_AMOUNT, THREE_PUBLIC,
};
use crate::model::{
    ColumnMeaning, DocumentKind, DocumentMeta, LineItem, ParsedDocument, PerformanceIndicator,
    Project, RowKind, Scope, SourceDocument, SourceTable, TableKind, TableStatus,
};

/// The value stored in `documents.format` for generated documents.
pub const FORMAT: &str = "generated";

/// `v` hundredths of 万元 in 元.
pub fn yuan(v: Amount) -> Decimal {
    Decimal::new(v * 10_000, 2)
}

/// `v` hundredths of 万元 as printed: `827.29`.
pub fn wan_text(v: Amount) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", v.abs() / 100, v.abs() % 100)
}

fn column(layout: &Layout, key: &str) -> ColumnMeaning {
    *layout
        .columns
        .iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| panic!("layout has no column {key}"))
}

/// The identity of a generated row.
#[derive(Default, Clone)]
struct Row<'a> {
    kind: Option<RowKind>,
    label: &'a str,
    line_key: Option<&'a str>,
    unit_code: Option<&'a str>,
    function_code: Option<&'a str>,
    econ_code: Option<&'a str>,
    gov_econ_code: Option<&'a str>,
    flow: Option<&'static str>,
    category: Option<&'a str>,
    project_name: Option<&'a str>,
    project_code: Option<&'a str>,
}

struct Builder {
    items: Vec<LineItem>,
    tables: Vec<SourceTable>,
    kind: TableKind,
    table_no: i32,
    row_no: i32,
    line: i32,
    rows_in_table: i32,
    amounts_in_table: i32,
}

impl Builder {
    fn table(&mut self, kind: TableKind, title: String, note: Option<String>) {
        self.finish_table();
        self.kind = kind;
        self.table_no += 1;
        self.row_no = 0;
        self.line += 3;
        self.tables.push(SourceTable {
            table_no: self.table_no,
            table_kind: kind,
            title,
            source_line: self.line,
            unit: "万元",
            unit_inferred: false,
            row_count: 0,
            amount_count: 0,
            is_empty: note.is_some(),
            // (Generated tables are written as published, planted errors included: the
            // checks, not the reader, are what find those.)
            status: if note.is_some() {
                TableStatus::Empty
            } else {
                TableStatus::Verified
            },
            status_reason: None,
            page: None,
            note,
        });
        self.line += 3;
    }

    fn finish_table(&mut self) {
        if let Some(t) = self.tables.last_mut() {
            t.row_count = self.rows_in_table.max(t.is_empty as i32);
            t.amount_count = self.amounts_in_table;
        }
        self.rows_in_table = 0;
        self.amounts_in_table = 0;
    }

    /// A row; `same_row` keeps the row number (the two sides of a summary table).
    fn row(&mut self, r: &Row, cells: &[(ColumnMeaning, Amount)], same_row: bool) {
        if !same_row {
            self.row_no += 1;
            self.line += 1;
            self.rows_in_table += 1;
        }
        let s = |v: Option<&str>| v.map(str::to_string);
        for &(column, v) in cells {
            // Blank cells are not stored — but the "三公" table prints its 合计 even when
            // it is nothing (a blank table would read as a table left empty).
            let printed_zero = self.kind == TableKind::ThreePublic && column.key == "total";
            if v == 0 && !printed_zero {
                continue;
            }
            self.amounts_in_table += 1;
            self.items.push(LineItem {
                table_kind: self.kind,
                table_no: self.table_no,
                row_no: self.row_no,
                source_line: self.line,
                row_kind: r.kind.unwrap_or(RowKind::Line),
                row_label: r.label.to_string(),
                line_key: s(r.line_key),
                row_unit_code: s(r.unit_code),
                budget_unit: None,
                function_code: s(r.function_code),
                function_level: r
                    .function_code
                    .and_then(crate::model::classification::function_level),
                econ_code: s(r.econ_code),
                gov_econ_code: s(r.gov_econ_code),
                flow: r.flow,
                column,
                row_category: s(r.category),
                project_name: s(r.project_name),
                project_code: s(r.project_code),
                amount: yuan(v),
                amount_text: wan_text(v),
                source_unit: "万元",
            });
        }
    }
}

/// The cells of one row: column and amount (zero = blank).
type Cells = Vec<(ColumnMeaning, Amount)>;

/// A named line of a two-sided summary table.
fn line<'a>(label: &'a str, key: &'static str, flow: &'static str) -> Row<'a> {
    Row {
        label,
        line_key: Some(key),
        flow: Some(flow),
        ..Row::default()
    }
}

/// The rows of a two-sided summary table: income lines on the left, 类 rows on the
/// right, side by side (one row number) while both have lines.
fn two_sided(
    w: &mut Builder,
    income: &[(&str, &'static str, Amount)],
    spending: &[(String, &str, Cells)],
) {
    for i in 0..income.len().max(spending.len()) {
        let left = income.get(i);
        if let Some(&(label, key, v)) = left {
            w.row(&line(label, key, "income"), &[(SIDE_AMOUNT, v)], false);
        }
        if let Some((label, code, cells)) = spending.get(i) {
            let row = Row {
                kind: Some(RowKind::Function),
                label,
                function_code: Some(code),
                flow: Some("expenditure"),
                ..Row::default()
            };
            w.row(&row, cells, left.is_some());
        }
    }
}

/// A row of a two-sided summary table with a named line on both sides.
fn paired(
    w: &mut Builder,
    (income_label, income_key, income): (&str, &'static str, Amount),
    (spending_label, spending_key, spending): (&str, &'static str, &[(ColumnMeaning, Amount)]),
) {
    w.row(
        &line(income_label, income_key, "income"),
        &[(SIDE_AMOUNT, income)],
        false,
    );
    w.row(
        &line(spending_label, spending_key, "expenditure"),
        spending,
        true,
    );
}

/// The enumerator of a 类 in the summary tables' fixed list: 201 → 一, 221 → 二十一.
fn class_ordinal(code: &str) -> String {
    chinese_number(code.parse::<u32>().unwrap_or(200).saturating_sub(200))
}

/// Spending of one 功能分类 code split like the 支出表's columns.
#[derive(Default, Clone, Copy)]
struct FunctionRow {
    wages: Amount,
    households: Amount,
    goods: Amount,
    capital: Amount,
    operating: Amount,
    specific: Amount,
}

impl FunctionRow {
    fn basic(&self) -> Amount {
        self.wages + self.households + self.goods + self.capital
    }
    fn project(&self) -> Amount {
        self.operating + self.specific
    }
    fn total(&self) -> Amount {
        self.basic() + self.project()
    }
    fn add(&mut self, o: &FunctionRow) {
        self.wages += o.wages;
        self.households += o.households;
        self.goods += o.goods;
        self.capital += o.capital;
        self.operating += o.operating;
        self.specific += o.specific;
    }
}

/// 项 rows with their 款 and 类 sums, keyed by code (so 类, 款, 项 sort in print order).
fn function_rows(b: &Budget, gpb_only: bool) -> BTreeMap<&'static str, FunctionRow> {
    let mut leaves: BTreeMap<&'static str, FunctionRow> = BTreeMap::new();
    for l in &b.basic {
        let r = leaves.entry(l.function_code).or_default();
        match &l.econ_code[..3] {
            "301" => r.wages += l.amount,
            "303" => r.households += l.amount,
            "310" => r.capital += l.amount,
            _ => r.goods += l.amount,
        }
    }
    for p in &b.projects {
        let v = if gpb_only { p.gpb } else { p.total() };
        if v == 0 {
            continue;
        }
        let r = leaves.entry(p.function_code).or_default();
        if p.specific {
            r.specific += v;
        } else {
            r.operating += v;
        }
    }
    let mut all = leaves.clone();
    for (code, row) in &leaves {
        for parent in [&code[..5], &code[..3]] {
            all.entry(static_prefix(code, parent.len()))
                .or_default()
                .add(row);
        }
    }
    all
}

/// The `len`-digit prefix of a static code, as a static string.
fn static_prefix(code: &'static str, len: usize) -> &'static str {
    &code[..len]
}

/// Spending by 部门经济分类 款 (basic and projects), with 类 sums: (total, gpb, business).
fn econ_rows(b: &Budget) -> BTreeMap<&'static str, (Amount, Amount, Amount)> {
    let mut m: BTreeMap<&'static str, (Amount, Amount, Amount)> = BTreeMap::new();
    let mut add = |code: &'static str, gpb: Amount, business: Amount| {
        for c in [code, static_prefix(code, 3)] {
            let e = m.entry(c).or_default();
            e.0 += gpb + business;
            e.1 += gpb;
            e.2 += business;
        }
    };
    for l in &b.basic {
        add(l.econ_code, l.amount, 0);
    }
    for p in &b.projects {
        add(p.econ_code, p.gpb, p.unit_funds);
    }
    m
}

/// The 政府预算经济分类 款 a 部门经济分类 款 maps to for this kind of unit.
fn gov_econ(code: &str, admin: bool) -> Option<&'static str> {
    crate::model::reference::gov_econ_for(code, if admin { "机关" } else { "事业单位" })
}

/// The document of `unit`'s `budget`; `previous` (the year before) gives growth figures.
pub fn document(
    seed: u64,
    district: &District,
    unit: &Unit,
    budget: &Budget,
    previous: &Budget,
) -> SourceDocument {
    let year = budget.year;
    let b = budget;
    let name = unit.name.as_str();
    let code = unit.code.as_str();
    let mut w = Builder {
        items: Vec::with_capacity(600),
        tables: Vec::with_capacity(13),
        kind: TableKind::IncomeExpenditureSummary,
        table_no: 0,
        row_no: 0,
        line: 60,
        rows_in_table: 0,
        amounts_in_table: 0,
    };
    let total = b.total();
    let gpb = b.gpb();
    let business = b.business();
    let all_funds = function_rows(b, false);
    let gpb_rows = function_rows(b, true);
    let classes: Vec<(&str, Amount, Amount)> = all_funds
        .iter()
        .filter(|(c, _)| c.len() == 3)
        .map(|(c, r)| (*c, r.total(), gpb_rows.get(c).map_or(0, |g| g.total())))
        .collect();
    let amount = SIDE_AMOUNT;

    // 1 收支预算表.
    w.table(
        TableKind::IncomeExpenditureSummary,
        format!("{year}年单位收支预算表"),
        None,
    );
    let mut income = vec![
        ("一、一般公共预算", "INC_GPB", gpb),
        ("其中:财政拨款", "INC_GPB_FISCAL", gpb),
    ];
    if business > 0 {
        income.push(("六、事业收入", "INC_BUSINESS", business));
    }
    let spending: Vec<_> = classes
        .iter()
        .map(|&(c, t, _)| {
            let name = function_name(c, year);
            let label = format!(
                "{}、{}",
                class_ordinal(c),
                name.strip_suffix("支出").unwrap_or(name)
            );
            (label, c, vec![(amount, t)])
        })
        .collect();
    two_sided(&mut w, &income, &spending);
    paired(
        &mut w,
        ("本年收入合计", "INC_YEAR_TOTAL", total),
        ("本年支出合计", "EXP_YEAR_TOTAL", &[(amount, total)]),
    );
    paired(
        &mut w,
        ("收入总计", "INC_TOTAL", total),
        ("支出总计", "EXP_TOTAL", &[(amount, total)]),
    );

    // 2 收入预算表.
    let total_row = Row {
        kind: Some(RowKind::Total),
        label: "合计",
        line_key: Some("TOTAL"),
        ..Row::default()
    };
    let unit_row = Row {
        kind: Some(RowKind::Unit),
        label: name,
        unit_code: Some(code),
        ..Row::default()
    };
    w.table(TableKind::Income, format!("{year}年单位收入预算表"), None);
    let income = |k| column(&INCOME, k);
    let cells = [
        (income("total"), total),
        (income("year.total"), total),
        (income("year.gpb"), gpb),
        (income("year.gpb_fiscal"), gpb),
        (income("year.business"), business),
    ];
    w.row(&total_row, &cells, false);
    w.row(&unit_row, &cells, false);

    // 3 支出预算表, 5 一般公共预算支出预算表 (and 4 财政拨款收支预算表 between them).
    let expenditure_table =
        |w: &mut Builder, kind, title: String, rows: &BTreeMap<&'static str, FunctionRow>| {
            w.table(kind, title, None);
            let c = |k| column(&EXPENDITURE, k);
            let cells = |r: &FunctionRow| {
                [
                    (c("total"), r.total()),
                    (c("basic"), r.basic()),
                    (c("basic.wages"), r.wages),
                    (c("basic.households"), r.households),
                    (c("basic.goods_services"), r.goods),
                    (c("basic.capital"), r.capital),
                    (c("project"), r.project()),
                    (c("project.operating"), r.operating),
                    (c("project.specific"), r.specific),
                ]
            };
            let mut sum = FunctionRow::default();
            for (code, r) in rows.iter() {
                if code.len() == 3 {
                    sum.add(r);
                }
            }
            w.row(&total_row, &cells(&sum), false);
            w.row(&unit_row, &cells(&sum), false);
            for (fcode, r) in rows.iter() {
                if r.total() == 0 {
                    continue;
                }
                w.row(
                    &Row {
                        kind: Some(RowKind::Function),
                        label: function_name(fcode, year),
                        function_code: Some(fcode),
                        ..Row::default()
                    },
                    &cells(r),
                    false,
                );
            }
        };
    expenditure_table(
        &mut w,
        TableKind::Expenditure,
        format!("{year}年单位支出预算表"),
        &all_funds,
    );

    // 4 财政拨款收支预算表.
    w.table(
        TableKind::FiscalSummary,
        format!("{year}年财政拨款收支预算表"),
        None,
    );
    let fr = |k| column(&FISCAL_RIGHT, k);
    let fiscal = |v| [(fr("total"), v), (fr("gpb"), v), (fr("gpb_fiscal"), v)];
    paired(
        &mut w,
        ("一、本年收入", "INC_YEAR_TOTAL", gpb),
        ("一、本年支出", "EXP_YEAR_TOTAL", &fiscal(gpb)),
    );
    let spending: Vec<_> = classes
        .iter()
        .map(|&(c, _, g)| {
            let label = format!("({}){}", class_ordinal(c), function_name(c, year));
            (label, c, fiscal(g).to_vec())
        })
        .collect();
    two_sided(
        &mut w,
        &[
            ("(一)一般公共预算拨款", "INC_GPB", gpb),
            ("其中:财政拨款", "INC_GPB_FISCAL", gpb),
        ],
        &spending,
    );
    paired(
        &mut w,
        ("收入合计", "INC_TOTAL", gpb),
        ("支出合计", "EXP_TOTAL", &fiscal(gpb)),
    );

    expenditure_table(
        &mut w,
        TableKind::GpbExpenditure,
        format!("{year}年一般公共预算支出预算表"),
        &gpb_rows,
    );

    // 6 一般公共预算基本支出预算表.
    w.table(
        TableKind::GpbBasicExpenditure,
        format!("{year}年一般公共预算基本支出预算表"),
        None,
    );
    let g = |k| column(&GPB_BASIC, k);
    w.row(
        &total_row,
        &[
            (g("total"), b.basic_total()),
            (g("personnel"), b.personnel()),
            (g("public"), b.public()),
        ],
        false,
    );
    // 类 rows (工资福利支出 …) each followed by its 款 (basic lines are sorted by code).
    let mut class = "";
    for (i, l) in b.basic.iter().enumerate() {
        let cost = if l.econ_code.starts_with("302") {
            "public"
        } else {
            "personnel"
        };
        if !l.econ_code.starts_with(class) || class.is_empty() {
            class = static_prefix(l.econ_code, 3);
            let sum: Amount = b.basic[i..]
                .iter()
                .take_while(|x| x.econ_code.starts_with(class))
                .map(|x| x.amount)
                .sum();
            w.row(
                &Row {
                    kind: Some(RowKind::Econ),
                    label: econ_name(class),
                    econ_code: Some(class),
                    ..Row::default()
                },
                &[(g("total"), sum), (g(cost), sum)],
                false,
            );
        }
        w.row(
            &Row {
                kind: Some(RowKind::Econ),
                label: econ_name(l.econ_code),
                econ_code: Some(l.econ_code),
                gov_econ_code: gov_econ(l.econ_code, unit.admin),
                ..Row::default()
            },
            &[(g("total"), l.amount), (g(cost), l.amount)],
            false,
        );
    }

    // 7 支出经济分类汇总表.
    w.table(
        TableKind::EconSummary,
        format!("{year}年支出经济分类汇总表"),
        None,
    );
    let e = |k| column(&ECON_SUMMARY, k);
    let econ_cells = |t, g, bz| {
        [
            (e("total"), t),
            (e("gpb"), g),
            (e("gpb_fiscal"), g),
            (e("business"), bz),
        ]
    };
    w.row(&total_row, &econ_cells(total, gpb, business), false);
    w.row(&unit_row, &econ_cells(total, gpb, business), false);
    for (ecode, (t, g, bz)) in econ_rows(b) {
        w.row(
            &Row {
                kind: Some(RowKind::Econ),
                label: econ_name(ecode),
                econ_code: Some(ecode),
                gov_econ_code: gov_econ(ecode, unit.admin),
                ..Row::default()
            },
            &econ_cells(t, g, bz),
            false,
        );
    }

    // 8 "三公"经费预算表.
    w.table(
        TableKind::ThreePublic,
        format!("{year}年一般公共预算\"三公\"经费预算表"),
        None,
    );
    let tp = b.three_public;
    let t = |k| column(&THREE_PUBLIC, k);
    w.row(
        &total_row,
        &[
            (t("total"), tp.total()),
            (t("abroad"), tp.abroad),
            (t("car"), tp.car()),
            (t("car.purchase"), tp.car_purchase),
            (t("car.operation"), tp.car_operation),
            (t("reception"), tp.reception),
        ],
        false,
    );

    // 9, 10: empty, with the note the template prints.
    for (kind, title, fund) in [
        (
            TableKind::GovFundExpenditure,
            "政府性基金支出预算表",
            "政府性基金",
        ),
        (
            TableKind::SoeExpenditure,
            "国有资本经营支出预算表",
            "国有资本经营",
        ),
    ] {
        w.table(
            kind,
            format!("{year}年{title}"),
            Some(format!(
                "备注: {name} {year} 年无{fund}预算拨款安排的支出,故此表无数据。"
            )),
        );
    }

    // 11 机构运行经费预算表.
    w.table(
        TableKind::OperatingCost,
        "行政(事业)单位机构运转经费预算表".into(),
        None,
    );
    let o = |k| column(&OPERATING_COST, k);
    let op = |v| [(o("total"), v), (o("gpb"), v), (o("gpb.fiscal"), v)];
    w.row(&total_row, &op(b.public()), false);
    w.row(&unit_row, &op(b.public()), false);
    for l in b.basic.iter().filter(|l| l.econ_code.starts_with("302")) {
        let label = econ_name(l.econ_code);
        w.row(
            &Row {
                kind: Some(RowKind::Econ),
                label,
                econ_code: Some(l.econ_code),
                category: Some(label),
                ..Row::default()
            },
            &op(l.amount),
            false,
        );
    }

    // 12 项目支出预算表.
    w.table(
        TableKind::ProjectExpenditure,
        format!("{year}年项目支出预算表"),
        None,
    );
    let p = |k| column(&PROJECT_EXPENDITURE, k);
    let gpb_projects: Amount = b.projects.iter().map(|x| x.gpb).sum();
    let pcells = |t, g, u| [(p("total"), t), (p("gpb"), g), (p("unit_funds"), u)];
    w.row(
        &total_row,
        &pcells(b.project_total(), gpb_projects, business),
        false,
    );
    w.row(
        &unit_row,
        &pcells(b.project_total(), gpb_projects, business),
        false,
    );
    let mut projects = Vec::with_capacity(b.projects.len() * 2);
    for x in &b.projects {
        let kind = if x.specific {
            "特定目标类"
        } else {
            "其他运转类"
        };
        w.row(
            &Row {
                kind: Some(RowKind::Project),
                label: &x.name,
                category: Some(kind),
                project_name: Some(&x.name),
                ..Row::default()
            },
            &pcells(x.total(), x.gpb, x.unit_funds),
            false,
        );
        projects.push(Project {
            project_type: Some(kind.into()),
            project_unit: Some(name.into()),
            ..project_row(&w, TableKind::ProjectExpenditure, x)
        });
    }

    // 13 项目绩效目标表.
    w.table(
        TableKind::PerformanceTargets,
        format!("{year}年度单位预算项目绩效目标表"),
        None,
    );
    let f = |k| column(&PERFORMANCE_FUNDS, k);
    let fcells = |t, g, u| [(f("total"), t), (f("gov_budget"), g), (f("unit_funds"), u)];
    w.row(
        &unit_row,
        &fcells(b.project_total(), gpb_projects, business),
        false,
    );
    let mut indicators = Vec::with_capacity(b.projects.len() * 4);
    for x in &b.projects {
        w.row(
            &Row {
                kind: Some(RowKind::Project),
                label: &x.name,
                project_name: Some(&x.name),
                project_code: Some(&x.code),
                ..Row::default()
            },
            &fcells(x.total(), x.gpb, x.unit_funds),
            false,
        );
        projects.push(Project {
            project_code: Some(x.code.clone()),
            ..project_row(&w, TableKind::PerformanceTargets, x)
        });
        indicators.extend(project_indicators(x, w.line));
    }
    w.finish_table();

    let first_line = w.line + 10;
    let lines = super::narrative::lines(budget, previous, Style::of_seed(unit.seed));
    let (facts, claims) = super::narrative::read(&lines, first_line, year, &w.items);
    let doc_hash = mix(
        mix(mix(seed, district.index as u64), unit.seed),
        year as u64,
    );
    let content_hash = format!(
        "{doc_hash:016x}{:016x}{:016x}{:016x}",
        mix(doc_hash, 1),
        mix(doc_hash, 2),
        mix(doc_hash, 3)
    );
    SourceDocument {
        doc_id: content_hash[..16].to_string(),
        source_path: format!("generated/{}/{}/{year}", district.code, unit.code),
        content_hash,
        companion_path: None,
        format: FORMAT,
        parsed: ParsedDocument {
            meta: DocumentMeta {
                title: format!("{year}年{name}单位预算"),
                kind: DocumentKind::Budget,
                scope: Scope::Unit,
                year,
                region: Some(district.region.clone()),
                region_code: Some(district.code.clone()),
                unit_name: name.into(),
                unit_name_printed: name.into(),
                unit_code: Some(code.into()),
                amount_unit: "万元",
            },
            tables: w.tables,
            line_items: {
                let mut items = w.items;
                crate::ingest::table::assign_budget_units(&mut items);
                items
            },
            facts,
            claims,
            narrative: lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| (first_line + i as i32, l))
                .collect(),
            projects,
            indicators,
            warnings: Vec::new(),
        },
    }
}

/// The `projects` row of project `x` as the row just written to table `table` lists it
/// (amounts; code, type and unit are the table's to add).
fn project_row(w: &Builder, table: TableKind, x: &ProjectLine) -> Project {
    let money = |v: Amount| (v != 0).then(|| yuan(v));
    Project {
        table_kind: table,
        row_no: w.row_no,
        source_line: w.line,
        project_code: None,
        project_name: x.name.clone(),
        project_type: None,
        project_unit: None,
        total: Some(yuan(x.total())),
        gpb: money(x.gpb),
        gov_fund: None,
        soe: None,
        carryover: None,
        special_account: None,
        unit_funds: money(x.unit_funds),
    }
}

fn project_indicators(p: &ProjectLine, line: i32) -> Vec<PerformanceIndicator> {
    let ind =
        |level1, _level2: &str, level3: &str, op, value: String, unit: &str| PerformanceIndicator {
            project_code: Some(p.code.clone()),
            project_name: Some(p.name.clone()),
            level1,
            // (The Henan layout prints no 二级指标 column.)
            level2: None,
            level3: level3.into(),
            operator: Some(op),
            target_text: format!("{op}{value}{unit}"),
            target_value: Some(value),
            target_unit: Some(unit.into()),
            source_line: line,
        };
    vec![
        ind(
            "产出指标",
            "数量指标",
            "保障服务对象数量",
            "≥",
            (50 + mix(p.total() as u64, 1) % 950).to_string(),
            "人",
        ),
        ind(
            "效益指标",
            "社会效益指标",
            "工作任务完成率",
            "≥",
            "95".into(),
            "%",
        ),
        ind(
            "满意度指标",
            "服务对象满意度指标",
            "服务对象满意度",
            "≥",
            "90".into(),
            "%",
        ),
        ind(
            "成本指标",
            "经济成本指标",
            "项目成本控制",
            "≤",
            wan_text(p.total()),
            "万元",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::budget::district_units;

    #[test]
    fn texts() {
        assert_eq!(wan_text(82729), "827.29");
        assert_eq!(wan_text(5), "0.05");
        assert_eq!(yuan(82729), Decimal::new(827_290_000, 2));
    }

    #[test]
    fn tables_are_the_thirteen_of_the_henan_layout() {
        let d = District::new(3);
        let units = district_units(1, &d, 20);
        for u in &units {
            let b = Budget::generate(&d, u, 2024);
            let p = Budget::generate(&d, u, 2023);
            let doc = document(1, &d, u, &b, &p);
            let kinds: Vec<&str> = doc
                .parsed
                .tables
                .iter()
                .map(|t| t.table_kind.as_str())
                .collect();
            assert_eq!(kinds.len(), 13, "{kinds:?}");
            // Blank cells are not stored; only the 三公 合计 is printed when nothing.
            assert!(
                doc.parsed
                    .line_items
                    .iter()
                    .all(|l| l.amount > Decimal::ZERO
                        || (l.table_kind == TableKind::ThreePublic && l.column.key == "total"))
            );
        }
    }
}
