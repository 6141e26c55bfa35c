//! Unit-years published as two PDFs: a 文件 (the narrative: 部门概况, 预算说明) and a 表格
//! (the tables). They are one document: the tables' document takes the narrative's facts
//! and lists the narrative PDF as its companion, so a unit-year is neither stored twice
//! nor counted twice.
//!
//! Owns the pairing rule: a document without tables joins the document with tables of the
//! same year and kind whose 收支预算总表 total the narrative states (收入、支出预算总计
//! 20849.45万元 ↔ 收入合计 20,849.45). Never pairs by file or unit name; a narrative
//! with no partner (or more than one) in the batch is refused with the reason. A tables
//! part that prints no year (Beijing's 报表) takes the year of the narrative it pairs with;
//! alone, it is refused for want of a year.

use std::path::PathBuf;

use rust_decimal::Decimal;

use crate::error::Error;
use crate::model::{RowKind, SourceDocument, TableKind};

/// The 收支预算总表 totals (收入合计, 支出合计) of a document with tables.
fn summary_totals(d: &SourceDocument) -> Vec<Decimal> {
    d.parsed
        .line_items
        .iter()
        .filter(|i| {
            i.table_kind == TableKind::IncomeExpenditureSummary
                && matches!(i.line_key.as_deref(), Some("INC_TOTAL" | "EXP_TOTAL"))
                || i.table_kind == TableKind::Expenditure && i.row_kind == RowKind::Total
        })
        .map(|i| i.amount)
        .collect()
}

/// The totals a narrative states (收入预算总计, 支出预算总计), in 元, each with half a unit
/// of its printed precision (32852.05 万元 stands for 32852.045–32852.055 万元: the tables
/// may print 32,852.053832).
fn stated_totals(d: &SourceDocument) -> Vec<(Decimal, Decimal)> {
    d.parsed
        .facts
        .iter()
        .filter(|f| {
            f.relation == "value"
                && (f.fact_key.ends_with("income_total")
                    || f.fact_key.ends_with("expenditure_total"))
        })
        .filter_map(|f| {
            let amount = f.amount?;
            let unit = if f.number.is_zero() {
                Decimal::ONE
            } else {
                (amount / f.number).abs()
            };
            let half = Decimal::new(5, f.number.scale() + 1) * unit;
            Some((amount, half))
        })
        .collect()
}

/// Merges each document without tables into its tables' document. Returns the documents
/// to store and, for narratives with no single partner, the error to report.
pub fn attach_companions(docs: Vec<SourceDocument>) -> (Vec<SourceDocument>, Vec<Error>) {
    let (narratives, mut tabled): (Vec<_>, Vec<_>) =
        docs.into_iter().partition(|d| d.parsed.tables.is_empty());
    let mut errors = Vec::new();
    for n in narratives {
        let stated = stated_totals(&n);
        let partners: Vec<usize> = (0..tabled.len())
            .filter(|&i| {
                let t = &tabled[i];
                (t.parsed.meta.year == n.parsed.meta.year || t.parsed.meta.year == 0)
                    && t.parsed.meta.kind == n.parsed.meta.kind
                    && t.companion_path.is_none()
                    && summary_totals(t)
                        .iter()
                        .any(|a| stated.iter().any(|(s, half)| (a - s).abs() <= *half))
            })
            .collect();
        match partners.as_slice() {
            [i] => {
                let t = &mut tabled[*i];
                // A tables part that prints no year takes its narrative's; one that names no
                // unit (its unit's name fell back to its title) takes the narrative's unit,
                // and its region where it found none.
                let (tm, nm) = (&mut t.parsed.meta, &n.parsed.meta);
                if tm.year == 0 {
                    tm.year = nm.year;
                }
                if tm.unit_name_printed == tm.title {
                    tm.unit_name = nm.unit_name.clone();
                    tm.unit_name_printed = nm.unit_name_printed.clone();
                }
                if tm.region.is_none() {
                    tm.region = nm.region.clone();
                    tm.region_code = nm.region_code.clone();
                }
                if t.parsed.facts.is_empty() {
                    t.parsed.facts = n.parsed.facts;
                }
                // (The claims' pages and lines are the narrative PDF's: its companion.)
                if t.parsed.claims.is_empty() {
                    t.parsed.claims = n.parsed.claims;
                    super::claims::resolve_codes(&mut t.parsed.claims, &t.parsed.line_items);
                }
                t.companion_path = Some(n.source_path);
            }
            [] => errors.push(Error::NotADisclosure {
                path: PathBuf::from(&n.source_path),
                reason: format!(
                    "no disclosure table in the PDF: it reads as the narrative (文件) of {} {}, which is stored with its tables; ingest it together with the PDF of its tables (none in this batch has the {} it states)",
                    n.parsed.meta.unit_name,
                    n.parsed.meta.year,
                    stated
                        .first()
                        .map_or("total".to_string(), |(a, _)| format!("收支总计 {a} 元")),
                ),
            }),
            _ => errors.push(Error::NotADisclosure {
                path: PathBuf::from(&n.source_path),
                reason: format!(
                    "no disclosure table in the PDF, and {} documents with tables in this batch match its totals: {}",
                    partners.len(),
                    partners
                        .iter()
                        .map(|&i| tabled[i].source_path.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
    // A document that states no year and found no narrative stating it is refused.
    let (tabled, yearless): (Vec<_>, Vec<_>) =
        tabled.into_iter().partition(|d| d.parsed.meta.year != 0);
    errors.extend(yearless.into_iter().map(|d| Error::YearMissing {
        path: PathBuf::from(&d.source_path),
        document: Box::new(d),
    }));
    (tabled, errors)
}
