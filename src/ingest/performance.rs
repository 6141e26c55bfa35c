//! 项目绩效目标表: projects with their funds and their performance indicators.
//!
//! Each project prints its code (`410311…`, 18–21 digits) and name once, vertically
//! centred in a block of indicator lines; names wrap onto the lines around it. A line's
//! indicator cells are the last eight cells (four 一级指标 groups 成本/产出/效益/满意度,
//! each a 三级指标 name and its 指标值); extraction drops blank cells at the start of a
//! line, so cells are counted from the right. Indicator lines are given to projects so
//! that each project's code line sits as near the middle of its block as possible.
//! Both rules are heuristics on damaged input; the extracted rows keep their source line.

use super::Ctx;
use super::cells::{TableLine, compact, is_text};
use super::layout::PERFORMANCE_FUNDS;
use super::rows::{RowMeta, TableCtx, place_amounts, push_items};
use crate::model::{LineItem, PerformanceIndicator, Project, RowKind, TableKind};

const LEVEL1: [&str; 4] = ["成本指标", "产出指标", "效益指标", "满意度指标"];
const FULL_WIDTH: usize = 14;
const INDICATOR_CELLS: usize = 8;

struct Anchor {
    seq: usize,
    line: usize,
    code: String,
    name: String,
    fragments_before: Vec<String>,
    fragments_after: Vec<String>,
    amounts_raw: String,
    /// The next line, when it repeats this project (a wrapped row rendered twice).
    repeat: Option<usize>,
}

fn is_project_code(s: &str) -> bool {
    s.len() >= 15 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_unit_code(s: &str) -> bool {
    (3..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Splits a target such as `≤3594.77 元` into operator, number and unit.
pub fn split_target(target: &str) -> (Option<&'static str>, Option<String>, Option<String>) {
    let t = compact(target);
    let mut rest = t.as_str();
    let mut op = None;
    for (sym, canon) in [
        ("≤", "≤"),
        ("≪", "≤"),
        ("<=", "≤"),
        ("≥", "≥"),
        (">=", "≥"),
        ("<", "<"),
        (">", ">"),
        ("=", "="),
    ] {
        if let Some(r) = rest.strip_prefix(sym) {
            op = Some(canon);
            rest = r;
            break;
        }
    }
    let num_len = rest
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, '.' | '-'))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    if num_len == 0 || !rest[..num_len].starts_with(|c: char| c.is_ascii_digit()) {
        return (op, None, (!rest.is_empty()).then(|| rest.to_string()));
    }
    let unit = &rest[num_len..];
    (
        op,
        Some(rest[..num_len].to_string()),
        (!unit.is_empty()).then(|| unit.to_string()),
    )
}

/// Assigns each of `n` non-anchor positions between anchors so that every anchor is as
/// near the middle of its block as possible. Returns, for each gap, how many of its lines
/// go to the anchor before it.
fn centre(before_first: usize, gaps: &[usize], after_last: usize) -> Vec<usize> {
    let m = gaps.len() + 1;
    // dp[i][b] = best cost for anchors < i with anchor i having `b` lines before it.
    let max = gaps.iter().copied().max().unwrap_or(0).max(before_first);
    let inf = usize::MAX / 4;
    let mut dp = vec![vec![inf; max + 1]; m];
    let mut choice = vec![vec![0usize; max + 1]; m];
    dp[0][before_first.min(max)] = 0;
    for i in 0..gaps.len() {
        for b in 0..=max {
            if dp[i][b] == inf {
                continue;
            }
            // Prefer giving lines to the earlier anchor on ties: iterate `after` downwards.
            for after in (0..=gaps[i]).rev() {
                let cost = dp[i][b] + b.abs_diff(after);
                let next_before = gaps[i] - after;
                if cost < dp[i + 1][next_before] {
                    dp[i + 1][next_before] = cost;
                    choice[i + 1][next_before] = after * (max + 1) + b;
                }
            }
        }
    }
    let last = m - 1;
    let mut best_b = 0;
    let mut best = inf;
    for (b, &cost) in dp[last].iter().enumerate() {
        if cost != inf && cost + b.abs_diff(after_last) < best {
            best = cost + b.abs_diff(after_last);
            best_b = b;
        }
    }
    let mut afters = vec![0; gaps.len()];
    let mut b = best_b;
    for i in (1..m).rev() {
        let packed = choice[i][b];
        afters[i - 1] = packed / (max + 1);
        b = packed % (max + 1);
    }
    afters
}

/// Parses 项目绩效目标表.
pub fn parse_performance(
    ctx: &mut Ctx,
    t: &TableCtx,
    lines: &[TableLine],
    items: &mut Vec<LineItem>,
    projects: &mut Vec<Project>,
    indicators: &mut Vec<PerformanceIndicator>,
) -> usize {
    let funds = PERFORMANCE_FUNDS.all();
    let mut anchors: Vec<Anchor> = Vec::new();
    let mut body: Vec<&TableLine> = Vec::new();
    let mut row_no = 0;
    let mut realigned: Vec<String> = Vec::new();
    for line in lines {
        let first = line.cells.first().map(String::as_str).unwrap_or("");
        let n = line.cells.len();
        let start = n.saturating_sub(INDICATOR_CELLS).max(2);
        if is_unit_code(first) {
            // A unit subtotal row: code, name, funds.
            row_no += 1;
            let name = line.cells.get(1).map(|c| compact(c)).unwrap_or_default();
            let amounts: Vec<_> = line
                .amounts
                .iter()
                .filter(|a| a.idx >= 2)
                .cloned()
                .collect();
            let placed = place_amounts(ctx, t, line.line, &line.raw, &amounts, 2, &funds);
            let meta = RowMeta {
                unit_code: Some(first.to_string()),
                ..RowMeta::new(RowKind::Unit, name)
            };
            push_items(items, t, row_no as i32, line.line, &meta, &funds, placed);
            continue;
        }
        if is_project_code(first) {
            let name = line
                .cells
                .get(1)
                .filter(|c| is_text(c))
                .cloned()
                .unwrap_or_default();
            anchors.push(Anchor {
                seq: line.seq,
                line: line.line,
                code: first.to_string(),
                name,
                fragments_before: vec![],
                fragments_after: vec![],
                amounts_raw: line.raw.clone(),
                repeat: None,
            });
        }
        if n != FULL_WIDTH && line.cells.iter().skip(start).any(|c| is_text(c)) {
            realigned.push(line.line.to_string());
        }
        body.push(line);
    }
    if !realigned.is_empty() {
        ctx.warn(
            lines.first().map_or(0, |l| l.line),
            Some(t.kind),
            "cells_realigned",
            format!(
                "{} lines have fewer than {FULL_WIDTH} cells (extraction dropped columns that are empty on their page); their indicator cells were placed from the right (lines {})",
                realigned.len(),
                realigned.join(", ")
            ),
            "",
        );
    }
    if anchors.is_empty() {
        return row_no;
    }
    check_codes(ctx, t.kind, &anchors);
    let mut anchors = merge_repeats(ctx, t.kind, anchors, &body);
    // Which anchor does each body line belong to?
    let seqs: Vec<usize> = anchors.iter().map(|a| a.seq).collect();
    let repeats: Vec<usize> = anchors.iter().filter_map(|a| a.repeat).collect();
    let non_anchor: Vec<&TableLine> = body
        .iter()
        .copied()
        .filter(|l| !seqs.contains(&l.seq) && !repeats.contains(&l.seq))
        .collect();
    let before_first = non_anchor.iter().filter(|l| l.seq < seqs[0]).count();
    let after_last = non_anchor
        .iter()
        .filter(|l| l.seq > *seqs.last().unwrap())
        .count();
    let gaps: Vec<usize> = seqs
        .windows(2)
        .map(|w| {
            non_anchor
                .iter()
                .filter(|l| l.seq > w[0] && l.seq < w[1])
                .count()
        })
        .collect();
    let afters = centre(before_first, &gaps, after_last);
    let owner = |l: &TableLine| -> usize {
        if let Some(i) = anchors.iter().position(|a| a.repeat == Some(l.seq)) {
            return i;
        }
        if l.seq < seqs[0] {
            return 0;
        }
        for (i, w) in seqs.windows(2).enumerate() {
            if l.seq > w[0] && l.seq < w[1] {
                let pos = non_anchor
                    .iter()
                    .filter(|x| x.seq > w[0] && x.seq < w[1] && x.seq < l.seq)
                    .count();
                return if pos < afters[i] { i } else { i + 1 };
            }
        }
        seqs.iter().rposition(|&s| s <= l.seq).unwrap_or(0)
    };
    let owners: Vec<usize> = body.iter().map(|l| owner(l)).collect();
    let mut pending: Vec<(usize, &TableLine)> = Vec::new();
    for (line, &a) in body.iter().zip(&owners) {
        let is_anchor = seqs.contains(&line.seq) || repeats.contains(&line.seq);
        if !is_anchor {
            let n = line.cells.len();
            let start = n.saturating_sub(INDICATOR_CELLS).max(2);
            if let Some(frag) = line.cells.get(1).filter(|c| is_text(c) && start > 1) {
                if line.seq < anchors[a].seq {
                    anchors[a].fragments_before.push(frag.clone());
                } else {
                    anchors[a].fragments_after.push(frag.clone());
                }
            }
        }
        pending.push((a, line));
    }
    // Projects and their funds.
    let mut names = Vec::new();
    for a in &anchors {
        row_no += 1;
        let name = compact(&format!(
            "{}{}{}",
            a.fragments_before.concat(),
            a.name,
            a.fragments_after.concat()
        ));
        names.push(name.clone());
        let line = body.iter().find(|l| l.seq == a.seq).expect("anchor line");
        let mut placed =
            place_amounts(ctx, t, a.line, &a.amounts_raw, &fund_cells(line), 2, &funds);
        if let Some(repeat) = a.repeat.and_then(|r| body.iter().find(|l| l.seq == r)) {
            let mut scratch = Ctx::default();
            let again = place_amounts(
                &mut scratch,
                t,
                repeat.line,
                &repeat.raw,
                &fund_cells(repeat),
                2,
                &funds,
            );
            let adds_up = |p: &[(usize, rust_decimal::Decimal, String)]| {
                let v = |k| {
                    p.iter()
                        .find(|(c, _, _)| *c == k)
                        .map_or(rust_decimal::Decimal::ZERO, |(_, x, _)| *x)
                };
                v(0) == v(1) + v(2) + v(3)
            };
            if !adds_up(&placed) && adds_up(&again) && !again.is_empty() {
                ctx.warn(
                    repeat.line,
                    Some(t.kind),
                    "row_conflict",
                    format!("the repeated row of project {} adds up where line {} does not; its amounts were kept", a.code, a.line),
                    &repeat.raw,
                );
                placed = again;
            }
        }
        let col = |k: usize| placed.iter().find(|(c, _, _)| *c == k).map(|(_, v, _)| *v);
        projects.push(Project {
            table_kind: TableKind::PerformanceTargets,
            row_no: row_no as i32,
            source_line: a.line as i32,
            project_code: Some(a.code.clone()),
            project_name: name.clone(),
            project_type: None,
            project_unit: None,
            total: col(0),
            gpb: col(1),
            gov_fund: None,
            soe: None,
            carryover: None,
            special_account: col(2),
            unit_funds: col(3),
        });
        let meta = RowMeta {
            project_name: Some(name.clone()),
            project_code: Some(a.code.clone()),
            ..RowMeta::new(RowKind::Project, name.clone())
        };
        push_items(items, t, row_no as i32, a.line, &meta, &funds, placed);
    }
    // Indicators.
    for (a, line) in pending {
        let n = line.cells.len();
        let start = n.saturating_sub(INDICATOR_CELLS).max(2);
        let mut groups: [(Option<String>, Option<String>); 4] = Default::default();
        for (idx, cell) in line.cells.iter().enumerate().skip(start) {
            let c = cell.trim();
            if c.is_empty() || c == "·" {
                continue;
            }
            let offset = idx - start;
            let g = (offset / 2).min(3);
            let slot = if offset % 2 == 0 {
                &mut groups[g].0
            } else {
                &mut groups[g].1
            };
            match slot {
                Some(s) => s.push_str(c),
                None => *slot = Some(c.to_string()),
            }
        }
        for (g, (name, value)) in groups.into_iter().enumerate() {
            if name.is_none() && value.is_none() {
                continue;
            }
            let target_text = value.map(|v| compact(&v)).unwrap_or_default();
            let (operator, target_value, target_unit) = split_target(&target_text);
            indicators.push(PerformanceIndicator {
                project_code: Some(anchors[a].code.clone()),
                project_name: Some(names[a].clone()),
                level1: LEVEL1[g],
                level2: None,
                level3: name.map(|n| compact(&n)).unwrap_or_default(),
                operator,
                target_value,
                target_unit,
                target_text,
                source_line: line.line as i32,
            });
        }
    }
    row_no
}

fn fund_cells(line: &TableLine) -> Vec<super::cells::AmountCell> {
    let start = line.cells.len().saturating_sub(INDICATOR_CELLS).max(2);
    line.numeric_cells(2..start)
}

/// Two project-code lines with nothing between them are one project whose wrapped name
/// made the extractor render the row twice (with the code and amounts misread once) —
/// unless both print a readable 资金总额 and they differ, the second not zero: then they
/// are two projects of one indicator line each. The names of a repeat are joined; the
/// code kept is the one shaped like the table's other codes.
fn merge_repeats(
    ctx: &mut Ctx,
    kind: TableKind,
    anchors: Vec<Anchor>,
    body: &[&TableLine],
) -> Vec<Anchor> {
    let mut lengths: std::collections::HashMap<usize, usize> = Default::default();
    let mut prefixes: std::collections::HashMap<String, usize> = Default::default();
    for a in &anchors {
        *lengths.entry(a.code.len()).or_default() += 1;
        *prefixes.entry(a.code[..6].to_string()).or_default() += 1;
    }
    let typical = |code: &str| {
        lengths.get(&code.len()).copied().unwrap_or(0)
            + prefixes.get(&code[..6]).copied().unwrap_or(0)
    };
    let first_amount = |seq: usize| {
        let line = body.iter().find(|l| l.seq == seq)?;
        let cell = fund_cells(line).into_iter().next()?;
        cell.parsed.ok().map(|p| p.value)
    };
    let distinct = |a: usize, b: usize| match (first_amount(a), first_amount(b)) {
        (Some(x), Some(y)) => x != y && !y.is_zero(),
        _ => false,
    };
    let mut out: Vec<Anchor> = Vec::new();
    for a in anchors {
        if let Some(prev) = out.last_mut()
            && prev.repeat.is_none()
            && prev.seq + 1 == a.seq
            && !super::cells::shows_wrap(&prev.name)
            && !distinct(prev.seq, a.seq)
        {
            let raw = body
                .iter()
                .find(|l| l.seq == a.seq)
                .map_or("", |l| l.raw.as_str());
            let keep_second = typical(&a.code) > typical(&prev.code);
            ctx.warn(
                a.line,
                Some(kind),
                "row_merged",
                format!(
                    "project code line repeats the project of line {} (its name wraps onto this line); merged as one project, code {} kept over {}",
                    prev.line,
                    if keep_second { &a.code } else { &prev.code },
                    if keep_second { &prev.code } else { &a.code }
                ),
                raw,
            );
            prev.name.push_str(&a.name);
            if keep_second {
                prev.code = a.code.clone();
            }
            prev.repeat = Some(a.seq);
            continue;
        }
        out.push(a);
    }
    out
}

/// Warns about project codes that look misread: a region prefix or length unlike the
/// other codes of the table, or a serial number printed twice.
fn check_codes(ctx: &mut Ctx, kind: TableKind, anchors: &[Anchor]) {
    let mut prefixes: std::collections::HashMap<&str, usize> = Default::default();
    let mut lengths: std::collections::HashMap<usize, usize> = Default::default();
    for a in anchors {
        *prefixes.entry(&a.code[..6]).or_default() += 1;
        *lengths.entry(a.code.len()).or_default() += 1;
    }
    let common_prefix = prefixes
        .iter()
        .max_by_key(|(p, n)| (**n, std::cmp::Reverse(**p)))
        .map(|(p, _)| *p);
    let common_len = lengths
        .iter()
        .max_by_key(|(l, n)| (**n, **l))
        .map(|(l, _)| *l);
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    for a in anchors {
        let mut odd = Vec::new();
        if common_prefix.is_some_and(|p| p != &a.code[..6]) {
            odd.push(format!(
                "its region prefix {} differs from the other codes' {}",
                &a.code[..6],
                common_prefix.unwrap_or_default()
            ));
        }
        if common_len.is_some_and(|l| l != a.code.len()) {
            odd.push(format!(
                "it has {} digits where the others have {}",
                a.code.len(),
                common_len.unwrap_or_default()
            ));
        }
        let serial = &a.code[a.code.len() - 5..];
        if let Some(first) = seen.insert(serial, a.line) {
            odd.push(format!(
                "its serial {serial} was already printed on line {first}"
            ));
        }
        if !odd.is_empty() {
            ctx.warn(
                a.line,
                Some(kind),
                "code_suspect",
                format!("project code {} may be misread: {}", a.code, odd.join("; ")),
                &a.amounts_raw,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            split_target("≤3594.77 元"),
            (Some("≤"), Some("3594.77".into()), Some("元".into()))
        );
        assert_eq!(
            split_target("100%"),
            (None, Some("100".into()), Some("%".into()))
        );
        assert_eq!(
            split_target("≪5万元"),
            (Some("≤"), Some("5".into()), Some("万元".into()))
        );
        assert_eq!(
            split_target("1-10名"),
            (None, Some("1-10".into()), Some("名".into()))
        );
        assert_eq!(
            split_target("持续提升"),
            (None, None, Some("持续提升".into()))
        );
    }

    #[test]
    fn centring() {
        // one line before the first code, two between, one after: split evenly.
        assert_eq!(centre(1, &[2], 1), vec![1]);
        assert_eq!(centre(0, &[2], 2), vec![0]);
    }
}
