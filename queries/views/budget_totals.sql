-- budget_totals: one row per document with its headline figures as printed, in 元.
-- NULL where the document does not print the figure. Use wan(x) to show 万元.
-- The line items are narrowed to the rows the figures come from (totals and the two
-- summary tables' 合计 lines) and pivoted per document before the join, so the view
-- reads a few rows per document, not all of them (docs/performance.md).
CREATE VIEW budget_totals AS
WITH l AS (
    SELECT
        doc_id,
        year,
        max(CASE WHEN table_kind = 'income_expenditure_summary' AND line_key = 'INC_TOTAL' THEN amount END) AS income_total,
        max(CASE WHEN table_kind = 'income_expenditure_summary' AND line_key = 'EXP_TOTAL' THEN amount END) AS expenditure_total,
        max(CASE WHEN table_kind = 'fiscal_summary' AND line_key = 'INC_TOTAL' THEN amount END) AS fiscal_income,
        max(CASE WHEN table_kind = 'expenditure' AND row_kind = 'total' AND column_key = 'basic' THEN amount END) AS basic_total,
        max(CASE WHEN table_kind = 'expenditure' AND row_kind = 'total' AND column_key = 'project' THEN amount END) AS project_total,
        max(CASE WHEN table_kind = 'gpb_expenditure' AND row_kind = 'total' AND column_key = 'total' THEN amount END) AS gpb_total,
        max(CASE WHEN table_kind = 'gpb_basic_expenditure' AND row_kind = 'total' AND column_key = 'personnel' THEN amount END) AS personnel_total,
        max(CASE WHEN table_kind = 'gpb_basic_expenditure' AND row_kind = 'total' AND column_key = 'public' THEN amount END) AS public_total,
        max(CASE WHEN table_kind = 'three_public' AND row_kind = 'total' AND column_key = 'total' THEN amount END) AS three_public_total,
        coalesce(
            max(CASE WHEN table_kind = 'operating_cost' AND row_kind = 'total' AND column_key = 'total' THEN amount END),
            max(CASE WHEN table_kind = 'three_public' AND column_key = 'operating_cost' THEN amount END)
        ) AS operating_cost
    FROM line_items
    WHERE (table_kind IN ('income_expenditure_summary', 'fiscal_summary')
           AND line_key IN ('INC_TOTAL', 'EXP_TOTAL'))
       OR (table_kind IN ('expenditure', 'gpb_expenditure', 'gpb_basic_expenditure',
                          'three_public', 'operating_cost')
           AND row_kind = 'total'
           AND column_key IN ('basic', 'project', 'total', 'personnel', 'public'))
       OR (table_kind = 'three_public' AND column_key = 'operating_cost')
    GROUP BY doc_id, year
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
    l.income_total,
    l.expenditure_total,
    l.fiscal_income,
    l.basic_total,
    l.project_total,
    l.gpb_total,
    l.personnel_total,
    l.public_total,
    l.three_public_total,
    l.operating_cost,
    p.project_count,
    p.project_list_total
FROM documents d
LEFT JOIN l ON l.doc_id = d.doc_id AND l.year = d.year
LEFT JOIN p ON p.doc_id = d.doc_id AND p.year = d.year
