-- Classification hierarchy (domain.md §3.2 R5, R7): a printed 类 equals the sum of its
-- printed 款, a 款 the sum of its 项 — only where children are printed — in every column
-- of every table with 功能分类 or 经济分类 rows; and the 合计 row equals the sum of the 类.
-- (The children's sums come first in each join: the smaller side is the one held in
-- memory.)

-- id: HIE-001
-- severity: error
-- scope: document
-- description: 功能分类：类 = Σ款、款 = Σ项（有下级时），每张表每一列 (R5)
WITH c AS (
    SELECT doc_id, year, table_kind, table_no, column_key, function_code AS code, amount, source_unit, row_label
    FROM line_items
    WHERE row_kind = 'function' AND function_code IS NOT NULL
      AND table_kind NOT IN ('income_expenditure_summary', 'fiscal_summary')
),
kids AS (
    SELECT doc_id, table_no, column_key, class_parent(code) AS parent, sum(amount) AS total, count(*) AS n
    FROM c WHERE class_parent(code) IS NOT NULL
    GROUP BY doc_id, table_no, column_key, class_parent(code)
)
SELECT p.doc_id, p.year, p.table_kind AS tables, concat(p.code, ' ', p.row_label, '（', p.column_key, '）') AS rows,
       p.amount AS expected, k.total AS actual, k.n + 1 AS terms, p.source_unit,
       concat(p.code, ' ', p.row_label, '：不等于其下级科目之和') AS message
FROM kids k
JOIN c p ON k.doc_id = p.doc_id AND k.table_no = p.table_no AND k.column_key = p.column_key AND k.parent = p.code;

-- id: HIE-002
-- severity: error
-- scope: document
-- description: 功能分类表：合计 = Σ类，每一列 (R5)
WITH lei AS (
    SELECT doc_id, table_no, column_key, sum(amount) AS total, count(*) AS n
    FROM line_items
    WHERE row_kind = 'function' AND length(function_code) = 3
      AND table_kind NOT IN ('income_expenditure_summary', 'fiscal_summary')
    GROUP BY doc_id, table_no, column_key
)
SELECT t.doc_id, t.year, t.table_kind AS tables, concat('合计（', t.column_key, '）') AS rows,
       t.amount AS expected, l.total AS actual, l.n + 1 AS terms, t.source_unit,
       '合计不等于各类（功能分类）之和' AS message
FROM lei l
JOIN line_items t ON l.doc_id = t.doc_id AND l.table_no = t.table_no AND l.column_key = t.column_key
WHERE t.row_kind = 'total';

-- id: HIE-003
-- severity: error
-- scope: document
-- description: 经济分类：类 = Σ款（有下级时），每张表每一列 (R7)
WITH c AS (
    SELECT doc_id, year, table_kind, table_no, column_key, econ_code AS code, amount, source_unit, row_label
    FROM line_items
    WHERE row_kind = 'econ' AND econ_code IS NOT NULL
),
kids AS (
    SELECT doc_id, table_no, column_key, class_parent(code) AS parent, sum(amount) AS total, count(*) AS n
    FROM c WHERE class_parent(code) IS NOT NULL
    GROUP BY doc_id, table_no, column_key, class_parent(code)
)
SELECT p.doc_id, p.year, p.table_kind AS tables, concat(p.code, ' ', p.row_label, '（', p.column_key, '）') AS rows,
       p.amount AS expected, k.total AS actual, k.n + 1 AS terms, p.source_unit,
       concat(p.code, ' ', p.row_label, '：不等于其下级科目之和') AS message
FROM kids k
JOIN c p ON k.doc_id = p.doc_id AND k.table_no = p.table_no AND k.column_key = p.column_key AND k.parent = p.code;
