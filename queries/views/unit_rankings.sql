-- unit_rankings: each budget document's rank by total spending, 三公 and 机关运行经费 among
-- all units of its year, and by total spending within its region and year.
CREATE VIEW unit_rankings AS
SELECT
    doc_id, year, region, unit_name,
    expenditure_total,
    rank() OVER (PARTITION BY year ORDER BY expenditure_total DESC NULLS LAST) AS spending_rank,
    rank() OVER (PARTITION BY year, region ORDER BY expenditure_total DESC NULLS LAST) AS spending_rank_in_region,
    three_public_total,
    rank() OVER (PARTITION BY year ORDER BY three_public_total DESC NULLS LAST) AS three_public_rank,
    operating_cost,
    rank() OVER (PARTITION BY year ORDER BY operating_cost DESC NULLS LAST) AS operating_cost_rank
FROM budget_totals
WHERE kind = 'budget'
