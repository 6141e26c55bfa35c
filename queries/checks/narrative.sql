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

-- (NAR-002, shares, and NAR-003, growth rates, are the claim rules CLM-006 and CLM-002 in
-- claims.sql: they recompute every stated share and growth, not a fixed list of phrases.)

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
    -- (A table whose columns the reader did not recognise has no amounts to compare.)
    SELECT DISTINCT doc_id FROM source_tables
    WHERE table_kind = 'three_public' AND NOT is_empty AND status <> 'unread'
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
