-- Per region: each year's spending next to the region's previous year in the dataset.
SELECT region, year, documents,
       round(wan(expenditure_total), 2) AS expenditure_wan,
       round(wan(prev_expenditure), 2) AS previous_wan,
       pct_change(expenditure_total, prev_expenditure) AS change_pct
FROM (
    SELECT region, year, documents, expenditure_total,
           lag(expenditure_total) OVER (PARTITION BY region ORDER BY year) AS prev_expenditure
    FROM region_years
) r
ORDER BY region, year
