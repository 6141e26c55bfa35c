-- gpb_function_rollup: the 一般公共预算支出表's leaf rows (printed rows with no printed
-- child) summed up the 功能分类 tree to every 类 and 款 (and kept at 项), beside the row the
-- table prints for that code. `printed_total - total` is 0 where the table adds up.
-- Names: class_name(code, year), the name in force that year.
CREATE VIEW gpb_function_rollup AS
WITH leaves AS (
    SELECT r.*
    FROM gpb_by_function r
    LEFT JOIN gpb_by_function c
        ON c.doc_id = r.doc_id AND class_parent(c.function_code) = r.function_code
    WHERE c.doc_id IS NULL
),
levels AS (
    SELECT 1 AS lvl UNION ALL SELECT 2 UNION ALL SELECT 3
),
rolled AS (
    SELECT
        l.doc_id, l.year, l.region, l.unit_name,
        lv.lvl AS level,
        class_prefix(l.function_code, lv.lvl) AS function_code,
        sum(l.total) AS total,
        sum(l.basic) AS basic,
        sum(l.project) AS project,
        count(*) AS leaf_rows
    FROM leaves l
    CROSS JOIN levels lv
    WHERE lv.lvl <= l.level
    GROUP BY l.doc_id, l.year, l.region, l.unit_name, lv.lvl, class_prefix(l.function_code, lv.lvl)
)
SELECT
    r.doc_id, r.year, r.region, r.unit_name, r.level, r.function_code,
    coalesce(p.function_name, class_name(r.function_code, r.year)) AS function_name,
    r.total, r.basic, r.project, r.leaf_rows,
    p.total AS printed_total
FROM rolled r
LEFT JOIN gpb_by_function p ON p.doc_id = r.doc_id AND p.function_code = r.function_code
