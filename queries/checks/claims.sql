-- Narrative claims (docs/checks.md, "Claim grammar"): each number the 预算说明 states is a
-- claim about a subject, for a period, of a measure; these rules recompute what a group
-- of claims states about one subject, and compare this year's amounts with the tables.
-- Tolerances come from the printed precision (one unit of each figure's last printed digit,
-- rounded or cut there, carried through the arithmetic): a figure printed 16% stands for
-- 15–17 %, one printed 16.23% for 16.22–16.24 %.
-- Findings name the page and line of the claim; they are warnings (the narrative, not a
-- table, is what disagrees).

-- id: CLM-001
-- severity: warning
-- scope: document
-- description: 增减额 = |本年数 − 上年数|, where a sentence states all three (比上年预算数X万元增加Y万元)
SELECT doc_id, year, '预算说明' AS tables, subject_name AS rows,
       abs(now_amount - prior_amount) AS expected, change_amount AS actual, 3 AS terms,
       '元' AS source_unit,
       concat('预算说明', coalesce(concat('第', CAST(page AS VARCHAR), '页'), ''), '第',
              CAST(line AS VARCHAR), '行：', subject_name, '本年', now_printed, '、上年',
              prior_printed, '，所述增减额', change_printed, '与两数之差不符') AS message
FROM claim_comparisons
WHERE now_amount IS NOT NULL AND prior_amount IS NOT NULL AND change_amount IS NOT NULL
  AND change_direction IN ('increase', 'decrease')
  AND abs(abs(now_amount - prior_amount) - change_amount)
      > now_tolerance + prior_tolerance + change_tolerance;

-- id: CLM-002
-- severity: warning
-- scope: document
-- description: 增减幅度 X% = 增减额 ÷ 上年数 × 100, from whichever two of 本年数, 上年数, 增减额 the group states (rounded as printed)
WITH base AS (
    SELECT c.*,
           CASE WHEN now_amount IS NOT NULL AND prior_amount IS NOT NULL
                THEN abs(now_amount - prior_amount) ELSE change_amount END AS diff,
           CASE WHEN now_amount IS NOT NULL AND prior_amount IS NOT NULL
                THEN now_tolerance + prior_tolerance ELSE change_tolerance END AS diff_tol,
           CASE WHEN prior_amount IS NOT NULL THEN prior_amount
                WHEN change_direction = 'increase' THEN now_amount - change_amount
                WHEN change_direction = 'decrease' THEN now_amount + change_amount END AS before,
           CASE WHEN prior_amount IS NOT NULL THEN prior_tolerance
                ELSE now_tolerance + change_tolerance END AS before_tol
    FROM claim_comparisons c
    WHERE change_pct IS NOT NULL AND pct_direction IN ('increase', 'decrease')
),
calc AS (
    SELECT *,
           CAST(diff AS DECIMAL(38, 8)) * 100 / before AS computed,
           -- (|d pct| ≤ 100 · (Δdiff + diff/before · Δbefore) / before)
           pct_tolerance + 100 * (CAST(diff_tol AS DECIMAL(38, 8))
               + CAST(diff AS DECIMAL(38, 8)) / before * before_tol) / before
               + 0.0001 AS tol
    FROM base
    WHERE diff IS NOT NULL AND before IS NOT NULL AND before - before_tol > 0
)
SELECT doc_id, year, '预算说明' AS tables, subject_name AS rows,
       round(computed, 2) AS expected, change_pct AS actual, 1 AS terms, '%' AS source_unit,
       concat('预算说明', coalesce(concat('第', CAST(page AS VARCHAR), '页'), ''), '第',
              CAST(line AS VARCHAR), '行：', subject_name,
              CASE WHEN now_printed IS NOT NULL THEN concat('本年', now_printed, '，') ELSE '' END,
              CASE WHEN prior_printed IS NOT NULL THEN concat('上年', prior_printed, '，') ELSE '' END,
              CASE WHEN change_printed IS NOT NULL AND prior_printed IS NULL
                   THEN concat('增减', change_printed, '，') ELSE '' END,
              '所述增减幅度', pct_printed, '，按所述金额应为',
              CAST(round(computed, 2) AS VARCHAR), '%') AS message
FROM calc
WHERE abs(computed - change_pct) > tol;

-- id: CLM-003
-- severity: warning
-- scope: document
-- description: 增减方向: 增加/减少/持平 agrees with the sign of 本年数 − 上年数, and a sentence's 增减额 and 增减幅度 name the same direction
WITH d AS (
    SELECT *,
           CASE WHEN now_amount - prior_amount > now_tolerance + prior_tolerance THEN 'increase'
                WHEN prior_amount - now_amount > now_tolerance + prior_tolerance THEN 'decrease'
                WHEN now_amount IS NOT NULL AND prior_amount IS NOT NULL THEN 'flat' END AS actual_dir
    FROM claim_comparisons
),
said AS (
    SELECT doc_id, year, group_no, basis, subject_name, now_printed, prior_printed, page, line,
           actual_dir, change_direction AS dir, change_printed AS printed,
           change_amount AS value, change_tolerance AS tol
    FROM d
    UNION ALL
    SELECT doc_id, year, group_no, basis, subject_name, now_printed, prior_printed, page, line,
           actual_dir, pct_direction, pct_printed, change_pct, pct_tolerance
    FROM d
)
SELECT doc_id, year, '预算说明' AS tables, subject_name AS rows,
       CAST(NULL AS DECIMAL(20, 2)) AS expected, max(value) AS actual, 0 AS terms, '' AS source_unit,
       concat('预算说明', coalesce(concat('第', CAST(min(page) AS VARCHAR), '页'), ''), '第',
              CAST(min(line) AS VARCHAR), '行：', subject_name,
              CASE WHEN min(actual_dir) IS NOT NULL
                   THEN concat('本年', min(now_printed), '、上年', min(prior_printed), '，')
                   ELSE '' END,
              '所述增减方向自相矛盾或与金额不符（',
              array_to_string(array_agg(DISTINCT concat(
                  CASE dir WHEN 'increase' THEN '增' WHEN 'decrease' THEN '减' ELSE '持平' END,
                  CASE WHEN dir = 'flat' THEN '' ELSE printed END)), '、'), '）') AS message
FROM said
WHERE dir IN ('increase', 'decrease', 'flat')
GROUP BY doc_id, year, group_no, basis, subject_name
HAVING
    -- Said against the amounts (a zero change said either way is no direction).
    bool_or(actual_dir IS NOT NULL AND dir <> actual_dir AND (dir = 'flat' OR value > tol))
    -- Said both ways.
    OR (bool_or(dir = 'increase' AND value > tol) AND bool_or(dir = 'decrease' AND value > tol));

-- id: CLM-004
-- severity: warning
-- scope: document
-- description: a change on nothing: an amount of zero this year said to have grown (上年数 would be negative), or zero last year said to have fallen; also a fund whose table is empty said to have grown
WITH zero_now AS (
    SELECT doc_id, year, subject_name, page, line, change_printed, pct_printed, now_printed
    FROM claim_comparisons
    WHERE now_amount = 0
      AND ((change_direction = 'increase' AND change_amount > change_tolerance)
        OR (pct_direction = 'increase' AND change_pct > pct_tolerance))
),
zero_before AS (
    SELECT doc_id, year, subject_name, page, line, change_printed, pct_printed, prior_printed
    FROM claim_comparisons
    WHERE prior_amount = 0
      AND ((change_direction = 'decrease' AND change_amount > change_tolerance)
        OR (pct_direction = 'decrease' AND change_pct > pct_tolerance))
),
-- A fund the tables show empty (政府性基金 / 国有资本经营 支出表 with no amounts), said to
-- have grown, its amount not stated.
empty_fund AS (
    SELECT c.doc_id, c.year, c.subject_name, c.page, c.line, c.change_printed, c.pct_printed
    FROM claim_comparisons c
    JOIN source_tables t ON t.doc_id = c.doc_id AND t.year = c.year AND t.is_empty
     AND t.table_kind = CASE c.fund WHEN 'gov_fund' THEN 'gov_fund_expenditure'
                                    WHEN 'soe' THEN 'soe_expenditure' END
    WHERE c.subject = 'fund' AND c.now_amount IS NULL
      AND ((c.change_direction = 'increase' AND c.change_amount > c.change_tolerance)
        OR (c.pct_direction = 'increase' AND c.change_pct > c.pct_tolerance))
)
SELECT doc_id, year, '预算说明' AS tables, subject_name AS rows,
       CAST(0 AS DECIMAL(20, 2)) AS expected, CAST(NULL AS DECIMAL(20, 2)) AS actual, 0 AS terms,
       '' AS source_unit,
       concat('预算说明', coalesce(concat('第', CAST(page AS VARCHAR), '页'), ''), '第',
              CAST(line AS VARCHAR), '行：', subject_name, '本年', now_printed, '，却称比上年增加',
              coalesce(change_printed, pct_printed)) AS message
FROM zero_now
UNION ALL
SELECT doc_id, year, '预算说明', subject_name, CAST(0 AS DECIMAL(20, 2)), CAST(NULL AS DECIMAL(20, 2)), 0, '',
       concat('预算说明', coalesce(concat('第', CAST(page AS VARCHAR), '页'), ''), '第',
              CAST(line AS VARCHAR), '行：', subject_name, '上年', prior_printed, '，却称比上年减少',
              coalesce(change_printed, pct_printed))
FROM zero_before
UNION ALL
SELECT doc_id, year, '预算说明/支出表', subject_name, CAST(0 AS DECIMAL(20, 2)), CAST(NULL AS DECIMAL(20, 2)), 0, '',
       concat('预算说明', coalesce(concat('第', CAST(page AS VARCHAR), '页'), ''), '第',
              CAST(line AS VARCHAR), '行：', subject_name, '本年无预算（支出表为空表），却称比上年增加',
              coalesce(change_printed, pct_printed))
FROM empty_fund;

-- id: CLM-005
-- severity: warning
-- scope: document
-- description: this year's amounts the narrative states = the tables': a 功能分类 类/款/项 named by code or name, 一般公共预算/政府性基金/国有资本经营 支出, 基本支出, 项目支出, 人员经费, 公用经费, 支出总计
WITH claim AS (
    SELECT doc_id, year, subject, fund, subject_code, subject_name, amount, tolerance,
           printed, page, source_line
    FROM narrative_claims
    WHERE measure = 'amount' AND period = 'budget' AND amount IS NOT NULL
      AND (subject IN ('basic', 'project', 'personnel', 'public', 'expenditure_total')
        OR (subject = 'function' AND subject_code IS NOT NULL)
        OR (subject = 'fund' AND flow = 'expenditure' AND fund IN ('gpb', 'gov_fund', 'soe')))
),
-- A narrative that states one subject with several amounts (a department's text with a
-- section per subordinate unit: 项目支出 of each) is not about the document's tables there.
single AS (
    SELECT doc_id, year, subject, fund
    FROM claim
    WHERE subject <> 'function'
    GROUP BY doc_id, year, subject, fund
    HAVING min(amount) = max(amount)
    UNION ALL
    SELECT DISTINCT doc_id, year, subject, fund FROM claim WHERE subject = 'function'
),
-- What each subject may equal: the figure of every table that prints it, with the fund
-- that table is of ('all' for the tables of all funds). A claim about one fund (the
-- section or its 其中 list says which) is compared with that fund's tables only; one that
-- names no fund may describe any (财政拨款, 一般公共预算 or all funds) and is compared
-- where the table of all funds prints the subject, agreeing with any table. A document
-- with a spending table not read whole is not compared (the figure may be in it).
fig AS (
    -- A 功能分类 row's total, or its 基本/项目 part (a 类 listed under 项目支出).
    SELECT doc_id, year, 'function' AS subject,
           CASE table_kind WHEN 'gpb_expenditure' THEN 'gpb'
                           WHEN 'gov_fund_expenditure' THEN 'gov_fund'
                           WHEN 'soe_expenditure' THEN 'soe'
                           WHEN 'fiscal_summary' THEN 'fiscal'
                           ELSE 'all' END AS fund,
           function_code AS code, amount
    FROM line_items
    WHERE row_kind = 'function' AND function_code IS NOT NULL
      AND column_key IN ('total', 'amount', 'basic', 'project')
      AND table_kind IN ('expenditure', 'gpb_expenditure', 'gov_fund_expenditure',
                         'soe_expenditure', 'fiscal_summary', 'income_expenditure_summary')
    UNION ALL
    SELECT doc_id, year, 'fund',
           CASE table_kind WHEN 'gpb_expenditure' THEN 'gpb'
                           WHEN 'gov_fund_expenditure' THEN 'gov_fund'
                           ELSE 'soe' END, NULL, amount
    FROM line_items
    WHERE row_kind = 'total' AND column_key = 'total'
      AND table_kind IN ('gpb_expenditure', 'gov_fund_expenditure', 'soe_expenditure')
    UNION ALL
    -- A fund table printed empty: nothing.
    SELECT doc_id, year, 'fund',
           CASE table_kind WHEN 'gov_fund_expenditure' THEN 'gov_fund' ELSE 'soe' END, NULL,
           CAST(0 AS DECIMAL(18, 2))
    FROM source_tables
    WHERE is_empty AND table_kind IN ('gov_fund_expenditure', 'soe_expenditure')
    UNION ALL
    SELECT doc_id, year, 'expenditure_total', 'all', NULL, amount
    FROM line_items
    WHERE (table_kind = 'expenditure' AND row_kind = 'total' AND column_key = 'total')
       OR (table_kind = 'income_expenditure_summary' AND line_key IN ('EXP_TOTAL', 'EXP_YEAR_TOTAL'))
    UNION ALL
    SELECT doc_id, year, column_key, CASE table_kind WHEN 'expenditure' THEN 'all' ELSE 'gpb' END,
           NULL, amount
    FROM line_items
    WHERE row_kind = 'total' AND table_kind IN ('expenditure', 'gpb_expenditure')
      AND column_key IN ('basic', 'project')
    UNION ALL
    -- 一般公共预算基本支出表: its 合计 is the 基本支出, its columns 人员经费 and 公用经费.
    SELECT doc_id, year, CASE column_key WHEN 'total' THEN 'basic' ELSE column_key END, 'gpb',
           NULL, amount
    FROM line_items
    WHERE row_kind = 'total' AND table_kind = 'gpb_basic_expenditure'
      AND column_key IN ('total', 'personnel', 'public')
),
m AS (
    SELECT c.doc_id, c.year, c.subject_name, c.amount, c.printed, c.page, c.source_line,
           -- (the table's own last digit: 0.01 万元)
           bool_or(abs(f.amount - c.amount) <= c.tolerance + 100) AS agrees,
           min(abs(f.amount - c.amount)) AS nearest_gap,
           min(f.amount) AS lo, max(f.amount) AS hi
    FROM claim c
    JOIN single s ON s.doc_id = c.doc_id AND s.year = c.year AND s.subject = c.subject
     AND s.fund IS NOT DISTINCT FROM c.fund
    JOIN fig f ON f.doc_id = c.doc_id AND f.year = c.year AND f.subject = c.subject
     AND (c.subject <> 'function' OR f.code = c.subject_code)
     AND (c.fund IS NULL OR f.fund = c.fund)
    WHERE NOT EXISTS (
        SELECT 1 FROM source_tables t
        WHERE t.doc_id = c.doc_id AND t.year = c.year AND t.status IN ('unverified', 'unread')
          AND t.table_kind IN ('expenditure', 'gpb_expenditure', 'gov_fund_expenditure',
                               'soe_expenditure', 'gpb_basic_expenditure', 'fiscal_summary'))
    GROUP BY c.doc_id, c.year, c.subject_name, c.fund, c.amount, c.printed, c.page, c.source_line
    HAVING c.fund IS NOT NULL OR bool_or(f.fund = 'all')
)
SELECT doc_id, year, '预算说明/表' AS tables, subject_name AS rows,
       CASE WHEN abs(lo - amount) = nearest_gap THEN lo ELSE hi END AS expected, amount AS actual,
       1 AS terms, '' AS source_unit,
       concat('预算说明', coalesce(concat('第', CAST(page AS VARCHAR), '页'), ''), '第',
              CAST(source_line AS VARCHAR), '行：', subject_name, printed, '与表中数',
              CAST(CAST(CASE WHEN abs(lo - amount) = nearest_gap THEN lo ELSE hi END / 10000 AS DECIMAL(20, 2)) AS VARCHAR),
              '万元不符') AS message
FROM m
WHERE NOT agrees;

-- id: CLM-006
-- severity: warning
-- scope: document
-- description: 占比 X% = 部分 ÷ 整体 × 100, the part the amount of the share's own subject, the whole what follows 占 (占"三公"经费的…) or the subject its 其中 list belongs to (rounded as printed)
WITH amt AS (
    SELECT doc_id, year, group_no, min(amount) AS amount, max(amount) AS hi,
           max(tolerance) AS tol, min(subject_name) AS name
    FROM narrative_claims
    WHERE measure = 'amount' AND period = 'budget' AND amount IS NOT NULL
    GROUP BY doc_id, year, group_no
),
s AS (
    SELECT c.doc_id, c.year, c.value, c.printed, c.tolerance AS pct_tol, c.page, c.source_line,
           p.name AS part_name, w.name AS whole_name,
           CAST(p.amount AS DECIMAL(38, 8)) * 100 / w.amount AS computed,
           c.tolerance + 100 * (CAST(p.tol AS DECIMAL(38, 8))
               + CAST(p.amount AS DECIMAL(38, 8)) / w.amount * w.tol) / w.amount
               + 0.0001 AS tol
    FROM narrative_claims c
    JOIN amt p ON p.doc_id = c.doc_id AND p.year = c.year AND p.group_no = c.group_no AND p.amount = p.hi
    JOIN amt w ON w.doc_id = c.doc_id AND w.year = c.year AND w.group_no = c.of_group AND w.amount = w.hi
    WHERE c.measure = 'share' AND w.amount - w.tol > 0
)
SELECT doc_id, year, '预算说明' AS tables, part_name AS rows,
       round(computed, 2) AS expected, value AS actual, 1 AS terms, '%' AS source_unit,
       concat('预算说明', coalesce(concat('第', CAST(page AS VARCHAR), '页'), ''), '第',
              CAST(source_line AS VARCHAR), '行：', part_name, '占', whole_name, '的比例', printed,
              '，按所述金额应为', CAST(round(computed, 2) AS VARCHAR), '%') AS message
FROM s
WHERE abs(computed - value) > tol;

-- id: CLM-007
-- severity: warning
-- scope: document
-- description: the 绩效目标 projects' amount the narrative states (涉及项目预算资金X万元) = the sum of the 绩效目标表's projects
WITH t AS (
    SELECT p.doc_id, p.year, sum(p.total) AS amount, count(*) AS n
    FROM projects p
    WHERE p.table_kind = 'performance_targets' AND p.total IS NOT NULL
    GROUP BY p.doc_id, p.year
),
trusted AS (
    SELECT doc_id, year FROM source_tables
    WHERE table_kind = 'performance_targets'
    GROUP BY doc_id, year
    HAVING bool_and(status = 'verified')
)
SELECT c.doc_id, c.year, '预算说明/绩效目标表' AS tables, '绩效目标项目资金' AS rows,
       t.amount AS expected, c.amount AS actual, 1 AS terms, '' AS source_unit,
       concat('预算说明', coalesce(concat('第', CAST(c.page AS VARCHAR), '页'), ''), '第',
              CAST(c.source_line AS VARCHAR), '行：绩效目标项目涉及资金', c.printed,
              '，绩效目标表所列', CAST(t.n AS VARCHAR), '个项目合计',
              CAST(CAST(t.amount / 10000 AS DECIMAL(20, 2)) AS VARCHAR), '万元') AS message
FROM narrative_claims c
JOIN t ON t.doc_id = c.doc_id AND t.year = c.year
JOIN trusted ON trusted.doc_id = c.doc_id AND trusted.year = c.year
WHERE c.subject = 'performance' AND c.measure = 'amount' AND c.period = 'budget'
  AND c.fund IS NULL AND c.amount IS NOT NULL
  AND abs(t.amount - c.amount) > c.tolerance + 50 * t.n;
