-- The region's 三公经费 and 机关运行经费 by year.
SELECT year, round(wan(three_public_total), 2) AS three_public_wan,
       round(wan(operating_cost), 2) AS operating_cost_wan
FROM region_years
WHERE region = $region
ORDER BY year
