-- Plain sum: 一般公共预算支出 合计 per year.
SELECT year, SUM(amount) AS total
FROM line_items
WHERE table_kind = 'gpb_expenditure' AND row_kind = 'total' AND column_key = 'total'
GROUP BY year
ORDER BY year
