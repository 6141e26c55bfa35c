-- Narrative against tables (domain.md §3.2 N1): figures the 预算说明 states equal the
-- tables'. The narrative prints 万元: one rounded term.

-- id: NAR-001
-- severity: warning
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
