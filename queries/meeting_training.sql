-- 会议费 and 培训费 beside the "三公"经费 (printed by the Jiangsu 三公 table), per unit-year.
-- Parameters: none.
SELECT d.year, d.unit_name,
       wan(max(CASE WHEN l.column_key = 'total' THEN l.amount END)) AS three_public_wan,
       wan(max(CASE WHEN l.column_key = 'meeting' THEN l.amount END)) AS meeting_wan,
       wan(max(CASE WHEN l.column_key = 'training' THEN l.amount END)) AS training_wan,
       wan(max(CASE WHEN l.column_key = 'grand_total' THEN l.amount END)) AS all_wan
FROM line_items l
JOIN documents d ON d.doc_id = l.doc_id AND d.year = l.year
WHERE l.table_kind = 'three_public'
GROUP BY d.year, d.unit_name
HAVING max(CASE WHEN l.column_key IN ('meeting', 'training') THEN 1 ELSE 0 END) = 1
ORDER BY d.unit_name, d.year;
