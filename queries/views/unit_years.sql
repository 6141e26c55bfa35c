-- unit_years: each budget document's headline figures next to the same unit's previous
-- budget year, matched by a stable unit key (region + unit name, party organs in their
-- official abbreviation, so 中国共产党江苏省委员会办公厅 2017 and 中共江苏省委办公厅 2018 are
-- one unit), with the change in percent (pct_change, exact, 2 decimals).
CREATE VIEW unit_years AS
WITH b AS (
    SELECT
        concat_ws('/', coalesce(region, '?'), unit_name) AS unit_key,
        region, unit_name, year,
        expenditure_total, basic_total, project_total, three_public_total, operating_cost
    FROM budget_totals
    WHERE kind = 'budget'
),
w AS (
    SELECT
        b.*,
        lag(year) OVER (PARTITION BY unit_key ORDER BY year) AS prev_year,
        lag(expenditure_total) OVER (PARTITION BY unit_key ORDER BY year) AS prev_expenditure,
        lag(basic_total) OVER (PARTITION BY unit_key ORDER BY year) AS prev_basic,
        lag(project_total) OVER (PARTITION BY unit_key ORDER BY year) AS prev_project,
        lag(three_public_total) OVER (PARTITION BY unit_key ORDER BY year) AS prev_three_public,
        lag(operating_cost) OVER (PARTITION BY unit_key ORDER BY year) AS prev_operating_cost
    FROM b
)
SELECT
    *,
    pct_change(expenditure_total, prev_expenditure) AS expenditure_pct,
    pct_change(project_total, prev_project) AS project_pct,
    pct_change(three_public_total, prev_three_public) AS three_public_pct
FROM w
