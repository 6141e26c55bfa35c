-- Cross-table rules (domain.md §3.2 X1, X2, X7, X10): the same figure printed by two
-- tables of one document must agree (where both tables print it).

-- id: XT-001
-- severity: error
-- scope: document
-- description: 收支总表 支出总计 = 支出表 合计 (X2)
-- (The first 支出表 of the document: Jiangsu prints 财政拨款支出表 under the same kind.)
-- A 支出表 without a 结转下年 column (Beijing) adds up to 本年支出合计, which is 支出总计
-- less a printed 年终结转结余: where the 收支总表 prints a carry-over and its own lines
-- agree, a 支出表 合计 equal to 本年支出合计 is no finding.
WITH first_table AS (
    SELECT doc_id, min(table_no) AS table_no FROM line_items
    WHERE table_kind = 'expenditure' GROUP BY doc_id
),
year_total AS (
    SELECT doc_id, table_no, column_key,
           max(CASE WHEN line_key = 'EXP_YEAR_TOTAL' THEN amount END) AS year_total,
           max(CASE WHEN line_key = 'EXP_CARRYOVER' THEN amount END) AS carryover
    FROM line_items
    WHERE table_kind = 'income_expenditure_summary' AND line_key IN ('EXP_YEAR_TOTAL', 'EXP_CARRYOVER')
    GROUP BY doc_id, table_no, column_key
)
SELECT s.doc_id, s.year, '收支总表/支出表' AS tables, '支出总计/合计' AS rows,
       s.amount AS expected, t.amount AS actual, 2 AS terms, s.source_unit,
       '支出表合计与收支总表支出总计不一致' AS message
FROM line_items s
JOIN first_table f ON f.doc_id = s.doc_id
JOIN line_items t
  ON t.doc_id = s.doc_id AND t.year = s.year AND t.table_no = f.table_no
 AND t.row_kind = 'total' AND t.column_key = 'total'
LEFT JOIN year_total y
  ON y.doc_id = s.doc_id AND y.table_no = s.table_no AND y.column_key = s.column_key
WHERE s.table_kind = 'income_expenditure_summary' AND s.line_key = 'EXP_TOTAL'
  -- (A 收支总表 printing its expenditure side in several columns — 合计, 人员, 公用, 项目
  -- — is compared in its 合计 column.)
  AND s.column_key IN ('amount', 'total')
  AND NOT coalesce(y.carryover <> 0 AND y.year_total = t.amount
                   AND s.amount - y.carryover = y.year_total, false);

-- id: XT-002
-- severity: error
-- scope: document
-- description: 一般公共预算基本支出表 合计 = 一般公共预算支出表 基本支出合计 (X7)
SELECT b.doc_id, b.year, '一般公共预算基本支出表/一般公共预算支出表' AS tables, '合计' AS rows,
       g.amount AS expected, b.amount AS actual, 2 AS terms, b.source_unit,
       '一般公共预算基本支出表合计与一般公共预算支出表的基本支出合计不一致' AS message
FROM line_items b
JOIN line_items g
  ON g.doc_id = b.doc_id AND g.year = b.year AND g.table_kind = 'gpb_expenditure'
 AND g.row_kind = 'total' AND g.column_key = 'basic'
WHERE b.table_kind = 'gpb_basic_expenditure' AND b.row_kind = 'total' AND b.column_key = 'total';

-- id: XT-003
-- severity: warning
-- scope: document
-- description: 项目支出表 Σ项目 = 支出表 项目支出合计 (X10)
WITH p AS (
    SELECT doc_id, year, sum(total) AS total, count(*) AS n
    FROM projects WHERE table_kind = 'project_expenditure' AND total IS NOT NULL
    GROUP BY doc_id, year
),
first_table AS (
    SELECT doc_id, min(table_no) AS table_no FROM line_items
    WHERE table_kind = 'expenditure' GROUP BY doc_id
)
SELECT e.doc_id, e.year, '项目支出表/支出表' AS tables, '项目支出合计' AS rows,
       e.amount AS expected, p.total AS actual, p.n + 1 AS terms, e.source_unit,
       concat('项目支出表所列', CAST(p.n AS VARCHAR), '个项目之和与支出表项目支出合计不一致') AS message
FROM line_items e
JOIN first_table f ON f.doc_id = e.doc_id AND f.table_no = e.table_no
JOIN p ON p.doc_id = e.doc_id AND p.year = e.year
WHERE e.row_kind = 'total' AND e.column_key = 'project';

-- id: XT-004
-- severity: warning
-- scope: document
-- description: 绩效目标表所列项目与项目支出表一致：同名项目金额相同，各表项目互见 (X11)
-- (Both tables' projects are summed by name in one pass, and each later step refers to
-- that pass as few times as it can: the engine computes a WITH clause once per use.)
WITH p AS (
    SELECT doc_id, year, project_name AS name,
           sum(CASE WHEN table_kind = 'project_expenditure' THEN total END) AS tp_amount,
           sum(CASE WHEN table_kind = 'performance_targets' THEN total END) AS tk_amount
    FROM projects
    WHERE table_kind IN ('project_expenditure', 'performance_targets') AND total IS NOT NULL
    GROUP BY doc_id, year, project_name
),
-- Projects printed in one table only, in documents that print both tables.
un AS (
    SELECT doc_id, year, name, coalesce(tp_amount, tk_amount) AS amount, tp_amount IS NOT NULL AS in_tp
    FROM (
        SELECT p.*, count(tp_amount) OVER (PARTITION BY doc_id) > 0
                    AND count(tk_amount) OVER (PARTITION BY doc_id) > 0 AS both_tables
        FROM p
    ) d
    WHERE both_tables AND (tp_amount IS NULL OR tk_amount IS NULL)
),
-- Names printed differently for the same project (abridged, or damaged in extraction):
-- same amount, one name inside the other or at most half the characters different.
fuzzy AS (
    SELECT DISTINCT a.doc_id, a.name, a.in_tp
    FROM un a JOIN un b ON b.doc_id = a.doc_id AND b.amount = a.amount AND b.in_tp <> a.in_tp
    WHERE strpos(b.name, a.name) > 0 OR strpos(a.name, b.name) > 0
       OR levenshtein(a.name, b.name) * 2
          <= greatest(character_length(a.name), character_length(b.name))
),
units AS (
    SELECT doc_id, max(unit) AS source_unit FROM source_tables
    WHERE table_kind = 'project_expenditure' AND amount_count > 0 GROUP BY doc_id
)
SELECT p.doc_id, p.year, '项目支出表/绩效目标表' AS tables, p.name AS rows,
       p.tp_amount AS expected, p.tk_amount AS actual, 2 AS terms, u.source_unit,
       concat('项目"', p.name, '"在项目支出表与绩效目标表中的金额不一致') AS message
FROM p JOIN units u ON u.doc_id = p.doc_id
WHERE p.tp_amount <> p.tk_amount
UNION ALL
SELECT un.doc_id, un.year, '项目支出表/绩效目标表', un.name,
       CASE WHEN un.in_tp THEN un.amount END, CASE WHEN NOT un.in_tp THEN un.amount END, 1, '',
       CASE WHEN un.in_tp THEN concat('项目支出表所列项目"', un.name, '"不在绩效目标表中')
            ELSE concat('绩效目标表所列项目"', un.name, '"不在项目支出表中') END
FROM un LEFT JOIN fuzzy f ON f.doc_id = un.doc_id AND f.name = un.name AND f.in_tp = un.in_tp
WHERE f.name IS NULL;

-- id: XT-005
-- severity: error
-- scope: document
-- description: 收支总表的各项收入 = 收入表合计行的同一资金来源（一般公共预算、其中财政拨款、政府性基金……）(X1)
WITH t1 AS (
    SELECT doc_id, year, line_key, amount, source_unit, row_label
    FROM line_items
    WHERE table_kind = 'income_expenditure_summary' AND flow = 'income'
      AND line_key IN ('INC_TOTAL', 'INC_FISCAL', 'INC_GPB', 'INC_GPB_FISCAL', 'INC_GOV_FUND', 'INC_SOE',
                       'INC_BUSINESS', 'INC_OPERATING', 'INC_OTHER', 'INC_SPECIAL_ACCOUNT')
),
-- The income table by source: its 合计 row's columns (Henan, Shanghai) …
by_column AS (
    SELECT doc_id,
           CASE regexp_replace(column_key, '^year\.', '')
               WHEN 'total' THEN 'INC_TOTAL' WHEN 'fiscal' THEN 'INC_FISCAL' WHEN 'gpb' THEN 'INC_GPB'
               WHEN 'gpb_fiscal' THEN 'INC_GPB_FISCAL' WHEN 'gov_fund' THEN 'INC_GOV_FUND' WHEN 'soe' THEN 'INC_SOE'
               WHEN 'business' THEN 'INC_BUSINESS' WHEN 'operating' THEN 'INC_OPERATING' WHEN 'other' THEN 'INC_OTHER'
               WHEN 'special_account' THEN 'INC_SPECIAL_ACCOUNT' END AS line_key,
           amount, column_label AS label
    FROM line_items
    WHERE table_kind = 'income' AND row_kind = 'total' AND column_key <> 'total'
),
-- … or its rows (Jiangsu: 收入总计, one 小计 per source).
by_row AS (
    SELECT doc_id, line_key, amount, row_label AS label
    FROM line_items
    WHERE table_kind = 'income' AND line_key IS NOT NULL AND column_key = 'total'
      AND (row_kind = 'total' OR row_label LIKE '%/小计')
),
t2 AS (
    SELECT * FROM by_column WHERE line_key IS NOT NULL
    UNION ALL SELECT * FROM by_row
)
SELECT t1.doc_id, t1.year, '收支总表/收入表' AS tables, concat(t1.row_label, ' / ', t2.label) AS rows,
       t1.amount AS expected, t2.amount AS actual, 2 AS terms, t1.source_unit,
       concat('收入表的', t2.label, '与收支总表的', t1.row_label, '不一致') AS message
FROM t1 JOIN t2 ON t2.doc_id = t1.doc_id AND t2.line_key = t1.line_key;

-- id: XT-006
-- severity: error
-- scope: document
-- description: 财政拨款收支总表 收入总计 = 收支总表的财政拨款收入（一般公共预算 + 政府性基金 + 国有资本经营）(X4)
WITH t1 AS (
    SELECT doc_id, year, max(source_unit) AS source_unit,
           max(CASE WHEN line_key = 'INC_FISCAL' THEN amount END) AS fiscal,
           max(CASE WHEN line_key = 'INC_GPB' THEN amount END) AS gpb,
           max(CASE WHEN line_key = 'INC_GOV_FUND' THEN amount END) AS gov_fund,
           max(CASE WHEN line_key = 'INC_SOE' THEN amount END) AS soe,
           max(CASE WHEN line_key LIKE 'INC_CARRYOVER%' THEN amount END) AS carryover
    FROM line_items
    WHERE table_kind = 'income_expenditure_summary' AND flow = 'income'
    GROUP BY doc_id, year
)
SELECT t4.doc_id, t4.year, '财政拨款收支总表/收支总表' AS tables, '收入总计/财政拨款收入' AS rows,
       t4.amount AS expected,
       coalesce(t1.fiscal, t1.gpb + coalesce(t1.gov_fund, 0) + coalesce(t1.soe, 0)) AS actual,
       CASE WHEN t1.fiscal IS NULL THEN 4 ELSE 2 END AS terms, t4.source_unit,
       '财政拨款收支总表的收入总计与收支总表的财政拨款收入不一致' AS message
FROM line_items t4
JOIN t1 ON t1.doc_id = t4.doc_id AND t1.year = t4.year
WHERE t4.table_kind = 'fiscal_summary' AND t4.line_key = 'INC_TOTAL'
  AND t4.column_key IN ('amount', 'total')
  -- (A 上年结转 line would belong on both sides: compared once the carry-over scope is read.)
  AND coalesce(t1.carryover, 0) = 0
  AND (t1.fiscal IS NOT NULL OR t1.gpb IS NOT NULL);

-- id: XT-007
-- severity: error
-- scope: document
-- description: 财政拨款收支总表 支出总计的一般公共预算列 = 一般公共预算支出表 合计 (X5)
SELECT t4.doc_id, t4.year, '财政拨款收支总表/一般公共预算支出表' AS tables, '支出总计（一般公共预算）/合计' AS rows,
       t4.amount AS expected, t5.amount AS actual, 2 AS terms, t4.source_unit,
       '一般公共预算支出表合计与财政拨款收支总表支出总计的一般公共预算不一致' AS message
FROM line_items t4
JOIN line_items t5
  ON t5.doc_id = t4.doc_id AND t5.year = t4.year AND t5.table_kind = 'gpb_expenditure'
 AND t5.row_kind = 'total' AND t5.column_key = 'total'
WHERE t4.table_kind = 'fiscal_summary' AND t4.line_key = 'EXP_TOTAL' AND t4.column_key = 'gpb';

-- id: XT-008
-- severity: warning
-- scope: document
-- description: 一般公共预算支出表 ≤ 支出表，每个功能分类科目的合计、基本支出（人员、公用）、项目支出（一般公共预算是全部资金的一部分；相等仅当该科目无其他资金）(X6)
-- (GovBudgetChecker asserts equality, which holds only for units funded wholly by 一般公共
-- 预算; the inequality is the form that holds for every unit.)
-- Both tables' rows of a code are pivoted side by side in one pass (no join), without
-- their names; the failing rows get theirs from the 一般公共预算支出表 afterwards.
-- (Jiangsu prints a 财政拨款支出表 under the kind 支出表: the larger figure is all funds.)
-- A code's rows within one table are added up first: a table listed by unit (Shenzhen),
-- or by unit without the units' names and by 经济分类 (Beijing 支出总表: 2010801 行政运行
-- once per 经济分类 科目), prints a code once per part. A code the 支出表 does not print
-- counts as 0 only where the 支出表 was read whole (verified) and prints that column
-- (Zhejiang's 支出表 prints 基本支出 only as 人员经费 and 公用经费).
WITH per_table AS (
    SELECT doc_id, year, table_kind, table_no, function_code, column_key, sum(amount) AS amount
    FROM line_items
    WHERE table_kind IN ('expenditure', 'gpb_expenditure') AND row_kind = 'function'
      AND function_code IS NOT NULL
      AND column_key IN ('total', 'basic', 'personnel', 'public', 'project')
    GROUP BY doc_id, year, table_kind, table_no, function_code, column_key
),
printed AS (
    SELECT DISTINCT p.doc_id, p.column_key
    FROM per_table p JOIN source_tables s ON s.doc_id = p.doc_id AND s.table_no = p.table_no
    WHERE p.table_kind = 'expenditure' AND s.status = 'verified'
),
t AS (
    SELECT doc_id, year, function_code, column_key,
           max(CASE WHEN table_kind = 'gpb_expenditure' THEN amount END) AS gpb,
           max(CASE WHEN table_kind = 'expenditure' THEN amount END) AS all_funds
    FROM per_table
    GROUP BY doc_id, year, function_code, column_key
),

f AS (
    -- The failing rows with their names (a code printed twice in the table: one of them).
    SELECT t.doc_id, t.year, t.function_code, t.column_key, t.gpb, t.all_funds,
           max(l.row_label) AS label, max(l.source_unit) AS source_unit
    FROM t JOIN line_items l
      ON l.doc_id = t.doc_id AND l.year = t.year AND l.function_code = t.function_code
     AND l.column_key = t.column_key AND l.table_kind = 'gpb_expenditure' AND l.row_kind = 'function'
    LEFT JOIN printed p ON p.doc_id = t.doc_id AND p.column_key = t.column_key
    WHERE t.gpb > coalesce(t.all_funds, 0) AND (t.all_funds IS NOT NULL OR p.doc_id IS NOT NULL)
    GROUP BY t.doc_id, t.year, t.function_code, t.column_key, t.gpb, t.all_funds
)
SELECT doc_id, year, '一般公共预算支出表/支出表' AS tables,
       concat(function_code, ' ', label, '（', column_key, '）') AS rows,
       coalesce(all_funds, 0) AS expected, gpb AS actual, 2 AS terms, source_unit,
       concat(function_code, ' ', label, '：一般公共预算支出大于支出表所列全部资金') AS message
FROM f;
