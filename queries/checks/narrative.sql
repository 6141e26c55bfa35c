-- Narrative against tables (domain.md §3.2 N1): figures the 预算说明 states equal the
-- tables'. The narrative prints 万元: one rounded term.

-- id: NAR-001
-- severity: warning
-- scope: document
-- description: 预算说明的收入预算总计 = 收支总表 收入总计 (N1)
WITH stated AS (
    -- The largest income total the text states is the document's (the others are parts:
    -- 财政专户管理资金收入预算总计 …).
    SELECT doc_id, year, max(amount) AS amount
    FROM narrative_facts
    WHERE fact_key LIKE '%income_total' AND relation = 'value' AND amount IS NOT NULL
    GROUP BY doc_id, year
)
SELECT t.doc_id, t.year, '预算说明/收支总表' AS tables, '收入总计' AS rows,
       t.amount AS expected, s.amount AS actual, 1 AS terms, '万元' AS source_unit,
       '预算说明所述收入预算总计与收支总表的收入总计不一致' AS message
FROM line_items t
JOIN stated s ON s.doc_id = t.doc_id AND s.year = t.year
WHERE t.table_kind = 'income_expenditure_summary' AND t.line_key = 'INC_TOTAL';

-- id: NAR-002
-- severity: warning
-- scope: document
-- description: 预算说明的占比"占X%"与所述金额之比一致：基本支出、项目支出占支出合计，人员经费、公用经费占基本支出 (N4)
-- (A share printed as a whole percent may be off by 0.5, one with two decimals by 0.005;
-- 0.01 more covers the rounding of the amounts.)
WITH v AS (
    SELECT doc_id, year, fact_key, max(amount) AS amount, count(*) AS n
    FROM narrative_facts WHERE relation = 'value' AND amount IS NOT NULL
    GROUP BY doc_id, year, fact_key
),
s AS (
    SELECT doc_id, year, label, number,
           regexp_replace(fact_key, '\.share$', '') AS part_key,
           CASE split_part(fact_key, '.', 1)
               WHEN 'expenditure' THEN 'expenditure.expenditure'
               WHEN 'gpb' THEN 'gpb.total'
               WHEN 'gpb_basic' THEN 'gpb_basic.total'
           END AS whole_key
    FROM narrative_facts
    WHERE relation = 'share'
      AND fact_key IN ('expenditure.basic.share', 'expenditure.project.share', 'gpb.basic.share',
                       'gpb.project.share', 'gpb_basic.personnel.share', 'gpb_basic.public.share')
),
c AS (
    SELECT s.doc_id, s.year, s.label, s.number,
           CAST(p.amount AS DECIMAL(38, 6)) * 100 / nullif(w.amount, 0) AS computed,
           CASE WHEN s.number = trunc(s.number) THEN 0.51 ELSE 0.015 END AS tolerance
    FROM s
    JOIN v p ON p.doc_id = s.doc_id AND p.fact_key = s.part_key AND p.n = 1
    JOIN v w ON w.doc_id = s.doc_id AND w.fact_key = s.whole_key AND w.n = 1 AND w.amount > 0
)
SELECT doc_id, year, '预算说明' AS tables, concat(label, '占比') AS rows,
       round(computed, 2) AS expected, number AS actual, 1 AS terms, '%' AS source_unit,
       concat('预算说明所述', label, '占比', CAST(number AS VARCHAR), '%与所述金额之比',
              CAST(round(computed, 2) AS VARCHAR), '%不符') AS message
FROM c WHERE abs(computed - number) > tolerance;

-- id: NAR-003
-- severity: warning
-- scope: document
-- description: 预算说明的增减幅度"增长X%"与所述增减额、本年数一致：X = 增减额 ÷ (本年数 ∓ 增减额) (N4)
WITH one AS (
    SELECT doc_id, year, fact_key, relation, max(amount) AS amount, max(number) AS number,
           max(direction) AS direction, max(label) AS label, count(*) AS n
    FROM narrative_facts GROUP BY doc_id, year, fact_key, relation
),
pct AS (
    SELECT doc_id, year, label, number, direction,
           regexp_replace(fact_key, '\.change_pct$', '') AS base_key
    FROM one WHERE relation = 'change_pct' AND n = 1 AND split_part(fact_key, '.', 2) <> 'other'
),
c AS (
    SELECT p.doc_id, p.year, p.label, p.number, ch.amount AS change,
           CASE WHEN p.direction = 'decrease' THEN v.amount + ch.amount ELSE v.amount - ch.amount END AS before
    FROM pct p
    JOIN one ch ON ch.doc_id = p.doc_id AND ch.fact_key = concat(p.base_key, '.change') AND ch.n = 1
    JOIN one v ON v.doc_id = p.doc_id AND v.relation = 'value' AND v.n = 1
     AND v.fact_key = CASE p.base_key WHEN 'summary.total' THEN 'summary.income_total' ELSE p.base_key END
)
SELECT doc_id, year, '预算说明' AS tables, concat(label, '增减幅度') AS rows,
       round(CAST(change AS DECIMAL(38, 6)) * 100 / nullif(before, 0), 2) AS expected, number AS actual, 1 AS terms,
       '%' AS source_unit,
       concat('预算说明所述', label, '增减幅度', CAST(number AS VARCHAR), '%与增减额、本年数不符（应为',
              CAST(round(CAST(change AS DECIMAL(38, 6)) * 100 / nullif(before, 0), 2) AS VARCHAR), '%）') AS message
FROM c
WHERE before > 0
  AND abs(CAST(change AS DECIMAL(38, 6)) * 100 / nullif(before, 0) - number)
      > CASE WHEN number = trunc(number) THEN 0.51 ELSE 0.015 END;

-- id: NAR-004
-- severity: warning
-- scope: document
-- description: 预算说明的"三公"经费（合计、因公出国(境)费、公务接待费、公务用车购置及运行费）= "三公"经费表 (N3)
WITH t AS (
    SELECT l.doc_id, l.year, l.column_key, max(l.amount) AS amount
    FROM line_items l
    WHERE l.table_kind = 'three_public' AND l.row_kind = 'total'
    GROUP BY l.doc_id, l.year, l.column_key
),
tables AS (
    SELECT DISTINCT doc_id FROM source_tables WHERE table_kind = 'three_public' AND NOT is_empty
),
-- Each distinct figure stated (a narrative may state one item twice).
f AS (
    SELECT doc_id, year, min(label) AS label, split_part(fact_key, '.', 2) AS item, amount
    FROM narrative_facts
    WHERE relation = 'value' AND amount IS NOT NULL
      AND fact_key IN ('three_public.total', 'three_public.abroad', 'three_public.reception', 'three_public.car')
    GROUP BY doc_id, year, fact_key, amount
)
SELECT f.doc_id, f.year, '预算说明/"三公"经费表' AS tables, f.label AS rows,
       coalesce(t.amount, 0) AS expected, f.amount AS actual, 1 AS terms, '万元' AS source_unit,
       concat('预算说明所述', f.label, '与"三公"经费表不一致') AS message
FROM f
JOIN tables ON tables.doc_id = f.doc_id
LEFT JOIN t ON t.doc_id = f.doc_id AND t.column_key = f.item;

-- id: NAR-005
-- severity: warning
-- scope: document
-- description: 预算说明的机构运行经费 = 机构运行经费表 合计 (N3, X9)
SELECT f.doc_id, f.year, '预算说明/机构运行经费表' AS tables, f.label AS rows,
       t.amount AS expected, f.amount AS actual, 1 AS terms, '万元' AS source_unit,
       '预算说明所述机构运行经费与机构运行经费表合计不一致' AS message
FROM narrative_facts f
JOIN line_items t
  ON t.doc_id = f.doc_id AND t.year = f.year AND t.table_kind = 'operating_cost'
 AND t.row_kind = 'total' AND t.column_key = 'total'
WHERE f.fact_key = 'operating_cost.total' AND f.relation = 'value' AND f.amount IS NOT NULL
  -- (Sentences of other topics filed under the section's topic name what they state.)
  AND f.label LIKE '%运行经费%';

-- id: NAR-006
-- severity: warning
-- scope: document
-- description: 预算说明所述绩效目标项目个数 = 绩效目标表所列项目数 (X11)
WITH k AS (
    SELECT doc_id, year, count(DISTINCT project_name) AS n
    FROM projects WHERE table_kind = 'performance_targets' GROUP BY doc_id, year
)
SELECT f.doc_id, f.year, '预算说明/绩效目标表' AS tables, '项目个数' AS rows,
       CAST(k.n AS DECIMAL(18, 2)) AS expected, f.number AS actual, 0 AS terms, '个' AS source_unit,
       concat('预算说明所述', CAST(CAST(f.number AS BIGINT) AS VARCHAR), '个项目，绩效目标表列', CAST(k.n AS VARCHAR), '个') AS message
FROM narrative_facts f
JOIN k ON k.doc_id = f.doc_id AND k.year = f.year
WHERE f.fact_key = 'performance.projects' AND f.relation = 'count';
