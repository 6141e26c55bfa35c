//! Narrative claims: every number the 预算说明 states, read as a claim — about a
//! **subject** (the document's income or expenditure total, a fund, an income source, a
//! 功能分类 类/款/项 named by name, 基本/项目支出, 人员/公用经费, "三公" and each part,
//! 机关运行经费, 政府采购, assets, 绩效 projects …), for a **period** (this year's budget,
//! last year's budget, execution or final accounts), of a **measure** (amount, change,
//! change %, share %, count), with its **direction** (增加/减少/持平) and its printed
//! precision — and grouped with the claims about the same subject stated together, so
//! that "2023年执行数为X万元，2024年预算安排Y万元，比2023年执行数增加Z%" is one group whose
//! arithmetic can be recomputed.
//!
//! The grammar (docs/checks.md, "Claim grammar"):
//! - a paragraph is read clause by clause (，、：；。); each number with a unit (万元, 元,
//!   亿元, %, 个, 辆, 台(套) …) is one claim;
//! - its **measure** comes from the words just before it: a direction word (增加, 下降 …)
//!   makes a change (a change % with `%`), 占 a share, a count unit a count;
//! - its **subject** from the phrase before it, cut at a comparison (比上年…); a phrase of
//!   period words only (2024年预算安排, 上年执行数为) names no subject: the claim belongs to
//!   the subject last named at the same parenthesis depth (a parenthetical `（公务用车购置费
//!   X万元，…）` is its own level);
//! - its **period** from the comparison it follows (比2025年年初预算数 → last year's budget,
//!   比上年执行数 → last year's execution) or, for an amount, from a past year or 上年 in
//!   its own phrase;
//! - a share's whole is what follows 占 (占"三公"经费的…) or else the subject a 其中 list
//!   belongs to.
//!
//! Owns the reading of claims and the resolution of 功能分类 names to codes
//! ([`resolve_codes`], through the document's own rows and the 类 list). The checks that
//! test claims are SQL (`queries/checks/claims.sql`); nothing here compares figures.

use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

use super::amount::parse_printed;
use super::narrative::{NUMBER, Paragraph, paragraphs, topic_of};
use crate::model::classification::{function_class_by_name, strip_enumerator};
use crate::model::{LineItem, NarrativeClaim};

/// A comparison: what a change is measured against.
static COMPARISON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(比|较|与|同比|对比)(上年|去年|上一年|\d{4}年|年初|本年|前一年|上年度)").unwrap()
});
/// A 功能分类 name followed by its level: `统计信息事务（款）`.
static MARKED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([^（(）)“”\x22]+?)[（(]([类款项])[）)]").unwrap());
static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d{4})年").unwrap());

/// Direction words, longest first; `None` for words that name no direction on their own.
const DIRECTIONS: &[(&str, &str)] = &[
    ("增加", "increase"),
    ("增长", "increase"),
    ("上升", "increase"),
    ("提高", "increase"),
    ("增幅", "increase"),
    ("新增", "increase"),
    ("增", "increase"),
    ("减少", "decrease"),
    ("下降", "decrease"),
    ("降低", "decrease"),
    ("降幅", "decrease"),
    ("压减", "decrease"),
    ("减", "decrease"),
    ("下调", "decrease"),
    ("持平", "flat"),
];

/// The direction word that ends `text` (at most two characters, such as 了 or 约, between
/// it and the number): its direction, where it starts, and whether an opposite word is
/// printed beside it (`增加（减少）`: a template's both-ways wording).
fn direction_before(text: &str) -> Option<(&'static str, usize, bool)> {
    let mut best: Option<(&'static str, usize, usize)> = None;
    for (word, dir) in DIRECTIONS {
        if let Some(pos) = text.rfind(word) {
            let end = pos + word.len();
            if best.is_none_or(|(_, p, e)| end > e || (end == e && pos < p)) {
                best = Some((dir, pos, end));
            }
        }
    }
    let (dir, pos, end) = best?;
    // (增加了, 减少约; 增加部门预算X万元: words that name nothing between.)
    let tail = &text[end..];
    let tail_chars = tail.chars().filter(|c| !matches!(c, '）' | ')')).count();
    if tail.contains(['，', ',', '。', '；'])
        || tail_chars > 8
        || (tail_chars > 2 && !residue(tail).is_empty())
    {
        return None;
    }
    // (增加（减少）, 增长(降低)…: the other direction printed beside it.)
    let window_start = text[..pos]
        .char_indices()
        .rev()
        .nth(5)
        .map_or(0, |(i, _)| i);
    let around = &text[window_start..];
    let both = DIRECTIONS
        .iter()
        .filter(|(w, d)| *d != dir && *d != "flat" && w.chars().count() == 2)
        .any(|(w, _)| around.contains(w));
    Some((dir, pos, both))
}

/// The first comparison in `text` (a cheap test before the pattern: most phrases have none).
fn comparison_in(text: &str) -> Option<regex::Match<'_>> {
    if text.contains(['比', '较', '与', '同', '对']) {
        COMPARISON.find(text)
    } else {
        None
    }
}

/// The period of the last comparison in `text`, read in its own clause
/// (比2025年年初预算数9819.98万元减少…).
fn last_comparison(text: &str) -> Option<&'static str> {
    let c = COMPARISON.find_iter(text).last()?;
    let phrase = &text[c.start()..];
    let end = phrase.find(['，', ',', '；']).unwrap_or(phrase.len());
    Some(prior_period(&phrase[..end]))
}

/// The period a comparison phrase (比2025年年初预算数, 比上年执行数, 与上年相比) names.
fn prior_period(phrase: &str) -> &'static str {
    if phrase.contains("执行") {
        "prior_execution"
    } else if phrase.contains("决算") {
        "prior_final"
    } else if phrase.contains("调整") {
        "prior_adjusted"
    } else if phrase.contains("预算") || phrase.contains("年初") {
        "prior_budget"
    } else {
        "prior"
    }
}

/// A subject: what a claim is about.
#[derive(Debug, Clone, PartialEq)]
struct Subject {
    key: &'static str,
    fund: Option<&'static str>,
    flow: Option<&'static str>,
    name: String,
    /// For a 功能分类 named by name: the names printed with (类), (款), (项), in order.
    parts: Vec<String>,
    code: Option<String>,
}

/// The fund a phrase (or a section heading) names.
fn fund_of(text: &str) -> Option<&'static str> {
    if text.contains("一般公共预算") {
        Some("gpb")
    } else if text.contains("政府性基金") {
        Some("gov_fund")
    } else if text.contains("国有资本经营") {
        Some("soe")
    } else if text.contains("财政专户") {
        Some("special_account")
    } else if text.contains("财政拨款") {
        Some("fiscal")
    } else {
        None
    }
}

fn flow_of(text: &str) -> Option<&'static str> {
    match (text.contains("收入"), text.contains("支出")) {
        (true, false) => Some("income"),
        (false, true) => Some("expenditure"),
        _ => None,
    }
}

/// Words that name a period, a verb or a connective and no subject.
const GENERIC: &[&str] = &[
    "其中",
    "主要是",
    "主要用于",
    "主要为",
    "包括",
    "分别为",
    "分别是",
    "此外",
    "另外",
    "本单位",
    "本部门",
    "部门",
    "单位",
    "本级",
    "本年度",
    "本年",
    "当年",
    "上年度",
    "上年",
    "年初",
    "年度",
    "预算数",
    "预算",
    "执行数",
    "执行",
    "决算数",
    "决算",
    "安排",
    "合计",
    "共计",
    "共有",
    "共",
    "计",
    "约",
    "为",
    "是",
    "的",
    "拟",
    "数",
    "较",
    "比",
    "相比",
    "与",
    "同比",
    "涉及",
    "年",
    "了",
    "各",
    "增加",
    "增长",
    "上升",
    "提高",
    "减少",
    "下降",
    "降低",
    "持平",
];

/// The fund a section is about (一般公共预算支出预算情况说明 → gpb).
fn topic_fund(topic: &str) -> Option<&'static str> {
    match topic {
        "gpb" | "gpb_basic" => Some("gpb"),
        "gov_fund" => Some("gov_fund"),
        "soe" => Some("soe"),
        "fiscal" => Some("fiscal"),
        _ => None,
    }
}

/// The phrase without numbers, punctuation and generic words: what is left names a subject.
fn residue(label: &str) -> String {
    let s: String = label
        .chars()
        .filter(|c| {
            !c.is_ascii_digit()
                && !c.is_ascii_punctuation()
                && !"，、：；。“”\"‘’（）《》—-－·．".contains(*c)
        })
        .collect();
    GENERIC_WORDS.replace_all(&s, "").into_owned()
}

/// [`GENERIC`] as one pattern (longer words first, as listed: the leftmost alternative wins).
static GENERIC_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    let words: Vec<String> = GENERIC.iter().map(|w| regex::escape(w)).collect();
    Regex::new(&words.join("|")).unwrap()
});

/// Fund names, removed where a subject's own name is looked for.
const FUND_WORDS: &[&str] = &[
    "一般公共预算",
    "政府性基金预算",
    "政府性基金",
    "国有资本经营预算",
    "国有资本经营",
    "财政专户管理资金",
    "财政专户",
    "财政拨款",
    "拨款",
];

/// The phrase after the last year it names: a unit's name printed before the year
/// (湖州市交通运输局2026年支出预算) is not part of the subject.
fn after_year(label: &str) -> &str {
    if !label.contains('年') {
        return label;
    }
    match YEAR.find_iter(label).last() {
        Some(m) => label[m.end()..].trim_start_matches('度'),
        None => label,
    }
}

/// The keyword of `words` printed nearest the end of `l` (the noun the number belongs
/// to), with where it starts.
fn nearest<'a>(l: &str, words: &'a [(&'a str, &'static str)]) -> Option<(usize, &'static str)> {
    words
        .iter()
        .filter_map(|(w, key)| l.rfind(w).map(|pos| (pos + w.len(), pos, *key)))
        .max_by_key(|(end, pos, _)| (*end, usize::MAX - pos))
        .map(|(_, pos, key)| (pos, key))
}

/// The subject a phrase names, if any.
fn subject_of(label: &str, topic: &str, unit: &str) -> Option<Subject> {
    let full = label;
    let l = after_year(label);
    let sub = |key: &'static str| Subject {
        key,
        fund: None,
        flow: None,
        name: full.to_string(),
        parts: vec![],
        code: None,
    };
    let with_fund = |mut s: Subject| {
        s.fund = fund_of(l);
        s
    };
    // (涉及…资金X万元 continues the subject before it.)
    if l.starts_with("涉及") {
        return None;
    }
    if unit == "个项目" || (l.contains("绩效") && !l.contains("绩效工资")) {
        return Some(with_fund(sub("performance")));
    }
    // A 功能分类 named with its level: 一般公共服务支出（类）统计信息事务（款）专项普查活动（项）.
    if let Some(s) = marked_function(l, topic) {
        return Some(Subject {
            name: full.to_string(),
            ..s
        });
    }
    let named: &[(&str, &'static str)] = &[
        ("因公出国", "three_public.abroad"),
        ("公务接待", "three_public.reception"),
        ("公务用车购置及运行", "three_public.car"),
        ("公务用车购置和运行", "three_public.car"),
        ("公务用车运行", "three_public.car.operation"),
        ("公务用车购置", "three_public.car.purchase"),
        ("三公", "three_public"),
        ("会议费", "meeting"),
        ("培训费", "training"),
        ("差旅费", "travel"),
        ("委托业务费", "entrusted"),
        ("运行经费", "operating_cost"),
        ("运转经费", "operating_cost"),
    ];
    if let Some((_, key)) = named.iter().find(|(w, _)| l.contains(w)) {
        return Some(with_fund(sub(key)));
    }
    if l.contains("政府采购") || l.contains("采购") && topic == "procurement" {
        let key = if l.contains("中小企业") || l.contains("小型和微型") || l.contains("小微")
        {
            "procurement.sme"
        } else if l.contains("货物") {
            "procurement.goods"
        } else if l.contains("工程") {
            "procurement.works"
        } else if l.contains("服务") {
            "procurement.services"
        } else {
            "procurement"
        };
        return Some(with_fund(sub(key)));
    }
    if matches!(unit, "辆") || l.contains("车辆") || l.contains("用车") {
        return Some(sub("assets.vehicles"));
    }
    if matches!(unit, "台(套)" | "台" | "套") || l.contains("设备") {
        return Some(sub("assets.equipment"));
    }
    // Parts of spending and income: the one printed nearest the number, and only where
    // nothing but a fund names it (生态环境监测项目支出 is a project, not 项目支出).
    let parts: &[(&str, &'static str)] = &[
        ("人员经费", "personnel"),
        ("公用经费", "public"),
        ("基本支出", "basic"),
        ("项目支出", "project"),
        ("机动经费", "reserve"),
        ("结转下年", "carryover_next"),
        ("年终结转", "carryover_next"),
        ("结转结余", "carryover_next"),
        ("上年结转", "carryover"),
        ("上年结转结余", "carryover"),
        ("年初结转", "carryover"),
        ("上年结余", "carryover"),
        ("事业单位经营", "income.operating"),
        ("经营收入", "income.operating"),
        ("事业收入", "income.business"),
        ("上级补助", "income.superior"),
        ("附属单位", "income.subsidiary"),
        ("其他收入", "income.other"),
    ];
    if let Some((pos, key)) = nearest(l, parts) {
        let mut before = l[..pos].to_string();
        for w in FUND_WORDS {
            before = before.replace(w, "");
        }
        if residue(&before).chars().count() > 1 {
            return Some(sub("other"));
        }
        return Some(Subject {
            flow: key.starts_with("income").then_some("income"),
            ..with_fund(sub(key))
        });
    }
    let r = residue(l);
    let mut rest = r.clone();
    for w in FUND_WORDS
        .iter()
        .chain(&["收入", "支出", "总计", "合计", "总额", "收支", "总"])
    {
        rest = rest.replace(w, "");
    }
    // A total: nothing named besides it (收支总预算, 支出), or named as one (省检察院本年
    // 收入预算合计: a unit's name before it).
    let total = rest.chars().count() <= 1
        || [
            "收入预算合计",
            "支出预算合计",
            "收入合计",
            "支出合计",
            "收入总计",
            "支出总计",
            "收入预算总计",
            "支出预算总计",
            "本年收入",
            "本年支出",
            "收支总",
        ]
        .iter()
        .filter_map(|w| l.find(w))
        .any(|pos| names_a_unit_or_nothing(&l[..pos]));
    if total && (l.contains("收支") || l.contains("收、支")) && !l.contains("收支预算表")
    {
        return Some(with_fund(sub("total")));
    }
    if let Some(fund) = fund_of(l) {
        return Some(Subject {
            fund: Some(fund),
            flow: flow_of(l),
            ..sub("fund")
        });
    }
    let cleaned = clean_name(l);
    let bare = cleaned
        .trim_start_matches(['“', '"'])
        .trim_end_matches("科目")
        .trim_end_matches(['”', '"']);
    if let Some(code) = function_class_by_name(bare).filter(|_| bare.chars().count() >= 2) {
        return Some(Subject {
            code: Some(code.to_string()),
            parts: vec![bare.to_string()],
            fund: topic_fund(topic),
            ..sub("function")
        });
    }
    if total && l.contains("收入") {
        return Some(Subject {
            flow: Some("income"),
            ..sub("income_total")
        });
    }
    if total && l.contains("支出") {
        return Some(Subject {
            flow: Some("expenditure"),
            ..sub("expenditure_total")
        });
    }
    // Anything else named (a 委托业务费, a 专项资金 …): a subject of its own.
    (r.chars().count() >= 2).then(|| sub("other"))
}

/// True when `text` (what precedes a total's name) is empty, generic, or ends with an
/// organisation's name (省检察院, 办公厅部门): the total is the document's, not a part's
/// (其他资金收入预算总计).
fn names_a_unit_or_nothing(text: &str) -> bool {
    const ORGANISATION: &[&str] = &[
        "厅",
        "局",
        "委",
        "院",
        "办",
        "署",
        "中心",
        "部门",
        "单位",
        "政府",
        "处",
        "所",
        "站",
        "馆",
        "会",
        "室",
        "本级",
        "部",
        "队",
        "校",
        "街道",
        "办事处",
    ];
    let t = text.trim_end_matches(['的', '：', ':']);
    let t = t.trim_end_matches("本年").trim_end_matches("年度");
    residue(t).is_empty() || ORGANISATION.iter().any(|o| t.ends_with(o))
}

/// A 功能分类 named with its levels (`统计信息事务（款）专项普查活动（项）`), if `text` names
/// one.
fn marked_function(text: &str, topic: &str) -> Option<Subject> {
    if !text.contains(['类', '款', '项']) {
        return None;
    }
    let parts: Vec<(String, String)> = MARKED
        .captures_iter(text)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect();
    if parts.is_empty() {
        return None;
    }
    let names: Vec<String> = parts
        .iter()
        .map(|(n, _)| {
            let n = strip_enumerator(n);
            n.trim_start_matches(|c: char| c.is_ascii_digit() || "．.、：:".contains(c))
                .to_string()
        })
        .collect();
    let code = match (parts.len(), parts[0].1.as_str()) {
        (1, "类") => function_class_by_name(&names[0]).map(str::to_string),
        _ => None,
    };
    Some(Subject {
        key: "function",
        fund: fund_of(text).or(topic_fund(topic)),
        flow: None,
        name: text.to_string(),
        parts: names,
        code,
    })
}

/// The subject named and the group it opened.
#[derive(Clone)]
struct Named {
    subject: Subject,
    group: i32,
}

impl Named {
    /// A claim about this subject, of a change of zero (持平) until the caller says what
    /// the number states.
    fn claim(&self, p: &Paragraph, sentence: &str, offset: usize) -> NarrativeClaim {
        let s = &self.subject;
        NarrativeClaim {
            claim_no: 0,
            group_no: self.group,
            subject: s.key.to_string(),
            fund: s.fund,
            flow: s.flow,
            subject_name: clean_name(&s.name),
            subject_code: s.code.clone(),
            name_parts: s.parts.clone(),
            period: "prior",
            measure: "change",
            direction: Some("flat"),
            value: Decimal::ZERO,
            printed: "持平".to_string(),
            amount: None,
            unit_text: String::new(),
            decimals: 0,
            tolerance: Decimal::ZERO,
            of_group: None,
            section: p.heading.clone(),
            sentence: sentence.to_string(),
            page: None,
            source_line: p.line_at(offset) as i32,
        }
    }
}

/// The subject a list (其中：…, 主要包括：…) is of, and the group count when it began.
#[derive(Clone)]
struct Head {
    named: Named,
    at: i32,
}

/// Words that open a list of parts.
fn opens_list(text: &str) -> bool {
    ["其中", "包括", "如下", "分别为", "分别是"]
        .iter()
        .any(|w| text.contains(w))
}

/// Reads the claims of the narrative lines `(line number, text)` of a document whose
/// budget year is `year` (0: unknown, then the year the narrative names most).
pub fn extract_claims(lines: &[(usize, &str)], year: i32) -> Vec<NarrativeClaim> {
    let paras = paragraphs(lines);
    let year = if year > 0 {
        year
    } else {
        most_named_year(&paras)
    };
    let mut out: Vec<NarrativeClaim> = Vec::new();
    let mut group = 0;
    let mut section = String::new();
    // The subject named last at each parenthesis depth, and the head of a 其中 list.
    let mut named: Vec<Option<Named>> = vec![None];
    let mut head: Option<Head> = None;
    for p in &paras {
        if p.heading != section {
            section = p.heading.clone();
            named = vec![None];
            head = None;
        }
        let topic = topic_of(&p.heading);
        read_paragraph(p, topic, year, &mut out, &mut group, &mut named, &mut head);
        if !list_goes_on(p) {
            head = None;
        }
    }
    for (i, c) in out.iter_mut().enumerate() {
        c.claim_no = i as i32 + 1;
    }
    out
}

/// A list begins: it is of the subject named last.
fn start_list(head: &mut Option<Head>, named: &[Option<Named>], group: i32) {
    if let Some(n) = named.iter().rev().flatten().next() {
        *head = Some(Head {
            named: n.clone(),
            at: group,
        });
    }
}

/// A list (其中：…) goes on past its paragraph only where the paragraph ends in ：or ；
/// (a list printed one item per line).
fn list_goes_on(p: &Paragraph) -> bool {
    p.text.ends_with(['：', ':', '；', ';'])
}

fn most_named_year(paras: &[Paragraph]) -> i32 {
    let mut counts: std::collections::BTreeMap<i32, usize> = Default::default();
    for p in paras {
        for c in YEAR.captures_iter(&p.text) {
            if let Ok(y) = c[1].parse::<i32>()
                && (1990..=2100).contains(&y)
            {
                *counts.entry(y).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|(y, n)| (*n, *y))
        .map_or(0, |(y, _)| y)
}

/// Parenthesis depth at each byte of `text`.
fn depths(text: &str) -> Vec<usize> {
    let mut out = Vec::with_capacity(text.len() + 1);
    let mut d: usize = 0;
    for ch in text.chars() {
        if matches!(ch, '（' | '(') {
            d += 1;
        }
        for _ in 0..ch.len_utf8() {
            out.push(d);
        }
        if matches!(ch, '）' | ')') {
            d = d.saturating_sub(1);
        }
    }
    out.push(d);
    out
}

#[allow(clippy::too_many_arguments)]
fn read_paragraph(
    p: &Paragraph,
    topic: &str,
    year: i32,
    out: &mut Vec<NarrativeClaim>,
    group: &mut i32,
    named: &mut Vec<Option<Named>>,
    head: &mut Option<Head>,
) {
    let text = p.text.as_str();
    let depth = depths(text);
    // Sentences: (start, end) byte ranges.
    let mut sentences: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, ch) in text.char_indices() {
        if matches!(ch, '。' | '；' | ';' | '！') {
            sentences.push((start, i + ch.len_utf8()));
            start = i + ch.len_utf8();
        }
    }
    if start < text.len() {
        sentences.push((start, text.len()));
    }
    for (s0, s1) in sentences {
        let sentence = &text[s0..s1];
        let mut last_end = 0;
        // Claims read from this sentence so far.
        let mut in_sentence = 0;
        for m in NUMBER.captures_iter(sentence) {
            let whole = m.get(0).unwrap();
            let num = m.get(1).unwrap();
            let unit = m.get(2).unwrap().as_str();
            let after = &sentence[whole.end()..];
            let before_all = &sentence[..num.start()];
            if after.starts_with("以上")
                || after.starts_with("以下")
                || after.starts_with("(含)")
                || after.starts_with("（含）")
                || before_all.ends_with('第')
                || before_all.ends_with(['≥', '≤', '＞', '＜', '>', '<', '='])
            {
                last_end = whole.end();
                continue;
            }
            let Ok(printed) = parse_printed(num.as_str()) else {
                last_end = whole.end();
                continue;
            };
            // The words since the last number, and the clause they end (from the last
            // delimiter).
            let since = &sentence[last_end..num.start()];
            let cut = since
                .char_indices()
                .filter(|&(i, c)| {
                    matches!(c, ',' | '，' | ':' | '：')
                        // (收、支总计 is one word.)
                        || c == '、' && !(since[..i].ends_with('收') && since[i + c.len_utf8()..].starts_with('支'))
                })
                .map(|(i, c)| i + c.len_utf8())
                .next_back()
                .unwrap_or(0);
            let clause = &since[cut..];
            last_end = whole.end();
            let d = depth[s0 + num.start()];
            if named.len() <= d {
                named.resize(d + 1, None);
            }
            named.truncate(d + 1);
            // 其中: the subject named before it heads the list that follows.
            // (A list opens after a claim of the same sentence, or at the start of the
            // sentence after one: 其中：基本支出…)
            let opens_here = in_sentence > 0
                || (!out.is_empty() && opens_list(&sentence.chars().take(4).collect::<String>()));
            if opens_list(since) && opens_here {
                start_list(head, named, *group);
            }

            let direction = direction_before(clause);
            let share_at = clause.rfind('占');
            let money = matches!(unit, "万元" | "元" | "亿元");
            // 比上年X万元 with no 预算数/执行数 after 比上年: a change whose direction is not
            // printed (a word left out), not last year's amount.
            let bare_comparison = comparison_in(clause).is_some_and(|c| {
                let phrase = &clause[c.end()..];
                !["数", "预算", "执行", "决算", "安排"]
                    .iter()
                    .any(|w| phrase.contains(w))
                    && residue(phrase).is_empty()
            });
            let (measure, label_end) = match (unit, share_at, direction) {
                ("%", Some(at), _) => ("share", at),
                ("%", None, Some((_, at, _))) => ("change_pct", at),
                ("%", None, None) => ("percent", clause.len()),
                (_, _, Some((_, at, _))) => ("change", at),
                _ if money && bare_comparison => ("change", clause.len()),
                _ if money => ("amount", clause.len()),
                _ => ("count", clause.len()),
            };
            // The phrase naming the subject: up to the comparison or the measure's word.
            let mut label = &clause[..label_end];
            let comparison = comparison_in(label);
            if let Some(c) = comparison {
                label = &label[..c.start()];
            }
            let mut subject = subject_of(label, topic, unit);
            // A 功能分类 named before a colon (检察（款）：2018年预算支出合计X万元).
            if subject
                .as_ref()
                .is_none_or(|s| matches!(s.key, "expenditure_total" | "income_total"))
                && let Some(f) = marked_function(&since[..cut], topic)
            {
                subject = Some(f);
            }
            let first_in_sentence = in_sentence == 0;
            let current = match subject {
                Some(mut s) if measure != "share" || residue(label).chars().count() >= 2 => {
                    // A part listed under a fund (一般公共预算支出X万元，其中：基本支出…) is
                    // that fund's.
                    if s.fund.is_none()
                        && matches!(
                            s.key,
                            "basic" | "project" | "personnel" | "public" | "reserve" | "function"
                        )
                        && let Some(h) = head.as_ref()
                        && matches!(h.named.subject.key, "fund" | "total" | "expenditure_total")
                    {
                        s.fund = h.named.subject.fund;
                    }
                    *group += 1;
                    let n = Named {
                        subject: s,
                        group: *group,
                    };
                    named[d] = Some(n.clone());
                    n
                }
                // A sentence of its own after a list of parts (主要包括：A…；B…。较上年增加…)
                // speaks of what the list is of.
                _ if first_in_sentence
                    && d == 0
                    && head.as_ref().is_some_and(|h| *group - h.at >= 2) =>
                {
                    let h = head.as_ref().unwrap().named.clone();
                    named[d] = Some(h.clone());
                    h
                }
                _ => match named.iter().rev().flatten().next() {
                    Some(n) => n.clone(),
                    None => {
                        // A claim before any subject: a group of its own, subject unknown.
                        *group += 1;
                        let n = Named {
                            subject: Subject {
                                key: "other",
                                fund: None,
                                flow: None,
                                name: residue(label),
                                parts: vec![],
                                code: None,
                            },
                            group: *group,
                        };
                        named[d] = Some(n.clone());
                        n
                    }
                },
            };

            // The period.
            let before_in_sentence = &sentence[..num.start()];
            let period = match measure {
                "change" | "change_pct" => match last_comparison(before_in_sentence) {
                    Some(period) => period,
                    None => out
                        .iter()
                        .rev()
                        .find(|c| {
                            c.group_no == current.group
                                && matches!(c.measure, "change" | "change_pct")
                        })
                        .map_or("prior", |c| c.period),
                },
                _ => amount_period(clause, sentence, year),
            };
            let (direction, ambiguous) = match direction {
                Some((d, _, both)) => (Some(d), both),
                None => (None, false),
            };
            let direction = match (measure, direction) {
                ("change", None) => Some("unknown"),
                ("change" | "change_pct", Some(_)) if ambiguous => {
                    if printed.value.is_zero() {
                        Some("flat")
                    } else {
                        Some("unknown")
                    }
                }
                ("change" | "change_pct", d) => d,
                _ => None,
            };
            let factor = match unit {
                "万元" => Some(Decimal::from(10_000)),
                "元" => Some(Decimal::ONE),
                "亿元" => Some(Decimal::from(100_000_000)),
                _ => None,
            };
            // One unit of the last digit printed: a figure may be rounded or cut there.
            let unit_step = Decimal::new(1, printed.decimals);
            let (amount, tolerance) = match factor {
                Some(f) => (Some(printed.value * f), unit_step * f),
                None => (None, unit_step),
            };
            let of_group = if measure == "share" {
                let whole = share_at.map_or("", |at| &clause[at + '占'.len_utf8()..]);
                let whole = whole.trim_end_matches(['的', '比']);
                match subject_of(whole, topic, "")
                    .filter(|s| s.key != "other" && residue(whole).chars().count() >= 2)
                {
                    Some(s) => out
                        .iter()
                        .rev()
                        .find(|c| c.subject == s.key && c.fund == s.fund && c.measure == "amount")
                        .map(|c| c.group_no),
                    None => head
                        .as_ref()
                        .filter(|h| h.named.group != current.group)
                        .map(|h| h.named.group),
                }
            } else {
                None
            };
            out.push(NarrativeClaim {
                period,
                measure,
                direction,
                value: printed.value,
                printed: whole.as_str().to_string(),
                amount,
                unit_text: unit.to_string(),
                decimals: printed.decimals as i32,
                tolerance,
                of_group,
                ..current.claim(p, sentence, s0 + num.start())
            });
            in_sentence += 1;
        }
        let tail = &sentence[last_end..];
        // A sentence ending in 其中： heads the list that follows.
        if opens_list(tail) && in_sentence > 0 {
            start_list(head, named, *group);
        }
        // 持平 without a number: a change of zero.
        if let Some(pos) = tail.find("持平")
            && let Some(n) = named.iter().rev().flatten().next()
        {
            let before_in_sentence = &sentence[..last_end + pos];
            let period = last_comparison(before_in_sentence).unwrap_or("prior");
            out.push(NarrativeClaim {
                period,
                ..n.claim(p, sentence, s0 + last_end + pos)
            });
        }
    }
}

/// The period of an amount: a past year or 上年 in its own phrase (上年结转 is a source,
/// not a period), a comparison it follows (比2025年年初预算数X万元), or this year.
fn amount_period(clause: &str, sentence: &str, year: i32) -> &'static str {
    if !clause.contains(['年', '比', '较', '与']) && !sentence.contains("截") {
        return "budget";
    }
    let own = clause
        .replace("上年结转", "")
        .replace("上年结余", "")
        .replace("年初结转", "");
    if COMPARISON.is_match(&own) {
        return prior_period(&own);
    }
    let past_year = YEAR
        .captures_iter(&own)
        .filter_map(|c| c[1].parse::<i32>().ok())
        .any(|y| year > 0 && y < year);
    if sentence.contains("截至") || sentence.contains("截止") {
        return "as_of";
    }
    if own.contains("上年") || own.contains("去年") || past_year {
        return match prior_period(&own) {
            "prior" => "prior",
            p => p,
        };
    }
    "budget"
}

/// A subject's name as printed, without enumerators, quotes and trailing verbs.
fn clean_name(name: &str) -> String {
    let s = strip_enumerator(name);
    let s = YEAR.replace_all(&s, "");
    let mut s = s.to_string();
    for p in [
        "其中",
        "主要是",
        "此外",
        "另外",
        "：",
        ":",
        "，",
        "年度",
        "度",
    ] {
        s = s.trim_start_matches(p).to_string();
    }
    for suffix in [
        "预算安排",
        "安排",
        "预算数为",
        "预算为",
        "为",
        "预算数",
        "预算",
        "共有",
        "共",
        "是",
    ] {
        if let Some(r) = s.strip_suffix(suffix)
            && !r.is_empty()
        {
            s = r.to_string();
        }
    }
    s.trim_matches(['“', '”', '"']).to_string()
}

/// Fills `subject_code` of the claims that name a 功能分类 by name, from the document's
/// own rows (the names as printed that year): the one code whose row bears the last name
/// printed, and — where several do — whose parent rows bear the names printed before it.
pub fn resolve_codes(claims: &mut [NarrativeClaim], items: &[LineItem]) {
    if !claims
        .iter()
        .any(|c| c.subject == "function" && c.subject_code.is_none() && !c.name_parts.is_empty())
    {
        return;
    }
    let compact = |s: &str| -> String {
        strip_enumerator(s)
            .replace('(', "（")
            .replace(')', "）")
            .trim_end_matches("支出")
            .to_string()
    };
    // (code, name) of every 功能分类 row printed.
    let mut rows: Vec<(&str, String)> = items
        .iter()
        .filter_map(|i| Some((i.function_code.as_deref()?, compact(&i.row_label))))
        .collect();
    rows.sort();
    rows.dedup();
    let name_of = |code: &str| -> Vec<&String> {
        rows.iter()
            .filter(|(c, _)| *c == code)
            .map(|(_, n)| n)
            .collect()
    };
    for c in claims.iter_mut() {
        if c.subject != "function" || c.subject_code.is_some() || c.name_parts.is_empty() {
            continue;
        }
        let wanted: Vec<String> = c.name_parts.iter().map(|n| compact(n)).collect();
        let last = wanted.last().unwrap();
        let mut codes: Vec<&str> = rows
            .iter()
            .filter(|(_, n)| n == last)
            .map(|(code, _)| *code)
            .collect();
        codes.dedup();
        if wanted.len() > 1 {
            // The parents' names, nearest first, must be among the names printed.
            codes.retain(|code| {
                let mut parent = code.len();
                wanted[..wanted.len() - 1].iter().rev().all(|want| {
                    parent = match parent {
                        7 => 5,
                        5 => 3,
                        _ => return false,
                    };
                    let printed = name_of(&code[..parent]);
                    // (A parent not printed is checked against the 类 list where it is a 类,
                    // else not contradicted.)
                    if printed.is_empty() {
                        parent != 3 || function_class_by_name(want) == Some(&code[..3])
                    } else {
                        printed.contains(&want)
                    }
                })
            });
        }
        if let [one] = codes.as_slice() {
            c.subject_code = Some(one.to_string());
        } else if let Some(class) = (wanted.len() == 1)
            .then(|| function_class_by_name(last))
            .flatten()
        {
            c.subject_code = Some(class.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, year: i32) -> Vec<NarrativeClaim> {
        let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
        extract_claims(&lines, year)
    }

    fn show(c: &NarrativeClaim) -> String {
        format!(
            "{}:{}{}|{}|{}|{}|{}",
            c.group_no,
            c.subject,
            c.fund.map(|f| format!("/{f}")).unwrap_or_default(),
            c.period,
            c.measure,
            c.direction.unwrap_or("-"),
            c.value
        )
    }

    /// The claims of `text` and each shown as `group:subject/fund|period|measure|direction|value`.
    fn shown(text: &str, year: i32) -> (Vec<NarrativeClaim>, Vec<String>) {
        let c = read(text, year);
        let s = c.iter().map(show).collect();
        (c, s)
    }

    #[test]
    fn execution_comparison_per_item_is_one_group() {
        let (c, s) = shown(
            "### 四、一般公共预算支出预算情况说明\n1.“一般公共服务支出（类）统计信息事务（款）专项普查活动（项）”25.77万元，主要用于专项普查活动。2023年当年预算执行数为60.13万元，2024年预算安排25.77万元，比2023年预算执行数减少57.14%。\n",
            2024,
        );
        assert_eq!(
            s,
            vec![
                "1:function/gpb|budget|amount|-|25.77",
                "1:function/gpb|prior_execution|amount|-|60.13",
                "1:function/gpb|budget|amount|-|25.77",
                "1:function/gpb|prior_execution|change_pct|decrease|57.14",
            ]
        );
        assert_eq!(
            c[0].name_parts,
            vec!["一般公共服务支出", "统计信息事务", "专项普查活动"]
        );
        assert_eq!(c[1].tolerance, Decimal::new(100, 0));
        assert_eq!(c[3].tolerance, Decimal::new(1, 2));
    }

    #[test]
    fn prior_amount_inside_the_comparison() {
        let (_, s) = shown(
            "### 一、收入支出预算总体情况\n2026年度收入预算9626.78万元，比2025年年初预算数9819.98万元减少193.20万元，下降1.97%。\n",
            2026,
        );
        assert_eq!(
            s,
            vec![
                "1:income_total|budget|amount|-|9626.78",
                "1:income_total|prior_budget|amount|-|9819.98",
                "1:income_total|prior_budget|change|decrease|193.20",
                "1:income_total|prior_budget|change_pct|decrease|1.97",
            ]
        );
    }

    #[test]
    fn parenthetical_parts_return_to_the_whole() {
        let (_, s) = shown(
            "### 三公\n公务用车购置及运行维护费567.72万元（公务用车购置费230.55万元，比上年增加49.45万元；公务用车运行维护费337.17万元，比上年减少2.96万元。）比上年增加46.49万元，增长8.9%。\n",
            2026,
        );
        assert_eq!(
            s,
            vec![
                "1:three_public.car|budget|amount|-|567.72",
                "2:three_public.car.purchase|budget|amount|-|230.55",
                "2:three_public.car.purchase|prior|change|increase|49.45",
                "3:three_public.car.operation|budget|amount|-|337.17",
                "3:three_public.car.operation|prior|change|decrease|2.96",
                "1:three_public.car|prior|change|increase|46.49",
                "1:three_public.car|prior|change_pct|increase|8.9",
            ]
        );
    }

    #[test]
    fn shares_template_words_and_flat() {
        let (c, s) = shown(
            "### 支出预算\n本年支出预算合计15897.44万元，其中：\n基本支出7877.76万元，占49.55%；\n项目支出6333.96万元，占39.84%。\n与上年相比增加（减少）0万元，增长（减少）0%。\n### 三公\n2026年“三公”经费预算20.80万元，与2025年预算持平。因公出国（境）费支出222.5万元，占“三公”经费的26.69%。\n",
            2018,
        );
        assert_eq!(
            s,
            vec![
                "1:expenditure_total|budget|amount|-|15897.44",
                "2:basic|budget|amount|-|7877.76",
                "2:basic|budget|share|-|49.55",
                "3:project|budget|amount|-|6333.96",
                "3:project|budget|share|-|39.84",
                // (a sentence of its own after a list that ended its paragraph: the
                // last part named)
                "3:project|prior|change|flat|0",
                "3:project|prior|change_pct|flat|0",
                "4:three_public|budget|amount|-|20.80",
                "4:three_public|prior_budget|change|flat|0",
                "5:three_public.abroad|budget|amount|-|222.5",
                "5:three_public.abroad|budget|share|-|26.69",
            ]
        );
        assert_eq!(c[2].of_group, Some(1));
        assert_eq!(c[4].of_group, Some(1));
        assert_eq!(c[10].of_group, Some(4));
    }

    #[test]
    fn changes_listed_after_a_total_and_counts() {
        let (_, s) = shown(
            "### 二、部门收支总体情况\n收入比2025年减少246429.22万元，主要是一般公共预算财政拨款增加10300.15万元，政府性基金预算财政拨款减少258146.77万元。\n### 绩效\n编报绩效目标的项目50个，涉及项目预算资金5634.81万元。\n",
            2026,
        );
        assert_eq!(
            s,
            vec![
                "1:income_total|prior|change|decrease|246429.22",
                "2:fund/gpb|prior|change|increase|10300.15",
                "3:fund/gov_fund|prior|change|decrease|258146.77",
                "4:performance|budget|count|-|50",
                "4:performance|budget|amount|-|5634.81",
            ]
        );
    }

    #[test]
    fn resolves_item_names_through_the_documents_rows() {
        use crate::model::{RowKind, TableKind};
        let item = |code: &str, label: &str| LineItem {
            function_code: Some(code.into()),
            row_label: label.into(),
            ..LineItem::for_test(TableKind::GpbExpenditure, 3, RowKind::Function, "total", 1)
        };
        let items = vec![
            item("20105", "统计信息事务"),
            item("2010508", "专项普查活动"),
            item("20131", "党委办公厅（室）及相关机构事务"),
            item("2013101", "行政运行"),
            item("20105", "统计信息事务"),
            item("2010501", "行政运行"),
        ];
        let mut c = read(
            "### 一般公共预算支出\n1.“一般公共服务支出（类）统计信息事务（款）专项普查活动（项）”25.77万元。\n2.统计信息事务（款）行政运行（项）支出10万元。\n3.行政运行（项）支出10万元。\n",
            2024,
        );
        resolve_codes(&mut c, &items);
        let codes: Vec<Option<&str>> = c.iter().map(|c| c.subject_code.as_deref()).collect();
        assert_eq!(codes, vec![Some("2010508"), Some("2010501"), None]);
    }
}
