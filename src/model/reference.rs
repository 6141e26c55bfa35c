//! Classification reference data shipped in `datasets/reference/` and compiled into the
//! binary: 功能分类 codes with their names by year, 部门经济分类 and 政府经济分类 codes, and
//! the 部门 → 政府 mapping. Owns the name lookup (`class_name`; levels and parents are
//! `classification`'s, re-exported here for the SQL functions); the engine
//! registers the same CSVs as tables. Rows marked `unconfirmed` in the CSVs are kept and
//! say so (see `datasets/reference/README.md`).

use std::collections::HashMap;
use std::sync::OnceLock;

pub use super::classification::{class_level, class_parent, class_prefix};

/// 功能分类: `code,level,parent,name,first_year,last_year,status,source`.
pub const FUNCTION_CLASS_CSV: &str = include_str!("../../datasets/reference/func_class.csv");
/// 部门预算支出经济分类: `code,level,parent,name,status`.
pub const DEPT_ECON_CSV: &str = include_str!("../../datasets/reference/dept_econ.csv");
/// 政府预算支出经济分类: `code,level,parent,name,status`.
pub const GOV_ECON_CSV: &str = include_str!("../../datasets/reference/gov_econ.csv");
/// 部门 → 政府 经济分类: `dept_code,unit_type,gov_code,status`.
pub const ECON_MAP_CSV: &str = include_str!("../../datasets/reference/econ_map.csv");

/// One named code of a classification.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassName {
    pub code: &'static str,
    /// The code one level up (empty for a 类).
    pub parent: &'static str,
    pub name: &'static str,
    /// The years the name is known to be printed (function classes from documents).
    pub years: Option<(i32, i32)>,
    /// `confirmed`, `unconfirmed`, `former name` or `printed`.
    pub status: &'static str,
}

fn parse(
    csv: &'static str,
    code: usize,
    name: usize,
    status: usize,
    years: Option<(usize, usize)>,
) -> Vec<ClassName> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&'static str> = l.split(',').collect();
            let year = |i: usize| f.get(i).and_then(|y| y.parse::<i32>().ok());
            ClassName {
                code: f[code],
                // (Every classification CSV has `parent` as its third column.)
                parent: f.get(2).copied().unwrap_or(""),
                name: f[name],
                years: years.and_then(|(a, b)| Some((year(a)?, year(b)?))),
                status: f.get(status).copied().unwrap_or(""),
            }
        })
        .collect()
}

/// Every named code: 功能分类 first, then 部门 and 政府 经济分类.
fn names() -> &'static [ClassName] {
    static NAMES: OnceLock<Vec<ClassName>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut v = parse(FUNCTION_CLASS_CSV, 0, 3, 6, Some((4, 5)));
        v.extend(parse(DEPT_ECON_CSV, 0, 3, 4, None));
        v.extend(parse(GOV_ECON_CSV, 0, 3, 4, None));
        v
    })
}

/// The 部门预算支出经济分类 code whose name is `name`: a 类 where `parent` is None, else a 款
/// of the 类 `parent`; None unless exactly one code has that name there (for tables that
/// print 经济分类 names without codes, their level shown by indentation).
pub fn dept_econ_code(name: &str, parent: Option<&str>) -> Option<&'static str> {
    // (Parentheses are printed half- or full-width: 维修(护)费, 维修（护）费.)
    let full = |s: &str| s.replace('(', "（").replace(')', "）");
    let name = full(name);
    let mut found = names()
        .iter()
        .filter(|n| super::classification::is_dept_econ_code(n.code))
        .filter(|n| full(n.name) == name && n.parent.is_empty() == parent.is_none())
        .filter(|n| parent.is_none_or(|want| n.parent == want))
        .map(|n| n.code);
    match (found.next(), found.next()) {
        (Some(code), None) => Some(code),
        _ => None,
    }
}

/// The name of a code (功能分类 by year where names changed; 部门/政府经济分类): the name
/// printed in `year` if known, else the one printed nearest that year, else the current
/// (confirmed) name.
pub fn class_name(code: &str, year: Option<i32>) -> Option<&'static str> {
    let candidates: Vec<&ClassName> = names().iter().filter(|n| n.code == code).collect();
    if let Some(y) = year {
        let distance = |n: &ClassName| match n.years {
            Some((a, b)) if (a..=b).contains(&y) => Some(0),
            Some((a, b)) => Some((a - y).abs().min((b - y).abs())),
            None => None,
        };
        if let Some(best) = candidates
            .iter()
            .filter_map(|n| Some((distance(n)?, *n)))
            .min_by_key(|(d, _)| *d)
        {
            return Some(best.1.name);
        }
        // 类 renamed: the former name for the years before the change.
        if y < 2019
            && let Some(former) = candidates.iter().find(|n| n.status == "former name")
        {
            return Some(former.name);
        }
    }
    candidates
        .iter()
        .find(|n| n.status == "confirmed")
        .or_else(|| candidates.iter().find(|n| n.status != "former name"))
        .or(candidates.first())
        .map(|n| n.name)
}

/// The 政府预算经济分类 款 a 部门经济分类 款 maps to for a unit type (`机关` or
/// `事业单位`), from the bundled mapping.
pub fn gov_econ_for(dept_code: &str, unit_type: &str) -> Option<&'static str> {
    static MAP: OnceLock<HashMap<(&'static str, &'static str), &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        ECON_MAP_CSV
            .lines()
            .skip(1)
            .filter_map(|l| {
                let mut f = l.split(',');
                Some(((f.next()?, f.next()?), f.next()?))
            })
            .collect()
    })
    .get(&(dept_code, unit_type))
    .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dept_econ_codes_by_name_within_their_class() {
        assert_eq!(dept_econ_code("工资福利支出", None), Some("301"));
        assert_eq!(dept_econ_code("基本工资", Some("301")), Some("30101"));
        assert_eq!(dept_econ_code("维修(护)费", Some("302")), Some("30213"));
        // (办公设备购置 is a 款 of two 类: known only within one.)
        assert_eq!(dept_econ_code("办公设备购置", None), None);
        assert_eq!(dept_econ_code("办公设备购置", Some("310")), Some("31002"));
        assert_eq!(dept_econ_code("基本工资", Some("302")), None);
    }

    #[test]
    fn names_by_year() {
        // 20805 was 行政事业单位离退休 in the 2017–2018 Jiangsu tables, 行政事业单位养老支出
        // in the 2024–2025 Shanghai ones.
        assert_eq!(class_name("20805", Some(2018)), Some("行政事业单位离退休"));
        assert_eq!(
            class_name("20805", Some(2025)),
            Some("行政事业单位养老支出")
        );
        assert_eq!(class_name("20805", Some(2016)), Some("行政事业单位离退休"));
        // 类: the current name, the former one before the 2019 reform.
        assert_eq!(class_name("210", None), Some("卫生健康支出"));
        assert_eq!(
            class_name("210", Some(2017)),
            Some("医疗卫生与计划生育支出")
        );
        // 经济分类.
        assert_eq!(class_name("30231", None), Some("公务用车运行维护费"));
        assert_eq!(class_name("50202", None), Some("会议费"));
        assert_eq!(class_name("9999999", None), None);
        assert_eq!(gov_econ_for("30231", "机关"), Some("50208"));
        assert_eq!(gov_econ_for("30231", "事业单位"), Some("50502"));
        assert_eq!(gov_econ_for("39999", "机关"), None);
    }
}
