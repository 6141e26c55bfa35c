//! Planted inconsistencies: one wrong printed figure (or code) in a generated document,
//! of every rule family of the checks, with the ground truth of what was planted where.
//!
//! Each kind changes what a typo in one cell of a real disclosure changes, and names the
//! rules whose formulas (docs/checks.md) include that cell — the findings a correct
//! checker must report for it, and the only ones. Owns no numbers' generation.

use rust_decimal::Decimal;

use super::document::yuan;
use crate::model::{LineItem, NarrativeClaim, RowKind, SourceDocument, TableKind};

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
        rules: &["XT-004", "CLM-007"],
        description: "绩效目标表: a project's 资金总额 misprinted (the 预算说明's 绩效 total no longer agrees)",
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
        description: "预算说明: 收入预算总计 misstated (and the growth or change stated with it, where the sentence states one: CLM-002, CLM-001)",
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
        rules: &["CLM-006"],
        description: "预算说明: 基本支出 share (占X%) misstated by 5 points",
    },
    Kind {
        name: "narrative_growth",
        family: "narrative",
        rules: &["CLM-002"],
        description: "预算说明: the growth of the total (增长X%) misstated by 3 points",
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
        description: "预算说明: 机构运行经费 misstated (and its growth, where stated: CLM-002)",
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
    Kind {
        name: "claim_item_growth",
        family: "claims",
        rules: &["CLM-002"],
        description: "预算说明: a 项's growth (增长X%, two decimals or a whole percent) misstated by 3 points",
    },
    Kind {
        name: "claim_direction",
        family: "claims",
        rules: &["CLM-003"],
        description: "预算说明: a growth's direction word turned (增加…，下降X%)",
    },
    Kind {
        name: "claim_change_on_zero",
        family: "claims",
        rules: &["CLM-004"],
        description: "预算说明: 政府性基金 with nothing this year said to have grown (0.00万元，比上年增加N万元)",
    },
    Kind {
        name: "claim_item_execution",
        family: "claims",
        rules: &["CLM-005"],
        description: "预算说明: a 项's 预算安排 misstated in its comparison with last year's 执行数 (Shanghai), or a 类's amount (“X”科目Y万元) where there is none",
    },
    Kind {
        name: "claim_change_amount",
        family: "claims",
        rules: &["CLM-001", "CLM-002"],
        description: "预算说明: a stated change misstated — CLM-001 where last year's amount is stated too (Beijing), else CLM-002 (the change % it breaks)",
    },
    Kind {
        name: "claim_performance_total",
        family: "claims",
        rules: &["CLM-007"],
        description: "预算说明: the 绩效目标 projects' amount misstated",
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

/// The narrative with one sentence edited: the sentence of the first claim `pick` chooses,
/// rewritten by `edit` (the claim, the sentence) — then read again, so facts and claims
/// are what ingest makes of the edited text. Returns (the claim's subject, the sentence
/// before, after) and the claim.
fn edit_narrative(
    p: &mut crate::model::ParsedDocument,
    pick: impl Fn(&NarrativeClaim) -> bool,
    edit: impl Fn(&NarrativeClaim, &str) -> Option<String>,
) -> Option<((String, String, String), NarrativeClaim)> {
    let c = p.claims.iter().find(|c| pick(c))?.clone();
    let after = edit(&c, &c.sentence)?;
    let line = p
        .narrative
        .iter_mut()
        .find(|(n, text)| *n == c.source_line && text.contains(&c.sentence))?;
    line.1 = line.1.replacen(&c.sentence, &after, 1);
    let first = p.narrative.first().map_or(0, |l| l.0);
    let lines: Vec<String> = p.narrative.iter().map(|(_, t)| t.clone()).collect();
    let (facts, claims) = super::narrative::read(&lines, first, p.meta.year, &p.line_items);
    p.facts = facts;
    p.claims = claims;
    Some(((c.subject_name.clone(), c.sentence.clone(), after), c))
}

/// `sentence` with the figure `c` printed replaced by `to` (the first time it is printed
/// after the claims before it in the sentence).
fn reprint(c: &NarrativeClaim, sentence: &str, to: String) -> Option<String> {
    sentence
        .contains(&c.printed)
        .then(|| sentence.replacen(&c.printed, &to, 1))
}

/// `percent` % of a claim's printed value, in hundredths of its unit (what `plus` adds).
fn percent_of(c: &NarrativeClaim, percent: i64) -> i64 {
    (c.value * Decimal::from(percent))
        .trunc()
        .try_into()
        .unwrap_or(0)
}

/// A printed amount in 万元 plus `delta` hundredths.
fn plus(c: &NarrativeClaim, delta: i64) -> String {
    format!("{:.2}万元", c.value + Decimal::new(delta, 2))
}

/// A printed percentage plus `points`, at its printed precision.
fn plus_points(c: &NarrativeClaim, points: i64) -> String {
    let v = (c.value + Decimal::from(points)).round_dp(c.decimals as u32);
    format!("{v:.prec$}%", prec = c.decimals as usize)
}

/// Whether CLM-001 (change = |now − prior|) and CLM-002 (the change %) find the claims of
/// `group` inconsistent — their arithmetic and tolerances as the rules compute them
/// (`queries/checks/claims.sql`), so that a planted figure is expected to break a rule
/// only where the printed precision lets it show.
fn claim_arithmetic_breaks(claims: &[NarrativeClaim], group: i32) -> (bool, bool) {
    let one = |measure: &str, prior: bool| {
        claims.iter().find(|x| {
            x.group_no == group && x.measure == measure && (x.period != "budget") == prior
        })
    };
    let money = |c: &NarrativeClaim| c.amount.unwrap_or(c.value);
    let turned = |c: &NarrativeClaim| matches!(c.direction, Some("increase" | "decrease"));
    let (now, prior) = (one("amount", false), one("amount", true));
    let (change, pct) = (one("change", true), one("change_pct", true));
    let clm001 = match (now, prior, change) {
        (Some(n), Some(p), Some(c)) if turned(c) => {
            ((money(n) - money(p)).abs() - money(c)).abs() > n.tolerance + p.tolerance + c.tolerance
        }
        _ => false,
    };
    let clm002 = (|| {
        let r = pct.filter(|r| turned(r))?;
        let (diff, diff_tol) = match (now, prior) {
            (Some(n), Some(p)) => ((money(n) - money(p)).abs(), n.tolerance + p.tolerance),
            _ => change.map(|c| (money(c), c.tolerance))?,
        };
        let (before, before_tol) = match (prior, now, change) {
            (Some(p), _, _) => (money(p), p.tolerance),
            (None, Some(n), Some(c)) => match c.direction {
                Some("increase") => (money(n) - money(c), n.tolerance + c.tolerance),
                Some("decrease") => (money(n) + money(c), n.tolerance + c.tolerance),
                _ => return None,
            },
            _ => return None,
        };
        if before - before_tol <= Decimal::ZERO {
            return None;
        }
        let hundred = Decimal::ONE_HUNDRED;
        let computed = diff * hundred / before;
        let tol = r.tolerance
            + hundred * (diff_tol + diff / before * before_tol) / before
            + Decimal::new(1, 4);
        Some((computed - r.value).abs() > tol)
    })()
    .unwrap_or(false);
    (clm001, clm002)
}

/// The claims of `group` in `claims`.
fn group_has(claims: &[NarrativeClaim], group: i32, measure: &str, prior: bool) -> bool {
    claims
        .iter()
        .any(|x| x.group_no == group && x.measure == measure && (x.period != "budget") == prior)
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
            let (c, _) = edit_narrative(
                p,
                |c| c.subject == "basic" && c.measure == "share",
                |c, s| reprint(c, s, plus_points(c, 5)),
            )?;
            return done("narrative", c, "share");
        }
        "narrative_growth" => {
            // The growth of a total whose base the narrative states (this year's amount
            // and the change, or last year's amount).
            let claims = p.claims.clone();
            let (c, _) = edit_narrative(
                p,
                |c| {
                    matches!(c.subject.as_str(), "income_total" | "total")
                        && c.measure == "change_pct"
                        && (group_has(&claims, c.group_no, "change", true)
                            || group_has(&claims, c.group_no, "amount", true))
                        && (group_has(&claims, c.group_no, "amount", false) || c.subject == "total")
                },
                |c, s| reprint(c, s, plus_points(c, 3)),
            )?;
            return done("narrative", c, "change_pct");
        }
        "narrative_three_public" => {
            let (c, _) = edit_narrative(
                p,
                |c| c.subject == "three_public.reception" && c.measure == "amount",
                |c, s| reprint(c, s, plus(c, delta)),
            )?;
            return done("narrative", c, "three_public.reception");
        }
        "narrative_operating_cost" => {
            // (At least a tenth of it: the growth stated beside it then moves visibly.)
            let claims = p.claims.clone();
            let (c, claim) = edit_narrative(
                p,
                |c| c.subject == "operating_cost" && c.measure == "amount",
                |c, s| reprint(c, s, plus(c, delta.max(percent_of(c, 10)))),
            )?;
            let mut planted = done("narrative", c, "operating_cost.total")?;
            if group_has(&claims, claim.group_no, "change_pct", true) {
                planted.rules = &["NAR-005", "CLM-002"];
            }
            return Some(planted);
        }
        "narrative_project_count" => {
            let (c, _) = edit_narrative(
                p,
                |c| c.subject == "performance" && c.measure == "count",
                |c, s| reprint(c, s, format!("{}个", c.value + Decimal::ONE)),
            )?;
            return done("narrative", c, "performance.projects");
        }
        "narrative_income_total" => {
            // At least 2 % of the total: a growth stated with it moves visibly too (where
            // its printed precision lets it show: claim_arithmetic_breaks).
            let (c, claim) = edit_narrative(
                p,
                |c| c.subject == "income_total" && c.measure == "amount" && c.period == "budget",
                |c, s| reprint(c, s, plus(c, delta.max(percent_of(c, 2)))),
            )?;
            let mut planted = done("narrative", c, "summary.income_total")?;
            let (change, pct) = claim_arithmetic_breaks(&p.claims, claim.group_no);
            planted.rules = match (pct, change) {
                (true, true) => &["NAR-001", "CLM-001", "CLM-002"],
                (true, false) => &["NAR-001", "CLM-002"],
                (false, true) => &["NAR-001", "CLM-001"],
                (false, false) => &["NAR-001"],
            };
            return Some(planted);
        }
        "claim_item_growth" => {
            let claims = p.claims.clone();
            let (c, _) = edit_narrative(
                p,
                |c| {
                    c.subject == "function"
                        && c.measure == "change_pct"
                        && group_has(&claims, c.group_no, "amount", false)
                },
                |c, s| reprint(c, s, plus_points(c, 3)),
            )?;
            return done("narrative", c, "change_pct");
        }
        "claim_direction" => {
            let claims = p.claims.clone();
            let (c, _) = edit_narrative(
                p,
                |c| {
                    c.measure == "change_pct"
                        && matches!(c.direction, Some("increase" | "decrease"))
                        && c.value > Decimal::ZERO
                        && (group_has(&claims, c.group_no, "change", true)
                            || group_has(&claims, c.group_no, "amount", true))
                },
                |c, s| {
                    let (from, to) = match c.direction {
                        Some("increase") => ("增长", "下降"),
                        _ => ("下降", "增长"),
                    };
                    let at = s.find(&c.printed)?;
                    let word = s[..at].rfind(from)?;
                    Some(format!("{}{to}{}", &s[..word], &s[word + from.len()..]))
                },
            )?;
            return done("narrative", c, "direction");
        }
        "claim_change_on_zero" => {
            let (c, _) = edit_narrative(
                p,
                |c| c.subject == "fund" && c.fund == Some("gov_fund") && c.measure == "change",
                |_, s| {
                    let at = s.find("持平")?;
                    let start = s[..at].rfind('，')? + '，'.len_utf8();
                    Some(format!(
                        "{}比上年增加{}万元。",
                        &s[..start],
                        super::document::wan_text(delta)
                    ))
                },
            )?;
            return done("narrative", c, "change");
        }
        "claim_item_execution" => {
            // The 预算安排 of a 项 compared with last year's 执行数 (Shanghai): this
            // year's figure there, not the one the item's heading prints; else a 类's
            // amount stated alone.
            let claims = p.claims.clone();
            let (c, _) = edit_narrative(
                p,
                |c| {
                    c.subject == "function"
                        && c.measure == "amount"
                        && c.period == "budget"
                        && (c.sentence.contains("执行数")
                            && group_has(&claims, c.group_no, "amount", true)
                            || c.sentence.contains("科目"))
                },
                |c, s| reprint(c, s, plus(c, delta)),
            )?;
            return done("narrative", c, "amount");
        }
        "claim_change_amount" => {
            // The change of a group that states this year's amount and last year's, or
            // the change % (by at least half: the % then moves beyond its printed
            // precision, unless it is too small to show it — then nothing is planted).
            let claims = p.claims.clone();
            let before = (p.narrative.clone(), p.facts.clone(), p.claims.clone());
            let (c, claim) = edit_narrative(
                p,
                |c| {
                    c.measure == "change"
                        && c.amount.is_some()
                        && group_has(&claims, c.group_no, "amount", false)
                        && (group_has(&claims, c.group_no, "amount", true)
                            || group_has(&claims, c.group_no, "change_pct", true))
                },
                |c, s| reprint(c, s, plus(c, delta.max(percent_of(c, 50)))),
            )?;
            let rules: &'static [&'static str] =
                match claim_arithmetic_breaks(&p.claims, claim.group_no) {
                    (true, true) => &["CLM-001", "CLM-002"],
                    (true, false) => &["CLM-001"],
                    (false, true) => &["CLM-002"],
                    (false, false) => {
                        (p.narrative, p.facts, p.claims) = before;
                        return None;
                    }
                };
            let mut planted = done("narrative", c, "change")?;
            planted.rules = rules;
            return Some(planted);
        }
        "claim_performance_total" => {
            let (c, _) = edit_narrative(
                p,
                |c| c.subject == "performance" && c.measure == "amount",
                |c, s| reprint(c, s, plus(c, delta)),
            )?;
            return done("narrative", c, "performance.amount");
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
