-- The unit's headline figures by year.
SELECT year, region,
       round(wan(income_total), 2) AS income_wan,
       round(wan(expenditure_total), 2) AS expenditure_wan,
       round(wan(basic_total), 2) AS basic_wan,
       round(wan(project_total), 2) AS project_wan,
       round(wan(three_public_total), 2) AS three_public_wan,
       round(wan(operating_cost), 2) AS operating_cost_wan,
       project_count
FROM budget_totals
WHERE kind = 'budget' AND unit_name = $unit
ORDER BY year, region
