-- Each region's latest year in the dataset: units and spending.
SELECT region, year, documents, round(wan(expenditure_total), 2) AS expenditure_wan
FROM (
    SELECT *, row_number() OVER (PARTITION BY region ORDER BY year DESC) AS n FROM region_years
) r
WHERE n = 1
ORDER BY expenditure_total DESC NULLS LAST, region
