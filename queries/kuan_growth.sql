-- Top 款 by growth: 功能分类 款 whose 一般公共预算 spending grew most from one budget year
-- to the next within the same unit (percent, exact).
-- Parameters: min_total_wan in the params CTE — ignore 款 smaller than this in the later
-- year (万元); the LIMIT — how many rows.
WITH params AS (SELECT 0 AS min_total_wan),
k AS (
    SELECT region, unit_name, year, function_code, function_name, total
    FROM gpb_by_function WHERE level = 2
),
pairs AS (
    SELECT cur.region, cur.unit_name, cur.function_code, cur.function_name,
           prev.year AS from_year, cur.year AS to_year,
           prev.total AS from_total, cur.total AS to_total
    FROM k cur
    JOIN k prev
      ON prev.unit_name = cur.unit_name
     AND coalesce(prev.region, '') = coalesce(cur.region, '')
     AND prev.function_code = cur.function_code
     AND prev.year = cur.year - 1
)
SELECT unit_name, function_code, function_name, from_year, to_year,
       wan(from_total) AS from_wan, wan(to_total) AS to_wan,
       pct_change(to_total, from_total) AS growth_pct
FROM pairs, params
WHERE to_total >= CAST(params.min_total_wan AS DECIMAL(18, 2)) * 10000
ORDER BY growth_pct DESC NULLS LAST, unit_name, function_code
LIMIT 20;
