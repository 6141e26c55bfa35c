//! The column layouts of the standard disclosure tables: for each table kind, the amount
//! columns in printed order with their meaning, the arithmetic that ties them together,
//! and the header words that confirm a table really has this layout.
//!
//! Headers of extracted tables are often unreadable (vertical text, merged cells), so the
//! layout of a kind is fixed here and only *verified* against the header; values are
//! placed under these columns by `ingest::place`. Owns no parsing.

use std::borrow::Cow;

use crate::model::{ColumnMeaning, TableKind};

use super::place::Constraint;

/// The amount columns of one table kind.
#[derive(Debug)]
pub struct Layout {
    pub columns: &'static [ColumnMeaning],
    pub constraints: &'static [Constraint],
    /// Words the header block must contain (spaces removed) for the layout to apply.
    pub header_words: &'static [&'static str],
    /// Breakdown columns some tables leave out: a group is kept only when the header
    /// names at least one of its words.
    pub optional: &'static [Optional],
}

/// A group of breakdown columns and the header words that show it is printed.
#[derive(Debug)]
pub struct Optional {
    pub columns: &'static [usize],
    pub words: &'static [&'static str],
}

/// The columns one printed table actually has, with the arithmetic among them.
#[derive(Debug, Clone)]
pub struct Columns {
    pub columns: Vec<ColumnMeaning>,
    pub constraints: Vec<Constraint>,
}

impl Layout {
    /// Every column of the layout.
    pub fn all(&self) -> Columns {
        Columns {
            columns: self.columns.to_vec(),
            constraints: self.constraints.to_vec(),
        }
    }

    /// The columns a table with this header has: optional groups the header does not name
    /// are left out, with the constraints that only they took part in. Returns the labels
    /// of the columns left out.
    pub fn resolve(&self, header: &str) -> (Columns, Vec<&'static str>) {
        let header = header.replace('単', "单");
        let dropped: Vec<usize> = self
            .optional
            .iter()
            .filter(|g| !g.words.iter().any(|w| header.contains(w)))
            .flat_map(|g| g.columns.iter().copied())
            .collect();
        if dropped.is_empty() {
            return (self.all(), vec![]);
        }
        let keep: Vec<usize> = (0..self.columns.len())
            .filter(|i| !dropped.contains(i))
            .collect();
        let new = |old: usize| keep.iter().position(|&k| k == old);
        let constraints = self
            .constraints
            .iter()
            .filter_map(|c| match c {
                Constraint::Sum { total, parts } => {
                    let parts: Vec<usize> = parts.iter().filter_map(|&p| new(p)).collect();
                    let total = new(*total)?;
                    (!parts.is_empty()).then_some(Constraint::Sum {
                        total,
                        parts: Cow::Owned(parts),
                    })
                }
                Constraint::AtMost { part, whole } => Some(Constraint::AtMost {
                    part: new(*part)?,
                    whole: new(*whole)?,
                }),
            })
            .collect();
        let columns = keep.iter().map(|&i| self.columns[i]).collect();
        let labels = dropped.iter().map(|&i| self.columns[i].label).collect();
        (
            Columns {
                columns,
                constraints,
            },
            labels,
        )
    }
}

const fn col(key: &'static str, label: &'static str) -> ColumnMeaning {
    ColumnMeaning {
        key,
        label,
        fund: None,
        expense_kind: None,
        cost_kind: None,
    }
}

const fn fund(key: &'static str, label: &'static str, fund: &'static str) -> ColumnMeaning {
    ColumnMeaning {
        key,
        label,
        fund: Some(fund),
        expense_kind: None,
        cost_kind: None,
    }
}

const fn split(
    key: &'static str,
    label: &'static str,
    expense: &'static str,
    cost: Option<&'static str>,
) -> ColumnMeaning {
    ColumnMeaning {
        key,
        label,
        fund: None,
        expense_kind: Some(expense),
        cost_kind: cost,
    }
}

/// Two-sided summary tables print one amount per side.
pub const SIDE_AMOUNT: ColumnMeaning = col("amount", "金额");

/// 财政拨款收支预算表, right side: 合计 · 一般公共预算 {小计, 其中:财政拨款} · 政府性基金 · 国有资本经营预算.
pub const FISCAL_RIGHT: Layout = Layout {
    columns: &[
        col("total", "合计"),
        fund("gpb", "一般公共预算", "gpb"),
        fund("gpb_fiscal", "其中:财政拨款", "gpb_fiscal"),
        fund("gov_fund", "政府性基金", "gov_fund"),
        fund("soe", "国有资本经营预算", "soe"),
    ],
    constraints: &[
        Constraint::Sum {
            total: 0,
            parts: Cow::Borrowed(&[1, 3, 4]),
        },
        Constraint::AtMost { part: 2, whole: 1 },
    ],
    header_words: &["合计", "一般公", "政府性基金"],
    optional: &[],
};

const EXPENDITURE_COLUMNS: &[ColumnMeaning] = &[
    col("total", "合计"),
    split("basic", "基本支出", "basic", None),
    split("basic.wages", "工资福利支出", "basic", Some("personnel")),
    split(
        "basic.households",
        "对个人和家庭的补助",
        "basic",
        Some("personnel"),
    ),
    split(
        "basic.goods_services",
        "商品和服务支出",
        "basic",
        Some("public"),
    ),
    split("basic.capital", "资本性支出", "basic", Some("public")),
    split("project", "项目支出", "project", None),
    split("project.operating", "其他运转类", "project", None),
    split("project.specific", "特定目标类", "project", None),
];

const EXPENDITURE_CONSTRAINTS: &[Constraint] = &[
    Constraint::Sum {
        total: 0,
        parts: Cow::Borrowed(&[1, 6]),
    },
    Constraint::Sum {
        total: 1,
        parts: Cow::Borrowed(&[2, 3, 4, 5]),
    },
    Constraint::Sum {
        total: 6,
        parts: Cow::Borrowed(&[7, 8]),
    },
];

/// 支出表, 一般公共预算支出表, 政府性基金 and 国有资本经营 支出表 share this layout.
pub const EXPENDITURE: Layout = Layout {
    columns: EXPENDITURE_COLUMNS,
    constraints: EXPENDITURE_CONSTRAINTS,
    header_words: &["基本支出", "项目支出", "合计"],
    optional: &[
        Optional {
            columns: &[2, 3, 4, 5],
            words: &[
                "工资福利",
                "对个人",
                "商品和服务",
                "资本性",
                "人员经费",
                "公用经费",
            ],
        },
        Optional {
            columns: &[7, 8],
            words: &["其他运转", "特定目标"],
        },
    ],
};

/// 单位收入预算表.
pub const INCOME: Layout = Layout {
    columns: &[
        col("total", "总计"),
        col("year.total", "本年收入合计"),
        fund("year.gpb", "一般公共预算", "gpb"),
        fund("year.gpb_fiscal", "其中:财政拨款", "gpb_fiscal"),
        fund("year.gov_fund", "政府性基金", "gov_fund"),
        fund("year.soe", "国有资本经营预算", "soe"),
        fund(
            "year.special_account",
            "财政专户管理资金收入",
            "special_account",
        ),
        fund("year.business", "事业收入", "business"),
        fund("year.operating", "事业单位经营收入", "operating"),
        fund("year.superior", "上级补助收入", "superior"),
        fund("year.subsidiary", "附属单位上缴收入", "subsidiary"),
        fund("year.other", "其他收入", "other"),
        fund("carryover.total", "上年结转结余合计", "carryover"),
        fund(
            "carryover.gpb",
            "上年结转结余:一般公共预算",
            "carryover_gpb",
        ),
        fund(
            "carryover.gov_fund",
            "上年结转结余:政府性基金",
            "carryover_gov_fund",
        ),
        fund(
            "carryover.soe",
            "上年结转结余:国有资本经营预算",
            "carryover_soe",
        ),
        fund(
            "carryover.special_account",
            "上年结转结余:财政专户管理资金",
            "carryover_special_account",
        ),
        fund(
            "carryover.unit_funds",
            "上年结转结余:单位资金",
            "carryover_unit_funds",
        ),
    ],
    constraints: &[
        Constraint::Sum {
            total: 0,
            parts: Cow::Borrowed(&[1, 12]),
        },
        Constraint::Sum {
            total: 1,
            parts: Cow::Borrowed(&[2, 4, 5, 6, 7, 8, 9, 10, 11]),
        },
        Constraint::AtMost { part: 3, whole: 2 },
        Constraint::Sum {
            total: 12,
            parts: Cow::Borrowed(&[13, 14, 15, 16, 17]),
        },
    ],
    header_words: &["单位代码", "总计", "合计"],
    optional: &[],
};

/// 一般公共预算基本支出预算表: 合计 · 人员经费 · 公用经费.
pub const GPB_BASIC: Layout = Layout {
    columns: &[
        split("total", "合计", "basic", None),
        split("personnel", "人员经费", "basic", Some("personnel")),
        split("public", "公用经费", "basic", Some("public")),
    ],
    constraints: &[Constraint::Sum {
        total: 0,
        parts: Cow::Borrowed(&[1, 2]),
    }],
    header_words: &["人员经费", "公用经费"],
    optional: &[],
};

/// 支出经济分类汇总表: 总计 and its fund sources.
pub const ECON_SUMMARY: Layout = Layout {
    columns: &[
        col("total", "总计"),
        fund("gpb", "一般公共预算", "gpb"),
        fund("gpb_fiscal", "其中:财政拨款", "gpb_fiscal"),
        fund("gov_fund", "政府性基金", "gov_fund"),
        fund("soe", "国有资本经营预算", "soe"),
        fund("carryover", "上年结转结余", "carryover"),
        fund("special_account", "财政专户管理资金收入", "special_account"),
        fund("business", "事业收入", "business"),
        fund("superior", "上级补助收入", "superior"),
        fund("subsidiary", "附属单位上缴收入", "subsidiary"),
        fund("operating", "事业单位经营收入", "operating"),
        fund("other", "其他收入", "other"),
    ],
    constraints: &[
        Constraint::Sum {
            total: 0,
            parts: Cow::Borrowed(&[1, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
        },
        Constraint::AtMost { part: 2, whole: 1 },
    ],
    header_words: &["经济分类", "总计", "一般公"],
    optional: &[],
};

/// 一般公共预算"三公"经费预算表.
pub const THREE_PUBLIC: Layout = Layout {
    columns: &[
        col("total", "\"三公\"经费合计"),
        col("abroad", "因公出国(境)费"),
        col("car", "公务用车购置及运行费"),
        col("car.purchase", "公务用车购置费"),
        col("car.operation", "公务用车运行费"),
        col("reception", "公务接待费"),
    ],
    constraints: &[
        Constraint::Sum {
            total: 0,
            parts: Cow::Borrowed(&[1, 2, 5]),
        },
        Constraint::Sum {
            total: 2,
            parts: Cow::Borrowed(&[3, 4]),
        },
    ],
    header_words: &["因公出国", "公务用车", "公务接待"],
    optional: &[Optional {
        columns: &[3, 4],
        words: &["购置费", "运行费", "运行维护费"],
    }],
};

/// 行政(事业)单位机构运转经费预算表: 合计 and its fund sources.
pub const OPERATING_COST: Layout = Layout {
    columns: &[
        col("total", "合计"),
        fund("gpb", "一般公共预算资金", "gpb"),
        fund("gpb.fiscal", "财政拨款", "gpb_fiscal"),
        fund(
            "gpb.admin_fees",
            "纳入预算管理的行政事业性收入",
            "gpb_admin_fees",
        ),
        fund("gpb.special_income", "专项收入", "gpb_special_income"),
        fund(
            "gpb.state_assets",
            "国有资源有偿使用收入",
            "gpb_state_assets",
        ),
        fund("gpb.other", "其他一般公共预算", "gpb_other"),
        fund("gpb.transfer", "一般转移支付资金", "gpb_transfer"),
        fund("gpb.bonds", "债券", "gpb_bonds"),
        fund("gov_fund", "政府性基金预算资金", "gov_fund"),
        fund("gov_fund.fund", "政府性基金预算资金", "gov_fund_fund"),
        fund("gov_fund.bonds", "专项债券", "gov_fund_bonds"),
        fund("soe", "国有资本经营预算", "soe"),
        fund("special_account", "财政专户管理资金收入", "special_account"),
        fund("unit_funds", "单位资金", "unit_funds"),
        fund("unit_funds.business", "事业收入资金", "business"),
        fund("unit_funds.superior", "上级补助收入资金", "superior"),
        fund(
            "unit_funds.subsidiary",
            "附属单位上缴收入资金",
            "subsidiary",
        ),
        fund("unit_funds.operating", "事业单位经营收入资金", "operating"),
        fund("unit_funds.other", "其他收入资金", "other"),
        fund("carryover.fiscal", "财政性资金结余结转", "carryover_fiscal"),
        fund(
            "carryover.special_account",
            "专户管理资金收入结余结转",
            "carryover_special_account",
        ),
        fund(
            "carryover.unit_funds",
            "单位资金结余结转",
            "carryover_unit_funds",
        ),
    ],
    constraints: &[
        Constraint::Sum {
            total: 0,
            parts: Cow::Borrowed(&[1, 9, 12, 13, 14, 20, 21, 22]),
        },
        Constraint::Sum {
            total: 1,
            parts: Cow::Borrowed(&[2, 3, 4, 5, 6, 7, 8]),
        },
        Constraint::Sum {
            total: 9,
            parts: Cow::Borrowed(&[10, 11]),
        },
        Constraint::Sum {
            total: 14,
            parts: Cow::Borrowed(&[15, 16, 17, 18, 19]),
        },
    ],
    header_words: &["单位代码", "项目类别", "合计"],
    optional: &[],
};

/// 项目支出预算表: 合计 · 本年拨款 by fund · 财政拨款结转结余 by fund · 专户 · 单位资金.
pub const PROJECT_EXPENDITURE: Layout = Layout {
    columns: &[
        col("total", "合计"),
        fund("gpb", "本年拨款:一般公共预算", "gpb"),
        fund("gov_fund", "本年拨款:政府性基金预算", "gov_fund"),
        fund("soe", "本年拨款:国有资本经营预算", "soe"),
        fund(
            "carryover.gpb",
            "财政拨款结转结余:一般公共预算",
            "carryover_gpb",
        ),
        fund(
            "carryover.gov_fund",
            "财政拨款结转结余:政府性基金预算",
            "carryover_gov_fund",
        ),
        fund(
            "carryover.soe",
            "财政拨款结转结余:国有资本经营预算",
            "carryover_soe",
        ),
        fund("special_account", "财政专户管理资金", "special_account"),
        fund("unit_funds", "单位资金", "unit_funds"),
    ],
    constraints: &[Constraint::Sum {
        total: 0,
        parts: Cow::Borrowed(&[1, 2, 3, 4, 5, 6, 7, 8]),
    }],
    header_words: &["项目名称", "合计"],
    optional: &[],
};

/// 项目绩效目标表: the money columns between the project and its indicators.
pub const PERFORMANCE_FUNDS: Layout = Layout {
    columns: &[
        col("total", "资金总额"),
        fund("gov_budget", "政府预算资金", "gov_budget"),
        fund("special_account", "财政专户管理资金", "special_account"),
        fund("unit_funds", "单位资金", "unit_funds"),
    ],
    constraints: &[Constraint::Sum {
        total: 0,
        parts: Cow::Borrowed(&[1, 2, 3]),
    }],
    header_words: &["三级指标", "指标值"],
    optional: &[],
};

/// The layout of a kind whose rows are parsed as code rows.
pub fn code_table_layout(kind: TableKind) -> Option<&'static Layout> {
    Some(match kind {
        TableKind::Income => &INCOME,
        TableKind::Expenditure
        | TableKind::GpbExpenditure
        | TableKind::GovFundExpenditure
        | TableKind::SoeExpenditure => &EXPENDITURE,
        TableKind::GpbBasicExpenditure => &GPB_BASIC,
        TableKind::EconSummary => &ECON_SUMMARY,
        TableKind::ThreePublic => &THREE_PUBLIC,
        TableKind::OperatingCost => &OPERATING_COST,
        TableKind::ProjectExpenditure => &PROJECT_EXPENDITURE,
        _ => return None,
    })
}
