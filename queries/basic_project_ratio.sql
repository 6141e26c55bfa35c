-- Basic/project ratio distribution: how documents split their spending between 基本支出
-- and 项目支出, in bands of the basic share.
-- Parameters: none.
WITH s AS (
    SELECT unit_name, year,
           100.0 * CAST(basic_total AS DOUBLE) / CAST(basic_total + project_total AS DOUBLE) AS basic_pct
    FROM budget_totals
    WHERE basic_total IS NOT NULL AND project_total IS NOT NULL
)
SELECT CAST(floor(basic_pct / 20) * 20 AS INT) AS basic_pct_from,
       CAST(floor(basic_pct / 20) * 20 + 20 AS INT) AS basic_pct_to,
       count(*) AS documents,
       string_agg(unit_name || ' ' || CAST(year AS VARCHAR), '; ' ORDER BY unit_name, year) AS which
FROM s
GROUP BY floor(basic_pct / 20)
ORDER BY basic_pct_from;
