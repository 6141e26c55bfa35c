-- 三公经费 and 机关运行经费 per region and year, with the change from the previous year.
SELECT region, year,
       round(wan(three_public_total), 2) AS three_public_wan,
       pct_change(three_public_total, lag(three_public_total) OVER (PARTITION BY region ORDER BY year)) AS three_public_change_pct,
       round(wan(operating_cost), 2) AS operating_cost_wan,
       pct_change(operating_cost, lag(operating_cost) OVER (PARTITION BY region ORDER BY year)) AS operating_cost_change_pct
FROM region_years
ORDER BY region, year
