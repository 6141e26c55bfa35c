//! Numbers stated in the narrative (预算说明): each amount, percentage and count, with the
//! phrase it belongs to, the section it sits in and the sentence it came from.
//!
//! A fact's key is `<topic>.<item>[.<relation>]`: the topic comes from the section heading
//! (收入支出预算总体 → `summary`, 一般公共预算基本支出 → `gpb_basic`, 三公 → `three_public` …),
//! the item from the phrase before the number (基本支出 → `basic`), and the relation from
//! the words around it (占X% → `share`, 增加X万元 → `change`, 增长X% → `change_pct`).
//! Phrases not in the vocabulary are kept with item `other` and their label: nothing
//! stated with a number is dropped.

use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;

use super::amount::{MoneyUnit, parse_printed};
use crate::model::NarrativeFact;

pub(crate) static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(万元|亿元|元|%|个项目|个|辆|台\(套\)|台|套|人|家)")
        .unwrap()
});
static YEAR_PREFIX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^.*?\d{4}年度?").unwrap());

/// Section heading → topic.
pub(crate) fn topic_of(heading: &str) -> &'static str {
    let h = heading;
    let rules: &[(&str, &str)] = &[
        ("财政拨款收入支出", "fiscal"),
        ("财政拨款收支", "fiscal"),
        ("收入支出预算总体", "summary"),
        ("收支预算总体", "summary"),
        // (Shenzhen: 部门预算收支总体情况; Yantai: 预算收支增减变化情况说明.)
        ("预算收支总体", "summary"),
        ("收支增减变化", "summary"),
        ("收入预算", "income"),
        ("一般公共预算基本支出", "gpb_basic"),
        ("三公", "three_public"),
        ("一般公共预算支出", "gpb"),
        ("支出预算总体", "expenditure"),
        ("政府性基金", "gov_fund"),
        ("国有资本经营", "soe"),
        ("运行经费", "operating_cost"),
        ("运转经费", "operating_cost"),
        ("政府采购", "procurement"),
        ("绩效", "performance"),
        ("国有资产", "assets"),
        ("转移支付", "transfers"),
        ("编制说明", "summary"),
    ];
    rules
        .iter()
        .find(|(k, _)| h.contains(k))
        .map_or("other", |(_, t)| t)
}

/// Phrase → item, most specific first.
fn item_of(label: &str) -> Option<&'static str> {
    if label.contains("（项）") || label.contains("(项)") {
        return Some("function_item");
    }
    let rules: &[(&str, &str)] = &[
        ("收入总计", "income_total"),
        ("支出总计", "expenditure_total"),
        ("收支总计", "total"),
        ("收入合计", "income"),
        ("支出合计", "expenditure"),
        ("一般公共预算基本支出", "total"),
        ("一般公共预算支出", "total"),
        ("一般公共预算收支", "total"),
        ("一般公共预算拨款收入", "gpb_income"),
        // (Yantai: 其中：一般公共预算收入X万元.)
        ("一般公共预算收入", "gpb_income"),
        // (The whole unit's or department's: Shanghai 单位预算 本单位收入预算X万元,
        // Shenzhen 本部门预算收入X万元.)
        ("本单位收入", "income_total"),
        ("本部门收入", "income_total"),
        ("部门预算收入", "income_total"),
        ("部门预算支出", "expenditure_total"),
        ("财政拨款收入", "fiscal_income"),
        ("财政拨款支出", "fiscal_expenditure"),
        ("一般公共预算拨款支出", "gpb_expenditure"),
        ("政府性基金拨款支出", "gov_fund_expenditure"),
        ("国有资本经营预算拨款支出", "soe_expenditure"),
        ("收入预算", "income_total"),
        ("支出预算", "expenditure_total"),
        ("人员经费", "personnel"),
        ("公用经费", "public"),
        ("基本支出", "basic"),
        ("项目支出", "project"),
        ("因公出国", "abroad"),
        ("公务接待", "reception"),
        ("公务用车购置及运行", "car"),
        ("公务用车购置", "car_purchase"),
        ("公务用车运行", "car_operation"),
        ("三公", "total"),
        ("运行经费", "total"),
        ("运转经费", "total"),
        ("政府采购货物", "goods"),
        ("政府采购工程", "works"),
        ("政府采购服务", "services"),
        ("中小企业", "sme"),
        ("政府采购", "total"),
        ("一般公务用车", "vehicles_general"),
        ("执法执勤用车", "vehicles_enforcement"),
        ("其他用车", "vehicles_other"),
        ("车辆", "vehicles"),
        ("通用设备", "equipment_general"),
        ("专用设备", "equipment_special"),
        ("预算拨款", "amount"),
        ("预算资金", "amount"),
        ("项目", "projects"),
    ];
    rules
        .iter()
        .find(|(k, _)| label.contains(k))
        .map(|(_, i)| *i)
}

/// A paragraph of the narrative under its section heading, with the source line each
/// part of its text came from.
pub(crate) struct Paragraph {
    pub heading: String,
    /// The text without whitespace (lines joined).
    pub text: String,
    /// `(byte offset in text, source line)` of each joined line, in order.
    pub lines: Vec<(usize, usize)>,
}

impl Paragraph {
    /// The first source line.
    pub fn line(&self) -> usize {
        self.lines.first().map_or(0, |l| l.1)
    }

    /// The source line of the text at `offset`.
    pub fn line_at(&self, offset: usize) -> usize {
        self.lines
            .iter()
            .take_while(|(o, _)| *o <= offset)
            .last()
            .map_or(self.line(), |l| l.1)
    }
}

/// Splits the narrative into paragraphs under their section heading. A paragraph that does
/// not end a sentence continues into the next one (page breaks split sentences).
pub(crate) fn paragraphs(lines: &[(usize, &str)]) -> Vec<Paragraph> {
    let mut out: Vec<Paragraph> = Vec::new();
    let mut heading = String::new();
    let mut open = false;
    for &(no, raw) in lines {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('#') {
            heading = t.trim_start_matches('#').trim().to_string();
            open = false;
            continue;
        }
        // (A page number printed between two lines of a sentence: `— 6 —`, `6`, `第6页`.)
        let bare = t.trim_matches(|c: char| matches!(c, '-' | '—' | '－' | ' ' | '第' | '页'));
        if !bare.is_empty() && bare.len() <= 3 && bare.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let text: String = t
            .trim_start_matches(['-', '*', ' '])
            .replace("**", "")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if text.is_empty() {
            continue;
        }
        if open && let Some(last) = out.last_mut() {
            last.lines.push((last.text.len(), no));
            last.text.push_str(&text);
        } else {
            out.push(Paragraph {
                heading: heading.clone(),
                text,
                lines: vec![(0, no)],
            });
        }
        open = !out
            .last()
            .is_some_and(|p| p.text.ends_with(['。', '；', ';', '：', ':']));
    }
    out
}

fn direction(word: &str) -> Option<&'static str> {
    if word.contains("增加") || word.contains("增长") || word.contains("上升") {
        Some("increase")
    } else if word.contains("减少") || word.contains("下降") || word.contains("降低") {
        Some("decrease")
    } else if word.contains("持平") {
        Some("flat")
    } else {
        None
    }
}

fn clean_label(clause: &str) -> String {
    let mut s = YEAR_PREFIX.replace(clause, "").to_string();
    for p in ["其中", ":", "：", "共有", "共"] {
        s = s.trim_start_matches(p).to_string();
    }
    let s = super::super::model::classification::strip_enumerator(&s);
    let mut s = s.trim_start_matches(['(', '（']).to_string();
    for suffix in [
        "预算安排",
        "安排",
        "年初预算为",
        "预算为",
        "为",
        "年初",
        "预算",
        "各",
    ] {
        // (收入预算 / 支出预算 name the totals: not cut down to 收入 / 支出.)
        if let Some(r) = s.strip_suffix(suffix)
            && !matches!(r, "收入" | "支出")
        {
            s = r.to_string();
        }
    }
    s
}

/// Extracts facts from the narrative lines `(line number, text)`.
pub fn extract_facts(lines: &[(usize, &str)]) -> Vec<NarrativeFact> {
    let mut facts = Vec::new();
    for Paragraph {
        heading,
        text: para,
        lines: parts,
    } in paragraphs(lines)
    {
        let line = parts.first().map_or(0, |l| l.1);
        let topic = topic_of(&heading);
        // The item the last value (for 占X%) and the last fact of any kind (for 增长X%) named.
        let mut current_item: Option<(String, String)> = None;
        let mut last_item: Option<(String, String)> = None;
        for sentence in para.split_inclusive(['。', '；', ';']) {
            let mut clause_start = 0;
            let mut last_end = 0;
            for m in NUMBER.captures_iter(sentence) {
                let whole = m.get(0).unwrap();
                let num = m.get(1).unwrap();
                let unit = m.get(2).unwrap().as_str();
                let after = &sentence[whole.end()..];
                if after.starts_with("以上")
                    || after.starts_with("以下")
                    || after.starts_with("(含)")
                {
                    continue;
                }
                // The clause: from the last delimiter before the number.
                let before = &sentence[last_end.max(clause_start)..num.start()];
                let cut = before
                    .char_indices()
                    .filter(|(_, c)| matches!(c, ',' | '，' | '、' | ':' | '：' | ';' | '；'))
                    .map(|(i, c)| i + c.len_utf8())
                    .next_back()
                    .unwrap_or(0);
                let clause = &before[cut..];
                last_end = whole.end();
                let Ok(printed) = parse_printed(num.as_str()) else {
                    continue;
                };
                let change = direction(clause);
                let (relation, label) = if unit == "%" {
                    if clause.contains('占') {
                        ("share", String::new())
                    } else if change.is_some() {
                        ("change_pct", String::new())
                    } else {
                        ("value", clean_label(clause))
                    }
                } else if change.is_some() {
                    let word = ["增加", "增长", "减少", "下降", "降低", "上升"]
                        .iter()
                        .find_map(|w| clause.find(w))
                        .unwrap_or(clause.len());
                    ("change", clean_label(&clause[..word]))
                } else {
                    ("value", clean_label(clause))
                };
                let item_label = if unit == "个项目" {
                    "项目".to_string()
                } else {
                    label.clone()
                };
                let inherited = if relation == "change_pct" {
                    &last_item
                } else {
                    &current_item
                };
                let item = match (relation, item_of(&item_label)) {
                    ("value", Some(i)) => i.to_string(),
                    ("value", None) => "other".to_string(),
                    (_, Some(i)) if !label.is_empty() => i.to_string(),
                    _ => inherited
                        .as_ref()
                        .map_or("other".to_string(), |(i, _)| i.clone()),
                };
                let shown_label = if unit == "个项目" {
                    "项目".to_string()
                } else if label.is_empty() || !matches!(relation, "value" | "change") {
                    inherited
                        .as_ref()
                        .map(|(_, l)| l.clone())
                        .unwrap_or(label.clone())
                } else {
                    label.clone()
                };
                if relation == "value" {
                    current_item = Some((item.clone(), shown_label.clone()));
                }
                last_item = Some((item.clone(), shown_label.clone()));
                let money = match unit {
                    "万元" => Some(MoneyUnit::WanYuan),
                    "元" => Some(MoneyUnit::Yuan),
                    _ => None,
                };
                let amount = match (money, unit) {
                    (Some(u), _) => u.to_yuan(printed.value),
                    (None, "亿元") => {
                        MoneyUnit::Yuan.to_yuan(printed.value * Decimal::from(100_000_000))
                    }
                    _ => None,
                };
                let relation_key = match relation {
                    "value" if amount.is_none() && unit != "%" => "count",
                    r => r,
                };
                let fact_key = match relation_key {
                    "value" | "count" => format!("{topic}.{item}"),
                    r => format!("{topic}.{item}.{r}"),
                };
                facts.push(NarrativeFact {
                    fact_key,
                    topic: topic.to_string(),
                    item,
                    relation: relation_key,
                    label: shown_label,
                    amount,
                    number: printed.value,
                    unit_text: unit
                        .trim_start_matches('个')
                        .replace("项目", "个")
                        .to_string(),
                    direction: change,
                    section: heading.clone(),
                    sentence: sentence.to_string(),
                    source_line: line as i32,
                });
                clause_start = whole.end();
            }
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<(String, String)> {
        let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
        extract_facts(&lines)
            .into_iter()
            .map(|f| (f.fact_key, f.number.to_string()))
            .collect()
    }

    #[test]
    fn shares_changes_and_sections() {
        let k = keys(
            "### 三、支出预算总体情况说明\n\n某单位 2024 年支出合计 827.29 万元,其中:基本 支出 283.17 万元,占 34%;项目支出 544.12 万元,占 66%。\n",
        );
        assert_eq!(
            k,
            vec![
                ("expenditure.expenditure".into(), "827.29".into()),
                ("expenditure.basic".into(), "283.17".into()),
                ("expenditure.basic.share".into(), "34".into()),
                ("expenditure.project".into(), "544.12".into()),
                ("expenditure.project.share".into(), "66".into()),
            ]
        );
        let k = keys(
            "### (一)机构运行经费支出预算情况\n\n机构运行经费支出预算22.68万元,主要保障运转。预算数比2023年增加8.69万元。\n",
        );
        assert_eq!(k[1], ("operating_cost.total.change".into(), "8.69".into()));
    }

    #[test]
    fn reads_thousands_separators() {
        let k = keys(
            "### 一、收入支出预算总体情况说明\n\n某局2025年收入总计1,234.56万元,支出总计12,345元。\n",
        );
        assert_eq!(
            k,
            vec![
                ("summary.income_total".into(), "1234.56".into()),
                ("summary.expenditure_total".into(), "12345".into()),
            ]
        );
    }

    #[test]
    fn names_the_whole_units_income_as_its_total() {
        // Shanghai 单位预算, Shenzhen, Yantai (其中 the 一般公共预算 part only).
        let k = keys(
            "### 编制说明\n\n2026年，本单位收入预算28,828万元，其中：财政拨款收入28,828万元。\n### 第二部分 部门预算收支总体情况\n\n2026年本部门预算收入10,737.69万元。其中：一般公共预算收入2,123.11万元。\n",
        );
        assert_eq!(
            k,
            vec![
                ("summary.income_total".into(), "28828".into()),
                ("summary.fiscal_income".into(), "28828".into()),
                ("summary.income_total".into(), "10737.69".into()),
                ("summary.gpb_income".into(), "2123.11".into()),
            ]
        );
    }

    #[test]
    fn joins_sentences_broken_by_page_breaks_and_skips_thresholds() {
        let k = keys(
            "### 五、一般公共预算支出预算情况说明\n\n其中:基本支出 283.17 万元,占 34%;项目支出\n\n544.12 万元, 占 66%。\n### (四)国有资产占用情况\n\n单位价值50万 元以上通用设备0套。\n",
        );
        assert!(k.contains(&("gpb.project".into(), "544.12".into())));
        assert!(k.contains(&("assets.equipment_general".into(), "0".into())));
        assert!(!k.iter().any(|(_, v)| v == "50"));
    }
}
