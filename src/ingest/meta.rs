//! One document's metadata — year, kind (预算/决算), scope (部门/单位), unit name, region —
//! from what its reader found, by the same rules for every format.
//!
//! The readers (`text`, `pdf`) own finding the inputs: the title, the table titles, the
//! cover's text, the unit names printed in 部门/单位名称 lines, the projects. This module
//! owns the rules that turn them into a [`Resolved`]; it knows nothing about layouts.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::Overrides;
use crate::model::{DocumentKind, DocumentMeta, Project, Scope};

/// A year as printed in titles: `2024年`, `2024 年度`.
pub(crate) static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})\s*年").expect("valid regex"));

/// The year a text prints with 年 (`2025年预算数`), if any.
pub(crate) fn first_year_with_nian(text: &str) -> Option<i32> {
    YEAR.captures(text).and_then(|c| c[1].parse().ok())
}

/// A year written straight before what it dates, without 年: `2026部门预算情况的说明`.
static BARE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9])((?:19|20)\d{2})\s*(?:部门|单位)?(?:预算|决算)").expect("valid regex")
});

/// The first year printed in any of `texts` (`2024年`, or a year straight before
/// 部门预算/单位预算/预算/决算 when no text has one with 年).
pub(crate) fn first_year<'a>(texts: impl IntoIterator<Item = &'a str> + Clone) -> Option<i32> {
    let find = |re: &Regex| {
        texts
            .clone()
            .into_iter()
            .find_map(|t| re.captures(t).and_then(|c| c[1].parse().ok()))
    };
    find(&YEAR).or_else(|| find(&BARE_YEAR))
}

/// Where the first year printed in `text` starts (byte index): `2026年`, or a year straight
/// before 部门预算/预算/决算 (`…委员会2026部门预算情况的说明`).
pub(crate) fn year_position(text: &str) -> Option<usize> {
    [&*YEAR, &*BARE_YEAR]
        .iter()
        .find_map(|re| re.captures(text).and_then(|c| c.get(1)).map(|m| m.start()))
}

/// 决算 when the title or most table titles say so, else 预算.
pub(crate) fn document_kind(title: &str, table_titles: &[String]) -> DocumentKind {
    let finals = table_titles.iter().filter(|t| t.contains("决算")).count();
    if title.contains("决算") || finals * 2 > table_titles.len() {
        DocumentKind::FinalAccounts
    } else {
        DocumentKind::Budget
    }
}

/// 单位 for one budget unit — a 单位预算/决算 title, or 本级 in the title or the unit's name
/// (the department's own unit without its subordinates) — else 部门.
pub(crate) fn scope(title: &str, unit_name: &str) -> Scope {
    let says_unit = title.contains("单位预算") || title.contains("单位决算");
    let says_department = title.contains("部门预算") || title.contains("部门决算");
    if title.contains("本级") || unit_name.contains("本级") || says_unit && !says_department {
        Scope::Unit
    } else {
        Scope::Department
    }
}

/// The most frequent name (ties broken alphabetically).
pub(crate) fn most_common(names: &[String]) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for n in names {
        *counts.entry(n.as_str()).or_default() += 1;
    }
    let mut v: Vec<(&str, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.first().map(|(n, _)| n.to_string())
}

/// `2018年度江苏省…` without its leading year.
pub(crate) fn without_year(text: &str) -> &str {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if digits != 4 {
        return text;
    }
    let rest = &text[4..];
    rest.strip_prefix("年度")
        .or_else(|| rest.strip_prefix('年'))
        .unwrap_or(text)
}

/// What a reader found that the metadata is made of.
pub struct Found<'a> {
    /// The document's title (the cover's largest lines, or the first heading).
    pub title: &'a str,
    pub table_titles: &'a [String],
    /// Further text where a year or a division may be printed (the cover page), by line.
    pub cover: &'a str,
    /// The unit names printed in the document (部门/单位名称 lines); the most common wins.
    pub unit_names: &'a [String],
    /// The reader's own guess at the unit when it found no name printed.
    pub unit_fallback: String,
    pub projects: &'a [Project],
}

/// A document's metadata. `year` is None when nothing states it and no override gives it
/// (the reader says so in its own terms).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub year: Option<i32>,
    pub kind: DocumentKind,
    pub scope: Scope,
    pub unit_name: String,
    pub region: Option<String>,
    pub region_code: Option<String>,
}

impl Resolved {
    /// The document's metadata, with what the reader read itself: the title, the year it
    /// settled on (this one, an override, or its own stand-in), the unit code printed in
    /// its rows and the unit its amounts are printed in.
    pub fn into_meta(
        self,
        title: String,
        year: i32,
        unit_code: Option<String>,
        amount_unit: &'static str,
    ) -> DocumentMeta {
        DocumentMeta {
            title,
            kind: self.kind,
            scope: self.scope,
            year,
            region: self.region,
            region_code: self.region_code,
            unit_name: self.unit_name,
            unit_name_printed: String::new(),
            unit_code,
            amount_unit,
        }
    }
}

/// The metadata of a document from what its reader found.
pub fn resolve(found: &Found, overrides: &Overrides) -> Resolved {
    let year = overrides.year.or_else(|| {
        first_year(
            std::iter::once(found.title)
                .chain(found.table_titles.iter().map(String::as_str))
                .chain(std::iter::once(found.cover)),
        )
    });
    let unit_name = most_common(found.unit_names).unwrap_or_else(|| found.unit_fallback.clone());
    let (region, region_code) = region(found, &unit_name, overrides);
    Resolved {
        year,
        kind: document_kind(found.title, found.table_titles),
        scope: scope(found.title, &unit_name),
        unit_name,
        region,
        region_code,
    }
}

/// Region: an override; else the 6-digit administrative prefix shared by most project
/// codes, named from the bundled division list; else a division the title, the unit's
/// name or the cover starts with, or the one inside a 中共… name; else the district the
/// unit's name begins with (`…区`, `…县`, `…市`). The code is the project codes' prefix or
/// the matched division's.
fn region(
    found: &Found,
    unit_name: &str,
    overrides: &Overrides,
) -> (Option<String>, Option<String>) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for p in found.projects {
        if let Some(c) = &p.project_code
            && c.len() >= 18
        {
            *counts.entry(&c[..6]).or_default() += 1;
        }
    }
    let code = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(c, _)| c.to_string());
    if let Some(r) = &overrides.region {
        return (Some(r.clone()), code);
    }
    if let Some(n) = code.as_deref().and_then(super::division_name) {
        return (Some(n.to_string()), code);
    }
    let printed = super::division_prefix(found.title)
        .or_else(|| super::division_prefix(without_year(found.title)))
        .or_else(|| super::division_prefix(unit_name))
        // 江苏省2018年度 / 省级部门预算公开报表 on the cover.
        .or_else(|| found.cover.lines().find_map(super::division_prefix))
        // 中共江苏省委办公厅: the division inside a party or people's body's name.
        .or_else(|| {
            ["中共", "中国共产党"]
                .iter()
                .find_map(|p| unit_name.strip_prefix(p))
                .and_then(super::division_prefix)
        });
    if let Some((c, name)) = printed {
        return (Some(name.to_string()), Some(c.to_string()));
    }
    // (The division inside a party body's name: 中共重庆市委宣传部 → 重庆市.)
    let name: String = unit_name.chars().filter(|c| !c.is_whitespace()).collect();
    let name = ["中共", "中国共产党"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .map_or(name.clone(), str::to_string);
    let district = ["区", "县", "市"]
        .iter()
        .filter_map(|s| name.find(s).map(|p| p + s.len()))
        .min()
        .map(|end| name[..end].to_string());
    (district, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_with_and_without_年() {
        assert_eq!(first_year(["2024 年度洛龙区…预算"]), Some(2024));
        assert_eq!(first_year(["2026部门预算情况的说明"]), Some(2026));
        assert_eq!(
            first_year(["编号12026预算"]),
            None,
            "digits of a longer number"
        );
        assert_eq!(first_year(["预算01表 收支总表"]), None);
        // (A year with 年 anywhere wins over one without.)
        assert_eq!(first_year(["2025预算", "2026年"]), Some(2026));
    }

    #[test]
    fn scope_from_the_title_and_the_unit() {
        assert_eq!(
            scope("上海市普陀区财政局2025年部门预算", "上海市普陀区财政局"),
            Scope::Department
        );
        assert_eq!(
            scope(
                "2024年洛龙区政务服务中心(本级)预算说明",
                "洛龙区政务服务中心(本级)"
            ),
            Scope::Unit
        );
        assert_eq!(
            scope("苏州市科学技术局2026年度单位预算公开", "苏州市科学技术局"),
            Scope::Unit
        );
        assert_eq!(
            scope("2018年度江苏省高级人民法院预算公开", "江苏省高级人民法院"),
            Scope::Department
        );
        assert_eq!(
            scope("深圳市民政局（本级）2026年部门预算", "深圳市民政局"),
            Scope::Unit
        );
    }

    #[test]
    fn region_falls_back_to_the_district_the_unit_names() {
        let found = Found {
            title: "2026年部门预算",
            table_titles: &[],
            cover: "",
            unit_names: &[],
            unit_fallback: String::new(),
            projects: &[],
        };
        let (name, code) = region(&found, "某某县教育局", &Overrides::default());
        assert_eq!((name.as_deref(), code), (Some("某某县"), None));
        // (Not the party's name: 中共某某市委宣传部 is of 某某市.)
        let (name, _) = region(&found, "中共某某市委宣传部", &Overrides::default());
        assert_eq!(name.as_deref(), Some("某某市"));
        // A listed city, also where the name drops its 市.
        for (unit, want) in [
            ("中共重庆市委宣传部", ("重庆市", "500000")),
            ("长沙职业教育基地综合协调办公室", ("湖南省长沙市", "430100")),
            ("湖州市交通运输局", ("浙江省湖州市", "330500")),
        ] {
            let (name, code) = region(&found, unit, &Overrides::default());
            assert_eq!(
                (name.as_deref(), code.as_deref()),
                (Some(want.0), Some(want.1))
            );
        }
        let overridden = Overrides {
            region: Some("浙江省杭州市".into()),
            ..Overrides::default()
        };
        assert_eq!(
            region(&found, "杭州市司法局", &overridden).0.as_deref(),
            Some("浙江省杭州市")
        );
    }
}
