//! The 预算说明 of a generated document, written as text in the phrasings of the corpus
//! families and read back with ingest's own readers (`ingest::narrative`,
//! `ingest::claims`), so that generated facts and claims are what ingest would make of
//! the text — and a planted narrative error is a change to the text.
//!
//! Phrasings (one per document, by the unit's seed): Henan (收支总计各增加…，增长…),
//! Jiangsu (与上年相比… on a line of its own; 款/项 items), Shanghai district (per-项
//! 执行数 comparisons), Beijing (比上年年初预算数X万元减少Y万元，下降Z%), Chongqing (其中：
//! 基本支出…，比上年增加…), Zhejiang (比上年执行数…), Guangzhou (公务用车 parts in
//! parentheses), Shenzhen (较X年年初预算减少…，下降…%), Yantai (增减变化情况 with its
//! numbered list, figures printed without trailing zeros, 与上年基本持平), Changsha
//! (较去年增加…，上升…%), Jiangsu municipal (收、支预算总计各增加…, 减少N% for a fall) and
//! the Shanghai municipal 单位预算 (其中：财政拨款收入…，比X年预算增加…；事业收入…).
//! Owns no numbers: they come from the budgets.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::budget::{Amount, Budget};
use super::catalog::function_name;
use crate::ingest::claims::{extract_claims, resolve_codes};
use crate::ingest::narrative::extract_facts;
use crate::model::{LineItem, NarrativeClaim, NarrativeFact};

/// A corpus family's way of stating figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Henan,
    Jiangsu,
    Shanghai,
    Beijing,
    Chongqing,
    Zhejiang,
    Guangzhou,
    Shenzhen,
    Yantai,
    Changsha,
    JiangsuCity,
    ShanghaiUnit,
}

impl Style {
    pub const ALL: [Style; 12] = [
        Style::Henan,
        Style::Jiangsu,
        Style::Shanghai,
        Style::Beijing,
        Style::Chongqing,
        Style::Zhejiang,
        Style::Guangzhou,
        Style::Shenzhen,
        Style::Yantai,
        Style::Changsha,
        Style::JiangsuCity,
        Style::ShanghaiUnit,
    ];

    pub fn of_seed(seed: u64) -> Style {
        Style::ALL[(seed % Style::ALL.len() as u64) as usize]
    }
}

/// `v` hundredths of 万元 as printed: `827.29`.
fn wan(v: Amount) -> String {
    super::document::wan_text(v)
}

/// `v` as Yantai prints it: no trailing zeros (`419`, `12.5`, `2,123.11`).
fn wan_short(v: Amount) -> String {
    let s = wan(v);
    match s.split_once('.') {
        Some((int, dec)) => match dec.trim_end_matches('0') {
            "" => int.to_string(),
            d => format!("{int}.{d}"),
        },
        None => s,
    }
}

/// `part` ÷ `whole` × 100, rounded half up to `decimals`.
pub fn pct(part: Amount, whole: Amount, decimals: u32) -> String {
    if whole == 0 {
        return "0".into();
    }
    let exact = Decimal::from(part) * Decimal::from(100) / Decimal::from(whole);
    exact
        .round_dp_with_strategy(
            decimals,
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        )
        .to_string()
}

/// A change from `before` to `now` in words: (增加/减少, 增长/下降, |change|).
fn words(now: Amount, before: Amount) -> (&'static str, &'static str, Amount) {
    if now >= before {
        ("增加", "增长", now - before)
    } else {
        ("减少", "下降", before - now)
    }
}

/// The gpb spending of each 项 (7-digit code).
fn gpb_items(b: &Budget) -> BTreeMap<&'static str, Amount> {
    let mut m: BTreeMap<&'static str, Amount> = BTreeMap::new();
    for l in &b.basic {
        *m.entry(l.function_code).or_default() += l.amount;
    }
    for p in &b.projects {
        if p.gpb > 0 {
            *m.entry(p.function_code).or_default() += p.gpb;
        }
    }
    m
}

/// The narrative's lines (`### ` headings and sentences).
pub fn lines(b: &Budget, prev: &Budget, style: Style) -> Vec<String> {
    let y = b.year;
    let py = y - 1;
    let mut out: Vec<String> = Vec::with_capacity(40);
    let h = |out: &mut Vec<String>, s: &str| out.push(format!("### {s}"));
    let (total, ptotal) = (b.total(), prev.total());
    let (basic, project) = (b.basic_total(), b.project_total());
    let (pbasic, pproject) = (prev.basic_total(), prev.project_total());
    let (inc, grow, d) = words(total, ptotal);

    // 一、收支总体.
    h(&mut out, "一、收入支出预算总体情况说明");
    match style {
        Style::Henan => out.push(format!(
            "{y}年收入预算总计{t}万元,支出预算总计{t}万元。与上年相比收支总计各{inc}{}万元,{grow}{}%。",
            wan(d),
            pct(d, ptotal, 2),
            t = wan(total)
        )),
        Style::Jiangsu => {
            out.push(format!("（一）收入预算总计{}万元。", wan(total)));
            out.push(format!(
                "与上年相比{inc}{}万元，{grow}{}%。",
                wan(d),
                pct(d, ptotal, 2)
            ));
        }
        Style::Beijing => out.push(format!(
            "{y}年度收入预算{}万元，比{py}年年初预算数{}万元{inc}{}万元，{grow}{}%。",
            wan(total),
            wan(ptotal),
            wan(d),
            pct(d, ptotal, 2)
        )),
        Style::Zhejiang | Style::Guangzhou => out.push(format!(
            "{y}年收入预算{}万元，比上年预算数{inc}{}万元，{grow}{}%，主要原因是人员经费调整。",
            wan(total),
            wan(d),
            pct(d, ptotal, 1)
        )),
        Style::Shanghai | Style::Chongqing => {
            out.push(format!(
                "{y}年收入预算{}万元，比{py}年预算{inc}{}万元。",
                wan(total),
                wan(d)
            ));
        }
        Style::Shenzhen => {
            for side in ["收入", "支出"] {
                out.push(format!(
                    "{y}年本部门预算{side}{}万元，较{py}年年初预算{inc}{}万元，{grow}{}%。",
                    wan(total),
                    wan(d),
                    pct(d, ptotal, 1)
                ));
            }
        }
        Style::Yantai => {
            let (gi, _, gd) = words(b.gpb(), prev.gpb());
            let (bi, _, bd) = words(basic, pbasic);
            let (pi, _, pd) = words(project, pproject);
            out.push(format!(
                "（一）收入预算：{y}年收入预算{}万元，其中：一般公共预算收入{}万元。",
                wan_short(total),
                wan_short(b.gpb())
            ));
            out.push(format!(
                "（二）支出预算：{y}年支出预算{}万元，其中：基本支出{}万元，项目支出{}万元。",
                wan_short(total),
                wan_short(basic),
                wan_short(project)
            ));
            out.push(format!(
                "（三）增减变化情况：{y}年收支预算{}万元，比上年{inc}{}万元，其中：",
                wan_short(total),
                wan_short(d)
            ));
            out.push(format!(
                "1.收入预算{inc}{}万元，其中一般公共预算收入{gi}{}万元。",
                wan_short(d),
                wan_short(gd)
            ));
            out.push(format!(
                "2.支出预算{inc}{}万元，其中基本支出{bi}{}万元，项目支出{pi}{}万元。",
                wan_short(d),
                wan_short(bd),
                wan_short(pd)
            ));
        }
        Style::Changsha => {
            let up = if total >= ptotal { "上升" } else { "下降" };
            out.push(format!("{y}年部门收入预算总计{}万元。", wan(total)));
            for side in ["收入", "支出"] {
                out.push(format!(
                    "{side}较去年{inc}{}万元，{up}{}%。",
                    wan(d),
                    pct(d, ptotal, 2)
                ));
            }
        }
        Style::JiangsuCity => {
            let fall = if total >= ptotal { "增长" } else { "减少" };
            out.push(format!(
                "本部门{y}年度收入、支出预算总计{}万元，与上年相比收、支预算总计各{inc}{}万元，{fall}{}%。",
                wan(total),
                wan(d),
                pct(d, ptotal, 2)
            ));
        }
        Style::ShanghaiUnit => {
            let (gi, _, gd) = words(b.gpb(), prev.gpb());
            out.push(format!(
                "{y}年，本单位收入预算{}万元，其中：财政拨款收入{}万元，比{py}年预算{gi}{}万元；事业收入{}万元；事业单位经营收入0万元；其他收入0万元。",
                wan(total),
                wan(b.gpb()),
                wan(gd),
                wan(b.business())
            ));
        }
    }

    // 二、支出 and its parts.
    h(&mut out, "二、支出预算总体情况说明");
    match style {
        Style::Chongqing => {
            let (bi, _, bd) = words(basic, pbasic);
            let (pi, _, pd) = words(project, pproject);
            out.push(format!(
                "{y}年支出合计{}万元。其中：基本支出{}万元，主要用于保障机构正常运转，比{py}年{bi}{}万元；项目支出{}万元，主要用于完成专项工作，比{py}年{pi}{}万元。",
                wan(total),
                wan(basic),
                wan(bd),
                wan(project),
                wan(pd)
            ));
        }
        Style::Jiangsu => {
            out.push(format!("本年支出预算合计{}万元，其中：", wan(total)));
            out.push(format!(
                "基本支出{}万元，占{}%；",
                wan(basic),
                pct(basic, total, 2)
            ));
            out.push(format!(
                "项目支出{}万元，占{}%。",
                wan(project),
                pct(project, total, 2)
            ));
        }
        _ => out.push(format!(
            "{y}年支出合计{}万元,其中:基本支出{}万元,占{}%;项目支出{}万元,占{}%。",
            wan(total),
            wan(basic),
            pct(basic, total, 2),
            wan(project),
            pct(project, total, 2)
        )),
    }

    // 三、一般公共预算支出, by 项: the largest three.
    h(&mut out, "三、一般公共预算支出预算情况说明");
    let now_items = gpb_items(b);
    let before_items = gpb_items(prev);
    let mut largest: Vec<(&str, Amount)> = now_items.iter().map(|(c, v)| (*c, *v)).collect();
    largest.sort_by_key(|(c, v)| (std::cmp::Reverse(*v), *c));
    // The largest 类, as the Shanghai municipal 单位预算 states it.
    let mut classes: BTreeMap<&str, Amount> = BTreeMap::new();
    for (code, v) in &now_items {
        *classes.entry(&code[..3]).or_default() += v;
    }
    if let Some((class, v)) = classes
        .iter()
        .max_by_key(|(c, v)| (**v, std::cmp::Reverse(**c)))
    {
        out.push(format!(
            "按支出功能分类，“{}”科目{}万元。",
            function_name(class, y),
            wan(*v)
        ));
    }
    for (n, (code, now)) in largest.into_iter().take(3).enumerate() {
        let before = before_items.get(code).copied().unwrap_or(0);
        let (class, kuan, item) = (
            function_name(&code[..3], y),
            function_name(&code[..5], y),
            function_name(code, y),
        );
        let n = n + 1;
        let (inc, grow, d) = words(now, before);
        let change = if before == 0 {
            "上年无此项支出".to_string()
        } else if d == 0 {
            "与上年持平".to_string()
        } else {
            match style {
                Style::Zhejiang => format!(
                    "比上年执行数{inc}{}万元，{grow}{}%",
                    wan(d),
                    pct(d, before, 1)
                ),
                Style::Jiangsu => format!(
                    "与上年相比{inc}{}万元，{grow}{}%",
                    wan(d),
                    pct(d, before, 2)
                ),
                Style::JiangsuCity => {
                    let fall = if now >= before { "增长" } else { "减少" };
                    format!(
                        "与上年相比{inc}{}万元，{fall}{}%",
                        wan(d),
                        pct(d, before, 2)
                    )
                }
                Style::Changsha => {
                    let up = if now >= before { "上升" } else { "下降" };
                    format!("较去年{inc}{}万元，{up}{}%", wan(d), pct(d, before, 2))
                }
                Style::Shenzhen => {
                    format!("较上年{inc}{}万元，{grow}{}%", wan(d), pct(d, before, 1))
                }
                // (Guangzhou prints growth as a whole percent.)
                Style::Guangzhou => {
                    format!("比上年{inc}{}万元，{grow}{}%", wan(d), pct(d, before, 0))
                }
                _ => format!("比上年{inc}{}万元，{grow}{}%", wan(d), pct(d, before, 2)),
            }
        };
        match style {
            Style::Shanghai if before > 0 => {
                out.push(format!(
                    "{n}.“{class}（类）{kuan}（款）{item}（项）”{}万元，主要用于{item}。",
                    wan(now)
                ));
                out.push(format!(
                    "{py}年当年预算执行数为{}万元，{y}年预算安排{}万元，比{py}年预算执行数{inc}{}%。",
                    wan(before),
                    wan(now),
                    pct(d, before, 2)
                ));
            }
            Style::Jiangsu | Style::Zhejiang | Style::JiangsuCity => out.push(format!(
                "{n}.{kuan}（款）{item}（项）支出{}万元，{change}。",
                wan(now)
            )),
            _ => out.push(format!(
                "{n}.{class}（类）{kuan}（款）{item}（项）{}万元，{change}。",
                wan(now)
            )),
        }
    }
    // A fund with nothing this year.
    match style {
        Style::Shanghai | Style::Beijing => out.push(format!(
            "政府性基金拨款支出预算0.00万元，与{py}年预算持平。"
        )),
        _ => out.push("政府性基金预算拨款支出0.00万元，与上年持平。".to_string()),
    }

    // 四、一般公共预算基本支出.
    h(&mut out, "四、一般公共预算基本支出预算情况说明");
    out.push(format!(
        "{y}年一般公共预算基本支出{}万元,其中人员经费支出{}万元,公用经费支出{}万元。",
        wan(basic),
        wan(b.personnel()),
        wan(b.public())
    ));

    // 五、"三公".
    let tp = b.three_public;
    h(&mut out, "五、一般公共预算\"三公\"经费支出预算情况说明");
    match style {
        Style::Guangzhou => {
            let pt = prev.three_public;
            let (ci, cg, cd) = words(tp.car(), pt.car());
            let (pi, _, pd) = words(tp.car_purchase, pt.car_purchase);
            let (oi, _, od) = words(tp.car_operation, pt.car_operation);
            out.push(format!(
                "{y}年\"三公\"经费支出预算{}万元,其中因公出国(境)费{}万元,公务接待费{}万元。",
                wan(tp.total()),
                wan(tp.abroad),
                wan(tp.reception)
            ));
            let pct_part = if pt.car() > 0 && cd > 0 {
                format!("，{cg}{}%", pct(cd, pt.car(), 1))
            } else {
                String::new()
            };
            out.push(format!(
                "公务用车购置及运行费{}万元（公务用车购置费{}万元，比上年{pi}{}万元；公务用车运行维护费{}万元，比上年{oi}{}万元。）比上年{ci}{}万元{pct_part}。",
                wan(tp.car()),
                wan(tp.car_purchase),
                wan(pd),
                wan(tp.car_operation),
                wan(od),
                wan(cd),
            ));
        }
        Style::Yantai | Style::ShanghaiUnit => {
            // Each part with its change, or 持平 where it has none.
            let pt = prev.three_public;
            let (was, same) = match style {
                Style::Yantai => ("上年".to_string(), "与上年基本持平".to_string()),
                _ => (format!("{py}年预算"), format!("与{py}年预算持平")),
            };
            let amount = |v: Amount| match style {
                Style::Yantai => wan_short(v),
                _ => wan(v),
            };
            let cmp = |now: Amount, before: Amount| {
                let (i, _, d) = words(now, before);
                if d == 0 {
                    same.clone()
                } else {
                    format!("比{was}{i}{}万元", amount(d))
                }
            };
            out.push(format!(
                "{y}年“三公”经费预算数为{}万元，{}。",
                amount(tp.total()),
                cmp(tp.total(), pt.total())
            ));
            for (n, name, now, before) in [
                (1, "因公出国（境）费", tp.abroad, pt.abroad),
                (2, "公务用车购置及运行费", tp.car(), pt.car()),
                (3, "公务接待费", tp.reception, pt.reception),
            ] {
                out.push(format!("{n}.{name}{}万元，{}。", amount(now), cmp(now, before)));
            }
        }
        _ => out.push(format!(
            "{y}年\"三公\"经费支出预算{}万元,其中因公出国(境)费{}万元,公务接待费{}万元,公务用车购置及运行费{}万元。",
            wan(tp.total()),
            wan(tp.abroad),
            wan(tp.reception),
            wan(tp.car())
        )),
    }

    // (一) 机构运行经费.
    let (oc, poc) = (b.public(), prev.public());
    let (oi, og, od) = words(oc, poc);
    h(&mut out, "(一)行政(事业)单位机构运行经费支出预算情况");
    match style {
        Style::Beijing | Style::Zhejiang if poc > 0 && od > 0 => out.push(format!(
            "{y}年机构运行经费支出预算{}万元,比上年{oi}{}万元,{og}{}%。",
            wan(oc),
            wan(od),
            pct(od, poc, 2)
        )),
        _ => out.push(format!(
            "{y}年机构运行经费支出预算{}万元,比上年{oi}{}万元。",
            wan(oc),
            wan(od)
        )),
    }

    // (三) 绩效.
    h(&mut out, "(三)预算绩效情况说明");
    out.push(format!(
        "{y}年实行绩效目标管理的项目{}个,涉及项目预算资金{}万元。",
        b.projects.len(),
        wan(project)
    ));
    out
}

/// What ingest reads from `lines` numbered from `first_line`: facts and claims (the
/// claims' 功能分类 names resolved through `items`).
pub fn read(
    lines: &[String],
    first_line: i32,
    year: i32,
    items: &[LineItem],
) -> (Vec<NarrativeFact>, Vec<NarrativeClaim>) {
    let numbered: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (first_line as usize + i, l.as_str()))
        .collect();
    let facts = extract_facts(&numbered);
    let mut claims = extract_claims(&numbered, year);
    resolve_codes(&mut claims, items);
    (facts, claims)
}
