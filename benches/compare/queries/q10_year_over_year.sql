-- Self-join: the 20 largest year-over-year increases of a unit's spending.
WITH t AS (
    SELECT region, unit_name, year, SUM(amount) AS total
    FROM line_items
    WHERE table_kind = 'expenditure' AND row_kind = 'total' AND column_key = 'total'
    GROUP BY region, unit_name, year
)
SELECT a.region, a.unit_name, a.year, a.total, b.total AS previous, a.total - b.total AS increase
FROM t a
JOIN t b ON b.region = a.region AND b.unit_name = a.unit_name AND b.year = a.year - 1
ORDER BY increase DESC, a.region, a.unit_name, a.year
LIMIT 20
