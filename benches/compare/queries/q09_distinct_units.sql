-- Distinct counts: units and 项 codes per year.
SELECT year, COUNT(DISTINCT unit_name) AS units, COUNT(DISTINCT function_code) AS codes
FROM line_items
WHERE table_kind = 'expenditure'
GROUP BY year
ORDER BY year
