-- budget_totals: one row per document with its headline figures as printed, in 元.
-- NULL where the document does not print the figure. Use wan(x) to show 万元.
CREATE VIEW budget_totals AS
WITH l AS (
    SELECT doc_id, year, table_kind, row_kind, line_key, column_key, amount FROM line_items
),
p AS (
    SELECT doc_id, year, count(*) AS project_count, sum(total) AS project_list_total
    FROM projects WHERE table_kind = 'project_expenditure'
    GROUP BY doc_id, year
)
SELECT
    d.doc_id,
    d.year,
    d.region,
    d.unit_name,
    d.kind,
    d.scope,
    max(CASE WHEN l.table_kind = 'income_expenditure_summary' AND l.line_key = 'INC_TOTAL' THEN l.amount END) AS income_total,
    max(CASE WHEN l.table_kind = 'income_expenditure_summary' AND l.line_key = 'EXP_TOTAL' THEN l.amount END) AS expenditure_total,
    max(CASE WHEN l.table_kind = 'fiscal_summary' AND l.line_key = 'INC_TOTAL' THEN l.amount END) AS fiscal_income,
    max(CASE WHEN l.table_kind = 'expenditure' AND l.row_kind = 'total' AND l.column_key = 'basic' THEN l.amount END) AS basic_total,
    max(CASE WHEN l.table_kind = 'expenditure' AND l.row_kind = 'total' AND l.column_key = 'project' THEN l.amount END) AS project_total,
    max(CASE WHEN l.table_kind = 'gpb_expenditure' AND l.row_kind = 'total' AND l.column_key = 'total' THEN l.amount END) AS gpb_total,
    max(CASE WHEN l.table_kind = 'gpb_basic_expenditure' AND l.row_kind = 'total' AND l.column_key = 'personnel' THEN l.amount END) AS personnel_total,
    max(CASE WHEN l.table_kind = 'gpb_basic_expenditure' AND l.row_kind = 'total' AND l.column_key = 'public' THEN l.amount END) AS public_total,
    max(CASE WHEN l.table_kind = 'three_public' AND l.row_kind = 'total' AND l.column_key = 'total' THEN l.amount END) AS three_public_total,
    coalesce(
        max(CASE WHEN l.table_kind = 'operating_cost' AND l.row_kind = 'total' AND l.column_key = 'total' THEN l.amount END),
        max(CASE WHEN l.table_kind = 'three_public' AND l.column_key = 'operating_cost' THEN l.amount END)
    ) AS operating_cost,
    max(p.project_count) AS project_count,
    max(p.project_list_total) AS project_list_total
FROM documents d
LEFT JOIN l ON l.doc_id = d.doc_id AND l.year = d.year
LEFT JOIN p ON p.doc_id = d.doc_id AND p.year = d.year
GROUP BY d.doc_id, d.year, d.region, d.unit_name, d.kind, d.scope
