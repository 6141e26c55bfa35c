-- The region's totals by year, with the change from its previous year in the dataset.
SELECT year, documents,
       round(wan(expenditure_total), 2) AS expenditure_wan,
       round(wan(basic_total), 2) AS basic_wan,
       round(wan(project_total), 2) AS project_wan,
       pct_change(expenditure_total, lag(expenditure_total) OVER (ORDER BY year)) AS change_pct
FROM region_years
WHERE region = $region
ORDER BY year
