-- A selective filter: one district's units by year.
SELECT unit_name, year, SUM(amount) AS total
FROM line_items
WHERE region = '河南省洛阳市东城区' AND table_kind = 'expenditure' AND row_kind = 'total'
  AND column_key = 'total'
GROUP BY unit_name, year
ORDER BY unit_name, year
