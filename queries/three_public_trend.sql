-- "三公"经费 trend: each unit's 三公 total by year with the change from its previous year
-- (units matched across years by region and name).
-- Parameters: none; filter unit_name to follow one unit.
SELECT unit_name, year,
       wan(three_public_total) AS three_public_wan,
       wan(prev_three_public) AS previous_wan,
       three_public_pct AS change_pct
FROM unit_years
WHERE three_public_total IS NOT NULL
ORDER BY unit_name, year;
