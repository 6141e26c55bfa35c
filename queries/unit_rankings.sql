-- Cross-unit rankings: where each unit stands in its year by total spending, 三公 and
-- 机关运行经费 (1 = largest), and by spending within its region.
-- Parameters (the params CTE): year — NULL for every year.
WITH params AS (SELECT CAST(NULL AS INT) AS year)
SELECT r.year, r.unit_name, r.region,
       wan(r.expenditure_total) AS spending_wan, r.spending_rank, r.spending_rank_in_region,
       r.three_public_rank, r.operating_cost_rank
FROM unit_rankings r, params
WHERE params.year IS NULL OR r.year = params.year
ORDER BY r.year, r.spending_rank, r.unit_name;
