//! One line of an extracted table: its tab-separated cells classified as blank, numeric or
//! text, and the split into leading codes, labels and trailing amounts. Owns nothing about
//! what a table means.

use super::amount::{AmountError, Printed, is_blank, looks_numeric, parse_printed, strip_tags};

/// A cell holding an amount (or what looks like one).
#[derive(Debug, Clone, PartialEq)]
pub struct AmountCell {
    pub idx: usize,
    pub text: String,
    pub parsed: Result<Printed, AmountError>,
}

/// One table line, classified.
#[derive(Debug, Clone, PartialEq)]
pub struct TableLine {
    /// 1-based line number in the source file.
    pub line: usize,
    /// Index among the table's non-blank lines (distances between rows use it).
    pub seq: usize,
    pub raw: String,
    pub cells: Vec<String>,
    /// Text cells (not numeric, not blank), with their index.
    pub texts: Vec<(usize, String)>,
    /// Numeric cells before the last text cell (codes), with their index.
    pub codes: Vec<(usize, String)>,
    /// Numeric cells after the last text cell.
    pub amounts: Vec<AmountCell>,
    /// The depth of the row's name in the classification (0 = 类, 1 = 款, 2 = 项), where a
    /// table prints names without codes and shows their level by indentation (the PDF
    /// reader measures it; for a two-sided table, of the expenditure side's name).
    pub depth: Option<u8>,
}

impl TableLine {
    /// Splits and classifies a raw line.
    pub fn new(line: usize, seq: usize, raw: &str) -> TableLine {
        let cells: Vec<String> = raw
            .split('\t')
            .map(|c| strip_tags(c).trim().to_string())
            .collect();
        let last_text = cells.iter().rposition(|c| is_text(c));
        let mut texts = Vec::new();
        let mut codes = Vec::new();
        let mut amounts = Vec::new();
        for (idx, cell) in cells.iter().enumerate() {
            if let Some((code, name)) = split_code(cell) {
                // (A code printed in its name's cell stands before the name.)
                codes.push((idx, code));
                texts.push((idx, name));
            } else if is_text(cell) {
                texts.push((idx, cell.clone()));
            } else if looks_numeric(cell) || cell == "-" {
                if last_text.is_some_and(|t| idx < t) {
                    codes.push((idx, cell.clone()));
                } else {
                    amounts.push(AmountCell {
                        idx,
                        text: cell.clone(),
                        parsed: parse_printed(cell),
                    });
                }
            }
        }
        TableLine {
            line,
            seq,
            raw: raw.to_string(),
            cells,
            texts,
            codes,
            amounts,
            depth: None,
        }
    }

    /// The index of the last text cell, if any.
    pub fn last_text_idx(&self) -> Option<usize> {
        self.texts.last().map(|(i, _)| *i)
    }

    /// The text at a cell index, if that cell is text.
    pub fn text_at(&self, idx: usize) -> Option<&str> {
        self.texts
            .iter()
            .find(|(i, _)| *i == idx)
            .map(|(_, t)| t.as_str())
    }

    /// The first text cell, spaces removed.
    pub fn label(&self) -> String {
        self.texts
            .first()
            .map(|(_, t)| compact(t))
            .unwrap_or_default()
    }

    /// Every numeric cell (code or amount) with an index in `range`, read as an amount:
    /// in two-sided tables and in 绩效目标表 amounts sit between text cells.
    pub fn numeric_cells(&self, range: std::ops::Range<usize>) -> Vec<AmountCell> {
        let mut cells: Vec<AmountCell> = self
            .codes
            .iter()
            .map(|(idx, text)| AmountCell {
                idx: *idx,
                text: text.clone(),
                parsed: parse_printed(text),
            })
            .chain(self.amounts.iter().cloned())
            .filter(|c| range.contains(&c.idx))
            .collect();
        cells.sort_by_key(|c| c.idx);
        cells
    }
}

/// True for a cell that is neither blank nor numeric.
pub fn is_text(cell: &str) -> bool {
    !is_blank(cell) && !looks_numeric(cell) && cell != "-"
}

/// A classification code printed in its name's cell: `2050803-培训支出`, `[2014001]行政运行`,
/// `【201】一般公共服务支出` → (code, name). One code of 3 to 10 digits, the name not
/// starting with a digit (`2024-2025年` is no code).
pub fn split_code(cell: &str) -> Option<(String, String)> {
    let c = cell.trim();
    let (code, rest) = if let Some(inner) = c.strip_prefix(['[', '【']) {
        let end = inner.find([']', '】'])?;
        let close = inner[end..].chars().next()?.len_utf8();
        (&inner[..end], &inner[end + close..])
    } else {
        let end = c.find(|ch: char| !ch.is_ascii_digit())?;
        let rest = &c[end..];
        let sep = rest.chars().next()?;
        if !matches!(sep, '-' | '－' | '—') {
            return None;
        }
        (&c[..end], &rest[sep.len_utf8()..])
    };
    let rest = rest.trim();
    let first = rest.chars().next()?;
    // (Two cells run together, `工资奖金津补贴 30101-基本工资`, are not one.)
    let another_code = rest
        .split(|ch: char| !ch.is_ascii_digit())
        .any(|run| run.len() >= 3);
    ((3..=10).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_digit())
        && !first.is_ascii()
        && !another_code
        && !rest.contains(['[', '【']))
    .then(|| (code.to_string(), rest.to_string()))
}

/// Removes all white space (extraction inserts spaces where CJK text wrapped).
pub fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// True when a label still shows a wrap (white space between CJK characters): its whole
/// text was already joined into this cell.
pub fn shows_wrap(s: &str) -> bool {
    s.trim().contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_codes_labels_amounts() {
        let l = TableLine::new(
            1,
            0,
            "301\t02\t津贴补贴\t505\t01\t工资福利支出\t9.65\t9.65\t\t",
        );
        let codes: Vec<&str> = l.codes.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(codes, vec!["301", "02", "505", "01"]);
        assert_eq!(l.amounts.len(), 2);
        assert_eq!(l.amounts[0].idx, 6);
        assert_eq!(l.numeric_cells(3..7).len(), 3);
        let t = TableLine::new(2, 1, "\t\t\t544. 12\t544.12\t\t");
        assert!(t.texts.is_empty() && t.codes.is_empty());
        assert_eq!(t.amounts.len(), 2);
    }

    #[test]
    fn a_code_printed_in_its_names_cell_is_split_off() {
        let pair = |c: &str, n: &str| Some((c.to_string(), n.to_string()));
        assert_eq!(split_code("2050803-培训支出"), pair("2050803", "培训支出"));
        assert_eq!(split_code("[2014001]行政运行"), pair("2014001", "行政运行"));
        assert_eq!(
            split_code("【201】一般公共服务支出"),
            pair("201", "一般公共服务支出")
        );
        for not_one in [
            "2024-2025年",
            "12345 便民热线",
            "行政运行",
            "50101-工资奖金津补贴 30101-基本工资",
            "[201]一般公共服务支出[20132]组织事务",
            "20-培训",
        ] {
            assert_eq!(split_code(not_one), None, "{not_one}");
        }
        let t = TableLine::new(1, 0, "50101-工资奖金津补贴\t30101-基本工资\t1,431.04");
        assert_eq!(t.codes, vec![(0, "50101".into()), (1, "30101".into())]);
        assert_eq!(
            t.texts,
            vec![(0, "工资奖金津补贴".into()), (1, "基本工资".into())]
        );
        assert_eq!(t.amounts.len(), 1);
    }
}
