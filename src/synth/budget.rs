//! The numbers of generated budgets: districts, their units (a department's 本级 unit and
//! its subordinate units, each with a fixed profile), and one unit's budget for a year —
//! basic spending by 部门经济分类 and 功能分类 项, projects, "三公" — computed in
//! integer hundredths of 万元 (100 元) so that every total adds up exactly.
//!
//! Everything is a pure function of (seed, district, unit, year): units can be generated
//! in any order, on any thread, and a unit's previous year can be recomputed for growth
//! figures. Owns no table layout (that is `synth::document`).

use super::catalog::{
    self, COMMON_PROJECTS, FIRST, PROJECT_ECON, PROVINCES, PUBLIC_SPLIT, SECOND, SECTORS, SUFFIX,
    WAGE_SPLIT,
};

/// Amounts are integers in hundredths of 万元 (100 元): `82729` is 827.29 万元.
pub type Amount = i64;

/// A stateless 64-bit mixer (SplitMix64's finalizer): seeds per unit and year.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_add(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic random source for one purpose (unit profile, a year's noise …).
pub fn rng(seed: u64, parts: &[u64]) -> fastrand::Rng {
    fastrand::Rng::with_seed(parts.iter().fold(seed, |s, &p| mix(s, p)))
}

/// `base × factor_ppm / 10^6 × permille / 1000`, rounded down, in exact integers.
fn scale(base: Amount, factor_ppm: i64, permille: i64) -> Amount {
    (base as i128 * factor_ppm as i128 / 1_000_000 * permille as i128 / 1000) as Amount
}

/// A county-level division (区/县) with its budget units.
#[derive(Debug, Clone)]
pub struct District {
    /// Full name, as `documents.region`: 河南省洛阳市东城区.
    pub region: String,
    /// Six-digit division code (invented: the province's two digits and the index).
    pub code: String,
    /// The district's own name: 东城区.
    pub short: String,
    pub index: u32,
}

impl District {
    /// The `index`-th district: names are unique (province × city × syllables × suffix).
    pub fn new(index: u32) -> District {
        let mut i = index as usize;
        let a = FIRST[i % FIRST.len()];
        i /= FIRST.len();
        let b = SECOND[i % SECOND.len()];
        i /= SECOND.len();
        let (pcode, pname, cities) = PROVINCES[i % PROVINCES.len()];
        i /= PROVINCES.len();
        let city_no = i % cities.len();
        let city = cities[city_no];
        i /= cities.len();
        let s = SUFFIX[i % SUFFIX.len()];
        let round = i / SUFFIX.len();
        // Past the syllable space, a numeral keeps names unique.
        let short = if round == 0 {
            format!("{a}{b}{s}")
        } else {
            format!("{a}{b}{}{s}", catalog::chinese_number(round as u32 + 1))
        };
        District {
            region: format!("{pname}{city}{short}"),
            code: format!("{pcode}{:04}", index % 10_000),
            short,
            index,
        }
    }
}

/// A project a unit runs (most years).
#[derive(Debug, Clone)]
pub struct ProjectTemplate {
    pub name: String,
    pub function_code: &'static str,
    pub econ_code: &'static str,
    /// 特定目标类 (else 其他运转类).
    pub specific: bool,
    /// Year-2000 amount level.
    pub base: Amount,
    pub serial: u32,
}

/// One budget unit's fixed profile.
#[derive(Debug, Clone)]
pub struct Unit {
    pub name: String,
    pub code: String,
    /// 行政 organ (else 事业 unit): decides 医疗/离退休 项 and the 政府经济分类 mapping.
    pub admin: bool,
    pub run_code: &'static str,
    pub staff: u32,
    pub retirees: u32,
    /// Year-2000 wage bill per head.
    pub salary: Amount,
    /// Year-2000 running costs per head.
    pub running: Amount,
    pub reception: Amount,
    pub cars: u32,
    pub abroad: bool,
    /// A 事业 unit with 事业收入 (one project funded from it).
    pub business: bool,
    pub projects: Vec<ProjectTemplate>,
    pub seed: u64,
}

/// The units of a district: every department's 本级 unit first, then subordinate units
/// in turn, `count` in all, sorted by name (the order rows are stored in).
pub fn district_units(seed: u64, district: &District, count: u32) -> Vec<Unit> {
    let mut units = Vec::with_capacity(count as usize);
    let mut sub_counts = vec![0u32; SECTORS.len()];
    // Subordinate units in proportion to the sector's templates, schools and clinics
    // twice over (most of a district's units are schools), in a per-district order.
    let mut with_subs: Vec<usize> = (0..SECTORS.len())
        .flat_map(|i| {
            let s = &SECTORS[i];
            let weight = s.subs.len() * if s.subs.len() > 1 { 2 } else { 1 };
            std::iter::repeat_n(i, weight)
        })
        .collect();
    rng(seed, &[district.index as u64, 0x5B]).shuffle(&mut with_subs);
    for n in 0..count {
        let useed = mix(mix(seed, district.index as u64), n as u64);
        let mut r = fastrand::Rng::with_seed(useed);
        let (sector_no, sub) = if (n as usize) < SECTORS.len() {
            (n as usize, None)
        } else {
            let k = (n as usize - SECTORS.len()) % with_subs.len();
            let s = with_subs[k];
            sub_counts[s] += 1;
            let subs = SECTORS[s].subs;
            let sub_no = (sub_counts[s] as usize - 1) % subs.len();
            (s, Some((&subs[sub_no], sub_counts[s])))
        };
        let sector = &SECTORS[sector_no];
        let (name, admin, run_code, staff, project_codes): (String, bool, &'static str, _, _) =
            match sub {
                None => (
                    format!("{}{}", district.short, sector.dept),
                    sector.admin,
                    sector.run_code,
                    sector.staff,
                    sector.project_codes,
                ),
                Some((s, k)) => {
                    let ordinal = (k - 1) / sector.subs.len() as u32 + 1;
                    let label = s.name.replace("{n}", &catalog::chinese_number(ordinal));
                    // Units without a numeral in their template repeat: number them.
                    let label = if s.name.contains("{n}") || ordinal == 1 {
                        label
                    } else {
                        format!("第{}{label}", catalog::chinese_number(ordinal))
                    };
                    (
                        format!("{}{label}", district.short),
                        false,
                        s.run_code,
                        s.staff,
                        std::slice::from_ref(&s.run_code),
                    )
                }
            };
        let staff = r.u32(staff.0..=staff.1);
        let mut names: Vec<&str> = sector.projects.to_vec();
        if sub.is_some() {
            names.clear();
        }
        names.extend(COMMON_PROJECTS);
        r.shuffle(&mut names);
        let n_projects = r.usize(1..=names.len().min(8));
        let projects = names[..n_projects]
            .iter()
            .enumerate()
            .map(|(i, name)| ProjectTemplate {
                name: (*name).to_string(),
                function_code: project_codes[r.usize(..project_codes.len())],
                econ_code: PROJECT_ECON[r.usize(..PROJECT_ECON.len())],
                specific: r.u32(..100) < 35,
                base: r.i64(300..=8000) * (1 + staff as i64 / 60),
                serial: (n * 16 + i as u32) % 1_000_000,
            })
            .collect();
        units.push(Unit {
            code: format!("{:03}{:03}", 101 + sector_no, sub.map_or(1, |(_, k)| k + 1)),
            name,
            admin,
            run_code,
            staff,
            retirees: r.u32(0..=staff / 3),
            salary: r.i64(380..=520),
            running: r.i64(60..=140),
            reception: if r.u32(..100) < 70 {
                r.i64(20..=200)
            } else {
                0
            },
            cars: if r.u32(..100) < 55 { r.u32(1..=4) } else { 0 },
            abroad: r.u32(..100) < 8,
            business: !admin && r.u32(..100) < 40,
            projects,
            seed: useed,
        });
    }
    units.sort_by(|a, b| a.name.cmp(&b.name));
    units
}

/// One basic-spending line: a 部门经济分类 款 under a 功能分类 项.
#[derive(Debug, Clone, PartialEq)]
pub struct BasicLine {
    pub econ_code: &'static str,
    pub function_code: &'static str,
    pub amount: Amount,
}

/// One project's budget for the year.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectLine {
    pub name: String,
    /// 21-digit 项目编码 as printed in 绩效目标表.
    pub code: String,
    pub function_code: &'static str,
    pub econ_code: &'static str,
    pub specific: bool,
    /// 一般公共预算 (财政拨款).
    pub gpb: Amount,
    /// 单位资金 (事业收入).
    pub unit_funds: Amount,
}

impl ProjectLine {
    pub fn total(&self) -> Amount {
        self.gpb + self.unit_funds
    }
}

/// "三公"经费.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ThreePublic {
    pub abroad: Amount,
    pub reception: Amount,
    pub car_purchase: Amount,
    pub car_operation: Amount,
}

impl ThreePublic {
    pub fn car(&self) -> Amount {
        self.car_purchase + self.car_operation
    }
    pub fn total(&self) -> Amount {
        self.abroad + self.reception + self.car()
    }
}

/// One unit's budget for one year. Basic spending is all 一般公共预算; projects may be
/// funded by 单位资金.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub year: i32,
    pub basic: Vec<BasicLine>,
    pub projects: Vec<ProjectLine>,
    pub three_public: ThreePublic,
}

/// A multiplier in permille around 1000 (± `spread`).
fn noise(r: &mut fastrand::Rng, spread: i64) -> i64 {
    1000 + r.i64(-spread..=spread)
}

/// Cumulative growth from 2000 to `year`, in ppm: 2–9 % a year, drawn per unit and year.
fn growth_ppm(unit: &Unit, year: i32) -> i64 {
    let mut f: i64 = 1_000_000;
    for y in 2001..=year {
        let g = 1_000_000 + (mix(unit.seed, y as u64) % 70_001) as i64 + 20_000;
        f = (f as i128 * g as i128 / 1_000_000) as i64;
    }
    f
}

impl Budget {
    /// The budget of `unit` in `year`.
    pub fn generate(district: &District, unit: &Unit, year: i32) -> Budget {
        let mut r = rng(unit.seed, &[year as u64]);
        let f = growth_ppm(unit, year);
        let wages = scale(unit.salary * unit.staff as i64, f, noise(&mut r, 30));
        let mut basic = Vec::with_capacity(32);
        let mut push = |econ: &'static str, func: &'static str, amount: Amount| {
            if amount > 0 {
                basic.push(BasicLine {
                    econ_code: econ,
                    function_code: func,
                    amount,
                });
            }
        };
        // 工资福利支出.
        let mut rest = wages;
        for &(code, pm) in WAGE_SPLIT {
            if code == "30109" && year < 2015 {
                continue;
            }
            let a = scale(wages, 1_000_000, pm as i64 * noise(&mut r, 50) / 1000);
            rest -= a;
            let func = match code {
                "30108" => "2080505",
                "30109" => "2080506",
                "30110" if unit.admin => "2101101",
                "30110" => "2101102",
                "30113" => "2210201",
                _ => unit.run_code,
            };
            push(code, func, a);
        }
        push("30199", unit.run_code, rest);
        // 商品和服务支出: running costs, then what depends on wages and the "三公" profile.
        let running = scale(unit.running * unit.staff as i64, f, noise(&mut r, 50));
        let mut rest = running;
        for &(code, pm) in PUBLIC_SPLIT {
            if code != "30201" && r.u32(..100) < 20 {
                continue;
            }
            let a = scale(running, 1_000_000, pm as i64 * noise(&mut r, 80) / 1000);
            rest -= a;
            push(code, unit.run_code, a);
        }
        push("30299", unit.run_code, rest);
        let abroad = if unit.abroad && r.bool() {
            scale(300, f, noise(&mut r, 200))
        } else {
            0
        };
        let reception = scale(unit.reception, f, noise(&mut r, 150));
        let car_operation = scale(120 * unit.cars as i64, f, noise(&mut r, 100));
        push("30212", unit.run_code, abroad);
        push("30217", unit.run_code, reception);
        push("30228", unit.run_code, wages * 2 / 100);
        push(
            "30229",
            unit.run_code,
            scale(wages, 1_000_000, 15 * noise(&mut r, 100) / 1000),
        );
        push("30231", unit.run_code, car_operation);
        // 对个人和家庭的补助.
        let pension = if unit.admin { "2080501" } else { "2080502" };
        push(
            "30302",
            pension,
            scale(120 * unit.retirees as i64, f, noise(&mut r, 40)),
        );
        if unit.seed.is_multiple_of(5) {
            push("30305", unit.run_code, scale(40, f, noise(&mut r, 300)));
        }
        basic.sort_by(|a, b| a.econ_code.cmp(b.econ_code));

        let mut projects = Vec::new();
        for (i, p) in unit.projects.iter().enumerate() {
            if i > 0 && r.u32(..100) < 15 {
                continue;
            }
            projects.push(ProjectLine {
                name: p.name.clone(),
                code: project_code(district, year, p.serial),
                function_code: p.function_code,
                econ_code: p.econ_code,
                specific: p.specific,
                gpb: scale(p.base, f, noise(&mut r, 300)),
                unit_funds: 0,
            });
        }
        if unit.business {
            projects.push(ProjectLine {
                name: "事业发展专项".into(),
                code: project_code(district, year, (unit.seed % 900_000) as u32 + 99_000),
                function_code: unit.run_code,
                econ_code: "30227",
                specific: true,
                gpb: 0,
                unit_funds: scale(wages, 1_000_000, r.i64(100..=300)),
            });
        }
        let car_purchase = if unit.cars > 0 && r.u32(..100) < 6 {
            let a = scale(1500, 1_000_000, noise(&mut r, 150));
            projects.push(ProjectLine {
                name: "公务用车购置".into(),
                code: project_code(district, year, 999_000 + (unit.seed % 999) as u32),
                function_code: unit.run_code,
                econ_code: "31013",
                specific: true,
                gpb: a,
                unit_funds: 0,
            });
            a
        } else {
            0
        };
        projects.retain(|p| p.total() > 0);
        Budget {
            year,
            basic,
            projects,
            three_public: ThreePublic {
                abroad,
                reception,
                car_purchase,
                car_operation,
            },
        }
    }

    /// 收入/支出 总计 (all funds).
    pub fn total(&self) -> Amount {
        self.basic_total() + self.project_total()
    }
    pub fn basic_total(&self) -> Amount {
        self.basic.iter().map(|b| b.amount).sum()
    }
    pub fn project_total(&self) -> Amount {
        self.projects.iter().map(|p| p.total()).sum()
    }
    /// 一般公共预算 (all of it 财政拨款).
    pub fn gpb(&self) -> Amount {
        self.basic_total() + self.projects.iter().map(|p| p.gpb).sum::<Amount>()
    }
    /// 事业收入.
    pub fn business(&self) -> Amount {
        self.projects.iter().map(|p| p.unit_funds).sum()
    }
    /// 人员经费 (工资福利 + 对个人和家庭的补助) of basic spending.
    pub fn personnel(&self) -> Amount {
        self.basic
            .iter()
            .filter(|b| !b.econ_code.starts_with("302"))
            .map(|b| b.amount)
            .sum()
    }
    /// 公用经费 (商品和服务支出) of basic spending = 机构运行经费.
    pub fn public(&self) -> Amount {
        self.basic_total() - self.personnel()
    }
}

fn project_code(district: &District, year: i32, serial: u32) -> String {
    format!("{}{:02}0000000{:06}", district.code, year % 100, serial)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn districts_are_unique() {
        let names: std::collections::BTreeSet<String> =
            (0..3000).map(|i| District::new(i).region).collect();
        assert_eq!(names.len(), 3000);
    }

    #[test]
    fn budgets_are_deterministic_and_add_up() {
        let d = District::new(7);
        let units = district_units(42, &d, 40);
        assert_eq!(units.len(), 40);
        let again = district_units(42, &d, 40);
        for (u, v) in units.iter().zip(&again) {
            assert_eq!(Budget::generate(&d, u, 2020), Budget::generate(&d, v, 2020));
        }
        for u in &units {
            let b = Budget::generate(&d, u, 2024);
            assert!(b.basic.iter().all(|l| l.amount > 0), "{}", u.name);
            assert_eq!(b.total(), b.gpb() + b.business());
            assert_eq!(b.basic_total(), b.personnel() + b.public());
            // Personnel-heavy: wages dominate basic spending.
            assert!(b.personnel() * 2 > b.basic_total(), "{}", u.name);
            // Years grow on average.
            assert!(Budget::generate(&d, u, 2015).basic_total() < b.basic_total());
        }
    }
}
