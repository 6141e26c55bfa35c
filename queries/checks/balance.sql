-- Table-internal balances (domain.md §3.2 R1, R6, R8). Every rule returns the offending
-- rows in the finding columns: doc_id, year, tables, rows, expected, actual, terms (the
-- number of rounded amounts compared), source_unit, message.

-- id: BAL-001
-- severity: error
-- scope: document
-- description: 收支总表、财政拨款收支总表：收入总计 = 支出总计 (R1, R9)
SELECT i.doc_id, i.year,
       CASE i.table_kind WHEN 'fiscal_summary' THEN '财政拨款收支总表' ELSE '收支总表' END AS tables,
       '收入总计/支出总计' AS rows,
       i.amount AS expected, e.amount AS actual, 2 AS terms, i.source_unit,
       concat(CASE i.table_kind WHEN 'fiscal_summary' THEN '财政拨款收支总表' ELSE '收支总表' END,
              '支出总计与收入总计不一致') AS message
FROM line_items i
JOIN line_items e
  ON e.doc_id = i.doc_id AND e.year = i.year AND e.table_no = i.table_no
 AND e.line_key = 'EXP_TOTAL' AND e.column_key = i.column_key
WHERE i.line_key = 'INC_TOTAL'
  AND i.table_kind IN ('income_expenditure_summary', 'fiscal_summary')
  AND i.column_key IN ('amount', 'total');

-- id: BAL-002
-- severity: error
-- scope: document
-- description: 支出表、一般公共预算支出表、政府性基金、国有资本经营支出表每行：合计 = 基本支出 + 项目支出（+ 单位预留机动经费 + 结转下年 + 事业单位经营支出 + 上缴上级支出 + 对附属单位补助支出）(R6)
-- (The rows are summed without their names; the few that fail get theirs from their
-- 合计 cell afterwards: aggregating text over every row doubled the rule's time. A table
-- that prints 基本支出 only as its 人员/公用 columns — Zhejiang's 人员支出, 日常公用支出 —
-- has their sum as its 基本支出.)
WITH r AS (
    SELECT doc_id, year, table_kind, table_no, row_no,
           max(CASE WHEN column_key = 'total' THEN amount END) AS total,
           coalesce(sum(CASE WHEN column_key = 'basic' THEN amount END),
                    sum(CASE WHEN column_key IN ('personnel', 'public') THEN amount END), 0)
             + coalesce(sum(CASE WHEN column_key IN ('project', 'reserve', 'carryover_next', 'operating_expenditure',
                                                     'remit_superior', 'subsidy_subsidiary') THEN amount END), 0) AS parts,
           count(CASE WHEN column_key IN ('basic', 'personnel', 'public', 'project', 'reserve', 'carryover_next',
                                          'operating_expenditure', 'remit_superior', 'subsidy_subsidiary') THEN 1 END) AS n
    FROM line_items
    WHERE table_kind IN ('expenditure', 'gpb_expenditure', 'gov_fund_expenditure', 'soe_expenditure')
      AND column_key IN ('total', 'basic', 'personnel', 'public', 'project', 'reserve', 'carryover_next',
                         'operating_expenditure', 'remit_superior', 'subsidy_subsidiary')
    GROUP BY doc_id, year, table_kind, table_no, row_no
),
t AS (
    -- Only tables that print basic/project columns.
    SELECT DISTINCT doc_id, table_no FROM line_items WHERE column_key IN ('basic', 'project')
),
f AS (
    SELECT r.* FROM t JOIN r ON t.doc_id = r.doc_id AND t.table_no = r.table_no
    WHERE r.total IS NOT NULL AND r.total IS DISTINCT FROM r.parts
)
SELECT f.doc_id, f.year, f.table_kind AS tables, l.row_label AS rows,
       f.total AS expected, f.parts AS actual, f.n + 1 AS terms, l.source_unit,
       concat(l.row_label, '：合计不等于基本支出与项目支出之和') AS message
FROM f JOIN line_items l
  ON l.doc_id = f.doc_id AND l.year = f.year AND l.table_no = f.table_no AND l.row_no = f.row_no
 AND l.column_key = 'total';

-- id: BAL-003
-- severity: error
-- scope: document
-- description: 一般公共预算基本支出表每行：合计 = 人员经费 + 公用经费 (R6)
WITH r AS (
    SELECT doc_id, year, table_no, row_no,
           max(CASE WHEN column_key = 'total' THEN amount END) AS total,
           sum(CASE WHEN column_key IN ('personnel', 'public') THEN amount END) AS parts,
           count(CASE WHEN column_key IN ('personnel', 'public') THEN 1 END) AS n
    FROM line_items
    WHERE table_kind = 'gpb_basic_expenditure'
    GROUP BY doc_id, year, table_no, row_no
),
t AS (
    SELECT DISTINCT doc_id, table_no FROM line_items
    WHERE table_kind = 'gpb_basic_expenditure' AND column_key IN ('personnel', 'public')
),
f AS (
    SELECT r.* FROM t JOIN r ON t.doc_id = r.doc_id AND t.table_no = r.table_no
    WHERE r.total IS NOT NULL AND r.total IS DISTINCT FROM r.parts
)
SELECT f.doc_id, f.year, 'gpb_basic_expenditure' AS tables, l.row_label AS rows,
       f.total AS expected, coalesce(f.parts, 0) AS actual, f.n + 1 AS terms, l.source_unit,
       concat(l.row_label, '：合计不等于人员经费与公用经费之和') AS message
FROM f JOIN line_items l
  ON l.doc_id = f.doc_id AND l.year = f.year AND l.table_no = f.table_no AND l.row_no = f.row_no
 AND l.column_key = 'total';

-- id: BAL-004
-- severity: error
-- scope: document
-- description: "三公"经费表：合计 = 因公出国(境)费 + 公务接待费 + 公务用车购置及运行费；公务用车购置及运行费 = 购置费 + 运行费；（江苏）总合计 = 三公 + 会议费 + 培训费 (R8)
WITH r AS (
    SELECT doc_id, year, table_no, row_no, max(source_unit) AS source_unit,
           max(CASE WHEN column_key = 'grand_total' THEN amount END) AS grand_total,
           max(CASE WHEN column_key = 'total' THEN amount END) AS total,
           coalesce(max(CASE WHEN column_key = 'abroad' THEN amount END), 0) AS abroad,
           coalesce(max(CASE WHEN column_key = 'reception' THEN amount END), 0) AS reception,
           max(CASE WHEN column_key = 'car' THEN amount END) AS car,
           coalesce(max(CASE WHEN column_key = 'car.purchase' THEN amount END), 0) AS purchase,
           coalesce(max(CASE WHEN column_key = 'car.operation' THEN amount END), 0) AS operation,
           coalesce(max(CASE WHEN column_key = 'meeting' THEN amount END), 0) AS meeting,
           coalesce(max(CASE WHEN column_key = 'training' THEN amount END), 0) AS training
    FROM line_items
    WHERE table_kind = 'three_public'
    GROUP BY doc_id, year, table_no, row_no
)
SELECT doc_id, year, '"三公"经费表' AS tables, '"三公"经费合计' AS rows,
       total AS expected, abroad + reception + coalesce(car, purchase + operation) AS actual,
       4 AS terms, source_unit, '"三公"经费合计不等于因公出国(境)费、公务接待费、公务用车购置及运行费之和' AS message
FROM r WHERE total IS NOT NULL
UNION ALL
SELECT doc_id, year, '"三公"经费表', '公务用车购置及运行费',
       car, purchase + operation, 3, source_unit, '公务用车购置及运行费不等于购置费与运行费之和'
FROM r WHERE car IS NOT NULL
UNION ALL
SELECT doc_id, year, '"三公"经费、会议费、培训费表', '合计',
       grand_total, coalesce(total, 0) + meeting + training, 4, source_unit, '合计不等于"三公"经费、会议费、培训费之和'
FROM r WHERE grand_total IS NOT NULL;

-- id: BAL-005
-- severity: error
-- scope: document
-- description: 资金来源各列之和 = 合计：收入表（本年收入合计 = Σ各项收入；总计 = 本年收入合计 + 上年结转结余）、支出经济分类汇总表、项目支出表、绩效目标表每行 (R6)
-- (Names as in BAL-002: a failing row's from its 合计 cell, 本年收入合计 in 收入表.)
WITH c AS (
    SELECT doc_id, year, table_kind, table_no, row_no, column_key, amount,
           CASE table_kind
               WHEN 'income' THEN column_key IN ('year.gpb', 'year.gov_fund', 'year.soe', 'year.special_account',
                   'year.business', 'year.operating', 'year.superior', 'year.subsidiary', 'year.other')
               WHEN 'econ_summary' THEN column_key IN ('gpb', 'gov_fund', 'soe', 'carryover', 'special_account',
                   'business', 'superior', 'subsidiary', 'operating', 'other')
               WHEN 'project_expenditure' THEN column_key IN ('gpb', 'gov_fund', 'soe', 'carryover.gpb',
                   'carryover.gov_fund', 'carryover.soe', 'special_account', 'unit_funds')
               WHEN 'performance_targets' THEN column_key IN ('gov_budget', 'special_account', 'unit_funds')
           END AS is_part
    FROM line_items
    WHERE table_kind IN ('income', 'econ_summary', 'project_expenditure', 'performance_targets')
),
r AS (
    SELECT doc_id, year, table_kind, table_no, row_no,
           max(CASE WHEN column_key = 'total' THEN amount END) AS total,
           max(CASE WHEN column_key = 'year.total' THEN amount END) AS year_total,
           max(CASE WHEN column_key = 'carryover.total' THEN amount END) AS carryover_total,
           sum(CASE WHEN is_part THEN amount END) AS parts,
           count(CASE WHEN is_part THEN 1 END) AS n
    FROM c GROUP BY doc_id, year, table_kind, table_no, row_no
),
f AS (
    SELECT doc_id, year, table_kind, table_no, row_no,
           CASE WHEN table_kind = 'income' THEN year_total ELSE total END AS expected,
           parts AS actual, n + 1 AS terms, 1 AS test
    FROM r
    WHERE n > 0 AND (CASE WHEN table_kind = 'income' THEN year_total ELSE total END) IS NOT NULL
      AND (CASE WHEN table_kind = 'income' THEN year_total ELSE total END) IS DISTINCT FROM parts
    UNION ALL
    SELECT doc_id, year, table_kind, table_no, row_no, total, year_total + coalesce(carryover_total, 0), 3, 2
    FROM r
    WHERE table_kind = 'income' AND total IS NOT NULL AND year_total IS NOT NULL
      AND total IS DISTINCT FROM year_total + coalesce(carryover_total, 0)
)
SELECT f.doc_id, f.year, f.table_kind AS tables, l.row_label AS rows, f.expected, f.actual, f.terms, l.source_unit,
       CASE WHEN f.test = 2 THEN concat(l.row_label, '：总计不等于本年收入合计与上年结转结余之和')
            ELSE concat(l.row_label, '：各资金来源之和不等于',
                        CASE WHEN f.table_kind = 'income' THEN '本年收入合计' ELSE '合计' END) END AS message
FROM f JOIN line_items l
  ON l.doc_id = f.doc_id AND l.year = f.year AND l.table_no = f.table_no AND l.row_no = f.row_no
 AND l.column_key = CASE WHEN f.table_kind = 'income' THEN 'year.total' ELSE 'total' END;

-- id: BAL-006
-- severity: error
-- scope: document
-- description: 收支总表、财政拨款收支总表：本年支出合计 = Σ支出功能分类各类（每一列）(R4)
-- A line the reader could not name may be a part of the total that is not a 功能分类 类
-- (Guangzhou lists 国有资本经营预算支出, 对附属单位补助支出, 上缴上级支出 and 转移性支出
-- among the 类), or a fund's line above its 类 (一、一般公共预算支出): the total holds
-- with or without those lines, and only a total that holds with neither is a finding.
WITH lei AS (
    SELECT doc_id, year, table_no, column_key,
           sum(CASE WHEN function_code IS NOT NULL THEN amount END) AS total,
           count(CASE WHEN function_code IS NOT NULL THEN 1 END) AS n,
           sum(amount) AS with_unnamed, count(*) AS n_all
    FROM line_items
    WHERE table_kind IN ('income_expenditure_summary', 'fiscal_summary') AND flow = 'expenditure'
      AND ((row_kind = 'function' AND length(function_code) = 3)
           OR (row_kind = 'line' AND line_key IS NULL)
           -- (A 类-level line, by its indentation, whose name is no known 类.)
           OR (row_kind = 'function' AND function_code IS NULL AND function_level = 1))
    GROUP BY doc_id, year, table_no, column_key
    HAVING count(CASE WHEN function_code IS NOT NULL THEN 1 END) > 0
)
SELECT t.doc_id, t.year,
       CASE t.table_kind WHEN 'fiscal_summary' THEN '财政拨款收支总表' ELSE '收支总表' END AS tables,
       concat(t.row_label, '（', t.column_key, '）') AS rows,
       t.amount AS expected, l.total AS actual, l.n + 1 AS terms, t.source_unit,
       concat(t.row_label, '不等于各类支出之和') AS message
FROM lei l
JOIN line_items t ON l.doc_id = t.doc_id AND l.table_no = t.table_no AND l.column_key = t.column_key
WHERE t.table_kind IN ('income_expenditure_summary', 'fiscal_summary') AND t.line_key = 'EXP_YEAR_TOTAL'
  AND (t.amount IS DISTINCT FROM l.total)
  -- (With the unnamed lines: equal within the rounding of the printed figures.)
  AND abs(t.amount - l.with_unnamed) > CASE WHEN t.source_unit = '万元' THEN 100 * l.n_all ELSE 0 END;
