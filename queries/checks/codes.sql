-- Code validity (domain.md §3.2 S7): the classification codes a table prints exist in the
-- reference lists (ref_dept_econ, ref_function_class). Findings carry the row's amount as
-- `actual` and no `expected`.

-- id: COD-001
-- severity: warning
-- scope: document
-- description: 部门经济分类科目编码不在2018年起施行的科目表中（2018年及以后的文件）(S7)
SELECT l.doc_id, l.year, l.table_kind AS tables, concat(l.econ_code, ' ', l.row_label) AS rows,
       CAST(NULL AS DECIMAL(18, 2)) AS expected, l.amount AS actual, 1 AS terms, l.source_unit,
       concat('经济分类科目编码', l.econ_code, '（', l.row_label, '）不在部门预算支出经济分类科目表中',
              coalesce(concat('；名称对应的编码为', (SELECT min(r2.code) FROM ref_dept_econ r2 WHERE r2.name = l.row_label)), '')) AS message
FROM line_items l
LEFT JOIN ref_dept_econ r ON r.code = substr(l.econ_code, 1, 5)
WHERE l.econ_code IS NOT NULL AND r.code IS NULL AND l.year >= 2018
  AND l.column_key = 'total';

-- id: COD-002
-- severity: error
-- scope: document
-- description: 功能分类类级编码不在类级科目表中 (S7)
SELECT l.doc_id, l.year, l.table_kind AS tables, concat(l.function_code, ' ', l.row_label) AS rows,
       CAST(NULL AS DECIMAL(18, 2)) AS expected, l.amount AS actual, 1 AS terms, l.source_unit,
       concat('功能分类类级编码', l.function_code, '（', l.row_label, '）不在支出功能分类科目表中') AS message
FROM line_items l
LEFT JOIN ref_function_class r ON r.code = l.function_code AND r.level = 1
WHERE l.function_code IS NOT NULL AND length(l.function_code) = 3 AND r.code IS NULL
  AND l.column_key IN ('total', 'amount');

-- id: COD-003
-- severity: warning
-- scope: document
-- description: 部门经济分类科目名称与编码不符：所印名称是另一个编码的标准名称（2018年及以后的文件）(S7)
-- (Names are compared without spaces and with （） read as (); a name several codes share
-- — 办公设备购置 under 309 and 310 — never counts as another code's.)
WITH names AS (
    SELECT code, replace(replace(name, '（', '('), '）', ')') AS name FROM ref_dept_econ
),
l AS (
    SELECT doc_id, year, table_kind, econ_code, row_label, amount, source_unit,
           replace(replace(replace(row_label, ' ', ''), '（', '('), '）', ')') AS label
    FROM line_items
    WHERE econ_code IS NOT NULL AND column_key = 'total' AND year >= 2018
)
SELECT l.doc_id, l.year, l.table_kind AS tables, concat(l.econ_code, ' ', l.row_label) AS rows,
       CAST(NULL AS DECIMAL(18, 2)) AS expected, l.amount AS actual, 1 AS terms, l.source_unit,
       concat('经济分类科目编码', l.econ_code, '的名称应为', own.name, '；所印"', l.row_label, '"是',
              min(other.code), '的名称') AS message
FROM l
JOIN names own ON own.code = l.econ_code
JOIN names other ON other.name = l.label AND other.code <> l.econ_code
WHERE own.name <> l.label
GROUP BY l.doc_id, l.year, l.table_kind, l.econ_code, l.row_label, l.amount, l.source_unit, own.name;

-- id: COD-004
-- severity: warning
-- scope: document
-- description: S7: a 功能分类 code cell printed damaged — truncated (2010), a stray digit (2), or a digit lost so that it reads as another code (201 03 5 on a row named 事业运行) — recognised from its row's name where the document prints that name with a whole code (ingest warning code_damaged)
WITH w AS (
    SELECT doc_id, year, line, table_kind, message, text
    FROM ingest_warnings WHERE code = 'code_damaged'
),
amt AS (
    SELECT l.doc_id, l.year, l.source_line, l.table_kind, max(l.amount) AS amount
    FROM line_items l
    JOIN w ON w.doc_id = l.doc_id AND w.year = l.year AND w.line = l.source_line
     AND w.table_kind = l.table_kind
    GROUP BY l.doc_id, l.year, l.source_line, l.table_kind
)
SELECT w.doc_id, w.year, w.table_kind AS tables, w.text AS rows,
       CAST(NULL AS DECIMAL(20, 2)) AS expected, coalesce(amt.amount, 0) AS actual, 0 AS terms,
       '' AS source_unit,
       concat('第', CAST(w.line AS VARCHAR), '行：', w.message) AS message
FROM w
LEFT JOIN amt ON amt.doc_id = w.doc_id AND amt.year = w.year AND amt.source_line = w.line
 AND amt.table_kind = w.table_kind;
