//! Reading amounts as they appear in text extracted from PDFs, and converting them to the
//! canonical unit (元 with 2 decimals). Owns the number-repair rules; knows nothing about
//! tables or columns (placing an amount under a column is `ingest::place`'s job).
//!
//! Extraction damages numbers in a few recurring ways, all repaired here:
//! spaces inside a number (`827. 29`, `72. 4 1`), markup inside it (`16 <b>.</b> 53`),
//! a comma read instead of the decimal point (`0,22`, `8, 00`), thousands separators
//! (`12,345.60`). A digit run with no decimal point split by a space (`1 50`) is ambiguous
//! (`1.50` or `150`) and is refused rather than guessed.

use rust_decimal::Decimal;

/// A number read from a table cell or a sentence, in the unit it was printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Printed {
    /// The value as printed (after repair), in the source unit.
    pub value: Decimal,
    /// How many digits were printed after the decimal point.
    pub decimals: u32,
}

/// Why a cell that looks numeric could not be read as an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    /// Digit groups separated by spaces with no decimal point: `1 50`.
    Ambiguous,
    /// Not a well-formed number after repair (`021.23`, `1.2.3`).
    Malformed,
}

impl std::fmt::Display for AmountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AmountError::Ambiguous => {
                f.write_str("digit groups split by a space without a decimal point")
            }
            AmountError::Malformed => f.write_str("not a well-formed amount"),
        }
    }
}

/// Removes inline markup tags such as `<b>`, `</b>`, `<i>`, `<u>` left by the extractor.
pub fn strip_tags(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut rest = cell;
    while let Some(start) = rest.find('<') {
        match rest[start..].find('>') {
            Some(len) if is_tag(&rest[start + 1..start + len]) => {
                out.push_str(&rest[..start]);
                rest = &rest[start + len + 1..];
            }
            _ => {
                out.push_str(&rest[..=start]);
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_tag(inner: &str) -> bool {
    let name = inner.strip_prefix('/').unwrap_or(inner);
    !name.is_empty() && name.len() <= 6 && name.chars().all(|c| c.is_ascii_alphabetic())
}

/// The minus signs printed before a negative amount: ASCII, U+2212 and full width.
pub const MINUS: [char; 3] = ['-', '−', '－'];

/// True when the cell (markup removed) consists only of characters a printed amount can
/// have: digits, `.`, `,`, spaces, and at least one digit. Codes such as `30101` pass too;
/// callers decide by position whether a numeric cell is a code or an amount.
pub fn looks_numeric(cell: &str) -> bool {
    let cell = strip_tags(cell);
    // (A negative amount: `-1.50`, with the minus of any width.)
    let t = cell.trim();
    let t = t.strip_prefix(MINUS).unwrap_or(t);
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\u{3000}'))
}

/// True for cells that carry no information: blank, or only dots, dashes of extraction
/// noise such as `·`. A lone `-` is *not* noise: in budget tables it means zero.
pub fn is_blank(cell: &str) -> bool {
    let cell = strip_tags(cell);
    cell.trim()
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, '·' | '_' | '…' | '.'))
}

/// Parses an amount cell as printed, repairing extraction damage.
///
/// ```
/// use yusuan::ingest::amount::parse_printed;
/// use rust_decimal::Decimal;
/// let v = |s| parse_printed(s).unwrap().value;
/// assert_eq!(v("827. 29"), Decimal::new(82729, 2));
/// assert_eq!(v("72. 4 1"), Decimal::new(7241, 2));
/// assert_eq!(v("16 <b>.</b> 53"), Decimal::new(1653, 2));
/// assert_eq!(v("0,22"), Decimal::new(22, 2));
/// assert_eq!(v("12,345.60"), Decimal::new(1234560, 2));
/// assert!(parse_printed("1 50").is_err());
/// ```
pub fn parse_printed(cell: &str) -> Result<Printed, AmountError> {
    let cell = strip_tags(cell);
    let trimmed = cell.trim();
    if matches!(trimmed, "-" | "－" | "—") {
        return Ok(Printed {
            value: Decimal::ZERO,
            decimals: 0,
        });
    }
    let (negative, body) = match trimmed.strip_prefix(MINUS) {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let has_space_inside = body.trim().contains([' ', '\u{3000}']);
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(AmountError::Malformed);
    }
    let normalized = if compact.contains(',') {
        repair_commas(&compact).ok_or(AmountError::Malformed)?
    } else {
        compact
    };
    if has_space_inside && !normalized.contains('.') {
        return Err(AmountError::Ambiguous);
    }
    let (whole, frac) = match normalized.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (normalized.as_str(), None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.is_some_and(|f| !digits(f)) {
        return Err(AmountError::Malformed);
    }
    // `021.23`: a leading zero before other digits is extraction debris, not a number.
    if whole.len() > 1 && whole.starts_with('0') {
        return Err(AmountError::Malformed);
    }
    let decimals = frac.map_or(0, |f| f.len() as u32);
    if decimals > 6 || whole.len() > 15 {
        return Err(AmountError::Malformed);
    }
    let mantissa: i128 = format!("{whole}{}", frac.unwrap_or(""))
        .parse()
        .map_err(|_| AmountError::Malformed)?;
    let value =
        Decimal::from_i128_with_scale(if negative { -mantissa } else { mantissa }, decimals);
    Ok(Printed { value, decimals })
}

/// `12,345,678.90` → `12345678.90`; `0,22` / `8,00` (a comma read for the point) → `0.22`.
fn repair_commas(s: &str) -> Option<String> {
    let (int_part, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let groups: Vec<&str> = int_part.split(',').collect();
    let thousands = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3);
    if thousands {
        let mut out = groups.concat();
        if let Some(f) = frac {
            out.push('.');
            out.push_str(f);
        }
        return Some(out);
    }
    if frac.is_none() && groups.len() == 2 && groups[1].len() == 2 && !groups[0].is_empty() {
        return Some(format!("{}.{}", groups[0], groups[1]));
    }
    None
}

/// The unit amounts are printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MoneyUnit {
    /// 元
    Yuan,
    /// 万元 (10,000 元)
    WanYuan,
}

impl MoneyUnit {
    /// The unit as printed in documents.
    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::WanYuan => "万元",
        }
    }

    /// Reads a unit statement such as `单位:万元`, `单位：元`, `(单位: 万元)`, also after a
    /// `编制单位：…` on the same line.
    ///
    /// ```
    /// use yusuan::ingest::amount::MoneyUnit;
    /// assert_eq!(MoneyUnit::from_statement("编制单位：上海市数据局    单位：元"), Some(MoneyUnit::Yuan));
    /// assert_eq!(MoneyUnit::from_statement("金额单位：万元"), Some(MoneyUnit::WanYuan));
    /// assert_eq!(MoneyUnit::from_statement("编制单位：上海市数据局"), None);
    /// ```
    pub fn from_statement(line: &str) -> Option<MoneyUnit> {
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        // Every `单位：` of the line, in order (`编制单位：某局 单位：元` names the unit second).
        compact.match_indices("单位").find_map(|(pos, w)| {
            let rest = compact[pos + w.len()..]
                .strip_prefix(':')
                .or_else(|| compact[pos + w.len()..].strip_prefix('：'))?;
            if rest.starts_with("万元") {
                Some(MoneyUnit::WanYuan)
            } else if rest.starts_with('元') {
                Some(MoneyUnit::Yuan)
            } else {
                None
            }
        })
    }

    /// Converts a printed value to 元 with exactly 2 decimals; `None` when the conversion
    /// would need more than 2 decimals (such a number cannot be a money amount).
    ///
    /// ```
    /// use yusuan::ingest::amount::MoneyUnit;
    /// use rust_decimal::Decimal;
    /// assert_eq!(MoneyUnit::WanYuan.to_yuan(Decimal::new(82729, 2)), Some(Decimal::new(827290000, 2)));
    /// assert_eq!(MoneyUnit::Yuan.to_yuan(Decimal::new(1, 3)), None);
    /// ```
    pub fn to_yuan(self, value: Decimal) -> Option<Decimal> {
        let yuan = match self {
            MoneyUnit::Yuan => value,
            MoneyUnit::WanYuan => value.checked_mul(Decimal::from(10_000))?,
        };
        let normalized = yuan.normalize();
        if normalized.scale() > 2 {
            return None;
        }
        let mut out = normalized;
        out.rescale(2);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> Decimal {
        parse_printed(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .value
    }

    #[test]
    fn repairs_spaces_and_tags() {
        assert_eq!(val("827. 29"), Decimal::new(82729, 2));
        assert_eq!(val("72. 4 1"), Decimal::new(7241, 2));
        assert_eq!(val("38. 5 9"), Decimal::new(3859, 2));
        assert_eq!(val("16 <b>.</b> 53"), Decimal::new(1653, 2));
        assert_eq!(val("<b>5.</b> 00"), Decimal::new(500, 2));
        assert_eq!(val("544 <b>.</b> 12"), Decimal::new(54412, 2));
        assert_eq!(val(" 1.16 "), Decimal::new(116, 2));
    }

    #[test]
    fn repairs_commas() {
        assert_eq!(val("0,22"), Decimal::new(22, 2));
        assert_eq!(val("40,00"), Decimal::new(4000, 2));
        assert_eq!(val("8, 00"), Decimal::new(800, 2));
        assert_eq!(val("12,345,678.90"), Decimal::new(1234567890, 2));
        assert_eq!(val("1,234"), Decimal::new(1234, 0));
        assert_eq!(parse_printed("1,2345"), Err(AmountError::Malformed));
    }

    #[test]
    fn keeps_printed_precision() {
        let p = parse_printed("48. 4").unwrap();
        assert_eq!((p.value, p.decimals), (Decimal::new(484, 1), 1));
        assert_eq!(parse_printed("220").unwrap().decimals, 0);
        assert_eq!(val("-"), Decimal::ZERO);
        assert_eq!(val("-3.50"), Decimal::new(-350, 2));
    }

    #[test]
    fn refuses_ambiguous_and_debris() {
        assert_eq!(parse_printed("1 50"), Err(AmountError::Ambiguous));
        assert_eq!(parse_printed("021.23"), Err(AmountError::Malformed));
        assert_eq!(parse_printed("1.2.3"), Err(AmountError::Malformed));
        assert_eq!(parse_printed("abc"), Err(AmountError::Malformed));
    }

    #[test]
    fn classifies_cells() {
        assert!(looks_numeric("827. 29"));
        assert!(looks_numeric("16 <b>.</b> 53"));
        assert!(!looks_numeric("事业运行"));
        assert!(!looks_numeric(""));
        assert!(is_blank(" · "));
        assert!(is_blank("<b></b>"));
        assert!(!is_blank("-"));
    }

    #[test]
    fn converts_units_exactly() {
        let wan = |s: &str| MoneyUnit::WanYuan.to_yuan(val(s)).unwrap();
        assert_eq!(wan("827. 29"), Decimal::new(827_290_000, 2));
        assert_eq!(wan("584.0909"), Decimal::new(584_090_900, 2));
        assert_eq!(wan("0.000001"), Decimal::new(1, 2));
        assert_eq!(
            MoneyUnit::Yuan.to_yuan(val("1234.5")),
            Some(Decimal::new(123450, 2))
        );
        assert_eq!(
            MoneyUnit::from_statement("单位: 万元"),
            Some(MoneyUnit::WanYuan)
        );
        assert_eq!(MoneyUnit::from_statement("单位：元"), Some(MoneyUnit::Yuan));
        assert_eq!(MoneyUnit::from_statement("单位名称: 某单位"), None);
    }
}
