//! Budget-aware scalar functions (listed by `.help functions` in the shell):
//! - `wan(amount)`: 元 → 万元, exact (the same decimal digits with the scale raised by 4).
//! - `class_level(code)`, `class_parent(code)`, `class_prefix(code, level)`,
//!   `class_name(code[, year])`: 功能分类 / 经济分类 codes (`model::reference`).
//! - `pct_change(current, previous)`: percent change, exact, 2 decimals.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Decimal128Array, Int32Array, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;

use crate::model::reference::{class_level, class_name, class_parent, class_prefix};

/// Registers every yusuan function.
pub fn register_all(ctx: &SessionContext) {
    for f in all() {
        ctx.register_udf(f);
    }
}

/// Every yusuan scalar function (what [`register_all`] registers; a cluster's scheduler
/// and executors register the same list: `engine::cluster`).
pub fn all() -> Vec<ScalarUDF> {
    let mut all = vec![ScalarUDF::from(Wan::new())];
    for kind in [
        ClassKind::Level,
        ClassKind::Parent,
        ClassKind::Prefix,
        ClassKind::Name,
    ] {
        all.push(ScalarUDF::from(ClassFn::new(kind)));
    }
    all.push(ScalarUDF::from(PctChange::new()));
    all
}

/// The functions yusuan adds, with their usage: for `.help functions` and the docs.
pub const FUNCTIONS: &[(&str, &str)] = &[
    (
        "wan(amount)",
        "an amount in 元 shown in 万元, exactly (scale + 4)",
    ),
    (
        "class_level(code)",
        "level of a 功能分类/经济分类 code: 1 类 (3 digits), 2 款 (5), 3 项 (7)",
    ),
    (
        "class_parent(code)",
        "the code one level up: class_parent('2080505') = '20805'",
    ),
    (
        "class_prefix(code, level)",
        "the 类/款/项 prefix: class_prefix('2080505', 1) = '208'",
    ),
    (
        "class_name(code[, year])",
        "the code's name, as printed in that year where names changed",
    ),
    (
        "pct_change(current, previous)",
        "percent change, exact, 2 decimals; NULL when previous is 0 or NULL",
    ),
];

/// `wan(amount)`: an amount in 元 shown in 万元, exactly.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Wan {
    signature: Signature,
}

impl Wan {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl Default for Wan {
    fn default() -> Self {
        Self::new()
    }
}

fn wan_type(input: &DataType) -> Result<DataType> {
    match input {
        DataType::Decimal128(p, s) if *s <= 34 => Ok(DataType::Decimal128((*p + 4).min(38), s + 4)),
        other => plan_err!("wan() takes an amount in 元 (a decimal), got {other}"),
    }
}

impl ScalarUDFImpl for Wan {
    fn name(&self) -> &str {
        "wan"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [DataType::Decimal128(p, s)] => Ok(vec![DataType::Decimal128(*p, *s)]),
            [t] if t.is_integer() => Ok(vec![DataType::Decimal128(20, 0)]),
            [DataType::Null] => Ok(vec![DataType::Decimal128(18, 2)]),
            [t] => plan_err!("wan() takes an amount in 元 (a decimal), got {t}"),
            _ => plan_err!("wan() takes one argument"),
        }
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        wan_type(&args[0])
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Decimal128(p, s) = *args.return_field.data_type() else {
            return exec_err!("wan(): unexpected return type");
        };
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(input) = arrays[0].as_any().downcast_ref::<Decimal128Array>() else {
            return exec_err!("wan(): expected a decimal column");
        };
        // Same digits, 4 more decimals: value / 10_000 exactly.
        let out: Decimal128Array = input
            .iter()
            .collect::<Decimal128Array>()
            .with_precision_and_scale(p, s)?;
        columnar(Arc::new(out), all_scalar(&args))
    }
}

/// True when every argument is a scalar (the result is one then).
fn all_scalar(args: &ScalarFunctionArgs) -> bool {
    args.args
        .iter()
        .all(|a| matches!(a, ColumnarValue::Scalar(_)))
}

/// A function's result: a scalar when its arguments were, else the array.
fn columnar(out: ArrayRef, scalar: bool) -> Result<ColumnarValue> {
    if scalar {
        return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
    }
    Ok(ColumnarValue::Array(out))
}

/// The classification functions over code strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ClassKind {
    /// `class_level(code)` → 1 类, 2 款, 3 项.
    Level,
    /// `class_parent(code)` → the code one level up.
    Parent,
    /// `class_prefix(code, level)` → the 类/款/项 prefix.
    Prefix,
    /// `class_name(code[, year])` → the name (by year where it changed).
    Name,
}

/// `class_level`, `class_parent`, `class_prefix`, `class_name`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ClassFn {
    kind: ClassKind,
    signature: Signature,
}

impl ClassFn {
    fn new(kind: ClassKind) -> Self {
        Self {
            kind,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn is_code_type(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
    ) || t.is_integer()
}

impl ScalarUDFImpl for ClassFn {
    fn name(&self) -> &str {
        match self.kind {
            ClassKind::Level => "class_level",
            ClassKind::Parent => "class_parent",
            ClassKind::Prefix => "class_prefix",
            ClassKind::Name => "class_name",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        let usage = match self.kind {
            ClassKind::Level | ClassKind::Parent => format!("{name}(code)"),
            ClassKind::Prefix => format!("{name}(code, level)"),
            ClassKind::Name => format!("{name}(code[, year])"),
        };
        let int = |t: &DataType| t.is_integer() || matches!(t, DataType::Null);
        match (self.kind, args) {
            (ClassKind::Level | ClassKind::Parent, [c]) if is_code_type(c) => {
                Ok(vec![DataType::Utf8])
            }
            (ClassKind::Prefix, [c, l]) if is_code_type(c) && int(l) => {
                Ok(vec![DataType::Utf8, DataType::Int32])
            }
            (ClassKind::Name, [c]) if is_code_type(c) => Ok(vec![DataType::Utf8]),
            (ClassKind::Name, [c, y]) if is_code_type(c) && int(y) => {
                Ok(vec![DataType::Utf8, DataType::Int32])
            }
            _ => plan_err!(
                "{usage} takes a classification code (text such as '2080505') {}; got ({})",
                match self.kind {
                    ClassKind::Prefix => "and a level 1–3",
                    ClassKind::Name => "and optionally a year",
                    _ => "",
                },
                args.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            ClassKind::Level => DataType::Int32,
            _ => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = all_scalar(&args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(codes) = arrays[0].as_any().downcast_ref::<StringArray>() else {
            return exec_err!("{}(): expected a text code", self.name());
        };
        let second = arrays
            .get(1)
            .and_then(|a| a.as_any().downcast_ref::<Int32Array>().cloned());
        let arg2 = |i: usize| {
            second
                .as_ref()
                .filter(|a| a.is_valid(i))
                .map(|a| a.value(i))
        };
        let out: ArrayRef = match self.kind {
            ClassKind::Level => Arc::new(
                (0..codes.len())
                    .map(|i| {
                        codes
                            .is_valid(i)
                            .then(|| class_level(codes.value(i)))
                            .flatten()
                    })
                    .collect::<Int32Array>(),
            ),
            kind => {
                // Appended as borrowed text: no allocation per row.
                let mut out = StringBuilder::with_capacity(codes.len(), codes.len() * 5);
                for i in 0..codes.len() {
                    let value = if codes.is_valid(i) {
                        let code = codes.value(i);
                        match kind {
                            ClassKind::Parent => class_parent(code),
                            ClassKind::Prefix => arg2(i).and_then(|l| class_prefix(code, l)),
                            _ => class_name(code, arg2(i)),
                        }
                    } else {
                        None
                    };
                    out.append_option(value);
                }
                Arc::new(out.finish())
            }
        };
        columnar(out, scalar)
    }
}

/// `pct_change(current, previous)`: the change in percent, exact decimal arithmetic,
/// rounded half away from zero to 2 decimals as documents print it (`增长6.59%`); NULL when
/// the previous value is NULL or zero.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PctChange {
    signature: Signature,
}

impl PctChange {
    fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The decimal type both arguments of `pct_change` are read as.
const PCT_INPUT: DataType = DataType::Decimal128(38, 6);

/// `(current - previous) * 100 / previous` as the mantissa of a 2-decimal value, rounded
/// half away from zero; both arguments are mantissas of the same scale. Integer
/// arithmetic, exact; NULL when `previous` is zero or the result does not fit.
fn pct_change(current: i128, previous: i128) -> Option<i128> {
    if previous == 0 {
        return None;
    }
    // Percent with two decimals: ×100 for percent, ×100 for the decimals.
    let num = current.checked_sub(previous)?.checked_mul(10_000)?;
    let (q, r) = (num / previous, num % previous);
    // |r| ≥ |previous| / 2: away from zero (the quotient's sign is num's × previous's).
    let away = r.unsigned_abs().checked_mul(2)? >= previous.unsigned_abs();
    let sign = if (num < 0) == (previous < 0) { 1 } else { -1 };
    Some(if away { q + sign } else { q })
}

impl ScalarUDFImpl for PctChange {
    fn name(&self) -> &str {
        "pct_change"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let numeric =
            |t: &DataType| t.is_integer() || matches!(t, DataType::Decimal128(..) | DataType::Null);
        match args {
            [a, b] if numeric(a) && numeric(b) => Ok(vec![PCT_INPUT, PCT_INPUT]),
            _ => plan_err!(
                "pct_change(current, previous) takes two amounts (decimals or integers); got ({})",
                args.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Decimal128(38, 2))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = all_scalar(&args);
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let (Some(cur), Some(prev)) = (
            arrays[0].as_any().downcast_ref::<Decimal128Array>(),
            arrays[1].as_any().downcast_ref::<Decimal128Array>(),
        ) else {
            return exec_err!("pct_change(): expected decimals");
        };
        let out: Decimal128Array = (0..cur.len())
            .map(|i| {
                if cur.is_null(i) || prev.is_null(i) {
                    return None;
                }
                pct_change(cur.value(i), prev.value(i))
            })
            .collect::<Decimal128Array>()
            .with_precision_and_scale(38, 2)?;
        columnar(Arc::new(out), scalar)
    }
}

#[cfg(test)]
mod tests {
    use super::pct_change;
    use rust_decimal::{Decimal, RoundingStrategy};

    /// Mantissa at scale 6 of a decimal literal.
    fn m(s: &str) -> i128 {
        let d: Decimal = s.parse().unwrap();
        (d * Decimal::from(1_000_000)).trunc().mantissa()
    }

    #[test]
    fn percent_changes_round_half_away_from_zero() {
        // (current, previous, percent ×100), worked out by hand.
        for (cur, prev, pct) in [
            ("106.59", "100", 659), // 6.59 %
            ("1", "3", -6667),      // -66.666… %
            ("2", "3", -3333),      // -33.333… %
            ("1", "8", -8750),      // -87.5 %
            ("8.001", "8", 1),      // 0.0125 % → 0.01
            ("200.01", "200", 1),   // 0.005 %: midpoint, away from zero
            ("199.99", "200", -1),  // -0.005 %
            ("-50", "-100", -5000), // both negative: -50 %
            ("50", "-100", -15000), // (50 + 100) / -100
            ("0", "7", -10000),     // -100 %
            ("827.29", "827.29", 0),
        ] {
            assert_eq!(pct_change(m(cur), m(prev)), Some(pct), "{cur} vs {prev}");
        }
        assert_eq!(pct_change(m("5"), 0), None);
        assert_eq!(pct_change(i128::MAX, 1), None);
    }

    #[test]
    fn percent_changes_agree_with_decimal_arithmetic() {
        // A deterministic spread of amounts (元, 2 decimals, signs mixed).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let a = (next() % 2_000_000_000_000) as i128 - 1_000_000_000_000;
            let b = (next() % 2_000_000_000) as i128 - 1_000_000_000;
            if b == 0 {
                continue;
            }
            let (ca, cb) = (a * 10_000, b * 10_000); // scale 2 → 6
            let expected = ((Decimal::from_i128_with_scale(a - b, 2) * Decimal::ONE_HUNDRED)
                / Decimal::from_i128_with_scale(b, 2))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            let expected = expected.mantissa() * 10i128.pow(2 - expected.scale());
            assert_eq!(pct_change(ca, cb), Some(expected), "{a} vs {b}");
        }
    }
}
