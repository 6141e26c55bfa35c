-- Text grouping: the 10 project names with the most money.
SELECT project_name, COUNT(*) AS n, SUM(amount) AS total
FROM line_items
WHERE table_kind = 'project_expenditure' AND row_kind = 'project' AND column_key = 'total'
GROUP BY project_name
ORDER BY total DESC, project_name
LIMIT 10
