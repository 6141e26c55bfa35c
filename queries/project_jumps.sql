-- Project spending jumps: units whose 项目支出 grew by more than a threshold from one
-- budget year to the next.
-- Parameters: threshold_pct (default 30).
WITH params AS (SELECT 30 AS threshold_pct)
SELECT unit_name, prev_year, year,
       wan(prev_project) AS previous_wan, wan(project_total) AS project_wan, project_pct
FROM unit_years, params
WHERE prev_year = year - 1
  AND project_pct > CAST(params.threshold_pct AS DECIMAL(38, 2))
ORDER BY project_pct DESC, unit_name, year;
