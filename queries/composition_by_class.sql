-- Spending composition by 类: each unit's 一般公共预算 spending per 功能分类 类, with its
-- share of the unit's total, largest first.
-- Parameters (the params CTE): year — NULL for every year.
WITH params AS (SELECT CAST(NULL AS INT) AS year),
c AS (
    SELECT g.year, g.unit_name, g.function_code, g.function_name, g.total
    FROM gpb_by_function g, params
    WHERE g.level = 1 AND (params.year IS NULL OR g.year = params.year)
)
SELECT
    year, unit_name, function_code, function_name,
    wan(total) AS total_wan,
    round(100.0 * CAST(total AS DOUBLE) / CAST(sum(total) OVER (PARTITION BY year, unit_name) AS DOUBLE), 2) AS share_pct
FROM c
ORDER BY year, unit_name, total DESC, function_code;
