-- Classification hierarchy (domain.md §3.2 R5, R7): a printed 类 equals the sum of its
-- printed 款, a 款 the sum of its 项 — only where children are printed — in every column
-- of every table with 功能分类 or 经济分类 rows; and the 合计 row equals the sum of the 类.
-- (The children's sums come first in each join: the smaller side is the one held in
-- memory. Rows are compared without their names; the few that fail get theirs after.)
-- A table listed by unit (Shenzhen: 预算单位 | 科目编码 | …) repeats the codes under each
-- unit: rows are compared within their `budget_unit`.

-- id: HIE-001
-- severity: error
-- scope: document
-- description: 功能分类：类 = Σ款、款 = Σ项（有下级时），每张表每一列 (R5)
WITH c AS (
    SELECT doc_id, year, table_no, row_no, coalesce(budget_unit, '') AS part, column_key,
           function_code AS code, amount
    FROM line_items
    WHERE row_kind = 'function' AND function_code IS NOT NULL
      AND table_kind NOT IN ('income_expenditure_summary', 'fiscal_summary')
),
kids AS (
    SELECT doc_id, table_no, part, column_key, class_parent(code) AS parent, sum(amount) AS total, count(*) AS n
    FROM c WHERE length(code) IN (5, 7)
    GROUP BY doc_id, table_no, part, column_key, class_parent(code)
),
f AS (
    -- Only 类 and 款 rows can be parents.
    SELECT p.doc_id, p.year, p.table_no, p.row_no, p.column_key, p.code, p.amount, k.total, k.n
    FROM kids k
    JOIN c p ON k.doc_id = p.doc_id AND k.table_no = p.table_no AND k.part = p.part
     AND k.column_key = p.column_key AND k.parent = p.code
    WHERE length(p.code) < 7 AND p.amount IS DISTINCT FROM k.total
)
SELECT f.doc_id, f.year, l.table_kind AS tables, concat(f.code, ' ', l.row_label, '（', f.column_key, '）') AS rows,
       f.amount AS expected, f.total AS actual, f.n + 1 AS terms, l.source_unit,
       concat(f.code, ' ', l.row_label, '：不等于其下级科目之和') AS message
FROM f JOIN line_items l
  ON l.doc_id = f.doc_id AND l.year = f.year AND l.table_no = f.table_no AND l.row_no = f.row_no
 AND l.column_key = f.column_key AND l.row_kind = 'function';

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
-- description: 经济分类：类 = Σ款、款 = Σ细目（有下级时），每张表每一列 (R7)
-- A table that pairs each 部门 code with a 政府 code and prints a 类 once per 政府 类
-- (Yantai: 301 工资福利支出 | 501 …, then 301 | 505 …) compares each such 类 row with the
-- 款 of its own 政府 类; a 7-digit sub-item (`econ_detail`, Chongqing 3010201) adds up to
-- the 款 above it.
WITH c AS (
    SELECT doc_id, year, table_no, row_no, coalesce(budget_unit, '') AS part, column_key,
           econ_code AS code, coalesce(substr(gov_econ_code, 1, 3), '') AS gov, amount
    FROM line_items
    WHERE row_kind IN ('econ', 'econ_detail') AND econ_code IS NOT NULL
),
paired AS (
    -- The 类 printed once per 政府 类.
    SELECT doc_id, table_no, part, code
    FROM c WHERE length(code) = 3
    GROUP BY doc_id, table_no, part, code
    HAVING count(DISTINCT gov) > 1
),
keyed AS (
    SELECT c.*, CASE WHEN p.code IS NULL THEN '' ELSE c.gov END AS pair
    FROM c LEFT JOIN paired p
      ON c.doc_id = p.doc_id AND c.table_no = p.table_no AND c.part = p.part
     AND substr(c.code, 1, 3) = p.code
),
kids AS (
    SELECT doc_id, table_no, part, pair, column_key,
           CASE WHEN length(code) = 7 THEN substr(code, 1, 5) ELSE class_parent(code) END AS parent,
           sum(amount) AS total, count(*) AS n
    FROM keyed WHERE length(code) IN (5, 7)
    GROUP BY 1, 2, 3, 4, 5, 6
),
f AS (
    -- 类 rows, and 款 rows with sub-items.
    SELECT p.doc_id, p.year, p.table_no, p.row_no, p.column_key, p.code, p.amount, k.total, k.n
    FROM kids k
    JOIN keyed p ON k.doc_id = p.doc_id AND k.table_no = p.table_no AND k.part = p.part
     AND k.pair = p.pair AND k.column_key = p.column_key AND k.parent = p.code
    WHERE length(p.code) IN (3, 5) AND p.amount IS DISTINCT FROM k.total
)
SELECT f.doc_id, f.year, l.table_kind AS tables, concat(f.code, ' ', l.row_label, '（', f.column_key, '）') AS rows,
       f.amount AS expected, f.total AS actual, f.n + 1 AS terms, l.source_unit,
       concat(f.code, ' ', l.row_label, '：不等于其下级科目之和') AS message
FROM f JOIN line_items l
  ON l.doc_id = f.doc_id AND l.year = f.year AND l.table_no = f.table_no AND l.row_no = f.row_no
 AND l.column_key = f.column_key AND l.row_kind = 'econ';
