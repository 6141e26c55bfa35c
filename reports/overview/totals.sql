-- Per region and year: documents and their summed headline figures, in 万元.
SELECT region, year, documents,
       round(wan(expenditure_total), 2) AS expenditure_wan,
       round(wan(basic_total), 2) AS basic_wan,
       round(wan(project_total), 2) AS project_wan
FROM region_years
ORDER BY region, year
