-- 机关运行经费 ranking: units by operating cost, with its share of 基本支出.
-- Parameters: year — NULL for every year.
WITH params AS (SELECT CAST(NULL AS INT) AS year)
SELECT b.year, b.unit_name, wan(b.operating_cost) AS operating_cost_wan,
       round(100.0 * CAST(b.operating_cost AS DOUBLE) / CAST(b.basic_total AS DOUBLE), 2) AS share_of_basic_pct,
       rank() OVER (PARTITION BY b.year ORDER BY b.operating_cost DESC) AS rank_in_year
FROM budget_totals b, params
WHERE b.operating_cost IS NOT NULL AND (params.year IS NULL OR b.year = params.year)
ORDER BY b.year, rank_in_year, b.unit_name;
