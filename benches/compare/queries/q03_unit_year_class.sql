-- High-cardinality grouping: unit × year × 类.
SELECT region, unit_name, year, SUBSTR(function_code, 1, 3) AS class, SUM(amount) AS total
FROM line_items
WHERE table_kind = 'expenditure' AND row_kind = 'function' AND column_key = 'total'
  AND function_level = 3
GROUP BY region, unit_name, year, SUBSTR(function_code, 1, 3)
ORDER BY total DESC, region, unit_name, year, class
LIMIT 100
