-- The region's budget units by year, largest spending first.
SELECT year, unit_name,
       round(wan(expenditure_total), 2) AS expenditure_wan,
       round(wan(basic_total), 2) AS basic_wan,
       round(wan(project_total), 2) AS project_wan,
       round(wan(three_public_total), 2) AS three_public_wan
FROM budget_totals
WHERE kind = 'budget' AND (region = $region OR (region IS NULL AND $region = '?'))
ORDER BY year DESC, expenditure_total DESC NULLS LAST, unit_name
