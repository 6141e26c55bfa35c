-- Structure (domain.md §3.2 S1, S4, X12): the standard tables are present, empty tables say why
-- for the right fund, and no template placeholder is left in the published text. Findings
-- count tables (expected 1, actual 0) or name the text.

-- id: STR-001
-- severity: warning
-- scope: document
-- description: 预算公开的八张基本表齐全：收支总表、收入总表、支出总表、财政拨款收支总表、一般公共预算支出表、一般公共预算基本支出表、"三公"经费表、政府性基金预算支出表 (S1)
WITH required(table_kind, name) AS (
    VALUES ('income_expenditure_summary', '收支总表'), ('income', '收入总表'), ('expenditure', '支出总表'),
           ('fiscal_summary', '财政拨款收支总表'), ('gpb_expenditure', '一般公共预算支出表'),
           ('gpb_basic_expenditure', '一般公共预算基本支出表'), ('three_public', '"三公"经费表'),
           ('gov_fund_expenditure', '政府性基金预算支出表')
),
present AS (
    SELECT DISTINCT doc_id, table_kind FROM source_tables
    UNION ALL
    -- (Shenzhen prints 一般公共预算支出表（按经济分类）, basic and project spending by
    -- 经济分类, in place of the 基本支出表.)
    SELECT DISTINCT doc_id, 'gpb_basic_expenditure' FROM source_tables
    WHERE table_kind = 'gpb_expenditure' AND title LIKE '%经济分类%'
)
SELECT d.doc_id, d.year, r.name AS tables, '—' AS rows,
       CAST(1 AS DECIMAL(18, 2)) AS expected, CAST(0 AS DECIMAL(18, 2)) AS actual, 0 AS terms, '张' AS source_unit,
       concat('缺少', r.name) AS message
FROM documents d
CROSS JOIN required r
LEFT JOIN present p ON p.doc_id = d.doc_id AND p.table_kind = r.table_kind
WHERE d.kind = 'budget' AND p.doc_id IS NULL;

-- id: STR-002
-- severity: warning
-- scope: document
-- description: 空表的说明所述资金与表一致：政府性基金表不说国有资本经营，国有资本经营表不说政府性基金 (X12)
SELECT doc_id, year, title AS tables, note AS rows,
       CAST(1 AS DECIMAL(18, 2)) AS expected, CAST(0 AS DECIMAL(18, 2)) AS actual, 0 AS terms, '' AS source_unit,
       concat(title, '为空表，但其说明所述为',
              CASE table_kind WHEN 'soe_expenditure' THEN '政府性基金' ELSE '国有资本经营' END,
              '预算（说明套用了另一张表的）') AS message
FROM source_tables
WHERE is_empty AND note IS NOT NULL
  AND ((table_kind = 'soe_expenditure' AND note LIKE '%政府性基金%' AND note NOT LIKE '%国有资本%')
    OR (table_kind = 'gov_fund_expenditure' AND note LIKE '%国有资本%' AND note NOT LIKE '%政府性基金%'));

-- id: STR-003
-- severity: warning
-- scope: document
-- description: 公开文本中无模板占位符（XX、××、某某、待填写、请填写）：文件标题、单位名称、表标题与说明、预算说明 (S4)
WITH texts AS (
    SELECT doc_id, year, '文件标题' AS place, title AS text FROM documents
    UNION ALL SELECT doc_id, year, '单位名称', unit_name_printed FROM documents
    UNION ALL SELECT doc_id, year, concat(title, '（标题）'), title FROM source_tables
    UNION ALL SELECT doc_id, year, concat(title, '（说明）'), note FROM source_tables WHERE note IS NOT NULL
    UNION ALL SELECT DISTINCT doc_id, year, concat('预算说明·', section), sentence FROM narrative_facts
)
SELECT doc_id, year, place AS tables, text AS rows,
       CAST(1 AS DECIMAL(18, 2)) AS expected, CAST(0 AS DECIMAL(18, 2)) AS actual, 0 AS terms, '' AS source_unit,
       concat(place, '留有模板占位符：', text) AS message
FROM texts
WHERE regexp_like(text, '[XＸxｘ]{2,}|×{2,}|某某|＊{2,}|\*{2,}|待填写|请填写');
