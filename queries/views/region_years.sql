-- region_years: per region and year, the budget documents ingested and their summed
-- headline figures (元), for cross-region comparison.
CREATE VIEW region_years AS
SELECT
    coalesce(region, '?') AS region,
    year,
    count(*) AS documents,
    sum(expenditure_total) AS expenditure_total,
    sum(basic_total) AS basic_total,
    sum(project_total) AS project_total,
    sum(three_public_total) AS three_public_total,
    sum(operating_cost) AS operating_cost
FROM budget_totals
WHERE kind = 'budget'
GROUP BY coalesce(region, '?'), year
