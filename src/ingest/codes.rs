//! Damaged 功能分类 code cells: a code printed truncated (`2010` for `2010350`), as a stray
//! digit (`2`), or with a digit lost so that it reads as another code (`201 03 5`, padded to
//! `2010305`, on a row named 事业运行 = 2010350). Such a row is recognised from its name —
//! the code the same name bears elsewhere in the document, under the same 款 (for a lost
//! digit: the code it bears more often) — and
//! reported (warning `code_damaged`, naming the printed cell, which rule COD-004 turns
//! into a finding); where one code fits, the row is read with it, so that the tables'
//! sums stay whole. Never drops a row and never guesses between two codes.
//!
//! Owns only this repair; the row reading itself is `rows`.

use std::collections::{BTreeMap, BTreeSet};

use super::cells::compact;
use crate::model::classification::function_level;
use crate::model::{IngestWarning, LineItem, RowKind, TableKind};

fn is_function_table(kind: TableKind) -> bool {
    matches!(
        kind,
        TableKind::Expenditure
            | TableKind::GpbExpenditure
            | TableKind::GovFundExpenditure
            | TableKind::SoeExpenditure
    )
}

/// A row's name as compared: without spaces, enumerators and the full-width/half-width
/// difference of parentheses.
fn name_key(label: &str) -> String {
    crate::model::classification::strip_enumerator(&compact(label))
        .replace('(', "（")
        .replace(')', "）")
}

/// The printed code cell of a row whose code is missing: the digits that begin its line.
fn printed_digits(text: &str) -> Option<String> {
    let first: String = text
        .split_whitespace()
        .take_while(|t| t.chars().all(|c| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ");
    (!first.is_empty()).then_some(first)
}

/// Recovers and reports damaged 功能分类 codes in a document's `items`.
pub fn recover_damaged_codes(items: &mut [LineItem], warnings: &mut Vec<IngestWarning>) {
    // Every (name → codes) and (code → names) printed with a whole code, with counts.
    let mut by_name: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut rows_seen: BTreeSet<(i32, i32)> = BTreeSet::new();
    for i in items.iter() {
        if !is_function_table(i.table_kind) || i.row_kind != RowKind::Function {
            continue;
        }
        let Some(code) = i.function_code.as_deref() else {
            continue;
        };
        if rows_seen.insert((i.table_no, i.row_no)) {
            *by_name
                .entry(name_key(&i.row_label))
                .or_default()
                .entry(code.to_string())
                .or_default() += 1;
        }
    }
    // Rows to look at: (table, row) → (label, printed code, current code, line, kind).
    struct Suspect {
        label: String,
        printed: String,
        current: Option<String>,
        line: i32,
        kind: TableKind,
        /// The 类/款 the rows above it open (the nearest shorter code of its table).
        context: Option<String>,
    }
    let missing_code_lines: BTreeMap<i32, String> = warnings
        .iter()
        .filter(|w| w.code == "code_missing")
        .filter_map(|w| Some((w.line?, printed_digits(&w.text)?)))
        .collect();
    let mut suspects: BTreeMap<(i32, i32), Suspect> = BTreeMap::new();
    let mut context: BTreeMap<i32, String> = BTreeMap::new();
    for i in items.iter() {
        if !is_function_table(i.table_kind) {
            continue;
        }
        let key = (i.table_no, i.row_no);
        if suspects.contains_key(&key) {
            continue;
        }
        let name = name_key(&i.row_label);
        match (
            &i.row_kind,
            i.function_code.as_deref(),
            i.row_unit_code.as_deref(),
        ) {
            (RowKind::Function, Some(code), _) => {
                // A whole code the document prints elsewhere with another name, and that
                // name elsewhere with a code of the same 款: a digit lost in this cell.
                let elsewhere = by_name.get(&name);
                let other: Vec<&String> = elsewhere
                    .map(|m| m.keys().filter(|c| c.as_str() != code).collect())
                    .unwrap_or_default();
                let own = elsewhere.and_then(|m| m.get(code)).copied().unwrap_or(0);
                let theirs: usize = elsewhere
                    .map(|m| {
                        m.iter()
                            .filter(|(c, _)| c.as_str() != code)
                            .map(|(_, n)| n)
                            .sum()
                    })
                    .unwrap_or(0);
                // (Only the document's own evidence: the name printed more often with one
                // other code of the same 款. A 项's number under a 款 is not the same
                // everywhere — 事业运行 is 50 under most 款 but 04 under 农业农村 — so no
                // name alone gives a code.)
                let elsewhere_fits = matches!(other.as_slice(), [one] if one.len() == 7
                    && one[..5] == code[..5]
                    && theirs > own);
                if code.len() == 7 && elsewhere_fits {
                    suspects.insert(
                        key,
                        Suspect {
                            label: i.row_label.clone(),
                            printed: code.to_string(),
                            current: Some(code.to_string()),
                            line: i.source_line,
                            kind: i.table_kind,
                            context: context.get(&i.table_no).cloned(),
                        },
                    );
                }
                if code.len() < 7 {
                    context.insert(i.table_no, code.to_string());
                }
            }
            // (Only digits a 功能分类 code begins with: 3xxxx is an 经济分类 code.)
            (RowKind::Unit, _, Some(digits))
                if digits.len() < 7 && digits.starts_with('2') && by_name.contains_key(&name) =>
            {
                suspects.insert(
                    key,
                    Suspect {
                        label: i.row_label.clone(),
                        printed: digits.to_string(),
                        current: None,
                        line: i.source_line,
                        kind: i.table_kind,
                        context: context.get(&i.table_no).cloned(),
                    },
                );
            }
            (RowKind::Line, None, _)
                if missing_code_lines
                    .get(&i.source_line)
                    .is_some_and(|d| d.starts_with('2')) =>
            {
                suspects.insert(
                    key,
                    Suspect {
                        label: i.row_label.clone(),
                        printed: missing_code_lines[&i.source_line].clone(),
                        current: None,
                        line: i.source_line,
                        kind: i.table_kind,
                        context: context.get(&i.table_no).cloned(),
                    },
                );
            }
            _ => {}
        }
    }
    // (A code itself printed with a digit lost is no candidate for the others.)
    let lost: BTreeSet<(String, String)> = suspects
        .values()
        .filter_map(|s| Some((name_key(&s.label), s.current.clone()?)))
        .collect();
    let mut repaired: BTreeMap<(i32, i32), String> = BTreeMap::new();
    for (key, s) in &suspects {
        let name = name_key(&s.label);
        let printed: String = s.printed.chars().filter(|c| c.is_ascii_digit()).collect();
        let candidates: Vec<&String> = by_name
            .get(&name)
            .map(|m| {
                m.keys()
                    .filter(|c| Some(c.as_str()) != s.current.as_deref())
                    .filter(|c| !lost.contains(&(name.clone(), (*c).clone())))
                    // (truncated: the printed digits begin it; a stray digit: its first)
                    .filter(|c| {
                        c.starts_with(&printed)
                            || printed.len() <= 2 && c.starts_with(&printed[..1])
                            || s.current.is_some()
                    })
                    .filter(|c| s.context.as_deref().is_none_or(|p| c.starts_with(p)))
                    .collect()
            })
            .unwrap_or_default();
        let found = match candidates.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        };
        let message = match &found {
            Some(code) => format!(
                "row '{}' prints the 功能分类 code '{}', damaged (truncated, a stray digit or a digit lost); read as {code}, the code the document prints with this name elsewhere",
                s.label, s.printed
            ),
            None => format!(
                "row '{}' prints the 功能分类 code '{}', which is damaged and not recognised from the row's name; the row is kept without a code",
                s.label, s.printed
            ),
        };
        warnings.push(IngestWarning {
            line: (s.line > 0).then_some(s.line),
            table_kind: Some(s.kind),
            code: "code_damaged",
            message,
            text: format!("{} {}", s.printed, s.label),
        });
        if let Some(code) = found {
            repaired.insert(*key, code);
        }
    }
    for i in items.iter_mut() {
        if let Some(code) = repaired.get(&(i.table_no, i.row_no)) {
            i.row_kind = RowKind::Function;
            i.function_level = function_level(code);
            i.function_code = Some(code.clone());
            i.row_unit_code = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        table_no: i32,
        row_no: i32,
        kind: RowKind,
        code: Option<&str>,
        unit: Option<&str>,
        label: &str,
    ) -> LineItem {
        LineItem {
            table_no,
            row_no,
            source_line: row_no + table_no * 100,
            row_kind: kind,
            function_code: code.map(String::from),
            row_unit_code: unit.map(String::from),
            row_label: label.into(),
            ..LineItem::for_test(TableKind::Expenditure, table_no, kind, "total", 100)
        }
    }

    #[test]
    fn truncated_stray_and_lost_digit_codes_are_read_from_the_name_and_reported() {
        use RowKind::{Function, Line, Unit};
        let mut items = vec![
            // Table 1 prints the codes whole.
            row(1, 1, Function, Some("201"), None, "一般公共服务支出"),
            row(
                1,
                2,
                Function,
                Some("20103"),
                None,
                "政府办公厅（室）及相关机构事务",
            ),
            row(1, 3, Function, Some("2010350"), None, "事业运行"),
            row(1, 4, Function, Some("20805"), None, "行政事业单位养老支出"),
            row(1, 5, Function, Some("2080502"), None, "事业单位离退休"),
            // Table 2: truncated, a digit lost, a stray digit.
            row(
                2,
                1,
                Function,
                Some("20103"),
                None,
                "政府办公厅（室）及相关机构事务",
            ),
            row(2, 2, Unit, None, Some("2010"), "事业运行"),
            row(2, 3, Function, Some("20805"), None, "行政事业单位养老支出"),
            row(2, 4, Line, None, None, "事业单位离退休"),
            // Table 3: 201 03 5 padded to 2010305; table 4 prints 2010350 like table 1.
            row(3, 1, Function, Some("2010305"), None, "事业运行"),
            row(4, 1, Function, Some("2010350"), None, "事业运行"),
            // A unit's own row (a department's subordinate unit) is no function row.
            row(3, 2, Unit, None, Some("101001"), "某某中心"),
        ];
        let mut warnings = vec![IngestWarning {
            line: Some(204),
            table_kind: Some(TableKind::Expenditure),
            code: "code_missing",
            message: String::new(),
            text: "2 事业单位离退休 6.10".into(),
        }];
        recover_damaged_codes(&mut items, &mut warnings);
        let code = |t: i32, r: i32| {
            items
                .iter()
                .find(|i| i.table_no == t && i.row_no == r)
                .and_then(|i| i.function_code.clone())
        };
        assert_eq!(code(2, 2).as_deref(), Some("2010350"));
        assert_eq!(code(2, 4).as_deref(), Some("2080502"));
        assert_eq!(code(3, 1).as_deref(), Some("2010350"));
        assert_eq!(code(3, 2), None);
        let damaged: Vec<&str> = warnings
            .iter()
            .filter(|w| w.code == "code_damaged")
            .map(|w| w.text.as_str())
            .collect();
        assert_eq!(
            damaged,
            vec!["2010 事业运行", "2 事业单位离退休", "2010305 事业运行"]
        );
    }
}
