//! Unit-years published as two PDFs: a 文件 (the narrative: 部门概况, 预算说明) and a 表格
//! (the tables). They are one document: the tables' document takes the narrative's facts
//! and lists the narrative PDF as its companion, so a unit-year is neither stored twice
//! nor counted twice.
//!
//! Owns the pairing rule: a document without tables joins the document with tables of the
//! same year and kind whose 收支预算总表 total the narrative states (收入、支出预算总计
//! 20849.45万元 ↔ 收入合计 20,849.45). Never pairs by file or unit name; a narrative
//! with no partner (or more than one) in the batch is refused with the reason.

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

/// The totals a narrative states (收入预算总计, 支出预算总计).
fn stated_totals(d: &SourceDocument) -> Vec<Decimal> {
    d.parsed
        .facts
        .iter()
        .filter(|f| {
            f.relation == "value"
                && (f.fact_key.ends_with("income_total")
                    || f.fact_key.ends_with("expenditure_total"))
        })
        .filter_map(|f| f.amount)
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
                t.parsed.meta.year == n.parsed.meta.year
                    && t.parsed.meta.kind == n.parsed.meta.kind
                    && t.companion_path.is_none()
                    && summary_totals(t).iter().any(|a| stated.contains(a))
            })
            .collect();
        match partners.as_slice() {
            [i] => {
                let t = &mut tabled[*i];
                if t.parsed.facts.is_empty() {
                    t.parsed.facts = n.parsed.facts;
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
                        .map_or("total".to_string(), |a| format!("收支总计 {a} 元")),
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
    (tabled, errors)
}
