-- The unit's 一般公共预算支出 by 功能分类 类 and year.
SELECT year, function_code, any_value(class_name(function_code, year)) AS function_name,
       round(wan(sum(total)), 2) AS total_wan
FROM gpb_by_function
WHERE level = 1 AND unit_name = $unit
GROUP BY year, function_code
ORDER BY year, total_wan DESC, function_code
