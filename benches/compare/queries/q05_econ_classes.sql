-- 部门经济分类 类 of basic spending per year (substring of the 款 code).
SELECT SUBSTR(econ_code, 1, 3) AS class, year, SUM(amount) AS total
FROM line_items
WHERE table_kind = 'gpb_basic_expenditure' AND row_kind = 'econ' AND column_key = 'total'
  AND LENGTH(econ_code) = 5
GROUP BY SUBSTR(econ_code, 1, 3), year
ORDER BY class, year
