//! The fixed vocabulary the generator draws from: departments and their subordinate units
//! with the 功能分类 项 they spend under, the 项/款/类 names, project names, the split of
//! wages and running costs by 部门经济分类, and the syllables of invented place names.
//! Codes are real (2018 onward 支出功能分类 and 部门经济分类); names of 经济分类 codes
//! come from the bundled reference list so that generated documents pass code checks.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::model::reference;

/// A subordinate unit type of a department: name template (`{n}` = a Chinese ordinal)
/// and the 功能分类 项 its basic spending runs under.
pub struct SubUnit {
    pub name: &'static str,
    pub run_code: &'static str,
    /// Staff range.
    pub staff: (u32, u32),
}

/// A department (部门): its 本级 unit's name, whether it is an administrative organ
/// (行政) or a 事业 unit, the 项 of its running costs, the 项 its projects are booked
/// under, project names, and its subordinate unit types.
pub struct Sector {
    pub dept: &'static str,
    pub admin: bool,
    pub run_code: &'static str,
    pub project_codes: &'static [&'static str],
    pub projects: &'static [&'static str],
    pub subs: &'static [SubUnit],
    pub staff: (u32, u32),
}

pub const SECTORS: &[Sector] = &[
    Sector {
        dept: "人大常委会办公室",
        admin: true,
        run_code: "2010101",
        project_codes: &["2010102", "2010104"],
        projects: &["人大代表履职经费", "人代会会议经费", "立法调研经费"],
        subs: &[],
        staff: (15, 40),
    },
    Sector {
        dept: "人民政府办公室",
        admin: true,
        run_code: "2010301",
        project_codes: &["2010302"],
        projects: &["政务信息化运维经费", "应急值守经费", "督查督办专项经费"],
        subs: &[SubUnit {
            name: "政务服务中心",
            run_code: "2010350",
            staff: (20, 60),
        }],
        staff: (25, 70),
    },
    Sector {
        dept: "财政局",
        admin: true,
        run_code: "2010601",
        project_codes: &["2010602", "2010607"],
        projects: &[
            "预算管理一体化系统运维",
            "财政投资评审经费",
            "国库集中支付业务经费",
        ],
        subs: &[SubUnit {
            name: "财政国库支付中心",
            run_code: "2010650",
            staff: (10, 30),
        }],
        staff: (30, 80),
    },
    Sector {
        dept: "纪委监委机关",
        admin: true,
        run_code: "2011101",
        project_codes: &["2011102"],
        projects: &["办案业务经费", "廉政教育基地运行经费"],
        subs: &[],
        staff: (25, 60),
    },
    Sector {
        dept: "公安分局",
        admin: true,
        run_code: "2040201",
        project_codes: &["2040202", "2040219", "2040220"],
        projects: &[
            "执法办案经费",
            "天网工程运维经费",
            "辅警聘用经费",
            "警用装备购置",
        ],
        subs: &[],
        staff: (120, 400),
    },
    Sector {
        dept: "司法局",
        admin: true,
        run_code: "2040601",
        project_codes: &["2040604"],
        projects: &["人民调解经费", "法律援助经费", "社区矫正经费"],
        subs: &[],
        staff: (20, 50),
    },
    Sector {
        dept: "教育局",
        admin: true,
        run_code: "2050101",
        project_codes: &["2050102"],
        projects: &["教师培训经费", "学生资助管理经费", "教育信息化建设"],
        subs: &[
            SubUnit {
                name: "第{n}小学",
                run_code: "2050202",
                staff: (40, 120),
            },
            SubUnit {
                name: "第{n}初级中学",
                run_code: "2050203",
                staff: (50, 150),
            },
            SubUnit {
                name: "第{n}高级中学",
                run_code: "2050204",
                staff: (80, 220),
            },
            SubUnit {
                name: "第{n}幼儿园",
                run_code: "2050201",
                staff: (15, 50),
            },
        ],
        staff: (20, 60),
    },
    Sector {
        dept: "文化广电和旅游局",
        admin: true,
        run_code: "2070101",
        project_codes: &["2070109"],
        projects: &["群众文化活动经费", "文化惠民演出", "旅游宣传推介经费"],
        subs: &[SubUnit {
            name: "文化馆",
            run_code: "2070109",
            staff: (10, 30),
        }],
        staff: (15, 40),
    },
    Sector {
        dept: "人力资源和社会保障局",
        admin: true,
        run_code: "2080101",
        project_codes: &["2080106"],
        projects: &["就业服务专项经费", "劳动保障监察经费", "职业技能培训补贴"],
        subs: &[],
        staff: (25, 60),
    },
    Sector {
        dept: "民政局",
        admin: true,
        run_code: "2080201",
        project_codes: &["2080208"],
        projects: &["社区治理专项经费", "养老服务补贴", "殡葬改革经费"],
        subs: &[],
        staff: (20, 50),
    },
    Sector {
        dept: "卫生健康委员会",
        admin: true,
        run_code: "2100101",
        project_codes: &["2100102"],
        projects: &["基本公共卫生服务", "卫生监督执法经费", "家庭医生签约服务"],
        subs: &[
            SubUnit {
                name: "人民医院",
                run_code: "2100201",
                staff: (200, 600),
            },
            SubUnit {
                name: "第{n}社区卫生服务中心",
                run_code: "2100302",
                staff: (20, 60),
            },
        ],
        staff: (20, 50),
    },
    Sector {
        dept: "生态环境分局",
        admin: true,
        run_code: "2110101",
        project_codes: &["2110102"],
        projects: &["环境监测经费", "污染防治攻坚专项", "环境执法经费"],
        subs: &[],
        staff: (15, 40),
    },
    Sector {
        dept: "城市管理局",
        admin: true,
        run_code: "2120101",
        project_codes: &["2120104"],
        projects: &["城管执法经费", "市容环境整治", "数字城管运维经费"],
        subs: &[],
        staff: (40, 120),
    },
    Sector {
        dept: "农业农村局",
        admin: true,
        run_code: "2130101",
        project_codes: &["2130108"],
        projects: &["病虫害防治经费", "农产品质量安全监管", "高标准农田建设管理"],
        subs: &[SubUnit {
            name: "农业技术推广中心",
            run_code: "2130104",
            staff: (15, 45),
        }],
        staff: (25, 60),
    },
    Sector {
        dept: "水利局",
        admin: true,
        run_code: "2130301",
        project_codes: &["2130305"],
        projects: &["防汛抗旱经费", "水利工程运行维护", "河长制工作经费"],
        subs: &[],
        staff: (20, 50),
    },
    Sector {
        dept: "交通运输局",
        admin: true,
        run_code: "2140101",
        project_codes: &["2140106"],
        projects: &["农村公路养护经费", "交通运输执法经费", "客运站运营补助"],
        subs: &[],
        staff: (25, 70),
    },
];

/// Projects every unit may have, booked under its own running-cost 项's 款 sibling.
pub const COMMON_PROJECTS: &[&str] = &[
    "聘用人员经费",
    "办公设备购置",
    "信息系统运行维护",
    "业务用房维修改造",
    "专项业务工作经费",
    "档案数字化经费",
];

/// Names of the 功能分类 款 and 项 the generator uses (2018 onward names).
pub const FUNCTION_NAMES: &[(&str, &str)] = &[
    ("20101", "人大事务"),
    ("2010101", "行政运行"),
    ("2010102", "一般行政管理事务"),
    ("2010104", "人大会议"),
    ("20103", "政府办公厅（室）及相关机构事务"),
    ("2010301", "行政运行"),
    ("2010302", "一般行政管理事务"),
    ("2010350", "事业运行"),
    ("20106", "财政事务"),
    ("2010601", "行政运行"),
    ("2010602", "一般行政管理事务"),
    ("2010607", "信息化建设"),
    ("2010650", "事业运行"),
    ("20111", "纪检监察事务"),
    ("2011101", "行政运行"),
    ("2011102", "一般行政管理事务"),
    ("20402", "公安"),
    ("2040201", "行政运行"),
    ("2040202", "一般行政管理事务"),
    ("2040219", "信息化建设"),
    ("2040220", "执法办案"),
    ("20406", "司法"),
    ("2040601", "行政运行"),
    ("2040604", "基层司法业务"),
    ("20501", "教育管理事务"),
    ("2050101", "行政运行"),
    ("2050102", "一般行政管理事务"),
    ("20502", "普通教育"),
    ("2050201", "学前教育"),
    ("2050202", "小学教育"),
    ("2050203", "初中教育"),
    ("2050204", "高中教育"),
    ("20701", "文化和旅游"),
    ("2070101", "行政运行"),
    ("2070109", "群众文化"),
    ("20801", "人力资源和社会保障管理事务"),
    ("2080101", "行政运行"),
    ("2080106", "就业管理事务"),
    ("20802", "民政管理事务"),
    ("2080201", "行政运行"),
    ("2080208", "基层政权建设和社区治理"),
    ("20805", "行政事业单位养老支出"),
    ("2080501", "行政单位离退休"),
    ("2080502", "事业单位离退休"),
    ("2080505", "机关事业单位基本养老保险缴费支出"),
    ("2080506", "机关事业单位职业年金缴费支出"),
    ("21001", "卫生健康管理事务"),
    ("2100101", "行政运行"),
    ("2100102", "一般行政管理事务"),
    ("21002", "公立医院"),
    ("2100201", "综合医院"),
    ("21003", "基层医疗卫生机构"),
    ("2100302", "乡镇卫生院"),
    ("21011", "行政事业单位医疗"),
    ("2101101", "行政单位医疗"),
    ("2101102", "事业单位医疗"),
    ("21101", "环境保护管理事务"),
    ("2110101", "行政运行"),
    ("2110102", "一般行政管理事务"),
    ("21201", "城乡社区管理事务"),
    ("2120101", "行政运行"),
    ("2120104", "城管执法"),
    ("21301", "农业农村"),
    ("2130101", "行政运行"),
    ("2130104", "事业运行"),
    ("2130108", "病虫害控制"),
    ("21303", "水利"),
    ("2130301", "行政运行"),
    ("2130305", "水利工程建设"),
    ("21401", "公路水路运输"),
    ("2140101", "行政运行"),
    ("2140106", "公路养护"),
    ("22102", "住房改革支出"),
    ("2210201", "住房公积金"),
];

/// The name of a 功能分类 code: 类 from the reference list (207 and 210 were renamed in
/// 2019), 款 and 项 from [`FUNCTION_NAMES`]. Looked up once per code (hot in `gen`).
pub fn function_name(code: &str, year: i32) -> &'static str {
    static NAMES: OnceLock<HashMap<&'static str, [&'static str; 2]>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut m: HashMap<&'static str, [&'static str; 2]> =
            FUNCTION_NAMES.iter().map(|&(c, n)| (c, [n, n])).collect();
        for s in SECTORS {
            let code = s.run_code;
            for class in std::iter::once(&code[..3]).chain(s.project_codes.iter().map(|c| &c[..3]))
            {
                let name = |y| reference::class_name(class, Some(y)).unwrap_or("其他支出");
                m.insert(class, [name(2018), name(2019)]);
            }
        }
        for class in ["208", "210", "221"] {
            let name = |y| reference::class_name(class, Some(y)).unwrap_or("其他支出");
            m.insert(class, [name(2018), name(2019)]);
        }
        m
    });
    names
        .get(code)
        .map_or("其他支出", |n| n[usize::from(year >= 2019)])
}

/// The name of a 部门经济分类 code (reference list), from a table built once.
pub fn econ_name(code: &str) -> &'static str {
    static NAMES: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            reference::DEPT_ECON_CSV
                .lines()
                .skip(1)
                .filter_map(|l| l.split(',').next())
                .filter_map(|c| Some((c, reference::class_name(c, None)?)))
                .collect()
        })
        .get(code)
        .copied()
        .unwrap_or("其他支出")
}

/// 工资福利支出 (301) by 款, in permille of a unit's wage bill; 30199 takes the rest.
pub const WAGE_SPLIT: &[(&str, u32)] = &[
    ("30101", 180),
    ("30102", 220),
    ("30103", 60),
    ("30107", 140),
    ("30108", 110),
    ("30109", 40),
    ("30110", 70),
    ("30112", 10),
    ("30113", 90),
];

/// 商品和服务支出 (302) of basic running costs by 款, in permille of a unit's running
/// budget; 30299 takes the rest. (公务接待费, 公务用车运行维护费 and 因公出国（境）费用
/// come from the unit's "三公" profile; 工会经费 and 福利费 from the wage bill.)
pub const PUBLIC_SPLIT: &[(&str, u32)] = &[
    ("30201", 260),
    ("30205", 30),
    ("30206", 80),
    ("30207", 60),
    ("30211", 120),
    ("30213", 90),
    ("30215", 30),
    ("30216", 40),
    ("30239", 60),
];

/// 部门经济分类 of project spending.
pub const PROJECT_ECON: &[&str] = &["30226", "30227", "30213", "31002", "30201", "30299"];

/// Provinces (code, name) and city names the invented districts are placed in.
pub const PROVINCES: &[(&str, &str, &[&str])] = &[
    ("41", "河南省", &["洛阳市", "开封市", "南阳市", "新乡市"]),
    ("32", "江苏省", &["南通市", "扬州市", "盐城市", "淮安市"]),
    ("37", "山东省", &["潍坊市", "临沂市", "济宁市", "烟台市"]),
    ("42", "湖北省", &["宜昌市", "襄阳市", "荆州市", "黄冈市"]),
    ("51", "四川省", &["绵阳市", "南充市", "宜宾市", "达州市"]),
    ("33", "浙江省", &["温州市", "绍兴市", "金华市", "台州市"]),
    ("43", "湖南省", &["衡阳市", "岳阳市", "常德市", "邵阳市"]),
    ("34", "安徽省", &["芜湖市", "蚌埠市", "安庆市", "阜阳市"]),
];

/// Syllables of invented district names (first × second × suffix is unique per city).
pub const FIRST: &[&str] = &[
    "东", "西", "南", "北", "新", "清", "安", "平", "宁", "兴", "永", "长", "河", "山", "高", "华",
    "龙", "凤", "金", "玉", "青", "白", "石", "云",
];
pub const SECOND: &[&str] = &[
    "城", "阳", "安", "平", "丰", "水", "宁", "川", "江", "林", "陵", "原", "泉", "州", "湖", "山",
    "溪", "峰", "台", "乡",
];
pub const SUFFIX: &[&str] = &["区", "县"];

/// Chinese numerals 1–99 (一 … 九十九), for ordinals in unit names and table rows.
pub fn chinese_number(n: u32) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0 => "零".into(),
        1..=9 => D[n as usize].into(),
        10..=19 => format!("十{}", D[(n % 10) as usize]),
        20..=99 => format!("{}十{}", D[(n / 10) as usize], D[(n % 10) as usize]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reference::class_name;

    #[test]
    fn every_code_is_named() {
        for s in SECTORS {
            let codes = std::iter::once(s.run_code)
                .chain(s.project_codes.iter().copied())
                .chain(s.subs.iter().map(|u| u.run_code));
            for code in codes {
                assert_ne!(function_name(code, 2024), "其他支出", "{code}");
                assert_ne!(function_name(&code[..5], 2024), "其他支出", "{code}");
                assert!(class_name(&code[..3], Some(2024)).is_some(), "{code}");
            }
        }
        for (code, _) in WAGE_SPLIT.iter().chain(PUBLIC_SPLIT) {
            assert!(class_name(code, None).is_some(), "{code}");
        }
        for code in PROJECT_ECON {
            assert!(class_name(code, None).is_some(), "{code}");
        }
    }

    #[test]
    fn numerals() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(13), "十三");
        assert_eq!(chinese_number(21), "二十一");
        assert_eq!(chinese_number(30), "三十");
    }
}
