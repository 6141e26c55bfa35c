-- Top-N: the 20 units with the largest total spending over all years.
SELECT region, unit_name, SUM(amount) AS total
FROM line_items
WHERE table_kind = 'expenditure' AND row_kind = 'total' AND column_key = 'total'
GROUP BY region, unit_name
ORDER BY total DESC, region, unit_name
LIMIT 20
