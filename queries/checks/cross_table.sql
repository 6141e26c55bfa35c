-- Cross-table rules (domain.md §3.2 X1, X2, X7, X10): the same figure printed by two
-- tables of one document must agree (where both tables print it).

-- id: XT-001
-- severity: error
-- description: 收支总表 支出总计 = 支出表 合计 (X2)
-- (The first 支出表 of the document: Jiangsu prints 财政拨款支出表 under the same kind.)
WITH first_table AS (
    SELECT doc_id, min(table_no) AS table_no FROM line_items
    WHERE table_kind = 'expenditure' GROUP BY doc_id
)
SELECT s.doc_id, s.year, '收支总表/支出表' AS tables, '支出总计/合计' AS rows,
       s.amount AS expected, t.amount AS actual, 2 AS terms, s.source_unit,
       '支出表合计与收支总表支出总计不一致' AS message
FROM line_items s
JOIN first_table f ON f.doc_id = s.doc_id
JOIN line_items t
  ON t.doc_id = s.doc_id AND t.year = s.year AND t.table_no = f.table_no
 AND t.row_kind = 'total' AND t.column_key = 'total'
WHERE s.table_kind = 'income_expenditure_summary' AND s.line_key = 'EXP_TOTAL';

-- id: XT-002
-- severity: error
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
