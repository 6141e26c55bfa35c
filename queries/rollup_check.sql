-- Roll-up check: every 类/款 of the 一般公共预算支出表 whose printed amount differs from the
-- sum of its printed leaf rows (empty when every table adds up).
-- Parameters: none.
SELECT year, unit_name, level, function_code, function_name,
       printed_total, total AS leaves_total, printed_total - total AS difference
FROM gpb_function_rollup
WHERE printed_total IS NOT NULL AND printed_total <> total
ORDER BY unit_name, year, function_code;
