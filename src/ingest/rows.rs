//! Rebuilding logical rows of code tables (支出表, 经济分类表, 项目支出表 …) from extracted
//! lines, and turning them into line items.
//!
//! Extraction splits a row whose text wraps into several lines. Three shapes occur:
//! a *fragment* line (text only, no amounts) that holds the first part of the next row's
//! wrapped names; a *continuation* line right after a row that repeats its codes or
//! amounts and holds the rest of its names (or the rest of its split code, `6050`/`01`);
//! and an *echo*, a garbled copy of a cell the next row already holds in full. Fragments
//! are prefixed, continuations merged, echoes dropped, each with a warning, and where
//! the repeated amounts disagree the first line's are kept and the conflict is reported.

use std::borrow::Cow;

use rust_decimal::Decimal;

use super::Ctx;
use super::amount::MoneyUnit;
use super::cells::{AmountCell, TableLine, compact, shows_wrap};
use super::layout::Columns;
use super::place::{Constraint, Token, place};
use crate::model::classification::{
    function_class_by_name, function_level, is_dept_econ_code, is_gov_econ_code, join_function_code,
};
use crate::model::reference::dept_econ_code;
use crate::model::{LineItem, Project, RowKind, TableKind};

/// What identifies a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Total,
    Unit(String),
    Function(String),
    Econ {
        dept: Option<String>,
        gov: Option<String>,
        /// The 部门 code as printed where it is a province's 7-digit sub-item of a 款
        /// (`dept` is then that 款).
        detail: Option<String>,
        /// Which of the row's names is the 部门 code's (1 where the 政府 code and its name
        /// are printed first: Beijing `50201-办公经费 30201-办公费`).
        name_at: usize,
    },
    /// A project row, with its printed type (其他运转类 …).
    Project(String),
    None,
}

/// A logical row: one or more source lines merged.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub lines: Vec<usize>,
    pub last_seq: usize,
    pub texts: Vec<(usize, String)>,
    pub codes: Vec<(usize, String)>,
    pub amounts: Vec<AmountCell>,
    pub last_text_idx: Option<usize>,
    pub key: Key,
    /// The name's depth by indentation (`TableLine::depth`), where the table prints no codes.
    pub depth: Option<u8>,
}

impl Row {
    fn from_line(kind: TableKind, l: &TableLine) -> Row {
        Row {
            line: l.line,
            lines: vec![l.line],
            last_seq: l.seq,
            texts: l.texts.clone(),
            codes: l.codes.clone(),
            amounts: l.amounts.clone(),
            last_text_idx: l.last_text_idx(),
            depth: l.depth,
            key: key_of(kind, &l.texts, &l.codes),
        }
    }

    fn text_at(&self, idx: usize) -> Option<String> {
        self.texts
            .iter()
            .find(|(i, _)| *i == idx)
            .map(|(_, t)| compact(t))
    }

    /// The row's name: the first text cell (second for 项目支出表, whose first is the type).
    pub fn name(&self, kind: TableKind) -> String {
        if kind == TableKind::ProjectExpenditure {
            // A unit row prints its code where projects print their name, and its name
            // in the 项目单位 column.
            let col = if matches!(self.key, Key::Unit(_)) {
                2
            } else {
                1
            };
            return self.text_at(col).unwrap_or_default();
        }
        let at = match self.key {
            Key::Econ { name_at, .. } => name_at,
            _ => 0,
        };
        self.texts
            .get(at)
            .or(self.texts.first())
            .map(|(_, t)| compact(t))
            .unwrap_or_default()
    }
}

fn is_total_label(label: &str) -> bool {
    matches!(compact(label).as_str(), "合计" | "总计")
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `301` `02` → `30102`; a 款 printed without its leading zero (`2`) is `02`.
fn join_econ(parts: &[&str]) -> Option<String> {
    match parts {
        [one] if digits(one) && matches!(one.len(), 3 | 5) => Some(one.to_string()),
        // (A 款 extended by a province's own two digits — Beijing's 3021101 差旅费 under
        // 30211 差旅费 — is kept whole here: the row reader decides whether it stands for
        // its 款 or is a sub-item of a 款 printed above it.)
        [one] if digits(one) && one.len() == 7 && one.starts_with(['3', '5']) => {
            Some(one.to_string())
        }
        [class, item]
            if digits(class) && digits(item) && class.len() == 3 && matches!(item.len(), 1 | 2) =>
        {
            Some(format!("{class}{item:0>2}"))
        }
        _ => None,
    }
}

fn codes_before(texts: &[(usize, String)], codes: &[(usize, String)], nth: usize) -> Vec<String> {
    let upper = texts.get(nth).map_or(usize::MAX, |(i, _)| *i);
    let lower = nth
        .checked_sub(1)
        .and_then(|p| texts.get(p))
        .map(|(i, _)| *i);
    codes
        .iter()
        // (A code printed in its name's cell has the name's index.)
        .filter(|(i, _)| *i <= upper && lower.is_none_or(|l| *i > l))
        .map(|(_, c)| c.clone())
        .collect()
}

fn unit_code(parts: &[String]) -> Option<String> {
    match parts {
        [one] if digits(one) && (3..=12).contains(&one.len()) => Some(one.clone()),
        _ => None,
    }
}

/// The kinds whose rows are 功能分类 subjects.
fn is_function_table(kind: TableKind) -> bool {
    matches!(
        kind,
        TableKind::Expenditure
            | TableKind::Income
            | TableKind::GpbExpenditure
            | TableKind::GovFundExpenditure
            | TableKind::SoeExpenditure
    )
}

/// The kinds whose rows are 经济分类 subjects.
fn is_econ_table(kind: TableKind) -> bool {
    matches!(
        kind,
        TableKind::GpbBasicExpenditure | TableKind::EconSummary | TableKind::OperatingCost
    )
}

/// Identifies a row from its cells.
pub fn key_of(kind: TableKind, texts: &[(usize, String)], codes: &[(usize, String)]) -> Key {
    if texts.first().is_some_and(|(_, t)| is_total_label(t)) {
        return Key::Total;
    }
    if kind == TableKind::ProjectExpenditure {
        let first = texts.iter().find(|(i, _)| *i == 0).map(|(_, t)| compact(t));
        if let Some(t) = first
            && t.ends_with('类')
            && t.chars().count() <= 8
        {
            return Key::Project(t);
        }
        if texts.is_empty() && codes.is_empty() {
            return Key::Total;
        }
        let code = codes.iter().find(|(i, _)| *i == 1).map(|(_, c)| c.clone());
        return match code {
            Some(c) if digits(&c) && (3..=12).contains(&c.len()) => Key::Unit(c),
            _ => Key::None,
        };
    }
    if texts.is_empty() && codes.is_empty() {
        return Key::Total;
    }
    let seg0 = codes_before(texts, codes, 0);
    let seg0_refs: Vec<&str> = seg0.iter().map(String::as_str).collect();
    match kind {
        kind if is_function_table(kind) => {
            if let Some(code) = join_function_code(&seg0_refs) {
                return Key::Function(code);
            }
            unit_code(&seg0).map_or(Key::None, Key::Unit)
        }
        kind if is_econ_table(kind) => {
            let first = join_econ(&seg0_refs);
            let second = if kind == TableKind::OperatingCost {
                None
            } else {
                let seg1 = codes_before(texts, codes, 1);
                let seg1_refs: Vec<&str> = seg1.iter().map(String::as_str).collect();
                join_econ(&seg1_refs)
            };
            // (A 7-digit code is read as its 款; the printed code is kept as `detail`.)
            let kuan =
                |c: &Option<String>| c.as_deref().map(|c| c.get(..5).unwrap_or(c).to_string());
            // (The 政府 code printed before the 部门 code: their shapes tell them apart.)
            let swapped = kuan(&first).as_deref().is_some_and(is_gov_econ_code)
                && kuan(&second).as_deref().is_none_or(is_dept_econ_code);
            let (dept, gov) = if swapped {
                (second, first)
            } else {
                (first, second)
            };
            let detail = dept.clone().filter(|c| c.len() == 7);
            let (dept, gov) = (kuan(&dept), kuan(&gov));
            let valid = dept.as_deref().is_some_and(is_dept_econ_code)
                || gov.as_deref().is_some_and(is_gov_econ_code);
            if valid {
                let detail = detail.filter(|_| dept.as_deref().is_some_and(is_dept_econ_code));
                return Key::Econ {
                    dept,
                    gov,
                    detail,
                    name_at: usize::from(swapped),
                };
            }
            unit_code(&seg0).map_or(Key::None, Key::Unit)
        }
        _ => unit_code(&seg0).map_or(Key::None, Key::Unit),
    }
}

fn amounts_compatible(a: &[AmountCell], b: &[AmountCell]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (&x.parsed, &y.parsed) {
            (Ok(p), Ok(q)) => p.value == q.value,
            _ => true,
        })
}

fn first_values_equal(a: &[AmountCell], b: &[AmountCell]) -> bool {
    match (a.first(), b.first()) {
        (Some(x), Some(y)) => {
            matches!((&x.parsed, &y.parsed), (Ok(p), Ok(q)) if p.value == q.value)
        }
        _ => false,
    }
}

fn is_continuation(kind: TableKind, prev: &Row, line: &TableLine, key: &Key) -> bool {
    // (A name at an indent of its own is a row of its own, whatever its amounts.)
    if line.seq != prev.last_seq + 1 || line.amounts.is_empty() || line.depth.is_some() {
        return false;
    }
    if kind == TableKind::ProjectExpenditure {
        return !matches!(key, Key::Project(_) | Key::Total)
            && matches!(prev.key, Key::Unit(_) | Key::Project(_));
    }
    if *key != Key::None && *key == prev.key {
        return amounts_compatible(&prev.amounts, &line.amounts);
    }
    // A line without a key of its own continues the row above only when its amounts are
    // debris or repeat that row's: two keyless rows with their own amounts stay two rows.
    let debris = line.amounts.iter().all(|a| a.parsed.is_err());
    *key == Key::None
        && line.amounts.len() == prev.amounts.len()
        && (debris || first_values_equal(&prev.amounts, &line.amounts))
}

fn merge_continuation(ctx: &mut Ctx, kind: TableKind, row: &mut Row, line: &TableLine) {
    // Texts: append per column. The type column of 项目支出表 is a garbled repeat.
    for (idx, text) in &line.texts {
        if kind == TableKind::ProjectExpenditure && *idx == 0 {
            continue;
        }
        match row.texts.iter_mut().find(|(i, _)| i == idx) {
            Some((_, t)) => t.push_str(text),
            None => {
                row.texts.push((*idx, text.clone()));
                row.texts.sort_by_key(|(i, _)| *i);
            }
        }
    }
    // Codes: a split code (`6050` / `01`) is completed.
    let split_code = matches!(row.key, Key::None | Key::Unit(_))
        && key_of(kind, &line.texts, &line.codes) == Key::None;
    if split_code {
        for (idx, code) in &line.codes {
            match row.codes.iter_mut().find(|(i, _)| i == idx) {
                Some((_, c)) => c.push_str(code),
                None => row.codes.push((*idx, code.clone())),
            }
        }
    }
    // Amounts: keep the first line's, fill unreadable ones, report conflicts once.
    if row.amounts.len() != line.amounts.len() {
        ctx.warn(
            line.line,
            Some(kind),
            "row_conflict",
            format!(
                "continues the row of line {} but has {} amounts instead of {}; its amounts were ignored",
                row.line,
                line.amounts.len(),
                row.amounts.len()
            ),
            &line.raw,
        );
    } else {
        let mut filled = Vec::new();
        let mut differing = Vec::new();
        let mut debris = Vec::new();
        for (mine, theirs) in row.amounts.iter_mut().zip(&line.amounts) {
            match (&mine.parsed, &theirs.parsed) {
                (Err(_), Ok(_)) => {
                    filled.push(format!("'{}' → '{}'", mine.text, theirs.text));
                    mine.parsed = theirs.parsed.clone();
                    mine.text = theirs.text.clone();
                }
                (Ok(p), Ok(q)) if p.value != q.value => {
                    differing.push(format!("'{}' (kept '{}')", theirs.text, mine.text));
                }
                (Ok(_), Err(_)) => debris.push(format!("'{}'", theirs.text)),
                _ => {}
            }
        }
        if !filled.is_empty() {
            ctx.warn(
                row.line,
                Some(kind),
                "amount_repaired",
                format!(
                    "unreadable amounts taken from the repeated row on line {}: {}",
                    line.line,
                    filled.join(", ")
                ),
                &line.raw,
            );
        }
        if !differing.is_empty() {
            ctx.warn(
                line.line,
                Some(kind),
                "row_conflict",
                format!(
                    "repeats the row of line {} with different amounts {}; the first line's were kept",
                    row.line,
                    differing.join(", ")
                ),
                &line.raw,
            );
        }
        if !debris.is_empty() {
            ctx.warn(
                line.line,
                Some(kind),
                "amount_unreadable",
                format!(
                    "continuation of line {} carries unreadable amounts {}; ignored",
                    row.line,
                    debris.join(", ")
                ),
                &line.raw,
            );
        }
    }
    row.lines.push(line.line);
    row.last_seq = line.seq;
    if split_code || row.key == Key::None {
        row.key = key_of(kind, &row.texts, &row.codes);
    }
}

fn prefix_fragment(row: &mut Row, fragment: &TableLine) {
    for (idx, text) in &fragment.texts {
        match row.texts.iter_mut().find(|(i, _)| i == idx) {
            Some((_, t)) => *t = format!("{text}{t}"),
            None => {
                if let Some((_, t)) = row.texts.first_mut() {
                    *t = format!("{text}{t}");
                }
            }
        }
    }
    row.lines.insert(0, fragment.line);
}

/// Groups table lines into logical rows.
pub fn assemble(ctx: &mut Ctx, kind: TableKind, lines: &[TableLine]) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut pending: Option<&TableLine> = None;
    for line in lines {
        let key = key_of(kind, &line.texts, &line.codes);
        if line.amounts.is_empty() {
            if key != Key::None || line.texts.is_empty() {
                if !line.texts.is_empty() || !line.codes.is_empty() {
                    rows.push(Row::from_line(kind, line));
                }
                continue;
            }
            // 政府采购 tables print a merged cell's amount and its text on separate
            // lines: the text names the amount-only row just above it.
            if kind == TableKind::Procurement
                && pending.is_none()
                && let Some(prev) = rows.last_mut()
                && prev.texts.is_empty()
                && prev.codes.is_empty()
                && prev.last_seq + 1 == line.seq
            {
                prev.texts = line.texts.clone();
                prev.lines.push(line.line);
                continue;
            }
            if let Some(old) = pending.replace(line) {
                ctx.warn(
                    old.line,
                    Some(kind),
                    "text_unattached",
                    "a text-only line that belongs to no row was ignored".into(),
                    &old.raw,
                );
            }
            continue;
        }
        if let Some(prev) = rows.last_mut()
            && pending.is_none()
            && is_continuation(kind, prev, line, &key)
        {
            merge_continuation(ctx, kind, prev, line);
            continue;
        }
        let mut row = Row::from_line(kind, line);
        if let Some(fragment) = pending.take() {
            let wrapped = row.texts.iter().any(|(_, t)| shows_wrap(t));
            if wrapped {
                ctx.warn(
                    fragment.line,
                    Some(kind),
                    "text_echo",
                    format!(
                        "text-only line repeats cells that the row of line {} already holds in full; ignored",
                        line.line
                    ),
                    &fragment.raw,
                );
            } else {
                prefix_fragment(&mut row, fragment);
            }
        }
        rows.push(row);
    }
    if let Some(old) = pending {
        ctx.warn(
            old.line,
            Some(kind),
            "text_unattached",
            "a text-only line at the end of the table belongs to no row; ignored".into(),
            &old.raw,
        );
    }
    rows
}

/// How many leading label columns a row of this kind has when it prints no label.
fn label_columns(kind: TableKind) -> usize {
    match kind {
        TableKind::ThreePublic => 0,
        TableKind::Income => 2,
        TableKind::GpbBasicExpenditure => 4,
        TableKind::EconSummary => 6,
        TableKind::OperatingCost | TableKind::ProjectExpenditure => 3,
        _ => 5,
    }
}

/// Where amounts of a table are placed and converted.
pub struct TableCtx<'a> {
    pub kind: TableKind,
    pub table_no: i32,
    pub unit: MoneyUnit,
    pub decimals: u32,
    /// The table's amount columns (its kind's layout, as the header shows it).
    pub columns: &'a Columns,
}

/// What a row says about itself, shared by all its line items.
#[derive(Debug, Clone)]
pub struct RowMeta {
    pub kind: RowKind,
    pub label: String,
    pub line_key: Option<String>,
    pub unit_code: Option<String>,
    pub function_code: Option<String>,
    /// The 功能分类 level where the row has no code but its indentation shows it.
    pub function_level: Option<i8>,
    pub econ_code: Option<String>,
    pub gov_econ_code: Option<String>,
    pub flow: Option<&'static str>,
    pub category: Option<String>,
    pub project_name: Option<String>,
    pub project_code: Option<String>,
}

impl RowMeta {
    /// A row of `kind` named `label`, with no codes.
    pub fn new(kind: RowKind, label: impl Into<String>) -> RowMeta {
        RowMeta {
            kind,
            label: label.into(),
            line_key: None,
            unit_code: None,
            function_code: None,
            function_level: None,
            econ_code: None,
            gov_econ_code: None,
            flow: None,
            category: None,
            project_name: None,
            project_code: None,
        }
    }
}

/// Appends one line item per placed amount of a row.
pub fn push_items(
    items: &mut Vec<LineItem>,
    t: &TableCtx,
    row_no: i32,
    line: usize,
    meta: &RowMeta,
    layout: &Columns,
    placed: Vec<(usize, Decimal, String)>,
) {
    for (col, amount, text) in placed {
        items.push(LineItem {
            table_kind: t.kind,
            table_no: t.table_no,
            row_no,
            source_line: line as i32,
            row_kind: meta.kind,
            row_label: meta.label.clone(),
            line_key: meta.line_key.clone(),
            row_unit_code: meta.unit_code.clone(),
            budget_unit: None,
            function_code: meta.function_code.clone(),
            function_level: meta
                .function_code
                .as_deref()
                .and_then(function_level)
                .or(meta.function_level),
            econ_code: meta.econ_code.clone(),
            gov_econ_code: meta.gov_econ_code.clone(),
            flow: meta.flow,
            column: layout.columns[col],
            row_category: meta.category.clone(),
            project_name: meta.project_name.clone(),
            project_code: meta.project_code.clone(),
            amount,
            amount_text: text,
            source_unit: t.unit.label(),
        });
    }
}

/// Places a row's amounts and converts them. Returns `(column index, value in 元, cell)`.
pub fn place_amounts(
    ctx: &mut Ctx,
    t: &TableCtx,
    line: usize,
    raw: &str,
    amounts: &[AmountCell],
    slot_base: usize,
    layout: &Columns,
) -> Vec<(usize, Decimal, String)> {
    let mut tokens = Vec::new();
    let mut unreadable = Vec::new();
    for cell in amounts {
        match &cell.parsed {
            Ok(p) => tokens.push(Token {
                slot: cell.idx.saturating_sub(slot_base),
                printed: *p,
                text: cell.text.clone(),
            }),
            Err(e) => unreadable.push(format!("'{}' ({e})", cell.text)),
        }
    }
    if !unreadable.is_empty() {
        ctx.warn(
            line,
            Some(t.kind),
            "amount_unreadable",
            format!(
                "unreadable amounts were not stored: {}",
                unreadable.join(", ")
            ),
            raw,
        );
    }
    let Some(placement) = place(
        &tokens,
        layout.columns.len(),
        &layout.constraints,
        t.decimals,
    ) else {
        ctx.warn(
            line,
            Some(t.kind),
            "too_many_amounts",
            format!(
                "row has {} amounts but the table has {} amount columns; none were stored",
                tokens.len(),
                layout.columns.len()
            ),
            raw,
        );
        return vec![];
    };
    for &i in &placement.completed {
        let col = layout.columns[placement.columns[i]];
        ctx.warn(
            line,
            Some(t.kind),
            "amount_completed",
            format!(
                "amount '{}' under {} lost its last digit in extraction; read as {} (the row's totals require it)",
                tokens[i].text, col.label, placement.values[i]
            ),
            raw,
        );
    }
    let far: Vec<String> = placement
        .violations
        .iter()
        .filter(|(_, near)| !near)
        .map(|(c, _)| describe(layout, &layout.constraints[*c]))
        .collect();
    if !far.is_empty() {
        ctx.warn(
            line,
            Some(t.kind),
            "row_unbalanced",
            format!("no column placement makes the row add up ({}); kept the tab positions' nearest reading", far.join("; ")),
            raw,
        );
    } else if placement.ambiguous {
        ctx.warn(
            line,
            Some(t.kind),
            "placement_ambiguous",
            "more than one column placement fits this row; the one nearest the tab positions was kept".into(),
            raw,
        );
    }
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let value = placement.values[i];
        match t.unit.to_yuan(value) {
            Some(yuan) => out.push((placement.columns[i], yuan, token.text.clone())),
            None => ctx.warn(
                line,
                Some(t.kind),
                "amount_inexact",
                format!(
                    "amount '{}' has more decimals than 元 allows; not stored",
                    token.text
                ),
                raw,
            ),
        }
    }
    out
}

fn describe(layout: &Columns, c: &Constraint) -> String {
    match c {
        Constraint::Sum { total, parts } => format!(
            "{} ≠ {}",
            layout.columns[*total].label,
            parts
                .iter()
                .map(|&p| layout.columns[p].label)
                .collect::<Vec<_>>()
                .join(" + ")
        ),
        Constraint::AtMost { part, whole } => {
            format!(
                "{} > {}",
                layout.columns[*part].label, layout.columns[*whole].label
            )
        }
    }
}

/// Removes the project type where extraction pushed it into the name (`12345 便民 运转类 热线`).
fn clean_project_name(ctx: &mut Ctx, line: usize, name: &str) -> String {
    let mut out = compact(name);
    for bleed in ["其他运转类", "特定目标类", "运转类", "目标类"] {
        if out.contains(bleed) && out != bleed {
            ctx.warn(
                line,
                Some(TableKind::ProjectExpenditure),
                "text_repaired",
                format!(
                    "removed '{bleed}' (the project type column) from the project name '{out}'"
                ),
                name,
            );
            out = out.replace(bleed, "");
        }
    }
    out
}

/// 类 | 款 | 项 printed in columns of their own, each row with only its own level's code
/// (`201` …, then `05` …, then `01` …): the codes a row leaves out are those of the row
/// above it at the higher levels (2010501 行政运行). A code of 3 digits or more opens a new
/// parent; codes of 1–2 digits continue the last one. Each run of code columns before a
/// name (部门 and 政府 经济分类 side by side) keeps its own parents.
pub fn inherit_split_codes(lines: &[TableLine]) -> Cow<'_, [TableLine]> {
    // (Most tables print no code of one or two digits: they are read as they are, not
    // copied.)
    let short = |l: &TableLine| l.codes.iter().any(|(_, c)| c.len() <= 2 && digits(c));
    if !lines.iter().any(short) {
        return Cow::Borrowed(lines);
    }
    let mut parents: Vec<Vec<(usize, String)>> = Vec::new();
    let completed_lines = lines
        .iter()
        .map(|l| {
            let mut line = l.clone();
            if line.codes.is_empty() || line.texts.is_empty() {
                return line;
            }
            let mut completed: Vec<(usize, String)> = Vec::new();
            let mut lower = None;
            for (seg, (text_idx, _)) in l.texts.iter().enumerate() {
                let run: Vec<(usize, String)> = l
                    .codes
                    .iter()
                    .filter(|(i, _)| *i <= *text_idx && lower.is_none_or(|lo| *i > lo))
                    .cloned()
                    .collect();
                lower = Some(*text_idx);
                if parents.len() <= seg {
                    parents.push(Vec::new());
                }
                let Some((first_idx, first)) = run.first().cloned() else {
                    continue;
                };
                let mut run = run;
                if first.len() <= 2 && digits(&first) {
                    let above: Vec<(usize, String)> = parents[seg]
                        .iter()
                        .filter(|(i, _)| *i < first_idx)
                        .cloned()
                        .collect();
                    if !above.is_empty() {
                        run = above.into_iter().chain(run).collect();
                    }
                }
                parents[seg] = run.clone();
                completed.extend(run);
            }
            line.codes = completed;
            line
        })
        .collect();
    Cow::Owned(completed_lines)
}

/// Parses the data lines of a code table into line items (and projects).
pub fn parse_code_table(
    ctx: &mut Ctx,
    t: &TableCtx,
    lines: &[TableLine],
    items: &mut Vec<LineItem>,
    projects: &mut Vec<Project>,
) -> usize {
    let lines = inherit_split_codes(lines);
    let rows = assemble(ctx, t.kind, &lines);
    let layout = t.columns;
    // A table listed by budget unit that prints no 合计 row (Shenzhen: 预算单位 | 科目编码 |
    // 科目名称 | …): its first row, the department's name with no code, is its total, and the
    // other rows naming a unit without a code are the units' subtotals.
    let first_with_amounts = rows.iter().position(|r| !r.amounts.is_empty());
    let by_unit = !rows.iter().any(|r| r.key == Key::Total)
        && is_function_table(t.kind)
        && first_with_amounts.is_some_and(|i| {
            let r = &rows[i];
            r.key == Key::None && r.codes.is_empty() && r.depth.is_none() && !r.texts.is_empty()
        })
        && rows.iter().any(|r| matches!(r.key, Key::Function(_)));
    // A 三公 table listed by unit under its 合计 row (Hangzhou): the rows naming a unit
    // are the units' parts of the total.
    let three_public_units =
        t.kind == TableKind::ThreePublic && rows.iter().any(|r| r.key == Key::Total);
    // The 经济分类 类 last named, for a table that prints 经济分类 names without codes.
    let mut econ_class: Option<&'static str> = None;
    // The 经济分类 款 last printed with its own 5-digit code: the parent of the 7-digit
    // sub-items printed under it.
    let mut printed_kuan: Option<String> = None;
    let mut row_no = 0;
    for (index, row) in rows.iter().enumerate() {
        row_no += 1;
        let raw = lines
            .iter()
            .find(|l| l.line == row.line)
            .map_or("", |l| l.raw.as_str());
        let base = match row.last_text_idx {
            Some(i) => i + 1,
            None => label_columns(t.kind),
        };
        let placed = place_amounts(ctx, t, row.line, raw, &row.amounts, base, layout);
        let mut name = row.name(t.kind);
        // (A table by unit: its first row, the department's, is its total.)
        let is_total = by_unit && Some(index) == first_with_amounts;
        let total = || {
            (
                RowKind::Total,
                Some("TOTAL".to_string()),
                None,
                None,
                None,
                None,
            )
        };
        let (row_kind, line_key, unit_code, function_code, econ_code, gov_econ_code) = match &row
            .key
        {
            Key::Total => total(),
            Key::None if is_total => total(),
            Key::Unit(c) => (RowKind::Unit, None, Some(c.clone()), None, None, None),
            Key::Function(c) => (RowKind::Function, None, None, Some(c.clone()), None, None),
            Key::Econ {
                dept, gov, detail, ..
            } => {
                if dept.is_none() {
                    ctx.warn(
                        row.line,
                        Some(t.kind),
                        "code_missing",
                        format!("row '{name}' prints no 部门经济分类 code"),
                        raw,
                    );
                }
                match detail {
                    // A sub-item of the 款 printed above it (Chongqing: 30102 津贴补贴,
                    // then 3010201 规范性津补贴 and 3010202 其他津补贴).
                    Some(d) if printed_kuan.is_some() && printed_kuan == *dept => {
                        (RowKind::EconDetail, None, None, None, Some(d.clone()), None)
                    }
                    _ => {
                        printed_kuan = dept.clone().filter(|c| detail.is_none() && c.len() == 5);
                        (RowKind::Econ, None, None, None, dept.clone(), gov.clone())
                    }
                }
            }
            Key::Project(_) => (RowKind::Project, None, None, None, None, None),
            Key::None if t.kind == TableKind::Income && !row.texts.is_empty() => {
                // An income table by source (Jiangsu): 类别 and 项目 columns, keyed like
                // the lines of a summary table.
                let parts: Vec<String> = row.texts.iter().map(|(_, t)| compact(t)).collect();
                let sub = parts.last().cloned().unwrap_or_default();
                let key = if parts.len() == 1 || sub == "小计" {
                    super::summary::income_key(&parts[0], false)
                } else {
                    super::summary::income_key(&sub, false)
                };
                name = parts.join("/");
                (RowKind::Line, key, None, None, None, None)
            }
            Key::None if t.kind == TableKind::Procurement => {
                // 政府采购 rows are described by their text columns, not by a code.
                name = row
                    .texts
                    .iter()
                    .map(|(_, t)| compact(t))
                    .collect::<Vec<_>>()
                    .join("/");
                (RowKind::Line, None, None, None, None, None)
            }
            Key::None if by_unit && row.codes.is_empty() => {
                (RowKind::Unit, None, None, None, None, None)
            }
            Key::None if three_public_units && !row.texts.is_empty() => {
                (RowKind::Unit, None, None, None, None, None)
            }
            // 经济分类 names without codes at indents (Zhejiang 基本支出表): a 类 by its
            // name, a 款 by its name within the 类 above it.
            Key::None if row.depth.is_some() && is_econ_table(t.kind) => {
                let class = match row.depth {
                    Some(0) => None,
                    _ => econ_class,
                };
                let code = if row.depth == Some(0) || class.is_some() {
                    dept_econ_code(&compact(&name), class)
                } else {
                    None
                };
                if row.depth == Some(0) {
                    econ_class = code;
                }
                if code.is_none() && !placed.is_empty() {
                    ctx.warn(
                            row.line,
                            Some(t.kind),
                            "code_missing",
                            format!(
                                "row '{name}' prints no code and names no 部门经济分类 subject at its level"
                            ),
                            raw,
                        );
                }
                (
                    RowKind::Econ,
                    None,
                    None,
                    None,
                    code.map(str::to_string),
                    None,
                )
            }
            // A table that prints names without codes, their level shown by indentation:
            // a 功能分类 row of that level (its code known for a 类 by its name).
            Key::None if row.depth.is_some() && is_function_table(t.kind) => {
                let code = (row.depth == Some(0))
                    .then(|| function_class_by_name(&name))
                    .flatten()
                    .map(str::to_string);
                (RowKind::Function, None, None, code, None, None)
            }
            Key::None => {
                if !placed.is_empty() {
                    ctx.warn(
                        row.line,
                        Some(t.kind),
                        "code_missing",
                        format!("row '{name}' has amounts but no code this table expects"),
                        raw,
                    );
                }
                (RowKind::Line, None, None, None, None, None)
            }
        };
        if row_kind == RowKind::Total && name.is_empty() {
            name = "合计".into();
        }
        let mut category = None;
        let mut project_name = None;
        if let Key::Project(ptype) = &row.key {
            name = clean_project_name(ctx, row.line, &name);
            category = Some(ptype.clone());
            project_name = Some(name.clone());
        } else if t.kind == TableKind::OperatingCost {
            category = row.texts.get(1).map(|(_, c)| compact(c));
        }
        if t.kind == TableKind::ProjectExpenditure && row.key != Key::Total {
            let col = |k: usize| placed.iter().find(|(c, _, _)| *c == k).map(|(_, v, _)| *v);
            if let Key::Project(ptype) = &row.key {
                projects.push(Project {
                    table_kind: t.kind,
                    row_no,
                    source_line: row.line as i32,
                    project_code: None,
                    project_name: name.clone(),
                    project_type: Some(ptype.clone()),
                    project_unit: row.text_at(2),
                    total: col(0),
                    gpb: col(1),
                    gov_fund: col(2),
                    soe: col(3),
                    carryover: sum_opt(&[col(4), col(5), col(6)]),
                    special_account: col(7),
                    unit_funds: col(8),
                });
            }
        }
        let function_level = match (row_kind, &function_code) {
            (RowKind::Function, None) => row.depth.map(|d| d as i8 + 1),
            _ => None,
        };
        let meta = RowMeta {
            line_key,
            unit_code,
            function_code,
            function_level,
            econ_code,
            gov_econ_code,
            category,
            project_name,
            ..RowMeta::new(row_kind, name)
        };
        push_items(items, t, row_no, row.line, &meta, layout, placed);
    }
    if !by_unit && !rows.iter().any(|r| r.key == Key::Total) && !rows.is_empty() {
        let last = rows.last().map_or(0, |r| r.line);
        ctx.warn(
            last,
            Some(t.kind),
            "total_missing",
            format!(
                "{} has no 合计 row: the table may be truncated",
                t.kind.label()
            ),
            "",
        );
    }
    row_no as usize
}

fn sum_opt(values: &[Option<Decimal>]) -> Option<Decimal> {
    values.iter().flatten().copied().reduce(|a, b| a + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of tab-separated rows once codes are inherited.
    fn keys(kind: TableKind, rows: &[&str]) -> Vec<Key> {
        let lines: Vec<TableLine> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| TableLine::new(i + 1, i, r))
            .collect();
        inherit_split_codes(&lines)
            .iter()
            .map(|l| key_of(kind, &l.texts, &l.codes))
            .collect()
    }

    #[test]
    fn a_row_printing_only_its_own_levels_code_takes_its_parents_from_above() {
        let keys = keys(
            TableKind::Expenditure,
            &[
                "\t\t\t合计\t2,123.11",
                "201\t\t\t一般公共服务支出\t1,506.40",
                "\t05\t\t统计信息事务\t1,506.40",
                "\t\t01\t行政运行\t588.75",
                "\t\t02\t一般行政管理事务\t41.00",
                "205\t\t\t教育支出\t96.86",
                "\t08\t\t进修及培训\t96.86",
                "\t\t03\t培训支出\t96.86",
            ],
        );
        let f = |c: &str| Key::Function(c.into());
        assert_eq!(
            keys,
            [
                Key::Total,
                f("201"),
                f("20105"),
                f("2010501"),
                f("2010502"),
                f("205"),
                f("20508"),
                f("2050803")
            ]
        );
    }

    #[test]
    fn economic_codes_side_by_side_keep_their_own_parents() {
        // 类 | 款 | 部门经济分类 | 类 | 款 | 政府经济分类 | amounts.
        let keys = keys(
            TableKind::GpbBasicExpenditure,
            &[
                "301\t\t工资福利支出\t501\t\t机关工资福利支出\t100",
                "\t01\t基本工资\t\t01\t工资奖金津补贴\t60",
                "\t02\t津贴补贴\t\t01\t工资奖金津补贴\t40",
            ],
        );
        let econ = |d: &str, g: &str| Key::Econ {
            dept: Some(d.into()),
            gov: Some(g.into()),
            detail: None,
            name_at: 0,
        };
        assert_eq!(
            keys,
            [
                econ("301", "501"),
                econ("30101", "50101"),
                econ("30102", "50101")
            ]
        );
    }
}
