-- Join: "三公" 合计 per region, with the number of documents.
SELECT d.region, COUNT(DISTINCT d.doc_id) AS documents, SUM(l.amount) AS three_public
FROM documents d
JOIN line_items l ON l.doc_id = d.doc_id AND l.year = d.year
WHERE l.table_kind = 'three_public' AND l.column_key = 'total'
GROUP BY d.region
ORDER BY three_public DESC, d.region
LIMIT 20
