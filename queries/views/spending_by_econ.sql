-- spending_by_econ: 一般公共预算基本支出 by 部门经济分类 (类 301/302/303…, 款 30101…), one
-- row per printed code row, with the 人员经费/公用经费 split where the table prints it.
-- `standard_name` is the reference name of the code (ref_dept_econ), `row_label` as printed.
CREATE VIEW spending_by_econ AS
SELECT
    doc_id, year, any_value(region) AS region, any_value(unit_name) AS unit_name,
    econ_code,
    class_level(econ_code) AS level,
    any_value(row_label) AS row_label,
    class_name(econ_code) AS standard_name,
    max(CASE WHEN column_key = 'total' THEN amount END) AS total,
    max(CASE WHEN column_key = 'personnel' THEN amount END) AS personnel,
    max(CASE WHEN column_key = 'public' THEN amount END) AS public
FROM line_items
WHERE table_kind = 'gpb_basic_expenditure' AND row_kind = 'econ' AND econ_code IS NOT NULL
-- One row per printed row (document, table, row). Its name is the same in each of its
-- cells and region and unit are the document's, so they are taken with the group rather
-- than grouped on (text in the key cost a fifth of personnel_ratio's time); the code
-- stays in the key so that filters on it (level = 1) reach the scan.
GROUP BY doc_id, year, table_no, row_no, econ_code
