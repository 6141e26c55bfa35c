-- The unit's changes from its previous year in the dataset (unit_years matches a unit
-- across years by region and name, party organs under their abbreviation).
SELECT year, prev_year, expenditure_pct, project_pct, three_public_pct
FROM unit_years
WHERE unit_name = $unit
ORDER BY year
