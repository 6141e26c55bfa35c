-- The 20 units with the largest spending in year $year, across regions.
SELECT spending_rank AS rank, region, unit_name,
       round(wan(expenditure_total), 2) AS expenditure_wan,
       spending_rank_in_region AS rank_in_region,
       round(wan(three_public_total), 2) AS three_public_wan
FROM unit_rankings
WHERE year = $year AND expenditure_total IS NOT NULL
ORDER BY spending_rank, region, unit_name
LIMIT 20
