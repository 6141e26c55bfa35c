-- Grouping by a substring of the code: 类 (first 3 digits) of every 项 row.
SELECT SUBSTR(function_code, 1, 3) AS class, SUM(amount) AS total
FROM line_items
WHERE table_kind = 'gpb_expenditure' AND row_kind = 'function' AND column_key = 'total'
  AND function_level = 3
GROUP BY SUBSTR(function_code, 1, 3)
ORDER BY total DESC
