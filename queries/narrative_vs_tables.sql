-- Narrative against tables: the 收入总计 the 预算说明 states next to the one the 收支总表
-- prints (a first cross-check of the text against the tables; `differs` flags a mismatch).
-- Parameters: none.
WITH stated AS (
    SELECT doc_id, max(amount) AS stated_income
    FROM narrative_facts
    WHERE fact_key LIKE '%income_total' AND relation = 'value'
    GROUP BY doc_id
)
SELECT b.year, b.unit_name, wan(b.income_total) AS table_wan, wan(s.stated_income) AS narrative_wan,
       b.income_total <> s.stated_income AS differs
FROM budget_totals b
JOIN stated s ON s.doc_id = b.doc_id
ORDER BY differs DESC, b.unit_name, b.year;
