//! Who and what a PDF is about, from its cover and table titles: the unit named after a
//! label (`部门：…`), in a table title, or beside the year on the cover. Knows nothing about
//! tables' contents.

use crate::ingest::meta::without_year;

/// The name a line gives after `key`: `部门：江苏省人民检察院  单位：万元` (the name in the
/// label's span or the next; the unit statement after it is not part of it).
pub(super) fn name_after(line: &str, key: &str) -> Option<String> {
    let rest = line.strip_prefix(key)?;
    let name = ["单位：", "单位:"]
        .iter()
        .filter_map(|u| rest.find(u))
        .min()
        .map_or(rest, |end| &rest[..end]);
    (!name.is_empty()).then(|| name.to_string())
}

/// The unit a table title names before the table's own name:
/// `五、2017年度江苏省高级人民法院部门财政拨款支出预算表` → 江苏省高级人民法院.
pub(super) fn unit_in_title(title: &str) -> Option<String> {
    let t = crate::model::classification::strip_enumerator(title);
    let t = without_year(&t);
    let start = [
        "收支",
        "收入",
        "支出",
        "财政拨款",
        "一般公共预算",
        "政府性基金",
        "“三公”",
        "\"三公\"",
        "政府采购",
    ]
    .iter()
    .filter_map(|w| t.find(w))
    .min()?;
    let name = t[..start].trim_end_matches("部门");
    // (A table's number before its name — `预算01表收支总表` — names no unit, and neither
    // does a fund — `国有资本经营预算支出表` — nor a level of government's tables —
    // `2026年市级部门项目支出预算表`.)
    let level = ["市级", "省级", "区级", "县级", "本级"]
        .iter()
        .any(|l| name.starts_with(l));
    (name.chars().count() >= 4
        && !level
        && !name.contains("部门")
        && !name.ends_with('表')
        && !name.ends_with("预算")
        && !name.ends_with("项目")
        && !name.contains(|c: char| c.is_ascii_digit()))
    .then(|| name.to_string())
}

/// The unit a cover's title names beside the year: `江苏省委办公厅2017年度部门预算`,
/// `2018年度江苏省高级人民法院预算公开` → the name.
pub(super) fn unit_on_cover(title: &str) -> Option<String> {
    let year_at = crate::ingest::meta::year_position(title)?;
    let name = if year_at > 0 {
        &title[..year_at]
    } else {
        let rest = without_year(title);
        ["部门预算", "单位预算", "预算"]
            .iter()
            .find_map(|w| rest.find(w))
            .map_or(rest, |end| &rest[..end])
    };
    // (`北京市信访办公室部门2026年度部门预算`: the unit is 北京市信访办公室.)
    let name = name.trim_end_matches("部门");
    (name.chars().count() >= 4).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_is_what_stands_before_the_year() {
        for (title, unit) in [
            ("江苏省委办公厅2017年度部门预算", "江苏省委办公厅"),
            ("2018年度江苏省高级人民法院预算公开", "江苏省高级人民法院"),
            ("北京市信访办公室部门2026年度部门预算", "北京市信访办公室"),
            (
                "北京市人民政府国有资产监督管理委员会2026部门预算情况的说明",
                "北京市人民政府国有资产监督管理委员会",
            ),
        ] {
            assert_eq!(unit_on_cover(title).as_deref(), Some(unit), "{title}");
        }
        assert_eq!(unit_on_cover("部门预算情况的说明"), None);
    }

    #[test]
    fn a_table_title_names_a_unit_only_before_the_tables_name() {
        assert_eq!(
            unit_in_title("五、2017年度江苏省高级人民法院部门财政拨款支出预算表").as_deref(),
            Some("江苏省高级人民法院")
        );
        for no_unit in [
            "2026年市级部门项目支出预算表",
            "2026年市级部门收支预算总表",
            "预算01表收支总表",
            "国有资本经营预算支出表",
        ] {
            assert_eq!(unit_in_title(no_unit), None, "{no_unit}");
        }
    }
}
