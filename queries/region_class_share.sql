-- Each region's share of a 类: the 一般公共预算 spending of one 功能分类 类 by region and
-- year, as a share of all ingested regions' spending on it.
-- Parameters: class_code (default '208' 社会保障和就业支出).
WITH params AS (SELECT '208' AS class_code),
r AS (
    SELECT coalesce(g.region, '?') AS region, g.year, sum(g.total) AS total
    FROM gpb_by_function g, params
    WHERE g.level = 1 AND g.function_code = params.class_code
    GROUP BY coalesce(g.region, '?'), g.year
)
SELECT region, year, wan(total) AS total_wan,
       round(100.0 * CAST(total AS DOUBLE) / CAST(sum(total) OVER (PARTITION BY year) AS DOUBLE), 2) AS share_pct
FROM r
ORDER BY year, total DESC, region;
