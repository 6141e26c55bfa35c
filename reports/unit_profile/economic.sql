-- The unit's basic spending (基本支出) by 经济分类 类 and year.
SELECT year, econ_code, any_value(coalesce(standard_name, row_label)) AS econ_name,
       round(wan(sum(total)), 2) AS total_wan
FROM spending_by_econ
WHERE level = 1 AND unit_name = $unit
GROUP BY year, econ_code
ORDER BY year, econ_code
