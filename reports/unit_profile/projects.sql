-- The unit's ten largest projects of each year.
SELECT year, project_name, round(wan(total), 2) AS total_wan
FROM (
    SELECT year, project_name, total,
           row_number() OVER (PARTITION BY year ORDER BY total DESC NULLS LAST, project_name) AS n
    FROM projects
    WHERE unit_name = $unit
) p
WHERE n <= 10
ORDER BY year, total DESC NULLS LAST, project_name
