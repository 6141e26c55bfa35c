-- Personnel-cost ratio: 人员经费 as a share of 一般公共预算基本支出 per unit and year, from
-- the 基本支出 table's 人员经费/公用经费 columns where printed, else from the 经济分类 类
-- (301 工资福利 + 303 对个人和家庭的补助 count as personnel).
-- Parameters: none.
WITH by_class AS (
    SELECT doc_id,
           sum(CASE WHEN econ_code IN ('301', '303') THEN total END) AS personnel_by_class,
           sum(total) AS basic_by_class
    FROM spending_by_econ
    WHERE level = 1
    GROUP BY doc_id
)
SELECT b.year, b.unit_name,
       wan(coalesce(b.personnel_total, c.personnel_by_class)) AS personnel_wan,
       wan(coalesce(b.personnel_total + b.public_total, c.basic_by_class)) AS basic_wan,
       round(100.0 * CAST(coalesce(b.personnel_total, c.personnel_by_class) AS DOUBLE)
             / CAST(coalesce(b.personnel_total + b.public_total, c.basic_by_class) AS DOUBLE), 2) AS personnel_pct,
       CASE WHEN b.personnel_total IS NOT NULL THEN '人员经费 column' ELSE '经济分类 301+303' END AS basis
FROM budget_totals b
JOIN by_class c ON c.doc_id = b.doc_id
ORDER BY personnel_pct DESC, b.unit_name, b.year;
