//! Budget-aware scalar functions.
//! - `wan(amount)`: 元 → 万元, exact (the same decimal digits with the scale raised by 4).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Decimal128Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;

/// Registers every yusuan function.
pub fn register_all(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::from(Wan::new()));
}

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
        let out: ArrayRef = Arc::new(out);
        if args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)))
        {
            return Ok(ColumnarValue::Scalar(
                datafusion::common::ScalarValue::try_from_array(&out, 0)?,
            ));
        }
        Ok(ColumnarValue::Array(out))
    }
}
