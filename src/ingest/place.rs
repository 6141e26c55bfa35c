//! Placing the amounts of one table row under the table's columns.
//!
//! In text extracted from a PDF a blank cell leaves no token, and tab positions are only
//! a hint: extraction inserts and drops empty cells. So a row's amounts, read left to
//! right, are matched to the columns by an order-preserving assignment chosen by
//! (1) the table's arithmetic (合计 = 基本 + 项目, 小计 = Σ parts, 其中 ≤ 小计),
//! (2) the fewest changes of offset between a token's tab position and its column, and
//! (3) the smallest total offset. A value printed with one decimal fewer than the table
//! uses (`48. 4` beside `48.43`) is treated as truncated: its missing digit is completed
//! only when the arithmetic requires it, and the completion is reported.
//!
//! This module knows nothing about table kinds; `ingest::layout` supplies the columns.

use std::borrow::Cow;

use rust_decimal::Decimal;

use super::amount::Printed;

/// An arithmetic relation between the columns of one row (blank columns count as 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Constraint {
    /// `cols[total] = Σ cols[parts]`.
    Sum {
        total: usize,
        parts: Cow<'static, [usize]>,
    },
    /// `cols[part] ≤ cols[whole]` (a 其中 column).
    AtMost { part: usize, whole: usize },
}

/// One amount token of a row: its tab position relative to the first amount column.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub slot: usize,
    pub printed: Printed,
    pub text: String,
}

/// The chosen assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Column index of each token.
    pub columns: Vec<usize>,
    /// Value of each token (differs from the printed value only for completed truncations).
    pub values: Vec<Decimal>,
    /// Indices of the constraints that do not hold exactly, with `true` when off by
    /// rounding only.
    pub violations: Vec<(usize, bool)>,
    /// Another assignment of different columns scored the same.
    pub ambiguous: bool,
    /// Tokens whose truncated value was completed.
    pub completed: Vec<usize>,
}

const MAX_CANDIDATES: u64 = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Score {
    far: usize,
    near: usize,
    completed: usize,
    shift_changes: usize,
    displacement: usize,
}

/// Places `tokens` under `n_cols` columns. `decimals` is the number of decimals the table
/// prints (2 for 万元 and most 元 tables). Returns `None` when there are more tokens than
/// columns.
pub fn place(
    tokens: &[Token],
    n_cols: usize,
    constraints: &[Constraint],
    decimals: u32,
) -> Option<Placement> {
    let k = tokens.len();
    if k > n_cols {
        return None;
    }
    if k == 0 {
        return Some(Placement {
            columns: vec![],
            values: vec![],
            violations: vec![],
            ambiguous: false,
            completed: vec![],
        });
    }
    let options: Vec<Vec<Decimal>> = tokens.iter().map(|t| value_options(t, decimals)).collect();
    if binomial(n_cols as u64, k as u64) > MAX_CANDIDATES {
        return Some(positional(tokens, n_cols, constraints, &options));
    }
    let mut search = Search {
        tokens,
        n_cols,
        constraints,
        options: &options,
        best: None,
        tie: false,
        columns: Vec::with_capacity(k),
    };
    search.columns_from(0, 0);
    let (_, columns, values) = search.best?;
    let violations = check(&columns, &values, n_cols, constraints);
    let completed = (0..k)
        .filter(|&i| values[i] != tokens[i].printed.value)
        .collect();
    Some(Placement {
        columns,
        values,
        violations,
        ambiguous: search.tie,
        completed,
    })
}

fn value_options(token: &Token, decimals: u32) -> Vec<Decimal> {
    let p = token.printed;
    let mut out = vec![p.value];
    if p.decimals >= 1 && p.decimals + 1 == decimals && p.value >= Decimal::ZERO {
        let step = Decimal::new(1, decimals);
        for d in 1..10 {
            out.push(p.value + step * Decimal::from(d));
        }
    }
    out
}

fn binomial(n: u64, k: u64) -> u64 {
    let k = k.min(n - k);
    let mut acc: u64 = 1;
    for i in 0..k {
        acc = acc.saturating_mul(n - i) / (i + 1);
    }
    acc
}

struct Search<'a> {
    tokens: &'a [Token],
    n_cols: usize,
    constraints: &'a [Constraint],
    options: &'a [Vec<Decimal>],
    best: Option<(Score, Vec<usize>, Vec<Decimal>)>,
    tie: bool,
    columns: Vec<usize>,
}

impl Search<'_> {
    fn columns_from(&mut self, token: usize, first_col: usize) {
        if token == self.tokens.len() {
            self.evaluate();
            return;
        }
        let remaining = self.tokens.len() - token;
        for col in first_col..=(self.n_cols - remaining) {
            self.columns.push(col);
            self.columns_from(token + 1, col + 1);
            self.columns.pop();
        }
    }

    fn evaluate(&mut self) {
        let (shift_changes, displacement) = shifts(self.tokens, &self.columns);
        // Try the printed values first, then completions of truncated tokens.
        let mut choice = vec![0usize; self.tokens.len()];
        let mut best_here: Option<(Score, Vec<Decimal>)> = None;
        loop {
            let values: Vec<Decimal> = choice
                .iter()
                .enumerate()
                .map(|(i, &c)| self.options[i][c])
                .collect();
            let violations = check(&self.columns, &values, self.n_cols, self.constraints);
            let score = Score {
                far: violations.iter().filter(|(_, near)| !near).count(),
                near: violations.iter().filter(|(_, near)| *near).count(),
                completed: choice.iter().filter(|&&c| c != 0).count(),
                shift_changes,
                displacement,
            };
            if best_here.as_ref().is_none_or(|(s, _)| score < *s) {
                best_here = Some((score, values));
            }
            if !advance(&mut choice, self.options) {
                break;
            }
        }
        let (score, values) = best_here.expect("at least one choice");
        match &self.best {
            Some((best, cols, _)) if score == *best && *cols != self.columns => self.tie = true,
            Some((best, _, _)) if score >= *best => {}
            _ => {
                self.best = Some((score, self.columns.clone(), values));
                self.tie = false;
            }
        }
    }
}

fn advance(choice: &mut [usize], options: &[Vec<Decimal>]) -> bool {
    for i in 0..choice.len() {
        if choice[i] + 1 < options[i].len() {
            choice[i] += 1;
            return true;
        }
        choice[i] = 0;
    }
    false
}

fn shifts(tokens: &[Token], columns: &[usize]) -> (usize, usize) {
    let mut previous: isize = 0;
    let mut changes = 0;
    let mut displacement = 0;
    for (t, &c) in tokens.iter().zip(columns) {
        let shift = t.slot as isize - c as isize;
        if shift != previous {
            changes += 1;
        }
        displacement += shift.unsigned_abs();
        previous = shift;
    }
    (changes, displacement)
}

/// The constraints that do not hold, by index, with `true` when off by rounding only.
fn check(
    columns: &[usize],
    values: &[Decimal],
    n_cols: usize,
    constraints: &[Constraint],
) -> Vec<(usize, bool)> {
    let mut row = vec![Decimal::ZERO; n_cols];
    for (&c, &v) in columns.iter().zip(values) {
        row[c] = v;
    }
    let rounding = Decimal::new(1, 2);
    constraints
        .iter()
        .enumerate()
        .filter_map(|(i, constraint)| match constraint {
            Constraint::Sum { total, parts } => {
                let sum: Decimal = parts.iter().map(|&p| row[p]).sum();
                let diff = (row[*total] - sum).abs();
                (diff != Decimal::ZERO)
                    .then(|| (i, diff <= rounding * Decimal::from(parts.len().max(1))))
            }
            Constraint::AtMost { part, whole } => (row[*part] > row[*whole]).then_some((i, false)),
        })
        .collect()
}

fn positional(
    tokens: &[Token],
    n_cols: usize,
    constraints: &[Constraint],
    options: &[Vec<Decimal>],
) -> Placement {
    let mut columns = Vec::with_capacity(tokens.len());
    let mut next = 0;
    for (i, t) in tokens.iter().enumerate() {
        let remaining = tokens.len() - i;
        let col = t.slot.max(next).min(n_cols - remaining);
        columns.push(col);
        next = col + 1;
    }
    let values: Vec<Decimal> = options.iter().map(|o| o[0]).collect();
    let violations = check(&columns, &values, n_cols, constraints);
    Placement {
        columns,
        values,
        violations,
        ambiguous: false,
        completed: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::amount::parse_printed;

    fn tokens(cells: &[&str]) -> Vec<Token> {
        cells
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .map(|(slot, c)| Token {
                slot,
                printed: parse_printed(c).unwrap(),
                text: c.to_string(),
            })
            .collect()
    }

    // 合计, 基本小计, 工资福利, 对个人, 商品服务, 资本性, 项目小计, 其他运转类, 特定目标类
    const EXPENDITURE: &[Constraint] = crate::ingest::layout::EXPENDITURE.constraints;

    #[test]
    fn follows_tab_positions_when_consistent() {
        let t = tokens(&["6.10", "6.10", "", "5.88", "0.22"]);
        let p = place(&t, 9, EXPENDITURE, 2).unwrap();
        assert_eq!(p.columns, vec![0, 1, 3, 4]);
        assert!(p.violations.is_empty() && !p.ambiguous);
    }

    #[test]
    fn arithmetic_overrides_a_spurious_blank_cell() {
        // The 一般公共预算支出表 row: an extra empty cell before the project columns.
        let t = tokens(&[
            "827.29", "283.17", "262.44", "5.88", "14.85", "", "", "544.12", "544.12",
        ]);
        let p = place(&t, 9, EXPENDITURE, 2).unwrap();
        assert_eq!(p.columns, vec![0, 1, 2, 3, 4, 6, 7]);
        assert!(p.violations.is_empty());
    }

    #[test]
    fn completes_a_truncated_value_only_when_needed() {
        // 总计, 一般公共预算小计, 其中财政拨款
        let c = &[Constraint::Sum {
            total: 0,
            parts: Cow::Borrowed(&[1]),
        }];
        let t = tokens(&["48. 4", "48. 43", "48. 43"]);
        let p = place(&t, 3, c, 2).unwrap();
        assert_eq!(p.values[0], Decimal::new(4843, 2));
        assert_eq!(p.completed, vec![0]);
        let t = tokens(&["10.9", "10.90", "10.90"]);
        let p = place(&t, 3, c, 2).unwrap();
        assert_eq!(p.values[0], Decimal::new(1090, 2));
        assert!(p.completed.is_empty());
    }

    #[test]
    fn reports_violations_and_too_many_tokens() {
        let t = tokens(&["10.00", "3.00", "", "", "", "", "5.00"]);
        let p = place(&t, 9, EXPENDITURE, 2).unwrap();
        assert!(!p.violations.is_empty());
        let t = tokens(&["1", "2", "3"]);
        assert!(place(&t, 2, &[], 2).is_none());
    }
}
