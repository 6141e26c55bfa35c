//! Classification codes: 支出功能分类 (类/款/项, 3/5/7 digits), 部门预算支出经济分类
//! (3xx/3xxxx) and 政府预算支出经济分类 (5xx/5xxxx). Owns the canonical code form and the
//! 类-name lookup used where tables print a 类 by name only. The full per-year reference
//! lists belong to `datasets/reference/`; this module must not grow into one.

/// The level of a function code: 1 类 (3 digits), 2 款 (5), 3 项 (7).
pub fn function_level(code: &str) -> Option<i8> {
    if !code.starts_with('2') {
        return None;
    }
    class_level(code).map(|l| l as i8)
}

/// The level of any classification code (功能分类 or 经济分类) by its length: 类 = 1
/// (3 digits), 款 = 2 (5), 项 = 3 (7).
pub fn class_level(code: &str) -> Option<i32> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match code.len() {
        3 => Some(1),
        5 => Some(2),
        7 => Some(3),
        _ => None,
    }
}

/// The parent of a function or economic code (`2010350` → `20103` → `201`; a 类 has none).
pub fn class_parent(code: &str) -> Option<&str> {
    match class_level(code)? {
        2 => Some(&code[..3]),
        3 => Some(&code[..5]),
        _ => None,
    }
}

/// The code's prefix at `level` (1 = 类, 2 = 款, 3 = 项); none when the code is shorter.
pub fn class_prefix(code: &str, level: i32) -> Option<&str> {
    let own = class_level(code)?;
    let len = match level {
        1 => 3,
        2 => 5,
        3 => 7,
        _ => return None,
    };
    (level <= own).then(|| &code[..len])
}

/// Joins a function code printed in split cells (`201` `03` `50`) into its compact form.
/// Returns `None` unless the parts have the 3/2/2-digit shape.
///
/// ```
/// use yusuan::model::classification::join_function_code;
/// assert_eq!(join_function_code(&["201", "03", "50"]).as_deref(), Some("2010350"));
/// assert_eq!(join_function_code(&["208", "05"]).as_deref(), Some("20805"));
/// assert_eq!(join_function_code(&["2010350"]).as_deref(), Some("2010350"));
/// assert_eq!(join_function_code(&["208", "5", "1"]).as_deref(), Some("2080501"));
/// assert_eq!(join_function_code(&["605"]), None);
/// ```
pub fn join_function_code(parts: &[&str]) -> Option<String> {
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if parts.is_empty() || !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let code = if parts.len() == 1 {
        parts[0].to_string()
    } else {
        // 款/项 are two digits; a table in 元 sometimes drops the leading zero (`2` for `02`).
        let shape_ok = parts[0].len() == 3 && parts[1..].iter().all(|p| matches!(p.len(), 1 | 2));
        if !shape_ok || parts.len() > 3 {
            return None;
        }
        let mut code = parts[0].to_string();
        for p in &parts[1..] {
            code.push_str(&format!("{p:0>2}"));
        }
        code
    };
    function_level(&code).map(|_| code)
}

/// True for a 部门预算经济分类 code shape: 类 `3xx` or 款 `3xxxx`.
pub fn is_dept_econ_code(code: &str) -> bool {
    code.bytes().all(|b| b.is_ascii_digit()) && code.starts_with('3') && matches!(code.len(), 3 | 5)
}

/// True for a 政府预算经济分类 code shape: 类 `5xx` or 款 `5xxxx`.
pub fn is_gov_econ_code(code: &str) -> bool {
    code.bytes().all(|b| b.is_ascii_digit()) && code.starts_with('5') && matches!(code.len(), 3 | 5)
}

/// 类 of 支出功能分类, with earlier and abbreviated names as printed in summary tables.
/// Codes marked unconfirmed in `docs/domain.md` are included only where the name is
/// unambiguous; a name not listed here is stored without a code, never guessed.
const FUNCTION_CLASSES: &[(&str, &[&str])] = &[
    ("201", &["一般公共服务"]),
    ("202", &["外交"]),
    ("203", &["国防"]),
    ("204", &["公共安全"]),
    ("205", &["教育"]),
    ("206", &["科学技术"]),
    (
        "207",
        &["文化旅游体育与传媒", "文化体育旅游与传媒", "文化体育与传媒"],
    ),
    ("208", &["社会保障和就业"]),
    ("210", &["卫生健康", "医疗卫生与计划生育", "医疗卫生"]),
    ("211", &["节能环保"]),
    ("212", &["城乡社区"]),
    ("213", &["农林水"]),
    ("214", &["交通运输"]),
    (
        "215",
        &["资源勘探工业信息等", "资源勘探信息等", "资源勘探电力信息等"],
    ),
    ("216", &["商业服务业等"]),
    ("217", &["金融"]),
    ("219", &["援助其他地区"]),
    ("220", &["自然资源海洋气象等", "国土海洋气象等"]),
    ("221", &["住房保障"]),
    ("222", &["粮油物资储备"]),
    ("224", &["灾害防治及应急管理"]),
    // (其他支出, with 支出 trimmed.)
    ("229", &["其他"]),
    ("231", &["债务还本"]),
    ("232", &["债务付息"]),
    ("233", &["债务发行费用"]),
];

/// Strips enumerators (`一、`, `(十一)`, `（二）`, `1.`) and spaces from a row label.
///
/// ```
/// use yusuan::model::classification::strip_enumerator;
/// assert_eq!(strip_enumerator("(二十一) 住房保障支出"), "住房保障支出");
/// assert_eq!(strip_enumerator("十一、节能环保"), "节能环保");
/// assert_eq!(strip_enumerator("支 出 总 计"), "支出总计");
/// ```
pub fn strip_enumerator(label: &str) -> String {
    let compact: String = label.chars().filter(|c| !c.is_whitespace()).collect();
    let numeral = |c: char| "一二三四五六七八九十百零".contains(c) || c.is_ascii_digit();
    let mut s = compact.as_str();
    for (open, close) in [('(', ')'), ('（', '）')] {
        if let Some(rest) = s.strip_prefix(open)
            && let Some(end) = rest.find(close)
            && rest[..end].chars().all(numeral)
            && end > 0
        {
            s = &rest[end + close.len_utf8()..];
        }
    }
    if let Some(pos) = s.find(['、', '.', '．'])
        && pos > 0
        && s[..pos].chars().all(numeral)
    {
        let sep_len = s[pos..].chars().next().map_or(1, char::len_utf8);
        s = &s[pos + sep_len..];
    }
    s.to_string()
}

/// Finds the 类 code of a summary-table line printed by name (`一、一般公共服务`,
/// `(十)卫生健康支出`, `城乡社区事务`). `None` when the name is not a known 类.
///
/// ```
/// use yusuan::model::classification::function_class_by_name;
/// assert_eq!(function_class_by_name("(二十一) 住房保障支出"), Some("221"));
/// assert_eq!(function_class_by_name("八、社会保障和就业"), Some("208"));
/// assert_eq!(function_class_by_name("十二、城乡社区事务"), Some("212"));
/// // Cut where the cell wrapped:
/// assert_eq!(function_class_by_name("八、社会保障和就"), Some("208"));
/// assert_eq!(function_class_by_name("本年支出合计"), None);
/// ```
pub fn function_class_by_name(label: &str) -> Option<&'static str> {
    let name = strip_enumerator(label);
    let name = name.trim_end_matches("支出");
    let name = name.trim_end_matches("事务");
    if let Some((code, _)) = FUNCTION_CLASSES
        .iter()
        .find(|(_, names)| names.contains(&name))
    {
        return Some(code);
    }
    // A name cut where its cell wrapped (`八、社会保障和就`): the one class it begins.
    if name.chars().count() < 4 {
        return None;
    }
    let mut codes = FUNCTION_CLASSES
        .iter()
        .filter(|(_, names)| names.iter().any(|n| n.starts_with(name)));
    match (codes.next(), codes.next()) {
        (Some((code, _)), None) => Some(code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_parents() {
        assert_eq!(function_level("201"), Some(1));
        assert_eq!(function_level("20103"), Some(2));
        assert_eq!(function_level("2010350"), Some(3));
        assert_eq!(function_level("605001"), None);
        assert_eq!(function_level("30101"), None);
        assert_eq!(class_parent("2010350"), Some("20103"));
        assert_eq!(class_parent("20103"), Some("201"));
        assert_eq!(class_parent("30101"), Some("301"));
        assert_eq!(class_parent("201"), None);
        assert_eq!(class_level("30101"), Some(2));
        assert_eq!(class_level("2080"), None);
        assert_eq!(class_level("20a"), None);
        assert_eq!(class_prefix("2080505", 1), Some("208"));
        assert_eq!(class_prefix("2080505", 2), Some("20805"));
        assert_eq!(class_prefix("20805", 3), None);
    }

    #[test]
    fn econ_shapes() {
        assert!(is_dept_econ_code("30101"));
        assert!(is_dept_econ_code("301"));
        assert!(!is_dept_econ_code("20107"));
        assert!(is_gov_econ_code("50501"));
        assert!(!is_gov_econ_code("30101"));
    }

    #[test]
    fn class_names() {
        assert_eq!(
            function_class_by_name("(九) 医疗卫生与计划生育支出"),
            Some("210")
        );
        assert_eq!(function_class_by_name("(十)卫生健康支出"), Some("210"));
        assert_eq!(
            function_class_by_name("(七) 文化体育旅游与传媒支出"),
            Some("207")
        );
        assert_eq!(function_class_by_name("十五、资源勘探信息等"), Some("215"));
        assert_eq!(function_class_by_name("九、社会保险基金支出"), None);
        assert_eq!(function_class_by_name("二十七、预备费"), None);
        assert_eq!(function_class_by_name("（八）其他支出"), Some("229"));
        assert_eq!(function_class_by_name("其他收入"), None);
        // A cut name must be long enough and begin one class only.
        assert_eq!(function_class_by_name("(十六)商业服务"), Some("216"));
        assert_eq!(function_class_by_name("一、一般公共预算"), None);
        assert_eq!(function_class_by_name("社会"), None);
    }
}
